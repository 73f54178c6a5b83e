/* import: turns hosts files, Adblock lists and UT1/squidGuard folders into a hallpass rule set. */
#ifndef HALLPASS_IMPORT_H
#define HALLPASS_IMPORT_H

#include <stddef.h>
#include <stdio.h>

/* Lists can have thousands of bad lines; a screenful says what is wrong, the total says how much. */
#define IMPORT_REPORT_MAX	10

struct import_list {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

/*
 * What one or more imports produced.  Zero it with import_result_init (or
 * "= {0}"); every import_* call adds to it, so a UT1 folder's two files, or
 * several lists, can go into one rule set.  After each call both lists are
 * sorted bytewise and hold no duplicates, so output diffs well between runs.
 */
struct import_result {
	struct import_list domains;	/* hostname_normalize() form, IP literals included */
	struct import_list urls;	/* "host/path", host normalised, path as written */
	size_t	lines;		/* every line read, blank and comment lines included */
	size_t	duplicates;	/* entries dropped because they were already listed */
	size_t	bad;		/* malformed lines: skipped, reported, never fatal */
	size_t	unsupported;	/* well-formed rules a domain/url list cannot express */
	size_t	skipped;	/* well-formed entries left out on purpose, e.g. "localhost" */
	size_t	reported;	/* bad lines already written to errs, up to IMPORT_REPORT_MAX */
};

void	import_result_init(struct import_result *);
void	import_result_free(struct import_result *);

/*
 * Each reader writes "SRCNAME:LINE: why" to errs (which may be NULL) for the
 * first IMPORT_REPORT_MAX bad lines of r, counts the rest, and returns 0; -1
 * only when the input cannot be read or memory runs out (said on errs).
 */
int	import_hosts(FILE *in, const char *srcname, struct import_result *r,
	    FILE *errs);
int	import_adblock(FILE *in, const char *srcname, struct import_result *r,
	    FILE *errs);
/* dir holds "domains" and/or "urls"; expression files are reported as not imported. */
int	import_ut1_dir(const char *dir, struct import_result *r, FILE *errs);

/*
 * Writes the rule set as YAML: "# comment" (control characters and invalid
 * UTF-8 replaced by '?'), then category, description, domains and, when there
 * are any, urls.  description must be valid UTF-8.  Returns 0, or -1 if the
 * emitter or the stream fails.
 */
int	import_write_yaml(FILE *out, const char *category,
	    const char *description, const char *comment,
	    const struct import_result *r);

/* 1 if s is well-formed UTF-8 (what YAML requires of every character), else 0: hp_utf8_valid, kept for import's callers. */
int	import_utf8_valid(const char *s, size_t len);

#endif
