/* test_store_pg: the store on a real PostgreSQL 15 cluster (HALLPASS_TEST_PG) — migrations and their race, partitions, purge, ingest, cross-gateway merge, the dashboard's functions, the sign-in throttle under concurrency (and on SQLite). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "store.h"
#include "store_dash.h"
#include "store_home.h"
#include "ship.h"

#define NEV	1000
#define T0	1795000000000LL		/* 2026-11-18 (UTC 06:13), any fixed instant will do */

static const char	*base_uri;	/* HALLPASS_TEST_PG: NULL skips every test */
static char		 pg_host[256], pg_user[64];
static char		 errbuf[512];

static const char *const students[] = { "s1001", "s1002", "s1003", "s1004" };
static const char *const hosts[] = { "www.khanacademy.org", "bet365.com",
	"docs.example.edu", "video.example.com", "a.b.c", "192.0.2.7", "2001:db8::1" };
static const char *const days[] = { "2026-11-18", "2026-11-19", "2026-11-20" };
static const char *const protos[] = { "dns", "tls", "http", "quic" };

static struct store_event	 ev[NEV];
static char			 reasons[NEV][16];

/* A store call's result, with the store's reason when it is not the one wanted. */
#define CHECK(expr, want) do { int64_t got_ = (expr); if (got_ != (int64_t)(want)) \
		fail_msg("%s = %lld, want %lld: %s", #expr, (long long)got_, \
		    (long long)(want), errbuf); } while (0)

#define NEED_PG()	do { if (base_uri == NULL) { \
		print_message("# SKIP: HALLPASS_TEST_PG is unset (tests/run-tests.sh " \
		    "starts a cluster and sets it)\n"); skip(); } } while (0)

static void
make_events(void)
{
	for (int i = 0; i < NEV; i++) {
		snprintf(reasons[i], sizeof(reasons[i]), "r%04d", i);
		ev[i] = (struct store_event){
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

/* The URI of database name in the test cluster. */
static const char *
uri_of(const char *name)
{
	static char	 uri[512];

	snprintf(uri, sizeof(uri), "postgresql:///%s?host=%s&user=%s", name, pg_host,
	    pg_user);
	return uri;
}

static PGconn *
pq(const char *name)
{
	PGconn	*c = PQconnectdb(uri_of(name));

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect %s: %s", name, PQerrorMessage(c));
	return c;
}

static void
pq_exec(const char *name, const char *sql)
{
	PGconn		*c = pq(name);
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* One integer from a plain libpq connection, so the checks do not trust the code under test. */
static int64_t
pq_int(const char *name, const char *sql, const char *a1, const char *a2)
{
	PGconn		*c = pq(name);
	const char	*v[2] = { a1, a2 };
	PGresult	*r = PQexecParams(c, sql, a2 ? 2 : a1 ? 1 : 0, NULL, v, NULL,
	    NULL, 0);
	int64_t		 n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	n = PQgetisnull(r, 0, 0) ? -1 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

/* A fresh, empty database per test: migrations start from nothing. */
static void
newdb(const char *name)
{
	char	 sql[128];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	pq_exec("postgres", sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	pq_exec("postgres", sql);
}

static struct store *
open_ok(const char *name, int flags)
{
	struct store	*s;

	errbuf[0] = '\0';
	s = store_open(uri_of(name), flags, errbuf, sizeof(errbuf));
	if (s == NULL)
		fail_msg("store_open %s: %s", name, errbuf);
	return s;
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
	int64_t			 n = 0;

	CHECK(store_events_query(s, &f, count_cb, &n, errbuf,
	    sizeof(errbuf)), n);
	return n;
}

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
test_pg_open_migrates(void **state)
{
	struct store	*s;
	char		 v[16];

	(void)state;
	NEED_PG();
	newdb("hp_m");
	s = open_ok("hp_m", STORE_CREATE);
	assert_string_equal(store_backend(s), "postgresql");
	store_close(s);
	snprintf(v, sizeof(v), "%d", 1);
	assert_true(pq_int("hp_m", "SELECT max(version) FROM hallpass_schema", NULL,
	    NULL) >= 1);
	/* Re-opening (read-write, read-only) applies nothing again. */
	store_close(open_ok("hp_m", 0));
	store_close(open_ok("hp_m", STORE_RDONLY));
	assert_int_equal(pq_int("hp_m", "SELECT count(*) FROM hallpass_schema", NULL,
	    NULL), pq_int("hp_m", "SELECT max(version) FROM hallpass_schema", NULL,
	    NULL));
	/* The partitioned parents, and nothing made before it is needed. */
	assert_int_equal(pq_int("hp_m", "SELECT count(*) FROM pg_partitioned_table p"
	    " JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname IN"
	    " ('events', 'usage_daily', 'usage_hourly')", NULL, NULL), 3);
	assert_int_equal(pq_int("hp_m", "SELECT count(*) FROM hallpass_partitions",
	    NULL, NULL), 0);
}

static void
test_pg_refuses(void **state)
{
	struct store	*s;
	char		 sql[128];
	int64_t		 ver;

	(void)state;
	NEED_PG();
	newdb("hp_new");
	store_close(open_ok("hp_new", 0));
	ver = pq_int("hp_new", "SELECT max(version) FROM hallpass_schema", NULL, NULL);
	snprintf(sql, sizeof(sql), "INSERT INTO hallpass_schema VALUES (%lld, 0)",
	    (long long)ver + 1);
	pq_exec("hp_new", sql);
	assert_null(store_open(uri_of("hp_new"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "is newer than"));
	assert_null(store_open(uri_of("hp_new"), STORE_RDONLY, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "is newer than"));
	assert_int_equal(pq_int("hp_new", "SELECT max(version) FROM hallpass_schema",
	    NULL, NULL), ver + 1);

	/* Someone else's database is not "migrated". */
	newdb("hp_other");
	pq_exec("hp_other", "CREATE TABLE t (x int)");
	assert_null(store_open(uri_of("hp_other"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "not a hallpass database"));
	assert_int_equal(pq_int("hp_other", "SELECT count(*) FROM pg_tables WHERE "
	    "tablename = 'hallpass_schema'", NULL, NULL), 0);

	/* Read-only never migrates: an empty database is "older". */
	newdb("hp_old");
	assert_null(store_open(uri_of("hp_old"), STORE_RDONLY, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "older"));
	assert_int_equal(pq_int("hp_old", "SELECT count(*) FROM pg_tables WHERE "
	    "schemaname = 'public'", NULL, NULL), 0);

	/* No such database, and a URI that says nothing useful: an error, never a crash. */
	assert_null(store_open(uri_of("hp_missing"), 0, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "connect"));
	assert_null(store_open("postgresql://[::1", 0, errbuf, sizeof(errbuf)));
	s = store_open("postgres:///hp_m?host=/nonexistent", 0, errbuf, sizeof(errbuf));
	assert_null(s);
}

static void
test_pg_batch_and_query(void **state)
{
	struct store		*s;
	struct store_event	 bad[3];
	struct store_filter	 f;

	(void)state;
	NEED_PG();
	newdb("hp_q");
	s = open_ok("hp_q", 0);
	CHECK(store_events_insert(s, ev, NEV, errbuf, sizeof(errbuf)), 0);
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
	check_query(s, &f, 7);
	/* After an early stop the connection is usable at once. */
	assert_int_equal(count_events(s, "s1002"), 200);

	memcpy(bad, ev, sizeof(bad));
	bad[2].proto = "ftp";
	CHECK(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "event 2"));
	bad[2] = ev[2];
	bad[1].day = "2026-13-01";
	CHECK(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	bad[1] = ev[1];
	/* Shaped right, but no such date: the server refuses, the batch is undone. */
	bad[1].day = "2026-02-30";
	CHECK(store_events_insert(s, bad, 3, errbuf, sizeof(errbuf)), -1);
	bad[1] = ev[1];
	assert_int_equal(count_events(s, NULL), NEV);
	store_close(s);
	assert_int_equal(pq_int("hp_q", "SELECT sum(visits) FROM usage_daily", NULL,
	    NULL), NEV);
	/* Every row carries this handle's gateway and a distinct sequence number. */
	assert_int_equal(pq_int("hp_q", "SELECT count(DISTINCT seq) FROM events", NULL,
	    NULL), NEV);
	assert_int_equal(pq_int("hp_q", "SELECT count(DISTINCT gateway) FROM events",
	    NULL, NULL), 1);
}

static void
test_pg_rollups(void **state)
{
	struct store	*s;
	PGconn		*c;
	PGresult	*r;
	int64_t		 tv = 0;

	(void)state;
	NEED_PG();
	newdb("hp_r");
	s = open_ok("hp_r", 0);
	CHECK(store_set_gateway(s, "gw-r", errbuf, sizeof(errbuf)), 0);
	CHECK(store_events_insert(s, ev, 600, errbuf, sizeof(errbuf)), 0);
	CHECK(store_events_insert(s, ev + 600, NEV - 600, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_usage_add(s, "2026-11-18", 3, "s1001", "bet365.com",
	    1500, 20, errbuf, sizeof(errbuf)), 0);
	CHECK(store_usage_add(s, "2026-11-18", 3, "s1001", "bet365.com",
	    500, 5, errbuf, sizeof(errbuf)), 0);
	CHECK(store_usage_add(s, "2026-12-01", 23, NULL, "new.example",
	    7, 1, errbuf, sizeof(errbuf)), 0);
	CHECK(store_usage_add(s, "2026-12-01", 24, NULL, "new.example",
	    7, 1, errbuf, sizeof(errbuf)), -1);
	store_close(s);

	c = pq("hp_r");
	r = PQexec(c, "SELECT to_char(day, 'YYYY-MM-DD'), student, host, visits,"
	    " blocked, gateway FROM usage_daily WHERE visits > 0");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	for (int row = 0; row < PQntuples(r); row++) {
		int64_t	 v = 0, b = 0;

		for (int i = 0; i < NEV; i++) {
			const char *es = ev[i].student ? ev[i].student : "";

			if (strcmp(ev[i].day, PQgetvalue(r, row, 0)) ||
			    strcmp(es, PQgetvalue(r, row, 1)) ||
			    strcmp(ev[i].host, PQgetvalue(r, row, 2)))
				continue;
			v++;
			b += strcmp(ev[i].action, "block") == 0;
		}
		assert_int_equal(strtoll(PQgetvalue(r, row, 3), NULL, 10), v);
		assert_int_equal(strtoll(PQgetvalue(r, row, 4), NULL, 10), b);
		assert_string_equal(PQgetvalue(r, row, 5), "gw-r");
		tv += v;
	}
	PQclear(r);
	PQfinish(c);
	assert_int_equal(tv, NEV);
	assert_int_equal(pq_int("hp_r", "SELECT sum(visits) FROM usage_hourly", NULL,
	    NULL), NEV);
	assert_int_equal(pq_int("hp_r", "SELECT bytes * 1000 + seconds FROM usage_daily "
	    "WHERE day = '2026-11-18' AND student = $1 AND host = $2", "s1001",
	    "bet365.com"), 2000025);
	assert_int_equal(pq_int("hp_r", "SELECT bytes FROM usage_hourly WHERE "
	    "day = '2026-11-18' AND student = $1 AND hour = 3", "s1001", NULL), 2000);
	/* A day of another month made its own rollup partitions. */
	assert_int_equal(pq_int("hp_r", "SELECT bytes FROM usage_daily_p202612 WHERE "
	    "student = '' AND host = $1", "new.example", NULL), 7);
}

static const char *const hostile[] = {
	"O'Brien", "\"double\" quotes", "'; DROP TABLE events; --",
	"\"); DELETE FROM usage_daily; --", "<script>alert(1)</script>", "%s%n%x%%",
	"back\\slash $1 ?1 :name @x $y", "Ünïcødé ✓ 学生 🙂", "line\nbreak\ttab",
	"E'\\x00' || chr(0)",
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
test_pg_hostile_strings(void **state)
{
	enum { N = sizeof(hostile) / sizeof(hostile[0]) };
	struct store		*s;
	struct store_event	 e[N];
	struct store_filter	 f = { 0 };
	struct rt		 r = { .want = e };

	(void)state;
	NEED_PG();
	newdb("hp_h");
	for (size_t i = 0; i < N; i++)
		e[i] = (struct store_event){ .ts_ms = T0 + (int64_t)i,
		    .day = "2026-11-18", .hour = 9, .student = hostile[0],
		    .client = hostile[i], .proto = "http", .host = hostile[i],
		    .category = hostile[(i + 1) % N], .action = "block",
		    .rule = hostile[(i + 2) % N], .reason = hostile[(i + 3) % N] };
	s = open_ok("hp_h", 0);
	CHECK(store_events_insert(s, e, N, errbuf, sizeof(errbuf)), 0);
	f.student = hostile[0];
	CHECK(store_events_query(s, &f, rt_cb, &r, errbuf, sizeof(errbuf)),
	    (int64_t)N);
	f.student = "O'Brien' OR '1'='1";
	r.n = 0;
	CHECK(store_events_query(s, &f, rt_cb, &r, errbuf, sizeof(errbuf)), 0);
	CHECK(store_set_gateway(s, "gw'); DROP TABLE events; --", errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_events_insert(s, e, 1, errbuf, sizeof(errbuf)), 0);
	store_close(s);
	assert_int_equal(pq_int("hp_h", "SELECT count(*) FROM events", NULL, NULL),
	    N + 1);
	assert_int_equal(pq_int("hp_h", "SELECT count(*) FROM usage_daily WHERE "
	    "student = $1", hostile[0], NULL), N + 1);
}

/* The events partitions that exist, as a count. */
static int64_t
events_parts(const char *db)
{
	return pq_int(db, "SELECT count(*) FROM pg_inherits i JOIN pg_class p"
	    " ON p.oid = i.inhparent WHERE p.relname = 'events'", NULL, NULL);
}

static void
test_pg_partitions_purge(void **state)
{
	enum { NOLD = 3000 };
	struct store		*s;
	struct store_event	*old;
	int64_t			 visits;

	(void)state;
	NEED_PG();
	newdb("hp_p");
	assert_non_null(old = calloc(NOLD, sizeof(*old)));
	/* Two whole UTC days before T0's: 2026-11-16 and 2026-11-17. */
	for (int i = 0; i < NOLD; i++) {
		old[i] = ev[i % NEV];
		old[i].ts_ms = T0 - 2 * 86400000LL + i * 30000LL;
	}
	s = open_ok("hp_p", 0);
	CHECK(store_events_insert(s, old, NOLD, errbuf, sizeof(errbuf)), 0);
	CHECK(store_events_insert(s, ev, NEV, errbuf, sizeof(errbuf)), 0);
	free(old);
	/* ev spans T0 .. T0 + 999 s, inside 2026-11-18 UTC: three day partitions in all. */
	assert_int_equal(events_parts("hp_p"), 3);
	assert_int_equal(pq_int("hp_p", "SELECT count(*) FROM events_p20261118", NULL,
	    NULL), NEV);
	assert_int_equal(pq_int("hp_p", "SELECT count(*) FROM pg_class WHERE relname"
	    " IN ('usage_daily_p202611', 'usage_hourly_p202611')", NULL, NULL), 2);
	visits = pq_int("hp_p", "SELECT sum(visits) FROM usage_daily", NULL, NULL);

	/* Cut inside 2026-11-18: both older days' partitions go whole, 500 rows of the boundary day. */
	CHECK(store_purge(s, T0 + 500000, errbuf, sizeof(errbuf)),
	    NOLD + 500);
	assert_int_equal(events_parts("hp_p"), 1);
	assert_int_equal(pq_int("hp_p", "SELECT count(*) FROM pg_class WHERE relname"
	    " IN ('events_p20261116', 'events_p20261117')", NULL, NULL), 0);
	assert_int_equal(count_events(s, NULL), NEV - 500);
	assert_int_equal(pq_int("hp_p", "SELECT min(ts_ms) FROM events", NULL, NULL),
	    T0 + 500000);
	CHECK(store_purge(s, T0 + 500000, errbuf, sizeof(errbuf)), 0);
	/* Rollups stay. */
	assert_int_equal(pq_int("hp_p", "SELECT sum(visits) FROM usage_daily", NULL,
	    NULL), visits);
	/* Inserting into a dropped day again recreates it (the handle's cache was told). */
	CHECK(store_events_insert(s, ev, 1, errbuf, sizeof(errbuf)), 0);
	store_close(s);

	/* Another handle's purge dropped a day this one had cached: the batch still lands. */
	s = open_ok("hp_p", 0);
	{
		struct store	*o = open_ok("hp_p", 0);
		struct store_event e2 = ev[0];

		e2.ts_ms = T0 + 2 * 86400000LL;
		e2.day = "2026-11-20";
		CHECK(store_events_insert(s, &e2, 1, errbuf, sizeof(errbuf)), 0);
		CHECK(store_purge(o, T0 + 3 * 86400000LL, errbuf,
		    sizeof(errbuf)), NEV - 500 + 2);
		assert_int_equal(events_parts("hp_p"), 0);
		CHECK(store_events_insert(s, &e2, 1, errbuf, sizeof(errbuf)), 0);
		store_close(o);
	}
	store_close(s);
	assert_int_equal(events_parts("hp_p"), 1);
}

struct racer {
	char	 uri[512];
	int	 ok;
	char	 err[512];
};

static void *
racer_main(void *arg)
{
	struct racer	*r = arg;
	struct store	*s = store_open(r->uri, 0, r->err, sizeof(r->err));

	r->ok = s != NULL;
	store_close(s);
	return NULL;
}

static void
test_pg_migration_race(void **state)
{
	enum { NR = 4 };
	struct racer	 r[NR];
	pthread_t	 t[NR];

	(void)state;
	NEED_PG();
	newdb("hp_race");
	for (int i = 0; i < NR; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		snprintf(r[i].uri, sizeof(r[i].uri), "%s", uri_of("hp_race"));
	}
	for (int i = 0; i < NR; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer_main, &r[i]), 0);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (!r[i].ok)
			fail_msg("racer %d: %s", i, r[i].err);
	}
	/* Each version recorded once: nobody migrated twice. */
	assert_int_equal(pq_int("hp_race", "SELECT count(*) FROM hallpass_schema", NULL,
	    NULL), pq_int("hp_race", "SELECT max(version) FROM hallpass_schema", NULL,
	    NULL));
}

static void
test_pg_readonly(void **state)
{
	struct store		*s;
	struct store_ship_daily	 d = { "2026-11-18", "s1", "h", NULL, 1, 0, 0, 0, 1 };
	uint8_t			 h[32];
	char			 g[64];

	(void)state;
	NEED_PG();
	newdb("hp_ro");
	memset(h, 7, sizeof(h));
	s = open_ok("hp_ro", 0);
	CHECK(store_events_insert(s, ev, 10, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_create(s, "g1", h, 1000, 2000, errbuf,
	    sizeof(errbuf)), 0);
	store_close(s);

	s = open_ok("hp_ro", STORE_RDONLY);
	assert_int_equal(count_events(s, NULL), 10);
	CHECK(store_events_insert(s, ev, 10, errbuf, sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "read-only"));
	CHECK(store_usage_add(s, "2026-11-18", 1, "s1", "h", 1, 1, errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_purge(s, INT64_MAX, errbuf, sizeof(errbuf)), -1);
	CHECK(store_invite_consume(s, h, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_ship_usage_daily(s, "gw", &d, 1, errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_account_set(s, "g1", "x", 1, errbuf, sizeof(errbuf)), -1);
	assert_int_equal(count_events(s, NULL), 10);
	store_close(s);
	assert_int_equal(pq_int("hp_ro", "SELECT count(*) FROM guardian_invites "
	    "WHERE used_ms IS NULL", NULL, NULL), 1);
	assert_int_equal(pq_int("hp_ro", "SELECT count(*) FROM usage_daily WHERE "
	    "gateway = 'gw'", NULL, NULL), 0);
}

static int
health_cb(const struct store_gateway_health *h, void *arg)
{
	char	*out = arg;
	size_t	 n = strlen(out);

	snprintf(out + n, 128 - n, "%s=%s/%lld;", h->gateway,
	    h->rules_version ? h->rules_version : "-", (long long)h->backlog);
	return 0;
}

static void
test_pg_ingest(void **state)
{
	struct store			*s;
	int64_t				 seq[NEV];
	struct store_ship_daily		 d[2];
	struct store_ship_hourly	 hr[1];
	struct store_gateway_health	 gh;

	(void)state;
	NEED_PG();
	newdb("hp_i");
	for (int i = 0; i < NEV; i++)
		seq[i] = 1000 + i;
	s = open_ok("hp_i", 0);
	/* The same batch twice (a retry after a lost COMMIT reply): stored once. */
	CHECK(store_ship_events(s, "gw-a", ev, seq, NEV, errbuf,
	    sizeof(errbuf)), NEV);
	CHECK(store_ship_events(s, "gw-a", ev, seq, NEV, errbuf,
	    sizeof(errbuf)), 0);
	/* Overlapping batch: only the new half counts. */
	CHECK(store_ship_events(s, "gw-a", ev + 500, seq + 500, 100, errbuf,
	    sizeof(errbuf)), 0);
	/* The same sequence numbers from another gateway are other rows. */
	CHECK(store_ship_events(s, "gw-b", ev, seq, 10, errbuf,
	    sizeof(errbuf)), 10);
	assert_int_equal(pq_int("hp_i", "SELECT count(*) FROM events", NULL, NULL),
	    NEV + 10);
	/* Shipping events leaves the rollups to the gateway's own. */
	assert_int_equal(pq_int("hp_i", "SELECT count(*) FROM usage_daily", NULL, NULL),
	    0);

	/* Absolute totals; a newer seq replaces, an older one (a retried old batch) does not. */
	d[0] = (struct store_ship_daily){ "2026-11-18", "s1001", "bet365.com", "gambling",
	    10, 4, 1000, 60, 5 };
	d[1] = (struct store_ship_daily){ "2026-11-18", NULL, "x.example", NULL,
	    1, 0, 0, 0, 6 };
	CHECK(store_ship_usage_daily(s, "gw-a", d, 2, errbuf, sizeof(errbuf)),
	    2);
	CHECK(store_ship_usage_daily(s, "gw-a", d, 2, errbuf, sizeof(errbuf)),
	    0);
	d[0].visits = 12, d[0].seq = 9;
	CHECK(store_ship_usage_daily(s, "gw-a", d, 1, errbuf, sizeof(errbuf)),
	    1);
	d[0].visits = 11, d[0].seq = 7;
	CHECK(store_ship_usage_daily(s, "gw-a", d, 1, errbuf, sizeof(errbuf)),
	    0);
	assert_int_equal(pq_int("hp_i", "SELECT visits FROM usage_daily WHERE gateway = "
	    "'gw-a' AND student = 's1001'", NULL, NULL), 12);
	assert_int_equal(pq_int("hp_i", "SELECT count(*) FROM usage_daily WHERE "
	    "student = ''", NULL, NULL), 1);

	hr[0] = (struct store_ship_hourly){ "2026-11-18", "s1001", 9, 5, 1, 100, 1200, 3 };
	CHECK(store_ship_usage_hourly(s, "gw-a", hr, 1, errbuf,
	    sizeof(errbuf)), 1);
	hr[0].seconds = 10, hr[0].seq = 2;
	CHECK(store_ship_usage_hourly(s, "gw-a", hr, 1, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(pq_int("hp_i", "SELECT seconds FROM usage_hourly", NULL, NULL),
	    1200);
	/* A bad row rejects the whole batch before anything is written. */
	hr[0].hour = 24;
	CHECK(store_ship_usage_hourly(s, "gw-a", hr, 1, errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_ship_events(s, "", ev, seq, 1, errbuf, sizeof(errbuf)),
	    -1);

	gh = (struct store_gateway_health){ "gw-a", "2026.11.3", T0, 2, 1, 40, T0 + 10 };
	CHECK(store_ship_health(s, &gh, errbuf, sizeof(errbuf)), 0);
	gh.rules_version = "2026.11.2";
	gh.updated_ms = T0 + 5;		/* an older report arriving late */
	CHECK(store_ship_health(s, &gh, errbuf, sizeof(errbuf)), 0);
	gh = (struct store_gateway_health){ "gw-0", NULL, 0, 0, 0, 7, T0 };
	CHECK(store_ship_health(s, &gh, errbuf, sizeof(errbuf)), 0);
	{
		char	 seen[128] = "";

		CHECK(store_gateway_health_list(s, health_cb, seen, errbuf,
		    sizeof(errbuf)), 2);
		assert_string_equal(seen, "gw-0=-/7;gw-a=2026.11.3/40;");
	}
	store_close(s);
	assert_int_equal(pq_int("hp_i", "SELECT backlog * 1000 + queue_drops FROM "
	    "gateway_health WHERE gateway = 'gw-a' AND rules_version = '2026.11.3'",
	    NULL, NULL), 40002);
}

struct hours {
	int64_t	 visits[24], seconds[24], blocked[24];
	int	 rows;
};

static int
hours_cb(const struct store_usage *u, void *arg)
{
	struct hours	*h = arg;

	assert_string_equal(u->day, "2026-11-18");
	h->visits[u->hour] += u->visits;
	h->seconds[u->hour] += u->seconds;
	h->blocked[u->hour] += u->blocked;
	h->rows++;
	return 0;
}

struct hostsum {
	char	 host[64];
	int64_t	 visits, bytes;
	int	 rows;
};

static int
hosts_cb(const struct store_usage *u, void *arg)
{
	struct hostsum	*h = arg;

	if (h->rows++ == 0) {
		snprintf(h->host, sizeof(h->host), "%s", u->host);
		h->visits = u->visits;
		h->bytes = u->bytes;
	}
	return 0;
}

static int
blocked_cb(const struct store_event *e, void *arg)
{
	int64_t	*last = arg;

	assert_true(*last == 0 || e->ts_ms <= *last);
	*last = e->ts_ms;
	return 0;
}

/* Two gateways saw the same child: the dashboard's reads add them up without counting time twice. */
static void
test_pg_merge(void **state)
{
	struct store			*s;
	struct store_ship_hourly	 a[2], b[2];
	struct store_ship_daily		 da, db;
	struct store_event		 e[2];
	int64_t				 seq[2] = { 1, 2 }, last = 0;
	struct hours			 h;
	struct hostsum			 hs;

	(void)state;
	NEED_PG();
	newdb("hp_x");
	s = open_ok("hp_x", 0);
	/* Hour 9 at both gateways (30 and 40 minutes), hour 10 only at b (50 minutes). */
	a[0] = (struct store_ship_hourly){ "2026-11-18", "s1", 9, 3, 1, 100, 1800, 1 };
	a[1] = (struct store_ship_hourly){ "2026-11-18", "s2", 9, 8, 0, 100, 3600, 1 };
	b[0] = (struct store_ship_hourly){ "2026-11-18", "s1", 9, 4, 2, 50, 2400, 1 };
	b[1] = (struct store_ship_hourly){ "2026-11-18", "s1", 10, 1, 0, 5, 3000, 2 };
	CHECK(store_ship_usage_hourly(s, "gw-a", a, 2, errbuf,
	    sizeof(errbuf)), 2);
	CHECK(store_ship_usage_hourly(s, "gw-b", b, 2, errbuf,
	    sizeof(errbuf)), 2);
	/* s2 was online the whole of hour 9 at both gateways: still one hour. */
	b[0].student = "s2", b[0].seconds = 3600, b[0].seq = 3;
	CHECK(store_ship_usage_hourly(s, "gw-b", b, 1, errbuf,
	    sizeof(errbuf)), 1);

	memset(&h, 0, sizeof(h));
	CHECK(store_usage_hours(s, "s1", "2026-11-18", "2026-11-18", hours_cb,
	    &h, errbuf, sizeof(errbuf)), 2);
	assert_int_equal(h.visits[9], 7);
	assert_int_equal(h.blocked[9], 3);
	assert_int_equal(h.seconds[9], 2400);	/* the larger, not 4200 */
	assert_int_equal(h.seconds[10], 3000);
	memset(&h, 0, sizeof(h));
	CHECK(store_usage_hours(s, "s2", "2026-11-18", "2026-11-18", hours_cb,
	    &h, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(h.seconds[9], 3600);

	da = (struct store_ship_daily){ "2026-11-18", "s1", "bet365.com", "gambling",
	    3, 3, 700, 30, 1 };
	db = (struct store_ship_daily){ "2026-11-18", "s1", "bet365.com", NULL,
	    4, 2, 300, 40, 1 };
	CHECK(store_ship_usage_daily(s, "gw-a", &da, 1, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_ship_usage_daily(s, "gw-b", &db, 1, errbuf,
	    sizeof(errbuf)), 1);
	memset(&hs, 0, sizeof(hs));
	CHECK(store_usage_hosts(s, "s1", "2026-11-18", "2026-11-18", 10,
	    hosts_cb, &hs, errbuf, sizeof(errbuf)), 1);
	assert_string_equal(hs.host, "bet365.com");
	assert_int_equal(hs.visits, 7);
	assert_int_equal(hs.bytes, 1000);

	/* Blocked events of both gateways in one list, newest first. */
	e[0] = ev[0];
	e[0].student = "s1";
	e[0].action = "block";
	e[1] = e[0];
	e[1].ts_ms += 5000;
	CHECK(store_ship_events(s, "gw-a", e, seq, 1, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_ship_events(s, "gw-b", e + 1, seq, 1, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_blocked_events(s, "s1", 0, INT64_MAX, 10, blocked_cb,
	    &last, errbuf, sizeof(errbuf)), 2);
	assert_int_equal(last, e[0].ts_ms);
	assert_int_equal(count_events(s, "s1"), 2);
	store_close(s);
}

static void
test_pg_dash(void **state)
{
	struct store		*s;
	struct store_session	 ss;
	uint8_t			 h[32], h2[32], csrf[32];
	const int64_t		 t0 = T0, idle = 60000;
	char			 hash[256], g[64];
	int64_t			 ts;

	(void)state;
	NEED_PG();
	newdb("hp_d");
	s = open_ok("hp_d", 0);
	memset(h, 1, sizeof(h));
	memset(h2, 2, sizeof(h2));
	memset(csrf, 7, sizeof(csrf));
	h[5] = 0, csrf[3] = 0;	/* NULs inside hashes must not cut them short */
	CHECK(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, "es",
	    errbuf, sizeof(errbuf)), -1);	/* no account: foreign key */
	CHECK(store_account_set(s, "g1", "$argon2id$fake", t0, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, "es",
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_session_create(s, h2, "g1", csrf, t0, t0 + 600000, NULL,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_session_get(s, h, t0 + 1, idle, &ss, errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(ss.guardian_id, "g1");
	assert_string_equal(ss.lang, "es");
	assert_memory_equal(ss.csrf, csrf, 32);
	assert_int_equal(ss.created_ms, t0);
	CHECK(store_session_get(s, h, t0 + idle, idle, &ss, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_session_touch(s, h, t0 + idle - 1, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_session_get(s, h, t0 + idle + 100, idle, &ss, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_sessions_delete_guardian(s, "g1", errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_session_get(s, h2, t0, idle, &ss, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, NULL,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_sessions_purge(s, t0 + 2 * idle, idle, errbuf,
	    sizeof(errbuf)), 1);

	for (int i = 0; i < 4; i++)
		CHECK(store_failure_add(s, "acct:g1", t0 + i * 1000, errbuf,
		    sizeof(errbuf)), 0);
	CHECK(store_failure_count(s, "acct:g1", t0 + 2000, errbuf,
	    sizeof(errbuf)), 2);
	CHECK(store_failure_clear(s, "acct:g1", errbuf, sizeof(errbuf)), 0);
	CHECK(store_failure_count(s, "acct:g1", 0, errbuf, sizeof(errbuf)), 0);
	CHECK(store_account_get(s, "g1", hash, sizeof(hash), errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(hash, "$argon2id$fake");
	CHECK(store_account_get(s, "g1", hash, 2, errbuf, sizeof(errbuf)), -1);
	CHECK(store_account_get(s, "g9", hash, sizeof(hash), errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_aup_ack(s, "g1", 1, t0, errbuf, sizeof(errbuf)), 0);
	CHECK(store_aup_ack(s, "g1", 1, t0 + 5, errbuf, sizeof(errbuf)), 0);
	CHECK(store_aup_acked(s, "g1", 1, &ts, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(ts, t0);
	CHECK(store_aup_acked(s, "g1", 2, &ts, errbuf, sizeof(errbuf)), 1);
	CHECK(store_audit(s, t0, "g1", "login", NULL, errbuf,
	    sizeof(errbuf)), 0);

	/* Invites: single use, expiry, a too-small buffer undoes. */
	CHECK(store_invite_create(s, "guardian-0042", h, 1000, 2000, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_invite_create(s, "g9", h, 1000, 2000, errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_invite_consume(s, h, 1500, g, 4, errbuf,
	    sizeof(errbuf)), -1);
	CHECK(store_invite_consume(s, h, 2000, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_invite_consume(s, h, 1500, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(g, "guardian-0042");
	CHECK(store_invite_consume(s, h, 1501, g, sizeof(g), errbuf,
	    sizeof(errbuf)), 1);
	store_close(s);
}

/* The server drops the connection (restart, failover): the call that finds out fails, the next one reconnects. */
static void
test_pg_reconnect(void **state)
{
	struct store		*s;
	struct store_filter	 f = { 0 };
	int64_t			 n = 0;

	(void)state;
	NEED_PG();
	newdb("hp_rc");
	s = open_ok("hp_rc", 0);
	CHECK(store_events_insert(s, ev, 10, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(pq_int("hp_rc", "SELECT count(pg_terminate_backend(pid))"
	    " FROM pg_stat_activity WHERE datname = 'hp_rc' AND"
	    " application_name = 'hallpass'", NULL, NULL), 1);
	(void)store_events_query(s, &f, count_cb, &n, errbuf, sizeof(errbuf));
	/* Reconnected, statements prepared again: reads and a batch work. */
	assert_int_equal(count_events(s, NULL), 10);
	CHECK(store_events_insert(s, ev + 10, 10, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(count_events(s, NULL), 20);
	store_close(s);
}

/* The SQLite backend has no ingest: a clear refusal, not a crash. */
static void
test_sqlite_no_ingest(void **state)
{
	char		 path[] = "/tmp/hallpass-pgtest.XXXXXX";
	char		 db[64];
	struct store	*s;
	int64_t		 seq = 1;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/x.db", path);
	assert_non_null(s = store_open(db, STORE_CREATE, errbuf, sizeof(errbuf)));
	assert_string_equal(store_backend(s), "sqlite");
	CHECK(store_ship_events(s, "gw", ev, &seq, 1, errbuf,
	    sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "postgresql"));
	CHECK(store_gateway_health_list(s, health_cb, NULL, errbuf, sizeof(errbuf)),
	    -1);
	store_close(s);
	unlink(db);
	snprintf(db, sizeof(db), "%s/x.db-wal", path);
	unlink(db);
	snprintf(db, sizeof(db), "%s/x.db-shm", path);
	unlink(db);
	rmdir(path);
}

/* ---- the sign-in throttle and invite revocation, on both backends ---- */

/* Threads that each open their own connection and try one attempt under one key at once. */
struct attempter {
	char			 uri[512];
	pthread_barrier_t	*go;
	int			 rc;
	char			 err[512];
};

static void *
attempter_main(void *arg)
{
	struct attempter	*a = arg;
	struct store		*s = store_open(a->uri, 0, a->err, sizeof(a->err));
	int64_t			 retry;

	pthread_barrier_wait(a->go);
	a->rc = s == NULL ? -2 : store_attempt(s, "acct:g2|net:192.0.2.9", T0, T0 - 3600000,
	    5, 30000, 900000, 1, &retry, a->err, sizeof(a->err));
	store_close(s);
	return NULL;
}

static void
attempt_battery(const char *uri)
{
	enum { NT = 16 };
	struct attempter	 a[NT];
	pthread_t		 t[NT];
	pthread_barrier_t	 go;
	struct store		*s;
	uint8_t			 h1[32], h2[32], h3[32];
	char			 g[64];
	int64_t			 retry;
	int			 allowed = 0, waited = 0;

	assert_non_null(s = store_open(uri, STORE_CREATE, errbuf, sizeof(errbuf)));
	/* Free attempts, then 30 s after the last, then 60 s: growing, never a lockout. */
	for (int i = 0; i < 3; i++)
		CHECK(store_attempt(s, "k", T0 + i, T0 - 1, 3, 30000, 90000, 1, &retry,
		    errbuf, sizeof(errbuf)), 0);
	CHECK(store_attempt(s, "k", T0 + 10, T0 - 1, 3, 30000, 90000, 1, &retry, errbuf,
	    sizeof(errbuf)), 1);
	assert_int_equal(retry, 30000 - 8);
	CHECK(store_attempt(s, "k", T0 + 2 + 30000, T0 - 1, 3, 30000, 90000, 1, &retry,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_attempt(s, "k", T0 + 2 + 30000 + 59999, T0 - 1, 3, 30000, 90000, 1,
	    &retry, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(retry, 1);
	/* record 0 only looks; records older than since do not count; other keys are apart. */
	CHECK(store_attempt(s, "k", T0 + 2 + 90000, T0 - 1, 3, 30000, 90000, 0, &retry,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_failure_count(s, "k", 0, errbuf, sizeof(errbuf)), 4);
	CHECK(store_attempt(s, "k", T0 + 40000, T0 + 30003, 3, 30000, 90000, 1, &retry,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_attempt(s, "other", T0 + 10, T0 - 1, 0, 30000, 90000, 1, &retry,
	    errbuf, sizeof(errbuf)), 0);
	/* Undo takes back one attempt: the one recorded at that instant. */
	CHECK(store_attempt(s, "other", T0 + 10, T0 - 1, 5, 30000, 90000, 1, &retry,
	    errbuf, sizeof(errbuf)), 0);
	CHECK(store_attempt_undo(s, "other", T0 + 10, errbuf, sizeof(errbuf)), 0);
	CHECK(store_failure_count(s, "other", 0, errbuf, sizeof(errbuf)), 1);
	CHECK(store_attempt_undo(s, "other", T0 + 11, errbuf, sizeof(errbuf)), 0);
	CHECK(store_failure_count(s, "other", 0, errbuf, sizeof(errbuf)), 1);
	/* The delay is capped: many attempts wait at most max after the last. */
	for (int i = 0; i < 40; i++)
		CHECK(store_failure_add(s, "many", T0, errbuf, sizeof(errbuf)), 0);
	CHECK(store_attempt(s, "many", T0 + 1000, T0 - 1, 3, 30000, 90000, 1, &retry,
	    errbuf, sizeof(errbuf)), 1);
	assert_int_equal(retry, 89000);
	CHECK(store_attempt(s, "k", T0, T0, 3, 0, 90000, 1, &retry, errbuf,
	    sizeof(errbuf)), -1);	/* no base delay: refused, not a division of zero */

	/* 16 connections at once: exactly the 5 free attempts pass, the rest are told to wait. */
	assert_int_equal(pthread_barrier_init(&go, NULL, NT), 0);
	for (int i = 0; i < NT; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		snprintf(a[i].uri, sizeof(a[i].uri), "%s", uri);
		a[i].go = &go;
		assert_int_equal(pthread_create(&t[i], NULL, attempter_main, &a[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (a[i].rc < 0)
			fail_msg("attempter %d: %s", i, a[i].err);
		allowed += a[i].rc == 0;
		waited += a[i].rc == 1;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(allowed, 5);
	assert_int_equal(waited, NT - 5);
	CHECK(store_failure_count(s, "acct:g2|net:192.0.2.9", 0, errbuf, sizeof(errbuf)), 5);

	/* Revocation: every unused invite of one guardian, no other's, not the used ones. */
	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	memset(h3, 3, sizeof(h3));
	CHECK(store_invite_create(s, "g1", h1, 1000, 9000, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_create(s, "g1", h2, 1000, 9000, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_create(s, "g2", h3, 1000, 9000, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_consume(s, h1, 1500, g, sizeof(g), errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_revoke(s, "g1", 2000, errbuf, sizeof(errbuf)), 1);
	CHECK(store_invite_consume(s, h2, 2500, g, sizeof(g), errbuf, sizeof(errbuf)), 1);
	CHECK(store_invite_revoke(s, "g1", 3000, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_consume(s, h3, 2500, g, sizeof(g), errbuf, sizeof(errbuf)), 0);
	assert_string_equal(g, "g2");
	CHECK(store_invite_revoke(s, "", 3000, errbuf, sizeof(errbuf)), -1);
	store_close(s);
}

static void
test_pg_attempt(void **state)
{
	(void)state;
	NEED_PG();
	newdb("hp_attempt");
	attempt_battery(uri_of("hp_attempt"));
}

static void
test_sqlite_attempt(void **state)
{
	char	path[] = "/tmp/hallpass-pgtest.XXXXXX", db[64];

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/a.db", path);
	attempt_battery(db);
	unlink(db);
	snprintf(db, sizeof(db), "%s/a.db-wal", path);
	unlink(db);
	snprintf(db, sizeof(db), "%s/a.db-shm", path);
	unlink(db);
	rmdir(path);
}

/* docs/schema.md is the readable copy of the PostgreSQL migrations: every table, index, sequence and function is in it. */
static void
test_pg_schema_documented(void **state)
{
	PGconn		*c;
	PGresult	*r;
	FILE		*fp;
	char		*doc, want[160];
	long		 len;

	(void)state;
	NEED_PG();
	newdb("hp_doc");
	store_close(open_ok("hp_doc", 0));
	assert_non_null(fp = fopen("../docs/schema.md", "r"));
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(doc = calloc(1, (size_t)len + 1));
	assert_int_equal(fread(doc, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	snprintf(want, sizeof(want), "PostgreSQL schema version %lld", (long long)
	    pq_int("hp_doc", "SELECT max(version) FROM hallpass_schema", NULL, NULL));
	if (strstr(doc, want) == NULL)
		fail_msg("docs/schema.md lacks \"%s\"", want);
	c = pq("hp_doc");
	r = PQexec(c, "SELECT CASE c.relkind WHEN 'S' THEN 'CREATE SEQUENCE '"
	    " || c.relname || ';' WHEN 'i' THEN 'CREATE INDEX ' || c.relname || ' ON '"
	    " WHEN 'I' THEN 'CREATE INDEX ' || c.relname || ' ON '"
	    " ELSE 'CREATE TABLE ' || c.relname || ' (' END"
	    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = 'public' AND NOT c.relispartition"
	    " AND c.relkind IN ('r', 'p', 'i', 'I', 'S')"
	    " AND c.relname !~ '_(pkey|key|id_seq)$'"
	    " UNION ALL SELECT p.proname || '(' FROM pg_proc p JOIN pg_namespace n"
	    " ON n.oid = p.pronamespace WHERE n.nspname = 'public'");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_true(PQntuples(r) >= 20);
	for (int i = 0; i < PQntuples(r); i++)
		if (strstr(doc, PQgetvalue(r, i, 0)) == NULL)
			fail_msg("docs/schema.md lacks \"%s\"", PQgetvalue(r, i, 0));
	PQclear(r);
	PQfinish(c);
	free(doc);
}

/* hallpass.yaml's database: takes a postgresql:// URI as well as an absolute path. */
static void
test_config_database_uri(void **state)
{
	char		 dir[] = "/tmp/hallpass-pgconf.XXXXXX", path[64];
	struct config	 c;
	struct diag	 dg;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hallpass.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("database: postgresql://hp@db.district.example/hallpass?sslmode=verify-full\n",
	    f);
	fclose(f);
	diag_init(&dg);
	assert_int_equal(config_load(&c, dir, &dg), 0);
	assert_string_equal(c.database,
	    "postgresql://hp@db.district.example/hallpass?sslmode=verify-full");
	diag_free(&dg);
	unlink(path);
	rmdir(dir);
}

static int
setup(void **state)
{
	PQconninfoOption	*o, *opts;

	(void)state;
	make_events();
	base_uri = getenv("HALLPASS_TEST_PG");
	if (base_uri == NULL || *base_uri == '\0') {
		base_uri = NULL;
		return 0;
	}
	if ((opts = PQconninfoParse(base_uri, NULL)) == NULL)
		return -1;
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
			snprintf(pg_host, sizeof(pg_host), "%s", o->val);
		else if (strcmp(o->keyword, "user") == 0 && o->val != NULL)
			snprintf(pg_user, sizeof(pg_user), "%s", o->val);
	}
	PQconninfoFree(opts);
	return pg_host[0] != '\0' && pg_user[0] != '\0' ? 0 : -1;
}


static int
pg_home_take(const struct store_home *r, void *arg)
{
	char *out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "%s/%s/%lld/%d/%d/%s;", r->student,
	    r->guardian, (long long)r->pause_until_ms, r->bed_from, r->bed_to,
	    r->categories);
	return 0;
}

/* Guardians' controls on the district database, and the shipper's copy of them into a gateway's SQLite on every pass. */
static void
test_pg_home(void **state)
{
	struct store		*s, *gw;
	struct ship		*sh;
	struct ship_stats	 st;
	struct store_home	 a = { "s1001", "g1", T0 + 1800000, -1, -1, "", T0 };
	struct store_home	 b = { "s1002", "g1", 0, 1200, 390, "games,social", T0 };
	struct store_home	 bad = { "s1003", "g1", 0, 1440, -1, "", T0 };
	char			 got[256], dir[] = "/tmp/test_pg_home.XXXXXX", local[128];

	(void)state;
	NEED_PG();
	newdb("hp_home");
	s = open_ok("hp_home", 0);
	CHECK(store_home_set(s, &a, errbuf, sizeof(errbuf)), 0);
	CHECK(store_home_set(s, &b, errbuf, sizeof(errbuf)), 0);
	CHECK(store_home_set(s, &bad, errbuf, sizeof(errbuf)), -1);
	got[0] = '\0';
	CHECK(store_home_list(s, NULL, pg_home_take, got, errbuf, sizeof(errbuf)), 2);
	assert_string_equal(got, "s1001/g1/1795001800000/-1/-1/;s1002/g1/0/1200/390/games,social;");
	got[0] = '\0';
	CHECK(store_home_list(s, "s1002", pg_home_take, got, errbuf, sizeof(errbuf)), 1);
	assert_string_equal(got, "s1002/g1/0/1200/390/games,social;");
	assert_int_equal(pq_int("hp_home", "SELECT count(*) FROM guardian_controls",
	    NULL, NULL), 2);

	/* A gateway's shipper: the district's rows replace its copy on each pass. */
	assert_non_null(mkdtemp(dir));
	snprintf(local, sizeof(local), "%s/gw.db", dir);
	assert_non_null(gw = store_open(local, STORE_CREATE, errbuf, sizeof(errbuf)));
	a.student = "s9999";	/* a row only the gateway has: gone after the copy */
	CHECK(store_home_set(gw, &a, errbuf, sizeof(errbuf)), 0);
	store_close(gw);
	assert_non_null(sh = ship_new(&(struct ship_config){ local, uri_of("hp_home"),
	    "gw-home", 0 }, errbuf, sizeof(errbuf)));
	CHECK(ship_pass(sh, T0, 0, &st, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(st.home, 2);
	assert_non_null(gw = store_open(local, STORE_RDONLY, errbuf, sizeof(errbuf)));
	got[0] = '\0';
	CHECK(store_home_list(gw, NULL, pg_home_take, got, errbuf, sizeof(errbuf)), 2);
	assert_string_equal(got, "s1001/g1/1795001800000/-1/-1/;s1002/g1/0/1200/390/games,social;");
	store_close(gw);
	/* The guardian lifts the pause on the dashboard: the next pass carries it. */
	a.student = "s1001";
	a.pause_until_ms = 0;
	CHECK(store_home_set(s, &a, errbuf, sizeof(errbuf)), 0);
	CHECK(ship_pass(sh, T0 + 1000, 0, &st, errbuf, sizeof(errbuf)), 0);
	assert_non_null(gw = store_open(local, STORE_RDONLY, errbuf, sizeof(errbuf)));
	got[0] = '\0';
	CHECK(store_home_list(gw, "s1001", pg_home_take, got, errbuf, sizeof(errbuf)), 1);
	assert_string_equal(got, "s1001/g1/0/-1/-1/;");
	store_close(gw);
	ship_free(sh);
	store_close(s);
	snprintf(got, sizeof(got), "rm -rf %s", dir);
	assert_int_equal(system(got), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pg_open_migrates),
		cmocka_unit_test(test_pg_refuses),
		cmocka_unit_test(test_pg_batch_and_query),
		cmocka_unit_test(test_pg_rollups),
		cmocka_unit_test(test_pg_hostile_strings),
		cmocka_unit_test(test_pg_partitions_purge),
		cmocka_unit_test(test_pg_migration_race),
		cmocka_unit_test(test_pg_readonly),
		cmocka_unit_test(test_pg_ingest),
		cmocka_unit_test(test_pg_merge),
		cmocka_unit_test(test_pg_dash),
		cmocka_unit_test(test_pg_attempt),
		cmocka_unit_test(test_sqlite_attempt),
		cmocka_unit_test(test_pg_schema_documented),
		cmocka_unit_test(test_pg_reconnect),
		cmocka_unit_test(test_sqlite_no_ingest),
		cmocka_unit_test(test_config_database_uri),
		cmocka_unit_test(test_pg_home),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
