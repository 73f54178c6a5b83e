/* resolve: the names enforcement needs (safe-search targets, DoH endpoints) kept resolved by c-ares, never blocking the caller. */
#include "resolve.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <ares.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define RESOLVE_MAX_NAMES	256
#define RESOLVE_MIN_TTL		30
#define RESOLVE_MAX_TTL		86400
#define RESOLVE_RETRY_MS	30000

struct resolve_slot {
	struct resolve_entry	 e;
	int			 used;
	int			 in_flight;
	int			 unwatched;	/* not named again in a rewatch yet */
	uint32_t		 gen;		/* bumped when the slot is cleared: late answers are ignored */
	uint64_t		 next_try_ms;
};

struct resolve {
	ares_channel		 ch;
	struct resolve_slot	 slots[RESOLVE_MAX_NAMES];
	size_t			 nslots;
	uint64_t		 now_ms;
	struct resolve_stats	 st;
	/* A reload's servers, waiting while c-ares has queries in flight (it refuses then). */
	char			 want[256];
	int			 want_set;
};

/* The lookup's identity, checked when its answer arrives. */
struct resolve_ctx {
	struct resolve	*r;
	size_t		 idx;
	uint32_t	 gen;
};

static int resolve_lib_ready;

static int	resolve_apply_servers(struct resolve *, char *, size_t);

struct resolve *
resolve_new(const char *servers, unsigned timeout_ms, char *err, size_t errlen)
{
	struct resolve		*r;
	struct ares_options	 o;
	int			 rc;

	if (!resolve_lib_ready) {
		if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
			snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
			return NULL;
		}
		resolve_lib_ready = 1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.timeout = (int)(timeout_ms ? timeout_ms : 2000);
	o.tries = 2;
	/* DNS only: /etc/hosts on the gateway says nothing about the internet's addresses. */
	o.lookups = (char *)"b";
	o.flags = ARES_FLAG_NOSEARCH;
	rc = ares_init_options(&r->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_LOOKUPS | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (servers != NULL && servers[0] != '\0' &&
	    (rc = ares_set_servers_csv(r->ch, servers)) != ARES_SUCCESS) {
		snprintf(err, errlen, "resolvers \"%s\": %s", servers, ares_strerror(rc));
		ares_destroy(r->ch);
		free(r);
		return NULL;
	}
	return r;
}

void
resolve_free(struct resolve *r)
{
	if (r == NULL)
		return;
	/* Pending callbacks run now with ARES_EDESTRUCTION and free their contexts. */
	ares_destroy(r->ch);
	free(r);
}

int
resolve_watch(struct resolve *r, const char *name, int tag)
{
	size_t n = strlen(name), free_idx = r->nslots;

	if (n == 0 || n >= sizeof(r->slots[0].e.name))
		return -1;
	for (size_t i = 0; i < r->nslots; i++) {
		if (r->slots[i].used && strcmp(r->slots[i].e.name, name) == 0) {
			r->slots[i].e.tag = tag;
			r->slots[i].unwatched = 0;
			return 0;
		}
		if (!r->slots[i].used && free_idx == r->nslots)
			free_idx = i;
	}
	if (free_idx == r->nslots) {
		if (r->nslots == RESOLVE_MAX_NAMES)
			return -1;
		r->nslots++;
	}
	struct resolve_slot *s = &r->slots[free_idx];
	uint32_t gen = s->gen;

	memset(s, 0, sizeof(*s));
	s->gen = gen + 1;
	s->used = 1;
	memcpy(s->e.name, name, n + 1);
	s->e.tag = tag;
	return 0;
}

void
resolve_rewatch_begin(struct resolve *r)
{
	for (size_t i = 0; i < r->nslots; i++)
		r->slots[i].unwatched = r->slots[i].used;
}

void
resolve_rewatch_end(struct resolve *r)
{
	for (size_t i = 0; i < r->nslots; i++) {
		if (!r->slots[i].unwatched)
			continue;
		/* A lookup still under way finds another generation and is ignored. */
		r->slots[i].used = 0;
		r->slots[i].unwatched = 0;
		r->slots[i].in_flight = 0;
		r->slots[i].gen++;
	}
	while (r->nslots > 0 && !r->slots[r->nslots - 1].used)
		r->nslots--;
}

const struct resolve_entry *
resolve_get(const struct resolve *r, const char *name)
{
	for (size_t i = 0; i < r->nslots; i++)
		if (r->slots[i].used && strcmp(r->slots[i].e.name, name) == 0)
			return &r->slots[i].e;
	return NULL;
}

const struct resolve_entry *
resolve_by_addr(const struct resolve *r, int af, const uint8_t *addr)
{
	for (size_t i = 0; i < r->nslots; i++) {
		const struct resolve_entry *e = &r->slots[i].e;

		if (!r->slots[i].used)
			continue;
		if (af == AF_INET) {
			for (size_t j = 0; j < e->na4; j++)
				if (memcmp(e->a4[j], addr, 4) == 0)
					return e;
		} else {
			for (size_t j = 0; j < e->na6; j++)
				if (memcmp(e->a6[j], addr, 16) == 0)
					return e;
		}
	}
	return NULL;
}

static void
resolve_done(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolve_ctx	*c = arg;
	struct resolve		*r = c->r;
	struct resolve_slot	*s = &r->slots[c->idx];
	uint32_t		 ttl = RESOLVE_MAX_TTL;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || s->gen != c->gen || !s->used) {
		ares_freeaddrinfo(ai);
		free(c);
		return;
	}
	s->in_flight = 0;
	if (status != ARES_SUCCESS || ai == NULL) {
		/* Keep serving what we had; try again later without hammering a dead server. */
		r->st.failures++;
		s->next_try_ms = r->now_ms + RESOLVE_RETRY_MS;
		ares_freeaddrinfo(ai);
		free(c);
		return;
	}
	s->e.na4 = s->e.na6 = 0;
	for (struct ares_addrinfo_node *n = ai->nodes; n != NULL; n = n->ai_next) {
		if (n->ai_family == AF_INET && s->e.na4 < RESOLVE_MAX_ADDRS) {
			memcpy(s->e.a4[s->e.na4++],
			    &((struct sockaddr_in *)(void *)n->ai_addr)->sin_addr, 4);
		} else if (n->ai_family == AF_INET6 && s->e.na6 < RESOLVE_MAX_ADDRS) {
			memcpy(s->e.a6[s->e.na6++],
			    &((struct sockaddr_in6 *)(void *)n->ai_addr)->sin6_addr, 16);
		} else
			continue;
		if (n->ai_ttl >= 0 && (uint32_t)n->ai_ttl < ttl)
			ttl = (uint32_t)n->ai_ttl;
	}
	if (ttl < RESOLVE_MIN_TTL)
		ttl = RESOLVE_MIN_TTL;
	s->e.ttl = ttl;
	s->e.expires_ms = r->now_ms + (uint64_t)ttl * 1000;
	s->next_try_ms = s->e.expires_ms;
	r->st.answers++;
	ares_freeaddrinfo(ai);
	free(c);
}

int
resolve_prepare(struct resolve *r, uint64_t now_ms, struct pollfd *pfd, int max,
    int *timeout_ms)
{
	ares_socket_t		 socks[ARES_GETSOCK_MAXNUM];
	struct timeval		 tv, *tvp;
	int			 bits, n = 0;

	r->now_ms = now_ms;
	for (size_t i = 0; i < r->nslots; i++) {
		struct resolve_slot		*s = &r->slots[i];
		struct resolve_ctx		*c;
		struct ares_addrinfo_hints	 h;

		if (!s->used || s->in_flight || now_ms < s->next_try_ms)
			continue;
		if ((c = malloc(sizeof(*c))) == NULL)
			break;
		c->r = r;
		c->idx = i;
		c->gen = s->gen;
		memset(&h, 0, sizeof(h));
		h.ai_family = AF_UNSPEC;
		h.ai_flags = ARES_AI_NOSORT;
		s->in_flight = 1;
		r->st.lookups++;
		ares_getaddrinfo(r->ch, s->e.name, NULL, &h, resolve_done, c);
	}
	bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
		short ev = 0;

		/* The ARES_GETSOCK_* macros shift a signed 1 into the sign bit for the last socket. */
		if (((unsigned)bits >> i) & 1u)
			ev |= POLLIN;
		if (((unsigned)bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u)
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	if ((tvp = ares_timeout(r->ch, NULL, &tv)) != NULL) {
		long ms = tvp->tv_sec * 1000 + tvp->tv_usec / 1000 + 1;

		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	return n;
}

void
resolve_process(struct resolve *r, const struct pollfd *pfd, int n, uint64_t now_ms)
{
	r->now_ms = now_ms;
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		ares_process_fd(r->ch,
		    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
		    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	/* Timeouts are handled by a call with no descriptor. */
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	if (r->want_set) {
		char err[320];

		/* Checked by config_load already: a failure here is c-ares' own and rare. */
		if (resolve_apply_servers(r, err, sizeof(err)) != 0)
			log_msg(LOG_L_ERROR, "%s: the resolvers in use stay", err);
	}
}

/* The servers a fresh channel reads from resolv.conf, put on ours. */
static int
resolve_system_servers(struct resolve *r)
{
	struct ares_addr_port_node	*list = NULL;
	ares_channel			 tmp;
	int				 rc;

	if ((rc = ares_init(&tmp)) != ARES_SUCCESS)
		return rc;
	if ((rc = ares_get_servers_ports(tmp, &list)) == ARES_SUCCESS)
		rc = ares_set_servers_ports(r->ch, list);
	ares_free_data(list);
	ares_destroy(tmp);
	return rc;
}

static int
resolve_apply_servers(struct resolve *r, char *err, size_t errlen)
{
	int rc;

	rc = r->want[0] != '\0' ? ares_set_servers_csv(r->ch, r->want) :
	    resolve_system_servers(r);
	if (rc == ARES_ENOTIMP)
		return 0;	/* queries in flight: resolve_process tries again */
	r->want_set = 0;
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "resolvers \"%s\": %s", r->want, ares_strerror(rc));
		return -1;
	}
	return 0;
}

int
resolve_set_servers(struct resolve *r, const char *servers, char *err, size_t errlen)
{
	if (servers == NULL)
		servers = "";
	if (strlen(servers) >= sizeof(r->want)) {
		snprintf(err, errlen, "resolvers \"%.60s...\": too long", servers);
		return -1;
	}
	memcpy(r->want, servers, strlen(servers) + 1);
	r->want_set = 1;
	return resolve_apply_servers(r, err, errlen);
}

void
resolve_stats(const struct resolve *r, struct resolve_stats *st)
{
	*st = r->st;
}
