/* cmd_guardian: "hallpass guardian invite", enrolment codes for the parent dashboard. */
#ifndef HALLPASS_CMD_GUARDIAN_H
#define HALLPASS_CMD_GUARDIAN_H

/*
 * argv[0] is "guardian".  "guardian invite ID [--days N]" makes a single-use
 * code for guardian ID (from policy.yaml), stores its hash and prints the code
 * and its expiry.  Exit status: 0 done, 1 unknown guardian or failure, 2 usage.
 */
int	cmd_guardian(const char *dir, int argc, char **argv);

#endif
