/* enforce: carries out a judgement — DNS answers, RSTs, the HTML block page, ICMP — and hands every output to a sink. */
#ifndef HALLPASS_ENFORCE_H
#define HALLPASS_ENFORCE_H

#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "classify.h"
#include "config.h"
#include "inject.h"
#include "judge.h"
#include "resolve.h"

/*
 * Where the gate's outputs go.  hallpassd's sink sends on the raw socket and
 * queues activity for the database; a test's sink keeps them to look at.
 * Either function may be NULL: that output is dropped.
 */
struct enforce_sink {
	/* One forged IP packet to put on the wire: 0, or -errno. */
	int	(*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* One activity record (an event or a connection's usage): 0, or -1 if not kept. */
	int	(*record)(void *ctx, const struct activity_rec *);
	void	*ctx;
};

struct enforce_stats {
	uint64_t	dns_answered, resets, block_pages, icmp, safesearch, send_failed;
};

struct enforce;

/*
 * cfg is read at every answer (block addresses, block page), so it must
 * outlive the enforcer; the sink is copied.
 */
struct enforce	*enforce_new(const struct config *cfg, const struct enforce_sink *);
void		 enforce_free(struct enforce *);
/* Reads cfg from now on (a reload's new snapshot); the old one may then go. */
void		 enforce_set_config(struct enforce *, const struct config *cfg);
/* Sends and records through sink (copied) from now on. */
void		 enforce_set_sink(struct enforce *, const struct enforce_sink *);
/* Sends the answer o names for the packet r (ip[0..caplen) as captured). */
void		 enforce_answer(struct enforce *, const struct classify_result *r,
		    const uint8_t *ip, size_t caplen, const struct judge_out *o);
/*
 * Safe search: answers r's question with a CNAME to target, plus the
 * addresses e knows (NULL: the CNAME alone).  Never waits for a lookup.
 */
void		 enforce_safesearch(struct enforce *, const struct classify_result *r,
		    const char *target, const struct resolve_entry *e, uint64_t now_ms);
/* Hands one record to the sink: 0, or -1 if there is no sink or it refused. */
int		 enforce_record(struct enforce *, const struct activity_rec *);
/* Whether records go anywhere (nothing to remember for usage otherwise). */
int		 enforce_records(const struct enforce *);
void		 enforce_stats(const struct enforce *, struct enforce_stats *);
/* hallpassd's outputs: inj sends (NULL: blocked flows are only dropped), act records (NULL: nothing kept). */
struct enforce_daemon {
	struct inject	*inj;
	struct activity	*act;
};

/* Fills s to send and record through d, which must outlive it. */
void		 enforce_sink_daemon(struct enforce_sink *s, struct enforce_daemon *d);
/*
 * The HTTP response a blocked plain-HTTP request gets (block_page: the
 * "more about this block" URL, "" for none): its length, 0 if it does not fit.
 */
size_t		 enforce_block_page(const char *block_page, const char *host,
		    const struct policy_decision *d, char *out, size_t sz);

#endif
