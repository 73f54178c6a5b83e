/* domtab: names live once in one arena; slots are 16 bytes so a million names stay near 40 bytes each. */
#include "domtab.h"

#include <stdlib.h>
#include <string.h>

#define DOMTAB_EMPTY	UINT32_MAX
#define DOMTAB_MULTI	0x80000000u	/* list field indexes the overflow runs */

struct domtab_slot {
	uint32_t	off;	/* name in the arena, or DOMTAB_EMPTY */
	uint32_t	hash;
	uint32_t	list;	/* list id, or DOMTAB_MULTI | overflow index */
	uint32_t	line;	/* line, or the number of pairs in the run */
};

struct domtab_rec {
	uint32_t	off, hash, list, line;
};

struct domtab {
	char			*arena;
	size_t			 arena_len, arena_cap;
	struct domtab_slot	*slots;
	size_t			 nslots, count;
	uint32_t		*over;		/* runs of list, line pairs */
	size_t			 nover;
	struct domtab_rec	*recs;		/* build buffer */
	size_t			 nrecs, caprecs;
};

uint32_t
domtab_hash(const char *s, size_t len)
{
	/* FNV-1a, then a finaliser so the multiply-shift range keeps low-bit entropy. */
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

struct domtab *
domtab_new(void)
{
	return calloc(1, sizeof(struct domtab));
}

void
domtab_free(struct domtab *t)
{
	if (t == NULL)
		return;
	free(t->arena);
	free(t->slots);
	free(t->over);
	free(t->recs);
	free(t);
}

int
domtab_add(struct domtab *t, const char *name, size_t len, uint32_t list,
    uint32_t line)
{
	if (t->slots != NULL || len == 0 || list >= DOMTAB_MULTI)
		return -1;
	if (t->arena_len + len + 1 > t->arena_cap) {
		size_t	 ncap = t->arena_cap ? t->arena_cap * 2 : 1 << 16;
		char	*na;

		while (ncap < t->arena_len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return -1;
		if ((na = realloc(t->arena, ncap)) == NULL)
			return -1;
		t->arena = na;
		t->arena_cap = ncap;
	}
	if (t->nrecs == t->caprecs) {
		size_t			 ncap = t->caprecs ? t->caprecs * 2 : 1024;
		struct domtab_rec	*nr;

		if ((nr = realloc(t->recs, ncap * sizeof(*nr))) == NULL)
			return -1;
		t->recs = nr;
		t->caprecs = ncap;
	}
	t->recs[t->nrecs++] = (struct domtab_rec){ (uint32_t)t->arena_len,
	    domtab_hash(name, len), list, line };
	memcpy(t->arena + t->arena_len, name, len);
	t->arena[t->arena_len + len] = '\0';
	t->arena_len += len + 1;
	return 0;
}

static size_t
domtab_index(const struct domtab *t, uint32_t hash)
{
	return (size_t)(((uint64_t)hash * t->nslots) >> 32);
}

static struct domtab_slot *
domtab_probe(const struct domtab *t, const char *name, size_t len,
    uint32_t hash)
{
	size_t i = domtab_index(t, hash);

	for (;;) {
		struct domtab_slot *s = &t->slots[i];

		if (s->off == DOMTAB_EMPTY)
			return s;
		if (s->hash == hash && memcmp(t->arena + s->off, name, len) == 0 &&
		    t->arena[s->off + len] == '\0')
			return s;
		if (++i == t->nslots)
			i = 0;
	}
}

int
domtab_build(struct domtab *t)
{
	uint32_t	*next = NULL, *nlen = NULL;
	size_t		 i, nover = 0;
	int		 rc = -1;

	if (t->slots != NULL)
		return -1;
	/* 3/4 full at most: short probe runs without doubling the memory. */
	t->nslots = t->nrecs + t->nrecs / 3 + 16;
	if ((t->slots = malloc(t->nslots * sizeof(*t->slots))) == NULL)
		goto err;
	memset(t->slots, 0xff, t->nslots * sizeof(*t->slots));
	/* Names listed more than once chain their records; runs are written after. */
	if ((next = malloc(t->nrecs * sizeof(*next))) == NULL)
		goto err;
	for (i = 0; i < t->nrecs; i++) {
		struct domtab_rec	*r = &t->recs[i];
		const char		*name = t->arena + r->off;
		size_t			 len = strlen(name);
		struct domtab_slot	*s = domtab_probe(t, name, len, r->hash);

		next[i] = DOMTAB_EMPTY;
		if (s->off == DOMTAB_EMPTY) {
			*s = (struct domtab_slot){ r->off, r->hash, (uint32_t)i, 1 };
			t->count++;
			continue;
		}
		/* s->list holds the first record index during the build. */
		uint32_t j = s->list, last = j;
		int dup = 0;

		for (; j != DOMTAB_EMPTY; last = j, j = next[j])
			if (t->recs[j].list == r->list)
				dup = 1;
		if (dup)
			continue;	/* same name twice in one list: the first line stands */
		next[last] = (uint32_t)i;
		if (s->line++ == 1)
			nover += 2;
		nover += 2;
	}
	if (nover > 0 && (t->over = malloc(nover * sizeof(*t->over))) == NULL)
		goto err;
	for (i = 0; i < t->nslots; i++) {
		struct domtab_slot *s = &t->slots[i];
		uint32_t j;

		if (s->off == DOMTAB_EMPTY)
			continue;
		j = s->list;
		if (s->line == 1) {
			s->list = t->recs[j].list;
			s->line = t->recs[j].line;
			continue;
		}
		s->list = DOMTAB_MULTI | (uint32_t)t->nover;
		for (; j != DOMTAB_EMPTY; j = next[j]) {
			t->over[t->nover++] = t->recs[j].list;
			t->over[t->nover++] = t->recs[j].line;
		}
	}
	free(t->recs);
	t->recs = NULL;
	t->nrecs = t->caprecs = 0;
	if (t->arena_len > 0 && t->arena_cap > t->arena_len) {
		char *na = realloc(t->arena, t->arena_len);

		if (na != NULL)
			t->arena = na;
		t->arena_cap = t->arena_len;
	}
	rc = 0;
 err:
	free(next);
	free(nlen);
	return rc;
}

size_t
domtab_find(const struct domtab *t, const char *name, size_t len,
    const uint32_t **pairs, const char **key)
{
	struct domtab_slot *s;

	if (t->nslots == 0)
		return 0;
	s = domtab_probe(t, name, len, domtab_hash(name, len));
	if (s->off == DOMTAB_EMPTY)
		return 0;
	if (key != NULL)
		*key = t->arena + s->off;
	if (s->list & DOMTAB_MULTI) {
		*pairs = &t->over[s->list & ~DOMTAB_MULTI];
		return s->line;
	}
	*pairs = &s->list;
	return 1;
}

void
domtab_foreach(const struct domtab *t,
    void (*cb)(const char *, const uint32_t *, size_t, void *), void *arg)
{
	for (size_t i = 0; i < t->nslots; i++) {
		const struct domtab_slot *s = &t->slots[i];

		if (s->off == DOMTAB_EMPTY)
			continue;
		if (s->list & DOMTAB_MULTI)
			cb(t->arena + s->off, &t->over[s->list & ~DOMTAB_MULTI], s->line, arg);
		else
			cb(t->arena + s->off, &s->list, 1, arg);
	}
}

size_t
domtab_count(const struct domtab *t)
{
	return t->count;
}
