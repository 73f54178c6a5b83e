/* cmd_staff: "hallpass staff" (staff console accounts) and "hallpass engagement" (who the district reaches). */
#ifndef HALLPASS_CMD_STAFF_H
#define HALLPASS_CMD_STAFF_H

/*
 * argv[0] is "staff": add ID --role R [--school S]... [--setup-code] |
 * list [--json] | remove ID | passwd ID [--setup-code].  Passwords are read
 * from standard input (one line), or a one-time setup code is printed.
 * Exit status: 0 done, 1 failure (unknown or taken id), 2 usage.
 */
int	cmd_staff(const char *dir, int argc, char **argv);
/*
 * argv[0] is "engagement": the engagement report per school and group
 * [--school S] [--json|--csv], or the families to reach [--families
 * [--group G]] (text or --csv).  Exit status: 0, 1 failure, 2 usage.
 */
int	cmd_engagement(const char *dir, int argc, char **argv);

#endif
