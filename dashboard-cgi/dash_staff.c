/* dash_staff: the staff console — staff login and setup, students of their schools, audited activity views, the engagement report and the audit trail. */
#include "dash.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "auth_staff.h"
#include "dash_date.h"
#include "engage.h"
#include "hp_err.h"
#include "hp_str.h"

#define STAFF_REASON_MIN	5	/* "check" at least: a reason, not a keystroke */
#define STAFF_REASON_MAX	500
#define STAFF_AUDIT_PAGE	500	/* rows on the page; the CSV has all */

static const char *
staff_field(const struct dash *d, const char *name)
{
	const char	*v = cgi_kv_get(&d->req->form, name);

	return v != NULL ? v : "";
}

static void
staff_text(struct dash *d, const char *open, const char *key, const char *close)
{
	cgi_out_raw(d->out, open);
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, close);
}

static void
staff_500(struct dash *d)
{
	dash_error(d, 500, "err.server");
}

int
dash_staff_auth(struct dash *d)
{
	const char	*tok = cgi_kv_get(&d->req->cookies, DASH_COOKIE_STAFF);
	int		 rc;

	if (tok == NULL || *tok == '\0')
		return 0;
	if ((rc = auth_staff_session_load(d->st, tok, d->now_ms, &d->ssess,
	    d->staff_token_hash, d->err, sizeof(d->err))) == -1)
		return -1;
	if (rc == 1)
		return 0;
	/* Role and schools are read on every request: a change applies at once. */
	if ((rc = store_staff_get(d->st, d->ssess.staff_id, &d->staff, NULL, 0, d->err,
	    sizeof(d->err))) == -1)
		return -1;
	if (rc == 1 || !auth_staff_role_ok(d->staff.role))
		return 0;
	d->staff_authed = 1;
	auth_hex(d->ssess.csrf, sizeof(d->ssess.csrf), d->staff_csrf_hex);
	return 0;
}

static void
staff_nav_link(struct dash *d, const char *page, const char *key)
{
	cgi_out_raw(d->out, "<li><a href=\"");
	dash_href(d, page);
	cgi_out_raw(d->out, "\"");
	if (strcmp(d->page, page) == 0)
		cgi_out_raw(d->out, " aria-current=\"page\"");
	cgi_out_raw(d->out, ">");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "</a></li>");
}

void
dash_staff_nav(struct dash *d)
{
	cgi_out_raw(d->out, "<nav aria-label=\"");
	cgi_out_html(d->out, dash_t(d, "nav.label"));
	cgi_out_raw(d->out, "\"><ul>");
	if (d->staff_authed) {
		staff_nav_link(d, "staff", "staff.nav.schools");
		staff_nav_link(d, "staff/engagement", "staff.nav.engagement");
		if (auth_staff_is_admin(&d->staff))
			staff_nav_link(d, "staff/audit", "staff.nav.audit");
		cgi_out_raw(d->out, "<li><form method=\"post\" action=\"");
		dash_href(d, "staff/logout");
		cgi_out_raw(d->out, "\">");
		dash_csrf_field(d);
		staff_text(d, "<button type=\"submit\">", "nav.logout", "</button></form></li>");
	} else
		staff_nav_link(d, "staff/login", "nav.login");
	cgi_out_raw(d->out, "</ul></nav>");
}

/* ---- login, setup, logout ---- */

static void
staff_login_form(struct dash *d, const char *msg_key, const char *user)
{
	dash_page_head(d, dash_t(d, "staff.login.title"));
	staff_text(d, "<h1>", "staff.login.title", "</h1>");
	if (msg_key != NULL)
		staff_text(d, "<p class=\"error\" role=\"alert\">", msg_key, "</p>");
	cgi_out_raw(d->out, "<section><form method=\"post\" action=\"");
	dash_href(d, "staff/login");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	staff_text(d, "<label for=\"user\">", "staff.login.user", "</label>");
	cgi_out_raw(d->out, "<input id=\"user\" name=\"user\" type=\"text\" "
	    "autocomplete=\"username\" required maxlength=\"64\" value=\"");
	cgi_out_html(d->out, user);
	cgi_out_raw(d->out, "\">");
	staff_text(d, "<label for=\"password\">", "login.password", "</label>");
	cgi_out_raw(d->out, "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required>");
	staff_text(d, "<button type=\"submit\">", "login.submit", "</button></form></section>");
	cgi_out_raw(d->out, "<p>");
	cgi_out_html(d->out, dash_t(d, "staff.login.setup"));
	cgi_out_raw(d->out, " <a href=\"");
	dash_href(d, "staff/setup");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "staff.setup.title"));
	cgi_out_raw(d->out, "</a></p>");
	dash_page_foot(d);
}

void
dash_staff_login_get(struct dash *d)
{
	staff_login_form(d, NULL, "");
}

static int
staff_start_session(struct dash *d, const char *id)
{
	char	 tok[AUTH_TOKEN_HEX];

	if (auth_staff_session_new(d->st, id, d->now_ms, tok, d->err,
	    sizeof(d->err)) == -1)
		return -1;
	dash_set_cookie(d, DASH_COOKIE_STAFF, tok, (long)(AUTH_ABSOLUTE_MS / 1000));
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

void
dash_staff_login_post(struct dash *d)
{
	const char		*user = staff_field(d, "user");
	const char		*pw = staff_field(d, "password");
	struct store_staff	 a;
	char			 acct[96], hash[STORE_PWHASH_MAX];
	int64_t			 retry;
	int			 rc, slot, wrong;

	if (strlen(user) > 64 || strlen(pw) > AUTH_PW_MAX) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	if (store_failure_purge(d->st, d->now_ms - AUTH_WINDOW_MS, d->err,
	    sizeof(d->err)) == -1) {
		staff_500(d);
		return;
	}
	/* Its own key space: guessing a staff password never delays a parent, nor the reverse. */
	snprintf(acct, sizeof(acct), "staff:%.80s", user);
	/* Counted and recorded before any password work, like the parents' sign-in. */
	if ((rc = auth_attempt(d->st, acct, d->req->remote_addr, d->now_ms, &retry, d->err,
	    sizeof(d->err))) == -1) {
		staff_500(d);
		return;
	}
	if (rc == 1) {
		dash_throttled(d, retry, staff_login_form, user);
		return;
	}
	rc = auth_staff_id_ok(user) ? store_staff_get(d->st, user, &a, hash,
	    sizeof(hash), d->err, sizeof(d->err)) : 1;
	if (rc == -1) {
		staff_500(d);
		return;
	}
	/* No account (or none with a password yet) costs the same argon2 work as a wrong password. */
	slot = dash_argon2_take(d);
	wrong = auth_pw_check(rc == 0 && *hash != '\0' ? hash : NULL, pw);
	auth_slot_give(slot);
	if (wrong != 0) {
		d->out->status = 403;
		staff_login_form(d, "login.failed", user);
		return;
	}
	if (auth_attempt_ok(d->st, acct, d->req->remote_addr, d->now_ms, d->err,
	    sizeof(d->err)) == -1 || staff_start_session(d, a.id) == -1) {
		staff_500(d);
		return;
	}
	(void)store_audit(d->st, d->now_ms, acct, "staff-login", d->req->remote_addr,
	    NULL, 0);
	dash_redirect(d, "staff");
}

static void
staff_setup_form(struct dash *d, const char *msg_key)
{
	dash_page_head(d, dash_t(d, "staff.setup.title"));
	staff_text(d, "<h1>", "staff.setup.title", "</h1>");
	staff_text(d, "<p>", "staff.setup.intro", "</p>");
	if (msg_key != NULL)
		staff_text(d, "<p class=\"error\" role=\"alert\">", msg_key, "</p>");
	cgi_out_raw(d->out, "<section><form method=\"post\" action=\"");
	dash_href(d, "staff/setup");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	staff_text(d, "<label for=\"code\">", "staff.setup.code", "</label>");
	cgi_out_raw(d->out, "<input id=\"code\" name=\"code\" type=\"text\" "
	    "autocomplete=\"one-time-code\" required maxlength=\"40\">");
	staff_text(d, "<label for=\"password\">", "enrol.password", "</label>");
	cgi_out_printf(d->out, "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"new-password\" required minlength=\"%d\" maxlength=\"%d\" "
	    "aria-describedby=\"pwhelp\">", AUTH_PW_MIN, AUTH_PW_MAX);
	staff_text(d, "<p id=\"pwhelp\" class=\"muted\">", "enrol.pwhelp", "</p>");
	staff_text(d, "<label for=\"password2\">", "enrol.password2", "</label>");
	cgi_out_raw(d->out, "<input id=\"password2\" name=\"password2\" type=\"password\" "
	    "autocomplete=\"new-password\" required>");
	staff_text(d, "<button type=\"submit\">", "staff.setup.submit",
	    "</button></form></section>");
	dash_page_foot(d);
}

void
dash_staff_setup_get(struct dash *d)
{
	staff_setup_form(d, NULL);
}

/* The throttle's form callback: the setup form has no user name to keep. */
static void
staff_setup_form_user(struct dash *d, const char *msg_key, const char *user)
{
	(void)user;
	staff_setup_form(d, msg_key);
}

void
dash_staff_setup_post(struct dash *d)
{
	const char	*pw = staff_field(d, "password");
	uint8_t		 ch[STORE_HASH_LEN];
	char		 id[STORE_STAFF_ID_MAX], hash[STORE_PWHASH_MAX];
	int64_t		 retry;
	int		 rc, slot;

	/* A form refused here guessed nothing: checked before the throttle counts it. */
	if (auth_pw_acceptable(pw) == -1 || strcmp(pw, staff_field(d, "password2")) != 0) {
		d->out->status = 400;
		staff_setup_form(d, auth_pw_acceptable(pw) == -1 ? "enrol.pwshort" :
		    "enrol.pwmismatch");
		return;
	}
	if ((rc = auth_attempt(d->st, NULL, d->req->remote_addr, d->now_ms, &retry, d->err,
	    sizeof(d->err))) != 0) {
		if (rc == -1) {
			staff_500(d);
			return;
		}
		dash_throttled(d, retry, staff_setup_form_user, NULL);
		return;
	}
	/* The code is spent before any password work, as a parent's enrolment code is. */
	rc = auth_invite_hash(staff_field(d, "code"), ch) == -1 ? 1 :
	    store_staff_setup_consume(d->st, ch, d->now_ms, id, sizeof(id), d->err,
	    sizeof(d->err));
	if (rc == -1) {
		staff_500(d);
		return;
	}
	if (rc == 1) {
		d->out->status = 403;
		staff_setup_form(d, "enrol.badcode");
		return;
	}
	slot = dash_argon2_take(d);
	rc = auth_pw_hash(pw, hash, sizeof(hash));
	auth_slot_give(slot);
	if (rc == -1) {
		/* Only out of memory: the code is spent, IT makes a new one. */
		snprintf(d->err, sizeof(d->err), "crypto_pwhash_str failed (memory?)");
		staff_500(d);
		return;
	}
	if (auth_attempt_ok(d->st, NULL, d->req->remote_addr, d->now_ms, d->err,
	    sizeof(d->err)) == -1 ||
	    store_staff_set_password(d->st, id, hash, d->now_ms, d->err,
	    sizeof(d->err)) != 0 || staff_start_session(d, id) == -1) {
		staff_500(d);
		return;
	}
	dash_redirect(d, "staff");
}

void
dash_staff_logout_post(struct dash *d)
{
	if (d->staff_authed && store_staff_session_delete(d->st, d->staff_token_hash,
	    d->err, sizeof(d->err)) == -1) {
		staff_500(d);
		return;
	}
	dash_set_cookie(d, DASH_COOKIE_STAFF, "", 0);
	dash_redirect(d, "staff/login");
}

/* ---- schools and students ---- */

struct staff_school {
	const char	*id, *name;
	long		 students;
};

static int
staff_school_cmp(const void *a, const void *b)
{
	return strcmp(((const struct staff_school *)a)->id,
	    ((const struct staff_school *)b)->id);
}

/* The schools this account sees, with their students; *n set, NULL on no memory. */
static struct staff_school *
staff_schools(struct dash *d, size_t *n)
{
	struct staff_school	*v = NULL, *t;
	size_t			 cap = 0, k;

	*n = 0;
	for (size_t i = 0; i < policy_student_count(d->pol); i++) {
		const struct policy_student	*s = policy_student_at(d->pol, i);
		const char			*sch = policy_student_school(s);

		if (sch == NULL || !auth_staff_sees_school(&d->staff, sch))
			continue;
		/* The roster is sorted by school rarely; the last match is the likely one. */
		for (k = *n; k > 0 && strcmp(v[k - 1].id, sch) != 0; k--)
			;
		if (k > 0) {
			v[k - 1].students++;
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((t = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				return NULL;
			}
			v = t;
		}
		v[*n].id = sch;
		v[*n].name = policy_student_school_name(s) ? policy_student_school_name(s) :
		    sch;
		v[*n].students = 1;
		(*n)++;
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), staff_school_cmp);
	return v != NULL ? v : calloc(1, sizeof(*v));
}

static void
staff_th(struct dash *d, const char *key, int numeric)
{
	cgi_out_raw(d->out, numeric ? "<th scope=\"col\" class=\"n\">" : "<th scope=\"col\">");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "</th>");
}

/* A cell opening with its column's name, which a phone shows beside the value (.stack). */
static void
staff_td_open(struct dash *d, const char *key, int numeric)
{
	cgi_out_raw(d->out, numeric ? "<td class=\"n\" data-label=\"" : "<td data-label=\"");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "\">");
}

static void
staff_td_text(struct dash *d, const char *key, const char *v)
{
	staff_td_open(d, key, 0);
	cgi_out_html(d->out, v != NULL && *v != '\0' ? v : "—");
	cgi_out_raw(d->out, "</td>");
}

static void
staff_td_num(struct dash *d, const char *key, long v)
{
	char	 b[32];

	i18n_num(d->lang, v, b, sizeof(b));
	staff_td_open(d, key, 1);
	cgi_out_html(d->out, b);
	cgi_out_raw(d->out, "</td>");
}

void
dash_staff_home(struct dash *d)
{
	struct staff_school	*v;
	size_t			 n;
	const char		*args[2];
	char			 buf[256];

	if ((v = staff_schools(d, &n)) == NULL) {
		snprintf(d->err, sizeof(d->err), "out of memory");
		staff_500(d);
		return;
	}
	dash_page_head(d, dash_t(d, "staff.home.title"));
	staff_text(d, "<h1>", "staff.home.title", "</h1>");
	args[0] = d->staff.id;
	args[1] = dash_t(d, auth_staff_is_admin(&d->staff) ? "staff.role.admin" :
	    "staff.role.school");
	i18n_fmt(d->lang, buf, sizeof(buf), "staff.home.who", 2, args);
	cgi_out_raw(d->out, "<p id=\"who\">");
	cgi_out_html(d->out, buf);
	cgi_out_raw(d->out, "</p>");
	staff_text(d, "<p class=\"muted\">", "staff.home.audited", "</p>");
	cgi_out_raw(d->out, "<section><div class=\"tw\"><table id=\"schools\"><caption>");
	cgi_out_html(d->out, dash_t(d, "staff.home.schools"));
	cgi_out_raw(d->out, "</caption><thead><tr>");
	staff_th(d, "staff.col.school", 0);
	staff_th(d, "staff.col.students", 1);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		cgi_out_raw(d->out, "<tr><th scope=\"row\"><a href=\"");
		dash_href(d, "staff/students?school=");
		cgi_out_urlenc(d->out, v[i].id);
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, v[i].name);
		cgi_out_raw(d->out, "</a></th>");
		staff_td_num(d, "staff.col.students", v[i].students);
		cgi_out_raw(d->out, "</tr>");
	}
	cgi_out_raw(d->out, "</tbody></table></div>");
	if (n == 0)
		staff_text(d, "<p class=\"muted\">", "staff.home.none", "</p>");
	cgi_out_raw(d->out, "</section>");
	free(v);
	dash_page_foot(d);
}

/* The school of the query, when this account may see it; else NULL (a 404 was sent). */
static const char *
staff_school_param(struct dash *d, const char **name)
{
	const char	*sch = cgi_kv_get(&d->req->query, "school");

	*name = NULL;
	if (sch != NULL && auth_staff_sees_school(&d->staff, sch))
		for (size_t i = 0; i < policy_student_count(d->pol); i++) {
			const struct policy_student *s = policy_student_at(d->pol, i);

			if (policy_student_school(s) != NULL &&
			    strcmp(policy_student_school(s), sch) == 0) {
				*name = policy_student_school_name(s) ?
				    policy_student_school_name(s) : sch;
				return sch;
			}
		}
	/* Another school's and no school at all look the same. */
	dash_error(d, 404, "err.notfound");
	return NULL;
}

void
dash_staff_students(struct dash *d)
{
	const char	*sch, *name;
	long		 n = 0;

	if ((sch = staff_school_param(d, &name)) == NULL)
		return;
	dash_page_head(d, name);
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, name);
	cgi_out_raw(d->out, "</h1><p><a href=\"");
	dash_href(d, "staff/engagement?school=");
	cgi_out_urlenc(d->out, sch);
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "staff.nav.engagement"));
	cgi_out_raw(d->out, "</a></p><section><div class=\"tw\"><table id=\"students\"><caption>");
	cgi_out_html(d->out, dash_t(d, "staff.students.title"));
	cgi_out_raw(d->out, "</caption><thead><tr>");
	staff_th(d, "staff.col.student", 0);
	staff_th(d, "staff.col.grade", 0);
	staff_th(d, "staff.col.group", 0);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	for (size_t i = 0; i < policy_student_count(d->pol); i++) {
		const struct policy_student *s = policy_student_at(d->pol, i);

		if (policy_student_school(s) == NULL ||
		    strcmp(policy_student_school(s), sch) != 0)
			continue;
		cgi_out_raw(d->out, "<tr><th scope=\"row\"><a href=\"");
		dash_href(d, "staff/student?id=");
		cgi_out_urlenc(d->out, policy_student_id(s));
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, policy_student_name(s));
		cgi_out_raw(d->out, "</a></th><td>");
		cgi_out_html(d->out, policy_student_grade(s) ? policy_student_grade(s) : "");
		cgi_out_raw(d->out, "</td><td>");
		cgi_out_html(d->out, policy_student_group(s));
		cgi_out_raw(d->out, "</td></tr>");
		n++;
	}
	cgi_out_raw(d->out, "</tbody></table></div></section>");
	dash_page_foot(d);
}

/* The student named by id when this account may see them, else NULL (same for unknown). */
static const struct policy_student *
staff_student_of(struct dash *d, const char *id)
{
	const struct policy_student	*s;

	if (id == NULL || (s = policy_student_find(d->pol, id)) == NULL)
		return NULL;
	return auth_staff_sees_school(&d->staff, policy_student_school(s)) ? s : NULL;
}

static void
staff_view_form(struct dash *d, const struct policy_student *s, const char *msg_key)
{
	char	 today[11];

	dash_today(d, today);
	staff_text(d, "<section><h2>", "staff.view.title", "</h2>");
	staff_text(d, "<p>", "staff.view.intro", "</p>");
	if (msg_key != NULL)
		staff_text(d, "<p class=\"error\" role=\"alert\">", msg_key, "</p>");
	cgi_out_raw(d->out, "<form method=\"post\" action=\"");
	dash_href(d, "staff/view");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	cgi_out_raw(d->out, "<input type=\"hidden\" name=\"id\" value=\"");
	cgi_out_html(d->out, policy_student_id(s));
	cgi_out_raw(d->out, "\">");
	staff_text(d, "<label for=\"reason\">", "staff.view.reason", "</label>");
	cgi_out_printf(d->out, "<input id=\"reason\" name=\"reason\" type=\"text\" required "
	    "minlength=\"%d\" maxlength=\"%d\" aria-describedby=\"reasonhelp\">",
	    STAFF_REASON_MIN, STAFF_REASON_MAX);
	staff_text(d, "<p id=\"reasonhelp\" class=\"muted\">", "staff.view.reason.help", "</p>");
	staff_text(d, "<div class=\"row\"><div><label for=\"day\">", "report.pick.day",
	    "</label>");
	cgi_out_raw(d->out, "<input id=\"day\" name=\"day\" type=\"date\" max=\"");
	cgi_out_html(d->out, today);
	cgi_out_raw(d->out, "\" value=\"");
	cgi_out_html(d->out, today);
	cgi_out_raw(d->out, "\"></div><div>");
	staff_text(d, "<label for=\"range\">", "report.pick.range", "</label>");
	cgi_out_raw(d->out, "<select id=\"range\" name=\"range\"><option value=\"day\">");
	cgi_out_html(d->out, dash_t(d, "report.range.day"));
	cgi_out_raw(d->out, "</option><option value=\"week\">");
	cgi_out_html(d->out, dash_t(d, "report.range.week"));
	cgi_out_raw(d->out, "</option></select></div></div>");
	staff_text(d, "<button type=\"submit\" id=\"view\">", "staff.view.submit",
	    "</button></form></section>");
}

static void
staff_student_page(struct dash *d, const struct policy_student *s, const char *msg_key)
{
	char	 buf[256];

	dash_page_head(d, policy_student_name(s));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, policy_student_name(s));
	cgi_out_raw(d->out, "</h1><section><dl class=\"stats\"><div><dt>");
	cgi_out_html(d->out, dash_t(d, "staff.col.school"));
	cgi_out_raw(d->out, "</dt><dd>");
	cgi_out_html(d->out, policy_student_school_name(s) ? policy_student_school_name(s) :
	    "—");
	cgi_out_raw(d->out, "</dd></div><div><dt>");
	cgi_out_html(d->out, dash_t(d, "staff.col.grade"));
	cgi_out_raw(d->out, "</dt><dd>");
	cgi_out_html(d->out, policy_student_grade(s) ? policy_student_grade(s) : "—");
	cgi_out_raw(d->out, "</dd></div><div><dt>");
	cgi_out_html(d->out, dash_t(d, "staff.col.group"));
	cgi_out_raw(d->out, "</dt><dd>");
	cgi_out_html(d->out, policy_student_group(s));
	cgi_out_raw(d->out, "</dd></div></dl></section>");
	/* The family, to reach them: contact details, never their activity. */
	staff_text(d, "<section><h2>", "staff.student.family", "</h2><ul id=\"family\">");
	for (size_t i = 0; i < policy_guardian_count(d->pol); i++) {
		const struct policy_guardian *g = policy_guardian_at(d->pol, i);

		for (size_t k = 0; k < policy_guardian_nstudents(g); k++) {
			if (policy_guardian_student(g, k) != s)
				continue;
			snprintf(buf, sizeof(buf), "%s (%s%s%s)%s%s", policy_guardian_name(g),
			    policy_guardian_relation(g) ? policy_guardian_relation(g) : "",
			    policy_guardian_language(g) ? ", " : "",
			    policy_guardian_language(g) ? policy_guardian_language(g) : "",
			    policy_guardian_phone(g) ? " — " : "",
			    policy_guardian_phone(g) ? policy_guardian_phone(g) : "");
			cgi_out_raw(d->out, "<li>");
			cgi_out_html(d->out, buf);
			cgi_out_raw(d->out, "</li>");
		}
	}
	cgi_out_raw(d->out, "</ul></section>");
	staff_view_form(d, s, msg_key);
	dash_page_foot(d);
}

void
dash_staff_student(struct dash *d)
{
	const struct policy_student *s = staff_student_of(d,
	    cgi_kv_get(&d->req->query, "id"));

	if (s == NULL) {
		dash_error(d, 404, "err.notfound");
		return;
	}
	staff_student_page(d, s, NULL);
}

void
dash_staff_view(struct dash *d)
{
	const struct policy_student	*s = staff_student_of(d, staff_field(d, "id"));
	const char			*reason = staff_field(d, "reason");
	const char			*day = staff_field(d, "day");
	const char			*range = staff_field(d, "range");
	struct dash_day			 dd;
	char				 what[64], today[11];
	size_t				 n;

	if (s == NULL) {
		dash_error(d, 404, "err.notfound");
		return;
	}
	/* Trimmed length in characters would be kinder; bytes keep it simple and strict. */
	while (*reason == ' ')
		reason++;
	n = strlen(reason);
	if (n < STAFF_REASON_MIN || n > STAFF_REASON_MAX || strpbrk(reason, "\r\n") != NULL) {
		d->out->status = 400;
		staff_student_page(d, s, "staff.view.noreason");
		return;
	}
	/* The period is checked before the row is written: a refused view leaves no row. */
	dash_today(d, today);
	if ((*range != '\0' && strcmp(range, "day") != 0 && strcmp(range, "week") != 0) ||
	    (*day != '\0' && (dash_day_parse(day, &dd) == -1 || strcmp(dd.s, today) > 0))) {
		dash_error(d, 400, "err.badday");
		return;
	}
	snprintf(what, sizeof(what), "view %s %.10s", strcmp(range, "week") == 0 ?
	    "week" : "day", *day ? day : "today");
	/* Written before anything is shown: no audit row, no activity. */
	if (store_staff_audit_add(d->st, d->now_ms, d->staff.id, d->staff.role,
	    policy_student_id(s), policy_student_school(s), what, reason, d->err,
	    sizeof(d->err)) == -1) {
		staff_500(d);
		return;
	}
	d->staff_student = s;
	dash_page_child(d);
}

/* ---- the engagement report ---- */

static int
staff_scope(const char *school, void *arg)
{
	return auth_staff_sees_school(arg, school);
}

static int
staff_put(const char *s, size_t n, void *arg)
{
	struct cgi_out	*o = arg;

	cgi_buf_add(&o->body, s, n);
	return o->body.oom ? -1 : 0;
}

static void
staff_csv_headers(struct dash *d, const char *file)
{
	char	 cd[128];

	snprintf(d->out->ctype, sizeof(d->out->ctype), "text/csv; charset=utf-8");
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", file);
	cgi_out_header(d->out, "Content-Disposition", cd);
}

static int
staff_format_csv(struct dash *d, int *csv)
{
	const char	*f = cgi_kv_get(&d->req->query, "format");

	*csv = f != NULL && strcmp(f, "csv") == 0;
	if (f != NULL && !*csv && strcmp(f, "html") != 0) {
		dash_error(d, 400, "err.badrequest");
		return -1;
	}
	return 0;
}

static struct engage *
staff_engage(struct dash *d, const char *school)
{
	struct engage	*e;

	if ((e = engage_build(d->pol, d->st, d->aup->version, d->now_ms, staff_scope,
	    &d->staff, school, d->err, sizeof(d->err))) == NULL)
		staff_500(d);
	return e;
}

static void
staff_count_cells(struct dash *d, const struct engage_count *c, const char *school,
    const char *group)
{
	staff_td_num(d, "staff.col.students", c->students);
	staff_td_num(d, "staff.col.families", c->families);
	staff_td_num(d, "staff.col.invited", c->invited);
	staff_td_num(d, "staff.col.enrolled", c->enrolled);
	staff_td_num(d, "staff.col.acked", c->acked);
	staff_td_num(d, "staff.col.active", c->active);
	if (school == NULL || c->unreached == 0) {
		staff_td_num(d, "staff.col.unreached", c->unreached);
		return;
	}
	{
		char	 b[32];

		i18n_num(d->lang, c->unreached, b, sizeof(b));
		staff_td_open(d, "staff.col.unreached", 1);
		cgi_out_raw(d->out, "<a href=\"");
		dash_href(d, "staff/families?school=");
		cgi_out_urlenc(d->out, school);
		cgi_out_raw(d->out, "&amp;group=");
		cgi_out_urlenc(d->out, group);
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, b);
		cgi_out_raw(d->out, "</a></td>");
	}
}

void
dash_staff_engagement(struct dash *d)
{
	const char	*sch = cgi_kv_get(&d->req->query, "school"), *name = NULL;
	struct engage	*e;
	int		 csv;

	if (staff_format_csv(d, &csv) == -1)
		return;
	if (sch != NULL && (sch = staff_school_param(d, &name)) == NULL)
		return;
	if ((e = staff_engage(d, sch)) == NULL)
		return;
	if (csv) {
		staff_csv_headers(d, "engagement.csv");
		if (engage_csv(e, staff_put, d->out) != 0)
			snprintf(d->err, sizeof(d->err), "out of memory");
		engage_free(e);
		return;
	}
	dash_page_head(d, dash_t(d, "staff.eng.title"));
	staff_text(d, "<h1>", "staff.eng.title", "</h1>");
	if (name != NULL) {
		cgi_out_raw(d->out, "<p>");
		cgi_out_html(d->out, name);
		cgi_out_raw(d->out, "</p>");
	}
	staff_text(d, "<p class=\"muted\">", "staff.eng.defs", "</p>");
	cgi_out_raw(d->out, "<section><div class=\"tw\"><table id=\"engagement\" class=\"stack\"><caption>");
	cgi_out_html(d->out, dash_t(d, "staff.eng.caption"));
	cgi_out_raw(d->out, "</caption><thead><tr>");
	staff_th(d, "staff.col.school", 0);
	staff_th(d, "staff.col.group", 0);
	staff_th(d, "staff.col.students", 1);
	staff_th(d, "staff.col.families", 1);
	staff_th(d, "staff.col.invited", 1);
	staff_th(d, "staff.col.enrolled", 1);
	staff_th(d, "staff.col.acked", 1);
	staff_th(d, "staff.col.active", 1);
	staff_th(d, "staff.col.unreached", 1);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	for (size_t i = 0; i < engage_nrows(e); i++) {
		const struct engage_row *r = engage_row_at(e, i);

		cgi_out_raw(d->out, "<tr><th scope=\"row\">");
		cgi_out_html(d->out, *r->school ? r->school_name : "—");
		cgi_out_raw(d->out, "</th>");
		staff_td_text(d, "staff.col.group", r->group);
		staff_count_cells(d, &r->n, *r->school ? r->school : NULL, r->group);
		cgi_out_raw(d->out, "</tr>");
	}
	cgi_out_raw(d->out, "</tbody><tfoot><tr><th scope=\"row\" colspan=\"2\">");
	cgi_out_html(d->out, dash_t(d, "staff.eng.total"));
	cgi_out_raw(d->out, "</th>");
	staff_count_cells(d, engage_total(e), NULL, NULL);
	cgi_out_raw(d->out, "</tr></tfoot></table></div><p><a class=\"button\" id=\"csv\" href=\"");
	dash_href(d, "staff/engagement?format=csv");
	if (sch != NULL) {
		cgi_out_raw(d->out, "&amp;school=");
		cgi_out_urlenc(d->out, sch);
	}
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "staff.csv"));
	cgi_out_raw(d->out, "</a></p></section>");
	engage_free(e);
	dash_page_foot(d);
}

struct staff_fam {
	struct dash	*d;
	long		 n;
};

static int
staff_family_row(const struct engage_family *f, void *arg)
{
	struct staff_fam	*a = arg;
	struct dash		*d = a->d;

	cgi_out_raw(d->out, "<tr><th scope=\"row\">");
	cgi_out_html(d->out, f->name);
	cgi_out_raw(d->out, "</th>");
	staff_td_text(d, "staff.col.relation", f->relation);
	staff_td_text(d, "staff.col.language", f->language);
	staff_td_text(d, "staff.col.phone", f->phone);
	staff_td_text(d, "staff.col.students", f->students);
	staff_td_text(d, "staff.col.invited", dash_t(d, f->invited ? "staff.yes" :
	    "staff.no"));
	cgi_out_raw(d->out, "</tr>");
	a->n++;
	return 0;
}

void
dash_staff_families(struct dash *d)
{
	const char		*sch, *name, *group = cgi_kv_get(&d->req->query, "group");
	struct engage		*e;
	struct staff_fam	 a = { d, 0 };
	char			 buf[256];
	const char		*args[2];
	int			 csv;

	if (staff_format_csv(d, &csv) == -1)
		return;
	if ((sch = staff_school_param(d, &name)) == NULL)
		return;
	if ((e = staff_engage(d, sch)) == NULL)
		return;
	if (csv) {
		staff_csv_headers(d, "families-to-reach.csv");
		if (engage_families_csv(e, sch, group, staff_put, d->out) != 0)
			snprintf(d->err, sizeof(d->err), "out of memory");
		engage_free(e);
		return;
	}
	args[0] = name;
	args[1] = group != NULL ? group : "";
	i18n_fmt(d->lang, buf, sizeof(buf), "staff.fam.title", 2, args);
	dash_page_head(d, buf);
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, buf);
	cgi_out_raw(d->out, "</h1>");
	staff_text(d, "<p class=\"muted\">", "staff.fam.intro", "</p>");
	cgi_out_raw(d->out, "<section><div class=\"tw\"><table id=\"families\" class=\"stack\"><caption>");
	cgi_out_html(d->out, dash_t(d, "staff.fam.caption"));
	cgi_out_raw(d->out, "</caption><thead><tr>");
	staff_th(d, "staff.col.guardian", 0);
	staff_th(d, "staff.col.relation", 0);
	staff_th(d, "staff.col.language", 0);
	staff_th(d, "staff.col.phone", 0);
	staff_th(d, "staff.col.students", 0);
	staff_th(d, "staff.col.invited", 0);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	engage_families(e, sch, group, staff_family_row, &a);
	cgi_out_raw(d->out, "</tbody></table></div><p><a class=\"button\" id=\"csv\" href=\"");
	dash_href(d, "staff/families?format=csv&amp;school=");
	cgi_out_urlenc(d->out, sch);
	if (group != NULL) {
		cgi_out_raw(d->out, "&amp;group=");
		cgi_out_urlenc(d->out, group);
	}
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "staff.csv"));
	cgi_out_raw(d->out, "</a></p></section>");
	engage_free(e);
	dash_page_foot(d);
}

/* ---- the audit trail (district admins) ---- */

struct staff_audit_arg {
	struct dash	*d;
	int		 csv;
	int		 rc;
};

static int
staff_audit_row(const struct store_staff_audit *a, void *arg)
{
	struct staff_audit_arg	*x = arg;
	struct dash		*d = x->d;
	char			 when[160], id[32];

	if (x->csv) {
		time_t		 t = (time_t)(a->ts_ms / 1000);
		struct tm	 tm;
		const char	*v[6] = { when, a->staff_id, a->role, a->student, a->school,
			a->reason };

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(id, sizeof(id), "%lld", (long long)a->id);
		if (engage_csv_cell(id, staff_put, d->out) != 0)
			x->rc = -1;
		for (int i = 0; i < 6; i++)
			if (staff_put(",", 1, d->out) != 0 ||
			    engage_csv_cell(v[i], staff_put, d->out) != 0)
				x->rc = -1;
		if (staff_put(",", 1, d->out) != 0 || engage_csv_cell(a->action, staff_put,
		    d->out) != 0 || staff_put("\r\n", 2, d->out) != 0)
			x->rc = -1;
		return x->rc;
	}
	dash_date_ms(d, a->ts_ms, when, sizeof(when));
	cgi_out_raw(d->out, "<tr><th scope=\"row\">");
	cgi_out_html(d->out, when);
	cgi_out_raw(d->out, "</th>");
	staff_td_text(d, "staff.col.staff", a->staff_id);
	staff_td_text(d, "staff.col.student", a->student);
	staff_td_text(d, "staff.col.school", a->school);
	staff_td_text(d, "staff.col.reason", a->reason);
	cgi_out_raw(d->out, "</tr>");
	return 0;
}

void
dash_staff_audit(struct dash *d)
{
	struct staff_audit_arg	 a = { d, 0, 0 };
	int64_t			 n;

	/* The trail is the district's: school staff get a plain refusal. */
	if (!auth_staff_is_admin(&d->staff)) {
		dash_error(d, 403, "staff.audit.denied");
		return;
	}
	if (staff_format_csv(d, &a.csv) == -1)
		return;
	if (a.csv) {
		static const char head[] = "id,time_utc,staff,role,student,school,reason,"
		    "action\r\n";

		staff_csv_headers(d, "staff-audit.csv");
		staff_put(head, sizeof(head) - 1, d->out);
		if (store_staff_audit_list(d->st, 0, staff_audit_row, &a, d->err,
		    sizeof(d->err)) == -1)
			staff_500(d);
		return;
	}
	dash_page_head(d, dash_t(d, "staff.audit.title"));
	staff_text(d, "<h1>", "staff.audit.title", "</h1>");
	staff_text(d, "<p class=\"muted\">", "staff.audit.intro", "</p>");
	cgi_out_raw(d->out, "<section><div class=\"tw\"><table id=\"audit\" class=\"stack\"><caption>");
	cgi_out_html(d->out, dash_t(d, "staff.audit.caption"));
	cgi_out_raw(d->out, "</caption><thead><tr>");
	staff_th(d, "staff.col.when", 0);
	staff_th(d, "staff.col.staff", 0);
	staff_th(d, "staff.col.student", 0);
	staff_th(d, "staff.col.school", 0);
	staff_th(d, "staff.col.reason", 0);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	if ((n = store_staff_audit_list(d->st, STAFF_AUDIT_PAGE, staff_audit_row, &a,
	    d->err, sizeof(d->err))) == -1) {
		staff_500(d);
		return;
	}
	cgi_out_raw(d->out, "</tbody></table></div><p><a class=\"button\" id=\"csv\" href=\"");
	dash_href(d, "staff/audit?format=csv");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "staff.csv"));
	cgi_out_raw(d->out, "</a></p></section>");
	dash_page_foot(d);
}
