/* cmd_roster: "hallpass roster import|devices|list", the district's roster from the SIS (docs/roster.md). */
#ifndef HALLPASS_CMD_ROSTER_H
#define HALLPASS_CMD_ROSTER_H

/*
 * argv[0] is "roster".  "import oneroster PATH [-d DEVICES]" and "devices
 * PATH" rewrite DIR/roster.csv atomically after checking everything;
 * "list [--school S] [--json]" prints what is in force.  Exit status: 0 done,
 * 1 invalid input or failure (nothing applied), 2 usage.
 */
int	cmd_roster(const char *dir, int argc, char **argv);

#endif
