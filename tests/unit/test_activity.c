/* test_activity: "hallpass activity" against a database seeded through the store: lines, JSON escaping, filters, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "testutil.h"

/* 2026-11-16 15:00:00.123 UTC, a Monday: 09:00 in America/Chicago (CST, -06:00). */
#define T0		(1794841200000LL + 123)
#define HOUR_MS		3600000LL

/* A name off the network: quote, newline, markup, backslash, a control byte, a stray 0xff, then valid UTF-8 (é). */
#define HOSTILE		"evil\"\n<script>\\\x01\xff\xc3\xa9.test"

static char	*conf;
static char	 db[600];
static char	 out[16384], err[4096];
static int64_t	 recent_ms;

/* Runs hallpass -c DIR activity ARGS (a shell fragment, single-quoted by the caller); stdout in out, stderr in err. */
static int
run(const char *dir, const char *args)
{
	const char	*bin = getenv("HALLPASS");
	char		 cmd[2048], errpath[600];
	FILE		*p, *f;
	size_t		 n;
	int		 st;

	assert_non_null(bin);
	snprintf(errpath, sizeof(errpath), "%s/stderr", conf);
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' activity %s 2>'%s'", bin, dir, args,
	    errpath);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	err[0] = '\0';
	if ((f = fopen(errpath, "r")) != NULL) {
		n = fread(err, 1, sizeof(err) - 1, f);
		err[n] = '\0';
		fclose(f);
	}
	/* A sanitizer report is a failure whatever the exit status. */
	if (strstr(err, "Sanitizer") != NULL || strstr(err, "runtime error:") != NULL)
		fail_msg("sanitizer: %s", err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t
nlines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* The n-th line (0-based) of out, without its newline. */
static const char *
line(size_t i)
{
	static char	 buf[4096];
	const char	*s = out, *e;

	for (; i > 0 && s != NULL; i--)
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	assert_non_null(s);
	e = strchr(s, '\n');
	assert_non_null(e);
	assert_true((size_t)(e - s) < sizeof(buf));
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return buf;
}

static int
setup(void **state)
{
	struct store		*s;
	char			 yaml[800], e[512];
	time_t			 now = time(NULL);
	struct tm		 tm;
	char			 day[16];
	struct store_event	 ev[4] = {
		{ T0, "2026-11-16", 9, "s1", "02:00:00:00:10:01", "tls",
		    "www.khanacademy.org", NULL, "allow", NULL, "no rule matched" },
		{ T0 + HOUR_MS, "2026-11-16", 10, NULL, "192.0.2.50", "dns",
		    HOSTILE, "gambling", "block", "rules.d/gambling.yaml:4",
		    "group \"standard\" blocks gambling" },
		{ T0 + 48 * HOUR_MS, "2026-11-18", 9, "s2", "192.0.2.131", "quic",
		    "bet365.com", "gambling", "block", "rules.d/gambling.yaml:4", NULL },
		{ 0, NULL, 0, "s1", "192.0.2.130", "http", "www.example.org", NULL,
		    "allow", NULL, NULL },
	};

	(void)state;
	assert_non_null(conf = testutil_confdir());
	/* Ten minutes ago, for the relative --since. */
	recent_ms = ((int64_t)now - 600) * 1000;
	now -= 600;
	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	ev[3].ts_ms = recent_ms;
	ev[3].day = day;
	ev[3].hour = tm.tm_hour;
	snprintf(db, sizeof(db), "%s/activity.db", conf);
	snprintf(yaml, sizeof(yaml), "database: %s\n", db);
	assert_int_equal(testutil_write(conf, "hallpass.yaml", yaml), 0);
	s = store_open(db, STORE_CREATE, e, sizeof(e));
	if (s == NULL)
		fail_msg("store_open: %s", e);
	if (store_events_insert(s, ev, 4, e, sizeof(e)) != 0)
		fail_msg("store_events_insert: %s", e);
	store_close(s);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	testutil_rmdir(conf);
	return 0;
}

static void
test_text_all(void **state)
{
	(void)state;
	assert_int_equal(run(conf, ""), 0);
	assert_int_equal(nlines(out), 4);
	/* Oldest first, local time with its offset, "-" for what is not there. */
	assert_string_equal(line(0), "2026-11-16T09:00:00-06:00 s1 02:00:00:00:10:01 tls "
	    "www.khanacademy.org - allow -");
	assert_string_equal(line(2), "2026-11-18T09:00:00-06:00 s2 192.0.2.131 quic "
	    "bet365.com gambling block rules.d/gambling.yaml:4");
	assert_non_null(strstr(line(3), " s1 192.0.2.130 http www.example.org - allow -"));
}

static void
test_text_hostile(void **state)
{
	(void)state;
	assert_int_equal(run(conf, "--student -"), 0);
	assert_int_equal(nlines(out), 1);
	/* One line, 8 fields: the newline, the backslash and the bytes outside printable ASCII are \xHH. */
	assert_string_equal(line(0), "2026-11-16T10:00:00-06:00 - 192.0.2.50 dns "
	    "evil\"\\x0a<script>\\x5c\\x01\\xff\\xc3\\xa9.test gambling block "
	    "rules.d/gambling.yaml:4");
}

static void
test_json(void **state)
{
	(void)state;
	assert_int_equal(run(conf, "--json"), 0);
	assert_int_equal(nlines(out), 4);
	assert_string_equal(line(0), "{\"ts\":\"2026-11-16T15:00:00.123Z\",\"student\":\"s1\","
	    "\"client\":\"02:00:00:00:10:01\",\"proto\":\"tls\",\"host\":"
	    "\"www.khanacademy.org\",\"category\":null,\"action\":\"allow\","
	    "\"rule\":null,\"reason\":\"no rule matched\"}");
	/* Quote and backslash escaped, controls and markup as \u00XX, the stray byte as U+FFFD, é kept. */
	assert_string_equal(line(1), "{\"ts\":\"2026-11-16T16:00:00.123Z\",\"student\":null,"
	    "\"client\":\"192.0.2.50\",\"proto\":\"dns\",\"host\":"
	    "\"evil\\\"\\u000a\\u003cscript\\u003e\\\\\\u0001\\ufffd\xc3\xa9.test\","
	    "\"category\":\"gambling\",\"action\":\"block\",\"rule\":"
	    "\"rules.d/gambling.yaml:4\",\"reason\":\"group \\\"standard\\\" blocks "
	    "gambling\"}");
}

/* An independent parser agrees every line is one valid JSON object (skipped without python3). */
static void
test_json_parses(void **state)
{
	char	 path[700], cmd[1600];
	FILE	*f;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		skip();
	assert_int_equal(run(conf, "--json"), 0);
	snprintf(path, sizeof(path), "%s/out.jsonl", conf);
	assert_non_null(f = fopen(path, "w"));
	fputs(out, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys\n"
	    "rows=[json.loads(l) for l in open(sys.argv[1],encoding=\"utf-8\")]\n"
	    "assert len(rows)==4\n"
	    "assert rows[1][\"host\"]==\"evil\\\"\\n<script>\\\\\\x01\\ufffd\\u00e9.test\", rows[1]\n"
	    "assert rows[1][\"student\"] is None and rows[0][\"category\"] is None\n"
	    "' '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void
test_student_filter(void **state)
{
	(void)state;
	assert_int_equal(run(conf, "--student s1"), 0);
	assert_int_equal(nlines(out), 2);
	assert_non_null(strstr(line(0), " s1 02:00:00:00:10:01 tls "));
	assert_non_null(strstr(line(1), " s1 192.0.2.130 http "));
	assert_int_equal(run(conf, "--student s3"), 0);
	assert_string_equal(out, "");
}

/* Every read is audited first: who, what was asked, and the reason given. */
static void
test_audited(void **state)
{
	int		 found = 0;

	(void)state;
	assert_int_equal(run(conf, "--student s1 --reason 'ticket 4711: parent asked'"), 0);
	assert_int_equal(nlines(out), 2);
	{
		char	 cmd[900];
		FILE	*p;
		char	 buf[512];

		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"SELECT actor || ' ' || detail FROM"
		    " audit WHERE action = 'activity.read'\"", db);
		assert_non_null(p = popen(cmd, "r"));
		while (fgets(buf, sizeof(buf), p) != NULL)
			if (strncmp(buf, "cli:", 4) == 0 && strstr(buf, "student=s1 ") != NULL &&
			    strstr(buf, "reason=ticket 4711: parent asked") != NULL)
				found++;
		pclose(p);
	}
	assert_int_equal(found, 1);
}

static void
test_since_until(void **state)
{
	(void)state;
	/* A date is local midnight in the policy's zone: 2026-11-17 06:00 UTC. */
	assert_int_equal(run(conf, "--since 2026-11-17"), 0);
	assert_int_equal(nlines(out), 2);
	assert_non_null(strstr(line(0), " bet365.com "));
	/* --until is exclusive and local: 10:00 Chicago is 16:00:00.000 UTC, before the second event's .123. */
	assert_int_equal(run(conf, "--until '2026-11-16 10:00'"), 0);
	assert_int_equal(nlines(out), 1);
	assert_non_null(strstr(line(0), " www.khanacademy.org "));
	assert_int_equal(run(conf, "--since '2026-11-16 10:00' --until 2026-11-17 --json"), 0);
	assert_int_equal(nlines(out), 1);
	assert_non_null(strstr(line(0), "\"proto\":\"dns\""));
	/* Relative: only the event of ten minutes ago is within the last hour (or 30 minutes). */
	assert_int_equal(run(conf, "--since -1h"), 0);
	assert_int_equal(nlines(out), 1);
	assert_non_null(strstr(line(0), " www.example.org "));
	assert_int_equal(run(conf, "--since -30m"), 0);
	assert_int_equal(nlines(out), 1);
	assert_int_equal(run(conf, "--since -5m"), 0);
	assert_string_equal(out, "");
	assert_int_equal(run(conf, "--until -5m --since -1d"), 0);
	assert_int_equal(nlines(out), 1);
}

static void
test_limit(void **state)
{
	(void)state;
	/* The newest N, still printed oldest first. */
	assert_int_equal(run(conf, "--limit 2"), 0);
	assert_int_equal(nlines(out), 2);
	assert_non_null(strstr(line(0), " bet365.com "));
	assert_non_null(strstr(line(1), " www.example.org "));
	assert_int_equal(run(conf, "--limit 1 --student s1 --json"), 0);
	assert_int_equal(nlines(out), 1);
	assert_non_null(strstr(line(0), "\"host\":\"www.example.org\""));
}

static void
test_errors(void **state)
{
	char	 other[200], missing[256], yaml[400];
	struct stat sb;

	(void)state;
	assert_int_equal(run(conf, "--student nobody"), 1);
	assert_non_null(strstr(err, "unknown student \"nobody\""));
	assert_string_equal(out, "");
	assert_int_equal(run(conf, "--since yesterday"), 2);
	assert_non_null(strstr(err, "--since \"yesterday\""));
	assert_int_equal(run(conf, "--until 2026-02-30"), 2);
	assert_int_equal(run(conf, "--since -3w"), 2);
	assert_int_equal(run(conf, "--limit 0"), 2);
	assert_int_equal(run(conf, "--limit 5x"), 2);
	assert_int_equal(run(conf, "extra"), 2);
	assert_int_equal(run(conf, "--frobnicate"), 2);

	/* A database that is not there is an error naming it, and is not created by a read-only open. */
	snprintf(other, sizeof(other), "%s/other", conf);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(yaml, sizeof(yaml), "cp -r fixtures/base/. '%s'", other);
	assert_int_equal(system(yaml), 0);
	snprintf(missing, sizeof(missing), "%s/missing.db", other);
	snprintf(yaml, sizeof(yaml), "database: %s\n", missing);
	assert_int_equal(testutil_write(other, "hallpass.yaml", yaml), 0);
	assert_int_equal(run(other, ""), 1);
	assert_non_null(strstr(err, missing));
	assert_int_not_equal(stat(missing, &sb), 0);

	/* A broken config is reported with its position. */
	assert_int_equal(testutil_write(other, "hallpass.yaml", "database: relative.db\n"), 0);
	assert_int_equal(run(other, ""), 1);
	assert_non_null(strstr(err, "hallpass.yaml:1:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_all),
		cmocka_unit_test(test_text_hostile),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_parses),
		cmocka_unit_test(test_student_filter),
		cmocka_unit_test(test_audited),
		cmocka_unit_test(test_since_until),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
