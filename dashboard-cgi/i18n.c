/* i18n: loads the language files with libyaml and formats text, numbers, dates and durations for one language. */
#include "i18n.h"
#include "hp_err.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A language file is small; a huge one is a mistake, not a language. */
#define I18N_MAX_FILE	(256 * 1024)
#define I18N_MAX_STRS	2000

static void
i18n_lang_free(struct i18n_lang *l)
{
	free(l->tag);
	free(l->name);
	free(l->decimal);
	free(l->thousands);
	free(l->date_long);
	free(l->date_short);
	for (int i = 0; i < 12; i++) {
		free(l->months[i]);
		free(l->months_abbr[i]);
	}
	for (int i = 0; i < 7; i++)
		free(l->weekdays[i]);
	for (size_t i = 0; i < l->nstrs; i++) {
		free(l->strs[i].key);
		free(l->strs[i].val);
	}
	free(l->strs);
	memset(l, 0, sizeof(*l));
}

void
i18n_free(struct i18n *t)
{
	for (size_t i = 0; i < t->n; i++)
		i18n_lang_free(&t->langs[i]);
	memset(t, 0, sizeof(*t));
}

/* Context for one file's walk: the path and the first error. */
struct i18n_file {
	const char	*path;
	yaml_document_t	*doc;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static void i18n_ferr(struct i18n_file *, const yaml_node_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
i18n_ferr(struct i18n_file *f, const yaml_node_t *n, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	if (f->failed)
		return;
	f->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_errf(f->err, f->errlen, "%s:%zu:%zu: %s", f->path,
	    n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, msg);
}

static char *
i18n_scalar(struct i18n_file *f, yaml_node_t *n, const char *what)
{
	char	*s;

	if (n == NULL || n->type != YAML_SCALAR_NODE) {
		i18n_ferr(f, n, "%s must be a string", what);
		return NULL;
	}
	if ((s = strndup((const char *)n->data.scalar.value,
	    n->data.scalar.length)) == NULL)
		i18n_ferr(f, n, "out of memory");
	return s;
}

/* A list of exactly want strings. */
static void
i18n_list(struct i18n_file *f, yaml_node_t *n, char **out, int want,
    const char *what)
{
	yaml_node_item_t	*it;
	int			 i = 0;

	if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
		i18n_ferr(f, n, "%s must be a list of %d strings", what, want);
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if (i == want) {
			i18n_ferr(f, n, "%s must have %d entries", what, want);
			return;
		}
		/* A key given twice must not leak the first list (found by fuzz_yaml). */
		free(out[i]);
		out[i++] = i18n_scalar(f, yaml_document_get_node(f->doc, *it), what);
	}
	if (i != want)
		i18n_ferr(f, n, "%s must have %d entries", what, want);
}

static int
i18n_strcmp(const void *a, const void *b)
{
	return strcmp(((const struct i18n_str *)a)->key,
	    ((const struct i18n_str *)b)->key);
}

/* A map of strings; prefix ("cat.") is put before each key. */
static void
i18n_strings(struct i18n_file *f, struct i18n_lang *l, yaml_node_t *n,
    const char *prefix)
{
	yaml_node_pair_t	*pr;
	char			*k, *v, *full;
	size_t			 cap = l->nstrs;
	struct i18n_str		*ns;

	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		i18n_ferr(f, n, "strings must be a map of key: text");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t	*kn = yaml_document_get_node(f->doc, pr->key);

		k = i18n_scalar(f, kn, "a key");
		v = i18n_scalar(f, yaml_document_get_node(f->doc, pr->value), "a text");
		full = NULL;
		if (k != NULL && v != NULL && l->nstrs < I18N_MAX_STRS &&
		    asprintf(&full, "%s%s", prefix, k) < 0)
			full = NULL;
		free(k);
		if (full == NULL) {
			free(v);
			i18n_ferr(f, kn, "bad, too many or unreadable strings");
			return;
		}
		if (l->nstrs == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ns = realloc(l->strs, cap * sizeof(*ns))) == NULL) {
				free(full);
				free(v);
				i18n_ferr(f, kn, "out of memory");
				return;
			}
			l->strs = ns;
		}
		l->strs[l->nstrs].key = full;
		l->strs[l->nstrs].val = v;
		l->nstrs++;
	}
}

static void
i18n_map_strs(struct i18n_file *f, yaml_node_t *n, const char *const *keys,
    char **const *outs, size_t nkeys, const char *what)
{
	yaml_node_pair_t	*pr;
	char			*k;
	size_t			 i;

	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		i18n_ferr(f, n, "%s must be a map", what);
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t	*kn = yaml_document_get_node(f->doc, pr->key);

		if ((k = i18n_scalar(f, kn, "a key")) == NULL)
			return;
		for (i = 0; i < nkeys && strcmp(k, keys[i]) != 0; i++)
			;
		free(k);
		if (i == nkeys) {
			i18n_ferr(f, kn, "unknown key in %s", what);
			return;
		}
		if (*outs[i] != NULL) {
			i18n_ferr(f, kn, "key given twice in %s", what);
			return;
		}
		*outs[i] = i18n_scalar(f, yaml_document_get_node(f->doc, pr->value),
		    what);
	}
}

static int
i18n_tag_ok(const char *t)
{
	size_t	 n = strlen(t);

	if (n < 2 || n > 35)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '-')
			return 0;
	return 1;
}

static int
i18n_load_file(struct i18n_lang *l, const char *path, char *err, size_t errlen)
{
	struct i18n_file	 f = { path, NULL, err, errlen, 0 };
	yaml_parser_t		 p;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	yaml_node_pair_t	*pr;
	FILE			*fp;
	long			 size;
	char			*k;

	if ((fp = fopen(path, "rb")) == NULL) {
		hp_errf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    size > I18N_MAX_FILE || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		hp_errf(err, errlen, "%s: unreadable or larger than %d bytes", path,
		    I18N_MAX_FILE);
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, fp);
	if (!yaml_parser_load(&p, &doc)) {
		hp_errf(err, errlen, "%s:%zu:%zu: %s", path, p.problem_mark.line + 1,
		    p.problem_mark.column + 1, p.problem ? p.problem : "YAML error");
		yaml_parser_delete(&p);
		fclose(fp);
		return -1;
	}
	yaml_parser_delete(&p);
	fclose(fp);
	f.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		i18n_ferr(&f, root, "a language file is a map (tag, name, strings, ...)");
		goto out;
	}
	for (pr = root->data.mapping.pairs.start;
	    !f.failed && pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t	*kn = yaml_document_get_node(&doc, pr->key);
		yaml_node_t	*vn = yaml_document_get_node(&doc, pr->value);

		if ((k = i18n_scalar(&f, kn, "a key")) == NULL)
			break;
		if (strcmp(k, "tag") == 0 && l->tag == NULL)
			l->tag = i18n_scalar(&f, vn, "tag");
		else if (strcmp(k, "name") == 0 && l->name == NULL)
			l->name = i18n_scalar(&f, vn, "name");
		else if (strcmp(k, "number") == 0) {
			static const char *const nk[] = { "decimal", "thousands" };
			char **const no[] = { &l->decimal, &l->thousands };

			i18n_map_strs(&f, vn, nk, no, 2, "number");
		} else if (strcmp(k, "date") == 0) {
			static const char *const dk[] = { "long", "short" };
			char **const dout[] = { &l->date_long, &l->date_short };

			i18n_map_strs(&f, vn, dk, dout, 2, "date");
		} else if (strcmp(k, "months") == 0)
			i18n_list(&f, vn, l->months, 12, "months");
		else if (strcmp(k, "months_abbr") == 0)
			i18n_list(&f, vn, l->months_abbr, 12, "months_abbr");
		else if (strcmp(k, "weekdays") == 0)
			i18n_list(&f, vn, l->weekdays, 7, "weekdays");
		else if (strcmp(k, "strings") == 0)
			i18n_strings(&f, l, vn, "");
		else if (strcmp(k, "categories") == 0)
			i18n_strings(&f, l, vn, "cat.");
		else
			i18n_ferr(&f, kn, "unknown or repeated key \"%s\"", k);
		free(k);
	}
	if (!f.failed && (l->tag == NULL || l->name == NULL || l->decimal == NULL ||
	    l->thousands == NULL || l->date_long == NULL || l->date_short == NULL ||
	    l->months[0] == NULL || l->months_abbr[0] == NULL ||
	    l->weekdays[0] == NULL))
		i18n_ferr(&f, root, "tag, name, number, date, months, months_abbr and "
		    "weekdays are required");
	if (!f.failed && !i18n_tag_ok(l->tag))
		i18n_ferr(&f, root, "tag \"%s\" is not a language tag", l->tag);
	if (!f.failed) {
		qsort(l->strs, l->nstrs, sizeof(*l->strs), i18n_strcmp);
		for (size_t i = 1; i < l->nstrs; i++)
			if (strcmp(l->strs[i - 1].key, l->strs[i].key) == 0)
				i18n_ferr(&f, root, "string \"%s\" given twice",
				    l->strs[i].key);
	}
out:
	yaml_document_delete(&doc);
	if (f.failed) {
		i18n_lang_free(l);
		return -1;
	}
	return 0;
}

static int
i18n_langcmp(const void *a, const void *b)
{
	return strcmp(((const struct i18n_lang *)a)->tag,
	    ((const struct i18n_lang *)b)->tag);
}

int
i18n_load(struct i18n *t, const char *dir, char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096];
	size_t		 n;

	memset(t, 0, sizeof(*t));
	if ((d = opendir(dir)) == NULL) {
		hp_errf(err, errlen, "%s: cannot open language directory", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		if (t->n == I18N_MAX_LANGS) {
			hp_errf(err, errlen, "%s: more than %d languages", dir,
			    I18N_MAX_LANGS);
			goto err;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (i18n_load_file(&t->langs[t->n], path, err, errlen) == -1)
			goto err;
		t->n++;
	}
	closedir(d);
	d = NULL;
	qsort(t->langs, t->n, sizeof(t->langs[0]), i18n_langcmp);
	for (size_t i = 1; i < t->n; i++)
		if (strcasecmp(t->langs[i - 1].tag, t->langs[i].tag) == 0) {
			hp_errf(err, errlen, "%s: language \"%s\" defined twice", dir,
			    t->langs[i].tag);
			goto err;
		}
	if ((t->def = i18n_find(t, "en")) == NULL) {
		hp_errf(err, errlen, "%s: no en.yaml (tag: en), the fallback "
		    "language", dir);
		goto err;
	}
	for (size_t i = 0; i < t->n; i++)
		t->langs[i].fallback = &t->langs[i] == t->def ? NULL : t->def;
	return 0;
err:
	if (d != NULL)
		closedir(d);
	i18n_free(t);
	return -1;
}

const struct i18n_lang *
i18n_find(const struct i18n *t, const char *tag)
{
	if (tag == NULL)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (strcasecmp(t->langs[i].tag, tag) == 0)
			return &t->langs[i];
	return NULL;
}

/* "es-MX" -> "es" when only the primary language is loaded. */
const struct i18n_lang *
i18n_match(const struct i18n *t, const char *range)
{
	const struct i18n_lang	*l;
	char			 prim[36];
	size_t			 n;

	if (range == NULL)
		return NULL;
	if ((l = i18n_find(t, range)) != NULL)
		return l;
	n = strcspn(range, "-");
	if (n == 0 || n >= sizeof(prim))
		return NULL;
	memcpy(prim, range, n);
	prim[n] = '\0';
	return i18n_find(t, prim);
}

const struct i18n_lang *
i18n_pick(const struct i18n *t, const char *chosen, const char *al)
{
	const struct i18n_lang	*l, *best = NULL;
	const char		*p = al, *e, *q;
	char			 range[40];
	double			 bestq = 0, qv;
	size_t			 n;

	if (chosen != NULL && (l = i18n_find(t, chosen)) != NULL)
		return l;
	/* Accept-Language: "es-MX,es;q=0.9,en;q=0.8"; first of equal q wins. */
	while (p != NULL && *p != '\0') {
		e = p + strcspn(p, ",");
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		n = strcspn(p, ";, \t");
		if (p + n > e)
			n = (size_t)(e - p);
		qv = 1.0;
		if ((q = memchr(p, ';', (size_t)(e - p))) != NULL) {
			q++;
			while (q < e && *q == ' ')
				q++;
			if (e - q >= 2 && q[0] == 'q' && q[1] == '=')
				qv = strtod(q + 2, NULL);
		}
		if (n > 0 && n < sizeof(range) && qv > bestq) {
			memcpy(range, p, n);
			range[n] = '\0';
			if ((l = i18n_match(t, range)) != NULL) {
				best = l;
				bestq = qv;
			}
		}
		p = *e ? e + 1 : e;
	}
	return best != NULL ? best : t->def;
}

static const char *
i18n_lookup(const struct i18n_lang *l, const char *key)
{
	size_t	 lo = 0, hi = l->nstrs, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(key, l->strs[mid].key)) == 0)
			return l->strs[mid].val;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
i18n_s(const struct i18n_lang *l, const char *key)
{
	const char	*v;

	for (; l != NULL; l = l->fallback)
		if ((v = i18n_lookup(l, key)) != NULL)
			return v;
	return key;
}

/* Copies src into buf at *o, never past len - 1. */
static void
i18n_put(char *buf, size_t len, size_t *o, const char *src, size_t n)
{
	if (*o + 1 >= len)
		return;
	if (n > len - 1 - *o)
		n = len - 1 - *o;
	memcpy(buf + *o, src, n);
	*o += n;
	buf[*o] = '\0';
}

/* Substitutes {NAME} fields from names/vals in pattern. */
void
i18n_subst_named(const char *pat, char *buf, size_t len, size_t nv,
    const char *const *names, const char *const *vals)
{
	const char	*p = pat, *c;
	size_t		 o = 0, i, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	while (*p != '\0') {
		if (*p == '{' && (c = strchr(p, '}')) != NULL) {
			n = (size_t)(c - p - 1);
			for (i = 0; i < nv; i++)
				if (strlen(names[i]) == n && strncmp(p + 1, names[i], n) == 0)
					break;
			if (i < nv) {
				i18n_put(buf, len, &o, vals[i] ? vals[i] : "", strlen(vals[i] ?
				    vals[i] : ""));
				p = c + 1;
				continue;
			}
		}
		i18n_put(buf, len, &o, p, 1);
		p++;
	}
}

void
i18n_fmt(const struct i18n_lang *l, char *buf, size_t len, const char *key,
    size_t nargs, const char *const *args)
{
	static const char *const names[] = { "1", "2", "3", "4", "5", "6", "7",
		"8", "9" };

	i18n_subst_named(i18n_s(l, key), buf, len, nargs > 9 ? 9 : nargs, names, args);
}

void
i18n_num(const struct i18n_lang *l, int64_t v, char *buf, size_t len)
{
	char		 digits[24], out[64];
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t		 nd, o = 0, i;
	const char	*sep = l->thousands ? l->thousands : ",";

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
	nd = strlen(digits);
	out[0] = '\0';
	if (v < 0)
		i18n_put(out, sizeof(out), &o, "-", 1);
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			i18n_put(out, sizeof(out), &o, sep, strlen(sep));
		i18n_put(out, sizeof(out), &o, digits + i, 1);
	}
	snprintf(buf, len, "%s", out);
}

void
i18n_date(const struct i18n_lang *l, int y, int m, int d, int wday, int long_form,
    char *buf, size_t len)
{
	static const char *const names[] = { "year", "month", "month_abbr", "day",
		"weekday", "mm", "dd" };
	char		 ys[12], ds[4], mm[4], dd[4];
	const char	*vals[7];

	if (m < 1 || m > 12 || wday < 0 || wday > 6) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(ys, sizeof(ys), "%d", y);
	snprintf(ds, sizeof(ds), "%d", d);
	snprintf(mm, sizeof(mm), "%02d", m);
	snprintf(dd, sizeof(dd), "%02d", d);
	vals[0] = ys;
	vals[1] = l->months[m - 1];
	vals[2] = l->months_abbr[m - 1];
	vals[3] = ds;
	vals[4] = l->weekdays[wday];
	vals[5] = mm;
	vals[6] = dd;
	i18n_subst_named(long_form ? l->date_long : l->date_short, buf, len, 7, names, vals);
}

void
i18n_minutes(const struct i18n_lang *l, int64_t minutes, char *buf, size_t len)
{
	char		 h[32], m[32];
	const char	*args[2];

	i18n_num(l, minutes / 60, h, sizeof(h));
	snprintf(m, sizeof(m), "%d", (int)(minutes % 60));
	args[0] = h;
	args[1] = m;
	if (minutes >= 60 && minutes % 60 == 0) {
		i18n_fmt(l, buf, len, "dur.h", 1, args);
	} else if (minutes >= 60) {
		i18n_fmt(l, buf, len, "dur.hm", 2, args);
	} else {
		args[0] = m;
		i18n_fmt(l, buf, len, "dur.m", 1, args);
	}
}
