/* dnsmap: which name each client resolved to each address, learned from DNS answers, bounded and aged by TTL. */
#include "dnsmap.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "flow.h"

/*
 * Clients connect a little after an answer's TTL runs out (browsers and
 * stub resolvers cache past it), and a TTL of seconds would forget a name
 * before the connection it was for: keep every pair at least this long.
 */
#define DNSMAP_MIN_TTL	300
#define DNSMAP_MAX_TTL	86400

struct dnsmap_rec {
	uint64_t	expires_ms;
	char		name[254];
};

struct dnsmap {
	struct flow_table	*t;	/* the table's key is (client, address); no payload buffers */
	struct dnsmap_rec	*recs;	/* by flow index */
	size_t			 n;
};

static void
dnsmap_key(struct flow_key *k, int af, const uint8_t *client, const uint8_t *addr)
{
	size_t alen = af == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->af = (uint8_t)af;
	memcpy(k->src, client, alen);
	memcpy(k->dst, addr, alen);
}

struct dnsmap *
dnsmap_new(size_t capacity)
{
	struct dnsmap *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->n = capacity;
	m->t = flow_table_new(capacity, 0, 8, DNSMAP_MAX_TTL * 1000u);
	m->recs = calloc(capacity, sizeof(*m->recs));
	if (m->t == NULL || m->recs == NULL) {
		dnsmap_free(m);
		return NULL;
	}
	return m;
}

void
dnsmap_free(struct dnsmap *m)
{
	if (m == NULL)
		return;
	flow_table_free(m->t);
	free(m->recs);
	free(m);
}

void
dnsmap_add(struct dnsmap *m, int af, const uint8_t *client, const uint8_t *addr,
    const char *name, uint32_t ttl, uint64_t now_ms)
{
	struct flow_key		 k;
	struct flow		*f;
	struct dnsmap_rec	*r;
	size_t			 n = strlen(name);

	if (n == 0 || n >= sizeof(r->name))
		return;
	dnsmap_key(&k, af, client, addr);
	if ((f = flow_get(m->t, &k, now_ms, 1)) == NULL)
		return;
	r = &m->recs[f->idx];
	if (ttl < DNSMAP_MIN_TTL)
		ttl = DNSMAP_MIN_TTL;
	if (ttl > DNSMAP_MAX_TTL)
		ttl = DNSMAP_MAX_TTL;
	/* The latest answer wins: an address shared by names is judged by the one asked last. */
	memcpy(r->name, name, n + 1);
	r->expires_ms = now_ms + (uint64_t)ttl * 1000;
}

const char *
dnsmap_find(struct dnsmap *m, int af, const uint8_t *client, const uint8_t *addr,
    uint64_t now_ms)
{
	struct flow_key		 k;
	struct flow		*f;
	struct dnsmap_rec	*r;

	dnsmap_key(&k, af, client, addr);
	if ((f = flow_get(m->t, &k, now_ms, 0)) == NULL)
		return NULL;
	r = &m->recs[f->idx];
	if (r->expires_ms <= now_ms) {
		flow_remove(m->t, f);
		return NULL;
	}
	return r->name;
}

size_t
dnsmap_count(const struct dnsmap *m)
{
	struct flow_stats st;

	flow_stats(m->t, &st);
	return st.live;
}
