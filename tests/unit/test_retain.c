/* test_retain: rollups past their period are gone and newer ones stay — SQLite by chunked deletes, PostgreSQL by dropping whole monthly partitions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* 90 days from 2026-01-01: January, February, March. */
static void
fill(struct store *s)
{
	char	 err[256], day[32];

	for (int d = 0; d < 90; d++) {
		int m = d < 31 ? 1 : d < 59 ? 2 : 3, dd = d < 31 ? d + 1 : d < 59 ? d - 30 : d - 58;

		snprintf(day, sizeof(day), "2026-%02d-%02d", m, dd);
		if (store_usage_add(s, day, 10, "s1", "example.org", 100, 60, err,
		    sizeof(err)) != 0 || store_usage_add(s, day, 11, "s2", "example.net",
		    100, 60, err, sizeof(err)) != 0)
			fail_msg("store_usage_add %s: %s", day, err);
	}
}

static void
test_sqlite(void **state)
{
	char		 path[] = "/tmp/hallpass-retain.XXXXXX", cmd[256], buf[64];
	struct store	*s;
	char		 err[256];
	int		 fd;
	FILE		*p;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	unlink(path);
	assert_non_null(s = store_open(path, STORE_CREATE, err, sizeof(err)));
	fill(s);
	/* Both tables, everything before March 15: 31 + 28 + 14 days of 2 rows each, twice. */
	assert_int_equal(store_purge_rollups(s, "2026-03-15", err, sizeof(err)), 4 * 73);
	assert_int_equal(store_purge_rollups(s, "2026-03-15", err, sizeof(err)), 0);
	assert_int_equal(store_purge_rollups(s, "2026-3-15", err, sizeof(err)), -1);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"SELECT min(day) || ' ' || count(*) FROM"
	    " usage_daily; \"", path);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	assert_string_equal(buf, "2026-03-15 34\n");
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
	(void)system(cmd);
}

static int64_t
pq_int(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	int64_t		 n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void
test_pg(void **state)
{
	const char	*base = getenv("HALLPASS_TEST_PG");
	char		 uri[512], err[256];
	const char	*q;
	struct store	*s;
	PGconn		*c;
	PGresult	*r;

	(void)state;
	if (base == NULL || (q = strstr(base, "/hallpass?")) == NULL) {
		print_message("# SKIP: HALLPASS_TEST_PG is unset (tests/run-tests.sh sets it)\n");
		skip();
	}
	c = PQconnectdb(base);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet, NULL);
	PQclear(PQexec(c, "DROP DATABASE IF EXISTS hp_retain WITH (FORCE)"));
	r = PQexec(c, "CREATE DATABASE hp_retain");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
	snprintf(uri, sizeof(uri), "%.*s/hp_retain?%s", (int)(q - base), base, q + 10);
	assert_non_null(s = store_open(uri, STORE_CREATE, err, sizeof(err)));
	fill(s);
	c = PQconnectdb(uri);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM hallpass_partitions WHERE tbl LIKE"
	    " 'usage_%'"), 6);
	assert_int_equal(store_purge_rollups(s, "2026-03-15", err, sizeof(err)), 4 * 73);
	/* January and February went whole (both tables); March stays, trimmed. */
	assert_int_equal(pq_int(c, "SELECT count(*) FROM hallpass_partitions WHERE tbl LIKE"
	    " 'usage_%'"), 2);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM pg_class WHERE relname ="
	    " 'usage_daily_p202601'"), 0);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM usage_daily"), 34);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM usage_daily WHERE day <"
	    " '2026-03-15'"), 0);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM usage_hourly"), 34);
	/* A write to a purged month makes its partition again. */
	assert_int_equal(store_usage_add(s, "2026-01-05", 9, "s1", "late.example", 1, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(pq_int(c, "SELECT count(*) FROM usage_daily WHERE day ="
	    " '2026-01-05'"), 1);
	PQfinish(c);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_pg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
