/* store_staff: the staff console's part of the store — staff accounts, their sessions, the append-only audit of student views, and the engagement report's marks. */
#ifndef HALLPASS_STORE_STAFF_H
#define HALLPASS_STORE_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_dash.h"

/*
 * Conventions as in store.h and store_dash.h: -1 and a reason in err on
 * failure, 1 for "not found"; secrets arrive hashed (libsodium), the store
 * never sees a password, token or code.  Staff tables are apart from the
 * parents' (staff_accounts, staff_sessions): a parent's session can never
 * be a staff session.
 */

#define STORE_STAFF_ID_MAX	65	/* an id: 1-64 of [A-Za-z0-9._@-] */
#define STORE_STAFF_SCHOOLS_MAX	1024	/* org ids, comma-separated */

struct store_staff {
	char		id[STORE_STAFF_ID_MAX];
	char		role[16];	/* "district_admin" or "school_staff" */
	char		schools[STORE_STAFF_SCHOOLS_MAX];	/* "" for a district admin */
	int		has_password;
	int		has_setup;	/* an unused setup code is waiting */
	int64_t		created_ms;
};

/* A new account (no password yet).  0 added, 1 the id is taken, -1 error. */
int	store_staff_add(struct store *, const char *id, const char *role,
	    const char *schools, int64_t now_ms, char *err, size_t errlen);
/* 0 found (out and, when pw_hash is not NULL, the hash or "" filled), 1 none, -1 error. */
int	store_staff_get(struct store *, const char *id, struct store_staff *out,
	    char *pw_hash, size_t len, char *err, size_t errlen);
/* Every account by id; returns how many, or -1. */
int64_t	store_staff_list(struct store *, int (*cb)(const struct store_staff *, void *),
	    void *arg, char *err, size_t errlen);
/* Removes the account and its sessions (the audit keeps its rows).  0, 1 none, -1. */
int	store_staff_remove(struct store *, const char *id, char *err, size_t errlen);
/* Sets the password hash, forgets any setup code and ends every session.  0, 1 none, -1. */
int	store_staff_set_password(struct store *, const char *id, const char *pw_hash,
	    int64_t now_ms, char *err, size_t errlen);
/* Stores a one-time setup code's hash (replacing an earlier one).  0, 1 none, -1. */
int	store_staff_set_setup(struct store *, const char *id,
	    const uint8_t code_hash[STORE_HASH_LEN], int64_t expires_ms, char *err,
	    size_t errlen);
/*
 * Spends a setup code: the account's id into id (len bytes) and the code
 * forgotten, atomically.  0 spent, 1 unknown or expired, -1 error.
 */
int	store_staff_setup_consume(struct store *, const uint8_t code_hash[STORE_HASH_LEN],
	    int64_t now_ms, char *id, size_t len, char *err, size_t errlen);

struct store_staff_session {
	char		staff_id[STORE_STAFF_ID_MAX];
	uint8_t		csrf[STORE_CSRF_LEN];
	int64_t		created_ms, last_seen_ms, expires_ms;
};

int	store_staff_session_create(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    const char *staff_id, const uint8_t csrf[STORE_CSRF_LEN], int64_t now_ms,
	    int64_t expires_ms, char *err, size_t errlen);
/* The live session (unexpired, not idle idle_ms): 0 found, 1 none, -1 error. */
int	store_staff_session_get(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    int64_t now_ms, int64_t idle_ms, struct store_staff_session *out,
	    char *err, size_t errlen);
int	store_staff_session_touch(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    int64_t now_ms, char *err, size_t errlen);
int	store_staff_session_delete(struct store *, const uint8_t token_hash[STORE_HASH_LEN],
	    char *err, size_t errlen);

/*
 * The audit of staff views of a student's activity.  The table only ever
 * grows: the database refuses UPDATE and DELETE on it (triggers), and no
 * function here changes a row.
 */
struct store_staff_audit {
	int64_t		 id, ts_ms;
	const char	*staff_id, *role, *student, *school, *action, *reason;
};
int	store_staff_audit_add(struct store *, int64_t ts_ms, const char *staff_id,
	    const char *role, const char *student, const char *school,
	    const char *action, const char *reason, char *err, size_t errlen);
/* Rows newest first, at most limit (0: all); returns how many, or -1. */
int64_t	store_staff_audit_list(struct store *, size_t limit,
	    int (*cb)(const struct store_staff_audit *, void *), void *arg, char *err,
	    size_t errlen);

/*
 * What the engagement report needs from the database, as (guardian id, mark)
 * rows in no particular order: 'i' a current invite (unused, expires after
 * now_ms), 'e' enrolled (has an account), 'a' acknowledged terms version
 * aup_version, 'l' logged in or enrolled at or after active_since_ms (from
 * the parents' audit rows).  Returns rows passed, or -1.
 */
#define STORE_MARK_INVITED	'i'
#define STORE_MARK_ENROLLED	'e'
#define STORE_MARK_ACKED	'a'
#define STORE_MARK_ACTIVE	'l'
int64_t	store_engagement_marks(struct store *, long aup_version, int64_t now_ms,
	    int64_t active_since_ms, int (*cb)(const char *guardian_id, int mark, void *),
	    void *arg, char *err, size_t errlen);

#endif
