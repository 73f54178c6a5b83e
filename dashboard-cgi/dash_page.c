/* dash_page: routing, sessions, the page frame and the small pages — login, enrolment, logout, terms, language, home. */
#include "dash.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "auth_staff.h"
#include "hp_err.h"
#include "log.h"
#include "dash_date.h"
#include "store_login.h"

/*
 * Inline so the page is one request.  Phone first (390 px is the test's
 * phone): contrast >= 4.5:1 for text, a visible focus ring, nothing wider
 * than the screen; the wider layout starts at 40rem.
 */
static const char dash_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1a1a1a;background:#f6f7f9;overflow-wrap:break-word}"
    "header,main,footer{max-width:56rem;margin:0 auto;padding:.75rem 1rem}"
    "header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;"
    "justify-content:space-between;background:#0b3d91;color:#fff;max-width:none}"
    "header a,header button{color:#fff}"
    "header .brand{font-weight:700;font-size:1.1rem;text-decoration:none}"
    "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}"
    "a{color:#0b3d91}"
    ":focus-visible{outline:3px solid #b35c00;outline-offset:2px}"
    "header :focus-visible{outline-color:#ffd166}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem;z-index:1}"
    "h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
    "section{background:#fff;border:1px solid #d0d5dd;border-radius:.5rem;padding:.75rem;margin:1rem 0}"
    "section>h2:first-child{margin-top:.25rem}"
    "label{display:block;font-weight:600;margin:.75rem 0 .25rem}"
    "input,select{font:inherit;width:100%;max-width:24rem;padding:.5rem;border:1px solid #5f6b7a;border-radius:.25rem;background:#fff;color:#1a1a1a}"
    "button,.button{font:inherit;background:#0b3d91;color:#fff;border:0;border-radius:.25rem;"
    "padding:.55rem 1rem;margin-top:.75rem;cursor:pointer;text-decoration:none;display:inline-block}"
    "header button{background:transparent;border:1px solid #fff;margin:0;padding:.25rem .75rem}"
    "summary{cursor:pointer;color:#0b3d91;text-decoration:underline;padding:.25rem 0}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .25rem;border-bottom:1px solid #e3e6ea;vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "caption{text-align:left}"
    ".tw{overflow-x:auto}.host{overflow-wrap:anywhere;word-break:break-word}td.host{min-width:5.5rem}"
    ".cat{display:none}.cat-in{display:block;font-size:.875rem;color:#4a5361}"
    ".notice{background:#fff4ce;border:1px solid #8a6d00;padding:.75rem 1rem;border-radius:.5rem}"
    ".error{background:#fde8e8;border:1px solid #9b1c1c;color:#5c0f0f;padding:.75rem 1rem;border-radius:.5rem}"
    ".ok{background:#e6f4ea;border:1px solid #1e6b34;padding:.75rem 1rem;border-radius:.5rem}"
    ".stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;margin:0;padding:0}"
    ".stats div{background:#eef2f8;border-radius:.5rem;padding:.5rem .75rem}"
    ".stats dt{font-size:.9rem}.stats dd{margin:0;font-size:1.3rem;font-weight:700}"
    ".stats dd.chg{font-size:.9rem;font-weight:400}"
    ".chart svg{display:block;width:100%;overflow:visible;margin:.5rem 0}"
    ".chart text{font-size:13px;fill:#2b3340}"
    ".chart .scale{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
    ".chart .bar{fill:#0b3d91}.chart .grid{stroke:#c4cad3}.chart .base,.chart .tick{stroke:#5f6b7a}"
    ".chart .h3{display:none}"
    ".b0{fill:#dcefe0;background:#dcefe0}.b1{fill:#e6def5;background:#e6def5}.b2{fill:#fcefc7;background:#fcefc7}"
    ".legend{list-style:none;margin:.25rem 0 .5rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem}"
    ".sw{display:inline-block;width:1rem;height:1rem;border:1px solid #5f6b7a;vertical-align:-.15rem;margin-right:.35rem}"
    ".events{list-style:none;margin:0;padding:0}"
    ".events li{padding:.5rem 0;border-bottom:1px solid #e3e6ea}.events li:last-child{border-bottom:0}"
    ".events .host{font-weight:600}"
    ".muted{color:#4a5361}"
    "form.inline{display:inline}button.small{margin:.25rem 0 0;padding:.3rem .75rem}"
    "#limits h3{font-size:1.05rem;margin:1rem 0 .25rem}"
    "footer{font-size:.95rem;border-top:1px solid #d0d5dd;margin-top:1.5rem}"
    "footer h2{font-size:1rem;margin:.75rem 0 .25rem}footer p{margin:.25rem 0}"
    "#contact ul{list-style:none;margin:0;padding:0}#contact a{overflow-wrap:anywhere}"
    /* The staff console's wide tables: on a phone each row is a card, each cell named. */
    "@media (max-width:39.99rem){.stack thead{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}"
    ".stack,.stack tbody,.stack tfoot,.stack tr{display:block;width:100%}"
    ".stack tr{border-bottom:1px solid #d0d5dd;padding:.35rem 0}"
    ".stack th,.stack td{display:flex;justify-content:space-between;gap:.75rem;border:0;padding:.1rem .25rem;text-align:left}"
    ".stack td{overflow-wrap:anywhere}.stack td::before{content:attr(data-label);font-weight:600;flex:none}}"
    "@media (min-width:40rem){.row{display:flex;gap:1rem;align-items:flex-end}.row>*{flex:1}"
    "section{padding:.75rem 1rem}table{font-size:1rem}th,td{padding:.35rem .5rem}td.n{white-space:nowrap}"
    ".cat{display:table-cell}.cat-in{display:none}"
    ".chart .h3{display:inline}}";

const char *
dash_t(const struct dash *d, const char *key)
{
	return i18n_s(d->lang, key);
}

/* Only the page name goes after the script: the script name is the server's own. */
void
dash_href(struct dash *d, const char *page)
{
	cgi_out_html(d->out, d->req->script);
	cgi_out_raw(d->out, "/");
	cgi_out_html(d->out, page);
}

void
dash_csrf_field(struct dash *d)
{
	cgi_out_raw(d->out, "<input type=\"hidden\" name=\"csrf\" value=\"");
	cgi_out_html(d->out, d->staff_authed ? d->staff_csrf_hex : d->authed ?
	    d->csrf_hex : d->pre_hex);
	cgi_out_raw(d->out, "\">");
}

void
dash_redirect(struct dash *d, const char *page)
{
	char	 loc[512];

	snprintf(loc, sizeof(loc), "%s/%s", d->req->script, page);
	d->out->status = 303;
	cgi_out_header(d->out, "Location", loc);
}

void
dash_set_cookie(struct dash *d, const char *name, const char *value,
    long max_age)
{
	char	 c[512];

	/* Secure + SameSite=Strict: never sent from another site, never over plain HTTP off localhost. */
	snprintf(c, sizeof(c), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; Secure; "
	    "SameSite=Strict", name, value, max_age);
	cgi_out_header(d->out, "Set-Cookie", c);
}

const struct policy_student *
dash_my_student(const struct dash *d, const char *id)
{
	/* A staff view: only the student the audit row was written for. */
	if (d->staff_student != NULL)
		return id != NULL && strcmp(policy_student_id(d->staff_student), id) == 0 ?
		    d->staff_student : NULL;
	if (d->guardian == NULL || id == NULL)
		return NULL;
	for (size_t i = 0; i < policy_guardian_nstudents(d->guardian); i++) {
		const struct policy_student *s = policy_guardian_student(d->guardian, i);

		if (strcmp(policy_student_id(s), id) == 0)
			return s;
	}
	return NULL;
}

void
dash_today(const struct dash *d, char out[11])
{
	struct tz_tm	 t;

	struct dash_day	 day;

	tz_localtime(d->tz, d->now_ms / 1000, &t);
	dash_day_from_ymd(t.year, t.mon, t.mday, &day);
	memcpy(out, day.s, 11);
}

int64_t
dash_day_start_ms(const struct dash *d, int y, int m, int day)
{
	struct tz_tm	 t;
	int64_t		 sec;

	memset(&t, 0, sizeof(t));
	t.year = y;
	t.mon = m;
	t.mday = day;
	if (tz_mktime(d->tz, &t, &sec) == -1)
		return 0;
	return sec * 1000;
}

static void
dash_time_as(const struct dash *d, const char *key, int hour, int min, char *buf,
    size_t len)
{
	static const char *const names[] = { "h12", "hh", "h", "mm", "ampm" };
	char		 h12[4], hh[4], h[4], mm[4];
	const char	*vals[5];

	snprintf(h12, sizeof(h12), "%d", (hour + 11) % 12 + 1);
	snprintf(hh, sizeof(hh), "%02d", hour % 100);
	snprintf(h, sizeof(h), "%d", hour % 100);
	snprintf(mm, sizeof(mm), "%02d", min % 100);
	vals[0] = h12;
	vals[1] = hh;
	vals[2] = h;
	vals[3] = mm;
	vals[4] = dash_t(d, hour < 12 ? "time.am" : "time.pm");
	i18n_subst_named(dash_t(d, key), buf, len, 5, names, vals);
}

void
dash_time(const struct dash *d, int hour, int min, char *buf, size_t len)
{
	dash_time_as(d, "time.format", hour, min, buf, len);
}

void
dash_time_hour(const struct dash *d, int hour, char *buf, size_t len)
{
	dash_time_as(d, "time.format.hour", hour, 0, buf, len);
}

/* "6:29–6:31 AM": the first time drops what the second repeats (its AM/PM), when the clock has it. */
void
dash_time_span(const struct dash *d, int h1, int m1, int h2, int m2, char *buf,
    size_t len)
{
	char	 a[32], b[32];

	if (h1 == h2 && m1 == m2) {
		dash_time(d, h1, m1, buf, len);
		return;
	}
	dash_time_as(d, (h1 < 12) == (h2 < 12) ? "time.format.bare" : "time.format",
	    h1, m1, a, sizeof(a));
	dash_time(d, h2, m2, b, sizeof(b));
	snprintf(buf, len, "%s–%s", a, b);
}

/* The language links keep the page a parent is on (its parameters re-validated, then re-encoded). */
static void
dash_lang_links(struct dash *d, const char *page)
{
	const char	*id = cgi_kv_get(&d->req->query, "id");
	const char	*day = cgi_kv_get(&d->req->query, "day");
	const char	*range = cgi_kv_get(&d->req->query, "range");

	cgi_out_raw(d->out, "<nav aria-label=\"");
	cgi_out_html(d->out, dash_t(d, "nav.language"));
	cgi_out_raw(d->out, "\"><ul>");
	for (size_t i = 0; i < d->i18n->n; i++) {
		const struct i18n_lang *l = &d->i18n->langs[i];

		cgi_out_raw(d->out, "<li><a href=\"");
		dash_href(d, "lang?set=");
		cgi_out_urlenc(d->out, l->tag);
		cgi_out_raw(d->out, "&amp;back=");
		cgi_out_urlenc(d->out, page);
		if (strcmp(page, "child") == 0) {
			if (id != NULL) {
				cgi_out_raw(d->out, "&amp;id=");
				cgi_out_urlenc(d->out, id);
			}
			if (day != NULL) {
				cgi_out_raw(d->out, "&amp;day=");
				cgi_out_urlenc(d->out, day);
			}
			if (range != NULL) {
				cgi_out_raw(d->out, "&amp;range=");
				cgi_out_urlenc(d->out, range);
			}
		}
		cgi_out_raw(d->out, "\" hreflang=\"");
		cgi_out_html(d->out, l->tag);
		cgi_out_raw(d->out, "\" lang=\"");
		cgi_out_html(d->out, l->tag);
		cgi_out_raw(d->out, "\"");
		if (l == d->lang)
			cgi_out_raw(d->out, " aria-current=\"true\"");
		cgi_out_raw(d->out, ">");
		cgi_out_html(d->out, l->name);
		cgi_out_raw(d->out, "</a></li>");
	}
	cgi_out_raw(d->out, "</ul></nav>");
}

void
dash_page_head(struct dash *d, const char *title)
{
	cgi_out_raw(d->out, "<!doctype html>\n<html lang=\"");
	cgi_out_html(d->out, d->lang->tag);
	cgi_out_raw(d->out, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"same-origin\"><title>");
	cgi_out_html(d->out, title);
	cgi_out_raw(d->out, " — ");
	cgi_out_html(d->out, dash_t(d, "app.name"));
	cgi_out_raw(d->out, "</title><style>");
	cgi_out_raw(d->out, dash_css);
	cgi_out_raw(d->out, "</style></head><body><a class=\"skip\" href=\"#main\">");
	cgi_out_html(d->out, dash_t(d, "nav.skip"));
	cgi_out_raw(d->out, "</a><header><a class=\"brand\" href=\"");
	dash_href(d, d->staff_area ? "staff" : "");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, d->staff_area ? "staff.app" : "app.name"));
	cgi_out_raw(d->out, "</a>");
	if (d->staff_area) {
		dash_staff_nav(d);
		cgi_out_raw(d->out, "</header><main id=\"main\">");
		return;
	}
	cgi_out_raw(d->out, "<nav aria-label=\"");
	cgi_out_html(d->out, dash_t(d, "nav.label"));
	cgi_out_raw(d->out, "\"><ul>");
	if (d->authed) {
		cgi_out_raw(d->out, "<li><a href=\"");
		dash_href(d, "");
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, "nav.home"));
		cgi_out_raw(d->out, "</a></li>");
	}
	if (d->authed) {
		cgi_out_raw(d->out, "<li><a href=\"");
		dash_href(d, "notify");
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, "nav.notify"));
		cgi_out_raw(d->out, "</a></li>");
	}
	cgi_out_raw(d->out, "<li><a href=\"");
	dash_href(d, "terms");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "nav.terms"));
	cgi_out_raw(d->out, "</a></li>");
	if (d->authed) {
		cgi_out_raw(d->out, "<li><form method=\"post\" action=\"");
		dash_href(d, "logout");
		cgi_out_raw(d->out, "\">");
		dash_csrf_field(d);
		cgi_out_raw(d->out, "<button type=\"submit\">");
		cgi_out_html(d->out, dash_t(d, "nav.logout"));
		cgi_out_raw(d->out, "</button></form></li>");
	} else {
		cgi_out_raw(d->out, "<li><a href=\"");
		dash_href(d, "login");
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, "nav.login"));
		cgi_out_raw(d->out, "</a></li>");
	}
	cgi_out_raw(d->out, "</ul></nav></header><main id=\"main\">");
}

/* One way to reach the district: "Phone: (555) 010-0100", the link built from checked parts. */
static void
dash_contact_item(struct dash *d, const char *key, const char *scheme,
    const char *href, const char *text)
{
	cgi_out_raw(d->out, "<li>");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, ": <a href=\"");
	cgi_out_raw(d->out, scheme);
	cgi_out_html(d->out, href);
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, text);
	cgi_out_raw(d->out, "</a></li>");
}

/*
 * Who to ask, on every page and before login too: a parent who cannot log
 * in needs it most.  aup.yaml's values were validated when it was loaded;
 * they are escaped here all the same.
 */
static void
dash_contact(struct dash *d)
{
	const struct aup_contact	*c = d->aup != NULL ? d->aup->contact : NULL;
	const char			*hours, *web;

	if (c == NULL)
		return;
	cgi_out_raw(d->out, "<div id=\"contact\"><h2>");
	cgi_out_html(d->out, dash_t(d, "contact.title"));
	cgi_out_raw(d->out, "</h2><p>");
	cgi_out_html(d->out, aup_contact_name(c, d->lang->tag));
	if ((hours = aup_contact_hours(c, d->lang->tag)) != NULL) {
		cgi_out_raw(d->out, "<br><span class=\"muted\">");
		cgi_out_html(d->out, hours);
		cgi_out_raw(d->out, "</span>");
	}
	cgi_out_raw(d->out, "</p><ul>");
	if (c->phone != NULL)
		dash_contact_item(d, "contact.phone", "tel:", c->tel, c->phone);
	if (c->email != NULL)
		dash_contact_item(d, "contact.email", "mailto:", c->email, c->email);
	if (c->url != NULL) {
		/* Shown without the scheme: shorter on a phone, and what people type. */
		web = c->url + (strncmp(c->url, "https://", 8) == 0 ? 8 : 7);
		dash_contact_item(d, "contact.web", "", c->url, web);
	}
	cgi_out_raw(d->out, "</ul></div>");
}

void
dash_page_foot(struct dash *d)
{
	cgi_out_raw(d->out, "</main><footer>");
	dash_contact(d);
	cgi_out_raw(d->out, "<h2>");
	cgi_out_html(d->out, dash_t(d, "nav.language"));
	cgi_out_raw(d->out, "</h2>");
	dash_lang_links(d, d->page);
	cgi_out_raw(d->out, "</footer></body></html>\n");
}

void
dash_error(struct dash *d, int status, const char *key)
{
	/* Keep the security headers and cookies already decided; drop a half-built page. */
	cgi_buf_free(&d->out->body);
	d->out->status = status;
	dash_page_head(d, dash_t(d, "err.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "err.title"));
	cgi_out_raw(d->out, "</h1><p class=\"error\" role=\"alert\">");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "</p><p><a href=\"");
	dash_href(d, d->staff_area ? "staff" : "");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "err.back"));
	cgi_out_raw(d->out, "</a></p>");
	dash_page_foot(d);
}

static void
dash_error_500(struct dash *d)
{
	dash_error(d, 500, "err.server");
}

/* ---- forms used before login carry a double-submit token: cookie hp_pre == field csrf. */

static void
dash_pre_token(struct dash *d)
{
	const char	*c = cgi_kv_get(&d->req->cookies, DASH_COOKIE_PRE);
	uint8_t		 b[STORE_CSRF_LEN];

	if (c != NULL && auth_unhex(c, b, sizeof(b)) == 0) {
		snprintf(d->pre_hex, sizeof(d->pre_hex), "%s", c);
		return;
	}
	randombytes_buf(b, sizeof(b));
	auth_hex(b, sizeof(b), d->pre_hex);
	dash_set_cookie(d, DASH_COOKIE_PRE, d->pre_hex, 3600);
}

static int
dash_pre_ok(const struct dash *d)
{
	const char	*c = cgi_kv_get(&d->req->cookies, DASH_COOKIE_PRE);
	const char	*f = cgi_kv_get(&d->req->form, "csrf");

	if (c == NULL || f == NULL || strlen(c) != 2 * STORE_CSRF_LEN ||
	    strlen(f) != strlen(c))
		return 0;
	return sodium_memcmp(c, f, strlen(c)) == 0;
}

static const char *
dash_field(const struct dash *d, const char *name)
{
	const char	*v = cgi_kv_get(&d->req->form, name);

	return v != NULL ? v : "";
}

/* ---- login */

static void
dash_login_form(struct dash *d, const char *msg_key, const char *user)
{
	dash_page_head(d, dash_t(d, "login.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "login.title"));
	cgi_out_raw(d->out, "</h1>");
	if (msg_key != NULL) {
		cgi_out_raw(d->out, "<p class=\"error\" role=\"alert\">");
		cgi_out_html(d->out, dash_t(d, msg_key));
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "<section><form method=\"post\" action=\"");
	dash_href(d, "login");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	cgi_out_raw(d->out, "<label for=\"user\">");
	cgi_out_html(d->out, dash_t(d, "login.user"));
	cgi_out_raw(d->out, "</label><input id=\"user\" name=\"user\" type=\"text\" "
	    "autocomplete=\"username\" required maxlength=\"254\" value=\"");
	cgi_out_html(d->out, user);
	cgi_out_raw(d->out, "\"><label for=\"password\">");
	cgi_out_html(d->out, dash_t(d, "login.password"));
	cgi_out_raw(d->out, "</label><input id=\"password\" name=\"password\" "
	    "type=\"password\" autocomplete=\"current-password\" required>"
	    "<button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "login.submit"));
	cgi_out_raw(d->out, "</button></form></section><p>");
	cgi_out_html(d->out, dash_t(d, "login.new"));
	cgi_out_raw(d->out, " <a href=\"");
	dash_href(d, "enrol");
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, "enrol.link"));
	cgi_out_raw(d->out, "</a></p>");
	dash_page_foot(d);
}

/*
 * A guardian by id, by the roster's e-mail address (case-insensitive), or by
 * the username or phone number they chose at enrolment (families without
 * e-mail).  0 with *out set (NULL: nobody), -1 on a store error.
 */
static int
dash_guardian_lookup(struct dash *d, const char *user,
    const struct policy_guardian **out)
{
	const struct policy_guardian	*g;
	const char			*email;
	char				 norm[AUTH_LOGIN_MAX], gid[80];
	int				 rc;

	*out = NULL;
	if ((g = policy_guardian_find(d->pol, user)) != NULL) {
		*out = g;
		return 0;
	}
	for (size_t i = 0; i < policy_guardian_count(d->pol); i++) {
		g = policy_guardian_at(d->pol, i);
		email = policy_guardian_email(g);
		if (email != NULL && strcasecmp(email, user) == 0) {
			*out = g;
			return 0;
		}
	}
	if (auth_login_norm(user, norm) == -1)
		return 0;
	if ((rc = store_login_find(d->st, norm, gid, sizeof(gid), d->err,
	    sizeof(d->err))) == -1)
		return -1;
	if (rc == 0)
		*out = policy_guardian_find(d->pol, gid);
	return 0;
}

/*
 * The language a guardian reads: the roster's (the district's record) when
 * there is a file for it, else the one they chose (at enrolment or in the
 * language menu), else NULL.  Letters use the same rule (cli/cmd_letters.c).
 */
static const struct i18n_lang *
dash_guardian_lang(struct dash *d, const struct policy_guardian *g)
{
	const struct i18n_lang	*l;
	char			 lang[36];

	if ((l = i18n_match(d->i18n, policy_guardian_language(g))) != NULL)
		return l;
	if (store_login_get(d->st, policy_guardian_id(g), NULL, 0, lang,
	    sizeof(lang), NULL, 0) == 0 && *lang != '\0')
		return i18n_match(d->i18n, lang);
	return NULL;
}

static int
dash_start_session(struct dash *d, const char *guardian_id)
{
	char	 tok[AUTH_TOKEN_HEX];

	if (auth_session_new(d->st, guardian_id, d->lang->tag, d->now_ms, tok, d->err,
	    sizeof(d->err)) == -1)
		return -1;
	dash_set_cookie(d, DASH_COOKIE_SESSION, tok,
	    (long)(AUTH_ABSOLUTE_MS / 1000));
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

/*
 * Takes an argon2 slot, waiting for one: at most AUTH_ARGON2_MAX of these
 * 64 MiB computations run at once, however many requests arrive.  -1 when
 * there is no cap (no run directory: the unit tests; or it is broken, said
 * in the log): the work is done anyway, a sign-in must not fail for this.
 */
int
dash_argon2_take(struct dash *d)
{
	char	err[300];
	int	fd;

	if (d->rundir == NULL)
		return -1;
	if (auth_slot_take(d->rundir, AUTH_ARGON2_MAX, 1, &fd, err, sizeof(err)) == -1) {
		log_warnx("%s: argon2 runs uncapped", err);
		return -1;
	}
	return fd;
}

/* What was typed as a user name, fit for one log line. */
static void
dash_log_name(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen && i < 64; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f || in[i] == '"' ||
		    in[i] == '\\' ? '?' : in[i];
	out[i] = '\0';
}

void
dash_throttled(struct dash *d, int64_t retry_ms, void (*form)(struct dash *, const char *,
    const char *), const char *user)
{
	char secs[24];

	d->out->status = 429;
	snprintf(secs, sizeof(secs), "%lld", (long long)((retry_ms + 999) / 1000));
	log_info("sign-in from %s delayed %s s (no password checked)", d->req->remote_addr, secs);
	cgi_out_header(d->out, "Retry-After", secs);
	form(d, "login.throttled", user);
}

static void
dash_login_post(struct dash *d)
{
	const struct policy_guardian	*g;
	const char			*user = dash_field(d, "user");
	const char			*pw = dash_field(d, "password");
	char				 hash[STORE_PWHASH_MAX], name[80];
	const char			*acct;
	int64_t				 retry;
	int				 rc, slot, wrong;

	if (strlen(user) > 254 || strlen(pw) > AUTH_PW_MAX) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	/* Housekeeping rides on logins: old attempts and dead sessions are of no use to anyone. */
	if (store_failure_purge(d->st, d->now_ms - AUTH_WINDOW_MS, d->err,
	    sizeof(d->err)) == -1 || store_sessions_purge(d->st, d->now_ms,
	    AUTH_IDLE_MS, d->err, sizeof(d->err)) == -1) {
		dash_error_500(d);
		return;
	}
	if (dash_guardian_lookup(d, user, &g) == -1) {
		dash_error_500(d);
		return;
	}
	/* An unknown name is throttled under what was typed, so probing it costs the same. */
	acct = g != NULL ? policy_guardian_id(g) : user;
	/* Counted and recorded before any password work: parallel guesses cannot all pass. */
	if ((rc = auth_attempt(d->st, acct, d->req->remote_addr, d->now_ms, &retry, d->err,
	    sizeof(d->err))) == -1) {
		dash_error_500(d);
		return;
	}
	if (rc == 1) {
		dash_throttled(d, retry, dash_login_form, user);
		return;
	}
	rc = g == NULL ? 1 : store_account_get(d->st, policy_guardian_id(g), hash,
	    sizeof(hash), d->err, sizeof(d->err));
	if (rc == -1) {
		dash_error_500(d);
		return;
	}
	/* No account costs the same argon2 work as a wrong password. */
	slot = dash_argon2_take(d);
	wrong = auth_pw_check(rc == 0 ? hash : NULL, pw);
	auth_slot_give(slot);
	if (wrong != 0) {
		/* One line per password checked: what fail2ban reads, and what the tests count. */
		dash_log_name(acct, name, sizeof(name));
		log_info("sign-in from %s: password checked for \"%s\": wrong", d->req->remote_addr,
		    name);
		d->out->status = 403;
		dash_login_form(d, "login.failed", user);
		return;
	}
	/* The session remembers the guardian's language for a device that never chose one. */
	if (cgi_kv_get(&d->req->cookies, DASH_COOKIE_LANG) == NULL) {
		const struct i18n_lang	*l = dash_guardian_lang(d, g);

		if (l != NULL)
			d->lang = l;
	}
	if (auth_attempt_ok(d->st, acct, d->req->remote_addr, d->now_ms, d->err,
	    sizeof(d->err)) == -1 ||
	    dash_start_session(d, policy_guardian_id(g)) == -1) {
		dash_error_500(d);
		return;
	}
	(void)store_audit(d->st, d->now_ms, policy_guardian_id(g), "login",
	    d->req->remote_addr, NULL, 0);
	dash_redirect(d, "");
}

/* ---- enrolment */

static void
dash_enrol_form(struct dash *d, const char *msg_key, const char *login)
{
	dash_page_head(d, dash_t(d, "enrol.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "enrol.title"));
	cgi_out_raw(d->out, "</h1><p>");
	cgi_out_html(d->out, dash_t(d, "enrol.intro"));
	cgi_out_raw(d->out, "</p>");
	if (msg_key != NULL) {
		cgi_out_raw(d->out, "<p class=\"error\" role=\"alert\">");
		cgi_out_html(d->out, dash_t(d, msg_key));
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "<section><form method=\"post\" action=\"");
	dash_href(d, "enrol");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	cgi_out_raw(d->out, "<label for=\"code\">");
	cgi_out_html(d->out, dash_t(d, "enrol.code"));
	cgi_out_raw(d->out, "</label><input id=\"code\" name=\"code\" type=\"text\" "
	    "autocomplete=\"one-time-code\" autocapitalize=\"characters\" required "
	    "maxlength=\"40\"><label for=\"login\">");
	/* Families without e-mail sign in with a name or phone number of their own. */
	cgi_out_html(d->out, dash_t(d, "enrol.login"));
	cgi_out_raw(d->out, "</label><input id=\"login\" name=\"login\" type=\"text\" "
	    "autocomplete=\"username\" autocapitalize=\"none\" maxlength=\"64\" "
	    "aria-describedby=\"loginhelp\" value=\"");
	cgi_out_html(d->out, login);
	cgi_out_raw(d->out, "\"><p id=\"loginhelp\" class=\"muted\">");
	cgi_out_html(d->out, dash_t(d, "enrol.loginhelp"));
	cgi_out_raw(d->out, "</p><label for=\"lang\">");
	cgi_out_html(d->out, dash_t(d, "enrol.lang"));
	cgi_out_raw(d->out, "</label><select id=\"lang\" name=\"lang\">");
	for (size_t i = 0; i < d->i18n->n; i++) {
		const struct i18n_lang *l = &d->i18n->langs[i];

		cgi_out_raw(d->out, "<option value=\"");
		cgi_out_html(d->out, l->tag);
		cgi_out_raw(d->out, "\" lang=\"");
		cgi_out_html(d->out, l->tag);
		cgi_out_raw(d->out, l == d->lang ? "\" selected>" : "\">");
		cgi_out_html(d->out, l->name);
		cgi_out_raw(d->out, "</option>");
	}
	cgi_out_raw(d->out, "</select><label for=\"password\">");
	cgi_out_html(d->out, dash_t(d, "enrol.password"));
	cgi_out_raw(d->out, "</label><input id=\"password\" name=\"password\" "
	    "type=\"password\" autocomplete=\"new-password\" required ");
	cgi_out_printf(d->out, "minlength=\"%d\" maxlength=\"%d\" "
	    "aria-describedby=\"pwhelp\"><p id=\"pwhelp\" class=\"muted\">",
	    AUTH_PW_MIN, AUTH_PW_MAX);
	cgi_out_html(d->out, dash_t(d, "enrol.pwhelp"));
	cgi_out_raw(d->out, "</p><label for=\"password2\">");
	cgi_out_html(d->out, dash_t(d, "enrol.password2"));
	cgi_out_raw(d->out, "</label><input id=\"password2\" name=\"password2\" "
	    "type=\"password\" autocomplete=\"new-password\" required>"
	    "<button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "enrol.submit"));
	cgi_out_raw(d->out, "</button></form></section>");
	dash_page_foot(d);
}

static void
dash_enrol_post(struct dash *d)
{
	const char	*code = dash_field(d, "code");
	const char	*pw = dash_field(d, "password");
	const char	*pw2 = dash_field(d, "password2");
	const char	*login = dash_field(d, "login");
	const char	*langf = dash_field(d, "lang");
	const struct i18n_lang		*chosen = i18n_find(d->i18n, langf);
	const struct policy_guardian	*g, *other;
	uint8_t		 ch[STORE_HASH_LEN];
	char		 gid[80], hash[STORE_PWHASH_MAX];
	char		 norm[AUTH_LOGIN_MAX], had[AUTH_LOGIN_MAX];
	const char	*canon = NULL;
	int64_t		 retry;
	int		 rc, slot;

	if (strlen(login) > 254 || (*langf != '\0' && chosen == NULL)) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	if (chosen == NULL)
		chosen = d->lang;
	/* The form comes back in the language just chosen. */
	d->lang = chosen;
	/*
	 * Checked before the code is spent (a typo must not burn the invitation),
	 * and before the throttle: a form refused here guessed nothing.
	 */
	if (auth_pw_acceptable(pw) == -1) {
		d->out->status = 400;
		dash_enrol_form(d, "enrol.pwshort", login);
		return;
	}
	if (strcmp(pw, pw2) != 0) {
		d->out->status = 400;
		dash_enrol_form(d, "enrol.pwmismatch", login);
		return;
	}
	if (*login != '\0') {
		if (auth_login_norm(login, norm) == -1) {
			d->out->status = 400;
			dash_enrol_form(d, "enrol.badname", login);
			return;
		}
		canon = norm;
	}
	if ((rc = auth_attempt(d->st, NULL, d->req->remote_addr, d->now_ms, &retry, d->err,
	    sizeof(d->err))) != 0) {
		if (rc == -1) {
			dash_error_500(d);
			return;
		}
		dash_throttled(d, retry, dash_enrol_form, login);
		return;
	}
	/* Whose code it is, without spending it: the sign-in name is checked against them first. */
	rc = auth_invite_hash(code, ch) == -1 ? 1 : store_invite_peek(d->st, ch, d->now_ms,
	    gid, sizeof(gid), d->err, sizeof(d->err));
	if (rc == -1) {
		dash_error_500(d);
		return;
	}
	if (rc == 1 || (g = policy_guardian_find(d->pol, gid)) == NULL) {
		d->out->status = 403;
		dash_enrol_form(d, "enrol.badcode", login);
		return;
	}
	/* Without an e-mail in the roster a guardian needs a name of their own to sign in with. */
	if (canon == NULL && policy_guardian_email(g) == NULL) {
		if ((rc = store_login_get(d->st, gid, had, sizeof(had), NULL, 0, d->err,
		    sizeof(d->err))) == -1) {
			dash_error_500(d);
			return;
		}
		if (rc == 1 || *had == '\0') {
			d->out->status = 400;
			dash_enrol_form(d, "enrol.needname", login);
			return;
		}
	}
	/* Another guardian's id would win the lookup at sign-in: not a name anyone can take. */
	if (canon != NULL && (other = policy_guardian_find(d->pol, canon)) != NULL &&
	    other != g) {
		d->out->status = 409;
		dash_enrol_form(d, "enrol.nametaken", login);
		return;
	}
	/* The name is the code's guardian's: claiming it spends nothing, a taken one burns no code. */
	if ((rc = store_login_set(d->st, gid, canon, chosen->tag, d->now_ms, d->err,
	    sizeof(d->err))) == -1) {
		dash_error_500(d);
		return;
	}
	if (rc == 1) {
		d->out->status = 409;
		dash_enrol_form(d, "enrol.nametaken", login);
		return;
	}
	/*
	 * The code is spent before any password work: a guesser costs us one
	 * lookup, not argon2, and parallel requests with one good code hash once.
	 */
	rc = store_invite_consume(d->st, ch, d->now_ms, gid, sizeof(gid), d->err,
	    sizeof(d->err));
	if (rc == -1) {
		dash_error_500(d);
		return;
	}
	if (rc == 1 || policy_guardian_find(d->pol, gid) == NULL) {
		d->out->status = 403;
		dash_enrol_form(d, "enrol.badcode", login);
		return;
	}
	slot = dash_argon2_take(d);
	rc = auth_pw_hash(pw, hash, sizeof(hash));
	auth_slot_give(slot);
	if (rc == -1) {
		/* Only out of memory: the code is spent, IT makes a new one. */
		snprintf(d->err, sizeof(d->err), "crypto_pwhash_str failed (memory?)");
		dash_error_500(d);
		return;
	}
	dash_set_cookie(d, DASH_COOKIE_LANG, chosen->tag, 365L * 24 * 3600);
	/* A new password ends every earlier session (an invite doubles as a reset). */
	if (auth_attempt_ok(d->st, NULL, d->req->remote_addr, d->now_ms, d->err,
	    sizeof(d->err)) == -1 ||
	    store_account_set(d->st, gid, hash, d->now_ms, d->err,
	    sizeof(d->err)) == -1 ||
	    store_sessions_delete_guardian(d->st, gid, d->err, sizeof(d->err)) == -1 ||
	    dash_start_session(d, gid) == -1) {
		dash_error_500(d);
		return;
	}
	(void)store_audit(d->st, d->now_ms, gid, "enrol", d->req->remote_addr, NULL, 0);
	dash_redirect(d, "");
}

/* ---- logout */

static void
dash_logout_post(struct dash *d)
{
	if (d->authed && store_session_delete(d->st, d->token_hash, d->err,
	    sizeof(d->err)) == -1) {
		dash_error_500(d);
		return;
	}
	if (d->authed)
		(void)store_audit(d->st, d->now_ms, d->sess.guardian_id, "logout", NULL,
		    NULL, 0);
	dash_set_cookie(d, DASH_COOKIE_SESSION, "", 0);
	dash_redirect(d, "login");
}

/* ---- terms */

static void
dash_paragraphs(struct dash *d, const char *body)
{
	const char	*p = body, *e;

	/* Plain text: blank lines separate paragraphs; nothing in it is markup. */
	while (*p != '\0') {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		if ((e = strstr(p, "\n\n")) == NULL)
			e = p + strlen(p);
		cgi_out_raw(d->out, "<p>");
		cgi_out_htmln(d->out, p, (size_t)(e - p));
		cgi_out_raw(d->out, "</p>");
		p = e;
	}
}

void
dash_date_ms(const struct dash *d, int64_t ms, char *buf, size_t len)
{
	struct tz_tm	 t;
	char		 day[96], tm[32];

	tz_localtime(d->tz, ms / 1000, &t);
	i18n_date(d->lang, t.year, t.mon, t.mday, t.wday, 1, day, sizeof(day));
	dash_time(d, t.hour, t.min, tm, sizeof(tm));
	snprintf(buf, len, "%s %s", day, tm);
}

static void
dash_terms(struct dash *d, int just_acked)
{
	const struct aup_text	*t = aup_text(d->aup, d->lang->tag);
	struct dash_day		 eff;
	char			 buf[160], ver[32], when[160];
	const char		*args[2];
	int64_t			 ts;
	int			 rc = 1;

	if (d->authed && (rc = store_aup_acked(d->st, d->sess.guardian_id,
	    d->aup->version, &ts, d->err, sizeof(d->err))) == -1) {
		dash_error_500(d);
		return;
	}
	dash_page_head(d, t->title);
	cgi_out_raw(d->out, "<h1");
	/* The terms may exist only in English: say which language the text is in. */
	if (strcasecmp(t->lang, d->lang->tag) != 0) {
		cgi_out_raw(d->out, " lang=\"");
		cgi_out_html(d->out, t->lang);
		cgi_out_raw(d->out, "\"");
	}
	cgi_out_raw(d->out, ">");
	cgi_out_html(d->out, t->title);
	cgi_out_raw(d->out, "</h1><p class=\"muted\">");
	snprintf(ver, sizeof(ver), "%ld", d->aup->version);
	if (dash_day_parse(d->aup->effective, &eff) == 0)
		i18n_date(d->lang, eff.y, eff.m, eff.d, eff.wday, 1, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", d->aup->effective);
	args[0] = ver;
	args[1] = buf;
	i18n_fmt(d->lang, when, sizeof(when), "terms.version", 2, args);
	cgi_out_html(d->out, when);
	cgi_out_raw(d->out, "</p>");
	if (just_acked) {
		cgi_out_raw(d->out, "<p class=\"ok\" role=\"status\">");
		cgi_out_html(d->out, dash_t(d, "terms.thanks"));
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "<section");
	if (strcasecmp(t->lang, d->lang->tag) != 0) {
		cgi_out_raw(d->out, " lang=\"");
		cgi_out_html(d->out, t->lang);
		cgi_out_raw(d->out, "\"");
	}
	cgi_out_raw(d->out, ">");
	{
		char *body = aup_render(t->body, d->periods);

		if (body == NULL) {
			hp_errf(d->err, sizeof(d->err), "terms: out of memory");
			dash_error_500(d);
			return;
		}
		dash_paragraphs(d, body);
		free(body);
	}
	cgi_out_raw(d->out, "</section>");
	if (d->authed && rc == 0) {
		dash_date_ms(d, ts, buf, sizeof(buf));
		args[0] = ver;
		args[1] = buf;
		i18n_fmt(d->lang, when, sizeof(when), "terms.acked", 2, args);
		cgi_out_raw(d->out, "<p class=\"ok\" id=\"acked\">");
		cgi_out_html(d->out, when);
		cgi_out_raw(d->out, "</p>");
	} else if (d->authed) {
		cgi_out_raw(d->out, "<form method=\"post\" action=\"");
		dash_href(d, "terms");
		cgi_out_raw(d->out, "\">");
		dash_csrf_field(d);
		cgi_out_printf(d->out, "<input type=\"hidden\" name=\"version\" "
		    "value=\"%ld\"><button type=\"submit\" id=\"ack\">", d->aup->version);
		cgi_out_html(d->out, dash_t(d, "terms.ack"));
		cgi_out_raw(d->out, "</button></form>");
	} else {
		cgi_out_raw(d->out, "<p class=\"muted\">");
		cgi_out_html(d->out, dash_t(d, "terms.login"));
		cgi_out_raw(d->out, "</p>");
	}
	dash_page_foot(d);
}

static void
dash_terms_post(struct dash *d)
{
	const char	*v = dash_field(d, "version");
	char		 want[32];

	snprintf(want, sizeof(want), "%ld", d->aup->version);
	/* The version the parent read: terms replaced while the page was open must be read again. */
	if (strcmp(v, want) != 0) {
		dash_error(d, 409, "terms.changed");
		return;
	}
	if (store_aup_ack(d->st, d->sess.guardian_id, d->aup->version, d->now_ms,
	    d->err, sizeof(d->err)) == -1) {
		dash_error_500(d);
		return;
	}
	(void)store_audit(d->st, d->now_ms, d->sess.guardian_id, "aup-ack", want,
	    NULL, 0);
	dash_redirect(d, "terms?acked=1");
}

/* ---- language */

static int
dash_param_ok(const char *v, size_t max)
{
	size_t	 n = v ? strlen(v) : 0;

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' ||
		    v[i] == '.'))
			return 0;
	return 1;
}

static void
dash_lang(struct dash *d)
{
	static const char *const pages[] = { "", "terms", "login", "enrol", "child",
		"notify", "staff", "staff/login", "staff/setup", "staff/engagement", "staff/audit",
		NULL };
	const struct i18n_lang	*l = i18n_find(d->i18n, cgi_kv_get(&d->req->query,
	    "set"));
	const char		*back = cgi_kv_get(&d->req->query, "back");
	const char		*id = cgi_kv_get(&d->req->query, "id");
	const char		*day = cgi_kv_get(&d->req->query, "day");
	const char		*range = cgi_kv_get(&d->req->query, "range");
	char			 loc[256];
	size_t			 i;

	if (l == NULL) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	dash_set_cookie(d, DASH_COOKIE_LANG, l->tag, 365L * 24 * 3600);
	d->lang = l;
	/* A logged-in guardian's choice is theirs on every device (and on their next letter). */
	if (d->authed && store_login_set(d->st, d->sess.guardian_id, NULL, l->tag,
	    d->now_ms, d->err, sizeof(d->err)) == -1) {
		dash_error_500(d);
		return;
	}
	for (i = 0; back != NULL && pages[i] != NULL && strcmp(back, pages[i]) != 0; i++)
		;
	if (back == NULL || pages[i] == NULL)
		back = "";
	/* Only ids, days and ranges made of safe characters ride along to the redirect. */
	if (strcmp(back, "child") == 0 && dash_param_ok(id, 64)) {
		snprintf(loc, sizeof(loc), "child?id=%s%s%s%s%s", id,
		    dash_param_ok(day, 10) ? "&day=" : "", dash_param_ok(day, 10) ? day : "",
		    dash_param_ok(range, 8) ? "&range=" : "",
		    dash_param_ok(range, 8) ? range : "");
		dash_redirect(d, loc);
	} else
		dash_redirect(d, strcmp(back, "child") == 0 ? "" : back);
}

/* ---- home */

struct dash_sum {
	int64_t	 visits, blocked;
};

static int
dash_sum_cb(const struct store_usage *u, void *arg)
{
	struct dash_sum	*s = arg;

	s->visits += u->visits;
	s->blocked += u->blocked;
	return 0;
}

static void
dash_home(struct dash *d)
{
	const char	*args[1];
	char		 buf[256], today[11], n1[32], n2[32];
	int		 rc;

	if ((rc = store_aup_acked(d->st, d->sess.guardian_id, d->aup->version, NULL,
	    d->err, sizeof(d->err))) == -1) {
		dash_error_500(d);
		return;
	}
	args[0] = policy_guardian_name(d->guardian);
	i18n_fmt(d->lang, buf, sizeof(buf), "home.hello", 1, args);
	dash_page_head(d, dash_t(d, "home.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, buf);
	cgi_out_raw(d->out, "</h1>");
	if (rc == 1) {
		cgi_out_raw(d->out, "<p class=\"notice\" id=\"terms-notice\">");
		cgi_out_html(d->out, dash_t(d, "home.terms"));
		cgi_out_raw(d->out, " <a href=\"");
		dash_href(d, "terms");
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, "home.terms.link"));
		cgi_out_raw(d->out, "</a></p>");
	}
	cgi_out_raw(d->out, "<h2>");
	cgi_out_html(d->out, dash_t(d, "home.children"));
	cgi_out_raw(d->out, "</h2>");
	dash_today(d, today);
	for (size_t i = 0; i < policy_guardian_nstudents(d->guardian); i++) {
		const struct policy_student	*s = policy_guardian_student(d->guardian, i);
		struct dash_sum			 sum = { 0, 0 };
		const char			*a2[2];

		if (store_usage_hours(DASH_ACT(d), policy_student_id(s), today, today,
		    dash_sum_cb, &sum, d->err, sizeof(d->err)) == -1) {
			dash_error_500(d);
			return;
		}
		cgi_out_raw(d->out, "<section><h3>");
		cgi_out_html(d->out, policy_student_name(s));
		cgi_out_raw(d->out, "</h3><p>");
		i18n_num(d->lang, sum.visits, n1, sizeof(n1));
		i18n_num(d->lang, sum.blocked, n2, sizeof(n2));
		a2[0] = n1;
		a2[1] = n2;
		i18n_fmt(d->lang, buf, sizeof(buf), "home.today", 2, a2);
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, "</p><p><a class=\"button\" href=\"");
		dash_href(d, "child?id=");
		cgi_out_urlenc(d->out, policy_student_id(s));
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, "home.view.today"));
		cgi_out_raw(d->out, "</a> <a class=\"button\" href=\"");
		dash_href(d, "child?id=");
		cgi_out_urlenc(d->out, policy_student_id(s));
		cgi_out_raw(d->out, "&amp;range=week\">");
		cgi_out_html(d->out, dash_t(d, "home.view.week"));
		cgi_out_raw(d->out, "</a></p></section>");
	}
	dash_page_foot(d);
}

/* ---- the request */

static void
dash_security_headers(struct cgi_out *o)
{
	cgi_out_header(o, "Cache-Control", "no-store");
	cgi_out_header(o, "X-Content-Type-Options", "nosniff");
	cgi_out_header(o, "X-Frame-Options", "DENY");
	/* Not no-referrer: with it Chromium sends "Origin: null" on our own form posts. */
	cgi_out_header(o, "Referrer-Policy", "same-origin");
	/* No script at all; the one stylesheet is inline. */
	cgi_out_header(o, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
}

/* A POST from another origin is refused even before its token is looked at. */
static int
dash_origin_ok(const struct dash *d)
{
	const char	*o = d->req->origin;
	const char	*h = d->req->host;

	if (*o == '\0')
		return 1;
	if (strncmp(o, "https://", 8) == 0)
		o += 8;
	else if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else
		return 0;
	return *h != '\0' && strcmp(o, h) == 0;
}

static int
dash_auth(struct dash *d)
{
	const char	*tok = cgi_kv_get(&d->req->cookies, DASH_COOKIE_SESSION);
	int		 rc;

	if (tok == NULL || *tok == '\0')
		return 0;
	if ((rc = auth_session_load(d->st, tok, d->now_ms, &d->sess, d->token_hash,
	    d->err, sizeof(d->err))) == -1)
		return -1;
	if (rc == 1)
		return 0;
	/* A guardian removed from policy.yaml loses access at once. */
	if ((d->guardian = policy_guardian_find(d->pol, d->sess.guardian_id)) == NULL)
		return 0;
	d->authed = 1;
	auth_hex(d->sess.csrf, sizeof(d->sess.csrf), d->csrf_hex);
	/* A device that never chose a language reads the one the session began with. */
	if (i18n_find(d->i18n, cgi_kv_get(&d->req->cookies, DASH_COOKIE_LANG)) == NULL &&
	    i18n_find(d->i18n, d->sess.lang) != NULL)
		d->lang = i18n_find(d->i18n, d->sess.lang);
	return 0;
}

/*
 * Who may use a route.  GUEST pages (login, enrol) send a logged-in parent
 * home on GET so they never hold two sessions; REQUIRED pages redirect a GET
 * to the login page and refuse a POST, whose form could not have come from us.
 */
enum dash_auth_need { DASH_AUTH_NONE = 0, DASH_AUTH_GUEST, DASH_AUTH_REQUIRED,
	DASH_AUTH_STAFF_GUEST, DASH_AUTH_STAFF };

/*
 * Which token a POST must carry.  SESSION is the session's token, checked
 * whenever there is a session (logout without one has nothing to protect);
 * PRE is the hp_pre double-submit cookie of the forms used before a session
 * exists, handed out on every request to such a page.
 */
enum dash_csrf_need { DASH_CSRF_NONE = 0, DASH_CSRF_SESSION, DASH_CSRF_PRE,
	DASH_CSRF_STAFF };

struct dash_route {
	const char		*path;
	enum cgi_method		 method;	/* CGI_GET also serves HEAD */
	void			(*handler)(struct dash *);
	enum dash_auth_need	 auth;
	enum dash_csrf_need	 csrf;
};

static void
dash_login_get(struct dash *d)
{
	dash_login_form(d, NULL, "");
}

static void
dash_enrol_get(struct dash *d)
{
	dash_enrol_form(d, NULL, "");
}

static void
dash_terms_get(struct dash *d)
{
	dash_terms(d, cgi_kv_get(&d->req->query, "acked") != NULL);
}

/* Every page of the dashboard: docs/dashboard.md's table of pages is this one. */
static const struct dash_route dash_routes[] = {
	{ "",		CGI_GET,	dash_home,		DASH_AUTH_REQUIRED,	DASH_CSRF_NONE },
	{ "login",	CGI_GET,	dash_login_get,		DASH_AUTH_GUEST,	DASH_CSRF_PRE },
	{ "login",	CGI_POST,	dash_login_post,	DASH_AUTH_GUEST,	DASH_CSRF_PRE },
	{ "enrol",	CGI_GET,	dash_enrol_get,		DASH_AUTH_GUEST,	DASH_CSRF_PRE },
	{ "enrol",	CGI_POST,	dash_enrol_post,	DASH_AUTH_GUEST,	DASH_CSRF_PRE },
	{ "logout",	CGI_POST,	dash_logout_post,	DASH_AUTH_NONE,		DASH_CSRF_SESSION },
	{ "child",	CGI_GET,	dash_page_child,	DASH_AUTH_REQUIRED,	DASH_CSRF_NONE },
	{ "limits",	CGI_POST,	dash_limits_post,	DASH_AUTH_REQUIRED,	DASH_CSRF_SESSION },
	{ "terms",	CGI_GET,	dash_terms_get,		DASH_AUTH_NONE,		DASH_CSRF_NONE },
	{ "terms",	CGI_POST,	dash_terms_post,	DASH_AUTH_REQUIRED,	DASH_CSRF_SESSION },
	{ "lang",	CGI_GET,	dash_lang,		DASH_AUTH_NONE,		DASH_CSRF_NONE },
	{ "notify",	CGI_GET,	dash_notify_get,	DASH_AUTH_REQUIRED,	DASH_CSRF_NONE },
	{ "notify",	CGI_POST,	dash_notify_post,	DASH_AUTH_REQUIRED,	DASH_CSRF_SESSION },
	/* The signed token in the link is the authority: no session, no form token (RFC 8058 one-click). */
	{ "unsubscribe", CGI_GET,	dash_unsub_get,		DASH_AUTH_NONE,		DASH_CSRF_NONE },
	{ "unsubscribe", CGI_POST,	dash_unsub_post,	DASH_AUTH_NONE,		DASH_CSRF_NONE },
	/* The staff console (docs/staff.md): STAFF pages need a staff session, never a parent's. */
	{ "staff",		CGI_GET,	dash_staff_home,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
	{ "staff/login",	CGI_GET,	dash_staff_login_get,	DASH_AUTH_STAFF_GUEST,	DASH_CSRF_PRE },
	{ "staff/login",	CGI_POST,	dash_staff_login_post,	DASH_AUTH_STAFF_GUEST,	DASH_CSRF_PRE },
	{ "staff/setup",	CGI_GET,	dash_staff_setup_get,	DASH_AUTH_STAFF_GUEST,	DASH_CSRF_PRE },
	{ "staff/setup",	CGI_POST,	dash_staff_setup_post,	DASH_AUTH_STAFF_GUEST,	DASH_CSRF_PRE },
	{ "staff/logout",	CGI_POST,	dash_staff_logout_post,	DASH_AUTH_NONE,		DASH_CSRF_STAFF },
	{ "staff/students",	CGI_GET,	dash_staff_students,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
	{ "staff/student",	CGI_GET,	dash_staff_student,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
	{ "staff/view",		CGI_POST,	dash_staff_view,	DASH_AUTH_STAFF,	DASH_CSRF_STAFF },
	{ "staff/engagement",	CGI_GET,	dash_staff_engagement,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
	{ "staff/families",	CGI_GET,	dash_staff_families,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
	{ "staff/audit",	CGI_GET,	dash_staff_audit,	DASH_AUTH_STAFF,	DASH_CSRF_NONE },
};

/*
 * The route for path and method, or NULL with *known set when the path
 * exists under other methods (a 405, whose Allow lists them in allow).
 */
static const struct dash_route *
dash_route_find(const char *path, enum cgi_method method, int *known,
    char *allow, size_t len)
{
	const struct dash_route	*r = NULL;
	int			 get = 0, post = 0;

	if (method == CGI_HEAD)
		method = CGI_GET;
	for (size_t i = 0; i < sizeof(dash_routes) / sizeof(dash_routes[0]); i++) {
		if (strcmp(dash_routes[i].path, path) != 0)
			continue;
		if (dash_routes[i].method == method)
			r = &dash_routes[i];
		get |= dash_routes[i].method == CGI_GET;
		post |= dash_routes[i].method == CGI_POST;
	}
	*known = get || post;
	snprintf(allow, len, "%s%s%s", get ? "GET, HEAD" : "",
	    get && post ? ", " : "", post ? "POST" : "");
	return r;
}

int
dash_handle(struct dash *d, const struct cgi_req *req, struct cgi_out *out)
{
	const struct dash_route	*r;
	const char		*path = req->path;
	char			 allow[32];
	int			 post = req->method == CGI_POST, known;

	d->req = req;
	d->out = out;
	d->authed = 0;
	d->guardian = NULL;
	d->staff_authed = 0;
	d->staff_student = NULL;
	d->err[0] = '\0';
	d->pre_hex[0] = '\0';
	d->lang = i18n_pick(d->i18n, cgi_kv_get(&req->cookies, DASH_COOKIE_LANG),
	    req->accept_language);
	dash_security_headers(out);
	if (*path == '/')
		path++;
	d->page = path;
	/* Under staff/ only the staff session counts; elsewhere only the parents'. */
	d->staff_area = strcmp(path, "staff") == 0 || strncmp(path, "staff/", 6) == 0;
	if ((d->staff_area ? dash_staff_auth(d) : dash_auth(d)) == -1) {
		dash_error_500(d);
		return -1;
	}
	if (post && !dash_origin_ok(d)) {
		dash_error(d, 403, "err.csrf");
		return 0;
	}
	if ((r = dash_route_find(path, req->method, &known, allow,
	    sizeof(allow))) == NULL) {
		if (known) {
			cgi_out_header(out, "Allow", allow);
			dash_error(d, 405, "err.method");
		} else
			dash_error(d, 404, "err.notfound");
	} else {
		if (r->csrf == DASH_CSRF_PRE)
			dash_pre_token(d);
		if (r->auth == DASH_AUTH_STAFF_GUEST && d->staff_authed && !post)
			dash_redirect(d, "staff");
		else if (r->auth == DASH_AUTH_STAFF && !d->staff_authed && !post)
			dash_redirect(d, "staff/login");
		else if (r->auth == DASH_AUTH_STAFF && !d->staff_authed)
			dash_error(d, 403, "err.login");
		else if (post && r->csrf == DASH_CSRF_STAFF && d->staff_authed &&
		    !auth_staff_csrf_ok(&d->ssess, cgi_kv_get(&req->form, "csrf")))
			dash_error(d, 403, "err.csrf");
		else if (r->auth == DASH_AUTH_GUEST && d->authed && !post)
			dash_redirect(d, "");
		else if (r->auth == DASH_AUTH_REQUIRED && !d->authed && !post)
			dash_redirect(d, "login");
		else if (r->auth == DASH_AUTH_REQUIRED && !d->authed)
			dash_error(d, 403, "err.login");
		else if (post && r->csrf == DASH_CSRF_PRE && !dash_pre_ok(d))
			dash_error(d, 403, "err.csrf");
		else if (post && r->csrf == DASH_CSRF_SESSION && d->authed &&
		    !auth_csrf_ok(&d->sess, cgi_kv_get(&req->form, "csrf")))
			dash_error(d, 403, "err.csrf");
		else
			r->handler(d);
	}
	if (out->body.oom || out->hdr.oom) {
		snprintf(d->err, sizeof(d->err), "out of memory");
		cgi_out_reset(out);
		out->status = 500;
		return -1;
	}
	return out->status == 500 ? -1 : 0;
}
