/* cmd_guardian: makes dashboard enrolment codes — random (libsodium), stored only as a hash, single use, expiring — and revokes them. */
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
	    "       hallpass [-c DIR] guardian revoke GUARDIAN_ID\n"
	    "\n"
	    "invite makes a single-use enrolment code for the parent dashboard for\n"
	    "GUARDIAN_ID (a guardian in DIR/policy.yaml), valid N days (1-90,\n"
	    "default 14), stores its hash in the database and prints the code; the\n"
	    "guardian's earlier unused codes stop working.  revoke only does that\n"
	    "(for any guardian id, also one no longer in the roster).\n"
	    "Exit status: 0 done, 1 unknown guardian or failure, 2 usage error.\n", f);
}

/*
 * invite: a new code, and the guardian's earlier unused codes stop working (a
 * code sent to an old address, or twice, must not stay good).  revoke (days
 * 0): only that.
 */
static int
guardian_run(const char *dir, const char *gid, long days)
{
	struct config	 c;
	struct diag	 d;
	struct policy	*p = NULL;
	struct store	*s = NULL;
	struct timeval	 tv;
	struct tm	 tm;
	char		 code[AUTH_INVITE_BUF], err[512], when[64];
	uint8_t		 hash[STORE_HASH_LEN];
	int64_t		 now, exp, nrev;
	time_t		 et;
	int		 rc = 1;
	mode_t		 um;

	diag_init(&d);
	if (config_load(&c, dir, &d) != 0 || (p = policy_load(dir, &d)) == NULL) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		goto out;
	}
	/*
	 * Only a guardian IT has linked to students can be invited: the code grants
	 * their view.  Revoking is allowed for anyone (one removed from the roster).
	 */
	if (days != 0 && policy_guardian_find(p, gid) == NULL) {
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
	if ((nrev = store_invite_revoke(s, gid, now, err, sizeof(err))) < 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		goto out;
	}
	if (days == 0) {
		printf("guardian %s\nrevoked %lld\n", gid, (long long)nrev);
		rc = 0;
		goto out;
	}
	exp = now + (int64_t)days * 24 * 3600 * 1000;
	auth_invite_new(code, hash);
	if (store_invite_create(s, gid, hash, now, exp, err, sizeof(err)) == -1) {
		fprintf(stderr, "hallpass: %s\n", err);
		goto out;
	}
	et = (time_t)(exp / 1000);
	gmtime_r(&et, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("code %s\nguardian %s\nexpires %s\nrevoked %lld\n", code, gid, when,
	    (long long)nrev);
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
	int	 ch, days_given = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			days = strtol(optarg, &end, 10);
			days_given = 1;
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
		return cli_usage_error("guardian", "needs an action (invite or revoke)");
	if (strcmp(argv[0], "invite") != 0 && strcmp(argv[0], "revoke") != 0)
		return cli_usage_error("guardian", "unknown action \"%s\" (invite or revoke)",
		    argv[0]);
	if (argc != 2)
		return cli_usage_error("guardian", argc < 2 ? "%s needs a GUARDIAN_ID" :
		    "too many arguments", argv[0]);
	if (strcmp(argv[0], "revoke") == 0 && days_given)
		return cli_usage_error("guardian", "revoke takes no --days");
	if (cli_need_dir(dir) != 0)
		return 1;
	return guardian_run(dir, argv[1], strcmp(argv[0], "revoke") == 0 ? 0 : days);
}
