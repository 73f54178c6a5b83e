/* classify: one packet in, a name out — the pipeline hallpassd, `hallpass inspect` and the fuzzer share. */
#ifndef HALLPASS_CLASSIFY_H
#define HALLPASS_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "pkt.h"

enum classify_proto {
	CLASSIFY_P_NONE = 0,
	CLASSIFY_P_DNS,
	CLASSIFY_P_TLS,
	CLASSIFY_P_HTTP,
	CLASSIFY_P_QUIC,
};

enum classify_status {
	CLASSIFY_IGNORE = 0,	/* cannot carry a name: pure ACK, a reply, other protocols, a decided flow */
	CLASSIFY_PENDING,	/* the flow's name may come in a later packet */
	CLASSIFY_NAME,		/* host (and path for HTTP) found */
	CLASSIFY_NONAME,	/* the flow's protocol is known but it names nothing: see why */
	CLASSIFY_MALFORMED,	/* the packet itself could not be parsed: see why */
};

#define CLASSIFY_HOST_BUFSZ	256
#define CLASSIFY_PATH_BUFSZ	1024

struct classify_result {
	enum classify_status	 status;
	enum classify_proto	 proto;
	struct pkt_info		 pkt;		/* the packet's addresses and ports */
	char			 host[CLASSIFY_HOST_BUFSZ];	/* as sent (lower-cased); the policy normalises */
	char			 path[CLASSIFY_PATH_BUFSZ];	/* HTTP only, truncated to fit */
	uint16_t		 qtype;		/* DNS only */
	uint16_t		 dns_id;
	int			 ech;		/* TLS/QUIC: encrypted_client_hello: host is the outer name */
	int			 conflict;	/* TCP: overlapping segments disagreed (flow.h); host is the first copy's name, if any */
	const char		*why;		/* static text for NONAME, MALFORMED, and notes */
	struct flow		*flow;		/* NULL for DNS over UDP and dropped packets */
};

/* A flow that left the table before its name was known (expired, evicted, end of capture). */
struct classify_gone {
	const struct flow_key	*key;
	enum classify_proto	 proto;
	uint64_t		 first_ms;
	const char		*why;
};

struct classify_config {
	size_t		 flows;		/* flow table capacity */
	size_t		 bufs;		/* TCP reassembly buffers */
	size_t		 bufsize;	/* bytes each (multiple of 8) */
	size_t		 quic_hellos;	/* QUIC ClientHello reassembly slots */
	uint32_t	 idle_ms;
};

struct classify;

void	classify_config_defaults(struct classify_config *);
struct classify *classify_new(const struct classify_config *);
/* Reports every flow still waiting for its name, then frees. */
void	classify_free(struct classify *);
void	classify_set_gone(struct classify *, void (*)(const struct classify_gone *, void *),
	    void *);
/*
 * Classifies one raw IP packet (len bytes, never read past) seen at now_ms.
 * Allocates nothing: flows, buffers and QUIC state come from fixed pools.
 */
void	classify_packet(struct classify *, const uint8_t *ip, size_t len,
	    uint64_t now_ms, struct classify_result *);
/* The same for a packet of which only caplen of wirelen bytes were captured (pcap snap length, NFQUEUE copy range). */
void	classify_packet_cap(struct classify *, const uint8_t *ip, size_t caplen,
	    size_t wirelen, uint64_t now_ms, struct classify_result *);
/* Marks the result's flow decided: later packets are ignored and its buffers go back. */
void	classify_done(struct classify *, struct classify_result *);
/* The flow key of a parsed packet, in the packet's direction. */
void	classify_flow_key(const struct pkt_info *, struct flow_key *);
void	classify_flush(struct classify *);	/* reports and drops every pending flow */
const char *classify_proto_name(enum classify_proto);
void	classify_flow_stats(const struct classify *, struct flow_stats *);
/* The flow table's idle timeout, changed by a reload. */
void	classify_set_idle(struct classify *, uint32_t idle_ms);

#endif
