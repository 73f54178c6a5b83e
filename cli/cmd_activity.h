/* cmd_activity: "hallpass activity", the recorded flow decisions from the store, as text or JSON lines. */
#ifndef HALLPASS_CMD_ACTIVITY_H
#define HALLPASS_CMD_ACTIVITY_H

/* argv[0] is "activity".  Exit status: 0 printed (maybe nothing), 1 config, roster or database error, 2 usage. */
int	cmd_activity(const char *dir, int argc, char **argv);

#endif
