/* digest: composes and sends the guardians' weekly/daily summaries and blocked-category alerts, recording each once the server took it. */
#include "digest.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_unsub.h"
#include "config.h"
#include "dash_date.h"
#include "diag.h"
#include "hp_err.h"
#include "hp_str.h"
#include "i18n.h"
#include "mail_msg.h"
#include "mail_smtp.h"
#include "policy.h"
#include "store.h"
#include "store_dash.h"
#include "store_notify.h"
#include "tz.h"

#define DG_TOP		5	/* sites and categories listed per child */
#define DG_CATS		16	/* categories kept while reading */
#define DG_BLOCK_SCAN	20000	/* blocked events read for one child's alert */

struct dg_row {
	char		 name[256];	/* host or category id ("" for none) */
	char		 cat[64];
	int64_t		 visits, blocked, seconds;
};

struct dg_child {
	const struct policy_student *st;
	int64_t		 min, visits, blocked;
	int64_t		 pmin, pvisits, pblocked;
	struct dg_row	 hosts[DG_TOP];
	size_t		 nhosts;
	struct dg_row	 cats[DG_CATS];
	size_t		 ncats;
};

struct dg {
	const struct digest_opts *o;
	struct config		 cfg;
	struct policy		*pol;
	struct tz		*tz;
	struct store		*st;
	struct i18n		 i18n;
	int			 have_i18n;
	uint8_t			 key[AUTH_UNSUB_KEYLEN];
	char			 password[256];
	struct digest_stats	*stats;
	char			 err[512];
};

/* ---- numbers, the dashboard's way ---------------------------------- */

struct dg_sum {
	int64_t	 min, visits, blocked;
};

/* As the dashboard's chart: each hour's flow seconds, capped at the hour, a minute when anything was visited. */
static int
dg_hours_cb(const struct store_usage *u, void *arg)
{
	struct dg_sum	*s = arg;
	int64_t		 m = (u->seconds + 59) / 60;

	if (m == 0 && u->visits > 0)
		m = 1;
	s->min += m > 60 ? 60 : m;
	s->visits += u->visits;
	s->blocked += u->blocked;
	return 0;
}

static void
dg_row_set(struct dg_row *r, const struct store_usage *u)
{
	hp_strlcpy(r->name, u->host != NULL ? u->host : "", sizeof(r->name));
	hp_strlcpy(r->cat, u->category != NULL ? u->category : "", sizeof(r->cat));
	r->visits = u->visits;
	r->blocked = u->blocked;
	r->seconds = u->seconds;
}

static int
dg_hosts_cb(const struct store_usage *u, void *arg)
{
	struct dg_child	*c = arg;

	if (c->nhosts < DG_TOP)
		dg_row_set(&c->hosts[c->nhosts++], u);
	return 0;
}

static int
dg_cats_cb(const struct store_usage *u, void *arg)
{
	struct dg_child	*c = arg;

	if (c->ncats < DG_CATS) {
		dg_row_set(&c->cats[c->ncats], u);
		/* The category query names it in category, not host. */
		hp_strlcpy(c->cats[c->ncats].name, c->cats[c->ncats].cat,
		    sizeof(c->cats[c->ncats].name));
		c->ncats++;
	}
	return 0;
}

static int
dg_child_load(struct dg *g, struct dg_child *c, const struct dash_day *from,
    const struct dash_day *to, const struct dash_day *pfrom,
    const struct dash_day *pto)
{
	const char	*id = policy_student_id(c->st);
	struct dg_sum	 cur = { 0, 0, 0 }, prev = { 0, 0, 0 };

	if (store_usage_hours(g->st, id, from->s, to->s, dg_hours_cb, &cur, g->err,
	    sizeof(g->err)) == -1 ||
	    store_usage_hours(g->st, id, pfrom->s, pto->s, dg_hours_cb, &prev, g->err,
	    sizeof(g->err)) == -1 ||
	    store_usage_hosts(g->st, id, from->s, to->s, DG_TOP, dg_hosts_cb, c,
	    g->err, sizeof(g->err)) == -1 ||
	    store_usage_categories(g->st, id, from->s, to->s, 0, dg_cats_cb, c,
	    g->err, sizeof(g->err)) == -1)
		return -1;
	c->min = cur.min;
	c->visits = cur.visits;
	c->blocked = cur.blocked;
	c->pmin = prev.min;
	c->pvisits = prev.visits;
	c->pblocked = prev.blocked;
	return 0;
}

/* ---- words ---------------------------------------------------------- */

static const char *
dg_category(const struct i18n_lang *l, const char *cat, char *buf, size_t len)
{
	const char	*v;

	if (cat == NULL || *cat == '\0')
		return i18n_s(l, "cat.none");
	snprintf(buf, len, "cat.%s", cat);
	v = i18n_s(l, buf);
	if (strcmp(v, buf) == 0) {
		snprintf(buf, len, "%s", cat);
		return buf;
	}
	return v;
}

/* "12% more than the previous 7 days", as the dashboard says it. */
static void
dg_change(const struct i18n_lang *l, int64_t cur, int64_t prev, int weekly,
    char *buf, size_t len)
{
	char		 pct[32];
	const char	*args[2];
	int64_t		 p;

	args[0] = "";
	args[1] = i18n_s(l, weekly ? "cmp.prev.week" : "cmp.prev.day");
	if (prev == 0) {
		i18n_fmt(l, buf, len, cur == 0 ? "cmp.same" : "cmp.new", 2, args);
		return;
	}
	p = ((cur - prev) * 100 + (cur >= prev ? prev / 2 : -prev / 2)) / prev;
	i18n_num(l, p < 0 ? -p : p, pct, sizeof(pct));
	args[0] = pct;
	i18n_fmt(l, buf, len, p > 0 ? "cmp.up" : p < 0 ? "cmp.down" : "cmp.same", 2,
	    args);
}

static void
dg_date(const struct i18n_lang *l, const struct dash_day *d, char *buf, size_t len)
{
	i18n_date(l, d->y, d->m, d->d, d->wday, 0, buf, len);
}

/* Text for HTML: escaped whole (hp_html_escape needs the room; cut pieces are never written). */
static void
dg_html(FILE *f, const char *s)
{
	char	 buf[2048];

	hp_html_escape(buf, sizeof(buf), s, strlen(s));
	fputs(buf, f);
}

static void
dg_url_part(char *buf, size_t len, const char *s)
{
	hp_url_escape(buf, len, s, strlen(s));
}

/* ---- a guardian's summary ------------------------------------------- */

struct dg_msg {
	char	*text, *html;
	size_t	 tlen, hlen;
	FILE	*t, *h;
};

static int
dg_msg_open(struct dg_msg *m, const struct i18n_lang *l, const char *title)
{
	memset(m, 0, sizeof(*m));
	if ((m->t = open_memstream(&m->text, &m->tlen)) == NULL ||
	    (m->h = open_memstream(&m->html, &m->hlen)) == NULL) {
		if (m->t != NULL)
			fclose(m->t);
		free(m->text);
		return -1;
	}
	/* Plain HTML, styles inline, no image: it reads the same with images off. */
	fputs("<!doctype html>\n<html lang=\"", m->h);
	dg_html(m->h, l->tag);
	fputs("\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>", m->h);
	dg_html(m->h, title);
	fputs("</title></head><body style=\"font-family:sans-serif;color:#1f2328;"
	    "max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5\">", m->h);
	return 0;
}

static int
dg_msg_close(struct dg_msg *m)
{
	int	 rc = 0;

	fputs("</body></html>\n", m->h);
	if (fclose(m->t) != 0)
		rc = -1;
	if (fclose(m->h) != 0)
		rc = -1;
	if (rc != 0 || m->text == NULL || m->html == NULL)
		return -1;
	return 0;
}

static void
dg_msg_free(struct dg_msg *m)
{
	free(m->text);
	free(m->html);
	m->text = m->html = NULL;
}

static void
dg_para(struct dg_msg *m, const char *s)
{
	fprintf(m->t, "%s\n\n", s);
	fputs("<p>", m->h);
	dg_html(m->h, s);
	fputs("</p>", m->h);
}

static void
dg_link(struct dg_msg *m, const char *label, const char *url)
{
	fprintf(m->t, "%s\n%s\n\n", label, url);
	fputs("<p>", m->h);
	dg_html(m->h, label);
	fputs(" <a href=\"", m->h);
	dg_html(m->h, url);
	fputs("\">", m->h);
	dg_html(m->h, url);
	fputs("</a></p>", m->h);
}

static void
dg_stat(struct dg_msg *m, const struct i18n_lang *l, const char *key,
    const char *value, int64_t cur, int64_t prev, int weekly)
{
	char	 chg[256];

	dg_change(l, cur, prev, weekly, chg, sizeof(chg));
	fprintf(m->t, "  %s: %s (%s)\n", i18n_s(l, key), value, chg);
	fputs("<li>", m->h);
	dg_html(m->h, i18n_s(l, key));
	fputs(": <strong>", m->h);
	dg_html(m->h, value);
	fputs("</strong> (", m->h);
	dg_html(m->h, chg);
	fputs(")</li>", m->h);
}

static void
dg_list_head(struct dg_msg *m, const char *title)
{
	fprintf(m->t, "\n  %s\n", title);
	fputs("<h3 style=\"font-size:1rem;margin:.75rem 0 .25rem\">", m->h);
	dg_html(m->h, title);
	fputs("</h3><ul>", m->h);
}

static void
dg_list_item(struct dg_msg *m, const char *s)
{
	fprintf(m->t, "  - %s\n", s);
	fputs("<li>", m->h);
	dg_html(m->h, s);
	fputs("</li>", m->h);
}

static void
dg_child_write(struct dg *g, struct dg_msg *m, const struct i18n_lang *l,
    const struct dg_child *c, int weekly, const struct dash_day *to)
{
	const char	*a[3];
	char		 n1[32], n2[64], line[768], cb[96], url[1400], id[256];
	size_t		 nb = 0;

	fprintf(m->t, "%s\n", policy_student_name(c->st));
	fputs("<h2 style=\"font-size:1.2rem;border-top:1px solid #d0d5dd;"
	    "padding-top:.75rem\">", m->h);
	dg_html(m->h, policy_student_name(c->st));
	fputs("</h2>", m->h);
	if (c->visits == 0 && c->pvisits == 0) {
		dg_para(m, i18n_s(l, "report.nothing"));
		return;
	}
	fputs("<ul>", m->h);
	i18n_minutes(l, c->min, n2, sizeof(n2));
	dg_stat(m, l, "report.time", n2, c->min, c->pmin, weekly);
	i18n_num(l, c->visits, n1, sizeof(n1));
	dg_stat(m, l, "report.visits", n1, c->visits, c->pvisits, weekly);
	i18n_num(l, c->blocked, n1, sizeof(n1));
	dg_stat(m, l, "report.blocked", n1, c->blocked, c->pblocked, weekly);
	fputs("</ul>", m->h);
	if (c->nhosts > 0) {
		dg_list_head(m, i18n_s(l, "report.sites"));
		for (size_t i = 0; i < c->nhosts; i++) {
			i18n_num(l, c->hosts[i].visits, n1, sizeof(n1));
			i18n_minutes(l, (c->hosts[i].seconds + 59) / 60, n2, sizeof(n2));
			a[0] = c->hosts[i].name;
			a[1] = n1;
			a[2] = n2;
			/* A site only ever blocked had no time online to speak of. */
			i18n_fmt(l, line, sizeof(line), c->hosts[i].seconds > 0 ?
			    "mail.site.line" : "mail.cat.line", 3, a);
			dg_list_item(m, line);
		}
		fputs("</ul>", m->h);
	}
	if (c->ncats > 0) {
		dg_list_head(m, i18n_s(l, "report.categories"));
		for (size_t i = 0; i < c->ncats && i < DG_TOP; i++) {
			i18n_num(l, c->cats[i].visits, n1, sizeof(n1));
			a[0] = dg_category(l, c->cats[i].name, cb, sizeof(cb));
			a[1] = n1;
			i18n_fmt(l, line, sizeof(line), "mail.cat.line", 2, a);
			dg_list_item(m, line);
		}
		fputs("</ul>", m->h);
	}
	dg_list_head(m, i18n_s(l, "mail.blocked.title"));
	for (size_t i = 0; i < c->ncats; i++) {
		if (c->cats[i].blocked == 0)
			continue;
		i18n_num(l, c->cats[i].blocked, n1, sizeof(n1));
		a[0] = dg_category(l, c->cats[i].name, cb, sizeof(cb));
		a[1] = n1;
		i18n_fmt(l, line, sizeof(line), c->cats[i].blocked == 1 ?
		    "mail.blocked.one" : "mail.blocked.line", 2, a);
		dg_list_item(m, line);
		nb++;
	}
	if (nb == 0)
		dg_list_item(m, i18n_s(l, "report.noblocks"));
	fputs("</ul>", m->h);
	fputs("\n", m->t);
	dg_url_part(id, sizeof(id), policy_student_id(c->st));
	snprintf(url, sizeof(url), "%s/child?id=%s&day=%s%s", g->cfg.dashboard_url, id,
	    to->s, weekly ? "&range=week" : "");
	dg_link(m, i18n_s(l, "mail.more"), url);
}

static void
dg_footer(struct dg *g, struct dg_msg *m, const struct i18n_lang *l,
    const char *unsub)
{
	char	 url[1400];

	fputs("-- \n", m->t);
	fputs("<hr style=\"border:0;border-top:1px solid #d0d5dd\">"
	    "<div style=\"font-size:.9rem;color:#4a5361\">", m->h);
	snprintf(url, sizeof(url), "%s/notify", g->cfg.dashboard_url);
	dg_link(m, i18n_s(l, "mail.why"), url);
	dg_link(m, i18n_s(l, "mail.unsub"), unsub);
	fputs("</div>", m->h);
}

/* Hands one message to the server; on success records it.  1: deferred. */
static int
dg_send(struct dg *g, const char *gid, const char *email, const struct i18n_lang *l,
    const char *subject, struct dg_msg *m, const char *unsub, const char *kind,
    const char *period, const char *student)
{
	struct mail_msg_hdr	 h;
	struct mail_smtp	 s;
	char			*msg = NULL, err[512];
	size_t			 len = 0;

	memset(&h, 0, sizeof(h));
	h.from = g->cfg.mail_from;
	h.from_name = i18n_s(l, "app.name");
	h.to = email;
	h.subject = subject;
	h.lang = l->tag;
	h.unsub_url = unsub;
	h.date_s = g->o->now_ms / 1000;
	if (mail_msg_build(&h, m->text, m->html, &msg, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "hallpass: digest: %s <%s>: %s\n", gid, email, err);
		g->stats->skipped++;
		return 0;
	}
	if (g->o->dry_run) {
		fprintf(g->o->out, "--- %s %s %s <%s> (dry run: not sent)\n", kind,
		    period, gid, email);
		fwrite(msg, 1, len, g->o->out);
		free(msg);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	s.url = g->cfg.mail_smtp_url;
	s.user = g->cfg.mail_user;
	s.password = g->password;
	s.ca = g->cfg.mail_ca;
	s.timeout_s = 60;
	if (mail_smtp_send(&s, g->cfg.mail_from, email, msg, len, err,
	    sizeof(err)) == -1) {
		free(msg);
		fprintf(stderr, "hallpass: digest: %s %s for %s deferred to the next "
		    "run: %s\n", kind, period, gid, err);
		g->stats->deferred++;
		return 1;
	}
	free(msg);
	/* Only now: a message the server never took is tried again next run. */
	if (store_notify_sent_add(g->st, gid, kind, period, student, g->o->now_ms,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "hallpass: digest: %s %s for %s was sent but not "
		    "recorded: %s\n", kind, period, gid, err);
		g->stats->deferred++;
		return 1;
	}
	fprintf(g->o->out, "sent %s %s to %s <%s>\n", kind, period, gid, email);
	g->stats->sent++;
	return 0;
}

static const struct i18n_lang *
dg_lang(struct dg *g, const struct policy_guardian *pg)
{
	const char *tag = policy_guardian_language(pg);

	/* i18n_pick reads the tag as an Accept-Language: es-MX finds es; none, English. */
	return i18n_pick(&g->i18n, NULL, tag != NULL ? tag : "en");
}

static int
dg_summary(struct dg *g, const struct policy_guardian *pg, const char *unsub,
    enum store_notify_digest kind, int64_t today_n)
{
	const struct i18n_lang	*l = dg_lang(g, pg);
	const char		*gid = policy_guardian_id(pg), *a[2];
	struct dash_day		 from, to, pfrom, pto, monday;
	struct dg_child		*c;
	struct dg_msg		 m;
	char			 d1[64], d2[64], span[160], subj[320], line[512];
	const char		*kname = store_notify_digest_name(kind);
	int			 weekly = kind == STORE_NOTIFY_WEEKLY, rc;
	size_t			 n = policy_guardian_nstudents(pg);

	if (weekly) {
		/* The last whole week, Monday to Sunday: a run any day of this week sends that one. */
		dash_day_from_n(today_n, &monday);
		dash_day_from_n(today_n - (monday.wday + 6) % 7 - 7, &from);
		dash_day_from_n(from.n + 6, &to);
		dash_day_from_n(from.n - 7, &pfrom);
		dash_day_from_n(from.n - 1, &pto);
	} else {
		dash_day_from_n(today_n - 1, &from);
		to = from;
		dash_day_from_n(today_n - 2, &pfrom);
		pto = pfrom;
	}
	if ((rc = store_notify_sent(g->st, gid, kname, from.s, "", g->err,
	    sizeof(g->err))) == -1)
		return -1;
	if (rc == 0 && !g->o->dry_run) {
		fprintf(g->o->out, "already sent %s %s to %s\n", kname, from.s, gid);
		g->stats->skipped++;
		return 0;
	}
	dg_date(l, &from, d1, sizeof(d1));
	dg_date(l, &to, d2, sizeof(d2));
	if (weekly)
		snprintf(span, sizeof(span), "%s – %s", d1, d2);
	else
		snprintf(span, sizeof(span), "%s", d1);
	a[0] = span;
	i18n_fmt(l, subj, sizeof(subj), weekly ? "mail.subject.weekly" :
	    "mail.subject.daily", 1, a);
	if ((c = calloc(n ? n : 1, sizeof(*c))) == NULL) {
		hp_errf(g->err, sizeof(g->err), "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].st = policy_guardian_student(pg, i);
		if (dg_child_load(g, &c[i], &from, &to, &pfrom, &pto) == -1) {
			free(c);
			return -1;
		}
	}
	if (dg_msg_open(&m, l, subj) == -1) {
		free(c);
		hp_errf(g->err, sizeof(g->err), "out of memory");
		return -1;
	}
	a[0] = policy_guardian_name(pg);
	i18n_fmt(l, line, sizeof(line), "mail.hello", 1, a);
	dg_para(&m, line);
	a[0] = d1;
	a[1] = d2;
	i18n_fmt(l, line, sizeof(line), weekly ? "mail.intro.weekly" :
	    "mail.intro.daily", 2, a);
	dg_para(&m, line);
	for (size_t i = 0; i < n; i++)
		dg_child_write(g, &m, l, &c[i], weekly, &to);
	free(c);
	dg_footer(g, &m, l, unsub);
	if (dg_msg_close(&m) == -1) {
		dg_msg_free(&m);
		hp_errf(g->err, sizeof(g->err), "out of memory");
		return -1;
	}
	rc = dg_send(g, gid, policy_guardian_email(pg), l, subj, &m, unsub, kname,
	    from.s, "");
	dg_msg_free(&m);
	return rc;
}

/* ---- alerts ----------------------------------------------------------- */

struct dg_alert_scan {
	char		 cats[DG_CATS][64];
	int64_t		 n[DG_CATS];
	size_t		 ncats;
};

static int
dg_alert_cb(const struct store_event *e, void *arg)
{
	struct dg_alert_scan	*s = arg;
	const char		*cat = e->category != NULL ? e->category : "";
	size_t			 i;

	for (i = 0; i < s->ncats && strcmp(s->cats[i], cat) != 0; i++)
		;
	if (i == s->ncats) {
		if (s->ncats == DG_CATS)
			return 0;
		hp_strlcpy(s->cats[s->ncats++], cat, sizeof(s->cats[0]));
	}
	s->n[i]++;
	return 0;
}

static int
dg_alerts(struct dg *g, const struct policy_guardian *pg, const char *unsub,
    int threshold, int64_t today_n, int64_t day_start_ms)
{
	const struct i18n_lang	*l = dg_lang(g, pg);
	const char		*gid = policy_guardian_id(pg), *a[3];
	struct dash_day		 today;
	int			 rc, deferred = 0;

	dash_day_from_n(today_n, &today);
	for (size_t i = 0; i < policy_guardian_nstudents(pg); i++) {
		const struct policy_student	*st = policy_guardian_student(pg, i);
		const char			*sid = policy_student_id(st);
		struct dg_alert_scan		 scan;
		struct dg_msg			 m;
		char				 subj[320], line[768], n1[32], cb[96];
		size_t				 best = 0;

		if ((rc = store_notify_sent(g->st, gid, "alert", today.s, sid, g->err,
		    sizeof(g->err))) == -1)
			return -1;
		if (rc == 0 && !g->o->dry_run)
			continue;	/* one a day per child */
		memset(&scan, 0, sizeof(scan));
		if (store_blocked_events(g->st, sid, day_start_ms, g->o->now_ms + 1,
		    DG_BLOCK_SCAN, dg_alert_cb, &scan, g->err, sizeof(g->err)) == -1)
			return -1;
		for (size_t k = 1; k < scan.ncats; k++)
			if (scan.n[k] > scan.n[best])
				best = k;
		if (scan.ncats == 0 || scan.n[best] < threshold)
			continue;
		a[0] = policy_student_name(st);
		i18n_fmt(l, subj, sizeof(subj), "alert.subject", 1, a);
		if (dg_msg_open(&m, l, subj) == -1) {
			hp_errf(g->err, sizeof(g->err), "out of memory");
			return -1;
		}
		a[0] = policy_guardian_name(pg);
		i18n_fmt(l, line, sizeof(line), "mail.hello", 1, a);
		dg_para(&m, line);
		i18n_num(l, scan.n[best], n1, sizeof(n1));
		a[0] = policy_student_name(st);
		a[1] = n1;
		a[2] = dg_category(l, scan.cats[best], cb, sizeof(cb));
		i18n_fmt(l, line, sizeof(line), "alert.body", 3, a);
		dg_para(&m, line);
		dg_para(&m, i18n_s(l, "alert.note"));
		{
			char id[256], url[1400];

			dg_url_part(id, sizeof(id), sid);
			snprintf(url, sizeof(url), "%s/child?id=%s&day=%s",
			    g->cfg.dashboard_url, id, today.s);
			dg_link(&m, i18n_s(l, "mail.more"), url);
		}
		dg_footer(g, &m, l, unsub);
		if (dg_msg_close(&m) == -1) {
			dg_msg_free(&m);
			hp_errf(g->err, sizeof(g->err), "out of memory");
			return -1;
		}
		rc = dg_send(g, gid, policy_guardian_email(pg), l, subj, &m, unsub,
		    "alert", today.s, sid);
		dg_msg_free(&m);
		if (rc == -1)
			return -1;
		deferred |= rc;
	}
	return deferred;
}

/* ---- the run ----------------------------------------------------------- */

static int
dg_password(struct dg *g)
{
	FILE	*f;

	g->password[0] = '\0';
	if (g->cfg.mail_password_file[0] == '\0')
		return 0;
	if ((f = fopen(g->cfg.mail_password_file, "re")) == NULL) {
		hp_errf(g->err, sizeof(g->err), "%s: %s", g->cfg.mail_password_file,
		    strerror(errno));
		return -1;
	}
	if (fgets(g->password, sizeof(g->password), f) == NULL)
		g->password[0] = '\0';
	fclose(f);
	g->password[strcspn(g->password, "\r\n")] = '\0';
	return 0;
}

static void
dg_diag_line(const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static int
dg_open(struct dg *g)
{
	struct diag	 d;

	diag_init(&d);
	if (config_load(&g->cfg, g->o->dir, &d) == -1 ||
	    (g->pol = policy_load_roster(g->o->dir, &d)) == NULL) {
		diag_each(&d, dg_diag_line, NULL);
		diag_free(&d);
		hp_errf(g->err, sizeof(g->err), "%s: configuration errors (above)",
		    g->o->dir);
		return -1;
	}
	diag_free(&d);
	if (!g->o->dry_run && g->cfg.mail_smtp_url[0] == '\0') {
		hp_errf(g->err, sizeof(g->err), "%s/hallpass.yaml sets no mail_smtp_url: "
		    "there is no mail server to send through", g->o->dir);
		return -1;
	}
	if (g->cfg.mail_from[0] == '\0') {
		hp_errf(g->err, sizeof(g->err), "%s/hallpass.yaml sets no mail_from: "
		    "the messages need a sender", g->o->dir);
		return -1;
	}
	if (g->cfg.dashboard_url[0] == '\0') {
		hp_errf(g->err, sizeof(g->err), "%s/hallpass.yaml sets no dashboard_url: "
		    "the messages' links need it", g->o->dir);
		return -1;
	}
	if (i18n_load(&g->i18n, g->o->langdir, g->err, sizeof(g->err)) == -1)
		return -1;
	g->have_i18n = 1;
	if ((g->tz = tz_load(policy_timezone(g->pol), g->err, sizeof(g->err))) == NULL)
		return -1;
	if (auth_unsub_key_load(g->cfg.mail_key, 1, g->key, g->err,
	    sizeof(g->err)) == -1 || dg_password(g) == -1)
		return -1;
	if ((g->st = store_open(g->cfg.database, 0, g->err, sizeof(g->err))) == NULL)
		return -1;
	return 0;
}

int
digest_run(const struct digest_opts *o, struct digest_stats *stats, char *err,
    size_t errlen)
{
	struct dg	*g;
	struct tz_tm	 now;
	int64_t		 today_n, day_start;
	int		 rc = 0, r, quiet, found = 0;

	memset(stats, 0, sizeof(*stats));
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	g->o = o;
	g->stats = stats;
	if (dg_open(g) == -1) {
		rc = -1;
		goto out;
	}
	tz_localtime(g->tz, o->now_ms / 1000, &now);
	today_n = dash_days_from_civil(now.year, now.mon, now.mday);
	{
		struct tz_tm	 t0;
		int64_t		 s0;

		memset(&t0, 0, sizeof(t0));
		t0.year = now.year;
		t0.mon = now.mon;
		t0.mday = now.mday;
		if (tz_mktime(g->tz, &t0, &s0) == -1)
			s0 = o->now_ms / 1000 - (now.hour * 3600 + now.min * 60 + now.sec);
		day_start = s0 * 1000;
	}
	quiet = now.hour >= DIGEST_QUIET_FROM || now.hour < DIGEST_QUIET_TO;
	for (size_t i = 0; i < policy_guardian_count(g->pol); i++) {
		const struct policy_guardian	*pg = policy_guardian_at(g->pol, i);
		const char			*gid = policy_guardian_id(pg);
		const char			*email = policy_guardian_email(pg);
		struct store_notify_prefs	 pr;
		char				 tok[AUTH_UNSUB_TOKEN_MAX], unsub[1400];

		if (o->guardian != NULL && strcmp(o->guardian, gid) != 0)
			continue;
		found = 1;
		if (email == NULL || *email == '\0') {
			fprintf(o->out, "skip %s: no e-mail address\n", gid);
			stats->skipped++;
			continue;
		}
		if (store_notify_prefs_get(g->st, gid, &pr, g->err, sizeof(g->err)) == -1) {
			rc = -1;
			goto out;
		}
		if (auth_unsub_token(g->key, gid, tok, sizeof(tok)) == -1) {
			fprintf(stderr, "hallpass: digest: %s: guardian id too long for "
			    "an unsubscribe link; skipped\n", gid);
			stats->skipped++;
			continue;
		}
		snprintf(unsub, sizeof(unsub), "%s/unsubscribe?t=%s", g->cfg.dashboard_url,
		    tok);
		if (o->what != DIGEST_ONLY_ALERTS) {
			if (pr.digest == STORE_NOTIFY_NONE ||
			    (o->period >= 0 && (int)pr.digest != o->period)) {
				fprintf(o->out, "skip %s: wants %s summaries\n", gid,
				    store_notify_digest_name(pr.digest));
				stats->skipped++;
			} else if ((r = dg_summary(g, pg, unsub, pr.digest, today_n)) == -1) {
				rc = -1;
				goto out;
			} else if (r == 1)
				rc = 1;
		}
		if (o->what != DIGEST_ONLY_SUMMARIES && pr.alert_threshold > 0) {
			if (quiet) {
				fprintf(o->out, "skip %s alerts: quiet hours (%02d:00-%02d:00)\n",
				    gid, DIGEST_QUIET_FROM, DIGEST_QUIET_TO);
				continue;
			}
			if ((r = dg_alerts(g, pg, unsub, pr.alert_threshold, today_n,
			    day_start)) == -1) {
				rc = -1;
				goto out;
			} else if (r == 1)
				rc = 1;
		}
	}
	if (o->guardian != NULL && !found) {
		hp_errf(g->err, sizeof(g->err), "unknown guardian \"%s\"", o->guardian);
		rc = -1;
	}
out:
	if (rc == -1)
		hp_errf(err, errlen, "%s", g->err);
	store_close(g->st);
	tz_free(g->tz);
	policy_unref(g->pol);
	if (g->have_i18n)
		i18n_free(&g->i18n);
	sodium_memzero(g->key, sizeof(g->key));
	sodium_memzero(g->password, sizeof(g->password));
	free(g);
	return rc;
}
