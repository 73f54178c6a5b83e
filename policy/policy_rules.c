/* policy_rules: streams the rules.d YAML files with libyaml's event parser, so a million-domain list never becomes a tree. */
#include "policy_impl.h"

#include <dirent.h>
#include <stdarg.h>
#include <yaml.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"

struct rules_ctx {
	struct policy	*p;
	struct diag	*diag;
	yaml_parser_t	 parser;
	const char	*file;		/* as shown in errors */
	uint32_t	 cat;		/* category index of this file */
	uint32_t	 list;		/* its list id */
	int		 nerr;
	int		 eof;
};

static void
rules_err(struct rules_ctx *r, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rules_err(struct rules_ctx *r, const yaml_mark_t *m, const char *fmt, ...)
{
	char	 msg[900];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->nerr++;
	diag_add(r->diag, r->file, m->line + 1, m->column + 1, "%s", msg);
}

/* Next event; on a syntax error reports it and marks the file finished. */
static int
rules_next(struct rules_ctx *r, yaml_event_t *ev)
{
	if (r->eof) {
		memset(ev, 0, sizeof(*ev));
		ev->type = YAML_NO_EVENT;
		return -1;
	}
	if (!yaml_parser_parse(&r->parser, ev)) {
		rules_err(r, &r->parser.problem_mark, "YAML syntax error: %s%s%s",
		    r->parser.problem ? r->parser.problem : "unknown",
		    r->parser.context ? " " : "",
		    r->parser.context ? r->parser.context : "");
		r->eof = 1;
		memset(ev, 0, sizeof(*ev));
		ev->type = YAML_NO_EVENT;
		return -1;
	}
	if (ev->type == YAML_ALIAS_EVENT)
		rules_err(r, &ev->start_mark,
		    "aliases (*name) are not allowed in rule files");
	if (ev->type == YAML_STREAM_END_EVENT)
		r->eof = 1;
	return 0;
}

/* Consumes the rest of a node whose start event is ev (already read). */
static void
rules_skip(struct rules_ctx *r, yaml_event_t *ev)
{
	int depth = 0;

	for (;;) {
		if (ev->type == YAML_MAPPING_START_EVENT ||
		    ev->type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (ev->type == YAML_MAPPING_END_EVENT ||
		    ev->type == YAML_SEQUENCE_END_EVENT)
			depth--;
		yaml_event_delete(ev);
		if (depth <= 0 || rules_next(r, ev) != 0)
			return;
	}
}

static const char *
rules_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	default:
		return "a value";
	}
}

static int
rules_is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;

	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.plain_implicit &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);
}

static void
rules_domain(struct rules_ctx *r, const yaml_event_t *ev)
{
	const char	*s = (const char *)ev->data.scalar.value;
	size_t		 len = ev->data.scalar.length;
	char		 norm[HOSTNAME_BUFSZ];
	const char	*why;

	if (len > 2 && s[0] == '*' && s[1] == '.') {
		rules_err(r, &ev->start_mark, "\"%.80s\": write %.80s without \"*.\": "
		    "a domain already matches every name below it", s, s + 2);
		return;
	}
	if (hostname_normalize(s, len, norm, &why) == HOSTNAME_INVALID) {
		rules_err(r, &ev->start_mark, "\"%.80s\" is not a valid host name: %s",
		    s, why);
		return;
	}
	if (domtab_add(r->p->domains, norm, strlen(norm), r->list,
	    (uint32_t)ev->start_mark.line + 1) != 0)
		rules_err(r, &ev->start_mark, "out of memory");
}

static void
rules_pattern(struct rules_ctx *r, const yaml_event_t *ev)
{
	struct policy_category	*c = &r->p->categories[r->cat];
	struct policy_pattern	*np;
	pcre2_code		*code;
	int			 errcode;
	PCRE2_SIZE		 erroff;
	size_t			 col;

	code = pcre2_compile(ev->data.scalar.value, ev->data.scalar.length,
	    PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_UTF_CHECK, &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		/* Point at the fault: past the opening quote when there is one. */
		col = ev->start_mark.column + erroff +
		    (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? 0 : 1);
		r->nerr++;
		diag_add(r->diag, r->file, ev->start_mark.line + 1, col + 1,
		    "pattern does not compile: %s", (const char *)msg);
		return;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);	/* interpreter if no JIT */
	np = realloc(c->patterns, (c->npatterns + 1) * sizeof(*np));
	if (np == NULL) {
		pcre2_code_free(code);
		rules_err(r, &ev->start_mark, "out of memory");
		return;
	}
	c->patterns = np;
	np[c->npatterns].code = code;
	np[c->npatterns].text = strdup((const char *)ev->data.scalar.value);
	np[c->npatterns].line = (uint32_t)ev->start_mark.line + 1;
	c->npatterns++;
	r->p->npatterns++;
}

static void
rules_url(struct rules_ctx *r, const yaml_event_t *ev)
{
	const char		*s = (const char *)ev->data.scalar.value;
	const char		*slash = strchr(s, '/'), *why;
	char			 norm[HOSTNAME_BUFSZ];
	struct policy_urlrule	*nu, *u;
	size_t			 i;

	if (slash == NULL || slash == s) {
		rules_err(r, &ev->start_mark, "\"%.80s\" is not host/path: "
		    "put host names without a path under domains", s);
		return;
	}
	for (i = 0; slash[i] != '\0'; i++)
		if ((unsigned char)slash[i] <= ' ' || slash[i] == 0x7f) {
			rules_err(r, &ev->start_mark,
			    "\"%.80s\": a space or control character in the path", s);
			return;
		}
	if (hostname_normalize(s, (size_t)(slash - s), norm, &why) ==
	    HOSTNAME_INVALID) {
		rules_err(r, &ev->start_mark, "\"%.80s\": the host is not valid: %s",
		    s, why);
		return;
	}
	if ((nu = realloc(r->p->urls, (r->p->nurls + 1) * sizeof(*nu))) == NULL) {
		rules_err(r, &ev->start_mark, "out of memory");
		return;
	}
	r->p->urls = nu;
	u = &nu[r->p->nurls];
	u->category = r->cat;
	u->line = (uint32_t)ev->start_mark.line + 1;
	u->path = strdup(slash);
	u->pathlen = strlen(slash);
	u->text = strdup(s);
	if (u->path == NULL || u->text == NULL ||
	    domtab_add(r->p->urlhosts, norm, strlen(norm),
	    (uint32_t)r->p->nurls, u->line) != 0) {
		free(u->path);
		free(u->text);
		rules_err(r, &ev->start_mark, "out of memory");
		return;
	}
	r->p->nurls++;
}

static int
rules_valid_category(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '-' || c == '_'));
		if (!ok)
			return 0;
	}
	return i > 0 && i <= 64;
}

/* The value of a list key: each scalar item goes to fn. */
static void
rules_list(struct rules_ctx *r, const char *key,
    void (*fn)(struct rules_ctx *, const yaml_event_t *))
{
	yaml_event_t ev;

	if (rules_next(r, &ev) != 0)
		return;
	if (rules_is_null(&ev)) {
		yaml_event_delete(&ev);
		return;
	}
	if (ev.type != YAML_SEQUENCE_START_EVENT) {
		rules_err(r, &ev.start_mark, "%s must be a list, not %s", key,
		    rules_kind(&ev));
		rules_skip(r, &ev);
		return;
	}
	yaml_event_delete(&ev);
	for (;;) {
		if (rules_next(r, &ev) != 0)
			return;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ev.type != YAML_SCALAR_EVENT || rules_is_null(&ev)) {
			if (ev.type != YAML_ALIAS_EVENT)
				rules_err(r, &ev.start_mark, "each item of %s must be "
				    "a value, not %s", key, rules_is_null(&ev) ?
				    "nothing" : rules_kind(&ev));
			rules_skip(r, &ev);
			continue;
		}
		if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length)
			rules_err(r, &ev.start_mark, "a NUL character in %s", key);
		else
			fn(r, &ev);
		yaml_event_delete(&ev);
	}
	yaml_event_delete(&ev);
}

/* A scalar value for key; returns a copy or NULL (error added). */
static char *
rules_scalar(struct rules_ctx *r, const char *key, yaml_mark_t *at)
{
	yaml_event_t	 ev;
	char		*s;

	if (rules_next(r, &ev) != 0)
		return NULL;
	*at = ev.start_mark;
	if (ev.type != YAML_SCALAR_EVENT || rules_is_null(&ev)) {
		if (ev.type != YAML_ALIAS_EVENT)
			rules_err(r, &ev.start_mark, "%s must be a value, not %s", key,
			    rules_is_null(&ev) ? "nothing" : rules_kind(&ev));
		rules_skip(r, &ev);
		return NULL;
	}
	s = strdup((const char *)ev.data.scalar.value);
	yaml_event_delete(&ev);
	return s;
}

static const char *const rules_keys[] = {
	"category", "description", "domains", "patterns", "urls", NULL
};

static void
rules_file(struct rules_ctx *r, const char *base)
{
	struct policy_category	*c = &r->p->categories[r->cat];
	yaml_event_t		 ev;
	yaml_mark_t		 keymark[5], at;
	unsigned		 seen = 0;
	int			 k;

	/* Stream start, then the document. */
	if (rules_next(r, &ev) != 0)
		return;
	yaml_event_delete(&ev);
	if (rules_next(r, &ev) != 0)
		return;
	if (ev.type == YAML_STREAM_END_EVENT) {
		r->nerr++;
		diag_add(r->diag, r->file, 0, 0, "empty file: a rule file needs "
		    "category and description");
		yaml_event_delete(&ev);
		return;
	}
	yaml_event_delete(&ev);
	if (rules_next(r, &ev) != 0)
		return;
	if (ev.type != YAML_MAPPING_START_EVENT) {
		rules_err(r, &ev.start_mark, "a rule file must be a mapping with "
		    "category, description, domains, patterns and urls, not %s",
		    rules_is_null(&ev) ? "nothing" : rules_kind(&ev));
		rules_skip(r, &ev);
		return;
	}
	yaml_event_delete(&ev);
	for (;;) {
		const char *key;

		if (rules_next(r, &ev) != 0)
			return;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rules_err(r, &ev.start_mark, "keys must be plain words");
			rules_skip(r, &ev);
			if (rules_next(r, &ev) == 0)
				rules_skip(r, &ev);
			continue;
		}
		key = (const char *)ev.data.scalar.value;
		for (k = 0; rules_keys[k] != NULL; k++)
			if (strcmp(rules_keys[k], key) == 0)
				break;
		if (rules_keys[k] == NULL) {
			rules_err(r, &ev.start_mark, "unknown key \"%.60s\" (expected "
			    "one of: category, description, domains, patterns, urls)",
			    key);
			yaml_event_delete(&ev);
			if (rules_next(r, &ev) == 0)
				rules_skip(r, &ev);
			continue;
		}
		if (seen & (1u << k)) {
			rules_err(r, &ev.start_mark, "key \"%s\" given twice (first "
			    "at line %zu)", key, keymark[k].line + 1);
			yaml_event_delete(&ev);
			if (rules_next(r, &ev) == 0)
				rules_skip(r, &ev);
			continue;
		}
		seen |= 1u << k;
		keymark[k] = ev.start_mark;
		yaml_event_delete(&ev);
		switch (k) {
		case 0:
			if ((c->name = rules_scalar(r, "category", &at)) == NULL)
				break;
			if (!rules_valid_category(c->name) ||
			    strcmp(c->name, "all") == 0)
				rules_err(r, &at, "category \"%.80s\" must be 1-64 "
				    "lower-case letters, digits, '-' or '_', and not "
				    "\"all\"", c->name);
			else if (strcmp(c->name, base) != 0)
				rules_err(r, &at, "category \"%s\" must match the file "
				    "name (%s.yaml)", c->name, base);
			break;
		case 1:
			c->description = rules_scalar(r, "description", &at);
			break;
		case 2:
			rules_list(r, "domains", rules_domain);
			break;
		case 3:
			rules_list(r, "patterns", rules_pattern);
			break;
		case 4:
			rules_list(r, "urls", rules_url);
			break;
		}
	}
	for (k = 0; k < 2; k++)
		if (!(seen & (1u << k))) {
			r->nerr++;
			diag_add(r->diag, r->file, 1, 1, "missing the required key "
			    "\"%s\"", rules_keys[k]);
		}
	/* Document end, then the stream must end: one document per file. */
	if (rules_next(r, &ev) != 0)
		return;
	yaml_event_delete(&ev);
	if (rules_next(r, &ev) != 0)
		return;
	if (ev.type != YAML_STREAM_END_EVENT)
		rules_err(r, &ev.start_mark, "more than one YAML document in the file");
	yaml_event_delete(&ev);
}

static int
rules_select(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 &&
	    strcmp(de->d_name + n - 5, ".yaml") == 0;
}

/* What a rule directory holds besides rule files: named, since a typo like "games.yml" would otherwise just vanish. */
static int
rules_other(const struct dirent *de)
{
	return de->d_name[0] != '.' && !rules_select(de);
}

static void
rules_warn_others(const char *rdir, struct diag *d)
{
	struct dirent	**names = NULL;
	int		  n;

	if ((n = scandir(rdir, &names, rules_other, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		diag_warn(d, rdir, "%s is not read: only NAME.yaml files are rule "
		    "sets", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

int
policy_rules_load(struct policy *p, const char *dir, struct diag *d)
{
	struct dirent	**names = NULL;
	char		 *rdir = NULL;
	int		  n, i, nerr = 0;

	if (asprintf(&rdir, "%s/rules.d", dir) < 0)
		return -1;
	if ((n = scandir(rdir, &names, rules_select, alphasort)) < 0) {
		diag_add(d, rdir, 0, 0, "cannot read the rule directory: %s",
		    strerror(errno));
		free(rdir);
		return -1;
	}
	rules_warn_others(rdir, d);
	if (n > POLICY_MAX_CATEGORIES) {
		diag_add(d, rdir, 0, 0, "more than %d rule files",
		    POLICY_MAX_CATEGORIES);
		nerr++;
		n = 0;
	}
	p->categories = calloc((size_t)n + 1, sizeof(*p->categories));
	if (p->categories == NULL)
		nerr++;
	for (i = 0; i < n && p->categories != NULL; i++) {
		struct rules_ctx	 r;
		char			*path = NULL, base[256];
		FILE			*fp;
		size_t			 blen = strlen(names[i]->d_name) - 5;

		memset(&r, 0, sizeof(r));
		r.p = p;
		r.diag = d;
		r.cat = (uint32_t)p->ncategories;
		snprintf(base, sizeof(base), "%.*s", (int)blen, names[i]->d_name);
		if (asprintf(&path, "%s/%s", rdir, names[i]->d_name) < 0) {
			nerr++;
			break;
		}
		p->categories[r.cat].file = path;
		p->ncategories++;
		r.file = path;
		r.list = policy_list_new(p, PLIST_CATEGORY, r.cat, path);
		if ((fp = fopen(path, "rb")) == NULL) {
			diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
			nerr++;
			continue;
		}
		if (!yaml_parser_initialize(&r.parser)) {
			fclose(fp);
			nerr++;
			continue;
		}
		yaml_parser_set_input_file(&r.parser, fp);
		rules_file(&r, base);
		yaml_parser_delete(&r.parser);
		fclose(fp);
		nerr += r.nerr;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(rdir);
	return nerr ? -1 : 0;
}

/*
 * Roster-only snapshots (the dashboard) read no rule file, but a guardian
 * picks categories to block at home and must not unblock one the district
 * blocks: the names alone come from the file names (NAME.yaml is category
 * NAME, which a full load checks).  No rules.d is no categories, not an error.
 */
int
policy_rules_names(struct policy *p, const char *dir)
{
	struct dirent	**names = NULL;
	char		 *rdir = NULL;
	int		  n, i, nerr = 0;

	if (asprintf(&rdir, "%s/rules.d", dir) < 0)
		return -1;
	n = scandir(rdir, &names, rules_select, alphasort);
	free(rdir);
	if (n < 0)
		return 0;
	if (n > POLICY_MAX_CATEGORIES)
		n = POLICY_MAX_CATEGORIES;
	if ((p->categories = calloc((size_t)n + 1, sizeof(*p->categories))) == NULL)
		nerr++;
	for (i = 0; i < n && p->categories != NULL; i++) {
		size_t	 blen = strlen(names[i]->d_name) - 5;
		char	*name;

		if ((name = strndup(names[i]->d_name, blen)) == NULL) {
			nerr++;
			break;
		}
		if (!rules_valid_category(name) || strcmp(name, "all") == 0) {
			free(name);
			continue;
		}
		p->categories[p->ncategories++].name = name;
	}
	for (int j = 0; j < (n < 0 ? 0 : n); j++)
		free(names[j]);
	free(names);
	return nerr ? -1 : 0;
}
