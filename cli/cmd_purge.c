/* cmd_purge: "hallpass purge" deletes what is past retention_days, rollup_retention_days and login_retention_days, in the same way hallpassd does hourly. */
#include "cmd_purge.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_usage.h"
#include "config.h"
#include "store.h"
#include "store_dash.h"


int
cmd_purge(const char *dir, int argc, char **argv)
{
	struct config	 c;
	struct diag	 dg;
	struct store	*s;
	struct timespec	 ts;
	struct tm	 tm;
	time_t		 t;
	char		 err[512], day[16];
	int64_t		 now, ev, ro;
	int		 rc = 1;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int		 ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (ch != 'h')
			return cli_bad_option("purge", ch, argv);
		fputs("usage: hallpass [-c DIR] purge\n"
		    "  deletes raw and block events older than retention_days, rollups older\n"
		    "  than rollup_retention_days and failed logins older than\n"
		    "  login_retention_days (hallpass.yaml) from the database, now\n", stdout);
		return 0;
	}
	if (optind != argc)
		return cli_usage_error("purge", "takes no arguments, not \"%s\"", argv[optind]);
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&dg);
	if (config_load(&c, dir, &dg) != 0) {
		diag_print(&dg, stderr);
		diag_free(&dg);
		return 1;
	}
	diag_free(&dg);
	if ((s = store_open(c.database, 0, err, sizeof(err))) == NULL) {
		cli_database_error("purge", dir, err);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	t = ts.tv_sec - (time_t)c.rollup_retention_days * 86400;
	if (gmtime_r(&t, &tm) == NULL || strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
		goto out;
	if ((ev = store_purge(s, now - (int64_t)c.retention_days * 86400000, err,
	    sizeof(err))) < 0 || (ro = store_purge_rollups(s, day, err, sizeof(err))) < 0 ||
	    store_failure_purge(s, now - (int64_t)c.login_retention_days * 86400000, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "hallpass purge: %s\n", err);
		goto out;
	}
	printf("purged %" PRId64 " events older than %u days and %" PRId64 " rollup rows "
	    "before %s (%u days); failed logins older than %u days\n", ev, c.retention_days,
	    ro, day, c.rollup_retention_days, c.login_retention_days);
	rc = 0;
out:
	store_close(s);
	return rc;
}
