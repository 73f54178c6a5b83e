/* cmd_digest: "hallpass digest" parses its options and runs mail/digest.c: summaries and alerts due now, sent once (run by hallpass-digest.timer). */
#include "cmd_digest.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cli_usage.h"
#include "digest.h"
#include "store_notify.h"

/* make install sets it to where the dashboard's languages go (PREFIX/share/hallpass/lang). */
#ifndef HALLPASS_LANG_DIR
#define HALLPASS_LANG_DIR	"/usr/local/share/hallpass/lang"
#endif

static void
digest_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] digest [--dry-run] [--guardian G]\n"
	    "           [--period weekly|daily] [--alerts|--no-alerts] [--now T]\n"
	    "\n"
	    "Sends each guardian with an e-mail address the summary their dashboard\n"
	    "preference asks for (weekly: last Monday-Sunday; daily: yesterday), in\n"
	    "their language, through mail_smtp_url (STARTTLS), and the alerts due\n"
	    "today (a child's blocked attempts in one category reaching the guardian's\n"
	    "threshold; one a day per child, never 21:00-07:00).  Each message is\n"
	    "recorded once the server accepted it and never sent again; one the\n"
	    "server did not take is tried again on the next run.\n"
	    "\n"
	    "  --dry-run      print the messages instead; send and record nothing\n"
	    "  --guardian G   only guardian G\n"
	    "  --period P     only guardians who chose P (weekly or daily)\n"
	    "  --alerts       only alerts;  --no-alerts: only summaries\n"
	    "  --now T        the time to act as if it were, \"YYYY-MM-DDTHH:MM:SSZ\" (UTC;\n"
	    "                 for tests)\n"
	    "Languages are read from $HALLPASS_LANG (default " HALLPASS_LANG_DIR ").\n"
	    "Exit status: 0 everything due was sent, 1 some deferred (mail server\n"
	    "down) or a configuration/database error, 2 usage error.\n", f);
}

static int
digest_parse_now(const char *s, int64_t *ms)
{
	struct tm	 tm;
	const char	*e;

	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *e != '\0')
		return -1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

int
cmd_digest(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "guardian", required_argument, NULL, 'g' },
		{ "period", required_argument, NULL, 'p' },
		{ "alerts", no_argument, NULL, 'a' },
		{ "no-alerts", no_argument, NULL, 'A' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct digest_opts	 o;
	struct digest_stats	 st;
	struct timeval		 tv;
	const char		*lang;
	char			 err[512];
	int			 ch, rc, p;

	memset(&o, 0, sizeof(o));
	o.period = -1;
	o.what = DIGEST_BOTH;
	o.out = stdout;
	gettimeofday(&tv, NULL);
	o.now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.dry_run = 1;
			break;
		case 'g':
			o.guardian = optarg;
			break;
		case 'p':
			p = store_notify_digest_parse(optarg);
			if (p != STORE_NOTIFY_WEEKLY && p != STORE_NOTIFY_DAILY)
				return cli_usage_error("digest", "--period must be weekly "
				    "or daily, not \"%s\"", optarg);
			o.period = p;
			break;
		case 'a':
		case 'A':
			if (o.what != DIGEST_BOTH)
				return cli_usage_error("digest", "--alerts and --no-alerts "
				    "exclude each other");
			o.what = ch == 'a' ? DIGEST_ONLY_ALERTS : DIGEST_ONLY_SUMMARIES;
			break;
		case 'N':
			if (digest_parse_now(optarg, &o.now_ms) == -1)
				return cli_usage_error("digest", "--now \"%s\": expected "
				    "YYYY-MM-DDTHH:MM:SSZ", optarg);
			break;
		case 'h':
			digest_usage(stdout);
			return 0;
		default:
			return cli_bad_option("digest", ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("digest", "takes no arguments, not \"%s\"",
		    argv[optind]);
	if (cli_need_dir(dir) != 0)
		return 1;
	if ((lang = getenv("HALLPASS_LANG")) == NULL || *lang == '\0')
		lang = HALLPASS_LANG_DIR;
	o.dir = dir;
	o.langdir = lang;
	rc = digest_run(&o, &st, err, sizeof(err));
	if (rc == -1) {
		fprintf(stderr, "hallpass: digest: %s\n", err);
		return 1;
	}
	printf("%u sent, %u skipped, %u deferred\n", st.sent, st.skipped, st.deferred);
	return rc == 0 ? 0 : 1;
}
