/* bench_cgi: time to render the parent dashboard's activity page with millions of activity rows (make bench, section cgi). */
/*
 * Usage: bench_cgi -c CONF_DIR [-n EVENTS] [-r RUNS] [-x HALLPASS_CGI] [-j JSON]
 *
 * The database named by CONF_DIR/hallpass.yaml is seeded once with EVENTS raw
 * events (default 10,000,000) over 90 days and 600 students, and with the
 * rollups those events make; a database that already holds that many events
 * is reused.  Student s1001 (guardian g1 in the shipped example) is one of
 * them, with a heavier share.  Then the activity page of s1001 is rendered
 * in-process through dash_handle (today, a past day, the last 7 days) and, with
 * -x, by running the CGI binary as a web server would (process start, config
 * and policy load included).  Target: median < 50 ms.
 */
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dash.h"
#include "auth.h"
#include "dash_date.h"
#include "i18n.h"

#define TARGET_MS	50.0
#define DAYS		90
#define STUDENTS	600

extern char **environ;

static double
now_ms(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_cgi: %s\n  in: %.120s\n", msg, sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int64_t
count_events(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM events", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * Bulk seeding in SQL: generating 10M rows through store_events_insert would
 * take minutes, and the rollups are what the page reads; they are built from
 * the events with the same GROUP BY the daemon's UPSERTs amount to.  Days and
 * hours are UTC-6 (Chicago standard time), close enough for a benchmark.
 */
static int
seed(const char *path, int64_t nev, int64_t end_s)
{
	sqlite3	*db;
	char	 sql[2048];
	double	 t0 = now_ms();
	int64_t	 have;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	have = count_events(db);
	if (have == nev) {
		printf("  reusing %s (%lld events)\n", path, (long long)have);
		sqlite3_close(db);
		return 0;
	}
	printf("  seeding %s with %lld events (once; kept for the next run)...\n", path,
	    (long long)nev);
	fflush(stdout);
	if (exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
	    "DELETE FROM events; DELETE FROM usage_daily; DELETE FROM usage_hourly;") == -1)
		goto err;
	/* s1001 gets every 20th event (~5%: ~5,500 a day); the rest spread over 599 others. */
	snprintf(sql, sizeof(sql),
	    "BEGIN;"
	    "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < %lld)"
	    " INSERT INTO events (ts_ms, day, hour, student, client, proto, host, category,"
	    " action, rule, reason)"
	    " SELECT ts, date(ts / 1000 - 21600, 'unixepoch'),"
	    "  CAST(strftime('%%H', ts / 1000 - 21600, 'unixepoch') AS INTEGER),"
	    "  CASE WHEN i %% 20 = 0 THEN 's1001' ELSE printf('x%%04d', i %% %d) END,"
	    "  '02:00:00:00:10:01', 'tls',"
	    "  printf('site%%d.example', abs(random()) %% (1 + abs(random()) %% 5000)),"
	    "  CASE WHEN i %% 7 = 0 THEN 'games' WHEN i %% 11 = 0 THEN 'social' END,"
	    "  CASE WHEN i %% 23 = 0 THEN 'block' ELSE 'allow' END, NULL,"
	    "  CASE WHEN i %% 23 = 0 THEN 'category' END"
	    " FROM (SELECT i, %lld - (%lld - i) * %lld / %lld AS ts FROM c);"
	    "COMMIT;", (long long)nev, STUDENTS, (long long)end_s * 1000,
	    (long long)nev, (long long)DAYS * 86400 * 1000, (long long)nev);
	if (exec_sql(db, sql) == -1)
		goto err;
	printf("  events: %.1f s\n", (now_ms() - t0) / 1e3);
	fflush(stdout);
	if (exec_sql(db, "BEGIN;"
	    "INSERT INTO usage_daily (day, student, host, category, visits, blocked, bytes, seconds)"
	    " SELECT day, student, host, max(category), count(*), sum(action = 'block'),"
	    " count(*) * 20000, count(*) * 30 FROM events GROUP BY day, student, host;"
	    "INSERT INTO usage_hourly (day, student, hour, visits, blocked, bytes, seconds)"
	    " SELECT day, student, hour, count(*), sum(action = 'block'), count(*) * 20000,"
	    " count(*) * 30 FROM events GROUP BY day, student, hour;"
	    "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;") == -1)
		goto err;
	printf("  seeded in %.1f s\n", (now_ms() - t0) / 1e3);
	sqlite3_close(db);
	return 0;
err:
	sqlite3_close(db);
	return -1;
}

static const char *
env_get(void *arg, const char *name)
{
	const char *const	*e = arg;
	size_t			 n = strlen(name);

	for (; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

struct result {
	const char	*what;
	double		 median, p95, max;
	size_t		 bytes;
};

static int
render(struct dash *d, const char *query, const char *cookie, int runs,
    struct result *res)
{
	char		 q[256], c[256];
	const char	*env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/child", q, c,
		"SCRIPT_NAME=/hallpass.cgi", "REMOTE_ADDR=127.0.0.1", NULL };
	double		*t = calloc((size_t)runs, sizeof(double));
	struct cgi_req	 r;
	struct cgi_out	 o;

	snprintf(q, sizeof(q), "QUERY_STRING=%s", query);
	snprintf(c, sizeof(c), "HTTP_COOKIE=%s", cookie);
	for (int i = 0; i < runs; i++) {
		double	 t0 = now_ms();

		if (cgi_req_parse(&r, env_get, env, NULL, NULL, 0) != 0)
			return -1;
		cgi_out_init(&o);
		d->now_ms = (int64_t)time(NULL) * 1000;
		if (dash_handle(d, &r, &o) == -1 || o.status != 200 ||
		    strstr(o.body.s, "site") == NULL) {
			fprintf(stderr, "bench_cgi: %s: status %d %s\n", query, o.status,
			    d->err);
			return -1;
		}
		t[i] = now_ms() - t0;
		res->bytes = o.body.len;
		cgi_out_free(&o);
		cgi_req_free(&r);
	}
	qsort(t, (size_t)runs, sizeof(double), dcmp);
	res->median = t[runs / 2];
	res->p95 = t[runs * 95 / 100];
	res->max = t[runs - 1];
	free(t);
	return 0;
}

/* The whole CGI as lighttpd runs it: exec, load config, policy, languages, open the store, render. */
static int
render_exec(const char *cgi, const char *conf, const char *query, const char *cookie,
    int runs, struct result *res)
{
	char		 e[6][512];
	char		*env[8], *argv[] = { (char *)(uintptr_t)cgi, NULL };
	double		*t = calloc((size_t)runs, sizeof(double));
	posix_spawn_file_actions_t fa;
	pid_t		 pid;
	int		 st;

	snprintf(e[0], sizeof(e[0]), "HALLPASS_CONFIG=%s", conf);
	snprintf(e[1], sizeof(e[1]), "HALLPASS_LANG=dashboard-cgi/lang");
	snprintf(e[2], sizeof(e[2]), "QUERY_STRING=%s", query);
	snprintf(e[3], sizeof(e[3]), "HTTP_COOKIE=%s", cookie);
	snprintf(e[4], sizeof(e[4]), "REQUEST_METHOD=GET");
	snprintf(e[5], sizeof(e[5]), "PATH_INFO=/child");
	for (int i = 0; i < 6; i++)
		env[i] = e[i];
	env[6] = "SCRIPT_NAME=/hallpass.cgi";
	env[7] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	for (int i = 0; i < runs; i++) {
		double	 t0 = now_ms();

		if (posix_spawn(&pid, cgi, &fa, NULL, argv, env) != 0 ||
		    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench_cgi: %s failed\n", cgi);
			return -1;
		}
		t[i] = now_ms() - t0;
	}
	posix_spawn_file_actions_destroy(&fa);
	qsort(t, (size_t)runs, sizeof(double), dcmp);
	res->median = t[runs / 2];
	res->p95 = t[runs * 95 / 100];
	res->max = t[runs - 1];
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*conf = NULL, *json = NULL, *cgi = NULL;
	int64_t		 nev = 10000000;
	int		 runs = 50, ch, rc = 1, nres = 0;
	struct config	 cfg;
	struct diag	 dg;
	struct i18n	 i18n;
	struct dash	 d;
	struct result	 res[6];
	char		 err[512], tok[AUTH_TOKEN_HEX], cookie[128], today[11], q[128];
	char		 hash[STORE_PWHASH_MAX];
	struct dash_day	 past;
	FILE		*jf;

	while ((ch = getopt(argc, argv, "c:n:r:x:j:")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': nev = strtoll(optarg, NULL, 10); break;
		case 'r': runs = atoi(optarg); break;
		case 'x': cgi = optarg; break;
		case 'j': json = optarg; break;
		default: goto usage;
		}
	}
	if (conf == NULL || nev < 1000 || runs < 1)
		goto usage;
	memset(&d, 0, sizeof(d));
	diag_init(&dg);
	if (config_load(&cfg, conf, &dg) != 0 || (d.pol = policy_load(conf, &dg)) == NULL ||
	    (d.aup = aup_load(conf, &dg)) == NULL) {
		for (size_t i = 0; i < dg.n; i++)
			fprintf(stderr, "%s\n", dg.msgs[i]);
		return 1;
	}
	if (auth_init() == -1 || i18n_load(&i18n, "dashboard-cgi/lang", err,
	    sizeof(err)) == -1 || (d.tz = tz_load(policy_timezone(d.pol), err,
	    sizeof(err))) == NULL ||
	    (d.st = store_open(cfg.database, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_cgi: %s\n", err);
		return 1;
	}
	d.i18n = &i18n;
	printf("cgi: activity page of one child, %lld activity rows\n", (long long)nev);
	if (seed(cfg.database, nev, (int64_t)time(NULL)) == -1)
		return 1;
	/* A guardian with a live session, as after logging in. */
	if (auth_pw_hash("bench password", hash, sizeof(hash)) == -1 ||
	    store_account_set(d.st, "g1", hash, (int64_t)time(NULL) * 1000, err,
	    sizeof(err)) == -1 || auth_session_new(d.st, "g1", "en",
	    (int64_t)time(NULL) * 1000, tok, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_cgi: %s\n", err);
		return 1;
	}
	snprintf(cookie, sizeof(cookie), "hp_session=%s", tok);
	d.now_ms = (int64_t)time(NULL) * 1000;
	dash_today(&d, today);
	{
		struct dash_day	 t0;

		dash_day_parse(today, &t0);
		dash_day_from_n(t0.n - 10, &past);
	}
	res[nres].what = "in-process, today";
	if (render(&d, "id=s1001", cookie, runs, &res[nres++]) == -1)
		goto out;
	snprintf(q, sizeof(q), "id=s1001&day=%s", past.s);
	res[nres].what = "in-process, a past day";
	if (render(&d, q, cookie, runs, &res[nres++]) == -1)
		goto out;
	res[nres].what = "in-process, last 7 days";
	if (render(&d, "id=s1001&range=week", cookie, runs, &res[nres++]) == -1)
		goto out;
	if (cgi != NULL) {
		res[nres].what = "hallpass.cgi process, today";
		res[nres].bytes = res[0].bytes;
		if (render_exec(cgi, conf, "id=s1001", cookie, runs, &res[nres++]) == -1)
			goto out;
		res[nres].what = "hallpass.cgi process, last 7 days";
		res[nres].bytes = res[2].bytes;
		if (render_exec(cgi, conf, "id=s1001&range=week", cookie, runs,
		    &res[nres++]) == -1)
			goto out;
	}
	printf("  %-36s %10s %10s %10s %9s  %s\n", "page", "median ms", "p95 ms",
	    "max ms", "bytes", "target");
	for (int i = 0; i < nres; i++)
		printf("  %-36s %10.2f %10.2f %10.2f %9zu  %s\n", res[i].what,
		    res[i].median, res[i].p95, res[i].max, res[i].bytes,
		    res[i].median < TARGET_MS ? "ok (< 50 ms)" : "MISS (< 50 ms)");
	if (json != NULL && (jf = fopen(json, "w")) != NULL) {
		fprintf(jf, "{\"events\": %lld, \"runs\": %d, \"target_ms\": %.0f, \"pages\": [",
		    (long long)nev, runs, TARGET_MS);
		for (int i = 0; i < nres; i++)
			fprintf(jf, "%s{\"what\": \"%s\", \"median_ms\": %.3f, \"p95_ms\": %.3f,"
			    " \"max_ms\": %.3f, \"bytes\": %zu}", i ? ", " : "", res[i].what,
			    res[i].median, res[i].p95, res[i].max, res[i].bytes);
		fprintf(jf, "]}\n");
		fclose(jf);
	}
	rc = 0;
out:
	store_close(d.st);
	tz_free(d.tz);
	aup_free(d.aup);
	policy_unref(d.pol);
	i18n_free(&i18n);
	diag_free(&dg);
	return rc;
usage:
	fprintf(stderr, "usage: bench_cgi -c CONF_DIR [-n EVENTS] [-r RUNS] [-x HALLPASS_CGI] "
	    "[-j JSON]\n");
	return 2;
}
