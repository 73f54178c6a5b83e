/* hp_seed: fills a test database through the store API with a known day of activity for the dashboard's browser and security tests. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aup.h"
#include "config.h"
#include "dash_date.h"
#include "policy.h"
#include "store.h"
#include "store_dash.h"
#include "tz.h"

/*
 * Today (district time) and the six days before it.  Hosts include names a
 * hostile network could produce, so the tests can check they come out
 * escaped; s1004's host is a marker that g1 must never see.
 */
struct seed {
	int		 days_ago;
	int		 hour;
	const char	*student;
	const char	*host;
	const char	*category;
	const char	*action;
	const char	*reason;
	int		 count;
	int		 seconds;	/* per event, added as usage */
	int		 step_s;	/* between events; 0: one second */
};

static const struct seed seeds[] = {
	{ 0, 8, "s1001", "www.khanacademy.org", NULL, "allow", NULL, 12, 300, 0 },
	{ 0, 9, "s1001", "www.khanacademy.org", NULL, "allow", NULL, 6, 300, 0 },
	{ 0, 16, "s1001", "scratch.mit.edu", NULL, "allow", NULL, 5, 240, 0 },
	{ 0, 19, "s1001", "bet365.com", "gambling", "block", "category", 3, 0, 0 },
	{ 0, 10, "s1001", "roblox.com", "games", "block", "schedule", 2, 0, 0 },
	{ 0, 22, "s1001", "www.youtube.com", "streaming", "block", "schedule:bedtime", 1, 0, 0 },
	/* A phone retrying one app at dawn: one grouped line, "3 times, 6:15–6:17 AM". */
	{ 0, 6, "s1001", "www.instagram.com", "social", "block", "schedule:bedtime", 3, 0, 60 },
	{ 0, 20, "s1001", "<script>alert('xss')</script>.example", NULL, "allow", NULL, 1, 60, 0 },
	{ 0, 21, "s1001", "a'); DROP TABLE events;--.example", NULL, "allow", NULL, 1, 60, 0 },
	{ 0, 23, "s1001", "\"><img src=x onerror=alert(1)>.example", "games", "block", "category", 1, 0, 0 },
	{ 1, 18, "s1001", "www.khanacademy.org", NULL, "allow", NULL, 4, 600, 0 },
	{ 3, 17, "s1001", "www.wikipedia.org", NULL, "allow", NULL, 7, 120, 0 },
	{ 0, 11, "s1002", "www.wikipedia.org", NULL, "allow", NULL, 9, 200, 0 },
	{ 0, 12, "s1004", "secret-child-of-g2.example", NULL, "allow", NULL, 8, 100, 0 },
	{ 0, 13, "s1004", "blocked-for-g2-only.example", "gambling", "block", "category", 2, 0, 0 },
};

/*
 * The browser tests cannot wait 30 minutes: this moves a guardian's sessions
 * into the past with plain SQL (test-only; the dashboard has no such path).
 */
static int
expire_sessions_pg(const char *db, const char *gid)
{
	PGconn		*c = PQconnectdb(db);
	PGresult	*r;
	const char	*v[1] = { gid };
	int		 rc = 1;

	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexecParams(c, "UPDATE sessions SET last_seen_ms = last_seen_ms - "
		    "3600000, expires_ms = expires_ms - 86400000 WHERE guardian_id = $1",
		    1, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			printf("expired %s sessions of %s\n", PQcmdTuples(r), gid);
			rc = 0;
		}
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

static int
expire_sessions(const char *db, const char *gid)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	int		 rc = 1;

	if (strncmp(db, "postgres", 8) == 0)
		return expire_sessions_pg(db, gid);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, "UPDATE sessions SET last_seen_ms = last_seen_ms - "
	    "3600000, expires_ms = expires_ms - 86400000 WHERE guardian_id = ?1", -1,
	    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE) {
			printf("expired %d sessions of %s\n", sqlite3_changes(h), gid);
			rc = 0;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return rc;
}

/*
 * The staff console's engagement fixture (tests/fixtures/staff/roster.csv):
 * what each guardian has done, relative to now_ms, so the report's numbers
 * are known: docs/staff.md's definitions applied by hand.
 */
static int
seed_engagement(const char *dir, const char *db, int64_t now_ms)
{
	static const struct {
		const char	*gid;
		int		 account, ack;
		const char	*action;	/* audit row: login or enrol */
		int		 days_ago;	/* of that row */
		int		 invite_days;	/* >0 current invite, <0 expired, 0 none */
	} g[] = {
		{ "par-200", 1, 1, "login", 5, 0 },
		{ "par-201", 1, 0, "login", 40, 0 },
		{ "par-202", 0, 0, NULL, 0, 7 },
		{ "par-203", 0, 0, NULL, 0, -1 },
		{ "par-204", 1, 1, "enrol", 2, 0 },
	};
	struct diag	 dg;
	struct aup	*a;
	struct store	*s;
	char		 err[512];
	uint8_t		 h[32];
	const int64_t	 day = 86400000;

	diag_init(&dg);
	if ((a = aup_load(dir, &dg)) == NULL) {
		diag_print(&dg, stderr);
		return 1;
	}
	if ((s = store_open(db, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hp_seed: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		/* Not a password hash: these accounts are counted, never logged in to. */
		if ((g[i].account && store_account_set(s, g[i].gid, "seeded-no-login",
		    now_ms - 60 * day, err, sizeof(err)) == -1) ||
		    (g[i].ack && store_aup_ack(s, g[i].gid, a->version, now_ms - 3 * day,
		    err, sizeof(err)) == -1) ||
		    (g[i].action != NULL && store_audit(s, now_ms - g[i].days_ago * day,
		    g[i].gid, g[i].action, "192.0.2.1", err, sizeof(err)) == -1)) {
			fprintf(stderr, "hp_seed: %s\n", err);
			return 1;
		}
		if (g[i].invite_days != 0) {
			memset(h, (int)i + 1, sizeof(h));
			if (store_invite_create(s, g[i].gid, h, now_ms - 14 * day,
			    now_ms + g[i].invite_days * day, err, sizeof(err)) == -1) {
				fprintf(stderr, "hp_seed: %s\n", err);
				return 1;
			}
		}
	}
	printf("seeded the engagement fixture into %s\n", db);
	store_close(s);
	aup_free(a);
	diag_free(&dg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct config	 c;
	struct diag	 dg;
	struct policy	*p;
	struct tz	*tz;
	struct store	*s;
	struct tz_tm	 now, lt;
	struct dash_day	 day;
	struct store_event ev;
	char		 err[512];
	int64_t		 sec;
	int		 n = 0;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--expire-sessions") == 0) &&
	    !((argc == 3 || argc == 4) && strcmp(argv[2], "--engagement") == 0)) {
		fprintf(stderr, "usage: hp_seed CONFIG_DIR [--expire-sessions GUARDIAN | "
		    "--engagement [NOW_MS]]\n");
		return 2;
	}
	diag_init(&dg);
	if (config_load(&c, argv[1], &dg) != 0 || (p = policy_load(argv[1], &dg)) == NULL) {
		for (size_t i = 0; i < dg.n; i++)
			fprintf(stderr, "%s\n", dg.msgs[i]);
		return 1;
	}
	if (strcmp(argv[argc > 2 ? 2 : 1], "--engagement") == 0) {
		policy_unref(p);
		diag_free(&dg);
		return seed_engagement(argv[1], c.database, argc == 4 ?
		    strtoll(argv[3], NULL, 10) : (int64_t)time(NULL) * 1000);
	}
	if (argc == 4) {
		policy_unref(p);
		diag_free(&dg);
		return expire_sessions(c.database, argv[3]);
	}
	if ((tz = tz_load(policy_timezone(p), err, sizeof(err))) == NULL ||
	    (s = store_open(c.database, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hp_seed: %s\n", err);
		return 1;
	}
	tz_localtime(tz, (int64_t)time(NULL), &now);
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		const struct seed	*sd = &seeds[i];

		dash_day_from_n(dash_days_from_civil(now.year, now.mon, now.mday) -
		    sd->days_ago, &day);
		memset(&lt, 0, sizeof(lt));
		lt.year = day.y;
		lt.mon = day.m;
		lt.mday = day.d;
		lt.hour = sd->hour;
		lt.min = 15;
		if (tz_mktime(tz, &lt, &sec) == -1) {
			fprintf(stderr, "hp_seed: bad local time\n");
			return 1;
		}
		for (int k = 0; k < sd->count; k++) {
			memset(&ev, 0, sizeof(ev));
			ev.ts_ms = (sec + (int64_t)k * (sd->step_s ? sd->step_s : 1)) * 1000;
			ev.day = day.s;
			ev.hour = sd->hour;
			ev.student = sd->student;
			ev.client = "02:00:00:00:10:01";
			ev.proto = "tls";
			ev.host = sd->host;
			ev.category = sd->category;
			ev.action = sd->action;
			ev.reason = sd->reason;
			if (store_events_insert(s, &ev, 1, err, sizeof(err)) == -1 ||
			    (sd->seconds > 0 && store_usage_add(s, day.s, sd->hour,
			    sd->student, sd->host, 1000, sd->seconds, err,
			    sizeof(err)) == -1)) {
				fprintf(stderr, "hp_seed: %s\n", err);
				return 1;
			}
			n++;
		}
	}
	printf("seeded %d events into %s\n", n, c.database);
	store_close(s);
	tz_free(tz);
	policy_unref(p);
	diag_free(&dg);
	return 0;
}
