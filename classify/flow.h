/* flow: a bounded table of client flows with idle expiry and per-flow reassembly of the first client bytes. */
#ifndef HALLPASS_FLOW_H
#define HALLPASS_FLOW_H

#include <stddef.h>
#include <stdint.h>

/* One direction of a conversation: the client's packets, as they arrive. */
struct flow_key {
	uint8_t		af;		/* AF_INET or AF_INET6 */
	uint8_t		proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t	sport, dport;	/* host order */
	uint8_t		src[16], dst[16];
};

enum flow_state {
	FLOW_NEW = 0,		/* no name yet, nothing buffered */
	FLOW_PENDING,		/* a name may still arrive in later segments */
	FLOW_DONE,		/* classified (or given up): later packets are not parsed */
};

struct flow {
	struct flow_key	 key;
	uint64_t	 first_ms, last_ms;
	uint8_t		 state;
	uint8_t		 kind;		/* the caller's protocol tag */
	uint8_t		 verdict;	/* the caller's decision for a FLOW_DONE flow (0: none) */
	uint8_t		 have_base;
	uint8_t		 overflow;	/* bytes arrived past the buffer */
	uint8_t		 conflict;	/* two copies of a stream byte disagreed */
	uint32_t	 base_seq;	/* sequence number of stream byte 0 */
	uint32_t	 packets;
	void		*user;		/* caller's per-flow state (e.g. QUIC hello), freed by the caller */
	uint32_t	 aux;		/* caller's scratch (e.g. DNS-over-TCP stream offset) */
	/* internal */
	uint32_t	 idx, hnext, lprev, lnext;
	int32_t		 buf;		/* pool slot or -1 */
};

struct flow_stats {
	uint64_t	created, expired, evicted, nobuf, live;
	uint64_t	conflicts;	/* flows whose overlapping segments disagreed */
};

struct flow_table;

/*
 * capacity flows at most; nbufs reassembly buffers of bufsize bytes shared by
 * them; flows idle for idle_ms are expired.  When the table is full the least
 * recently seen flow is evicted (counted): a new flow matters more than a
 * stale one, and a decided flow's later packets are the kernel's business.
 */
struct flow_table *flow_table_new(size_t capacity, size_t nbufs, size_t bufsize,
	    uint32_t idle_ms);
/* evict is called for each flow leaving the table (expiry, eviction, free) so its user state can go. */
void	flow_table_set_evict(struct flow_table *, void (*evict)(struct flow *, void *),
	    void *arg);
void	flow_table_free(struct flow_table *);
/* A reload's idle timeout: the next expiry pass applies it to every flow. */
void	flow_table_set_idle(struct flow_table *, uint32_t idle_ms);
/* Finds key; creates it when create is set.  NULL only when create is not set and it is absent. */
struct flow *flow_get(struct flow_table *, const struct flow_key *, uint64_t now_ms,
	    int create);
void	flow_remove(struct flow_table *, struct flow *);
/* Expires idle flows; returns how many. */
size_t	flow_expire(struct flow_table *, uint64_t now_ms);
void	flow_stats(const struct flow_table *, struct flow_stats *);

/*
 * Adds TCP payload at sequence seq to the flow's stream buffer (out-of-order
 * segments land at their offset) and returns the contiguous prefix from
 * stream byte 0 in *data, its length as the result.  syn marks seq as the
 * SYN's, so the stream starts at seq + 1.  Every byte keeps its first copy
 * (what Linux keeps for in-order data); when a later copy of a held byte
 * differs, f->conflict is set and stays: the server may have taken either
 * copy (another OS, a first copy that never reached it), so the caller must
 * not judge the flow by a name read from these bytes.
 * Returns 0 with *data = NULL when no buffer could be had.
 */
size_t	flow_tcp_add(struct flow_table *, struct flow *, uint32_t seq, int syn,
	    const uint8_t *payload, size_t len, const uint8_t **data);
/* Drops the flow's reassembly buffer (when it is classified). */
void	flow_buf_release(struct flow_table *, struct flow *);
size_t	flow_bufsize(const struct flow_table *);

#endif
