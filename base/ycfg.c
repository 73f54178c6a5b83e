/* ycfg: shared validation helpers so every config file reports errors the same way. */
#include "ycfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Config files are small; a cap keeps a stray multi-gigabyte file from eating the gateway. */
#define YCFG_MAX_BYTES	(64u << 20)

size_t
ycfg_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

size_t
ycfg_col(const yaml_node_t *n)
{
	return n->start_mark.column + 1;
}

void
ycfg_err(struct ycfg *y, const yaml_node_t *n, const char *fmt, ...)
{
	char	 msg[900];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	y->nerr++;
	if (n != NULL)
		diag_add(y->diag, y->file, ycfg_line(n), ycfg_col(n), "%s", msg);
	else
		diag_add(y->diag, y->file, 0, 0, "%s", msg);
}

int
ycfg_load(struct ycfg *y, const char *path, const char *file, struct diag *d)
{
	yaml_parser_t	 parser;
	FILE		*fp;
	long		 size;
	int		 rc = -1;

	memset(y, 0, sizeof(*y));
	y->file = file;
	y->diag = d;
	if ((fp = fopen(path, "rb")) == NULL) {
		ycfg_err(y, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 &&
	    (unsigned long)size > YCFG_MAX_BYTES) {
		ycfg_err(y, NULL, "file is larger than %u MiB", YCFG_MAX_BYTES >> 20);
		fclose(fp);
		return -1;
	}
	rewind(fp);
	if (!yaml_parser_initialize(&parser)) {
		ycfg_err(y, NULL, "out of memory");
		fclose(fp);
		return -1;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &y->doc)) {
		diag_add(d, file, parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1, "YAML syntax error: %s%s%s",
		    parser.problem ? parser.problem : "unknown",
		    parser.context ? " " : "", parser.context ? parser.context : "");
		y->nerr++;
		goto out;
	}
	y->loaded = 1;
	if (yaml_document_get_root_node(&y->doc) == NULL) {
		ycfg_err(y, NULL, "empty file");
		goto out;
	}
	/* A second document would be silently ignored by the loader: refuse it. */
	{
		yaml_document_t	 extra;

		if (yaml_parser_load(&parser, &extra)) {
			int more = yaml_document_get_root_node(&extra) != NULL;
			yaml_mark_t at = extra.start_mark;

			yaml_document_delete(&extra);
			if (more) {
				diag_add(d, file, at.line + 1, at.column + 1,
				    "more than one YAML document in the file");
				y->nerr++;
				goto out;
			}
		}
	}
	rc = 0;
 out:
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

void
ycfg_free(struct ycfg *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = 0;
}

yaml_node_t *
ycfg_root(struct ycfg *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *
ycfg_node(struct ycfg *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

static const char *
ycfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return ycfg_is_null(n) ? "nothing" : "a value";
	default:
		return "nothing";
	}
}

int
ycfg_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = (const char *)n->data.scalar.value;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

size_t
ycfg_map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

void
ycfg_map_pair(struct ycfg *y, yaml_node_t *n, size_t i, yaml_node_t **k,
    yaml_node_t **v)
{
	yaml_node_pair_t *p = n->data.mapping.pairs.start + i;

	*k = ycfg_node(y, p->key);
	*v = ycfg_node(y, p->value);
}

int
ycfg_map(struct ycfg *y, yaml_node_t *n, struct ycfg_key *keys, size_t nkeys,
    const char *what)
{
	size_t	 i, j, np;
	int	 rc = 0;

	for (j = 0; j < nkeys; j++)
		keys[j].key = keys[j].val = NULL;
	if (n->type != YAML_MAPPING_NODE) {
		ycfg_err(y, n, "%s must be a mapping of keys, not %s", what,
		    ycfg_kind(n));
		return -1;
	}
	np = ycfg_map_len(n);
	for (i = 0; i < np; i++) {
		yaml_node_t	*k, *v;
		const char	*name;

		ycfg_map_pair(y, n, i, &k, &v);
		if (k->type != YAML_SCALAR_NODE) {
			ycfg_err(y, k, "keys of %s must be plain words", what);
			rc = -1;
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (j = 0; j < nkeys; j++)
			if (strcmp(keys[j].name, name) == 0)
				break;
		if (j == nkeys) {
			char	 known[400];
			size_t	 off = 0;

			known[0] = '\0';
			for (j = 0; j < nkeys && off < sizeof(known); j++) {
				int w = snprintf(known + off, sizeof(known) - off,
				    "%s%s", j ? ", " : "", keys[j].name);
				if (w < 0)
					break;
				off += (size_t)w;
			}
			ycfg_err(y, k, "unknown key \"%s\" in %s (expected one of: %s)",
			    name, what, known);
			rc = -1;
			continue;
		}
		if (keys[j].key != NULL) {
			ycfg_err(y, k, "key \"%s\" given twice in %s (first at line %zu)",
			    name, what, ycfg_line(keys[j].key));
			rc = -1;
			continue;
		}
		keys[j].key = k;
		keys[j].val = v;
	}
	for (j = 0; j < nkeys; j++)
		if (keys[j].required && keys[j].key == NULL) {
			ycfg_err(y, n, "%s is missing the required key \"%s\"",
			    what, keys[j].name);
			rc = -1;
		}
	return rc;
}

const char *
ycfg_str(struct ycfg *y, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || ycfg_is_null(n)) {
		ycfg_err(y, n, "%s must be a value, not %s", what, ycfg_kind(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		ycfg_err(y, n, "%s contains a NUL character", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

int
ycfg_seq(struct ycfg *y, yaml_node_t *n, const char *what,
    yaml_node_item_t **items)
{
	*items = NULL;
	if (ycfg_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ycfg_err(y, n, "%s must be a list, not %s", what, ycfg_kind(n));
		return -1;
	}
	*items = n->data.sequence.items.start;
	return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

int
ycfg_int(struct ycfg *y, yaml_node_t *n, long long min, long long max,
    const char *what, long long *out)
{
	const char	*s = ycfg_str(y, n, what);
	char		*end;
	long long	 v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		ycfg_err(y, n, "%s must be a whole number from %lld to %lld, not \"%s\"",
		    what, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int
ycfg_enum(struct ycfg *y, yaml_node_t *n, const char *const *words,
    const char *what)
{
	const char	*s = ycfg_str(y, n, what);
	char		 list[300];
	size_t		 off = 0;

	if (s == NULL)
		return -1;
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], s) == 0)
			return i;
	list[0] = '\0';
	for (int i = 0; words[i] != NULL && off < sizeof(list); i++) {
		int w = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? ", " : "", words[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	ycfg_err(y, n, "%s must be one of %s, not \"%s\"", what, list, s);
	return -1;
}

int
ycfg_valid_id(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return i > 0 && i <= 64;
}
