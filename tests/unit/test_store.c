/* test_store: migrations, batched events and rollups, hostile strings, purge, invites, read-only and WAL concurrency. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define NEV	1000
#define T0	1795000000000LL		/* 2026-11-18, any fixed instant will do */

static char	 tmpdir[64];
static char	 errbuf[512];

static const char *const students[] = { "s1001", "s1002", "s1003", "s1004" };
static const char *const hosts[] = { "www.khanacademy.org", "bet365.com",
	"docs.example.edu", "video.example.com", "a.b.c", "192.0.2.7", "2001:db8::1" };
static const char *const days[] = { "2026-11-18", "2026-11-19", "2026-11-20" };
static const char *const protos[] = { "dns", "tls", "http", "quic" };

/* The reference batch: reason "rNNNN" is unique, so a row names its event. */
static struct store_event	 ev[NEV];
static char			 reasons[NEV][16];

static const char *
dbpath(const char *name)
{
	static char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static struct store *
open_ok(const char *name, int flags)
{
	struct store	*s;

	errbuf[0] = '\0';
	s = store_open(dbpath(name), flags, errbuf, sizeof(errbuf));
	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", errbuf);
	assert_non_null(s);
	return s;
}

/* One integer from a plain SQLite connection, so the checks do not trust the code under test. */
static int64_t
sql_int(const char *name, const char *sql, const char *arg1, const char *arg2)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v;

	assert_int_equal(sqlite3_open_v2(dbpath(name), &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (arg1 != NULL)
		sqlite3_bind_text(st, 1, arg1, -1, SQLITE_STATIC);
	if (arg2 != NULL)
		sqlite3_bind_text(st, 2, arg2, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
sql_exec(const char *name, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(dbpath(name), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
make_events(void)
{
	for (int i = 0; i < NEV; i++) {
		snprintf(reasons[i], sizeof(reasons[i]), "r%04d", i);
		ev[i] = (struct store_event){
			/* every tenth event shares its predecessor's instant: ties keep insertion order */
			.ts_ms = T0 + (i - (i % 10 == 9)) * 1000LL,
			.day = days[i / 400],
			.hour = (i / 25) % 24,
			.student = i % 5 == 4 ? NULL : students[i % 4],
			.client = i % 5 == 4 ? "192.0.2.200" : "02:00:00:00:10:01",
			.proto = protos[i % 4],
			.host = hosts[i % 7],
			.category = i % 2 ? "games" : NULL,
			.action = i % 3 == 0 ? "block" : i % 11 == 0 ? "safesearch" : "allow",
			.rule = i % 3 == 0 ? "rules.d/games.yaml:4" : NULL,
			.reason = reasons[i],
		};
	}
}

static int
count_cb(const struct store_event *e, void *arg)
{
	(void)e;
	(*(int64_t *)arg)++;
	return 0;
}

static int64_t
count_events(struct store *s, const char *student)
{
	struct store_filter	 f = { .student = student };
	int64_t			 n = 0, got;

	got = store_events_query(s, &f, count_cb, &n, errbuf, sizeof(errbuf));
	assert_int_equal(got, n);
	return n;
}

/* Expected rows, as indices into ev[], compared one by one in delivery order. */
struct expect {
	int	 idx[NEV];
	int	 n, pos, stop_after;
};

static int
expect_cb(const struct store_event *e, void *arg)
{
	struct expect		*x = arg;
	const struct store_event *w;

	assert_true(x->pos < x->n);
	w = &ev[x->idx[x->pos++]];
	assert_int_equal(e->ts_ms, w->ts_ms);
	assert_string_equal(e->reason, w->reason);
	assert_string_equal(e->host, w->host);
	assert_string_equal(e->day, w->day);
	assert_int_equal(e->hour, w->hour);
	if (w->student == NULL)
		assert_null(e->student);
	else
		assert_string_equal(e->student, w->student);
	return x->stop_after != 0 && x->pos == x->stop_after;
}

static int
ev_match(const struct store_event *e, const char *student, int64_t since,
    int64_t until)
{
	if (e->ts_ms < since || (until != 0 && e->ts_ms >= until))
		return 0;
	if (student == NULL)
		return 1;
	if (*student == '\0')
		return e->student == NULL;
	return e->student != NULL && strcmp(e->student, student) == 0;
}

static void
check_query(struct store *s, const struct store_filter *f, int stop_after)
{
	struct expect	 x = { .stop_after = stop_after };
	int64_t		 got;

	if (!f->newest_first) {
		for (int i = 0; i < NEV; i++)
			if (ev_match(&ev[i], f->student, f->since_ms, f->until_ms) &&
			    (f->limit == 0 || (size_t)x.n < f->limit))
				x.idx[x.n++] = i;
	} else {
		for (int i = NEV - 1; i >= 0; i--)
			if (ev_match(&ev[i], f->student, f->since_ms, f->until_ms) &&
			    (f->limit == 0 || (size_t)x.n < f->limit))
				x.idx[x.n++] = i;
	}
	assert_true(x.n > 0);
	got = store_events_query(s, f, expect_cb, &x, errbuf, sizeof(errbuf));
	assert_int_equal(got, stop_after ? stop_after : x.n);
	assert_int_equal(x.pos, got);
}

/* ------------------------------------------------------------------ */

static void
test_open_migrates(void **state)
{
	struct store	*s;
	int64_t		 sv;

	(void)state;
	s = open_ok("m.db", STORE_CREATE);
	store_close(s);
	assert_int_equal(sql_int("m.db", "PRAGMA user_version", NULL, NULL),
	    store_schema_version());
	assert_true(store_schema_version() >= 1);
	assert_int_equal(sql_int("m.db", "PRAGMA application_id", NULL, NULL),
	    0x48504153);
	assert_int_equal(sql_int("m.db", "SELECT count(*) FROM pragma_journal_mode "
	    "WHERE journal_mode = 'wal'", NULL, NULL), 1);

	/* Re-open: no migration runs, so the schema cookie does not move. */
	sv = sql_int("m.db", "PRAGMA schema_version", NULL, NULL);
	s = open_ok("m.db", 0);
	store_close(s);
	s = open_ok("m.db", STORE_RDONLY);
	store_close(s);
	assert_int_equal(sql_int("m.db", "PRAGMA schema_version", NULL, NULL), sv);
	assert_int_equal(sql_int("m.db", "PRAGMA user_version", NULL, NULL),
	    store_schema_version());
}

static void
test_open_refuses(void **state)
{
	char	 sql[64];

	(void)state;
	/* Newer than the code: refused both ways, and left untouched. */
	store_close(open_ok("new.db", STORE_CREATE));
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	sql_exec("new.db", sql);
	assert_null(store_open(dbpath("new.db"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "is newer than"));
	assert_null(store_open(dbpath("new.db"), STORE_RDONLY, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "is newer than"));
	assert_int_equal(sql_int("new.db", "PRAGMA user_version", NULL, NULL),
	    store_schema_version() + 1);

	/* Someone else's database is not "migrated". */
	sql_exec("other.db", "CREATE TABLE t (x)");
	assert_null(store_open(dbpath("other.db"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "not a hallpass database"));
	sql_exec("appid.db", "PRAGMA application_id = 42");
	assert_null(store_open(dbpath("appid.db"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "not a hallpass database"));

	/* Missing file without STORE_CREATE; read-only never creates or migrates. */
	assert_null(store_open(dbpath("missing.db"), 0, errbuf, sizeof(errbuf)));
	assert_null(store_open(dbpath("missing.db"), STORE_RDONLY, errbuf,
	    sizeof(errbuf)));
	assert_int_equal(access(dbpath("missing.db"), F_OK), -1);
	assert_null(store_open(dbpath("x.db"), STORE_RDONLY | STORE_CREATE, errbuf,
	    sizeof(errbuf)));
	sql_exec("old.db", "PRAGMA user_version = 0");
	assert_null(store_open(dbpath("old.db"), STORE_RDONLY, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "older"));
}

static void
test_batch_and_query(void **state)
{
	struct store		*s;
	struct store_event	 bad[3];
	struct store_filter	 f;

	(void)state;
	s = open_ok("q.db", STORE_CREATE);
	assert_int_equal(store_events_insert(s, ev, NEV, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(count_events(s, NULL), NEV);
	assert_int_equal(count_events(s, ""), NEV / 5);
	assert_int_equal(count_events(s, "s1002"), 200);
	assert_int_equal(count_events(s, "nobody"), 0);

	f = (struct store_filter){ .student = "s1002", .since_ms = T0 + 200000,
	    .limit = 50 };
	check_query(s, &f, 0);
	f.newest_first = 1;
	f.limit = 10;
	check_query(s, &f, 0);
	f = (struct store_filter){ .since_ms = T0 + 100000, .until_ms = T0 + 300000 };
	check_query(s, &f, 0);
	f = (struct store_filter){ .student = "", .since_ms = T0 + 500000 };
	check_query(s, &f, 0);
	f = (struct store_filter){ .student = NULL };
	check_query(s, &f, 0);
	check_query(s, &f, 7);		/* the callback stops early: not an error */

	/* One bad event rejects the whole batch and is named; nothing is written. */
	memcpy(bad, ev, sizeof(bad));
	bad[2].proto = "ftp";
	assert_int_equal(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "event 2"));
	bad[2] = ev[2];
	bad[1].day = "2026-13-01";
	assert_int_equal(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	bad[1] = ev[1];
	bad[0].hour = 24;
	assert_int_equal(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	bad[0] = ev[0];
	bad[0].host = NULL;
	assert_int_equal(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(count_events(s, NULL), NEV);
	assert_int_equal(store_events_insert(s, ev, 0, errbuf, sizeof(errbuf)), 0);
	store_close(s);
	assert_int_equal(sql_int("q.db", "SELECT sum(visits) FROM usage_daily",
	    NULL, NULL), NEV);
}

static void
test_rollups(void **state)
{
	struct store	*s;
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 tv = 0, tb = 0, nblock = 0;

	(void)state;
	s = open_ok("r.db", STORE_CREATE);
	/* Two batches: the UPSERTs must add to rows the first batch made. */
	assert_int_equal(store_events_insert(s, ev, 600, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_events_insert(s, ev + 600, NEV - 600, errbuf,
	    sizeof(errbuf)), 0);
	store_close(s);
	for (int i = 0; i < NEV; i++)
		nblock += strcmp(ev[i].action, "block") == 0;

	assert_int_equal(sqlite3_open_v2(dbpath("r.db"), &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	/* Every daily row holds exactly its events' visits and blocks; the totals cover all events. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT day, student, host, visits, "
	    "blocked, bytes, seconds FROM usage_daily", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char	*day = (const char *)sqlite3_column_text(st, 0);
		const char	*stu = (const char *)sqlite3_column_text(st, 1);
		const char	*host = (const char *)sqlite3_column_text(st, 2);
		int64_t		 v = 0, b = 0;

		for (int i = 0; i < NEV; i++) {
			const char *es = ev[i].student ? ev[i].student : "";

			if (strcmp(ev[i].day, day) || strcmp(es, stu) ||
			    strcmp(ev[i].host, host))
				continue;
			v++;
			b += strcmp(ev[i].action, "block") == 0;
		}
		assert_int_equal(sqlite3_column_int64(st, 3), v);
		assert_int_equal(sqlite3_column_int64(st, 4), b);
		assert_int_equal(sqlite3_column_int64(st, 5), 0);
		assert_int_equal(sqlite3_column_int64(st, 6), 0);
		tv += v, tb += b;
	}
	sqlite3_finalize(st);
	assert_int_equal(tv, NEV);
	assert_int_equal(tb, nblock);

	tv = tb = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT day, student, hour, visits, "
	    "blocked FROM usage_hourly", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char	*day = (const char *)sqlite3_column_text(st, 0);
		const char	*stu = (const char *)sqlite3_column_text(st, 1);
		int		 hour = sqlite3_column_int(st, 2);
		int64_t		 v = 0, b = 0;

		for (int i = 0; i < NEV; i++) {
			const char *es = ev[i].student ? ev[i].student : "";

			if (strcmp(ev[i].day, day) || strcmp(es, stu) ||
			    ev[i].hour != hour)
				continue;
			v++;
			b += strcmp(ev[i].action, "block") == 0;
		}
		assert_int_equal(sqlite3_column_int64(st, 3), v);
		assert_int_equal(sqlite3_column_int64(st, 4), b);
		tv += v, tb += b;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(tv, NEV);
	assert_int_equal(tb, nblock);
	/* Unknown clients roll up under student "". */
	assert_int_equal(sql_int("r.db", "SELECT sum(visits) FROM usage_daily "
	    "WHERE student = ''", NULL, NULL), NEV / 5);

	/* Flow accounting adds bytes and seconds, never visits. */
	s = open_ok("r.db", 0);
	assert_int_equal(store_usage_add(s, "2026-11-18", 3, "s1001", "bet365.com",
	    1500, 20, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_usage_add(s, "2026-11-18", 3, "s1001", "bet365.com",
	    500, 5, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_usage_add(s, "2026-11-21", 23, NULL, "new.example",
	    7, 1, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_usage_add(s, "2026-11-21", 24, NULL, "new.example",
	    7, 1, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(store_usage_add(s, "2026-11-21", 1, NULL, "new.example",
	    -7, 1, errbuf, sizeof(errbuf)), -1);
	store_close(s);
	assert_int_equal(sql_int("r.db", "SELECT bytes * 1000 + seconds FROM usage_daily "
	    "WHERE day = '2026-11-18' AND student = ?1 AND host = ?2", "s1001",
	    "bet365.com"), 2000025);
	assert_int_equal(sql_int("r.db", "SELECT bytes FROM usage_hourly "
	    "WHERE day = '2026-11-18' AND student = ?1 AND hour = 3", "s1001", NULL),
	    2000);
	assert_int_equal(sql_int("r.db", "SELECT visits * 100 + bytes FROM usage_daily "
	    "WHERE day = '2026-11-21' AND student = '' AND host = ?1", "new.example",
	    NULL), 7);
	assert_int_equal(sql_int("r.db", "SELECT sum(visits) FROM usage_daily",
	    NULL, NULL), NEV);
}

/* ------------------------------------------------------------------ */

static const char *const hostile[] = {
	"O'Brien",
	"\"double\" quotes",
	"'; DROP TABLE events; --",
	"\"); DELETE FROM usage_daily; --",
	"<script>alert(1)</script>",
	"%s%n%x%%",
	"back\\slash ?1 :name @x $y",
	"Ünïcødé ✓ 学生 🙂",
	"line\nbreak\ttab",
	NULL,		/* the 253-character host goes here */
};

struct rt {
	const struct store_event	*want;
	int				 n;
};

static int
rt_cb(const struct store_event *e, void *arg)
{
	struct rt			*r = arg;
	const struct store_event	*w = &r->want[r->n++];

	assert_string_equal(e->student, w->student);
	assert_string_equal(e->client, w->client);
	assert_string_equal(e->host, w->host);
	assert_string_equal(e->category, w->category);
	assert_string_equal(e->rule, w->rule);
	assert_string_equal(e->reason, w->reason);
	return 0;
}

static void
test_hostile_strings(void **state)
{
	struct store		*s;
	struct store_event	 e[16];
	struct store_filter	 f = { 0 };
	struct rt		 r = { .want = e };
	char			 longhost[254];
	const char		*h[16];
	size_t			 n = 0;

	(void)state;
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253: the longest legal name. */
	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[253] = '\0';
	longhost[63] = longhost[127] = longhost[191] = '.';
	assert_int_equal(strlen(longhost), 253);
	for (; hostile[n] != NULL; n++)
		h[n] = hostile[n];
	h[n++] = longhost;

	for (size_t i = 0; i < n; i++)
		e[i] = (struct store_event){ .ts_ms = T0 + (int64_t)i,
		    .day = "2026-11-18", .hour = 9, .student = h[0], .client = h[i],
		    .proto = "http", .host = h[i], .category = h[(i + 1) % n],
		    .action = "block", .rule = h[(i + 2) % n], .reason = h[(i + 3) % n] };
	s = open_ok("h.db", STORE_CREATE);
	assert_int_equal(store_events_insert(s, e, n, errbuf, sizeof(errbuf)), 0);
	f.student = h[0];
	assert_int_equal(store_events_query(s, &f, rt_cb, &r, errbuf, sizeof(errbuf)),
	    (int64_t)n);
	assert_int_equal(r.n, (int)n);
	/* A hostile student id is only ever a value, never a pattern or a fragment. */
	f.student = "'; DROP TABLE events; --";
	r.n = 0;
	assert_int_equal(store_events_query(s, &f, rt_cb, &r, errbuf, sizeof(errbuf)), 0);
	f.student = "O'Brien' OR '1'='1";
	assert_int_equal(store_events_query(s, &f, rt_cb, &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_usage_add(s, "2026-11-18", 9, h[2], longhost, 1, 1,
	    errbuf, sizeof(errbuf)), 0);
	store_close(s);

	for (size_t i = 0; i < n; i++)
		assert_int_equal(sql_int("h.db", "SELECT visits FROM usage_daily WHERE "
		    "student = ?1 AND host = ?2", h[0], h[i]), 1);
	assert_int_equal(sql_int("h.db", "SELECT bytes FROM usage_daily WHERE "
	    "student = ?1 AND host = ?2", h[2], longhost), 1);
	assert_int_equal(sql_int("h.db", "SELECT count(*) FROM events", NULL, NULL),
	    (int64_t)n);
	assert_int_equal(sql_int("h.db", "SELECT count(*) FROM usage_daily", NULL,
	    NULL), (int64_t)n + 1);
}

static void
test_purge(void **state)
{
	enum { NOLD = 12000 };		/* more than two purge chunks */
	struct store		*s;
	struct store_event	*old;
	struct store_filter	 f = { 0 };
	int64_t			 visits, cut = T0 + NEV * 1000LL;

	(void)state;
	assert_non_null(old = calloc(NOLD, sizeof(*old)));
	for (int i = 0; i < NOLD; i++) {
		old[i] = ev[i % NEV];
		old[i].ts_ms = T0 - 86400000LL + i;
	}
	s = open_ok("p.db", STORE_CREATE);
	assert_int_equal(store_events_insert(s, old, NOLD, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_events_insert(s, ev, NEV, errbuf, sizeof(errbuf)), 0);
	free(old);
	visits = sql_int("p.db", "SELECT sum(visits) * 1000000 + sum(blocked) "
	    "FROM usage_daily", NULL, NULL);

	/* Strictly older goes: the event at exactly T0 + 500 s (index 500) stays. */
	assert_int_equal(store_purge(s, T0 + 500000, errbuf, sizeof(errbuf)),
	    NOLD + 500);
	assert_int_equal(count_events(s, NULL), NEV - 500);
	f.since_ms = 0;
	f.until_ms = T0 + 500000;
	assert_int_equal(store_events_query(s, &f, count_cb, &(int64_t){ 0 }, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(store_purge(s, T0 + 500000, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_purge(s, cut, errbuf, sizeof(errbuf)), NEV - 500);
	assert_int_equal(count_events(s, NULL), 0);
	store_close(s);
	assert_int_equal(sql_int("p.db", "SELECT sum(visits) * 1000000 + sum(blocked) "
	    "FROM usage_daily", NULL, NULL), visits);
	assert_int_equal(sql_int("p.db", "SELECT sum(visits) FROM usage_hourly",
	    NULL, NULL), NOLD + NEV);
}

static void
test_invites(void **state)
{
	struct store	*s;
	uint8_t		 h1[32], h2[32], h3[32], h4[32];
	char		 g[64];

	(void)state;
	memset(h1, 1, 32), memset(h2, 2, 32), memset(h3, 3, 32), memset(h4, 4, 32);
	h1[31] = 0;	/* a NUL inside a hash must not cut it short */
	s = open_ok("i.db", STORE_CREATE);
	assert_int_equal(store_invite_create(s, "g1", h1, 1000, 2000, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(store_invite_create(s, "g2", h2, 1000, 2000, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(store_invite_create(s, "g9", h1, 1000, 2000, errbuf,
	    sizeof(errbuf)), -1);		/* the hash is the key */
	assert_int_equal(store_invite_create(s, "g9", h3, 1000, 1000, errbuf,
	    sizeof(errbuf)), -1);		/* expired on arrival */

	assert_int_equal(store_invite_consume(s, h1, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(g, "g1");
	assert_int_equal(store_invite_consume(s, h1, 1501, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 1);
	assert_int_equal(store_invite_consume(s, h2, 2000, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 1);		/* expires_ms is the first instant it is dead */
	assert_int_equal(store_invite_consume(s, h3, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 1);

	/* A buffer too small undoes the consumption. */
	assert_int_equal(store_invite_create(s, "guardian-0042", h4, 1000, 2000,
	    errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_invite_consume(s, h4, 1500, g, 4, errbuf,
	    sizeof(errbuf)), -1);
	assert_int_equal(store_invite_consume(s, h4, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(g, "guardian-0042");
	store_close(s);
	assert_int_equal(sql_int("i.db", "SELECT count(*) FROM guardian_invites "
	    "WHERE used_ms IS NOT NULL", NULL, NULL), 2);
}

static void
test_readonly(void **state)
{
	struct store	*s;
	uint8_t		 h[32];
	char		 g[64];

	(void)state;
	memset(h, 7, sizeof(h));
	s = open_ok("ro.db", STORE_CREATE);
	assert_int_equal(store_events_insert(s, ev, 10, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_invite_create(s, "g1", h, 1000, 2000, errbuf,
	    sizeof(errbuf)), 0);
	store_close(s);

	s = open_ok("ro.db", STORE_RDONLY);
	assert_int_equal(count_events(s, NULL), 10);
	assert_int_equal(store_events_insert(s, ev, 10, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "read-only"));
	assert_int_equal(store_usage_add(s, "2026-11-18", 1, "s1", "h", 1, 1, errbuf,
	    sizeof(errbuf)), -1);
	assert_int_equal(store_purge(s, INT64_MAX, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(store_invite_create(s, "g2", h, 1000, 2000, errbuf,
	    sizeof(errbuf)), -1);
	assert_int_equal(store_invite_consume(s, h, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), -1);
	assert_int_equal(count_events(s, NULL), 10);
	store_close(s);
	assert_int_equal(sql_int("ro.db", "SELECT count(*) FROM guardian_invites "
	    "WHERE used_ms IS NULL", NULL, NULL), 1);
}

/* ------------------------------------------------------------------ */

struct mid {
	struct store	*writer;
	int		 rows, wrote;
};

/* Writes with another handle while this reader is in the middle of its query. */
static int
mid_cb(const struct store_event *e, void *arg)
{
	struct mid	*m = arg;

	(void)e;
	if (m->rows++ == 0)
		m->wrote = store_events_insert(m->writer, ev + 10, 100, errbuf,
		    sizeof(errbuf)) == 0;
	return 0;
}

struct wr {
	char	 path[128];	/* copied before the thread starts: dbpath() is not thread-safe */
	int	 batches, failed;
	char	 err[256];
};

static void *
writer_main(void *arg)
{
	struct wr	*w = arg;
	struct store	*s;

	if ((s = store_open(w->path, 0, w->err, sizeof(w->err))) == NULL) {
		w->failed = 1;
		return NULL;
	}
	for (int b = 0; b < 50; b++)
		if (store_events_insert(s, ev + (b % 4) * 100, b % 2 ? 100 : 200,
		    w->err, sizeof(w->err)) == -1) {
			w->failed = 1;
			break;
		} else
			w->batches++;
	store_close(s);
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct store	*w, *r;
	struct mid	 m = { 0 };
	struct wr	 wr = { 0 };
	pthread_t	 t;
	int64_t		 n, last = 0;

	(void)state;
	w = open_ok("c.db", STORE_CREATE);
	r = open_ok("c.db", STORE_RDONLY);
	assert_int_equal(store_events_insert(w, ev, 10, errbuf, sizeof(errbuf)), 0);
	m.writer = w;
	/* WAL: the write commits while the read is open; the reader keeps its snapshot. */
	assert_int_equal(count_events(r, NULL), 10);
	assert_int_equal(store_events_query(r, &(struct store_filter){ 0 }, mid_cb, &m,
	    errbuf, sizeof(errbuf)), 10);
	assert_true(m.wrote);
	assert_int_equal(m.rows, 10);
	assert_int_equal(count_events(r, NULL), 110);
	store_close(w);

	/* A writer thread with its own handle; every read sees whole batches (multiples of 100). */
	snprintf(wr.path, sizeof(wr.path), "%s", dbpath("c.db"));
	assert_int_equal(pthread_create(&t, NULL, writer_main, &wr), 0);
	for (int i = 0; i < 200; i++) {
		n = count_events(r, NULL) - 110;
		assert_true(n >= last);
		assert_int_equal(n % 100, 0);
		last = n;
		usleep(500);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	if (wr.failed)
		fprintf(stderr, "writer: %s\n", wr.err);
	assert_false(wr.failed);
	assert_int_equal(wr.batches, 50);
	/* Batches alternate 200 and 100 events. */
	assert_int_equal(count_events(r, NULL), 110 + 25 * 200 + 25 * 100);
	store_close(r);
}

/* Drops white space, and SQL comments when asked: the doc's layout differs, its SQL must not. */
static void
squeeze(char *s, int comments)
{
	char	*o = s;

	for (; *s != '\0'; s++) {
		if (comments && s[0] == '-' && s[1] == '-') {
			while (s[1] != '\0' && s[1] != '\n')
				s++;
			continue;
		}
		if (*s != ' ' && *s != '\t' && *s != '\n')
			*o++ = *s;
	}
	*o = '\0';
}

/* docs/schema.md is the readable copy of the migrations: every table and index, as created, is in it. */
static void
test_schema_documented(void **state)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	FILE		*fp;
	char		*doc, *sql, name[80];
	long		 len;
	int		 nobj = 0;

	(void)state;
	store_close(open_ok("d.db", STORE_CREATE));
	assert_non_null(fp = fopen("../docs/schema.md", "r"));
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(doc = calloc(1, (size_t)len + 1));
	assert_int_equal(fread(doc, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	snprintf(name, sizeof(name), "schema version %d", store_schema_version());
	assert_non_null(strstr(doc, name));
	squeeze(doc, 1);

	assert_int_equal(sqlite3_open_v2(dbpath("d.db"), &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema "
	    "WHERE sql IS NOT NULL", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_non_null(sql = strdup((const char *)sqlite3_column_text(st, 0)));
		squeeze(sql, 0);
		if (strstr(doc, sql) == NULL)
			fail_msg("docs/schema.md lacks or differs from: %s",
			    (const char *)sqlite3_column_text(st, 0));
		free(sql);
		nobj++;
	}
	assert_true(nobj >= 17);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(doc);
}

/* ------------------------------------------------------------------ */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hallpass-store.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	make_events();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_migrates),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_batch_and_query),
		cmocka_unit_test(test_rollups),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_invites),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_schema_documented),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
