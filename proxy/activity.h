/* activity: a bounded single-producer ring from the packet path to a writer thread that batches into SQLite. */
#ifndef HALLPASS_ACTIVITY_H
#define HALLPASS_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

enum activity_kind {
	ACTIVITY_EVENT = 1,	/* a decision: store_events_insert */
	ACTIVITY_USAGE,		/* bytes and seconds of a finished flow: store_usage_add */
};

/* Fixed-size so the ring never allocates; strings are truncated to fit. */
struct activity_rec {
	uint8_t		 kind;
	int64_t		 ts_ms;
	char		 day[11];
	int		 hour;
	char		 student[64];	/* "" for a client with no student */
	char		 client[48];
	char		 proto[8];
	char		 host[256];
	char		 category[64];	/* "" for none */
	char		 action[12];
	char		 rule[160];	/* "" for none */
	char		 reason[160];	/* "" for none */
	int64_t		 bytes, seconds;	/* ACTIVITY_USAGE */
};

struct activity_stats {
	uint64_t	pushed, dropped, written, failed, purged;
};

struct activity;

/*
 * Opens (creating) the database at dbpath, then starts the writer thread.
 * capacity records are buffered at most (rounded up to a power of two);
 * what is older than ret's periods is purged hourly (a period of 0: never).
 * NULL with err filled on failure.
 */
struct activity_retention {
	unsigned	events_days;	/* raw events */
	unsigned	rollup_days;	/* daily and hourly rollups */
	unsigned	login_days;	/* failed logins */
};

struct activity	*activity_new(const char *dbpath, size_t capacity,
		    const struct activity_retention *ret, char *err, size_t errlen);
/*
 * Queues a copy of rec for the writer; never blocks.  -1 when the ring is
 * full (the record is dropped and counted).  One producer thread only.
 */
int		 activity_push(struct activity *, const struct activity_rec *);
/* A reload's retention: the writer purges with it within a second, then hourly.  Any thread. */
void		 activity_set_retention(struct activity *, const struct activity_retention *);
/*
 * The daemon's health for the shipper (store health row): kept here and
 * written by the writer thread within a second, so the packet thread never
 * waits on the database.  rules_version may be NULL.
 */
void		 activity_set_health(struct activity *, int64_t now_ms,
		    int64_t last_packet_ms, int64_t queue_drops,
		    int64_t fail_open_events, const char *rules_version);
/* Writes what is queued, stops the writer and closes the database. */
void		 activity_free(struct activity *);
void		 activity_stats(struct activity *, struct activity_stats *);
/* Copies src into dst[dstsz], truncated and NUL-terminated; NULL is "". */
void		 activity_copy(char *dst, size_t dstsz, const char *src);

#endif
