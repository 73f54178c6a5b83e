/* hallpass: the IT command line — check rule sets, explain decisions, import block lists. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aup.h"
#include "cmd_activity.h"
#include "cmd_firewall.h"
#include "cmd_guardian.h"
#include "cmd_import.h"
#include "cmd_inspect.h"
#include "cmd_purge.h"
#include "cmd_ship.h"
#include "cmd_student.h"
#include "config.h"
#include "policy.h"

#define EXIT_USAGE	2

static void
usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] COMMAND [ARGS]\n"
	    "\n"
	    "Commands:\n"
	    "  rules check                       validate every file in DIR\n"
	    "  explain STUDENT HOST [--path P] [--at \"YYYY-MM-DD HH:MM\"]\n"
	    "                                    show the decision for a student (- for\n"
	    "                                    the default group); --at is local time\n"
	    "                                    in the policy's timezone\n"
	    "  inspect CAPTURE [--student ID] [--json] [--against OTHER_DIR]\n"
	    "                                    run a pcap/pcapng through the extractors\n"
	    "                                    and the policy, one line per flow\n"
	    "  import hosts|adblock|ut1 FILE_OR_DIR --category NAME [-o OUT.yaml]\n"
	    "                                    convert a block list into a rule set\n"
	    "  firewall up|down|status [--mode gateway|hotspot]\n"
	    "                                    install or remove the iptables and\n"
	    "                                    ip6tables rules that queue to hallpassd\n"
	    "  activity [--student ID|-] [--since T] [--until T] [--limit N] [--json]\n"
	    "           [--reason TEXT]         (every read is written to the audit trail)\n"
	    "                                    print recorded events, oldest first\n"
	    "  guardian invite GUARDIAN_ID [--days N]\n"
	    "                                    make a single-use dashboard enrolment\n"
	    "                                    code (default 14 days); the guardian's\n"
	    "                                    earlier unused codes stop working\n"
	    "  guardian revoke GUARDIAN_ID       the guardian's unused codes stop working\n"
	    "  ship [--once] [--batch N]         send block events, rollups and health\n"
	    "                                    to the district database (ship_to)\n"
	    "  purge                             delete what is past every retention period\n"
	    "  student export|forget ID [--yes]  a FERPA request: all held about a student\n"
	    "                                    as JSON, or all of it deleted (audited)\n"
	    "  gateways [--json]                 the district's gateways: rules version,\n"
	    "                                    last packet, drops, fail-open, backlog\n"
	    "\n"
	    "  -c DIR   configuration directory (default /etc/hallpass)\n"
	    "  -h       this help\n"
	    "\n"
	    "Exit status: 0 success, 1 invalid configuration or failure, 2 usage error.\n"
	    "Errors go to standard error as FILE:LINE:COLUMN: message.\n", f);
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
	struct policy			*p;
	struct diag			 d;
	char				 why[800], rule[600] = "-", pol[600] = "";
	time_t				 now = time(NULL);
	int				 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "p:a:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			path = optarg;
			break;
		case 'a':
			at = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2) {
		fputs("usage: hallpass [-c DIR] explain STUDENT HOST [--path P] "
		    "[--at \"YYYY-MM-DD HH:MM\"]\n", stderr);
		return EXIT_USAGE;
	}
	if (path != NULL && path[0] != '/') {
		fprintf(stderr, "hallpass: --path must start with /\n");
		return EXIT_USAGE;
	}
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
	policy_decide(p, st, argv[1], strlen(argv[1]), path, now, &dec);
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

int
main(int argc, char **argv)
{
	const char	*dir = "/etc/hallpass";
	int		 ch;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[0], "rules") == 0) {
		if (argc == 2 && strcmp(argv[1], "check") == 0)
			return cmd_rules_check(dir);
		fputs("usage: hallpass [-c DIR] rules check\n", stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "explain") == 0)
		return cmd_explain(dir, argc, argv);
	if (strcmp(argv[0], "inspect") == 0)
		return cmd_inspect(dir, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return cmd_import(argc, argv);
	if (strcmp(argv[0], "firewall") == 0)
		return cmd_firewall(dir, argc, argv);
	if (strcmp(argv[0], "activity") == 0)
		return cmd_activity(dir, argc, argv);
	if (strcmp(argv[0], "guardian") == 0)
		return cmd_guardian(dir, argc, argv);
	if (strcmp(argv[0], "ship") == 0)
		return cmd_ship(dir, argc, argv);
	if (strcmp(argv[0], "gateways") == 0)
		return cmd_gateways(dir, argc, argv);
	if (strcmp(argv[0], "purge") == 0)
		return cmd_purge(dir, argc, argv);
	if (strcmp(argv[0], "student") == 0)
		return cmd_student(dir, argc, argv);
	fprintf(stderr, "hallpass: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
