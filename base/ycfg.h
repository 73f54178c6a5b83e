/* ycfg: strict reading of small YAML documents (libyaml's loader) with FILE:LINE:COLUMN errors. */
#ifndef HALLPASS_YCFG_H
#define HALLPASS_YCFG_H

#include <stddef.h>
#include <yaml.h>

#include "diag.h"

struct ycfg {
	yaml_document_t	 doc;
	int		 loaded;
	const char	*file;		/* as shown in errors */
	struct diag	*diag;
	size_t		 nerr;		/* errors added through this document */
};

/* One expected key of a mapping: filled by ycfg_map. */
struct ycfg_key {
	const char	*name;
	int		 required;
	yaml_node_t	*key;		/* out: NULL when absent */
	yaml_node_t	*val;
};

/* Reads path; file is the name used in errors.  -1 (with the error added) if unreadable or not YAML. */
int		 ycfg_load(struct ycfg *, const char *path, const char *file,
		    struct diag *);
void		 ycfg_free(struct ycfg *);
yaml_node_t	*ycfg_root(struct ycfg *);
void		 ycfg_err(struct ycfg *, const yaml_node_t *, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
yaml_node_t	*ycfg_node(struct ycfg *, int id);
/* Checks node is a mapping whose keys are all in keys (no duplicates, required present). -1 on error. */
int		 ycfg_map(struct ycfg *, yaml_node_t *, struct ycfg_key *,
		    size_t nkeys, const char *what);
/* The scalar's text, or NULL with an error naming what was expected. */
const char	*ycfg_str(struct ycfg *, yaml_node_t *, const char *what);
/* A YAML null (absent value, ~, null): lists may be left empty that way. */
int		 ycfg_is_null(const yaml_node_t *);
/* Checks node is a sequence (or null: empty); returns items count, or -1. */
int		 ycfg_seq(struct ycfg *, yaml_node_t *, const char *what,
		    yaml_node_item_t **items);
/* Parses an integer scalar in [min, max]. */
int		 ycfg_int(struct ycfg *, yaml_node_t *, long long min,
		    long long max, const char *what, long long *out);
/* Returns the index of the scalar's text in words (NULL-terminated), or -1 with an error. */
int		 ycfg_enum(struct ycfg *, yaml_node_t *, const char *const *words,
		    const char *what);
/* 1-based position of a node, for callers that build their own messages. */
size_t		 ycfg_line(const yaml_node_t *);
size_t		 ycfg_col(const yaml_node_t *);
/* Id checks shared by groups, students, guardians: ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ */
int		 ycfg_valid_id(const char *);
/* A mapping iterator: key and value nodes of pair i. */
size_t		 ycfg_map_len(const yaml_node_t *);
void		 ycfg_map_pair(struct ycfg *, yaml_node_t *, size_t,
		    yaml_node_t **k, yaml_node_t **v);

#endif
