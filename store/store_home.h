/* store_home: guardians' controls at home (a pause, a bedtime, extra categories) in the store — the dashboard writes them, hallpassd and the shipper read them. */
#ifndef HALLPASS_STORE_HOME_H
#define HALLPASS_STORE_HOME_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * One child's row of guardian_controls (docs/schema.md).  Conventions as in
 * store.h.  Strings are valid during a callback only.
 */
struct store_home {
	const char	*student;
	const char	*guardian;	/* who changed it last */
	int64_t		 pause_until_ms;	/* 0: no pause */
	int		 bed_from, bed_to;	/* minutes after local midnight, -1: none */
	const char	*categories;	/* "games,streaming"; "" none */
	int64_t		 updated_ms;
};

/*
 * Calls cb for the row of student (NULL: every row, by student).  cb returns
 * nonzero to stop.  Returns the rows passed, or -1.
 */
int64_t	store_home_list(struct store *, const char *student,
	    int (*cb)(const struct store_home *, void *), void *arg, char *err,
	    size_t errlen);
/* Creates or replaces the row of h->student. */
int	store_home_set(struct store *, const struct store_home *h, char *err,
	    size_t errlen);
/*
 * A gateway's copy of the district's rows (the shipper's pull): every row
 * replaced by these n in one transaction, so a pass interrupted half way
 * leaves the last whole copy.  Returns 0 or -1.
 */
int	store_home_replace(struct store *, const struct store_home *, size_t n,
	    char *err, size_t errlen);

#endif
