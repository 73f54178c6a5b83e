/* cmd_guardian: makes dashboard enrolment codes — random (libsodium), stored only as a hash, single use, expiring. */
#include "cmd_guardian.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "cli_usage.h"
#include "config.h"
#include "auth.h"
#include "policy.h"
#include "priv.h"
#include "store.h"

static void
guardian_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] guardian invite GUARDIAN_ID [--days N]\n"
	    "\n"
	    "Makes a single-use enrolment code for the parent dashboard for\n"
	    "GUARDIAN_ID (a guardian in DIR/policy.yaml), valid N days (1-90,\n"
	    "default 14), stores its hash in the database and prints the code.\n"
	    "Exit status: 0 done, 1 unknown guardian or failure, 2 usage error.\n", f);
}

static int
guardian_invite(const char *dir, const char *gid, long days)
{
	struct config	 c;
	struct diag	 d;
	struct policy	*p = NULL;
	struct store	*s = NULL;
	struct timeval	 tv;
	struct tm	 tm;
	char		 code[AUTH_INVITE_BUF], err[512], when[64];
	uint8_t		 hash[STORE_HASH_LEN];
	int64_t		 now, exp;
	time_t		 et;
	int		 rc = 1;
	mode_t		 um;

	diag_init(&d);
	if (config_load(&c, dir, &d) != 0 || (p = policy_load(dir, &d)) == NULL) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		goto out;
	}
	/* Only a guardian IT has linked to students can be invited: the code grants their view. */
	if (policy_guardian_find(p, gid) == NULL) {
		fprintf(stderr, "hallpass: unknown guardian \"%s\" (not in %s/policy.yaml)\n",
		    gid, dir);
		goto out;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hallpass: libsodium failed to initialise\n");
		goto out;
	}
	/* It may create the database: never readable by others, and hallpassd's user's. */
	um = umask(027);
	s = store_open(c.database, STORE_CREATE, err, sizeof(err));
	umask(um);
	if (s == NULL) {
		cli_database_error("guardian", dir, err);
		goto out;
	}
	if (priv_db_own(c.database, c.user, err, sizeof(err)) != 0)
		fprintf(stderr, "hallpass: warning: %s\n", err);
	gettimeofday(&tv, NULL);
	now = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	exp = now + (int64_t)days * 24 * 3600 * 1000;
	auth_invite_new(code, hash);
	if (store_invite_create(s, gid, hash, now, exp, err, sizeof(err)) == -1) {
		fprintf(stderr, "hallpass: %s\n", err);
		goto out;
	}
	et = (time_t)(exp / 1000);
	gmtime_r(&et, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("code %s\nguardian %s\nexpires %s\n", code, gid, when);
	rc = 0;
out:
	sodium_memzero(code, sizeof(code));
	store_close(s);
	policy_unref(p);
	diag_free(&d);
	return rc;
}

int
cmd_guardian(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long	 days = AUTH_INVITE_DAYS;
	char	*end;
	int	 ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 90) {
				return cli_usage_error("guardian", "--days must be "
				    "1-90, not \"%s\"", optarg);
			}
			break;
		case 'h':
			guardian_usage(stdout);
			return 0;
		default:
			return cli_bad_option("guardian", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage_error("guardian", "needs an action (invite)");
	if (strcmp(argv[0], "invite") != 0)
		return cli_usage_error("guardian", "unknown action \"%s\" (invite)",
		    argv[0]);
	if (argc != 2)
		return cli_usage_error("guardian", argc < 2 ? "invite needs a "
		    "GUARDIAN_ID" : "too many arguments");
	if (cli_need_dir(dir) != 0)
		return 1;
	return guardian_invite(dir, argv[1], days);
}
