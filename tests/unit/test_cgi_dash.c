/* test_cgi_dash: the dashboard in-process — languages, dates, the dashboard's store functions, and requests: enrolment, scoping, CSRF, sessions, throttling, injection, limits at home. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dash.h"
#include "auth.h"
#include "dash_date.h"
#include "i18n.h"
#include "store_dash.h"
#include "store_home.h"

#include <sqlite3.h>

#define CONF	"../rules"
#define LANGS	"../dashboard-cgi/lang"
#define PW	"correct horse battery"

static char		 tmpdir[64];
static char		 err[512];
static struct i18n	 i18n;

struct world {
	struct dash	 d;
	struct diag	 dg;
	char		 cookie[256];	/* what the "browser" sends */
	struct cgi_out	 out;
	const char	*addr;		/* REMOTE_ADDR; NULL: 192.0.2.50 */
};

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---- languages and dates */

static void
test_i18n(void **state)
{
	const struct i18n_lang	*en, *es;
	const char		*args[2] = { "A", "B" };
	char			 b[128];

	(void)state;
	assert_int_equal(i18n.n >= 2, 1);
	assert_non_null(en = i18n_find(&i18n, "en"));
	assert_non_null(es = i18n_find(&i18n, "es"));
	assert_ptr_equal(i18n_pick(&i18n, "es", "en"), es);
	assert_ptr_equal(i18n_pick(&i18n, "zz", "es-MX,es;q=0.9,en;q=0.8"), es);
	assert_ptr_equal(i18n_pick(&i18n, NULL, "fr-CA, en;q=0.5, es;q=0.7"), es);
	assert_ptr_equal(i18n_pick(&i18n, NULL, "de, fr"), en);
	assert_ptr_equal(i18n_pick(&i18n, NULL, ";;;,,=q=;"), en);
	assert_ptr_equal(i18n_pick(&i18n, NULL, ""), en);
	assert_ptr_equal(i18n_pick(&i18n, "<script>", "es;q=0"), en);
	i18n_num(en, 1234567, b, sizeof(b));
	assert_string_equal(b, "1,234,567");
	i18n_num(es, -1234567, b, sizeof(b));
	assert_string_equal(b, "-1.234.567");
	i18n_num(es, 999, b, sizeof(b));
	assert_string_equal(b, "999");
	i18n_date(en, 2026, 11, 23, 1, 1, b, sizeof(b));
	assert_string_equal(b, "Monday, November 23, 2026");
	i18n_date(es, 2026, 11, 23, 1, 1, b, sizeof(b));
	assert_string_equal(b, "lunes 23 de noviembre de 2026");
	i18n_minutes(es, 125, b, sizeof(b));
	assert_string_equal(b, "2 h 5 min");
	i18n_minutes(en, 120, b, sizeof(b));
	assert_string_equal(b, "2 h");
	i18n_minutes(en, 59, b, sizeof(b));
	assert_string_equal(b, "59 min");
	i18n_fmt(en, b, sizeof(b), "home.hello", 1, args);
	assert_string_equal(b, "Hello, A");
	i18n_fmt(es, b, sizeof(b), "home.hello", 1, args);
	assert_string_equal(b, "Hola, A");
	/* A missing key shows as itself, never as a crash or an empty string. */
	assert_string_equal(i18n_s(es, "no.such.key"), "no.such.key");
	/* Truncation keeps a terminated string. */
	i18n_fmt(en, b, 4, "home.hello", 1, args);
	assert_string_equal(b, "Hel");
}

/* Every English string has a Spanish one: a new key must be translated, not silently English. */
static void
test_i18n_complete(void **state)
{
	const struct i18n_lang	*en = i18n_find(&i18n, "en");

	(void)state;
	for (size_t l = 0; l < i18n.n; l++) {
		const struct i18n_lang	*t = &i18n.langs[l];
		size_t			 j = 0;

		if (t == en)
			continue;
		for (size_t i = 0; i < en->nstrs; i++) {
			while (j < t->nstrs && strcmp(t->strs[j].key, en->strs[i].key) < 0)
				j++;
			if (j == t->nstrs || strcmp(t->strs[j].key, en->strs[i].key) != 0)
				fail_msg("%s.yaml lacks \"%s\"", t->tag, en->strs[i].key);
		}
	}
}

static void
test_i18n_bad_files(void **state)
{
	struct i18n	 t;
	char		 dir[128], path[192];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/lang-bad", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/en.yaml", dir);
	write_file(path, "tag: en\nname: [oops\n");
	assert_int_equal(i18n_load(&t, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "en.yaml:"));
	write_file(path, "tag: en\nname: English\ncolour: red\n");
	assert_int_equal(i18n_load(&t, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "en.yaml:3:1: unknown or repeated key \"colour\""));
	write_file(path, "tag: en\nname: English\n");
	assert_int_equal(i18n_load(&t, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "required"));
	/* A valid file, but no English. */
	write_file(path, "tag: fr\nname: Français\nnumber: {decimal: \",\", "
	    "thousands: \" \"}\ndate: {long: \"{day}\", short: \"{day}\"}\n"
	    "months: [a,b,c,d,e,f,g,h,i,j,k,l]\nmonths_abbr: [a,b,c,d,e,f,g,h,i,j,k,l]\n"
	    "weekdays: [a,b,c,d,e,f,g]\nstrings: {x: y}\n");
	assert_int_equal(i18n_load(&t, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no en.yaml"));
	write_file(path, "tag: en\nname: English\nmonths: [a, b]\n");
	assert_int_equal(i18n_load(&t, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "12 entries"));
}

static void
test_dates(void **state)
{
	struct dash_day	 d;

	(void)state;
	assert_int_equal(dash_day_parse("2026-11-23", &d), 0);
	assert_int_equal(d.wday, 1);
	assert_string_equal(d.s, "2026-11-23");
	assert_int_equal(dash_day_parse("2028-02-29", &d), 0);
	assert_int_equal(dash_day_parse("2026-02-29", &d), -1);
	assert_int_equal(dash_day_parse("2026-13-01", &d), -1);
	assert_int_equal(dash_day_parse("2026-1-01", &d), -1);
	assert_int_equal(dash_day_parse("2026-11-23 ", &d), -1);
	assert_int_equal(dash_day_parse("1999-12-31", &d), -1);
	assert_int_equal(dash_day_parse("' OR 1=1 -", &d), -1);
	assert_int_equal(dash_day_parse(NULL, &d), -1);
	dash_day_from_n(dash_days_from_civil(2026, 3, 1) - 1, &d);
	assert_string_equal(d.s, "2026-02-28");
	dash_day_from_n(0, &d);
	assert_string_equal(d.s, "1970-01-01");
	assert_int_equal(d.wday, 4);
}

/* ---- the dashboard's store functions */

static struct store *
open_db(const char *name)
{
	char		 path[128];
	struct store	*s;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	s = store_open(path, STORE_CREATE, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	return s;
}

static void
test_store_sessions(void **state)
{
	struct store		*s = open_db("sess.db");
	struct store_session	 ss;
	uint8_t			 h[32], h2[32], csrf[32];
	const int64_t		 t0 = 1795000000000LL, idle = 60000;

	(void)state;
	memset(h, 1, sizeof(h));
	memset(h2, 2, sizeof(h2));
	memset(csrf, 7, sizeof(csrf));
	/* A session needs an account (foreign key). */
	assert_int_equal(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, "es",
	    err, sizeof(err)), -1);
	assert_int_equal(store_account_set(s, "g1", "$argon2id$fake", t0, err,
	    sizeof(err)), 0);
	assert_int_equal(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, "es",
	    err, sizeof(err)), 0);
	assert_int_equal(store_session_create(s, h2, "g1", csrf, t0, t0 + 600000, NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(store_session_get(s, h, t0 + 1, idle, &ss, err, sizeof(err)), 0);
	assert_string_equal(ss.guardian_id, "g1");
	assert_string_equal(ss.lang, "es");
	assert_memory_equal(ss.csrf, csrf, 32);
	/* Idle: gone after idle ms without a touch; a touch keeps it alive. */
	assert_int_equal(store_session_get(s, h, t0 + idle, idle, &ss, err,
	    sizeof(err)), 1);
	assert_int_equal(store_session_touch(s, h, t0 + idle - 1, err, sizeof(err)), 0);
	assert_int_equal(store_session_get(s, h, t0 + idle + 100, idle, &ss, err,
	    sizeof(err)), 0);
	/* Absolute: gone at expires_ms however fresh. */
	assert_int_equal(store_session_touch(s, h, t0 + 599999, err, sizeof(err)), 0);
	assert_int_equal(store_session_get(s, h, t0 + 600000, idle, &ss, err,
	    sizeof(err)), 1);
	assert_int_equal(store_session_get(s, h2, t0, idle, &ss, err, sizeof(err)), 0);
	assert_int_equal(store_sessions_delete_guardian(s, "g1", err, sizeof(err)), 0);
	assert_int_equal(store_session_get(s, h2, t0, idle, &ss, err, sizeof(err)), 1);
	assert_int_equal(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(store_session_delete(s, h, err, sizeof(err)), 0);
	assert_int_equal(store_session_get(s, h, t0, idle, &ss, err, sizeof(err)), 1);
	assert_int_equal(store_session_create(s, h, "g1", csrf, t0, t0 + 600000, NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(store_sessions_purge(s, t0 + 2 * idle, idle, err,
	    sizeof(err)), 1);
	store_close(s);
}

static void
test_store_failures_acks(void **state)
{
	struct store	*s = open_db("fail.db");
	const int64_t	 t0 = 1795000000000LL;
	char		 hash[256];
	int64_t		 ts;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_failure_add(s, "acct:g1", t0 + i * 1000, err,
		    sizeof(err)), 0);
	assert_int_equal(store_failure_add(s, "addr:192.0.2.1", t0, err, sizeof(err)), 0);
	assert_int_equal(store_failure_count(s, "acct:g1", t0, err, sizeof(err)), 4);
	assert_int_equal(store_failure_count(s, "acct:g1", t0 + 2000, err, sizeof(err)), 2);
	assert_int_equal(store_failure_count(s, "acct:g2", t0, err, sizeof(err)), 0);
	assert_int_equal(store_failure_clear(s, "acct:g1", err, sizeof(err)), 0);
	assert_int_equal(store_failure_count(s, "acct:g1", 0, err, sizeof(err)), 0);
	assert_int_equal(store_failure_count(s, "addr:192.0.2.1", 0, err, sizeof(err)), 1);
	assert_int_equal(store_failure_purge(s, t0 + 1, err, sizeof(err)), 0);
	assert_int_equal(store_failure_count(s, "addr:192.0.2.1", 0, err, sizeof(err)), 0);

	assert_int_equal(store_account_get(s, "g1", hash, sizeof(hash), err,
	    sizeof(err)), 1);
	assert_int_equal(store_account_set(s, "g1", "h1", t0, err, sizeof(err)), 0);
	assert_int_equal(store_account_set(s, "g1", "h2", t0 + 1, err, sizeof(err)), 0);
	assert_int_equal(store_account_get(s, "g1", hash, sizeof(hash), err,
	    sizeof(err)), 0);
	assert_string_equal(hash, "h2");
	assert_int_equal(store_account_get(s, "g1", hash, 2, err, sizeof(err)), -1);

	assert_int_equal(store_aup_acked(s, "g1", 1, &ts, err, sizeof(err)), 1);
	assert_int_equal(store_aup_ack(s, "g1", 1, t0, err, sizeof(err)), 0);
	assert_int_equal(store_aup_ack(s, "g1", 1, t0 + 5, err, sizeof(err)), 0);
	assert_int_equal(store_aup_acked(s, "g1", 1, &ts, err, sizeof(err)), 0);
	assert_int_equal(ts, t0);	/* the first acknowledgement is the record */
	assert_int_equal(store_aup_acked(s, "g1", 2, &ts, err, sizeof(err)), 1);
	assert_int_equal(store_audit(s, t0, "g1", "login", NULL, err, sizeof(err)), 0);
	store_close(s);
}

/* ---- requests */

static int64_t	 now0;

static void
seed(struct store *s, const char *day, int hour, const char *student,
    const char *host, const char *cat, const char *action, int n)
{
	struct store_event	 e;

	memset(&e, 0, sizeof(e));
	e.day = day;
	e.hour = hour;
	e.student = student;
	e.client = "192.0.2.130";
	e.proto = "dns";
	e.host = host;
	e.category = cat;
	e.action = action;
	e.reason = strcmp(action, "block") == 0 ? "category" : NULL;
	for (int i = 0; i < n; i++) {
		e.ts_ms = now0 - 3600 * 1000 + i;
		assert_int_equal(store_events_insert(s, &e, 1, err, sizeof(err)), 0);
	}
}

static void
world_open(struct world *w, const char *db)
{
	char		 path[128], today[11];

	memset(w, 0, sizeof(*w));
	diag_init(&w->dg);
	assert_non_null(w->d.pol = policy_load_roster(CONF, &w->dg));
	assert_non_null(w->d.aup = aup_load(CONF, &w->dg));
	assert_non_null(w->d.tz = tz_load(policy_timezone(w->d.pol), err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/%s", tmpdir, db);
	assert_non_null(w->d.st = store_open(path, STORE_CREATE, err, sizeof(err)));
	w->d.i18n = &i18n;
	w->d.now_ms = now0;
	w->d.periods[AUP_RETENTION_DAYS] = 90;
	w->d.periods[AUP_ROLLUP_RETENTION_DAYS] = 365;
	w->d.periods[AUP_LOGIN_RETENTION_DAYS] = 30;
	dash_today(&w->d, today);
	seed(w->d.st, today, 9, "s1001", "www.khanacademy.org", NULL, "allow", 5);
	seed(w->d.st, today, 9, "s1001", "<script>alert(1)</script>", NULL, "allow", 1);
	seed(w->d.st, today, 9, "s1001", "bet365.com", "gambling", "block", 2);
	seed(w->d.st, today, 9, "s1004", "secret-of-g2.example", NULL, "allow", 3);
	{
		/* What hallpassd records for a schedule window: "schedule:NAME". */
		struct store_event	 e = { .ts_ms = now0 - 60000, .day = today,
			.hour = 8, .student = "s1001", .client = "192.0.2.130",
			.proto = "tls", .host = "roblox.com", .category = "games",
			.action = "block", .reason = "schedule:bedtime" };

		assert_int_equal(store_events_insert(w->d.st, &e, 1, err, sizeof(err)), 0);
	}
	/* As main does: activity is read through a handle that cannot write. */
	assert_non_null(w->d.act = store_open(path, STORE_RDONLY, err, sizeof(err)));
}

static void
world_close(struct world *w)
{
	struct store_event	 e = { .ts_ms = now0, .day = "2026-01-01", .hour = 0,
		.student = "s1001", .client = "192.0.2.130", .proto = "dns", .host = "x.example",
		.action = "allow" };

	/* The pages read children's activity through this handle: it refuses every write. */
	assert_int_equal(store_events_insert(w->d.act, &e, 1, err, sizeof(err)), -1);
	store_close(w->d.act);
	store_close(w->d.st);
	tz_free(w->d.tz);
	aup_free(w->d.aup);
	policy_unref(w->d.pol);
	diag_free(&w->dg);
	cgi_out_free(&w->out);
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

/* One request: method, PATH_INFO, query, body; w->cookie is sent.  Returns the status. */
static int
req(struct world *w, const char *method, const char *path, const char *query,
    const char *body, const char *origin)
{
	char		 e[10][1200];
	const char	*env[11];
	struct cgi_req	 r;
	FILE		*f = NULL;
	int		 n = 0, rc;

#define ENV(...) (snprintf(e[n], sizeof(e[n]), __VA_ARGS__), env[n] = e[n], n++)
	ENV("REQUEST_METHOD=%s", method);
	ENV("PATH_INFO=%s", path);
	ENV("QUERY_STRING=%s", query ? query : "");
	ENV("HTTP_COOKIE=%s", w->cookie);
	ENV("SCRIPT_NAME=/hallpass.cgi");
	ENV("REMOTE_ADDR=%s", w->addr != NULL ? w->addr : "192.0.2.50");
	ENV("HTTP_HOST=dash.example");
	if (origin != NULL)
		ENV("HTTP_ORIGIN=%s", origin);
	if (body != NULL) {
		ENV("CONTENT_LENGTH=%zu", strlen(body));
		ENV("CONTENT_TYPE=application/x-www-form-urlencoded");
		assert_non_null(f = fmemopen((void *)(uintptr_t)body, strlen(body) + 1,
		    "r"));
	}
#undef ENV
	env[n] = NULL;
	rc = cgi_req_parse(&r, env_get, env, f, err, sizeof(err));
	if (f != NULL)
		fclose(f);
	cgi_out_free(&w->out);
	cgi_out_init(&w->out);
	if (rc == 0)
		(void)dash_handle(&w->d, &r, &w->out);
	else
		w->out.status = rc;
	cgi_req_free(&r);
	return w->out.status;
}

static const char *
body(const struct world *w)
{
	return w->out.body.s != NULL ? w->out.body.s : "";
}

/* The value of a cookie the last response set, or NULL. */
static const char *
set_cookie(const struct world *w, const char *name, char *buf, size_t len)
{
	char		 pat[64];
	const char	*p, *e;

	snprintf(pat, sizeof(pat), "Set-Cookie: %s=", name);
	if (w->out.hdr.s == NULL || (p = strstr(w->out.hdr.s, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	e = strchr(p, ';');
	assert_non_null(e);
	snprintf(buf, len, "%.*s", (int)(e - p), p);
	return buf;
}

/* Logs guardian gid in by enrolment (an invite made here) and keeps the session cookie. */
static void
enrol(struct world *w, const char *gid)
{
	char		 code[AUTH_INVITE_BUF], form[512], pre[80], tok[80];
	uint8_t		 h[32];

	auth_invite_new(code, h);
	assert_int_equal(store_invite_create(w->d.st, gid, h, now0, now0 + 86400000,
	    err, sizeof(err)), 0);
	w->cookie[0] = '\0';
	assert_int_equal(req(w, "GET", "/enrol", NULL, NULL, NULL), 200);
	assert_non_null(set_cookie(w, "hp_pre", pre, sizeof(pre)));
	snprintf(w->cookie, sizeof(w->cookie), "hp_pre=%s", pre);
	snprintf(form, sizeof(form), "csrf=%s&code=%s&password=%s&password2=%s", pre,
	    code, "correct+horse+battery", "correct+horse+battery");
	assert_int_equal(req(w, "POST", "/enrol", NULL, form, NULL), 303);
	assert_non_null(set_cookie(w, "hp_session", tok, sizeof(tok)));
	assert_non_null(strstr(w->out.hdr.s, "HttpOnly; Secure; SameSite=Strict"));
	/* The code is spent. */
	assert_int_equal(req(w, "POST", "/enrol", NULL, form, NULL), 403);
	assert_non_null(strstr(body(w), "not valid"));
	snprintf(w->cookie, sizeof(w->cookie), "hp_pre=%s; hp_session=%s", pre, tok);
}

/* The CSRF token of the current session, from a page's logout form. */
static void
csrf_of(struct world *w, char *out, size_t len)
{
	const char	*p;

	assert_int_equal(req(w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_non_null(p = strstr(body(w), "name=\"csrf\" value=\""));
	p += strlen("name=\"csrf\" value=\"");
	snprintf(out, len, "%.64s", p);
}

static void
test_flow(void **state)
{
	struct world	 w;
	char		 csrf[80], form[200];
	int64_t		 ts;

	(void)state;
	world_open(&w, "flow.db");
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	assert_non_null(strstr(w.out.hdr.s, "Location: /hallpass.cgi/login"));
	/* The terms are public. */
	assert_int_equal(req(&w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Acceptable Use"));
	/* The periods quoted are hallpass.yaml's, whatever they are set to. */
	assert_non_null(strstr(body(&w), "deleted after 90 days"));
	assert_non_null(strstr(body(&w), "deleted after 365 days"));
	assert_null(strstr(body(&w), "{retention_days}"));
	w.d.periods[AUP_RETENTION_DAYS] = 14;
	assert_int_equal(req(&w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "deleted after 14 days"));
	w.d.periods[AUP_RETENTION_DAYS] = 90;
	enrol(&w, "g1");
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Ana G."));
	assert_non_null(strstr(body(&w), "Mateo G."));
	assert_non_null(strstr(body(&w), "terms-notice"));
	assert_null(strstr(body(&w), "Diego"));
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "www.khanacademy.org"));
	assert_non_null(strstr(body(&w), "Blocked: Gambling, district policy"));
	assert_non_null(strstr(body(&w), "Blocked: Games, not allowed during Bedtime"));
	/* Categories, summed from the per-host rows: named ones first, most visited first. */
	assert_non_null(strstr(body(&w), "<tr><td>Gambling</td><td class=\"n\">2</td>"));
	assert_non_null(strstr(body(&w), "<tr><td>Games</td><td class=\"n\">1</td>"));
	assert_non_null(strstr(body(&w), "<tr><td>Uncategorized</td><td class=\"n\">6</td>"));
	assert_true(strstr(body(&w), "<tr><td>Gambling</td>") <
	    strstr(body(&w), "<tr><td>Uncategorized</td>"));
	/* A host name from the network is text, never markup. */
	assert_null(strstr(body(&w), "<script>alert"));
	assert_non_null(strstr(body(&w), "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(body(&w), "<svg"));
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&range=week", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Day by day"));

	/* Acknowledge the terms: without a token, with a wrong one, then right. */
	csrf_of(&w, csrf, sizeof(csrf));
	assert_int_equal(req(&w, "POST", "/terms", NULL, "version=1", NULL), 403);
	assert_int_equal(req(&w, "POST", "/terms", NULL, "version=1&csrf=00000000000"
	    "00000000000000000000000000000000000000000000000000000", NULL), 403);
	assert_int_equal(store_aup_acked(w.d.st, "g1", 1, &ts, err, sizeof(err)), 1);
	snprintf(form, sizeof(form), "version=1&csrf=%s", csrf);
	/* Right token, but from another site's page. */
	assert_int_equal(req(&w, "POST", "/terms", NULL, form, "https://evil.example"),
	    403);
	assert_int_equal(req(&w, "POST", "/terms", NULL, form, "https://dash.example"),
	    303);
	assert_int_equal(store_aup_acked(w.d.st, "g1", 1, &ts, err, sizeof(err)), 0);
	assert_int_equal(req(&w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "id=\"acked\""));
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 200);
	assert_null(strstr(body(&w), "terms-notice"));
	/* New terms (aup.yaml version 2): the guardian is asked again. */
	w.d.aup->version = 2;
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "terms-notice"));
	assert_int_equal(req(&w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_null(strstr(body(&w), "id=\"acked\""));
	assert_non_null(strstr(body(&w), "name=\"version\" value=\"2\""));
	w.d.aup->version = 1;
	/* Acknowledging a version other than the current one is refused. */
	snprintf(form, sizeof(form), "version=2&csrf=%s", csrf);
	assert_int_equal(req(&w, "POST", "/terms", NULL, form, NULL), 409);

	/* Spanish, remembered by cookie. */
	assert_int_equal(req(&w, "GET", "/lang", "set=es&back=child&id=s1001", NULL,
	    NULL), 303);
	assert_non_null(strstr(w.out.hdr.s, "hp_lang=es"));
	assert_non_null(strstr(w.out.hdr.s, "Location: /hallpass.cgi/child?id=s1001"));
	strcat(w.cookie, "; hp_lang=es");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "<html lang=\"es\""));
	assert_non_null(strstr(body(&w), "Bloqueado: Apuestas"));

	/* Log out: the session is gone server-side, not only the cookie. */
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(req(&w, "POST", "/logout", NULL, "csrf=bad", NULL), 403);
	assert_int_equal(req(&w, "POST", "/logout", NULL, form, NULL), 303);
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	world_close(&w);
}

/* Another family's child, a student who does not exist, and hostile ids: 404, and nothing of theirs. */
static void
test_scoping_injection(void **state)
{
	static const char *const bad[] = {
		"id=s1004", "id=nobody", "id=s1001'%20OR%20'1'%3D'1",
		"id=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "id=s1001%25", "id=",
		"id=s1004%00", "id=S1001",
	};
	struct world	 w;
	int		 st;

	(void)state;
	world_open(&w, "scope.db");
	enrol(&w, "g1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = req(&w, "GET", "/child", bad[i], NULL, NULL);
		if (st != 404 && st != 400)
			fail_msg("%s: status %d", bad[i], st);
		assert_null(strstr(body(&w), "secret-of-g2"));
		assert_null(strstr(body(&w), "Diego"));
		assert_null(strstr(body(&w), "<script>alert"));
	}
	/* Bad days and ranges are refused before any query. */
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&day=2026-02-30", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&day=2999-01-01", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&day=1'--", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&range=year", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&id=s1004", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&day=%ZZ", NULL, NULL), 400);
	assert_int_equal(req(&w, "GET", "/lang", "set=%3Cscript%3E", NULL, NULL), 400);
	/* An open redirect is not possible through back=. */
	assert_int_equal(req(&w, "GET", "/lang", "set=en&back=https://evil.example",
	    NULL, NULL), 303);
	assert_non_null(strstr(w.out.hdr.s, "Location: /hallpass.cgi/\r\n"));
	assert_int_equal(req(&w, "GET", "/lang", "set=en&back=child&id=a%0d%0aX:1",
	    NULL, NULL), 303);
	assert_null(strstr(w.out.hdr.s, "X:1"));
	assert_int_equal(req(&w, "GET", "/nope", NULL, NULL, NULL), 404);
	assert_int_equal(req(&w, "POST", "/child", NULL, "a=1", NULL), 405);
	assert_non_null(strstr(w.out.hdr.s, "Allow: GET, HEAD\r\n"));
	assert_int_equal(req(&w, "POST", "/", NULL, "a=1", NULL), 405);
	assert_non_null(strstr(w.out.hdr.s, "Allow: GET, HEAD\r\n"));
	/* A page known only as a form target says so rather than not existing. */
	assert_int_equal(req(&w, "GET", "/logout", NULL, NULL, NULL), 405);
	assert_non_null(strstr(w.out.hdr.s, "Allow: POST\r\n"));
	assert_int_equal(req(&w, "HEAD", "/logout", NULL, NULL, NULL), 405);
	assert_int_equal(req(&w, "POST", "/nope", NULL, "a=1", NULL), 404);
	assert_int_equal(req(&w, "GET", "/Child", NULL, NULL, NULL), 404);
	/* g2 sees Diego and not Ana. */
	enrol(&w, "g2");
	assert_int_equal(req(&w, "GET", "/child", "id=s1004", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "secret-of-g2.example"));
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 404);
	assert_null(strstr(body(&w), "khanacademy"));
	world_close(&w);
}

/* One blocked attempt of s1001 today at local hh:mm:ss. */
static void
block_at(struct world *w, const char *host, const char *cat, const char *reason,
    int hh, int mm, int ss)
{
	char			 today[11];
	struct dash_day		 t;
	struct store_event	 e;

	dash_today(&w->d, today);
	assert_int_equal(dash_day_parse(today, &t), 0);
	memset(&e, 0, sizeof(e));
	e.ts_ms = dash_day_start_ms(&w->d, t.y, t.m, t.d) +
	    ((int64_t)hh * 3600 + mm * 60 + ss) * 1000;
	e.day = today;
	e.hour = hh;
	e.student = "s1001";
	e.client = "192.0.2.130";
	e.proto = "tls";
	e.host = host;
	e.category = cat;
	e.action = "block";
	e.reason = reason;
	assert_int_equal(store_events_insert(w->d.st, &e, 1, err, sizeof(err)), 0);
}

/*
 * The phone issue: repeated blocks of one site are one line, the chart
 * shows the day's schedule windows, the district's contact is on every page.
 */
static void
test_phone_pages(void **state)
{
	struct world	 w;
	const char	*b, *p;

	(void)state;
	world_open(&w, "phone.db");
	/* Contact: on the login page already, in the visitor's language. */
	assert_int_equal(req(&w, "GET", "/login", NULL, NULL, NULL), 200);
	b = body(&w);
	assert_non_null(p = strstr(b, "<footer><div id=\"contact\">"));
	assert_non_null(strstr(p, "District help desk"));
	assert_non_null(strstr(p, "Phone: <a href=\"tel:5550100100\">(555) 010-0100</a>"));
	assert_non_null(strstr(p, "<a href=\"mailto:help@district.example.org\">"));
	assert_non_null(strstr(p, "<a href=\"https://district.example.org/help\">"
	    "district.example.org/help</a>"));
	snprintf(w.cookie, sizeof(w.cookie), "hp_lang=es");
	assert_int_equal(req(&w, "GET", "/terms", NULL, NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Servicio de ayuda del distrito"));
	assert_non_null(strstr(body(&w), "Teléfono: <a href=\"tel:5550100100\">"));

	/* Three tries at one app within minutes, another site in between, a fourth later. */
	block_at(&w, "www.instagram.com", "social", "schedule:bedtime", 6, 29, 5);
	block_at(&w, "www.instagram.com", "social", "schedule:bedtime", 6, 30, 0);
	block_at(&w, "cdn.example", "games", "category", 6, 30, 30);
	block_at(&w, "www.instagram.com", "social", "schedule:bedtime", 6, 31, 40);
	block_at(&w, "www.instagram.com", "social", "schedule:bedtime", 6, 50, 0);
	/* Same host and minute, another reason: its own line. */
	block_at(&w, "www.instagram.com", "social", "category", 6, 50, 10);
	enrol(&w, "g1");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	b = body(&w);
	assert_non_null(strstr(b, "<li><span class=\"host\">www.instagram.com</span>, "
	    "<strong>3 times</strong>, <span class=\"when\">6:29–6:31 AM</span>"));
	assert_non_null(strstr(b, "<li><span class=\"host\">www.instagram.com</span>, "
	    "<span class=\"when\">6:50 AM</span><br><span class=\"muted\">Blocked: "
	    "Social media, not allowed during Bedtime"));
	assert_non_null(strstr(b, "<li><span class=\"host\">www.instagram.com</span>, "
	    "<span class=\"when\">6:50 AM</span><br><span class=\"muted\">Blocked: "
	    "Social media, district policy"));
	assert_non_null(strstr(b, "<li><span class=\"host\">cdn.example</span>, "
	    "<span class=\"when\">6:30 AM</span>"));
	/* world_open's two bet365.com blocks, 1 ms apart. */
	assert_non_null(strstr(b, "bet365.com</span>, <strong>2 times</strong>"));
	/* Newest first: the 6:50 lines before the 6:29 run. */
	assert_true(strstr(b, "6:50 AM") < strstr(b, "6:29–6:31 AM"));
	/* The chart: school hours (8:00-15:00) and bedtime's tail (to 6:30) behind the bars, on a Monday. */
	assert_non_null(strstr(b, "<rect class=\"band b0\" x=\"33.333%\" y=\"20\" "
	    "width=\"29.167%\""));
	assert_non_null(strstr(b, "<rect class=\"band b1\" x=\"0.000%\" y=\"20\" "
	    "width=\"27.083%\""));
	assert_non_null(strstr(b, "<ul class=\"legend\"><li><span class=\"sw b0\"></span>"
	    "School hours (8:00 AM–3:00 PM)</li>"));
	assert_non_null(strstr(b, ">6 AM</text>"));
	assert_non_null(strstr(b, "class=\"hour h3\" text-anchor=\"middle\">3 AM</text>"));
	/* The sites table keeps its numbers on a phone: the category also sits under the host. */
	assert_non_null(strstr(b, "www.khanacademy.org<span class=\"cat-in\">Uncategorized</span>"));
	assert_non_null(strstr(b, "<footer><div id=\"contact\">"));
	/* A week has no bands (each day has its own windows). */
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&range=week", NULL, NULL), 200);
	assert_null(strstr(body(&w), "class=\"band"));
	assert_non_null(strstr(body(&w), "<strong>3 times</strong>"));
	/* Spanish: its own words and clock. */
	strcat(w.cookie, "; hp_lang=es");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "<strong>3 veces</strong>, "
	    "<span class=\"when\">06:29–06:31</span>"));
	assert_non_null(strstr(body(&w), ">06:00</text>"));
	world_close(&w);
}

/* A contact without hours, with one name for all languages, and the names' fallbacks. */
static void
test_contact_words(void **state)
{
	struct aup_word		 names[] = { { (char *)"es", (char *)"Ayuda" },
				    { (char *)"en", (char *)"Help" } };
	struct aup_word		 one[] = { { NULL, (char *)"Help desk" } };
	struct aup_contact	 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.names = names;
	c.nnames = 2;
	assert_string_equal(aup_contact_name(&c, "es"), "Ayuda");
	assert_string_equal(aup_contact_name(&c, "ES"), "Ayuda");
	assert_string_equal(aup_contact_name(&c, "pt-BR"), "Help");
	assert_string_equal(aup_contact_name(&c, NULL), "Help");
	assert_null(aup_contact_hours(&c, "es"));
	c.names = one;
	c.nnames = 1;
	assert_string_equal(aup_contact_name(&c, "es"), "Help desk");
}

static void
test_sessions_expire(void **state)
{
	struct world	 w;
	char		 keep[256];

	(void)state;
	world_open(&w, "expire.db");
	enrol(&w, "g1");
	snprintf(keep, sizeof(keep), "%s", w.cookie);
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 200);
	/* Idle: 30 minutes without a request. */
	w.d.now_ms = now0 + AUTH_IDLE_MS + 1000;
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	/* Absolute: requests every 20 minutes still end after 12 hours. */
	w.d.now_ms = now0;
	enrol(&w, "g1");
	for (int64_t t = now0; t < now0 + AUTH_ABSOLUTE_MS; t += 20 * 60 * 1000) {
		w.d.now_ms = t;
		assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 200);
	}
	w.d.now_ms = now0 + AUTH_ABSOLUTE_MS;
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	/* Forged: a well-formed random token, and junk. */
	w.d.now_ms = now0;
	snprintf(w.cookie, sizeof(w.cookie), "hp_session=%064d", 7);
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	snprintf(w.cookie, sizeof(w.cookie), "hp_session=' OR 1=1 --");
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	snprintf(w.cookie, sizeof(w.cookie), "hp_session=%s", "zz");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 303);
	/* The idle-expired session stays dead even if the clock is wound back. */
	snprintf(w.cookie, sizeof(w.cookie), "%s", keep);
	w.d.now_ms = now0 + 1000;
	assert_int_equal(req(&w, "GET", "/", NULL, NULL, NULL), 303);
	world_close(&w);
}

static void
test_throttle(void **state)
{
	struct world	 w;
	char		 pre[80], form[300], right[300], after[64];

	(void)state;
	world_open(&w, "throttle.db");
	enrol(&w, "g3");
	assert_int_equal(req(&w, "GET", "/login", NULL, NULL, NULL), 303);
	w.cookie[0] = '\0';
	assert_int_equal(req(&w, "GET", "/login", NULL, NULL, NULL), 200);
	assert_non_null(set_cookie(&w, "hp_pre", pre, sizeof(pre)));
	snprintf(w.cookie, sizeof(w.cookie), "hp_pre=%s", pre);
	/* No token: refused before the password is looked at. */
	assert_int_equal(req(&w, "POST", "/login", NULL, "user=g3&password=x", NULL), 403);
	snprintf(right, sizeof(right), "csrf=%s&user=luis.ramirez%%40example.org"
	    "&password=%s", pre, "correct+horse+battery");
	assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 303);
	snprintf(form, sizeof(form), "csrf=%s&user=g3&password=wrong", pre);
	for (int i = 0; i < AUTH_THROTTLE_ACCT; i++)
		assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	/* The free attempts are used: now a delay, even for the right password, and it says how long. */
	snprintf(after, sizeof(after), "Retry-After: %lld\r\n", AUTH_DELAY_BASE_MS / 1000);
	assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 429);
	assert_non_null(strstr(body(&w), "Too many attempts"));
	assert_non_null(strstr(w.out.hdr.s, after));
	/* A growing delay, not a lockout: after the first delay one more try, then twice as long. */
	w.d.now_ms = now0 + AUTH_DELAY_BASE_MS;
	assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	w.d.now_ms = now0 + 2 * AUTH_DELAY_BASE_MS;
	assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 429);
	assert_non_null(strstr(w.out.hdr.s, after));
	/* Someone guessing from another network does not delay the parent at home. */
	w.addr = "2001:db8:77:1::99";
	assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	w.addr = "2001:db8:77:1::1234";	/* the same /64: the same household */
	assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	w.addr = NULL;
	w.d.now_ms = now0 + 3 * AUTH_DELAY_BASE_MS;
	assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 303);
	/* The right password starts the account's count over. */
	assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	/* The e-mail address is the same account. */
	snprintf(form, sizeof(form), "csrf=%s&user=LUIS.RAMIREZ%%40example.org"
	    "&password=%s", pre, "correct+horse+battery");
	assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 303);
	/* Per network: many accounts from one network, counted by failures; later, so alone. */
	w.d.now_ms = now0 + AUTH_WINDOW_MS + 4 * AUTH_DELAY_BASE_MS;
	/* A school library: many right passwords from one network never delay anyone. */
	w.addr = "198.51.100.7";
	for (int i = 0; i < AUTH_THROTTLE_ADDR + 2; i++)
		assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 303);
	w.addr = NULL;
	for (int i = 0; i < AUTH_THROTTLE_ADDR; i++) {
		snprintf(form, sizeof(form), "csrf=%s&user=nobody%d&password=x", pre, i);
		assert_int_equal(req(&w, "POST", "/login", NULL, form, NULL), 403);
	}
	assert_int_equal(req(&w, "POST", "/login", NULL, right, NULL), 429);
	/* An unknown account costs the same argon2 work: the fixed hash has the real cost. */
	assert_int_equal(crypto_pwhash_str_needs_rehash(auth_pw_dummy,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	world_close(&w);
}

/* The argon2 cap: lock files held with flock, so a third taker waits or is told "busy". */
static void
test_argon2_slots(void **state)
{
	char	dir[] = "/tmp/hp-slots.XXXXXX", serr[300];
	int	a, b, c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(auth_slot_take(dir, 2, 0, &a, serr, sizeof(serr)), 0);
	assert_int_equal(auth_slot_take(dir, 2, 0, &b, serr, sizeof(serr)), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(auth_slot_take(dir, 2, 0, &c, serr, sizeof(serr)), 1);
	assert_int_equal(c, -1);
	auth_slot_give(a);
	/* A freed slot is free again; waiting for one that is free does not block. */
	assert_int_equal(auth_slot_take(dir, 2, 1, &c, serr, sizeof(serr)), 0);
	auth_slot_give(b);
	auth_slot_give(c);
	/* A directory that is not there: an error that names it, never a crash. */
	assert_int_equal(auth_slot_take("/nonexistent/hp", 2, 1, &c, serr, sizeof(serr)), -1);
	assert_non_null(strstr(serr, "/nonexistent/hp/argon2-0.lock"));
	for (int i = 0; i < 2; i++) {
		char p[64];

		snprintf(p, sizeof(p), "%s/argon2-%d.lock", dir, i);
		assert_int_equal(unlink(p), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* ---- */


static int
limits_take(const struct store_home *r, void *arg)
{
	char *out = arg;

	snprintf(out, 256, "%lld/%d/%d/%s", (long long)r->pause_until_ms, r->bed_from,
	    r->bed_to, r->categories);
	return 0;
}

/* The child's row as "pause/from/to/categories", "" when there is none. */
static const char *
limits_row(struct world *w, const char *student, char *buf)
{
	buf[0] = '\0';
	assert_true(store_home_list(w->d.st, student, limits_take, buf, err,
	    sizeof(err)) >= 0);
	return buf;
}

/* Rows of the audit trail whose action and detail match (LIKE patterns). */
static int
audit_count(const char *db, const char *action, const char *detail)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		 path[128];
	int		 n;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, db);
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM audit WHERE actor = 'g1'"
	    " AND action = ?1 AND detail LIKE ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* "At home": a guardian tightens for their own child; anything looser is refused (4xx) and audited. */
static void
test_limits(void **state)
{
	struct world	 w;
	char		 csrf[80], form[300], row[256], want[64];

	(void)state;
	world_open(&w, "limits.db");
	enrol(&w, "g1");
	csrf_of(&w, csrf, sizeof(csrf));
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "id=\"limits\""));
	assert_non_null(strstr(body(&w), "bedtime: 9:30 PM to 6:30 AM."));
	assert_non_null(strstr(body(&w), "No limits of your own."));
	/* Gambling is the district's: not offered; games is. */
	assert_null(strstr(body(&w), "<option value=\"gambling\">"));
	assert_non_null(strstr(body(&w), "<option value=\"games\">Games</option>"));

	/* Without the session's token, or from another site: refused before anything. */
	assert_int_equal(req(&w, "POST", "/limits", NULL, "id=s1001&op=pause&minutes=30",
	    NULL), 403);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=pause&minutes=30", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, "https://evil.example"), 403);
	assert_string_equal(limits_row(&w, "s1001", row), "");

	/* Pause for 30 minutes from the dashboard's now. */
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 303);
	assert_non_null(strstr(w.out.hdr.s, "Location: /hallpass.cgi/child?id=s1001&limits=saved"));
	snprintf(want, sizeof(want), "%lld/-1/-1/", (long long)(now0 + 30 * 60000));
	assert_string_equal(limits_row(&w, "s1001", row), want);
	assert_int_equal(audit_count("limits.db", "limits-set", "student=s1001 op=pause minutes=30"), 1);
	assert_int_equal(req(&w, "GET", "/child", "id=s1001&limits=saved", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Internet paused until"));
	assert_non_null(strstr(body(&w), "role=\"status\""));
	/* Too short, too long, not a number. */
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=pause&minutes=5", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	assert_non_null(strstr(body(&w), "15 minutes to 4 hours"));
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=pause&minutes=241", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=pause&minutes=1e3", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=resume", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 303);
	assert_string_equal(limits_row(&w, "s1001", row), "0/-1/-1/");

	/* Unblocking what the district blocks: 403, audited, nothing changed. */
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=unblock&category=gambling", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 403);
	assert_non_null(strstr(body(&w), "Only the district can unblock it"));
	assert_int_equal(audit_count("limits.db", "limits-refused",
	    "%op=unblock category=gambling refused=district-blocks"), 1);

	/* A later bedtime than the district's 21:30, or a shorter night: 403. */
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=bedtime&from=22%%3A00&to=", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 403);
	assert_int_equal(audit_count("limits.db", "limits-refused",
	    "%op=bedtime from=22:00 to=- refused=later-bedtime"), 1);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=bedtime&from=20%%3A00&to=06%%3A00",
	    csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 403);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=bedtime&from=8pm&to=", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=bedtime&from=20%%3A00&to=", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 303);
	assert_string_equal(limits_row(&w, "s1001", row), "0/1200/390/");

	/* More categories at home; removing one of the guardian's own is fine. */
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=block&category=games", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 303);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=block&category=gamez", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	assert_string_equal(limits_row(&w, "s1001", row), "0/1200/390/games");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "Bedtime at home: 8:00 PM to 6:30 AM."));
	assert_non_null(strstr(body(&w), "Also blocked at home: Games."));
	assert_null(strstr(body(&w), "<option value=\"games\">"));
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=unblock&category=games", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 303);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 409);
	assert_string_equal(limits_row(&w, "s1001", row), "0/1200/390/");

	/* Another family's child, or no child at all: 404, audited, no row written. */
	snprintf(form, sizeof(form), "csrf=%s&id=s1004&op=pause&minutes=30", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 404);
	assert_null(strstr(body(&w), "Diego"));
	assert_string_equal(limits_row(&w, "s1004", row), "");
	assert_int_equal(audit_count("limits.db", "limits-refused",
	    "student=s1004 op=pause refused=not-yours"), 1);
	snprintf(form, sizeof(form), "csrf=%s&id=s1001&op=loosen", csrf);
	assert_int_equal(req(&w, "POST", "/limits", NULL, form, NULL), 400);
	assert_int_equal(req(&w, "GET", "/limits", NULL, NULL, NULL), 405);

	/* In Spanish too. */
	strcat(w.cookie, "; hp_lang=es");
	assert_int_equal(req(&w, "GET", "/child", "id=s1001", NULL, NULL), 200);
	assert_non_null(strstr(body(&w), "En casa"));
	assert_non_null(strstr(body(&w), "Hora de dormir en casa"));
	world_close(&w);
}

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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hallpass-cgi.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || auth_init() == -1)
		return -1;
	if (i18n_load(&i18n, LANGS, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* 2026-11-23 15:00 UTC: 09:00 in Chicago, a Monday. */
	now0 = 1795446000000LL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free(&i18n);
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i18n),
		cmocka_unit_test(test_i18n_complete),
		cmocka_unit_test(test_i18n_bad_files),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_store_sessions),
		cmocka_unit_test(test_store_failures_acks),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_scoping_injection),
		cmocka_unit_test(test_phone_pages),
		cmocka_unit_test(test_contact_words),
		cmocka_unit_test(test_sessions_expire),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_argon2_slots),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
