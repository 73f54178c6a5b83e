/* aup: loads and validates aup.yaml so the dashboard never shows half-written terms. */
#include "aup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hp_str.h"
#include "ycfg.h"

#define AUP_TEXT_MAX	200	/* a contact's name or hours: one line in a footer */
#define AUP_URL_MAX	500
#define AUP_EMAIL_MAX	254	/* RFC 5321's path limit */

/* en, es, pt-BR, zh-Hant: a primary tag of 2-3 letters and optional 2-8 character subtags. */
static int
aup_valid_lang(const char *s)
{
	size_t i = 0, n;

	for (n = 0; s[i] >= 'a' && s[i] <= 'z'; i++, n++)
		;
	if (n < 2 || n > 3)
		return 0;
	while (s[i] == '-') {
		i++;
		for (n = 0; (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'); i++, n++)
			;
		if (n < 2 || n > 8)
			return 0;
	}
	return s[i] == '\0';
}

static int
aup_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* One line of plain text: valid UTF-8, no control characters (no newlines in a footer). */
static int
aup_valid_line(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > AUP_TEXT_MAX || !hp_utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * A phone number as people write it: digits, spaces, ( ) - . and one
 * leading +; 3 (a short number such as 311) to 15 digits (E.164's most).
 * tel gets '+' and the digits for the tel: link.
 */
static int
aup_valid_phone(const char *s, char *tel, size_t len)
{
	size_t	 nd = 0, o = 0;

	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (++nd > 15 || o + 1 >= len)
				return 0;
			tel[o++] = s[i];
		} else if (s[i] == '+' && nd == 0 && o == 0 && strchr(s + i + 1, '+') == NULL)
			tel[o++] = '+';
		else if (strchr(" ()-.", s[i]) == NULL)
			return 0;
	}
	tel[o] = '\0';
	return nd >= 3;
}

/*
 * An address a mailto: link can carry as it is: local@domain.tld, printable
 * ASCII without spaces or the characters that need quoting or escaping.
 */
static int
aup_valid_email(const char *s)
{
	const char	*at = strchr(s, '@'), *dot;
	size_t		 n = strlen(s);

	if (n > AUP_EMAIL_MAX || at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\"'<>()[],;:\\%?&#/", s[i]) != NULL)
			return 0;
	dot = strrchr(at, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0' && at[1] != '.';
}

/* An absolute http(s) URL with a host, printable ASCII, nothing that would need escaping in HTML. */
static int
aup_valid_url(const char *s)
{
	size_t	 n = strlen(s), h;

	if (strncmp(s, "https://", 8) == 0)
		h = 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = 7;
	else
		return 0;
	if (n > AUP_URL_MAX || s[h] == '\0' || strchr("/?#:@", s[h]) != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\"'<>\\^`{|}", s[i]) != NULL)
			return 0;
	return 1;
}

static void
aup_words_free(struct aup_word *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].lang);
		free(w[i].text);
	}
	free(w);
}

static void
aup_contact_free(struct aup_contact *c)
{
	if (c == NULL)
		return;
	aup_words_free(c->names, c->nnames);
	aup_words_free(c->hours, c->nhours);
	free(c->phone);
	free(c->tel);
	free(c->email);
	free(c->url);
	free(c);
}

/*
 * name: and hours: are one line for every language, or a mapping of
 * language tags to lines ({en: District help desk, es: Servicio de ayuda}).
 */
static int
aup_words_load(struct ycfg *y, yaml_node_t *n, const char *what,
    struct aup_word **out, size_t *nout)
{
	struct aup_word	*w;
	size_t		 np, k = 0;
	const char	*s;

	if (n->type == YAML_SCALAR_NODE) {
		if ((s = ycfg_str(y, n, what)) == NULL)
			return -1;
		if (!aup_valid_line(s)) {
			ycfg_err(y, n, "%s must be one line of 1 to %d characters",
			    what, AUP_TEXT_MAX);
			return -1;
		}
		if ((w = calloc(1, sizeof(*w))) == NULL ||
		    (w->text = strdup(s)) == NULL) {
			free(w);
			ycfg_err(y, n, "out of memory");
			return -1;
		}
		*out = w;
		*nout = 1;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE || (np = ycfg_map_len(n)) == 0) {
		ycfg_err(y, n, "%s must be a line of text, or a mapping of language "
		    "tags to lines (en: ..., es: ...)", what);
		return -1;
	}
	if ((w = calloc(np, sizeof(*w))) == NULL) {
		ycfg_err(y, n, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < np; i++) {
		yaml_node_t	*kn, *vn;
		const char	*tag;
		int		 dup = 0;

		ycfg_map_pair(y, n, i, &kn, &vn);
		if ((tag = ycfg_str(y, kn, "a language tag")) == NULL)
			continue;
		if (!aup_valid_lang(tag)) {
			ycfg_err(y, kn, "%s: \"%.40s\" is not a language tag such "
			    "as en or es", what, tag);
			continue;
		}
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(w[j].lang, tag) == 0;
		if (dup) {
			ycfg_err(y, kn, "%s: language \"%s\" given twice", what, tag);
			continue;
		}
		if ((s = ycfg_str(y, vn, what)) == NULL)
			continue;
		if (!aup_valid_line(s)) {
			ycfg_err(y, vn, "%s must be one line of 1 to %d characters",
			    what, AUP_TEXT_MAX);
			continue;
		}
		if ((w[k].lang = strdup(tag)) == NULL || (w[k].text = strdup(s)) == NULL) {
			ycfg_err(y, vn, "out of memory");
			k++;
			break;
		}
		k++;
	}
	*out = w;
	*nout = k;
	return 0;
}

static char *
aup_dup(struct ycfg *y, yaml_node_t *n, const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		ycfg_err(y, n, "out of memory");
	return p;
}

/* contact: one block; every problem in it is reported, none is guessed around. */
static struct aup_contact *
aup_contact_load(struct ycfg *y, yaml_node_t *n)
{
	struct ycfg_key		 ck[] = { { "name", 1, NULL, NULL },
				    { "phone", 0, NULL, NULL },
				    { "email", 0, NULL, NULL },
				    { "url", 0, NULL, NULL },
				    { "hours", 0, NULL, NULL } };
	struct aup_contact	*c;
	const char		*s;
	char			 tel[24];
	size_t			 nerr = y->nerr;

	if (ycfg_map(y, n, ck, sizeof(ck) / sizeof(ck[0]), "contact") != 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ycfg_err(y, n, "out of memory");
		return NULL;
	}
	(void)aup_words_load(y, ck[0].val, "contact name", &c->names, &c->nnames);
	if (ck[4].val != NULL)
		(void)aup_words_load(y, ck[4].val, "contact hours", &c->hours,
		    &c->nhours);
	if (ck[1].val != NULL && (s = ycfg_str(y, ck[1].val, "phone")) != NULL) {
		if (!aup_valid_phone(s, tel, sizeof(tel)))
			ycfg_err(y, ck[1].val, "phone \"%.40s\" is not a phone number "
			    "(3 to 15 digits; spaces, ( ) - . and a leading + allowed)", s);
		else if ((c->phone = aup_dup(y, ck[1].val, s)) != NULL)
			c->tel = aup_dup(y, ck[1].val, tel);
	}
	if (ck[2].val != NULL && (s = ycfg_str(y, ck[2].val, "email")) != NULL) {
		if (!aup_valid_email(s))
			ycfg_err(y, ck[2].val, "email \"%.60s\" is not an e-mail address "
			    "such as help@district.example.org", s);
		else
			c->email = aup_dup(y, ck[2].val, s);
	}
	if (ck[3].val != NULL && (s = ycfg_str(y, ck[3].val, "url")) != NULL) {
		if (!aup_valid_url(s))
			ycfg_err(y, ck[3].val, "url \"%.60s\" is not an http:// or "
			    "https:// address without spaces or quotes", s);
		else
			c->url = aup_dup(y, ck[3].val, s);
	}
	if (ck[1].val == NULL && ck[2].val == NULL && ck[3].val == NULL)
		ycfg_err(y, n, "contact needs at least one of phone, email or url");
	if (y->nerr != nerr) {
		aup_contact_free(c);
		return NULL;
	}
	return c;
}

void
aup_free(struct aup *a)
{
	if (a == NULL)
		return;
	aup_contact_free(a->contact);
	for (size_t i = 0; i < a->ntexts; i++) {
		free(a->texts[i].lang);
		free(a->texts[i].title);
		free(a->texts[i].body);
		free(a->texts[i].summary);
	}
	free(a->texts);
	free(a);
}

const char *const aup_value_names[AUP_NVALUES] = {
	"retention_days", "rollup_retention_days", "login_retention_days",
};

/* The placeholder at p ("{name}"), or -1 when p does not start one we know. */
static int
aup_placeholder(const char *p, size_t *len)
{
	for (int i = 0; i < AUP_NVALUES; i++) {
		size_t n = strlen(aup_value_names[i]);

		if (p[0] == '{' && strncmp(p + 1, aup_value_names[i], n) == 0 &&
		    p[n + 1] == '}') {
			*len = n + 2;
			return i;
		}
	}
	return -1;
}

/* Every "{word}" in a body must be one we know: a typo would show parents a brace. */
static void
aup_check_placeholders(struct ycfg *y, const yaml_node_t *n, const char *body)
{
	for (const char *p = strchr(body, '{'); p != NULL; p = strchr(p + 1, '{')) {
		size_t	len, w = 1;

		if (aup_placeholder(p, &len) >= 0)
			continue;
		while ((p[w] >= 'a' && p[w] <= 'z') || p[w] == '_')
			w++;
		if (w > 1 && p[w] == '}')
			ycfg_err(y, n, "unknown placeholder {%.*s} (known: {retention_days}, "
			    "{rollup_retention_days}, {login_retention_days})", (int)(w - 1),
			    p + 1);
	}
}

char *
aup_render(const char *body, const long values[AUP_NVALUES])
{
	size_t	 cap = strlen(body) + 1, o = 0;
	char	*out;

	/* A value is at most 20 digits where its placeholder had at least 16 characters. */
	cap += 8 * AUP_NVALUES * (cap / 16 + 1);
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (const char *p = body; *p != '\0';) {
		size_t	len;
		int	i = *p == '{' ? aup_placeholder(p, &len) : -1;

		if (i >= 0) {
			o += (size_t)snprintf(out + o, cap - o, "%ld", values[i]);
			p += len;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

struct aup *
aup_load(const char *dir, struct diag *d)
{
	struct ycfg	 y;
	struct aup	*a;
	char		*path = NULL;
	yaml_node_t	*root;
	size_t		 np;
	long long	 v;
	int		 seen_version = 0, seen_date = 0, seen_contact = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if (asprintf(&path, "%s/aup.yaml", dir) < 0) {
		free(a);
		return NULL;
	}
	if (ycfg_load(&y, path, path, d) != 0)
		goto err;
	root = ycfg_root(&y);
	if (root->type != YAML_MAPPING_NODE) {
		ycfg_err(&y, root, "aup.yaml must be a mapping with version, "
		    "effective and one block per language");
		goto err;
	}
	np = ycfg_map_len(root);
	if ((a->texts = calloc(np + 1, sizeof(*a->texts))) == NULL)
		goto err;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t	*k, *val;
		const char	*key, *s;

		ycfg_map_pair(&y, root, i, &k, &val);
		if ((key = ycfg_str(&y, k, "a key")) == NULL)
			continue;
		if (strcmp(key, "version") == 0) {
			if (seen_version++)
				ycfg_err(&y, k, "key \"version\" given twice");
			else if (ycfg_int(&y, val, 1, 1000000, "version", &v) == 0)
				a->version = (long)v;
		} else if (strcmp(key, "effective") == 0) {
			if (seen_date++)
				ycfg_err(&y, k, "key \"effective\" given twice");
			else if ((s = ycfg_str(&y, val, "effective")) != NULL) {
				if (!aup_valid_date(s))
					ycfg_err(&y, val, "effective must be a date "
					    "YYYY-MM-DD, not \"%.40s\"", s);
				else
					memcpy(a->effective, s, 11);
			}
		} else if (strcmp(key, "contact") == 0) {
			if (seen_contact++)
				ycfg_err(&y, k, "key \"contact\" given twice");
			else
				a->contact = aup_contact_load(&y, val);
		} else if (aup_valid_lang(key)) {
			struct ycfg_key	 tk[] = { { "title", 1, NULL, NULL },
					    { "body", 1, NULL, NULL },
					    { "summary", 0, NULL, NULL } };
			struct aup_text	*t = &a->texts[a->ntexts];
			const char	*title, *body, *summary = NULL;
			char		 what[64];

			for (size_t j = 0; j < a->ntexts; j++)
				if (strcmp(a->texts[j].lang, key) == 0) {
					ycfg_err(&y, k, "language \"%s\" given twice",
					    key);
					key = NULL;
					break;
				}
			if (key == NULL)
				continue;
			snprintf(what, sizeof(what), "the %s terms", key);
			if (ycfg_map(&y, val, tk, 3, what) != 0)
				continue;
			if ((title = ycfg_str(&y, tk[0].val, "title")) == NULL ||
			    (body = ycfg_str(&y, tk[1].val, "body")) == NULL ||
			    (tk[2].val != NULL && (summary = ycfg_str(&y, tk[2].val,
			    "summary")) == NULL))
				continue;
			aup_check_placeholders(&y, tk[1].val, body);
			if (summary != NULL)
				aup_check_placeholders(&y, tk[2].val, summary);
			t->lang = strdup(key);
			t->title = strdup(title);
			t->body = strdup(body);
			t->summary = summary != NULL ? strdup(summary) : NULL;
			a->ntexts++;
		} else
			ycfg_err(&y, k, "unknown key \"%.60s\" (expected version, "
			    "effective, contact, or a language tag such as en or es)", key);
	}
	if (!seen_version)
		ycfg_err(&y, root, "aup.yaml is missing the required key \"version\"");
	if (!seen_date)
		ycfg_err(&y, root, "aup.yaml is missing the required key \"effective\"");
	if (a->ntexts == 0 && y.nerr == 0)
		ycfg_err(&y, root, "aup.yaml needs the terms in at least one language");
	if (y.nerr)
		goto err;
	ycfg_free(&y);
	free(path);
	return a;
 err:
	ycfg_free(&y);
	free(path);
	aup_free(a);
	return NULL;
}

const struct aup_text *
aup_text(const struct aup *a, const char *lang)
{
	for (size_t i = 0; lang != NULL && i < a->ntexts; i++)
		if (strcasecmp(a->texts[i].lang, lang) == 0)
			return &a->texts[i];
	for (size_t i = 0; i < a->ntexts; i++)
		if (strcmp(a->texts[i].lang, "en") == 0)
			return &a->texts[i];
	return a->ntexts ? &a->texts[0] : NULL;
}

/* The text in lang, else the one for every language, else English, else the first. */
static const char *
aup_word_pick(const struct aup_word *w, size_t n, const char *lang)
{
	for (size_t i = 0; lang != NULL && i < n; i++)
		if (w[i].lang != NULL && strcasecmp(w[i].lang, lang) == 0)
			return w[i].text;
	for (size_t i = 0; i < n; i++)
		if (w[i].lang == NULL)
			return w[i].text;
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].lang, "en") == 0)
			return w[i].text;
	return n ? w[0].text : NULL;
}

const char *
aup_contact_name(const struct aup_contact *c, const char *lang)
{
	return aup_word_pick(c->names, c->nnames, lang);
}

const char *
aup_contact_hours(const struct aup_contact *c, const char *lang)
{
	return aup_word_pick(c->hours, c->nhours, lang);
}
