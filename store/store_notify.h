/* store_notify: guardians' e-mail preferences (summary frequency, blocked-category alerts) and the log of what was sent. */
#ifndef HALLPASS_STORE_NOTIFY_H
#define HALLPASS_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Conventions as in store.h: -1 and a reason in err on failure; lookups return 1 for "none". */

enum store_notify_digest { STORE_NOTIFY_WEEKLY = 0, STORE_NOTIFY_DAILY, STORE_NOTIFY_NONE };

#define STORE_NOTIFY_THRESHOLD_MAX	1000

struct store_notify_prefs {
	enum store_notify_digest digest;
	int		 alert_threshold;	/* 0: no alerts; else blocked attempts of one category in a day */
	int64_t		 updated_ms;
};

/* "weekly", "daily", "none"; store_notify_digest_parse: -1 for anything else. */
const char	*store_notify_digest_name(enum store_notify_digest);
int		 store_notify_digest_parse(const char *);

/*
 * A guardian's preferences: 0 found, 1 none stored (*out then holds the
 * defaults: weekly summary, no alerts), -1 error.
 */
int	store_notify_prefs_get(struct store *, const char *guardian_id,
	    struct store_notify_prefs *out, char *err, size_t errlen);
/* Creates or replaces them (updated_ms is set to now_ms). */
int	store_notify_prefs_set(struct store *, const char *guardian_id,
	    const struct store_notify_prefs *, int64_t now_ms, char *err,
	    size_t errlen);

/*
 * The sent log: one row per message the mail server accepted.  kind is
 * "weekly", "daily" or "alert"; period names what it covered ("2026-11-23",
 * the first local day); student is "" for a summary, the child for an alert.
 * sent: 0 recorded, 1 not, -1 error.  add: recording twice keeps the first.
 */
int	store_notify_sent(struct store *, const char *guardian_id, const char *kind,
	    const char *period, const char *student, char *err, size_t errlen);
int	store_notify_sent_add(struct store *, const char *guardian_id,
	    const char *kind, const char *period, const char *student, int64_t now_ms,
	    char *err, size_t errlen);

#endif
