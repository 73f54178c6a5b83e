/* cmd_letters: family letters on paper — one per guardian, in their language, with a fresh enrolment code, a QR code of the enrolment address (libqrencode, inline SVG) and the terms in short. */
#include "cmd_letters.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "auth.h"
#include "aup.h"
#include "cgi_out.h"
#include "cli_usage.h"
#include "config.h"
#include "hp_err.h"
#include "hp_str.h"
#include "i18n.h"
#include "policy.h"
#include "priv.h"
#include "store.h"
#include "store_dash.h"
#include "store_login.h"
#include "tz.h"

#ifndef HALLPASS_LANG_DIR
#define HALLPASS_LANG_DIR	"/usr/local/share/hallpass/lang"
#endif

/*
 * Paper first: A4 and US Letter both fit the 180 mm column; every letter
 * starts a page.  On screen the same page reads as sheets on a grey desk.
 */
static const char letters_css[] =
    "@page{size:auto;margin:11mm 15mm}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:10pt/1.32 'DejaVu Sans',Arial,sans-serif;color:#000}"
    ".letter{break-after:page;page-break-after:always}"
    ".letter:last-child{break-after:auto;page-break-after:auto}"
    "h1{font-size:14pt;margin:0 0 2mm}h2{font-size:11pt;margin:3mm 0 1mm}"
    "p{margin:0 0 1.5mm}ol{margin:0 0 1.5mm;padding-left:6mm}li{margin-bottom:.5mm}"
    ".from{display:flex;justify-content:space-between;border-bottom:1px solid #000;"
    "padding-bottom:1mm;margin-bottom:3mm;font-size:9pt}"
    ".top{display:flex;gap:8mm;align-items:center;border:1.5px solid #000;"
    "border-radius:2mm;padding:2.5mm 4mm;margin:2.5mm 0;break-inside:avoid}"
    ".top h2{margin-top:0}"
    ".code{font:700 19pt/1.2 'DejaVu Sans Mono',monospace;letter-spacing:.06em;margin:1mm 0 2mm;white-space:nowrap}"
    ".qr{margin:0;text-align:center;font-size:9pt;max-width:70mm}"
    ".qr svg{display:block;width:36mm;height:36mm;margin:0 auto 1mm}"
    ".url{font-family:'DejaVu Sans Mono',monospace;overflow-wrap:anywhere}"
    ".small{font-size:9pt}.terms p{font-size:9pt;margin-bottom:1mm}"
    ".how{font-weight:700}"
    "footer{border-top:1px solid #000;margin-top:3mm;padding-top:1mm;font-size:9pt}"
    "footer h2{font-size:10pt;margin:0 0 1mm}"
    "@media screen{body{background:#d8dce2}.letter{background:#fff;max-width:210mm;"
    "margin:1rem auto;padding:14mm 16mm;box-shadow:0 1px 4px #0004}}";

struct letters_opts {
	const char	*school, *group, *lang, *out;
	int		 not_enrolled;
	long		 days;
};

/* What every letter of the batch shares. */
struct letters_ctx {
	struct config		 cfg;
	struct policy		*pol;
	struct aup		*aup;
	struct tz		*tz;
	struct store		*st;
	struct i18n		 i18n;
	int			 have_i18n;
	char			 url[1100];	/* the enrolment address */
	char			*qr_svg;	/* the same QR code on every letter */
	int64_t			 now_ms, exp_ms;
	long			 periods[AUP_NVALUES];
};

static void
letters_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] letters [--school S] [--group G] [--not-enrolled]\n"
	    "           [--lang L] [--days N] -o OUT.html\n"
	    "\n"
	    "Writes one HTML page, ready to print (a page per letter), with a letter\n"
	    "for every guardian of the roster who has a student: in the guardian's\n"
	    "language (the roster's, else the one they chose; English when the\n"
	    "dashboard has no file for it), with a fresh single-use enrolment code\n"
	    "(valid N days, 1-90, default 14; a guardian's earlier unused codes stop\n"
	    "working), a QR code of the enrolment address (dashboard_url in\n"
	    "hallpass.yaml), how to enrol from a phone and the terms in short.\n"
	    "\n"
	    "  --school S       guardians of a student at school S (org id or name)\n"
	    "  --group G        guardians of a student in group G\n"
	    "  --not-enrolled   only guardians without a dashboard account yet\n"
	    "  --lang L         only the letters in language L (en, es, ...)\n"
	    "\n"
	    "OUT.html holds the codes: it is written with mode 0600.\n"
	    "Exit status: 0 done, 1 failure or no guardian matched, 2 usage error.\n", f);
}

static void
letters_add(struct cgi_buf *b, const char *s)
{
	cgi_buf_add(b, s, strlen(s));	/* it keeps the buffer NUL-terminated */
}

/* The QR code of text as inline SVG: one path of dark modules, a 4-module quiet zone. */
static char *
letters_qr_svg(const char *text, char *err, size_t errlen)
{
	QRcode		*q;
	struct cgi_buf	 b = { NULL, 0, 0, 0 };
	char		 cell[48];
	int		 w;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL) {
		hp_errf(err, errlen, "QR code of \"%s\": %s", text, strerror(errno));
		return NULL;
	}
	w = q->width;
	snprintf(cell, sizeof(cell), "%d", w + 8);
	letters_add(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
	letters_add(&b, cell);
	letters_add(&b, " ");
	letters_add(&b, cell);
	/* @@LABEL@@ becomes each letter's own label, in its language. */
	letters_add(&b, "\" shape-rendering=\"crispEdges\" role=\"img\" "
	    "aria-label=\"@@LABEL@@\"><rect width=\"100%\" height=\"100%\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"");
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1) {
				int n = snprintf(cell, sizeof(cell), "M%d %dh1v1h-1z",
				    x + 4, y + 4);

				cgi_buf_add(&b, cell, (size_t)n);
			}
	letters_add(&b, "\"/></svg>");
	QRcode_free(q);
	if (b.oom) {
		cgi_buf_free(&b);
		hp_errf(err, errlen, "QR code: out of memory");
		return NULL;
	}
	return b.s;
}

/* The letter's language: the roster's, else the guardian's own choice, else English. */
static const struct i18n_lang *
letters_lang(struct letters_ctx *c, const struct policy_guardian *g,
    char chosen[36], const char **missing)
{
	const struct i18n_lang	*l;
	const char		*want = policy_guardian_language(g);

	*missing = NULL;
	if (want == NULL && store_login_get(c->st, policy_guardian_id(g), NULL, 0,
	    chosen, 36, NULL, 0) == 0 && *chosen != '\0')
		want = chosen;
	if (want == NULL)
		return c->i18n.def;
	if ((l = i18n_match(&c->i18n, want)) != NULL)
		return l;
	*missing = want;
	return c->i18n.def;
}

static int
letters_match(struct letters_ctx *c, const struct letters_opts *o,
    const struct policy_guardian *g, int *rc)
{
	size_t	 n = policy_guardian_nstudents(g);
	int	 school = o->school == NULL, group = o->group == NULL;
	char	 hash[STORE_PWHASH_MAX], err[512];

	*rc = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct policy_student	*s = policy_guardian_student(g, i);
		const char			*sch = policy_student_school(s);
		const char			*sname = policy_student_school_name(s);
		const char			*grp = policy_student_group(s);

		if (!school && ((sch != NULL && strcmp(sch, o->school) == 0) ||
		    (sname != NULL && strcmp(sname, o->school) == 0)))
			school = 1;
		if (!group && grp != NULL && strcmp(grp, o->group) == 0)
			group = 1;
	}
	if (!school || !group)
		return 0;
	if (o->not_enrolled) {
		int	 r = store_account_get(c->st, policy_guardian_id(g), hash,
		    sizeof(hash), err, sizeof(err));

		sodium_memzero(hash, sizeof(hash));
		if (r == -1) {
			fprintf(stderr, "hallpass: letters: %s\n", err);
			*rc = -1;
			return 0;
		}
		if (r == 0)
			return 0;
	}
	return 1;
}

static void
letters_fmt(struct cgi_out *o, const struct i18n_lang *l, const char *key,
    size_t nargs, const char *const *args)
{
	char	 buf[2048];

	i18n_fmt(l, buf, sizeof(buf), key, nargs, args);
	cgi_out_html(o, buf);
}

/* Plain text, blank lines between paragraphs (as the dashboard shows the terms). */
static void
letters_paragraphs(struct cgi_out *o, const char *text)
{
	const char	*p = text, *e;

	while (*p != '\0') {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		if ((e = strstr(p, "\n\n")) == NULL)
			e = p + strlen(p);
		cgi_out_raw(o, "<p>");
		cgi_out_htmln(o, p, (size_t)(e - p));
		cgi_out_raw(o, "</p>");
		p = e;
	}
}

static void
letters_date(const struct letters_ctx *c, const struct i18n_lang *l, int64_t ms,
    char *buf, size_t len)
{
	struct tz_tm	 t;

	tz_localtime(c->tz, ms / 1000, &t);
	i18n_date(l, t.year, t.mon, t.mday, t.wday, 1, buf, len);
}

/* "Ana", "Ana and Ben", "Ana, Ben and Cy". */
static void
letters_children(const struct policy_guardian *g, const struct i18n_lang *l,
    char *buf, size_t len)
{
	size_t	 n = policy_guardian_nstudents(g), o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " " : ", ";
		int	 w;

		w = snprintf(buf + o, len - o, "%s%s%s%s", sep,
		    i > 0 && i + 1 == n ? i18n_s(l, "letter.and") : "",
		    i > 0 && i + 1 == n ? " " : "",
		    policy_student_name(policy_guardian_student(g, i)));
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

static int
letters_one(struct letters_ctx *c, struct cgi_out *o,
    const struct policy_guardian *g, const struct i18n_lang *l, const char *code)
{
	const struct aup_text	*t = aup_text(c->aup, l->tag);
	const char		*args[3];
	char			 kids[1024], when[160], eff[160], ver[32], *sum;
	const char		*label;

	cgi_out_raw(o, "<article class=\"letter\" lang=\"");
	cgi_out_html(o, l->tag);
	cgi_out_raw(o, "\" id=\"letter-");
	cgi_out_html(o, policy_guardian_id(g));
	cgi_out_raw(o, "\"><div class=\"from\"><span>");
	cgi_out_html(o, i18n_s(l, "app.name"));
	if (c->aup->contact != NULL) {
		cgi_out_raw(o, " · ");
		cgi_out_html(o, aup_contact_name(c->aup->contact, l->tag));
	}
	cgi_out_raw(o, "</span><span>");
	letters_date(c, l, c->now_ms, when, sizeof(when));
	cgi_out_html(o, when);
	cgi_out_raw(o, "</span></div><h1>");
	cgi_out_html(o, i18n_s(l, "letter.title"));
	cgi_out_raw(o, "</h1><p>");
	args[0] = policy_guardian_name(g);
	letters_fmt(o, l, "letter.dear", 1, args);
	cgi_out_raw(o, "</p><p>");
	letters_children(g, l, kids, sizeof(kids));
	args[0] = kids;
	letters_fmt(o, l, "letter.intro", 1, args);
	cgi_out_raw(o, "</p><section class=\"top\"><div><h2>");
	cgi_out_html(o, i18n_s(l, "letter.code"));
	cgi_out_raw(o, "</h2><p class=\"code\">");
	cgi_out_html(o, code);
	cgi_out_raw(o, "</p><p class=\"small\">");
	letters_date(c, l, c->exp_ms, when, sizeof(when));
	args[0] = when;
	letters_fmt(o, l, "letter.code.expires", 1, args);
	cgi_out_raw(o, "</p></div><figure class=\"qr\">");
	/* The one SVG, its label in this letter's language. */
	{
		const char	*mark = strstr(c->qr_svg, "@@LABEL@@");
		char		 lab[1400];

		args[0] = c->url;
		i18n_fmt(l, lab, sizeof(lab), "letter.qr", 1, args);
		cgi_buf_add(&o->body, c->qr_svg, (size_t)(mark - c->qr_svg));
		cgi_out_html(o, lab);
		cgi_out_raw(o, mark + strlen("@@LABEL@@"));
	}
	cgi_out_raw(o, "<figcaption>");
	cgi_out_html(o, i18n_s(l, "letter.qr.scan"));
	cgi_out_raw(o, ":<br><span class=\"url\">");
	cgi_out_html(o, c->url);
	cgi_out_raw(o, "</span></figcaption></figure></section><h2>");
	cgi_out_html(o, i18n_s(l, "letter.steps"));
	cgi_out_raw(o, "</h2><ol><li>");
	cgi_out_html(o, i18n_s(l, "letter.step1"));
	cgi_out_raw(o, "</li><li>");
	cgi_out_html(o, i18n_s(l, "letter.step2"));
	cgi_out_raw(o, "</li><li>");
	cgi_out_html(o, i18n_s(l, "letter.step3"));
	cgi_out_raw(o, "</li><li>");
	args[0] = i18n_s(l, "enrol.submit");
	letters_fmt(o, l, "letter.step4", 1, args);
	cgi_out_raw(o, "</li><li>");
	cgi_out_html(o, i18n_s(l, "letter.step5"));
	cgi_out_raw(o, "</li></ol><h2>");
	cgi_out_html(o, i18n_s(l, "letter.terms"));
	cgi_out_raw(o, "</h2><p class=\"small\">");
	snprintf(ver, sizeof(ver), "%ld", c->aup->version);
	{
		int	 y, m, d;

		/* effective is a checked YYYY-MM-DD; its weekday comes from the zone's calendar. */
		if (sscanf(c->aup->effective, "%4d-%2d-%2d", &y, &m, &d) == 3) {
			struct tz_tm	 lt;
			int64_t		 sec;

			memset(&lt, 0, sizeof(lt));
			lt.year = y;
			lt.mon = m;
			lt.mday = d;
			lt.hour = 12;
			if (tz_mktime(c->tz, &lt, &sec) == 0)
				letters_date(c, l, sec * 1000, eff, sizeof(eff));
			else
				hp_strlcpy(eff, c->aup->effective, sizeof(eff));
		} else
			hp_strlcpy(eff, c->aup->effective, sizeof(eff));
	}
	args[0] = ver;
	args[1] = eff;
	args[2] = i18n_s(l, "nav.terms");
	letters_fmt(o, l, "letter.terms.version", 3, args);
	cgi_out_raw(o, "</p><div class=\"terms\"");
	/* The terms may exist only in English: say which language the text is in. */
	if (strcasecmp(t->lang, l->tag) != 0) {
		cgi_out_raw(o, " lang=\"");
		cgi_out_html(o, t->lang);
		cgi_out_raw(o, "\"");
	}
	cgi_out_raw(o, ">");
	if (t->summary != NULL)
		sum = aup_render(t->summary, c->periods);
	else {
		/* No summary written: the first paragraph of the terms. */
		const char	*e = strstr(t->body, "\n\n");
		char		*first = strndup(t->body, e ? (size_t)(e - t->body) :
		    strlen(t->body));

		sum = first ? aup_render(first, c->periods) : NULL;
		free(first);
	}
	if (sum == NULL)
		return -1;
	letters_paragraphs(o, sum);
	free(sum);
	cgi_out_raw(o, "</div><p class=\"how\">");
	args[0] = i18n_s(l, "nav.terms");
	args[1] = i18n_s(l, "terms.ack");
	letters_fmt(o, l, "letter.terms.how", 2, args);
	cgi_out_raw(o, "</p>");
	if (c->aup->contact != NULL) {
		const struct aup_contact *k = c->aup->contact;
		const char		*hours = aup_contact_hours(k, l->tag);

		cgi_out_raw(o, "<footer><h2>");
		cgi_out_html(o, i18n_s(l, "letter.help"));
		cgi_out_raw(o, "</h2><p>");
		cgi_out_html(o, aup_contact_name(k, l->tag));
		if (k->phone != NULL) {
			cgi_out_raw(o, " · ");
			cgi_out_html(o, i18n_s(l, "contact.phone"));
			cgi_out_raw(o, ": ");
			cgi_out_html(o, k->phone);
		}
		if (k->email != NULL) {
			cgi_out_raw(o, " · ");
			cgi_out_html(o, i18n_s(l, "contact.email"));
			cgi_out_raw(o, ": ");
			cgi_out_html(o, k->email);
		}
		if (k->url != NULL) {
			cgi_out_raw(o, " · ");
			cgi_out_html(o, k->url);
		}
		if (hours != NULL) {
			cgi_out_raw(o, "<br>");
			cgi_out_html(o, hours);
		}
		cgi_out_raw(o, "</p></footer>");
	}
	label = "</article>\n";
	cgi_out_raw(o, label);
	return 0;
}

/* Writes what the buffer holds to fd and empties it. */
static int
letters_flush(struct cgi_out *o, int fd)
{
	size_t	 off = 0;

	if (o->body.oom) {
		errno = ENOMEM;
		return -1;
	}
	while (off < o->body.len) {
		ssize_t	 w = write(fd, o->body.s + off, o->body.len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	cgi_out_reset(o);
	return 0;
}

static int
letters_setup(struct letters_ctx *c, const char *dir, char *err, size_t errlen)
{
	struct diag	 d;
	const char	*langdir = getenv("HALLPASS_LANG");
	struct timeval	 tv;
	size_t		 n;
	mode_t		 um;
	int		 rc = -1;

	diag_init(&d);
	if (config_load(&c->cfg, dir, &d) != 0 ||
	    (c->pol = policy_load_roster(dir, &d)) == NULL ||
	    (c->aup = aup_load(dir, &d)) == NULL) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		hp_errf(err, errlen, "%s: configuration errors (see above)", dir);
		goto out;
	}
	if (c->cfg.dashboard_url[0] == '\0') {
		hp_errf(err, errlen, "%s/hallpass.yaml: dashboard_url is not set (the "
		    "dashboard's public address, printed and put in the QR code "
		    "of every letter)", dir);
		goto out;
	}
	/* dashboard_url names the CGI ("https://families.example.org/hallpass.cgi"); its enrolment page is under it. */
	n = strlen(c->cfg.dashboard_url);
	while (n > 0 && c->cfg.dashboard_url[n - 1] == '/')
		n--;
	snprintf(c->url, sizeof(c->url), "%.*s/enrol", (int)n, c->cfg.dashboard_url);
	if (langdir == NULL || *langdir == '\0')
		langdir = HALLPASS_LANG_DIR;
	if (i18n_load(&c->i18n, langdir, err, errlen) == -1)
		goto out;
	c->have_i18n = 1;
	if ((c->tz = tz_load(policy_timezone(c->pol), err, errlen)) == NULL)
		goto out;
	if (sodium_init() < 0) {
		hp_errf(err, errlen, "libsodium failed to initialise");
		goto out;
	}
	if ((c->qr_svg = letters_qr_svg(c->url, err, errlen)) == NULL)
		goto out;
	um = umask(027);
	c->st = store_open(c->cfg.database, STORE_CREATE, err, errlen);
	umask(um);
	if (c->st == NULL) {
		char	 e2[512];

		hp_strlcpy(e2, err, sizeof(e2));
		cli_database_error("letters", dir, e2);
		hp_errf(err, errlen, "%s", "");
		goto out;
	}
	if (priv_db_own(c->cfg.database, c->cfg.user, err, errlen) != 0)
		fprintf(stderr, "hallpass: warning: %s\n", err);
	gettimeofday(&tv, NULL);
	c->now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	c->periods[AUP_RETENTION_DAYS] = (long)c->cfg.retention_days;
	c->periods[AUP_ROLLUP_RETENTION_DAYS] = (long)c->cfg.rollup_retention_days;
	c->periods[AUP_LOGIN_RETENTION_DAYS] = (long)c->cfg.login_retention_days;
	rc = 0;
out:
	diag_free(&d);
	return rc;
}

static void
letters_cleanup(struct letters_ctx *c)
{
	store_close(c->st);
	tz_free(c->tz);
	aup_free(c->aup);
	policy_unref(c->pol);
	if (c->have_i18n)
		i18n_free(&c->i18n);
	free(c->qr_svg);
}

/* Per language: how many letters, for the summary line. */
struct letters_count {
	const struct i18n_lang	*l;
	size_t			 n;
};

static int
letters_run(const char *dir, const struct letters_opts *o)
{
	struct letters_ctx	 c;
	struct letters_count	 cnt[I18N_MAX_LANGS];
	struct cgi_out		 out;
	char			 err[1024], tmp[4200], code[AUTH_INVITE_BUF], when[32];
	char			 chosen[36];
	const char		*missing;
	uint8_t			 hash[STORE_HASH_LEN];
	size_t			 nletters = 0, nmissing = 0, ncnt = 0;
	struct tz_tm		 et;
	int			 fd = -1, rc = 1, mrc;
	const struct i18n_lang	*only = NULL;

	memset(&c, 0, sizeof(c));
	cgi_out_init(&out);
	err[0] = '\0';
	if (letters_setup(&c, dir, err, sizeof(err)) == -1) {
		if (err[0] != '\0')
			fprintf(stderr, "hallpass: letters: %s\n", err);
		goto out;
	}
	if (o->lang != NULL && (only = i18n_find(&c.i18n, o->lang)) == NULL) {
		fprintf(stderr, "hallpass: letters: --lang %s: the dashboard has no "
		    "language file for it\n", o->lang);
		goto out;
	}
	c.exp_ms = c.now_ms + (int64_t)o->days * 24 * 3600 * 1000;
	/* Written aside and renamed: a half-written batch never looks finished. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->out) >= (int)sizeof(tmp) ||
	    (fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1) {
		fprintf(stderr, "hallpass: letters: %s: %s\n", o->out, strerror(errno));
		if (fd != -1)
			unlink(tmp);
		fd = -1;
		goto out;
	}
	cgi_out_printf(&out, "<!doctype html>\n<html lang=\"%s\"><head>"
	    "<meta charset=\"utf-8\"><title>", only ? only->tag : c.i18n.def->tag);
	cgi_out_html(&out, i18n_s(only ? only : c.i18n.def, "letter.title"));
	cgi_out_raw(&out, "</title><style>");
	cgi_out_raw(&out, letters_css);
	cgi_out_raw(&out, "</style></head><body>\n");
	for (size_t i = 0; i < policy_guardian_count(c.pol); i++) {
		const struct policy_guardian	*g = policy_guardian_at(c.pol, i);
		const struct i18n_lang		*l;
		size_t				 k;

		if (!letters_match(&c, o, g, &mrc)) {
			if (mrc == -1)
				goto fail;
			continue;
		}
		l = letters_lang(&c, g, chosen, &missing);
		if (only != NULL && l != only)
			continue;
		if (missing != NULL) {
			nmissing++;
			fprintf(stderr, "hallpass: letters: %s: no language file for "
			    "\"%s\": the letter is in %s\n", policy_guardian_id(g),
			    missing, l->name);
		}
		/* The one way codes are made (as "guardian invite"): the store keeps only the hash. */
		/* A fresh code per letter: the guardian's earlier unused ones stop working. */
		auth_invite_new(code, hash);
		if (store_invite_revoke(c.st, policy_guardian_id(g), c.now_ms, err,
		    sizeof(err)) < 0 ||
		    store_invite_create(c.st, policy_guardian_id(g), hash, c.now_ms,
		    c.exp_ms, err, sizeof(err)) == -1) {
			fprintf(stderr, "hallpass: letters: %s\n", err);
			goto fail;
		}
		if (letters_one(&c, &out, g, l, code) == -1) {
			fprintf(stderr, "hallpass: letters: out of memory\n");
			goto fail;
		}
		sodium_memzero(code, sizeof(code));
		if (letters_flush(&out, fd) == -1) {
			fprintf(stderr, "hallpass: letters: %s: %s\n", tmp,
			    strerror(errno));
			goto fail;
		}
		nletters++;
		for (k = 0; k < ncnt && cnt[k].l != l; k++)
			;
		if (k == ncnt) {
			cnt[ncnt].l = l;
			cnt[ncnt++].n = 0;
		}
		cnt[k].n++;
	}
	if (nletters == 0) {
		fprintf(stderr, "hallpass: letters: no guardian matches; nothing written\n");
		goto fail;
	}
	cgi_out_raw(&out, "</body></html>\n");
	if (letters_flush(&out, fd) == -1 || fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		fprintf(stderr, "hallpass: letters: %s: %s\n", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, o->out) == -1) {
		fprintf(stderr, "hallpass: letters: %s: %s\n", o->out, strerror(errno));
		goto fail;
	}
	tz_localtime(c.tz, c.exp_ms / 1000, &et);
	snprintf(when, sizeof(when), "%04d-%02d-%02d", et.year, et.mon, et.mday);
	printf("%s: %zu letter%s (", o->out, nletters, nletters == 1 ? "" : "s");
	for (size_t k = 0; k < ncnt; k++)
		printf("%s%s %zu", k ? ", " : "", cnt[k].l->tag, cnt[k].n);
	printf("), codes valid until %s", when);
	if (nmissing > 0)
		printf(", %zu in English for want of their language", nmissing);
	printf("\n");
	rc = 0;
	goto out;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
out:
	sodium_memzero(code, sizeof(code));
	cgi_out_free(&out);
	letters_cleanup(&c);
	return rc;
}

int
cmd_letters(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "not-enrolled", no_argument, NULL, 'n' },
		{ "lang", required_argument, NULL, 'l' },
		{ "days", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct letters_opts	 o;
	char			*end;
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.days = AUTH_INVITE_DAYS;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:g:nl:d:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.school = optarg;
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'n':
			o.not_enrolled = 1;
			break;
		case 'l':
			o.lang = optarg;
			break;
		case 'd':
			o.days = strtol(optarg, &end, 10);
			if (*end != '\0' || o.days < 1 || o.days > 90)
				return cli_usage_error("letters", "--days must be "
				    "1-90, not \"%s\"", optarg);
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'h':
			letters_usage(stdout);
			return 0;
		default:
			return cli_bad_option("letters", ch, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("letters", "unexpected argument \"%s\"",
		    argv[optind]);
	if (o.out == NULL || *o.out == '\0')
		return cli_usage_error("letters", "needs -o OUT.html");
	if (cli_need_dir(dir) != 0)
		return 1;
	return letters_run(dir, &o);
}
