/* cmd_activity: "hallpass activity" prints the events hallpassd recorded, read-only, as text or JSON lines. */
#include "cmd_activity.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_usage.h"
#include "config.h"
#include "hp_str.h"
#include "policy.h"
#include "store.h"
#include "store_dash.h"
#include "tz.h"

#define EXIT_USAGE	2

struct activity {
	const struct tz	 *tz;
	int		  json;
	FILE		 *out;
	/* --limit: the newest N arrive newest first and are printed reversed. */
	char		**lines;
	size_t		  nlines, cap;
	int		  nomem;
};

static void
activity_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] activity [--student ID|-] [--since TIME] "
	    "[--until TIME] [--limit N] [--json] [--reason TEXT]\n"
	    "  every read is written to the audit trail with the Unix user and the reason\n"
	    "  TIME: YYYY-MM-DD or \"YYYY-MM-DD HH:MM\" (local time in the policy's "
	    "timezone), or -Nm, -Nh, -Nd (before now)\n", f);
}

/*
 * Host names come off the network and are attacker-controlled.  For the
 * terminal: anything but printable ASCII, space and backslash become \xHH, so
 * a name can neither drive the terminal nor split a field.
 */
static void
activity_text(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0') {
		fputc('-', f);
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}


static int64_t
activity_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
activity_line(struct activity *a, FILE *f, const struct store_event *e)
{
	int64_t		 secs = activity_floordiv(e->ts_ms, 1000);
	int		 ms = (int)(e->ts_ms - secs * 1000);
	struct tz_tm	 tm;
	long		 off;

	if (a->json) {
		time_t		t = (time_t)secs;
		struct tm	g;
		char		ts[64];

		gmtime_r(&t, &g);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &g);
		fprintf(f, "{\"ts\":\"%s.%03dZ\",\"student\":", ts, ms);
		hp_json_str(f, e->student);
		fputs(",\"client\":", f);
		hp_json_str(f, e->client);
		fputs(",\"proto\":", f);
		hp_json_str(f, e->proto);
		fputs(",\"host\":", f);
		hp_json_str(f, e->host);
		fputs(",\"category\":", f);
		hp_json_str(f, e->category);
		fputs(",\"action\":", f);
		hp_json_str(f, e->action);
		fputs(",\"rule\":", f);
		hp_json_str(f, e->rule);
		fputs(",\"reason\":", f);
		hp_json_str(f, e->reason);
		fputs("}\n", f);
		return;
	}
	/* Local time with its offset: unambiguous in the hour a DST change repeats. */
	tz_localtime(a->tz, secs, &tm);
	off = tm.utoff < 0 ? -tm.utoff : tm.utoff;
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld ", tm.year, tm.mon,
	    tm.mday, tm.hour, tm.min, tm.sec, tm.utoff < 0 ? '-' : '+', off / 3600,
	    off % 3600 / 60);
	activity_text(f, e->student);
	fputc(' ', f);
	activity_text(f, e->client);
	fputc(' ', f);
	activity_text(f, e->proto);
	fputc(' ', f);
	activity_text(f, e->host);
	fputc(' ', f);
	activity_text(f, e->category);
	fputc(' ', f);
	activity_text(f, e->action);
	fputc(' ', f);
	activity_text(f, e->rule);
	fputc('\n', f);
}

static int
activity_cb(const struct store_event *e, void *arg)
{
	struct activity	*a = arg;
	char		*buf = NULL, **nl;
	size_t		 len = 0;
	FILE		*m;

	if (a->lines == NULL && a->cap == 0) {
		activity_line(a, a->out, e);
		return 0;
	}
	if (a->nlines == a->cap) {
		if ((nl = realloc(a->lines, 2 * a->cap * sizeof(*nl))) == NULL)
			goto nomem;
		a->lines = nl;
		a->cap *= 2;
	}
	if ((m = open_memstream(&buf, &len)) == NULL)
		goto nomem;
	activity_line(a, m, e);
	if (fclose(m) != 0) {
		free(buf);
		goto nomem;
	}
	a->lines[a->nlines++] = buf;
	return 0;
nomem:
	a->nomem = 1;
	return 1;
}

static int
activity_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * TIME → ms since the epoch: "YYYY-MM-DD" (local midnight), "YYYY-MM-DD HH:MM"
 * (local, in the policy's zone, like explain --at), or -Nm / -Nh / -Nd before
 * now.  -1 if it is none of these.
 */
static int
activity_time(const struct tz *tz, const char *s, time_t now, int64_t *out)
{
	struct tz_tm	 tm;
	size_t		 len = strlen(s);
	char		*end;
	long long	 v;
	int64_t		 unit, t;

	if (s[0] == '-') {
		if (len < 3 || !activity_digits(s + 1, len - 2))
			return -1;
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		switch (*end) {
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		/* A century back is plenty; beyond it the product could overflow. */
		if (errno != 0 || v > 36500LL * 86400 / unit)
			return -1;
		*out = ((int64_t)now - v * unit) * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (len != 10 && len != 16)
		return -1;
	if (!activity_digits(s, 4) || s[4] != '-' || !activity_digits(s + 5, 2) ||
	    s[7] != '-' || !activity_digits(s + 8, 2))
		return -1;
	tm.year = atoi(s);
	tm.mon = atoi(s + 5);
	tm.mday = atoi(s + 8);
	if (len == 16) {
		if ((s[10] != ' ' && s[10] != 'T') || !activity_digits(s + 11, 2) ||
		    s[13] != ':' || !activity_digits(s + 14, 2))
			return -1;
		tm.hour = atoi(s + 11);
		tm.min = atoi(s + 14);
	}
	/* tz_mktime checks the ranges, days of the month included. */
	if (tz_mktime(tz, &tm, &t) != 0)
		return -1;
	*out = t * 1000;
	return 0;
}

/* One audit row per read: who (the Unix user), what was asked, and the reason given. */
static int
activity_audit(struct store *s, const char *student, const char *since, const char *until,
    const char *limit, const char *reason, char *err, size_t errlen)
{
	struct passwd	*pw = getpwuid(getuid());
	char		 actor[96], detail[768];
	struct timespec	 ts;

	snprintf(actor, sizeof(actor), "cli:%s", pw != NULL ? pw->pw_name : "?");
	snprintf(detail, sizeof(detail), "student=%s since=%s until=%s limit=%s reason=%s",
	    student == NULL ? "(all)" : strcmp(student, "-") == 0 ? "(none)" : student,
	    since ? since : "-", until ? until : "-", limit ? limit : "-",
	    reason != NULL && *reason ? reason : "(none given)");
	clock_gettime(CLOCK_REALTIME, &ts);
	return store_audit(s, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, actor,
	    "activity.read", detail, err, errlen);
}

int
cmd_activity(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "student", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*student = NULL, *since = NULL, *until = NULL;
	const char		*limit = NULL, *reason = NULL;
	struct activity		 a = { .out = stdout };
	struct store_filter	 f = { 0 };
	struct config		 c;
	struct diag		 d;
	struct policy		*p = NULL;
	struct tz		*tz = NULL;
	struct store		*s = NULL;
	char			 err[1200], *end;
	unsigned long long	 lim;
	time_t			 now = time(NULL);
	int			 ch, rc = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:S:U:n:jr:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': reason = optarg; break;
		case 's': student = optarg; break;
		case 'S': since = optarg; break;
		case 'U': until = optarg; break;
		case 'n': limit = optarg; break;
		case 'j': a.json = 1; break;
		case 'h':
			activity_usage(stdout);
			return 0;
		default:
			return cli_bad_option("activity", ch, argv);
		}
	}
	if (argc != optind)
		return cli_usage_error("activity", "unexpected argument \"%s\"",
		    argv[optind]);
	if (limit != NULL) {
		errno = 0;
		lim = strtoull(limit, &end, 10);
		if (!activity_digits(limit, strlen(limit)) || *limit == '\0' ||
		    errno != 0 || lim == 0 || lim > 100000000ULL) {
			fprintf(stderr, "hallpass: activity: --limit must be a number "
			    "from 1 to 100000000, not \"%s\"\n", limit);
			return EXIT_USAGE;
		}
		f.limit = (size_t)lim;
	}

	if (cli_need_dir(dir) != 0)
		return 1;
	/* The policy gives the time zone and the roster; the config names the database. */
	diag_init(&d);
	if (config_load(&c, dir, &d) != 0 || (p = policy_load(dir, &d)) == NULL ||
	    diag_count(&d) > 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		diag_free(&d);
		goto out;
	}
	diag_free(&d);
	if ((tz = tz_load(policy_timezone(p), err, sizeof(err))) == NULL) {
		fprintf(stderr, "hallpass: activity: %s\n", err);
		goto out;
	}
	a.tz = tz;
	if (since != NULL && activity_time(tz, since, now, &f.since_ms) != 0) {
		fprintf(stderr, "hallpass: activity: --since \"%s\": expected YYYY-MM-DD, "
		    "\"YYYY-MM-DD HH:MM\" (local time in %s) or -Nm, -Nh, -Nd\n",
		    since, policy_timezone(p));
		rc = EXIT_USAGE;
		goto out;
	}
	if (until != NULL && activity_time(tz, until, now, &f.until_ms) != 0) {
		fprintf(stderr, "hallpass: activity: --until \"%s\": expected YYYY-MM-DD, "
		    "\"YYYY-MM-DD HH:MM\" (local time in %s) or -Nm, -Nh, -Nd\n",
		    until, policy_timezone(p));
		rc = EXIT_USAGE;
		goto out;
	}
	/* until 0 means "no bound" to the store; an --until at the epoch is before every event anyway. */
	if (until != NULL && f.until_ms == 0)
		f.until_ms = -1;
	if (student != NULL) {
		if (strcmp(student, "-") == 0)
			f.student = "";
		else if (policy_student_find(p, student) == NULL) {
			fprintf(stderr, "hallpass: activity: unknown student \"%s\" "
			    "(not in %s/policy.yaml; use - for clients with no "
			    "student)\n", student, dir);
			goto out;
		} else
			f.student = student;
	}
	/* Reading a child's activity is recorded first; a read that cannot be recorded does not happen. */
	if ((s = store_open(c.database, 0, err, sizeof(err))) == NULL) {
		cli_database_error("activity", dir, err);
		goto out;
	}
	if (activity_audit(s, student, since, until, limit, reason, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: activity: %s\n", err);
		goto out;
	}
	if (f.limit > 0) {
		f.newest_first = 1;
		a.cap = 64;
		if ((a.lines = calloc(a.cap, sizeof(*a.lines))) == NULL) {
			fprintf(stderr, "hallpass: activity: out of memory\n");
			goto out;
		}
	}
	if (store_events_query(s, &f, activity_cb, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "hallpass: activity: %s\n", err);
		goto out;
	}
	if (a.nomem) {
		fprintf(stderr, "hallpass: activity: out of memory\n");
		goto out;
	}
	for (size_t i = a.nlines; i > 0; i--)
		fputs(a.lines[i - 1], stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "hallpass: activity: write: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < a.nlines; i++)
		free(a.lines[i]);
	free(a.lines);
	store_close(s);
	tz_free(tz);
	policy_unref(p);
	return rc;
}
