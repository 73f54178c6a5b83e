/* aup: loads and validates aup.yaml so the dashboard never shows half-written terms. */
#include "aup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ycfg.h"

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

void
aup_free(struct aup *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->ntexts; i++) {
		free(a->texts[i].lang);
		free(a->texts[i].title);
		free(a->texts[i].body);
	}
	free(a->texts);
	free(a);
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
	int		 seen_version = 0, seen_date = 0;

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
		} else if (aup_valid_lang(key)) {
			struct ycfg_key	 tk[] = { { "title", 1, NULL, NULL },
					    { "body", 1, NULL, NULL } };
			struct aup_text	*t = &a->texts[a->ntexts];
			const char	*title, *body;
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
			if (ycfg_map(&y, val, tk, 2, what) != 0)
				continue;
			if ((title = ycfg_str(&y, tk[0].val, "title")) == NULL ||
			    (body = ycfg_str(&y, tk[1].val, "body")) == NULL)
				continue;
			t->lang = strdup(key);
			t->title = strdup(title);
			t->body = strdup(body);
			a->ntexts++;
		} else
			ycfg_err(&y, k, "unknown key \"%.60s\" (expected version, "
			    "effective, or a language tag such as en or es)", key);
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
