/* metrics: hallpassd's counters in Prometheus text format, in a file node_exporter's textfile collector reads. */
#ifndef HALLPASS_METRICS_H
#define HALLPASS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "activity.h"
#include "flow.h"
#include "gate.h"

/* One reading of every counter; the caller fills it from the gate, the flow table, the activity writer and itself. */
struct metrics {
	struct gate_stats	 gate;
	struct flow_stats	 flow;
	struct activity_stats	 act;
	uint64_t		 queue_overruns;	/* ENOBUFS on the queue socket */
	uint64_t		 verdict_errors;
	uint64_t		 ct_lost;		/* conntrack event reads that lost events */
	uint64_t		 reloads_applied, reloads_rejected;
	uint64_t		 rules_loaded_ms;	/* when the rules in force were loaded */
	unsigned		 nqueues;
	int			 fail_open;
	int			 flood_open;
	const char		*version;
};

/* The exposition text onto f; -1 if a write failed. */
int	metrics_format(const struct metrics *, FILE *f);
/*
 * Writes path atomically (path.tmp, then renamed), so the collector never
 * reads half a file.  -1 with err filled on failure.
 */
int	metrics_write(const char *path, const struct metrics *, char *err,
	    size_t errlen);

#endif
