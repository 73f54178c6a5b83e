/* dash_limits: "At home" on a child's page — what the guardian added (a pause, a bedtime, categories), the forms to change it, and the POST that refuses anything looser than the district. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "hp_str.h"
#include "store_home.h"

static const long dash_pause_choices[] = { 15, 30, 60, 90, 120, 180, 240 };

static int
dash_limits_take(const struct store_home *h, void *arg)
{
	struct home_control *c = arg;

	hp_strlcpy(c->student, h->student, sizeof(c->student));
	hp_strlcpy(c->guardian, h->guardian, sizeof(c->guardian));
	c->pause_until_ms = h->pause_until_ms;
	c->bed_from = h->bed_from;
	c->bed_to = h->bed_to;
	hp_strlcpy(c->categories, h->categories != NULL ? h->categories : "",
	    sizeof(c->categories));
	c->updated_ms = h->updated_ms;
	return 1;
}

/* The child's controls, or an empty set: 0, or -1 (d->err says why). */
static int
dash_limits_load(struct dash *d, const char *student, struct home_control *c)
{
	memset(c, 0, sizeof(*c));
	hp_strlcpy(c->student, student, sizeof(c->student));
	c->bed_from = c->bed_to = -1;
	return store_home_list(d->st, student, dash_limits_take, c, d->err,
	    sizeof(d->err)) < 0 ? -1 : 0;
}

/* A local time of day from minutes after midnight, in the language's clock. */
static void
dash_limits_min(const struct dash *d, int minutes, char *buf, size_t len)
{
	dash_time(d, minutes / 60, minutes % 60, buf, len);
}

static void
dash_limits_hidden(struct dash *d, const char *id, const char *op)
{
	dash_csrf_field(d);
	cgi_out_raw(d->out, "<input type=\"hidden\" name=\"id\" value=\"");
	cgi_out_html(d->out, id);
	cgi_out_raw(d->out, "\"><input type=\"hidden\" name=\"op\" value=\"");
	cgi_out_html(d->out, op);
	cgi_out_raw(d->out, "\">");
}

static void
dash_limits_form_start(struct dash *d, const char *id, const char *op, const char *cls)
{
	cgi_out_raw(d->out, "<form method=\"post\" action=\"");
	dash_href(d, "limits");
	cgi_out_raw(d->out, "\"");
	if (cls != NULL) {
		cgi_out_raw(d->out, " class=\"");
		cgi_out_raw(d->out, cls);
		cgi_out_raw(d->out, "\"");
	}
	cgi_out_raw(d->out, ">");
	dash_limits_hidden(d, id, op);
}

/* A one-button form on a line of the list ("Remove", "Resume now"). */
static void
dash_limits_button(struct dash *d, const char *id, const char *op, const char *cat,
    const char *label_key, const char *what)
{
	char		 label[640];
	const char	*args[2] = { dash_t(d, label_key), what };

	dash_limits_form_start(d, id, op, "inline");
	if (cat != NULL) {
		cgi_out_raw(d->out, "<input type=\"hidden\" name=\"category\" value=\"");
		cgi_out_html(d->out, cat);
		cgi_out_raw(d->out, "\">");
	}
	/* The visible word is short; the accessible name starts with it and says what it removes. */
	i18n_fmt(d->lang, label, sizeof(label), "limits.remove.label", 2, args);
	cgi_out_raw(d->out, "<button type=\"submit\" class=\"small\" aria-label=\"");
	cgi_out_html(d->out, label);
	cgi_out_raw(d->out, "\">");
	cgi_out_html(d->out, dash_t(d, label_key));
	cgi_out_raw(d->out, "</button></form>");
}

void
dash_limits_section(struct dash *d, const struct policy_student *s)
{
	const char		*id = policy_student_id(s);
	const char		*ok = cgi_kv_get(&d->req->query, "limits");
	struct home_control	 c;
	struct tz_tm		 tm;
	char			 a[64], b[64], buf[512], cb[128];
	const char		*args[2];
	int			 dfrom, dto, any = 0, night;
	size_t			 offered = 0;

	if (dash_limits_load(d, id, &c) == -1) {
		cgi_out_raw(d->out, "<section id=\"limits\"><p class=\"error\">");
		cgi_out_html(d->out, dash_t(d, "err.server"));
		cgi_out_raw(d->out, "</p></section>");
		return;
	}
	cgi_out_raw(d->out, "<section id=\"limits\" aria-labelledby=\"limits-h\"><h2 id=\"limits-h\">");
	cgi_out_html(d->out, dash_t(d, "limits.title"));
	cgi_out_raw(d->out, "</h2>");
	if (ok != NULL && strcmp(ok, "saved") == 0) {
		cgi_out_raw(d->out, "<p class=\"ok\" role=\"status\">");
		cgi_out_html(d->out, dash_t(d, "limits.saved"));
		cgi_out_raw(d->out, "</p>");
	}
	args[0] = policy_student_name(s);
	i18n_fmt(d->lang, buf, sizeof(buf), "limits.intro", 1, args);
	cgi_out_raw(d->out, "<p>");
	cgi_out_html(d->out, buf);
	cgi_out_raw(d->out, "</p>");
	night = home_district_night(d->pol, s, &dfrom, &dto) == 0;
	if (night) {
		dash_limits_min(d, dfrom, a, sizeof(a));
		dash_limits_min(d, dto, b, sizeof(b));
		args[0] = a;
		args[1] = b;
		i18n_fmt(d->lang, buf, sizeof(buf), "limits.district.night", 2, args);
		cgi_out_raw(d->out, "<p class=\"muted\">");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, "</p>");
	}

	/* What is in force now. */
	cgi_out_raw(d->out, "<h3>");
	cgi_out_html(d->out, dash_t(d, "limits.now"));
	cgi_out_raw(d->out, "</h3><ul class=\"events\" id=\"limits-now\">");
	if (c.pause_until_ms > d->now_ms) {
		tz_localtime(d->tz, c.pause_until_ms / 1000, &tm);
		dash_time(d, tm.hour, tm.min, a, sizeof(a));
		args[0] = a;
		i18n_fmt(d->lang, buf, sizeof(buf), "limits.paused", 1, args);
		cgi_out_raw(d->out, "<li id=\"limits-pause\">");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, " ");
		dash_limits_button(d, id, "resume", NULL, "limits.resume", buf);
		cgi_out_raw(d->out, "</li>");
		any = 1;
	}
	if (c.bed_from >= 0) {
		dash_limits_min(d, c.bed_from, a, sizeof(a));
		dash_limits_min(d, c.bed_to, b, sizeof(b));
		args[0] = a;
		args[1] = b;
		i18n_fmt(d->lang, buf, sizeof(buf), "limits.bedtime.now", 2, args);
		cgi_out_raw(d->out, "<li id=\"limits-bedtime\">");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, " ");
		dash_limits_button(d, id, "bedtime-clear", NULL, "limits.remove", buf);
		cgi_out_raw(d->out, "</li>");
		any = 1;
	}
	for (size_t i = 0; i < home_category_count(d->pol); i++) {
		const char *cat = home_category_name(d->pol, i);

		if (cat == NULL || !home_has_category(&c, cat))
			continue;
		args[0] = dash_category_name(d, cat, cb, sizeof(cb));
		i18n_fmt(d->lang, buf, sizeof(buf), "limits.blocked.now", 1, args);
		cgi_out_raw(d->out, "<li class=\"limits-cat\">");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, " ");
		dash_limits_button(d, id, "unblock", cat, "limits.remove", buf);
		cgi_out_raw(d->out, "</li>");
		any = 1;
	}
	if (!any) {
		cgi_out_raw(d->out, "<li class=\"muted\">");
		cgi_out_html(d->out, dash_t(d, "limits.none"));
		cgi_out_raw(d->out, "</li>");
	}
	cgi_out_raw(d->out, "</ul>");

	/* Pause now. */
	cgi_out_raw(d->out, "<h3>");
	cgi_out_html(d->out, dash_t(d, "limits.pause"));
	cgi_out_raw(d->out, "</h3>");
	dash_limits_form_start(d, id, "pause", "row");
	cgi_out_raw(d->out, "<div><label for=\"limits-minutes\">");
	cgi_out_html(d->out, dash_t(d, "limits.pause.for"));
	cgi_out_raw(d->out, "</label><select id=\"limits-minutes\" name=\"minutes\">");
	for (size_t i = 0; i < sizeof(dash_pause_choices) / sizeof(dash_pause_choices[0]); i++) {
		i18n_minutes(d->lang, dash_pause_choices[i], a, sizeof(a));
		snprintf(b, sizeof(b), "%ld", dash_pause_choices[i]);
		cgi_out_raw(d->out, "<option value=\"");
		cgi_out_raw(d->out, b);
		cgi_out_raw(d->out, dash_pause_choices[i] == 60 ? "\" selected>" : "\">");
		cgi_out_html(d->out, a);
		cgi_out_raw(d->out, "</option>");
	}
	cgi_out_raw(d->out, "</select></div><div><button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "limits.pause.submit"));
	cgi_out_raw(d->out, "</button></div></form>");

	/* An earlier bedtime. */
	cgi_out_raw(d->out, "<h3>");
	cgi_out_html(d->out, dash_t(d, "limits.bedtime"));
	cgi_out_raw(d->out, "</h3>");
	dash_limits_form_start(d, id, "bedtime", "row");
	cgi_out_raw(d->out, "<div><label for=\"limits-from\">");
	cgi_out_html(d->out, dash_t(d, "limits.bedtime.from"));
	cgi_out_raw(d->out, "</label><input type=\"time\" id=\"limits-from\" name=\"from\" required");
	if (c.bed_from >= 0) {
		snprintf(a, sizeof(a), "%02d:%02d", c.bed_from / 60, c.bed_from % 60);
		cgi_out_raw(d->out, " value=\"");
		cgi_out_html(d->out, a);
		cgi_out_raw(d->out, "\"");
	}
	cgi_out_raw(d->out, "></div><div><label for=\"limits-to\">");
	cgi_out_html(d->out, dash_t(d, "limits.bedtime.to"));
	cgi_out_raw(d->out, "</label><input type=\"time\" id=\"limits-to\" name=\"to\""
	    " aria-describedby=\"limits-to-help\"");
	if (!night)
		cgi_out_raw(d->out, " required");
	cgi_out_raw(d->out, "><p class=\"muted\" id=\"limits-to-help\">");
	if (night) {
		dash_limits_min(d, dto, a, sizeof(a));
		args[0] = a;
		i18n_fmt(d->lang, buf, sizeof(buf), "limits.bedtime.to.help", 1, args);
		cgi_out_html(d->out, buf);
	} else
		cgi_out_html(d->out, dash_t(d, "limits.bedtime.to.need"));
	cgi_out_raw(d->out, "</p></div><div><button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "limits.bedtime.submit"));
	cgi_out_raw(d->out, "</button></div></form>");

	/* More categories. */
	cgi_out_raw(d->out, "<h3>");
	cgi_out_html(d->out, dash_t(d, "limits.block"));
	cgi_out_raw(d->out, "</h3>");
	for (size_t i = 0; i < home_category_count(d->pol); i++) {
		const char *cat = home_category_name(d->pol, i);

		offered += cat != NULL && !home_has_category(&c, cat) &&
		    !home_district_blocks(d->pol, s, cat);
	}
	if (offered == 0) {
		cgi_out_raw(d->out, "<p class=\"muted\">");
		cgi_out_html(d->out, dash_t(d, "limits.block.none"));
		cgi_out_raw(d->out, "</p>");
	} else {
		dash_limits_form_start(d, id, "block", "row");
		cgi_out_raw(d->out, "<div><label for=\"limits-category\">");
		cgi_out_html(d->out, dash_t(d, "limits.block.which"));
		cgi_out_raw(d->out, "</label><select id=\"limits-category\" name=\"category\">");
		for (size_t i = 0; i < home_category_count(d->pol); i++) {
			const char *cat = home_category_name(d->pol, i);

			if (cat == NULL || home_has_category(&c, cat) ||
			    home_district_blocks(d->pol, s, cat))
				continue;
			cgi_out_raw(d->out, "<option value=\"");
			cgi_out_html(d->out, cat);
			cgi_out_raw(d->out, "\">");
			cgi_out_html(d->out, dash_category_name(d, cat, cb, sizeof(cb)));
			cgi_out_raw(d->out, "</option>");
		}
		cgi_out_raw(d->out, "</select></div><div><button type=\"submit\">");
		cgi_out_html(d->out, dash_t(d, "limits.block.submit"));
		cgi_out_raw(d->out, "</button></div></form>");
	}
	cgi_out_raw(d->out, "</section>");
}

/* Every change and every refusal goes to the audit trail, with the child and what was asked. */
static void
dash_limits_audit(struct dash *d, const char *action, const char *id, const char *op,
    const char *what, const char *code)
{
	char	 detail[512];

	snprintf(detail, sizeof(detail), "student=%.64s op=%.16s%s%.200s%s%s",
	    id != NULL ? id : "-", op != NULL ? op : "-", *what ? " " : "", what,
	    code != NULL ? " refused=" : "", code != NULL ? code : "");
	(void)store_audit(d->st, d->now_ms, d->sess.guardian_id, action, detail, NULL, 0);
}

/* A refusal: audited, then a 4xx page that says why in the parent's language. */
static void
dash_limits_refuse(struct dash *d, int status, const char *id, const char *op,
    const char *what, const char *code)
{
	char	 key[64];

	dash_limits_audit(d, "limits-refused", id, op, what, code);
	snprintf(key, sizeof(key), "limits.err.%s", code);
	dash_error(d, status, key);
}

static int
dash_limits_status(const char *code)
{
	if (strcmp(code, "later-bedtime") == 0 || strcmp(code, "district-blocks") == 0)
		return 403;
	if (strcmp(code, "not-blocked") == 0)
		return 409;
	return 400;
}

void
dash_limits_post(struct dash *d)
{
	const struct cgi_kv		*f = &d->req->form;
	const char			*id = cgi_kv_get(f, "id");
	const char			*op = cgi_kv_get(f, "op");
	const char			*cat = cgi_kv_get(f, "category");
	const struct policy_student	*s;
	struct home_control		 c;
	struct store_home		 row;
	const char			*code = NULL;
	char				 what[256] = "", why[256], loc[256];
	int				 from, to;

	if (op == NULL || id == NULL || *id == '\0' || strlen(id) > 64) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	/* Not theirs, or no such child: refused and audited, and nothing said about the child. */
	if ((s = dash_my_student(d, id)) == NULL) {
		dash_limits_refuse(d, 404, id, op, "", "not-yours");
		return;
	}
	if (dash_limits_load(d, id, &c) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	if (strcmp(op, "pause") == 0) {
		const char	*m = cgi_kv_get(f, "minutes");
		char		*end = NULL;
		long		 minutes = m != NULL ? strtol(m, &end, 10) : -1;

		if (m == NULL || end == m || *end != '\0')
			minutes = -1;
		snprintf(what, sizeof(what), "minutes=%.8s", m != NULL ? m : "");
		if (home_check_pause(minutes, &code, why, sizeof(why)) == -1)
			goto refuse;
		c.pause_until_ms = d->now_ms + minutes * 60000;
	} else if (strcmp(op, "resume") == 0) {
		c.pause_until_ms = 0;
	} else if (strcmp(op, "bedtime") == 0) {
		const char *fs = cgi_kv_get(f, "from"), *ts = cgi_kv_get(f, "to");

		snprintf(what, sizeof(what), "from=%.5s to=%.5s", fs != NULL ? fs : "",
		    ts != NULL && *ts != '\0' ? ts : "-");
		from = home_parse_time(fs);
		to = ts == NULL || *ts == '\0' ? -1 : home_parse_time(ts);
		if (from < 0 || (ts != NULL && *ts != '\0' && to < 0)) {
			code = "bad-time";
			goto refuse;
		}
		if (home_check_bedtime(d->pol, s, from, to, &to, &code, why,
		    sizeof(why)) == -1)
			goto refuse;
		c.bed_from = from;
		c.bed_to = to;
	} else if (strcmp(op, "bedtime-clear") == 0) {
		c.bed_from = c.bed_to = -1;
	} else if (strcmp(op, "block") == 0) {
		snprintf(what, sizeof(what), "category=%.64s", cat != NULL ? cat : "");
		if (home_check_block(d->pol, &c, cat, &code, why, sizeof(why)) == -1)
			goto refuse;
		if (home_set_category(&c, cat, 1) == -1) {
			code = "too-many";
			goto refuse;
		}
	} else if (strcmp(op, "unblock") == 0) {
		snprintf(what, sizeof(what), "category=%.64s", cat != NULL ? cat : "");
		if (home_check_unblock(d->pol, s, &c, cat, &code, why, sizeof(why)) == -1)
			goto refuse;
		(void)home_set_category(&c, cat, 0);
	} else {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	row.student = id;
	row.guardian = d->sess.guardian_id;
	row.pause_until_ms = c.pause_until_ms;
	row.bed_from = c.bed_from;
	row.bed_to = c.bed_to;
	row.categories = c.categories;
	row.updated_ms = d->now_ms;
	if (store_home_set(d->st, &row, d->err, sizeof(d->err)) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	dash_limits_audit(d, "limits-set", id, op, what, NULL);
	snprintf(loc, sizeof(loc), "child?id=%s&limits=saved#limits", id);
	dash_redirect(d, loc);
	return;
 refuse:
	dash_limits_refuse(d, dash_limits_status(code), id, op, what, code);
}
