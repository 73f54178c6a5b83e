/* ship: a gateway's shipper — sends its block events, rollups and health to the district database, exactly once, resumably. */
#ifndef HALLPASS_SHIP_H
#define HALLPASS_SHIP_H

#include <stddef.h>
#include <stdint.h>

struct ship;

struct ship_config {
	const char	*local;		/* the gateway's SQLite file (hallpass.yaml database) */
	const char	*district;	/* postgresql:// URI (hallpass.yaml ship_to) */
	const char	*gateway;	/* this gateway's id in the district */
	size_t		 batch;		/* rows per transaction; 0: 1000 */
};

struct ship_stats {
	int64_t	events, daily, hourly;	/* rows the district newly took (retries not counted) */
	int64_t	sent;			/* rows sent, retries included */
	int64_t	backlog;		/* rows still waiting after the pass */
	int	batches;
	int64_t	home;			/* guardians' controls copied from the district (all of them, each pass) */
};

/* Opens the local database (read-write: the marks live there); the district is connected on first use. */
struct ship	*ship_new(const struct ship_config *, char *err, size_t errlen);
void		 ship_free(struct ship *);

/*
 * One pass: (re)connects to the district when needed, sends every kind in
 * local sequence order, one transaction per batch, until nothing is waiting
 * or max_batches were sent (0: no limit), then the gateway's health.  Before
 * the sending, the district's guardian controls (store_home.h) replace the
 * gateway's copy.  A
 * batch the district committed is never sent again (the district's own
 * marks are read after every reconnect); a batch it did not commit is sent
 * again whole.  -1 with err on any failure: what was shipped stays shipped,
 * the rest waits in the local database for the next pass.
 */
int	ship_pass(struct ship *, int64_t now_ms, int max_batches,
	    struct ship_stats *, char *err, size_t errlen);

#endif
