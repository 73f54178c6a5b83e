/* judge: the one decision for a classified packet — hallpassd, `hallpass inspect` and the fuzzer call the same pure function. */
#ifndef HALLPASS_JUDGE_H
#define HALLPASS_JUDGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify.h"
#include "config.h"
#include "dnsmap.h"
#include "dnsresp.h"
#include "home.h"
#include "policy.h"

#define JUDGE_DOH_CATEGORY	"doh-providers"
#define JUDGE_CANARY		"use-application-dns.net"

/* What the client is answered in place of the server; enforcement builds it. */
enum judge_answer {
	JUDGE_A_NONE = 0,	/* let it through (DNS: to the resolver; a flow: allowed) */
	JUDGE_A_DNS_NXDOMAIN,	/* a blocked DNS question */
	JUDGE_A_DNS_ADDRESS,	/* a blocked DNS question, answered with the block addresses */
	JUDGE_A_DNS_CNAME,	/* safe search: a CNAME to the engine's safe host */
	JUDGE_A_RST,		/* a blocked TCP connection */
	JUDGE_A_BLOCK_PAGE,	/* a blocked plain-HTTP request (a RST if the page cannot be built) */
	JUDGE_A_ICMP,		/* a blocked UDP flow (QUIC): administratively prohibited */
};

/*
 * Everything a judgement depends on.  The caller looks up what needs state
 * (the student, the DNS map, the resolver), so judge itself reads nothing else.
 */
struct judge_in {
	enum classify_proto		 proto;
	const char			*name;		/* the name the packet carries, NULL if none */
	const char			*path;		/* HTTP request path, or NULL */
	int				 ech;		/* name is an ECH outer name */
	int				 conflict;	/* TCP segments disagreed: block, whatever the name */
	int				 l4;		/* PKT_PROTO_TCP or PKT_PROTO_UDP */
	uint16_t			 dport;
	int				 af;
	const uint8_t			*dst;		/* the server's address */
	const char			*mapped;	/* the name the client resolved for dst, or NULL */
	const char			*doh;		/* the DoH endpoint dst belongs to, or NULL */
	const struct policy		*policy;
	const struct policy_student	*student;
	const struct config		*cfg;		/* dns_block, strict_https, block_encrypted_dns */
	const struct home_control	*home;		/* the student's guardian controls, or NULL */
	time_t				 now;
};

struct judge_out {
	enum policy_action	 action;	/* final: SAFESEARCH only for DNS */
	struct policy_decision	 d;		/* the policy's decision the action rests on */
	char			 host[CLASSIFY_HOST_BUFSZ];	/* the name judged (or the address) */
	const char		*note;		/* static: why the gate overrode the policy, or NULL */
	enum judge_answer	 answer;
	int			 map_used;	/* the DNS map's name was consulted */
	int			 strict;	/* blocked by strict_https */
	int			 encrypted_dns;	/* blocked as encrypted DNS */
	enum home_reason	 home;		/* blocked by a guardian's control (note names it) */
};

/* Judges one named (or nameless) packet; 0, or -1 if there is nothing to judge (no address). */
int	judge(const struct judge_in *, struct judge_out *);
/*
 * A port the student's group blocks (l4 PKT_PROTO_TCP/UDP): 1 and out filled
 * (host the address, note "blocked-port"), else 0.
 */
int	judge_port(const struct policy *, const struct policy_student *, int l4,
	    uint16_t dport, int af, const uint8_t *dst, struct judge_out *);
/* The input a classify result gives; lookups (student, map, DoH) are left for the caller. */
void	judge_in_from(struct judge_in *, const struct classify_result *);
/* Whether r is a DNS answer on its way to a client (UDP from port 53, a first fragment). */
int	judge_is_dns_answer(const struct classify_result *r);
/*
 * Teaches map which name each address in the answer r carries was for, so
 * a nameless connection can be judged by it.  Not pure: it is here so that
 * hallpassd and inspect learn alike.  0 with resp filled, -1 if r is not a
 * readable answer.
 */
int	judge_learn(struct dnsmap *map, const struct classify_result *r,
	    struct dnsresp *resp, uint64_t now_ms);
/* "allow", "block", "safesearch": the word activity records and logs use. */
const char *judge_action_name(enum policy_action);

#endif
