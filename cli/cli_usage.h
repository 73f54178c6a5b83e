/* cli_usage: the one-line usage errors every hallpass subcommand prints, each pointing at its --help. */
#ifndef HALLPASS_CLI_USAGE_H
#define HALLPASS_CLI_USAGE_H

#define CLI_EXIT_USAGE	2

/*
 * Prints "hallpass: SUB: MESSAGE; see 'hallpass SUB --help'" (or "see
 * 'hallpass help'" when sub is NULL) to standard error, one line.  Returns
 * CLI_EXIT_USAGE so callers can "return cli_usage_error(...)".
 */
int	cli_usage_error(const char *sub, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The same for getopt_long's '?' (unknown option) and ':' (missing argument):
 * the optstring must start with ':' (after any '+') and opterr be 0.
 */
int	cli_bad_option(const char *sub, int ch, char **argv);

/*
 * A missing configuration directory, as one line naming -c; 0 when dir is a
 * directory, else 1 (the exit status: a configuration error).
 */
int	cli_need_dir(const char *dir);

/* A database that would not open: the store's error and the setting that chooses the database. */
void	cli_database_error(const char *sub, const char *dir, const char *err);

#endif
