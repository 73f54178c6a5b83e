/* ct: conntrack DESTROY events (libnetfilter_conntrack): the bytes and life of each finished connection. */
#ifndef HALLPASS_CT_H
#define HALLPASS_CT_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

/* One finished connection: orig is the client's direction. */
struct ct_end {
	struct flow_key	 orig;
	uint64_t	 bytes;		/* both directions (0 without nf_conntrack_acct) */
	uint64_t	 start_ms, stop_ms;	/* 0 without nf_conntrack_timestamp */
};

struct ct;

/* Subscribes to this network namespace's DESTROY events.  NULL with err on failure. */
struct ct	*ct_open(char *err, size_t errlen);
void		 ct_close(struct ct *);
/* The descriptor to poll for readability. */
int		 ct_fd(const struct ct *);
/*
 * Reads every pending event without blocking and calls cb for each TCP or
 * UDP one.  Returns the number of events, or -1 when events were lost
 * (the socket overran; counted in *lost) — the handle stays usable.
 */
int		 ct_dispatch(struct ct *, void (*cb)(const struct ct_end *, void *),
		    void *arg, uint64_t *lost);

#endif
