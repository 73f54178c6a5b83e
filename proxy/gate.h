/* gate: hallpassd's per-packet logic — classify, find the student, judge, then enforce and record — apart from NFQUEUE. */
#ifndef HALLPASS_GATE_H
#define HALLPASS_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "config.h"
#include "enforce.h"
#include "flow.h"
#include "inject.h"
#include "policy.h"
#include "snapshot.h"

/* What the kernel should do with the packet (the NFQUEUE verdict). */
enum gate_verdict {
	GATE_ACCEPT = 0,	/* let it through; the flow stays undecided */
	GATE_DROP,		/* drop this packet only */
	GATE_ALLOW_FLOW,	/* accept and mark the connection allowed */
	GATE_BLOCK_FLOW,	/* drop and mark the connection blocked */
	GATE_ACCEPT_MODIFIED,	/* accept the packet gate_modified() gives instead */
};

struct gate_stats {
	uint64_t	packets, ignored, pending, malformed;
	uint64_t	allowed, blocked, dns_answered, resets, block_pages, icmp;
	uint64_t	inject_failed, events, events_folded, usage;
	uint64_t	safesearch, encrypted_dns;
	uint64_t	dns_answers_seen, dns_map_hits, ech_stripped, strict_blocked;
};

struct gate;
struct resolve;

/*
 * snap (policy and settings) is referenced: the gate holds its own reference.
 * act (activity recording) and inj (sending block answers) may be NULL: then
 * nothing is recorded, or blocked flows are only dropped.
 */
struct gate	*gate_new(struct snapshot *snap, struct activity *act,
		    struct inject *inj, char *err, size_t errlen);
void		 gate_free(struct gate *);
/*
 * Sends answers and records activity through sink (copied) instead of the
 * inject and activity given to gate_new: how a test sees what was answered.
 */
void		 gate_set_sink(struct gate *, const struct enforce_sink *);
/* Swaps in a new snapshot (referenced) and settings; decided flows keep their verdicts. */
void		 gate_reload(struct gate *, struct snapshot *);

/*
 * Judges one packet queued from the students' side: ip[0..caplen) of wirelen
 * bytes, mac the sender's 6-byte MAC or NULL, now_ms wall-clock time.
 * Blocked flows get their answer (DNS response, RST, block page, ICMP) sent
 * before this returns.  Never reads past caplen.
 */
enum gate_verdict gate_packet(struct gate *, const uint8_t *ip, size_t caplen,
		    size_t wirelen, const uint8_t *mac, uint64_t now_ms);

/*
 * The kernel forgot a connection (conntrack DESTROY): orig is its client
 * direction, bytes both directions, start_ms/stop_ms its life (0 if not
 * known).  A connection the gate decided has its bytes and time recorded.
 */
void		 gate_flow_end(struct gate *, const struct flow_key *orig, uint64_t bytes,
		    uint64_t start_ms, uint64_t stop_ms, uint64_t now_ms);
/*
 * Gives the gate the resolver that keeps safe-search targets and DoH
 * endpoints resolved (NULL: safe search answers with the CNAME alone and
 * DoH endpoints are caught by name only).  The gate watches the names its
 * policy needs now and after every reload.
 */
void		 gate_set_resolver(struct gate *, struct resolve *);
/* The rewritten packet after GATE_ACCEPT_MODIFIED, valid until the next gate_packet. */
const uint8_t	*gate_modified(const struct gate *, size_t *len);
void		 gate_stats(const struct gate *, struct gate_stats *);
void		 gate_flow_stats(const struct gate *, struct flow_stats *);

#endif
