/* flow: fixed arrays and index links only, so memory is set at start and nothing allocates per packet. */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#define FLOW_NIL	UINT32_MAX

struct flow_table {
	struct flow	*flows;
	uint32_t	*buckets;
	size_t		 capacity, nbuckets;
	uint32_t	 freelist;
	uint32_t	 lru_head, lru_tail;	/* head = least recently seen */
	uint32_t	 idle_ms;
	uint8_t		*bufs;			/* nbufs * (bufsize + bufsize / 8) */
	size_t		 nbufs, bufsize;
	int32_t		*buffree;
	size_t		 nbuffree;
	struct flow_stats st;
	void		(*evict)(struct flow *, void *);
	void		*evict_arg;
};

static uint32_t
flow_hash(const struct flow_key *k)
{
	/* FNV-1a over the key's bytes; the key has no padding to leak into it. */
	const uint8_t	*p = (const uint8_t *)k;
	uint32_t	 h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

struct flow_table *
flow_table_new(size_t capacity, size_t nbufs, size_t bufsize, uint32_t idle_ms)
{
	struct flow_table *t;

	_Static_assert(sizeof(struct flow_key) == 38, "flow_key must have no padding");
	if (capacity == 0 || capacity >= FLOW_NIL || bufsize % 8 != 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->capacity = capacity;
	t->nbuckets = 1;
	while (t->nbuckets < capacity)
		t->nbuckets <<= 1;
	t->idle_ms = idle_ms;
	t->nbufs = nbufs;
	t->bufsize = bufsize;
	t->flows = calloc(capacity, sizeof(*t->flows));
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	t->bufs = nbufs ? malloc(nbufs * (bufsize + bufsize / 8)) : NULL;
	t->buffree = malloc((nbufs + 1) * sizeof(*t->buffree));
	if (t->flows == NULL || t->buckets == NULL || t->buffree == NULL ||
	    (nbufs && t->bufs == NULL)) {
		flow_table_free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, t->nbuckets * sizeof(*t->buckets));
	for (size_t i = 0; i < capacity; i++)
		t->flows[i].hnext = i + 1 < capacity ? (uint32_t)(i + 1) : FLOW_NIL;
	t->freelist = 0;
	t->lru_head = t->lru_tail = FLOW_NIL;
	for (size_t i = 0; i < nbufs; i++)
		t->buffree[i] = (int32_t)(nbufs - 1 - i);
	t->nbuffree = nbufs;
	return t;
}

void
flow_table_set_evict(struct flow_table *t, void (*evict)(struct flow *, void *),
    void *arg)
{
	t->evict = evict;
	t->evict_arg = arg;
}

static void
flow_lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lprev != FLOW_NIL)
		t->flows[f->lprev].lnext = f->lnext;
	else
		t->lru_head = f->lnext;
	if (f->lnext != FLOW_NIL)
		t->flows[f->lnext].lprev = f->lprev;
	else
		t->lru_tail = f->lprev;
}

static void
flow_lru_append(struct flow_table *t, struct flow *f)
{
	f->lnext = FLOW_NIL;
	f->lprev = t->lru_tail;
	if (t->lru_tail != FLOW_NIL)
		t->flows[t->lru_tail].lnext = f->idx;
	else
		t->lru_head = f->idx;
	t->lru_tail = f->idx;
}

void
flow_buf_release(struct flow_table *t, struct flow *f)
{
	if (f->buf >= 0) {
		t->buffree[t->nbuffree++] = f->buf;
		f->buf = -1;
	}
}

void
flow_remove(struct flow_table *t, struct flow *f)
{
	uint32_t *pp = &t->buckets[flow_hash(&f->key) & (t->nbuckets - 1)];

	if (t->evict != NULL)
		t->evict(f, t->evict_arg);
	f->user = NULL;
	while (*pp != FLOW_NIL && *pp != f->idx)
		pp = &t->flows[*pp].hnext;
	if (*pp == f->idx)
		*pp = f->hnext;
	flow_lru_unlink(t, f);
	flow_buf_release(t, f);
	f->hnext = t->freelist;
	t->freelist = f->idx;
	t->st.live--;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	if (t->flows != NULL && t->buckets != NULL && t->evict != NULL)
		for (uint32_t i = t->lru_head; i != FLOW_NIL; i = t->flows[i].lnext)
			t->evict(&t->flows[i], t->evict_arg);
	free(t->flows);
	free(t->buckets);
	free(t->bufs);
	free(t->buffree);
	free(t);
}

size_t
flow_expire(struct flow_table *t, uint64_t now_ms)
{
	size_t n = 0;

	/* The LRU list is ordered by last_ms, so expiry stops at the first fresh flow. */
	while (t->lru_head != FLOW_NIL) {
		struct flow *f = &t->flows[t->lru_head];

		if (now_ms < f->last_ms + t->idle_ms)
			break;
		flow_remove(t, f);
		t->st.expired++;
		n++;
	}
	return n;
}

struct flow *
flow_get(struct flow_table *t, const struct flow_key *k, uint64_t now_ms, int create)
{
	uint32_t	 b = (uint32_t)(flow_hash(k) & (t->nbuckets - 1)), i;
	struct flow	*f;

	for (i = t->buckets[b]; i != FLOW_NIL; i = t->flows[i].hnext) {
		f = &t->flows[i];
		if (memcmp(&f->key, k, sizeof(*k)) == 0) {
			f->last_ms = now_ms;
			f->packets++;
			flow_lru_unlink(t, f);
			flow_lru_append(t, f);
			return f;
		}
	}
	if (!create)
		return NULL;
	(void)flow_expire(t, now_ms);
	if (t->freelist == FLOW_NIL) {
		flow_remove(t, &t->flows[t->lru_head]);
		t->st.evicted++;
	}
	i = t->freelist;
	f = &t->flows[i];
	t->freelist = f->hnext;
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->idx = i;
	f->buf = -1;
	f->first_ms = f->last_ms = now_ms;
	f->packets = 1;
	f->hnext = t->buckets[b];
	t->buckets[b] = i;
	flow_lru_append(t, f);
	t->st.created++;
	t->st.live++;
	return f;
}

void
flow_stats(const struct flow_table *t, struct flow_stats *st)
{
	*st = t->st;
}

size_t
flow_bufsize(const struct flow_table *t)
{
	return t->bufsize;
}

size_t
flow_tcp_add(struct flow_table *t, struct flow *f, uint32_t seq, int syn,
    const uint8_t *payload, size_t len, const uint8_t **data)
{
	uint8_t		*buf, *map;
	size_t		 have = 0;
	uint32_t	 off;

	*data = NULL;
	if (syn) {
		f->base_seq = seq + 1;
		f->have_base = 1;
		seq++;
	}
	if (len == 0 && f->buf < 0)
		return 0;
	if (!f->have_base) {
		/* No SYN seen (queued mid-handshake, or a capture cut): the first data starts the stream. */
		f->base_seq = seq;
		f->have_base = 1;
	}
	if (f->buf < 0) {
		if (t->nbuffree == 0) {
			t->st.nobuf++;
			return 0;
		}
		f->buf = t->buffree[--t->nbuffree];
		memset(t->bufs + (size_t)f->buf * (t->bufsize + t->bufsize / 8) +
		    t->bufsize, 0, t->bufsize / 8);
	}
	buf = t->bufs + (size_t)f->buf * (t->bufsize + t->bufsize / 8);
	map = buf + t->bufsize;
	/* Unsigned difference handles wraparound. */
	off = seq - f->base_seq;
	if (off >= 0x80000000u) {
		/* Starts before the stream: only what reaches into it is compared (the rest is old news). */
		uint32_t skip = f->base_seq - seq;

		if (skip >= len)
			len = 0;
		else {
			payload += skip;
			len -= skip;
		}
		off = 0;
	}
	if (off < t->bufsize) {
		size_t n = len;

		if (n > t->bufsize - off) {
			n = t->bufsize - off;
			f->overflow = 1;
		}
		/*
		 * A byte already held keeps its first copy; a copy that differs marks
		 * the flow (see flow.h): which one the server took is unknowable here.
		 */
		for (size_t i = off; i < off + n; i++) {
			uint8_t bit = (uint8_t)(1u << (i & 7));

			if (map[i >> 3] & bit) {
				if (buf[i] != payload[i - off] && !f->conflict) {
					f->conflict = 1;
					t->st.conflicts++;
				}
				continue;
			}
			buf[i] = payload[i - off];
			map[i >> 3] |= bit;
		}
	} else if (len > 0)
		f->overflow = 1;
	while (have < t->bufsize && (map[have >> 3] == 0xff && (have & 7) == 0))
		have += 8;
	while (have < t->bufsize && (map[have >> 3] >> (have & 7) & 1))
		have++;
	*data = buf;
	return have;
}

void
flow_table_set_idle(struct flow_table *t, uint32_t idle_ms)
{
	t->idle_ms = idle_ms;
}
