/* cmd_purge: "hallpass purge", every retention period of hallpass.yaml applied to the database now (for a district database, run on a timer). */
#ifndef HALLPASS_CMD_PURGE_H
#define HALLPASS_CMD_PURGE_H

/* argv[0] is "purge".  Exit status: 0 purged, 1 config or database error, 2 usage. */
int	cmd_purge(const char *dir, int argc, char **argv);

#endif
