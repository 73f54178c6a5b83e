/* cmd_inspect: "hallpass inspect", captures through the daemon's extractors and the policy. */
#ifndef HALLPASS_CMD_INSPECT_H
#define HALLPASS_CMD_INSPECT_H

/* argv[0] is "inspect".  Exit status: 0 read, 1 unreadable capture or config, 2 usage. */
int	cmd_inspect(const char *dir, int argc, char **argv);

#endif
