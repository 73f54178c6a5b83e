/* cli_usage: one line that says what was wrong and where help is, instead of a page of usage. */
#include "cli_usage.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
cli_usage_error(const char *sub, const char *fmt, ...)
{
	va_list	 ap;

	fputs("hallpass: ", stderr);
	if (sub != NULL)
		fprintf(stderr, "%s: ", sub);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (sub != NULL)
		fprintf(stderr, "; see 'hallpass %s --help'\n", sub);
	else
		fputs("; see 'hallpass help'\n", stderr);
	return CLI_EXIT_USAGE;
}

int
cli_bad_option(const char *sub, int ch, char **argv)
{
	const char	*arg = optind > 0 ? argv[optind - 1] : "";
	int		 len;

	/* A long option is named as typed, without any "=value"; a short one by its letter, even inside "-jx". */
	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		len = (int)strcspn(arg, "=");
		if (ch == ':')
			return cli_usage_error(sub, "option %.*s needs an argument",
			    len, arg);
		if (arg[len] == '=' && optopt != 0)
			return cli_usage_error(sub, "option %.*s takes no argument",
			    len, arg);
		return cli_usage_error(sub, "unknown option %.*s", len, arg);
	}
	if (ch == ':')
		return cli_usage_error(sub, "option -%c needs an argument", optopt);
	if (optopt > 0x20 && optopt < 0x7f)
		return cli_usage_error(sub, "unknown option -%c", optopt);
	return cli_usage_error(sub, "unknown option %s", arg ? arg : "");
}

int
cli_need_dir(const char *dir)
{
	struct stat	 st;
	const char	*why;

	if (stat(dir, &st) != 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else
		return 0;
	fprintf(stderr, "hallpass: configuration directory %s: %s; use -c DIR to "
	    "name another (default /etc/hallpass)\n", dir, why);
	return 1;
}

void
cli_database_error(const char *sub, const char *dir, const char *err)
{
	fprintf(stderr, "hallpass: %s: %s (the \"database\" setting in "
	    "%s/hallpass.yaml chooses the database; hallpassd creates it)\n", sub,
	    err, dir);
}
