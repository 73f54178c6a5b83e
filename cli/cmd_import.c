/* cmd_import: "hallpass import hosts|adblock|ut1 ..." - converts a third-party list into one rule-set file. */
#include "cmd_import.h"
#include "cli_usage.h"
#include "hp_str.h"
#include "import.h"
#include "priv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CMD_IMPORT_CATEGORY_MAX	64

static void
cmd_import_usage(FILE *f)
{
	fputs("usage: hallpass import hosts|adblock|ut1 FILE_OR_DIR "
	    "--category NAME [-o OUT.yaml] [--description TEXT]\n", f);
}

static void
cmd_import_help(void)
{
	cmd_import_usage(stdout);
	fputs("\n"
	    "Converts a block list into a hallpass rule set (one category).\n"
	    "\n"
	    "  hosts    hosts file (\"0.0.0.0 a.com b.com\") or one domain per line;\n"
	    "           localhost-style names are skipped; FILE may be - for stdin\n"
	    "  adblock  Adblock Plus / uBlock list: only \"||domain^\" rules, with\n"
	    "           party/important options, become domains; other rules are\n"
	    "           counted as unsupported; FILE may be - for stdin\n"
	    "  ut1      UT1/squidGuard category folder with \"domains\" and/or \"urls\";\n"
	    "           \"expressions\" files are not imported\n"
	    "\n"
	    "  -c, --category NAME      [a-z0-9][a-z0-9_-]{0,63}, not \"all\"\n"
	    "  -o, --output OUT.yaml    written atomically (OUT.yaml.tmp, then renamed);\n"
	    "                           default standard output\n"
	    "  -d, --description TEXT   default \"Imported from <source name>\"\n"
	    "  -h, --help\n"
	    "\n"
	    "Domains are normalised, sorted and de-duplicated.  Bad lines are skipped;\n"
	    "the first 10 are shown as FILE:LINE: why.  Exit status: 0 imported,\n"
	    "1 unreadable input, nothing to import or write failure, 2 usage error.\n"
	    "SOURCE_DATE_EPOCH, when set, fixes the date in the header comment.\n",
	    stdout);
}

static int
cmd_import_category_ok(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > CMD_IMPORT_CATEGORY_MAX ||
	    strcmp(s, "all") == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char	 c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '_' || c == '-'))))
			return 0;
	}
	return 1;
}

/* "Imported from gambling" for ".../ut1/gambling/": the name a person recognises, never invalid UTF-8. */
static char *
cmd_import_default_description(const char *src)
{
	const char *base, *end;
	char	*d;
	size_t	 i, off;

	if (strcmp(src, "-") == 0)
		return strdup("Imported from standard input");
	end = src + strlen(src);
	while (end > src + 1 && end[-1] == '/')
		end--;
	for (base = end; base > src && base[-1] != '/'; base--)
		;
	if (base == end)
		base = src;
	if (asprintf(&d, "Imported from %.*s", (int)(end - base), base) < 0)
		return NULL;
	off = strlen("Imported from ");
	if (!hp_utf8_valid(d, strlen(d)))
		for (i = off; d[i] != '\0'; i++)
			if ((unsigned char)d[i] >= 0x80)
				d[i] = '?';
	return d;
}

static void
cmd_import_date(char *buf, size_t bufsz)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t	 t = time(NULL);
	struct tm tm;
	char	*end;

	/* Reproducible builds: the same input then gives byte-identical output. */
	if (sde != NULL && *sde != '\0') {
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0)
			t = (time_t)v;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, bufsz, "unknown date");
}

static int
cmd_import_read(const char *format, const char *src, struct import_result *r)
{
	FILE	*in;
	int	 rc;

	if (strcmp(format, "ut1") == 0)
		return import_ut1_dir(src, r, stderr);
	if (strcmp(src, "-") == 0)
		in = stdin;
	else if ((in = fopen(src, "r")) == NULL) {
		fprintf(stderr, "hallpass import: %s: %s\n", src,
		    strerror(errno));
		return -1;
	}
	if (strcmp(format, "hosts") == 0)
		rc = import_hosts(in, in == stdin ? "<stdin>" : src, r, stderr);
	else
		rc = import_adblock(in, in == stdin ? "<stdin>" : src, r,
		    stderr);
	if (in != stdin)
		fclose(in);
	return rc;
}

/*
 * Readers of OUT see the old rule set or the new one, never half of one.  The
 * temporary file is opened before the input is read, so the parser runs
 * sandboxed with no right to create files.
 */
static FILE *
cmd_import_open_tmp(const char *out, char **tmp)
{
	FILE	*f = NULL;
	int	 fd;

	if (asprintf(tmp, "%s.tmp", out) < 0) {
		*tmp = NULL;
		fprintf(stderr, "hallpass import: out of memory\n");
		return NULL;
	}
	fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "hallpass import: %s: %s\n", *tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	return f;
}

static int
cmd_import_write_file(FILE *f, const char *tmp, const char *out,
    const char *category, const char *description, const char *comment,
    const struct import_result *r)
{
	int	 ok;

	ok = import_write_yaml(f, category, description, comment, r) == 0 &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, out) == -1)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "hallpass import: %s: %s\n", out,
		    strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	return ok ? 0 : -1;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "category",	 required_argument, NULL, 'c' },
		{ "output",	 required_argument, NULL, 'o' },
		{ "description", required_argument, NULL, 'd' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_result r;
	const char *category = NULL, *out = NULL, *format, *src;
	char	*description = NULL, *comment = NULL, *tmp = NULL, date[32];
	char	 err[256];
	FILE	*of = NULL;
	int	 ch, rc = 1;

	/* The dispatcher or an earlier command may have used getopt; 0 makes glibc start afresh. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:o:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			category = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'd':
			free(description);
			if ((description = strdup(optarg)) == NULL) {
				fprintf(stderr, "hallpass import: out of memory\n");
				return 1;
			}
			break;
		case 'h':
			free(description);
			cmd_import_help();
			return 0;
		default:
			free(description);
			return cli_bad_option("import", ch, argv);
		}
	}
	if (argc - optind != 2) {
		free(description);
		return cli_usage_error("import", argc - optind < 2 ?
		    "needs a format and a file or folder" : "too many arguments");
	}
	format = argv[optind];
	src = argv[optind + 1];
	if (strcmp(format, "hosts") != 0 && strcmp(format, "adblock") != 0 &&
	    strcmp(format, "ut1") != 0) {
		free(description);
		return cli_usage_error("import", "unknown format \"%s\" (hosts, "
		    "adblock or ut1)", format);
	}
	if (category == NULL) {
		free(description);
		return cli_usage_error("import", "--category is required");
	}
	if (!cmd_import_category_ok(category)) {
		free(description);
		return cli_usage_error("import", "bad category name \"%s\": wants "
		    "[a-z0-9][a-z0-9_-]{0,63}, not \"all\"", category);
	}
	if (description != NULL &&
	    !hp_utf8_valid(description, strlen(description))) {
		free(description);
		return cli_usage_error("import", "--description is not valid UTF-8");
	}
	if (description == NULL &&
	    (description = cmd_import_default_description(src)) == NULL) {
		fprintf(stderr, "hallpass import: out of memory\n");
		return 1;
	}

	import_result_init(&r);
	if (out != NULL && strcmp(out, "-") != 0 &&
	    (of = cmd_import_open_tmp(out, &tmp)) == NULL)
		goto done;
	/* The lists are untrusted: the parser may open files to read (a UT1 folder), nothing more. */
	if (priv_sandbox("hallpass", PRIV_SANDBOX_READONLY, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass import: %s\n", err);
		goto done;
	}
	if (cmd_import_read(format, src, &r) == -1)
		goto done;
	fprintf(stderr, "hallpass import: %s: %zu domains, %zu urls; "
	    "%zu duplicates, %zu unsupported rules, %zu local names skipped, "
	    "%zu bad lines skipped", src, r.domains.n, r.urls.n, r.duplicates,
	    r.unsupported, r.skipped, r.bad);
	if (r.bad > r.reported)
		fprintf(stderr, " (first %d shown)", IMPORT_REPORT_MAX);
	fputc('\n', stderr);
	if (r.domains.n == 0 && r.urls.n == 0) {
		fprintf(stderr, "hallpass import: %s: nothing to import\n", src);
		goto done;
	}
	cmd_import_date(date, sizeof(date));
	if (asprintf(&comment, "generated by hallpass import %s from %s on %s: "
	    "%zu domains, %zu urls, %zu bad lines skipped", format, src, date,
	    r.domains.n, r.urls.n, r.bad) < 0) {
		comment = NULL;
		fprintf(stderr, "hallpass import: out of memory\n");
		goto done;
	}
	if (of != NULL) {
		if (cmd_import_write_file(of, tmp, out, category, description,
		    comment, &r) == 0)
			rc = 0;
		of = NULL;
	} else if (import_write_yaml(stdout, category, description, comment,
	    &r) == 0)
		rc = 0;
	else
		fprintf(stderr, "hallpass import: writing standard output: %s\n",
		    strerror(errno ? errno : EIO));
done:
	if (of != NULL) {
		fclose(of);
		unlink(tmp);
	}
	free(tmp);
	import_result_free(&r);
	free(comment);
	free(description);
	return rc;
}
