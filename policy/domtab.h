/* domtab: a compact open-addressing table from host names to (list, line) pairs, built once, read by many. */
#ifndef HALLPASS_DOMTAB_H
#define HALLPASS_DOMTAB_H

#include <stddef.h>
#include <stdint.h>

struct domtab;

struct domtab	*domtab_new(void);
void		 domtab_free(struct domtab *);
/* Adds a normalised name (len bytes) to list at line; before domtab_build only. */
int		 domtab_add(struct domtab *, const char *name, size_t len,
		    uint32_t list, uint32_t line);
/* Freezes the table: merges duplicates, drops the build buffers. */
int		 domtab_build(struct domtab *);
/*
 * Exact lookup after domtab_build.  Returns the number of pairs and points
 * *pairs at them as list0, line0, list1, line1...; *key at the stored name.
 */
size_t		 domtab_find(const struct domtab *, const char *name, size_t len,
		    const uint32_t **pairs, const char **key);
size_t		 domtab_count(const struct domtab *);	/* distinct names */
/* Calls cb for every name after domtab_build, with its pairs as domtab_find gives them. */
void		 domtab_foreach(const struct domtab *,
		    void (*cb)(const char *name, const uint32_t *pairs, size_t n, void *),
		    void *arg);
uint32_t	 domtab_hash(const char *, size_t);

#endif
