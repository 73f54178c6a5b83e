/* dash_report: one child's activity page — time online by hour (inline SVG + table), top sites, categories, blocks, schedules, trend. */
#include "dash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash_date.h"

#define DASH_TOP_SITES		10
#define DASH_TOP_CATEGORIES	12
#define DASH_BLOCKED_SHOWN	25
#define DASH_MAX_SCHEDULES	8
#define DASH_MAX_DAYS		7

/* What the rollups say about a range of days. */
struct dash_range {
	struct dash_day	 from, to;
	int		 ndays;
	int64_t		 hour_min[24], hour_visits[24], hour_blocked[24];
	int64_t		 day_min[DASH_MAX_DAYS], day_visits[DASH_MAX_DAYS],
			 day_blocked[DASH_MAX_DAYS];
	int64_t		 total_min, visits, blocked;
	int64_t		 sched_min[DASH_MAX_SCHEDULES];
	struct policy_window sched[DASH_MAX_SCHEDULES];
	size_t		 nsched;
	int		 bad_row;
};

/*
 * Minutes online in one hour bucket: the flows' seconds, at most the hour
 * itself (parallel flows overlap), and at least a minute when anything was
 * visited (a DNS lookup has no duration but shows the child was online).
 */
static int64_t
dash_bucket_minutes(int64_t visits, int64_t seconds)
{
	int64_t	 m = (seconds + 59) / 60;

	if (m == 0 && visits > 0)
		m = 1;
	return m > 60 ? 60 : m;
}

static int
dash_range_cb(const struct store_usage *u, void *arg)
{
	struct dash_range	*r = arg;
	struct dash_day		 day;
	int64_t			 m;
	int			 i;

	if (u->hour < 0 || u->hour > 23 || dash_day_parse(u->day, &day) == -1 ||
	    day.n < r->from.n || day.n > r->to.n) {
		r->bad_row = 1;
		return 0;
	}
	m = dash_bucket_minutes(u->visits, u->seconds);
	i = (int)(day.n - r->from.n);
	r->hour_min[u->hour] += m;
	r->hour_visits[u->hour] += u->visits;
	r->hour_blocked[u->hour] += u->blocked;
	if (i < DASH_MAX_DAYS) {
		r->day_min[i] += m;
		r->day_visits[i] += u->visits;
		r->day_blocked[i] += u->blocked;
	}
	r->total_min += m;
	r->visits += u->visits;
	r->blocked += u->blocked;
	/* An hour belongs to a window when its middle does. */
	for (size_t w = 0; w < r->nsched; w++)
		if (policy_window_covers(&r->sched[w], day.wday, u->hour * 60 + 30))
			r->sched_min[w] += m;
	return 0;
}

static int
dash_range_load(struct dash *d, const char *student, struct dash_range *r)
{
	if (store_usage_hours(DASH_ACT(d), student, r->from.s, r->to.s, dash_range_cb, r,
	    d->err, sizeof(d->err)) == -1)
		return -1;
	return 0;
}

static void
dash_num(const struct dash *d, int64_t v, char *buf, size_t len)
{
	i18n_num(d->lang, v, buf, len);
}

/* "Gambling" for a known category, the id itself for one this language does not name. */
const char *
dash_category_name(const struct dash *d, const char *cat, char *buf, size_t len)
{
	const char	*v;

	if (cat == NULL || *cat == '\0')
		return dash_t(d, "cat.none");
	snprintf(buf, len, "cat.%s", cat);
	v = dash_t(d, buf);
	if (v == buf || strcmp(v, buf) == 0) {
		snprintf(buf, len, "%s", cat);
		return buf;
	}
	return v;
}

/* A schedule's name in the parent's language ("sched.bedtime"), else as IT wrote it. */
static const char *
dash_sched_name(const struct dash *d, const char *name, char *key, size_t len)
{
	const char	*v;

	snprintf(key, len, "sched.%s", name);
	v = dash_t(d, key);
	return strcmp(v, key) == 0 ? name : v;
}

/* The change against the period before, in words: "12% more than the previous 7 days". */
static void
dash_change(struct dash *d, int64_t cur, int64_t prev, const char *period)
{
	char		 pct[32], what[64], buf[256];
	const char	*args[2];
	int64_t		 p;

	snprintf(what, sizeof(what), "cmp.prev.%s", period);
	args[1] = dash_t(d, what);
	if (prev == 0 && cur == 0) {
		i18n_fmt(d->lang, buf, sizeof(buf), "cmp.same", 2, args);
	} else if (prev == 0) {
		i18n_fmt(d->lang, buf, sizeof(buf), "cmp.new", 2, args);
	} else {
		p = ((cur - prev) * 100 + (cur >= prev ? prev / 2 : -prev / 2)) / prev;
		dash_num(d, p < 0 ? -p : p, pct, sizeof(pct));
		args[0] = pct;
		i18n_fmt(d->lang, buf, sizeof(buf), p > 0 ? "cmp.up" : p < 0 ?
		    "cmp.down" : "cmp.same", 2, args);
	}
	cgi_out_raw(d->out, "<span class=\"muted\">");
	cgi_out_html(d->out, buf);
	cgi_out_raw(d->out, "</span>");
}

static void
dash_stat(struct dash *d, const char *key, const char *value, int64_t cur,
    int64_t prev, const char *period)
{
	cgi_out_raw(d->out, "<div><dt>");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "</dt><dd>");
	cgi_out_html(d->out, value);
	cgi_out_raw(d->out, "</dd><dd class=\"chg\">");
	dash_change(d, cur, prev, period);
	cgi_out_raw(d->out, "</dd></div>");
}

static void
dash_hour_label(const struct dash *d, int h, char *buf, size_t len)
{
	char	 a[32], b[32];

	dash_time(d, h, 0, a, sizeof(a));
	dash_time(d, (h + 1) % 24, 0, b, sizeof(b));
	snprintf(buf, len, "%s–%s", a, b);
}

/*
 * The chart's geometry.  x is in percent of the width and y in CSS pixels,
 * with no viewBox: the bars stretch to any screen while the labels keep
 * their 13 px, so the hours stay readable on a 390 px phone instead of
 * shrinking with a scaled drawing.
 */
#define CHART_TOP	20
#define CHART_PLOT	150
#define CHART_HEIGHT	(CHART_TOP + CHART_PLOT + 26)
#define CHART_PCT(m)	((double)(m) * 100.0 / 1440.0)	/* minute of the day -> x */

/* One shaded stretch of the day, [from, to) in minutes, as a rect under the bars. */
static void
dash_chart_band(struct dash *d, size_t w, int from, int to)
{
	if (to <= from)
		return;
	cgi_out_printf(d->out, "<rect class=\"band b%zu\" x=\"%.3f%%\" y=\"%d\" "
	    "width=\"%.3f%%\" height=\"%d\"/>", w % 3, CHART_PCT(from), CHART_TOP,
	    CHART_PCT(to - from), CHART_PLOT);
}

/*
 * The schedule windows of one day behind the bars (school hours, bedtime):
 * where the child's minutes fell against the district's day.  A window past
 * midnight shows its tail from the day before.
 */
static void
dash_chart_bands(struct dash *d, const struct dash_range *r, int wday)
{
	int	 yday = (wday + 6) % 7;

	for (size_t w = 0; w < r->nsched; w++) {
		const struct policy_window	*s = &r->sched[w];

		if (s->from == s->to)
			continue;
		if (s->from < s->to) {
			if (s->days >> wday & 1)
				dash_chart_band(d, w, s->from, s->to);
			continue;
		}
		if (s->days >> yday & 1)
			dash_chart_band(d, w, 0, s->to);
		if (s->days >> wday & 1)
			dash_chart_band(d, w, s->from, 1440);
	}
}

/* The legend of the bands, in HTML so it wraps and reads like text. */
static void
dash_chart_legend(struct dash *d, const struct dash_range *r, int wday)
{
	char		 key[96], from[32], to[32], span[96];
	int		 any = 0;

	for (size_t w = 0; w < r->nsched; w++) {
		const struct policy_window	*s = &r->sched[w];

		if (s->from == s->to || !((s->days >> wday & 1) ||
		    (s->from > s->to && (s->days >> ((wday + 6) % 7) & 1))))
			continue;
		if (!any++)
			cgi_out_raw(d->out, "<ul class=\"legend\">");
		dash_time(d, s->from / 60, s->from % 60, from, sizeof(from));
		dash_time(d, s->to / 60, s->to % 60, to, sizeof(to));
		snprintf(span, sizeof(span), " (%s–%s)", from, to);
		cgi_out_printf(d->out, "<li><span class=\"sw b%zu\"></span>", w % 3);
		cgi_out_html(d->out, dash_sched_name(d, s->name, key, sizeof(key)));
		cgi_out_html(d->out, span);
		cgi_out_raw(d->out, "</li>");
	}
	if (any)
		cgi_out_raw(d->out, "</ul>");
}

/*
 * Server-rendered SVG: 24 bars over the day's schedule windows, hour labels
 * every 6 hours on a phone and every 3 on a wider screen (CSS hides the
 * others), a title and a description in words for screen readers, and the
 * same numbers as a table below.  wday < 0 (several days): no bands.
 */
static void
dash_chart(struct dash *d, const struct dash_range *r, int wday)
{
	int64_t		 ymax = 60, m;
	char		 buf[256], lbl[96], dur[64], t1[32], t2[32];
	const char	*args[2];
	int		 busiest = -1, first = -1, last = -1, h, bh;

	for (h = 0; h < 24; h++) {
		if (r->hour_min[h] > ymax)
			ymax = r->hour_min[h];
		if (r->hour_min[h] > 0 && (busiest < 0 ||
		    r->hour_min[h] > r->hour_min[busiest]))
			busiest = h;
		if (r->hour_min[h] > 0) {
			if (first < 0)
				first = h;
			last = h;
		}
	}
	ymax = (ymax + 59) / 60 * 60;
	cgi_out_raw(d->out, "<section class=\"chart\"><h2 id=\"chart-title\">");
	cgi_out_html(d->out, dash_t(d, "report.chart"));
	cgi_out_raw(d->out, "</h2><p id=\"chart-desc\">");
	if (busiest < 0)
		cgi_out_html(d->out, dash_t(d, "report.chart.none"));
	else {
		dash_hour_label(d, busiest, lbl, sizeof(lbl));
		i18n_minutes(d->lang, r->hour_min[busiest], dur, sizeof(dur));
		args[0] = lbl;
		args[1] = dur;
		i18n_fmt(d->lang, buf, sizeof(buf), "report.chart.busiest", 2, args);
		cgi_out_html(d->out, buf);
		/* The day at a glance in words too: from the first hour online to the end of the last. */
		if (first != last) {
			dash_time(d, first, 0, t1, sizeof(t1));
			dash_time(d, (last + 1) % 24, 0, t2, sizeof(t2));
			args[0] = t1;
			args[1] = t2;
			i18n_fmt(d->lang, buf, sizeof(buf), "report.chart.span", 2, args);
			cgi_out_raw(d->out, " ");
			cgi_out_html(d->out, buf);
		}
	}
	cgi_out_printf(d->out, "</p><svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"100%%\" height=\"%d\" role=\"img\" "
	    "aria-labelledby=\"chart-title chart-desc\">", CHART_HEIGHT);
	if (wday >= 0)
		dash_chart_bands(d, r, wday);
	/* Scale: half and full, labelled above their line at the left. */
	for (int k = 0; k <= 2; k++) {
		int	 y = CHART_TOP + CHART_PLOT - CHART_PLOT * k / 2;

		cgi_out_printf(d->out, "<line x1=\"0\" y1=\"%d\" x2=\"100%%\" y2=\"%d\" "
		    "class=\"%s\"/>", y, y, k == 0 ? "base" : "grid");
	}
	for (h = 0; h < 24; h++) {
		m = r->hour_min[h];
		bh = (int)(m * CHART_PLOT / ymax);
		if (m > 0 && bh < 2)
			bh = 2;
		if (bh == 0)
			continue;
		dash_hour_label(d, h, lbl, sizeof(lbl));
		i18n_minutes(d->lang, m, dur, sizeof(dur));
		cgi_out_printf(d->out, "<rect class=\"bar\" x=\"%.3f%%\" y=\"%d\" "
		    "width=\"%.3f%%\" height=\"%d\"><title>", h * 100.0 / 24 + 0.5,
		    CHART_TOP + CHART_PLOT - bh, 100.0 / 24 - 1.0, bh);
		cgi_out_html(d->out, lbl);
		cgi_out_raw(d->out, ": ");
		cgi_out_html(d->out, dur);
		cgi_out_raw(d->out, "</title></rect>");
	}
	for (int k = 1; k <= 2; k++) {
		int	 y = CHART_TOP + CHART_PLOT - CHART_PLOT * k / 2;

		i18n_minutes(d->lang, ymax * k / 2, dur, sizeof(dur));
		cgi_out_printf(d->out, "<text x=\"2\" y=\"%d\" class=\"scale\">", y - 4);
		cgi_out_html(d->out, dur);
		cgi_out_raw(d->out, "</text>");
	}
	for (h = 0; h < 24; h += 3) {
		dash_time_hour(d, h, lbl, sizeof(lbl));
		cgi_out_printf(d->out, "<line x1=\"%.3f%%\" y1=\"%d\" x2=\"%.3f%%\" "
		    "y2=\"%d\" class=\"tick%s\"/>", h * 100.0 / 24, CHART_TOP + CHART_PLOT,
		    h * 100.0 / 24, CHART_TOP + CHART_PLOT + 5, h % 6 ? " h3" : "");
		cgi_out_printf(d->out, "<text x=\"%.3f%%\" y=\"%d\" class=\"hour%s\" "
		    "text-anchor=\"%s\">", h * 100.0 / 24, CHART_TOP + CHART_PLOT + 20,
		    h % 6 ? " h3" : "", h == 0 ? "start" : "middle");
		cgi_out_html(d->out, lbl);
		cgi_out_raw(d->out, "</text>");
	}
	cgi_out_raw(d->out, "</svg>");
	if (wday >= 0)
		dash_chart_legend(d, r, wday);
	cgi_out_raw(d->out, "<details><summary>");

	cgi_out_html(d->out, dash_t(d, "report.chart.table"));
	cgi_out_raw(d->out, "</summary><div class=\"tw\"><table><caption class=\"muted\">");
	cgi_out_html(d->out, dash_t(d, "report.chart"));
	cgi_out_raw(d->out, "</caption><thead><tr><th scope=\"col\">");
	cgi_out_html(d->out, dash_t(d, "report.col.hour"));
	cgi_out_raw(d->out, "</th><th scope=\"col\" class=\"n\">");
	cgi_out_html(d->out, dash_t(d, "report.col.time"));
	cgi_out_raw(d->out, "</th><th scope=\"col\" class=\"n\">");
	cgi_out_html(d->out, dash_t(d, "report.col.visits"));
	cgi_out_raw(d->out, "</th><th scope=\"col\" class=\"n\">");
	cgi_out_html(d->out, dash_t(d, "report.col.blocked"));
	cgi_out_raw(d->out, "</th></tr></thead><tbody>");
	for (h = 0; h < 24; h++) {
		char	 v[32], b[32];

		if (r->hour_visits[h] == 0 && r->hour_min[h] == 0)
			continue;
		dash_hour_label(d, h, lbl, sizeof(lbl));
		i18n_minutes(d->lang, r->hour_min[h], dur, sizeof(dur));
		dash_num(d, r->hour_visits[h], v, sizeof(v));
		dash_num(d, r->hour_blocked[h], b, sizeof(b));
		cgi_out_raw(d->out, "<tr><th scope=\"row\">");
		cgi_out_html(d->out, lbl);
		cgi_out_raw(d->out, "</th><td class=\"n\">");
		cgi_out_html(d->out, dur);
		cgi_out_raw(d->out, "</td><td class=\"n\">");
		cgi_out_html(d->out, v);
		cgi_out_raw(d->out, "</td><td class=\"n\">");
		cgi_out_html(d->out, b);
		cgi_out_raw(d->out, "</td></tr>");
	}
	cgi_out_raw(d->out, "</tbody></table></div></details></section>");
}

/* Per-category sums, built from the per-host rows (one scan of the rollups serves both tables). */
#define DASH_MAX_CATS	64
struct dash_cat {
	int		 named;		/* 0: uncategorised */
	char		 name[64];	/* in the struct, not a pointer: qsort moves these */
	int64_t		 visits, blocked, seconds;
};

struct dash_rows {
	struct dash	*d;
	int		 n;
	struct dash_cat	 cats[DASH_MAX_CATS];
	int		 ncats;
};

static void
dash_cat_add(struct dash_rows *rw, const struct store_usage *u)
{
	struct dash_cat	*c = NULL;
	int		 i;

	for (i = 0; i < rw->ncats; i++)
		if ((u->category == NULL && !rw->cats[i].named) ||
		    (u->category != NULL && rw->cats[i].named &&
		    strcmp(u->category, rw->cats[i].name) == 0))
			break;
	if (i < rw->ncats)
		c = &rw->cats[i];
	else if (rw->ncats < DASH_MAX_CATS) {
		c = &rw->cats[rw->ncats++];
		memset(c, 0, sizeof(*c));
		/* A category id longer than the buffer is not one the rules can have; show it cut. */
		if (u->category != NULL) {
			snprintf(c->name, sizeof(c->name), "%s", u->category);
			c->named = 1;
		}
	} else
		return;
	c->visits += u->visits;
	c->blocked += u->blocked;
	c->seconds += u->seconds;
}

static int
dash_cat_cmp(const void *a, const void *b)
{
	const struct dash_cat	*x = a, *y = b;

	if (x->named != y->named)
		return x->named ? -1 : 1;
	if (x->visits != y->visits)
		return x->visits > y->visits ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
dash_th(struct dash *d, const char *key, int numeric)
{
	cgi_out_raw(d->out, numeric ? "<th scope=\"col\" class=\"n\">" :
	    "<th scope=\"col\">");
	cgi_out_html(d->out, dash_t(d, key));
	cgi_out_raw(d->out, "</th>");
}

static void
dash_td_num(struct dash *d, int64_t v)
{
	char	 b[32];

	dash_num(d, v, b, sizeof(b));
	cgi_out_raw(d->out, "<td class=\"n\">");
	cgi_out_html(d->out, b);
	cgi_out_raw(d->out, "</td>");
}

static void
dash_td_min(struct dash *d, int64_t seconds)
{
	char	 b[64];

	i18n_minutes(d->lang, (seconds + 59) / 60, b, sizeof(b));
	cgi_out_raw(d->out, "<td class=\"n\">");
	cgi_out_html(d->out, b);
	cgi_out_raw(d->out, "</td>");
}

static int
dash_site_cb(const struct store_usage *u, void *arg)
{
	struct dash_rows	*rw = arg;
	struct dash		*d = rw->d;
	char			 cb[128];

	dash_cat_add(rw, u);
	/* Rows come most visited first: the first ones are the top sites, the rest only count. */
	if (rw->n >= DASH_TOP_SITES)
		return 0;
	/* Host names come from the network: escaped, and broken anywhere so a long one cannot widen the page. */
	cgi_out_raw(d->out, "<tr><td class=\"host\">");
	cgi_out_html(d->out, u->host);
	/* On a phone the category moves under the host, so the numbers keep their room (CSS picks one). */
	cgi_out_raw(d->out, "<span class=\"cat-in\">");
	cgi_out_html(d->out, dash_category_name(d, u->category, cb, sizeof(cb)));
	cgi_out_raw(d->out, "</span></td><td class=\"cat\">");
	cgi_out_html(d->out, dash_category_name(d, u->category, cb, sizeof(cb)));
	cgi_out_raw(d->out, "</td>");
	dash_td_num(d, u->visits);
	dash_td_min(d, u->seconds);
	dash_td_num(d, u->blocked);
	cgi_out_raw(d->out, "</tr>");
	rw->n++;
	return 0;
}

static void
dash_cat_row(struct dash *d, const struct dash_cat *c)
{
	char	 cb[128];

	cgi_out_raw(d->out, "<tr><td>");
	cgi_out_html(d->out, dash_category_name(d, c->named ? c->name : NULL, cb,
	    sizeof(cb)));
	cgi_out_raw(d->out, "</td>");
	dash_td_num(d, c->visits);
	dash_td_min(d, c->seconds);
	dash_td_num(d, c->blocked);
	cgi_out_raw(d->out, "</tr>");
}

/*
 * Plain words for why: the daemon writes policy_reason_name() words, or
 * "schedule:NAME" for a schedule window; each maps to a sentence per language.
 */
static const char *
dash_why(const struct dash *d, const struct store_event *e, char *buf, size_t len)
{
	static const char *const known[] = { "student-deny", "group-deny",
		"schedule", "category", "block-all", "encrypted-dns", "doh-canary",
		"blocked-port", "strict-https", "quic-unreadable", "tcp-overlap", "guardian-pause",
		"guardian-bedtime", "guardian-category", NULL };
	char		 key[96];
	const char	*args[1];

	if (e->reason != NULL && strncmp(e->reason, "schedule:", 9) == 0 &&
	    e->reason[9] != '\0') {
		args[0] = dash_sched_name(d, e->reason + 9, key, sizeof(key));
		i18n_fmt(d->lang, buf, len, "why.schedule.named", 1, args);
		return buf;
	}

	for (int i = 0; e->reason != NULL && known[i] != NULL; i++)
		if (strncmp(e->reason, known[i], strlen(known[i])) == 0) {
			snprintf(key, sizeof(key), "why.%s", known[i]);
			return dash_t(d, key);
		}
	if (e->reason != NULL && strstr(e->reason, "schedule") != NULL)
		return dash_t(d, "why.schedule");
	return dash_t(d, "why.policy");
}

/*
 * Blocked attempts, grouped: an app or a child retrying one site makes a
 * run of identical blocks.  Attempts of one host, blocked for the same
 * reason, each within DASH_BLOCKED_GAP_MS of the next and on the same local
 * day, are one line: "www.instagram.com, 3 times, 6:29–6:31 AM".  Events
 * come newest first; a run need not be contiguous (other hosts blocked in
 * between still leave it one run).
 */
#define DASH_BLOCKED_FETCH	500
#define DASH_BLOCKED_GAP_MS	(10 * 60 * 1000)

struct dash_bgroup {
	char		*host, *category, *reason;
	int64_t		 first_ms, last_ms;	/* oldest and newest attempt */
	int64_t		 n;
	long		 day;			/* local day number of the attempts */
};

struct dash_blocked {
	struct dash	*d;
	int		 multi_day;
	struct dash_bgroup g[DASH_BLOCKED_SHOWN];
	int		 ng;
	int64_t		 seen;		/* events read */
	int64_t		 shown;		/* events in the lines shown */
	int		 oom;
};

static int
dash_streq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static long
dash_local_dayno(const struct dash *d, int64_t ms)
{
	struct tz_tm	 t;

	tz_localtime(d->tz, ms / 1000, &t);
	return (long)dash_days_from_civil(t.year, t.mon, t.mday);
}

static char *
dash_strdup_or_null(const char *s, int *oom)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*oom = 1;
	return p;
}

static int
dash_blocked_cb(const struct store_event *e, void *arg)
{
	struct dash_blocked	*b = arg;
	struct dash_bgroup	*g;
	long			 day = dash_local_dayno(b->d, e->ts_ms);
	const char		*host = e->host != NULL ? e->host : "";

	b->seen++;
	for (int i = 0; i < b->ng; i++) {
		g = &b->g[i];
		if (g->day == day && g->first_ms - e->ts_ms <= DASH_BLOCKED_GAP_MS &&
		    strcmp(g->host, host) == 0 &&
		    dash_streq(g->category, e->category) &&
		    dash_streq(g->reason, e->reason)) {
			g->first_ms = e->ts_ms;
			g->n++;
			b->shown++;
			return 0;
		}
	}
	/* The newest lines fill the list; an older attempt that starts a new line is only counted. */
	if (b->ng == DASH_BLOCKED_SHOWN)
		return 0;
	g = &b->g[b->ng++];
	memset(g, 0, sizeof(*g));
	g->host = dash_strdup_or_null(host, &b->oom);
	g->category = dash_strdup_or_null(e->category, &b->oom);
	g->reason = dash_strdup_or_null(e->reason, &b->oom);
	g->first_ms = g->last_ms = e->ts_ms;
	g->n = 1;
	g->day = day;
	b->shown++;
	return b->oom ? -1 : 0;
}

static void
dash_blocked_free(struct dash_blocked *b)
{
	for (int i = 0; i < b->ng; i++) {
		free(b->g[i].host);
		free(b->g[i].category);
		free(b->g[i].reason);
	}
	b->ng = 0;
}

/* One line: host, how many times, when; then why in plain words. */
static void
dash_blocked_line(struct dash *d, const struct dash_blocked *b,
    const struct dash_bgroup *g)
{
	struct store_event	 e;
	struct tz_tm		 t0, t1;
	char			 when[256], day[96], tm[96], cb[128], what[256],
				 why[160], n[32], times[64];
	const char		*args[2];

	tz_localtime(d->tz, g->first_ms / 1000, &t0);
	tz_localtime(d->tz, g->last_ms / 1000, &t1);
	dash_time_span(d, t0.hour, t0.min, t1.hour, t1.min, tm, sizeof(tm));
	if (b->multi_day) {
		i18n_date(d->lang, t1.year, t1.mon, t1.mday, t1.wday, 0, day, sizeof(day));
		snprintf(when, sizeof(when), "%s, %s", day, tm);
	} else
		snprintf(when, sizeof(when), "%s", tm);
	memset(&e, 0, sizeof(e));
	e.host = g->host;
	e.category = g->category;
	e.reason = g->reason;
	args[0] = dash_category_name(d, g->category, cb, sizeof(cb));
	args[1] = dash_why(d, &e, why, sizeof(why));
	i18n_fmt(d->lang, what, sizeof(what), "blocked.why", 2, args);
	cgi_out_raw(d->out, "<li><span class=\"host\">");
	cgi_out_html(d->out, g->host);
	cgi_out_raw(d->out, "</span>, ");
	if (g->n > 1) {
		dash_num(d, g->n, n, sizeof(n));
		args[0] = n;
		i18n_fmt(d->lang, times, sizeof(times), "blocked.times", 1, args);
		cgi_out_raw(d->out, "<strong>");
		cgi_out_html(d->out, times);
		cgi_out_raw(d->out, "</strong>, ");
	}
	cgi_out_raw(d->out, "<span class=\"when\">");
	cgi_out_html(d->out, when);
	cgi_out_raw(d->out, "</span><br><span class=\"muted\">");
	cgi_out_html(d->out, what);
	cgi_out_raw(d->out, "</span></li>");
}

static void
dash_schedules(struct dash *d, const struct dash_range *r)
{
	char		 dur[64], span[96], buf[256], from[32], to[32];
	const char	*args[3];

	if (r->nsched == 0)
		return;
	cgi_out_raw(d->out, "<section><h2>");
	cgi_out_html(d->out, dash_t(d, "report.schedules"));
	cgi_out_raw(d->out, "</h2><ul>");
	for (size_t w = 0; w < r->nsched; w++) {
		const struct policy_window	*s = &r->sched[w];
		char				 key[96];
		const char			*name;

		name = dash_sched_name(d, s->name, key, sizeof(key));
		dash_time(d, s->from / 60, s->from % 60, from, sizeof(from));
		dash_time(d, s->to / 60, s->to % 60, to, sizeof(to));
		i18n_minutes(d->lang, r->sched_min[w], dur, sizeof(dur));
		snprintf(span, sizeof(span), "%s–%s", from, to);
		args[0] = name;
		args[1] = span;
		args[2] = dur;
		i18n_fmt(d->lang, buf, sizeof(buf), "report.schedule.line", 3, args);
		cgi_out_raw(d->out, "<li>");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, "</li>");
	}
	cgi_out_raw(d->out, "</ul></section>");
}

static void
dash_pick_form(struct dash *d, const char *id, const char *day, int week,
    const char *today)
{
	cgi_out_raw(d->out, "<form method=\"get\" action=\"");
	dash_href(d, "child");
	cgi_out_raw(d->out, "\" class=\"row\"><input type=\"hidden\" name=\"id\" value=\"");
	cgi_out_html(d->out, id);
	cgi_out_raw(d->out, "\"><div><label for=\"day\">");
	cgi_out_html(d->out, dash_t(d, "report.pick.day"));
	cgi_out_raw(d->out, "</label><input type=\"date\" id=\"day\" name=\"day\" "
	    "min=\"2000-01-01\" max=\"");
	cgi_out_html(d->out, today);
	cgi_out_raw(d->out, "\" value=\"");
	cgi_out_html(d->out, day);
	cgi_out_raw(d->out, "\"></div><div><label for=\"range\">");
	cgi_out_html(d->out, dash_t(d, "report.pick.range"));
	cgi_out_raw(d->out, "</label><select id=\"range\" name=\"range\">"
	    "<option value=\"day\"");
	cgi_out_raw(d->out, week ? ">" : " selected>");
	cgi_out_html(d->out, dash_t(d, "report.range.day"));
	cgi_out_raw(d->out, "</option><option value=\"week\"");
	cgi_out_raw(d->out, week ? " selected>" : ">");
	cgi_out_html(d->out, dash_t(d, "report.range.week"));
	cgi_out_raw(d->out, "</option></select></div><div><button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "report.pick.show"));
	cgi_out_raw(d->out, "</button></div></form>");
}

void
dash_page_child(struct dash *d)
{
	/* A staff view comes as the POST that wrote its audit row. */
	const struct cgi_kv		*q = d->staff_student != NULL ? &d->req->form :
					    &d->req->query;
	const char			*id = cgi_kv_get(q, "id");
	const char			*day = cgi_kv_get(q, "day");
	const char			*range = cgi_kv_get(q, "range");
	const struct policy_student	*s;
	struct dash_range		 cur, prev;
	struct dash_day			 end, t0;
	struct dash_rows		 rows;
	struct dash_blocked		 bl;
	char				 today[11], title[256], dlong[96], dfrom[96],
					 n1[64], buf[256];
	const char			*args[3];
	int				 week;
	int64_t				 since, until;

	/* Every parameter is checked before anything is read; unknown values are a 400, not a guess. */
	if (id == NULL || (range != NULL && strcmp(range, "day") != 0 &&
	    strcmp(range, "week") != 0)) {
		dash_error(d, 400, "err.badrequest");
		return;
	}
	week = range != NULL && strcmp(range, "week") == 0;
	dash_today(d, today);
	if (day == NULL || *day == '\0')
		day = today;
	if (dash_day_parse(day, &end) == -1 || strcmp(end.s, today) > 0) {
		dash_error(d, 400, "err.badday");
		return;
	}
	/* Not theirs and not a student at all look the same: 404, nothing about the child. */
	if ((s = dash_my_student(d, id)) == NULL) {
		dash_error(d, 404, "err.notfound");
		return;
	}
	memset(&cur, 0, sizeof(cur));
	cur.ndays = week ? 7 : 1;
	cur.to = end;
	dash_day_from_n(end.n - cur.ndays + 1, &cur.from);
	for (size_t w = 0; w < DASH_MAX_SCHEDULES &&
	    policy_schedule_at(d->pol, s, w, &cur.sched[w]) == 0; w++)
		cur.nsched = w + 1;
	memset(&prev, 0, sizeof(prev));
	prev.ndays = cur.ndays;
	memcpy(prev.sched, cur.sched, sizeof(prev.sched));
	prev.nsched = cur.nsched;
	dash_day_from_n(cur.from.n - 1, &prev.to);
	dash_day_from_n(cur.from.n - cur.ndays, &prev.from);
	if (dash_range_load(d, id, &cur) == -1 || dash_range_load(d, id, &prev) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}

	i18n_date(d->lang, end.y, end.m, end.d, end.wday, 1, dlong, sizeof(dlong));
	i18n_date(d->lang, cur.from.y, cur.from.m, cur.from.d, cur.from.wday, 1, dfrom,
	    sizeof(dfrom));
	args[0] = policy_student_name(s);
	args[1] = week ? dfrom : dlong;
	args[2] = dlong;
	i18n_fmt(d->lang, title, sizeof(title), week ? "report.title.week" :
	    "report.title.day", 3, args);
	dash_page_head(d, title);
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, title);
	cgi_out_raw(d->out, "</h1>");
	/* Staff pick the period in the audited form: a link here would skip the audit. */
	if (d->staff_student != NULL)
		goto summary;
	dash_pick_form(d, id, end.s, week, today);

	/* Previous / next period. */
	cgi_out_raw(d->out, "<p><a href=\"");
	dash_href(d, "child?id=");
	cgi_out_urlenc(d->out, id);
	dash_day_from_n(end.n - cur.ndays, &t0);
	cgi_out_raw(d->out, "&amp;day=");
	cgi_out_html(d->out, t0.s);
	cgi_out_raw(d->out, week ? "&amp;range=week\" rel=\"prev\">" : "\" rel=\"prev\">");
	cgi_out_html(d->out, dash_t(d, week ? "report.prev.week" : "report.prev.day"));
	cgi_out_raw(d->out, "</a>");
	if (strcmp(end.s, today) < 0) {
		dash_day_from_n(end.n + cur.ndays, &t0);
		if (strcmp(t0.s, today) > 0)
			snprintf(t0.s, sizeof(t0.s), "%s", today);
		cgi_out_raw(d->out, " · <a href=\"");
		dash_href(d, "child?id=");
		cgi_out_urlenc(d->out, id);
		cgi_out_raw(d->out, "&amp;day=");
		cgi_out_html(d->out, t0.s);
		cgi_out_raw(d->out, week ? "&amp;range=week\" rel=\"next\">" :
		    "\" rel=\"next\">");
		cgi_out_html(d->out, dash_t(d, week ? "report.next.week" :
		    "report.next.day"));
		cgi_out_raw(d->out, "</a>");
	}
	cgi_out_raw(d->out, "</p>");

summary:
	/* Summary with the change against the period before. */
	cgi_out_raw(d->out, "<section><h2>");
	cgi_out_html(d->out, dash_t(d, "report.summary"));
	cgi_out_raw(d->out, "</h2><dl class=\"stats\">");
	i18n_minutes(d->lang, cur.total_min, n1, sizeof(n1));
	dash_stat(d, "report.time", n1, cur.total_min, prev.total_min, week ? "week" :
	    "day");
	dash_num(d, cur.visits, n1, sizeof(n1));
	dash_stat(d, "report.visits", n1, cur.visits, prev.visits, week ? "week" : "day");
	dash_num(d, cur.blocked, n1, sizeof(n1));
	dash_stat(d, "report.blocked", n1, cur.blocked, prev.blocked, week ? "week" :
	    "day");
	cgi_out_raw(d->out, "</dl></section>");

	dash_limits_section(d, s);

	dash_chart(d, &cur, week ? -1 : end.wday);

	if (week) {
		cgi_out_raw(d->out, "<section><h2>");
		cgi_out_html(d->out, dash_t(d, "report.days"));
		cgi_out_raw(d->out, "</h2><div class=\"tw\"><table><thead><tr>");
		dash_th(d, "report.col.day", 0);
		dash_th(d, "report.col.time", 1);
		dash_th(d, "report.col.visits", 1);
		dash_th(d, "report.col.blocked", 1);
		cgi_out_raw(d->out, "</tr></thead><tbody>");
		for (int i = 0; i < cur.ndays; i++) {
			dash_day_from_n(cur.from.n + i, &t0);
			i18n_date(d->lang, t0.y, t0.m, t0.d, t0.wday, 0, buf, sizeof(buf));
			cgi_out_raw(d->out, "<tr><th scope=\"row\">");
			cgi_out_html(d->out, buf);
			cgi_out_raw(d->out, "</th>");
			i18n_minutes(d->lang, cur.day_min[i], n1, sizeof(n1));
			cgi_out_raw(d->out, "<td class=\"n\">");
			cgi_out_html(d->out, n1);
			cgi_out_raw(d->out, "</td>");
			dash_td_num(d, cur.day_visits[i]);
			dash_td_num(d, cur.day_blocked[i]);
			cgi_out_raw(d->out, "</tr>");
		}
		cgi_out_raw(d->out, "</tbody></table></div></section>");
	}

	dash_schedules(d, &cur);

	/* Top sites. */
	cgi_out_raw(d->out, "<section><h2>");
	cgi_out_html(d->out, dash_t(d, "report.sites"));
	cgi_out_raw(d->out, "</h2><div class=\"tw\"><table id=\"sites\"><thead><tr>");
	dash_th(d, "report.col.site", 0);
	cgi_out_raw(d->out, "<th scope=\"col\" class=\"cat\">");
	cgi_out_html(d->out, dash_t(d, "report.col.category"));
	cgi_out_raw(d->out, "</th>");
	dash_th(d, "report.col.visits", 1);
	dash_th(d, "report.col.time", 1);
	dash_th(d, "report.col.blocked", 1);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	memset(&rows, 0, sizeof(rows));
	rows.d = d;
	if (store_usage_hosts(DASH_ACT(d), id, cur.from.s, cur.to.s, 0,
	    dash_site_cb, &rows, d->err, sizeof(d->err)) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	cgi_out_raw(d->out, "</tbody></table></div>");
	if (rows.n == 0) {
		cgi_out_raw(d->out, "<p class=\"muted\">");
		cgi_out_html(d->out, dash_t(d, "report.nothing"));
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "</section>");

	/* Categories. */
	cgi_out_raw(d->out, "<section><h2>");
	cgi_out_html(d->out, dash_t(d, "report.categories"));
	cgi_out_raw(d->out, "</h2><div class=\"tw\"><table id=\"categories\"><thead><tr>");
	dash_th(d, "report.col.category", 0);
	dash_th(d, "report.col.visits", 1);
	dash_th(d, "report.col.time", 1);
	dash_th(d, "report.col.blocked", 1);
	cgi_out_raw(d->out, "</tr></thead><tbody>");
	qsort(rows.cats, (size_t)rows.ncats, sizeof(rows.cats[0]), dash_cat_cmp);
	for (int i = 0; i < rows.ncats && i < DASH_TOP_CATEGORIES; i++)
		dash_cat_row(d, &rows.cats[i]);
	cgi_out_raw(d->out, "</tbody></table></div></section>");

	/* Blocked attempts: raw events of this child only, newest first, bounded. */
	since = dash_day_start_ms(d, cur.from.y, cur.from.m, cur.from.d);
	dash_day_from_n(cur.to.n + 1, &t0);
	until = dash_day_start_ms(d, t0.y, t0.m, t0.d);
	cgi_out_raw(d->out, "<section><h2>");
	cgi_out_html(d->out, dash_t(d, "report.blocks"));
	cgi_out_raw(d->out, "</h2>");
	memset(&bl, 0, sizeof(bl));
	bl.d = d;
	bl.multi_day = week;
	if (store_blocked_events(DASH_ACT(d), id, since, until, DASH_BLOCKED_FETCH,
	    dash_blocked_cb, &bl, d->err, sizeof(d->err)) == -1 || bl.oom) {
		/* A callback's -1 only stops the scan: running out of memory is checked here. */
		if (bl.oom)
			snprintf(d->err, sizeof(d->err), "out of memory");
		dash_blocked_free(&bl);
		dash_error(d, 500, "err.server");
		return;
	}
	if (bl.ng > 0) {
		cgi_out_raw(d->out, "<ul id=\"blocked\" class=\"events\">");
		for (int i = 0; i < bl.ng; i++)
			dash_blocked_line(d, &bl, &bl.g[i]);
		cgi_out_raw(d->out, "</ul>");
	}
	dash_blocked_free(&bl);
	if (bl.seen == 0) {
		cgi_out_raw(d->out, "<p class=\"muted\" id=\"blocked\">");
		cgi_out_html(d->out, dash_t(d, "report.noblocks"));
		cgi_out_raw(d->out, "</p>");
	} else if (bl.shown < bl.seen || (bl.seen == DASH_BLOCKED_FETCH &&
	    cur.blocked > bl.seen)) {
		dash_num(d, bl.shown, n1, sizeof(n1));
		args[0] = n1;
		i18n_fmt(d->lang, buf, sizeof(buf), "report.blocks.more", 1, args);
		cgi_out_raw(d->out, "<p class=\"muted\">");
		cgi_out_html(d->out, buf);
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "</section>");
	dash_page_foot(d);
}
