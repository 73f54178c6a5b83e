/* hallpass: the IT command line — check rule sets, explain decisions, import block lists. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aup.h"
#include "cli_usage.h"
#include "cmd_activity.h"
#include "cmd_bundle.h"
#include "cmd_digest.h"
#include "cmd_firewall.h"
#include "cmd_guardian.h"
#include "cmd_letters.h"
#include "cmd_import.h"
#include "cmd_inspect.h"
#include "cmd_purge.h"
#include "cmd_ship.h"
#include "cmd_staff.h"
#include "cmd_student.h"
#include "cmd_roster.h"
#include "config.h"
#include "home.h"
#include "hostname.h"
#include "policy.h"
#include "store_home.h"
#include <unistd.h>

#ifndef HALLPASS_VERSION
#define HALLPASS_VERSION "unknown"
#endif

#define EXIT_USAGE	CLI_EXIT_USAGE

static void
rules_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] rules check\n"
	    "\n"
	    "Validates every file in DIR (rules.d/*.yaml, policy.yaml, safesearch.yaml,\n"
	    "aup.yaml, hallpass.yaml) and prints every error as FILE:LINE:COLUMN: message.\n"
	    "Files in rules.d/ that do not end in .yaml are named as warnings.\n"
	    "Exit status: 0 valid, 1 invalid, 2 usage error.\n", f);
}

static void
explain_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] explain STUDENT HOST|URL [--path P] "
	    "[--at \"YYYY-MM-DD HH:MM\"]\n"
	    "\n"
	    "Prints the decision hallpassd would make for STUDENT (- for the default\n"
	    "group) visiting HOST: action, category, the rule's FILE:LINE and why.\n"
	    "A URL (http://host/path) is taken apart: its host, and its path unless\n"
	    "--path is given.  --at is local time in the policy's timezone.\n"
	    "A guardian's control at home (a pause, a bedtime, a category, read from\n"
	    "hallpass.yaml's database) is named when it blocks what the district allows.\n"
	    "Exit status: 0 printed, 1 invalid configuration or unknown student,\n"
	    "2 usage error (including a HOST that is not a host name).\n", f);
}

static int
cmd_rules_check(const char *dir)
{
	struct diag		 d;
	struct policy		*p;
	struct aup		*a;
	struct config		 c;
	struct policy_stats	 st;
	int			 rc = 0;

	diag_init(&d);
	p = policy_load(dir, &d);
	a = aup_load(dir, &d);
	if (config_load(&c, dir, &d) != 0)
		rc = 1;
	if (p == NULL || a == NULL || rc != 0 || diag_count(&d) > 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "%s: %zu error%s; nothing was applied\n", dir,
		    diag_count(&d), diag_count(&d) == 1 ? "" : "s");
		rc = 1;
	} else {
		/* Warnings (a file rules.d/ does not read) do not fail the check. */
		diag_print(&d, stderr);
		policy_stats(p, &st);
		printf("%s: ok: %zu categories, %zu domains, %zu patterns, %zu urls; "
		    "%zu groups, %zu students, %zu guardians; terms version %ld "
		    "in %zu language%s\n", dir, st.categories, st.domains,
		    st.patterns, st.urls, st.groups, st.students, st.guardians,
		    a->version, a->ntexts, a->ntexts == 1 ? "" : "s");
	}
	policy_unref(p);
	aup_free(a);
	diag_free(&d);
	return rc;
}

/*
 * HOST as given, or the host of a URL (scheme://[user@]host[:port][/path]),
 * normalised; a URL's path becomes *path unless --path gave one.  Anything
 * that is not a host name is refused: an "allow" for a typo would mislead.
 */
static int
explain_host(const char *arg, char *host, size_t hostsz, const char **path,
    char *urlpath, size_t urlpathsz)
{
	const char	*h = arg, *scheme, *at, *why = NULL;
	size_t		 len;

	if ((scheme = strstr(arg, "://")) != NULL) {
		h = scheme + 3;
		len = strcspn(h, "/?#");
		if ((at = memchr(h, '@', len)) != NULL) {
			len -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		if (*path == NULL && h[len] == '/') {
			snprintf(urlpath, urlpathsz, "%.*s", (int)strcspn(h + len,
			    "?#"), h + len);
			*path = urlpath;
		}
		if (len > 0 && h[0] == '[') {
			const char *rb = memchr(h, ']', len);

			if (rb == NULL)
				return cli_usage_error("explain", "\"%s\": unclosed [ in "
				    "the URL's host", arg);
			h++;
			len = (size_t)(rb - h);
		} else {
			const char *colon = memchr(h, ':', len);

			if (colon != NULL)
				len = (size_t)(colon - h);
		}
	} else {
		len = strlen(arg);
		if (memchr(arg, '/', len) != NULL)
			return cli_usage_error("explain", "\"%s\" is not a host name "
			    "(give a host, or a URL with its scheme, e.g. http://%s)",
			    arg, arg);
	}
	/* hostname_normalize writes up to HOSTNAME_BUFSZ bytes. */
	if (hostsz < HOSTNAME_BUFSZ || len == 0 ||
	    hostname_normalize(h, len, host, &why) == HOSTNAME_INVALID)
		return cli_usage_error("explain", "\"%s\" is not a host name%s%s",
		    arg, why ? ": " : "", why ? why : "");
	return 0;
}

static int
explain_take_home(const struct store_home *h, void *arg)
{
	struct home_control *c = arg;

	snprintf(c->guardian, sizeof(c->guardian), "%s", h->guardian);
	c->pause_until_ms = h->pause_until_ms;
	c->bed_from = h->bed_from;
	c->bed_to = h->bed_to;
	snprintf(c->categories, sizeof(c->categories), "%s",
	    h->categories != NULL ? h->categories : "");
	return 1;
}

/*
 * The student's guardian controls from hallpass.yaml's database: 1 read (c
 * filled), 0 none (no database yet, or no row), -1 unreadable (said on stderr:
 * the district's decision is still printed).
 */
static int
explain_home(const char *dir, const char *student, struct home_control *c)
{
	struct config	*cfg;
	struct store	*st;
	struct diag	 d;
	char		 err[512];
	int64_t		 n;
	int		 rc = 0;

	memset(c, 0, sizeof(*c));
	c->bed_from = c->bed_to = -1;
	snprintf(c->student, sizeof(c->student), "%s", student);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return -1;
	diag_init(&d);
	if (config_load(cfg, dir, &d) != 0 || cfg->database[0] == '\0' ||
	    (strstr(cfg->database, "://") == NULL && access(cfg->database, F_OK) != 0))
		goto out;
	if ((st = store_open(cfg->database, STORE_RDONLY, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hallpass: guardian controls not read: %s\n", err);
		rc = -1;
		goto out;
	}
	if ((n = store_home_list(st, student, explain_take_home, c, err,
	    sizeof(err))) < 0) {
		fprintf(stderr, "hallpass: guardian controls not read: %s\n", err);
		rc = -1;
	} else
		rc = n > 0;
	store_close(st);
 out:
	diag_free(&d);
	free(cfg);
	return rc;
}

static int
cmd_explain(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*path = NULL, *at = NULL;
	const struct policy_student	*st = NULL;
	struct policy_decision		 dec;
	struct home_control		 home;
	enum home_reason		 hr;
	struct policy			*p;
	struct diag			 d;
	char				 why[800], rule[600] = "-", pol[600] = "";
	char				 host[HOSTNAME_BUFSZ], urlpath[2048];
	time_t				 now = time(NULL);
	int				 ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:a:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			path = optarg;
			break;
		case 'a':
			at = optarg;
			break;
		case 'h':
			explain_usage(stdout);
			return 0;
		default:
			return cli_bad_option("explain", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		return cli_usage_error("explain", argc < 2 ? "needs a STUDENT and a "
		    "HOST" : "too many arguments");
	if (explain_host(argv[1], host, sizeof(host), &path, urlpath,
	    sizeof(urlpath)) != 0)
		return EXIT_USAGE;
	if (path != NULL && path[0] != '/') {
		return cli_usage_error("explain", "--path must start with /");
	}
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	if ((p = policy_load(dir, &d)) == NULL) {
		diag_print(&d, stderr);
		diag_free(&d);
		return 1;
	}
	diag_free(&d);
	if (at != NULL && policy_parse_local(p, at, &now) != 0) {
		fprintf(stderr, "hallpass: --at \"%s\": expected \"YYYY-MM-DD HH:MM\" "
		    "(local time in %s)\n", at, policy_timezone(p));
		policy_unref(p);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "-") != 0 &&
	    (st = policy_student_find(p, argv[0])) == NULL) {
		fprintf(stderr, "hallpass: unknown student \"%s\" (use - for the "
		    "default group)\n", argv[0]);
		policy_unref(p);
		return 1;
	}
	policy_decide(p, st, host, strlen(host), path, now, &dec);
	/* A guardian only adds blocks: named when the district's decision lets it through. */
	if (st != NULL && dec.action != POLICY_BLOCK &&
	    explain_home(dir, argv[0], &home) == 1 &&
	    (hr = home_decide(&home, p, dec.category, now)) != HOME_R_NONE) {
		home_why(&home, p, hr, dec.category, why, sizeof(why));
		printf("block %s - %s [%s, set by guardian %s]\n",
		    dec.category ? dec.category : "-", why, home_reason_name(hr),
		    home.guardian);
		policy_unref(p);
		return 0;
	}
	policy_decision_why(&dec, why, sizeof(why));
	if (dec.rule_file != NULL)
		snprintf(rule, sizeof(rule), "%s:%u", dec.rule_file, dec.rule_line);
	if (dec.policy_file != NULL && (dec.policy_file != dec.rule_file ||
	    dec.policy_line != dec.rule_line))
		snprintf(pol, sizeof(pol), " [policy %s:%u]", dec.policy_file,
		    dec.policy_line);
	/* Safe search is an allow with a rewritten answer: the first word stays allow. */
	printf("%s %s %s %s%s\n", dec.action == POLICY_BLOCK ? "block" : "allow",
	    dec.category ? dec.category : "-", rule, why, pol);
	policy_unref(p);
	return 0;
}

static int
run_rules(const char *dir, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			rules_usage(stdout);
			return 0;
		}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cli_usage_error("rules", "unknown option %s", argv[i]);
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return cli_need_dir(dir) != 0 ? 1 : cmd_rules_check(dir);
	if (argc == 1)
		return cli_usage_error("rules", "needs an action (check)");
	if (argc == 2)
		return cli_usage_error("rules", "unknown action \"%s\" (check)",
		    argv[1]);
	return cli_usage_error("rules", "too many arguments");
}

static int
run_import(const char *dir, int argc, char **argv)
{
	(void)dir;
	return cmd_import(argc, argv);
}

/* The subcommands, in the order help lists them; man/hallpass.8 must name each (tests/cli/help.sh). */
static const struct cli_cmd {
	const char	*name;
	int		(*run)(const char *dir, int argc, char **argv);
	const char	*args;
	const char	*summary;
} cli_cmds[] = {
	{ "rules", run_rules, "check",
	    "validate every file in DIR" },
	{ "explain", cmd_explain, "STUDENT HOST|URL [--path P] [--at T]",
	    "show the decision for a student (- for the default group)" },
	{ "inspect", cmd_inspect, "CAPTURE [--student ID] [--json] [--against DIR2]",
	    "run a pcap/pcapng through the extractors and the policy" },
	{ "import", run_import, "hosts|adblock|ut1 FILE_OR_DIR --category NAME [-o OUT]",
	    "convert a block list into a rule set" },
	{ "firewall", cmd_firewall, "up|down|status [--mode gateway|hotspot]",
	    "install or remove the rules that queue to hallpassd" },
	{ "activity", cmd_activity, "[--student ID|-] [--since T] [--until T] [--json] [--reason R]",
	    "print recorded events, oldest first" },
	{ "roster", cmd_roster, "import oneroster PATH [-d DEVICES] | devices FILE | list [--school S] [--json]",
	    "the district's roster from the SIS: students, guardians, devices" },
	{ "guardian", cmd_guardian, "invite GUARDIAN_ID [--days N]",
	    "make a single-use dashboard enrolment code" },
	{ "letters", cmd_letters, "[--school S] [--group G] [--not-enrolled] [--lang L] [--days N] -o OUT.html",
	    "print-ready family letters: a fresh enrolment code, a QR code, the terms in short" },
	{ "staff", cmd_staff, "add ID --role R [--school S]... [--setup-code] | list [--json] | remove ID | passwd ID [--setup-code]",
	    "staff console accounts: district admins and school staff" },
	{ "engagement", cmd_engagement, "[--school S] [--json|--csv] | --families [--school S] [--group G] [--csv]",
	    "who the district reaches: invited, enrolled, acknowledged, active, never reached" },
	{ "bundle", cmd_bundle, "keygen -o KEY | build -k KEY -V VERSION -o FILE [DIR] | verify -p PUB FILE",
	    "the district's signed rule bundle: make the key, build one, check one" },
	{ "ship", cmd_ship, "[--once] [--batch N]",
	    "send block events, rollups and health to the district (ship_to)" },
	{ "gateways", cmd_gateways, "[--json]",
	    "the district's gateways: rules version, last packet, drops, backlog" },
	{ "digest", cmd_digest, "[--dry-run] [--guardian G] [--period weekly|daily] [--alerts|--no-alerts]",
	    "e-mail guardians the summaries and alerts that are due, once each" },
	{ "purge", cmd_purge, "",
	    "delete what is past every retention period, now" },
	{ "student", cmd_student, "export|forget ID [--yes] [--reason TEXT]",
	    "a FERPA request: all held about a student as JSON, or deleted (audited)" },
};
#define CLI_NCMDS	(sizeof(cli_cmds) / sizeof(cli_cmds[0]))

static void
usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] COMMAND [ARGS]\n"
	    "       hallpass COMMAND --help\n"
	    "       hallpass --version\n"
	    "\n"
	    "Commands:\n", f);
	for (size_t i = 0; i < CLI_NCMDS; i++)
		fprintf(f, "  %s %s\n      %s\n", cli_cmds[i].name,
		    cli_cmds[i].args, cli_cmds[i].summary);
	fputs("  help [COMMAND]\n"
	    "\n"
	    "  -c DIR         configuration directory (default /etc/hallpass)\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  print the version\n"
	    "\n"
	    "Exit status: 0 success, 1 invalid configuration or failure, 2 usage error.\n"
	    "Errors go to standard error as FILE:LINE:COLUMN: message.\n"
	    "See hallpass(8), hallpass.yaml(5) and hallpass-rules(5).\n", f);
}

static const struct cli_cmd *
cli_cmd_find(const char *name)
{
	for (size_t i = 0; i < CLI_NCMDS; i++)
		if (strcmp(cli_cmds[i].name, name) == 0)
			return &cli_cmds[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	const char		*dir = "/etc/hallpass";
	int			 ch;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hallpass %s\n", HALLPASS_VERSION);
			return 0;
		default:
			return cli_bad_option(NULL, ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error(NULL, "no command given");
	if (strcmp(argv[0], "help") == 0) {
		static char	 help[] = "--help";
		char		*hargv[] = { argv[1], help, NULL };

		if (argc == 1) {
			usage(stdout);
			return 0;
		}
		if (argc > 2)
			return cli_usage_error(NULL, "help takes one command");
		if ((cmd = cli_cmd_find(argv[1])) == NULL)
			return cli_usage_error(NULL, "unknown command \"%s\"", argv[1]);
		return cmd->run(dir, 2, hargv);
	}
	if ((cmd = cli_cmd_find(argv[0])) == NULL)
		return cli_usage_error(NULL, "unknown command \"%s\"", argv[0]);
	return cmd->run(dir, argc, argv);
}
