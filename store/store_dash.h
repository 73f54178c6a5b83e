/* store_dash: the parent dashboard's part of the store — accounts, sessions, throttling, AUP acknowledgements, usage reports. */
#ifndef HALLPASS_STORE_DASH_H
#define HALLPASS_STORE_DASH_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Conventions as in store.h: -1 and a reason in err on failure; lookups
 * return 1 for "not found".  Secrets arrive already hashed by the caller
 * (libsodium); the store never sees a password, token or code.
 */

#define STORE_HASH_LEN	32
#define STORE_CSRF_LEN	32
#define STORE_PWHASH_MAX 256	/* crypto_pwhash_STRBYTES is 128 */

/* Account: the password hash of an enrolled guardian.  0 found, 1 none, -1 error. */
int	store_account_get(struct store *, const char *guardian_id, char *pw_hash,
	    size_t len, char *err, size_t errlen);
/* Creates or replaces the account's password hash. */
int	store_account_set(struct store *, const char *guardian_id,
	    const char *pw_hash, int64_t now_ms, char *err, size_t errlen);

struct store_session {
	char		guardian_id[80];
	uint8_t		csrf[STORE_CSRF_LEN];
	int64_t		created_ms;
	int64_t		last_seen_ms;
	int64_t		expires_ms;
	char		lang[36];	/* "" when none was chosen */
};

int	store_session_create(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    const char *guardian_id, const uint8_t csrf[STORE_CSRF_LEN],
	    int64_t now_ms, int64_t expires_ms, const char *lang, char *err,
	    size_t errlen);
/*
 * Finds the live session: expires_ms > now_ms and last_seen_ms + idle_ms >
 * now_ms.  0 found (out filled), 1 unknown or expired, -1 error.
 */
int	store_session_get(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    int64_t now_ms, int64_t idle_ms, struct store_session *out, char *err,
	    size_t errlen);
/* Moves last_seen_ms (the idle clock) to now_ms. */
int	store_session_touch(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    int64_t now_ms, char *err, size_t errlen);
int	store_session_delete(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    char *err, size_t errlen);
/* Every session of a guardian: after a password change. */
int	store_sessions_delete_guardian(struct store *, const char *guardian_id,
	    char *err, size_t errlen);
/* Deletes sessions past their absolute expiry or idle for idle_ms; returns how many. */
int64_t	store_sessions_purge(struct store *, int64_t now_ms, int64_t idle_ms,
	    char *err, size_t errlen);

/* Login throttling: key is "acct:ID" or "addr:IP". */
int	store_failure_add(struct store *, const char *key, int64_t now_ms,
	    char *err, size_t errlen);
/* Failures recorded for key at or after since_ms; -1 on error. */
int64_t	store_failure_count(struct store *, const char *key, int64_t since_ms,
	    char *err, size_t errlen);
int	store_failure_clear(struct store *, const char *key, char *err, size_t errlen);
/*
 * One attempt to be allowed under key, atomically (the check and the record
 * in one locked transaction, so 32 parallel requests cannot all pass a check
 * made before any of them was counted).  With n attempts recorded since
 * since_ms, the attempt is allowed when n < free, or when the last one is at
 * least base_ms << (n - free) ago (capped at max_ms): a growing delay, never
 * a lockout.  record 0: only checked (the caller records failures itself).
 * Returns 0 allowed (and recorded), 1 not yet (*retry_ms: how
 * long to wait), -1 error.  A success is cleared with store_failure_clear.
 */
int	store_attempt(struct store *, const char *key, int64_t now_ms,
	    int64_t since_ms, int free, int64_t base_ms, int64_t max_ms, int record,
	    int64_t *retry_ms, char *err, size_t errlen);
/* Removes one attempt store_attempt recorded under key at ts_ms (it did not count after all). */
int	store_attempt_undo(struct store *, const char *key, int64_t ts_ms, char *err,
	    size_t errlen);
/* Forgets failures older than before_ms (every key). */
int	store_failure_purge(struct store *, int64_t before_ms, char *err, size_t errlen);

/* AUP acknowledgements: one row per (guardian, version); acknowledging twice keeps the first time. */
int	store_aup_ack(struct store *, const char *guardian_id, long version,
	    int64_t now_ms, char *err, size_t errlen);
/* 0 acknowledged (*ts_ms set when not NULL), 1 not, -1 error. */
int	store_aup_acked(struct store *, const char *guardian_id, long version,
	    int64_t *ts_ms, char *err, size_t errlen);

int	store_audit(struct store *, int64_t now_ms, const char *actor,
	    const char *action, const char *detail, char *err, size_t errlen);

/* Usage reports, read from the rollups; days are "YYYY-MM-DD", both ends inclusive. */
struct store_usage {
	const char	*day;		/* per-hour rows: the day; per-host/category: NULL */
	int		 hour;		/* per-hour rows only */
	const char	*host;		/* per-host rows only */
	const char	*category;	/* may be NULL */
	int64_t		 visits, blocked, bytes, seconds;
};

/* usage_hourly rows of student from..to, ordered by day and hour. Returns rows passed, or -1. */
int64_t	store_usage_hours(struct store *, const char *student, const char *from,
	    const char *to, int (*cb)(const struct store_usage *, void *), void *arg,
	    char *err, size_t errlen);
/* usage_daily summed per host, most visited first, at most limit hosts. */
int64_t	store_usage_hosts(struct store *, const char *student, const char *from,
	    const char *to, size_t limit,
	    int (*cb)(const struct store_usage *, void *), void *arg, char *err,
	    size_t errlen);
/* usage_daily summed per category (NULL category last), most visited first. */
int64_t	store_usage_categories(struct store *, const char *student,
	    const char *from, const char *to, size_t limit,
	    int (*cb)(const struct store_usage *, void *), void *arg, char *err,
	    size_t errlen);
/*
 * Blocked events of student with since_ms <= ts_ms < until_ms, newest first,
 * at most limit: reads raw events through the (student, ts_ms) index.
 */
int64_t	store_blocked_events(struct store *, const char *student, int64_t since_ms,
	    int64_t until_ms, size_t limit,
	    int (*cb)(const struct store_event *, void *), void *arg, char *err,
	    size_t errlen);

#endif
