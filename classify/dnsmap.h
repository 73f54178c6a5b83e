/* dnsmap: which name each client resolved to each address, learned from DNS answers, bounded and aged by TTL. */
#ifndef HALLPASS_DNSMAP_H
#define HALLPASS_DNSMAP_H

#include <stddef.h>
#include <stdint.h>

struct dnsmap;

/* capacity (client, address) pairs at most; the least recently used go first. */
struct dnsmap	*dnsmap_new(size_t capacity);
void		 dnsmap_free(struct dnsmap *);
/* Remembers that client (af) was told name has addr, for ttl seconds (within bounds). */
void		 dnsmap_add(struct dnsmap *, int af, const uint8_t *client,
		    const uint8_t *addr, const char *name, uint32_t ttl, uint64_t now_ms);
/* The name client resolved to addr, or NULL when it never did or the answer expired. */
const char	*dnsmap_find(struct dnsmap *, int af, const uint8_t *client,
		    const uint8_t *addr, uint64_t now_ms);
size_t		 dnsmap_count(const struct dnsmap *);

#endif
