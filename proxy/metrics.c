/* metrics: one file of Prometheus text, rewritten whole every few seconds: no listening socket, no HTTP server in the daemon. */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp_err.h"

static void
metric_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metric_one(FILE *f, const char *name, const char *type, const char *help,
    uint64_t v)
{
	metric_head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* A label value is a version string or a fixed word here; escaping keeps a strange version from breaking the file. */
static void
metric_label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

int
metrics_format(const struct metrics *m, FILE *f)
{
	const struct gate_stats		*g = &m->gate;
	const struct activity_stats	*a = &m->act;

	metric_head(f, "hallpass_build_info", "gauge",
	    "The running hallpassd's version.");
	fputs("hallpass_build_info{version=\"", f);
	metric_label_value(f, m->version != NULL ? m->version : "");
	fputs("\"} 1\n", f);
	metric_one(f, "hallpass_queues", "gauge",
	    "NFQUEUE queues hallpassd reads.", m->nqueues);
	metric_one(f, "hallpass_fail_open", "gauge",
	    "1 when traffic passes unfiltered without hallpassd (fail: open), 0 when it is dropped.",
	    m->fail_open ? 1 : 0);
	metric_one(f, "hallpass_flood_open", "gauge",
	    "1 when a full queue's packets pass unjudged (flood: open), 0 when they are dropped.",
	    m->flood_open ? 1 : 0);
	metric_one(f, "hallpass_rules_loaded_timestamp_seconds", "gauge",
	    "When the rules in force were loaded (start or accepted reload), Unix time.",
	    m->rules_loaded_ms / 1000);
	metric_head(f, "hallpass_reloads_total", "counter",
	    "Reloads (SIGHUP) by result: applied, or rejected with the rules in force kept.");
	fprintf(f, "hallpass_reloads_total{result=\"applied\"} %" PRIu64 "\n",
	    m->reloads_applied);
	fprintf(f, "hallpass_reloads_total{result=\"rejected\"} %" PRIu64 "\n",
	    m->reloads_rejected);

	metric_one(f, "hallpass_packets_total", "counter",
	    "Packets read from the queues.", g->packets);
	metric_one(f, "hallpass_packets_ignored_total", "counter",
	    "Queued packets passed without a decision (not the students' side, not a flow start).",
	    g->ignored);
	metric_one(f, "hallpass_packets_malformed_total", "counter",
	    "Queued packets that could not be parsed.", g->malformed);
	metric_head(f, "hallpass_verdicts_total", "counter",
	    "Flow and DNS decisions by action.");
	fprintf(f, "hallpass_verdicts_total{action=\"allow\"} %" PRIu64 "\n", g->allowed);
	fprintf(f, "hallpass_verdicts_total{action=\"block\"} %" PRIu64 "\n", g->blocked);
	metric_head(f, "hallpass_block_answers_total", "counter",
	    "Answers sent for blocked flows, by kind.");
	fprintf(f, "hallpass_block_answers_total{kind=\"dns\"} %" PRIu64 "\n", g->dns_answered);
	fprintf(f, "hallpass_block_answers_total{kind=\"reset\"} %" PRIu64 "\n", g->resets);
	fprintf(f, "hallpass_block_answers_total{kind=\"block_page\"} %" PRIu64 "\n", g->block_pages);
	fprintf(f, "hallpass_block_answers_total{kind=\"icmp\"} %" PRIu64 "\n", g->icmp);
	metric_one(f, "hallpass_inject_failures_total", "counter",
	    "Block answers that could not be sent.", g->inject_failed);
	metric_one(f, "hallpass_safesearch_rewrites_total", "counter",
	    "DNS answers rewritten to a search engine's safe-search host.", g->safesearch);
	metric_one(f, "hallpass_encrypted_dns_blocked_total", "counter",
	    "Flows blocked as encrypted DNS (DoT, DoQ, DoH endpoints, the canary).",
	    g->encrypted_dns);
	metric_one(f, "hallpass_strict_https_blocked_total", "counter",
	    "TLS and QUIC flows blocked by strict_https (nothing readable, never resolved).",
	    g->strict_blocked);
	metric_one(f, "hallpass_ech_stripped_total", "counter",
	    "DNS answers whose ech parameter was removed.", g->ech_stripped);
	metric_one(f, "hallpass_dns_map_hits_total", "counter",
	    "Flows without a readable name decided by the name the client resolved.",
	    g->dns_map_hits);
	metric_one(f, "hallpass_queue_overruns_total", "counter",
	    "Receive-buffer overruns (ENOBUFS) on the queue socket: the kernel decided those packets by the fail mode.",
	    m->queue_overruns);
	metric_one(f, "hallpass_verdict_errors_total", "counter",
	    "Verdicts the kernel refused.", m->verdict_errors);
	metric_one(f, "hallpass_conntrack_events_lost_total", "counter",
	    "Reads of conntrack events that reported lost events (usage undercounted).",
	    m->ct_lost);

	metric_one(f, "hallpass_flows", "gauge", "Flows tracked now.", m->flow.live);
	metric_one(f, "hallpass_flows_created_total", "counter",
	    "Flows tracked since start.", m->flow.created);
	metric_one(f, "hallpass_flows_evicted_total", "counter",
	    "Flows dropped from a full table before they went idle.", m->flow.evicted);
	metric_one(f, "hallpass_tcp_overlap_blocked_total", "counter",
	    "Flows blocked because overlapping TCP segments disagreed (reason tcp-overlap).",
	    m->flow.conflicts);

	metric_head(f, "hallpass_activity_events_total", "counter",
	    "Activity records by fate: queued for the writer, dropped (ring full), written, failed.");
	fprintf(f, "hallpass_activity_events_total{result=\"queued\"} %" PRIu64 "\n", a->pushed);
	fprintf(f, "hallpass_activity_events_total{result=\"dropped\"} %" PRIu64 "\n", a->dropped);
	fprintf(f, "hallpass_activity_events_total{result=\"written\"} %" PRIu64 "\n", a->written);
	fprintf(f, "hallpass_activity_events_total{result=\"failed\"} %" PRIu64 "\n", a->failed);
	metric_one(f, "hallpass_activity_purged_total", "counter",
	    "Raw activity events deleted by the retention purge.", a->purged);
	return ferror(f) ? -1 : 0;
}

int
metrics_write(const char *path, const struct metrics *m, char *err, size_t errlen)
{
	char	*tmp = NULL;
	FILE	*f;
	int	 rc;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		hp_errf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		hp_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	errno = 0;
	rc = metrics_format(m, f);
	if (fclose(f) != 0 || rc != 0) {
		hp_errf(err, errlen, "%s: write: %s", tmp, strerror(errno ? errno : EIO));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
