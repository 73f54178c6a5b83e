/* cmd_digest: "hallpass digest", the guardians' summary e-mails and blocked-category alerts that are due (docs/digest.md). */
#ifndef HALLPASS_CMD_DIGEST_H
#define HALLPASS_CMD_DIGEST_H

/* argv[0] is "digest".  Exit status: 0 all due sent, 1 some deferred or an error, 2 usage. */
int	cmd_digest(const char *dir, int argc, char **argv);

#endif
