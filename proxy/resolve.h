/* resolve: the names enforcement needs (safe-search targets, DoH endpoints) kept resolved by c-ares, never blocking the caller. */
#ifndef HALLPASS_RESOLVE_H
#define HALLPASS_RESOLVE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define RESOLVE_MAX_ADDRS	8

/* What is known of one watched name; addresses stay (stale) while a refresh fails. */
struct resolve_entry {
	char		name[256];
	uint8_t		a4[RESOLVE_MAX_ADDRS][4];
	size_t		na4;
	uint8_t		a6[RESOLVE_MAX_ADDRS][16];
	size_t		na6;
	uint64_t	expires_ms;	/* 0: never resolved */
	uint32_t	ttl;		/* seconds, as answered (clamped) */
	int		tag;		/* the caller's */
};

struct resolve_stats {
	uint64_t	lookups, answers, failures;
};

struct resolve;

/*
 * servers: "ADDR[,ADDR...]" to ask, or NULL for the system's resolv.conf.
 * timeout_ms bounds one try (two tries per lookup).  NULL with err on failure.
 */
struct resolve	*resolve_new(const char *servers, unsigned timeout_ms, char *err,
		    size_t errlen);
void		 resolve_free(struct resolve *);
/*
 * A reload's servers (as resolve_new; NULL or "" for resolv.conf).  c-ares
 * refuses while lookups are in flight: then they are applied by a later
 * resolve_process.  -1 with err when c-ares rejects them.
 */
int		 resolve_set_servers(struct resolve *, const char *servers, char *err,
		    size_t errlen);
/* Keeps name (up to 255 bytes) resolved from now on; tag is returned with it. -1 when full. */
int		 resolve_watch(struct resolve *, const char *name, int tag);
/*
 * A reloaded set of names: between resolve_rewatch_begin and _end, names
 * watched again keep what is known of them (no new lookup, no gap in the
 * answers); the others are forgotten at _end.
 */
void		 resolve_rewatch_begin(struct resolve *);
void		 resolve_rewatch_end(struct resolve *);
/* What is known of name now, or NULL if it is not watched.  Never waits. */
const struct resolve_entry *resolve_get(const struct resolve *, const char *name);
/* The watched name one of whose addresses is addr (af AF_INET/AF_INET6), or NULL. */
const struct resolve_entry *resolve_by_addr(const struct resolve *, int af,
		    const uint8_t *addr);
/*
 * Starts the lookups that are due (new names, expired TTLs, retries after a
 * failure), fills pfd[0..max) with c-ares' sockets and lowers *timeout_ms to
 * its next deadline.  Returns the number of descriptors filled.
 */
int		 resolve_prepare(struct resolve *, uint64_t now_ms, struct pollfd *pfd,
		    int max, int *timeout_ms);
/* Hands poll's results for those descriptors back to c-ares (answers arrive here). */
void		 resolve_process(struct resolve *, const struct pollfd *pfd, int n,
		    uint64_t now_ms);
void		 resolve_stats(const struct resolve *, struct resolve_stats *);

#endif
