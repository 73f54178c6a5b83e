/* store_attempt: the dashboard's sign-in throttle (counted and recorded in one locked transaction) and invite revocation, on either backend. */
#include <string.h>

#include "hp_err.h"
#include "store_impl.h"

enum { PGA_LOCK = STORE_PG_ATTEMPT_BASE, PGA_STATE, PGA_ADD, PGA_REVOKE, PGA_UNDO, PGA__MAX };
_Static_assert(PGA__MAX <= STORE_PG_ST_MAX, "raise STORE_PG_ST_MAX in store_impl.h");

/* The wait after n attempts (0 when the next is free now). */
static int64_t
attempt_wait(int64_t n, int64_t last_ms, int64_t now_ms, int free, int64_t base_ms,
    int64_t max_ms)
{
	int64_t	delay;

	if (n < free)
		return 0;
	delay = n - free >= 20 ? max_ms : base_ms << (n - free);
	if (delay > max_ms)
		delay = max_ms;
	return last_ms + delay > now_ms ? last_ms + delay - now_ms : 0;
}

static int
attempt_sqlite(struct store *s, const char *key, int64_t now_ms, int64_t since_ms, int free,
    int64_t base_ms, int64_t max_ms, int record, int64_t *retry_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL, *ins = NULL;
	int64_t		 n = 0, last = 0, wait;
	int		 rc = -1;

	/* BEGIN IMMEDIATE: the write lock first, so no other process counts in between. */
	if (store_begin(s, err, errlen) == -1)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(max(ts_ms), 0) FROM"
	    " login_failures WHERE key = ?1 AND ts_ms >= ?2", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO login_failures (key, ts_ms) VALUES (?1, ?2)",
	    -1, &ins, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "prepare the sign-in throttle");
		goto out;
	}
	store_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, since_ms);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_dberr(s, err, errlen, "count sign-in attempts");
		goto out;
	}
	n = sqlite3_column_int64(st, 0);
	last = sqlite3_column_int64(st, 1);
	if ((wait = attempt_wait(n, last, now_ms, free, base_ms, max_ms)) > 0) {
		*retry_ms = wait;
		rc = 1;
		goto out;
	}
	rc = 0;
	if (!record)
		goto out;
	store_bind_text(ins, 1, key);
	sqlite3_bind_int64(ins, 2, now_ms);
	if (store_run(s, ins, "record a sign-in attempt", err, errlen) == -1)
		rc = -1;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	if (rc == -1)
		store_rollback(s);
	else if (store_commit(s, err, errlen) == -1)
		rc = -1;
	return rc;
}

static int
attempt_pg(struct store *s, const char *key, int64_t now_ms, int64_t since_ms, int free,
    int64_t base_ms, int64_t max_ms, int record, int64_t *retry_ms, char *err, size_t errlen)
{
	struct store_pgp	 p;
	PGresult		*r;
	int64_t			 n, last, wait;

	if (store_pg_begin(s, err, errlen) == -1)
		return -1;
	memset(&p, 0, sizeof(p));
	store_pgp_text(&p, key);
	/* One lock per key for the transaction: other keys are not held up. */
	if (store_pg_run(s, PGA_LOCK, "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
	    &p, NULL, "lock the sign-in throttle", err, errlen) == -1)
		goto err;
	store_pgp_int(&p, since_ms);
	if ((r = store_pg_exec(s, PGA_STATE, "SELECT count(*), coalesce(max(ts_ms), 0) FROM"
	    " login_failures WHERE key = $1 AND ts_ms >= $2", &p, "count sign-in attempts",
	    err, errlen)) == NULL)
		goto err;
	n = store_pg_int(r, 0);
	last = store_pg_int(r, 1);
	PQclear(r);
	if ((wait = attempt_wait(n, last, now_ms, free, base_ms, max_ms)) > 0) {
		*retry_ms = wait;
		return store_pg_commit(s, err, errlen) == -1 ? -1 : 1;
	}
	if (!record)
		return store_pg_commit(s, err, errlen) == -1 ? -1 : 0;
	memset(&p, 0, sizeof(p));
	store_pgp_text(&p, key);
	store_pgp_int(&p, now_ms);
	if (store_pg_run(s, PGA_ADD, "INSERT INTO login_failures (key, ts_ms) VALUES ($1, $2)",
	    &p, NULL, "record a sign-in attempt", err, errlen) == -1)
		goto err;
	return store_pg_commit(s, err, errlen) == -1 ? -1 : 0;
err:
	store_pg_rollback(s);
	return -1;
}

int
store_attempt(struct store *s, const char *key, int64_t now_ms, int64_t since_ms, int free,
    int64_t base_ms, int64_t max_ms, int record, int64_t *retry_ms, char *err, size_t errlen)
{
	if (s == NULL || key == NULL || retry_ms == NULL || free < 0 || base_ms <= 0 ||
	    max_ms < base_ms)
		return store_bad(s, "store_attempt", err, errlen);
	if (store_writable(s, "store_attempt", err, errlen) == -1)
		return -1;
	*retry_ms = 0;
	return s->pg != NULL ? attempt_pg(s, key, now_ms, since_ms, free, base_ms, max_ms,
	    record, retry_ms, err, errlen) : attempt_sqlite(s, key, now_ms, since_ms, free,
	    base_ms, max_ms, record, retry_ms, err, errlen);
}

int
store_attempt_undo(struct store *s, const char *key, int64_t ts_ms, char *err, size_t errlen)
{
	if (s == NULL || key == NULL)
		return store_bad(s, "store_attempt_undo", err, errlen);
	if (store_writable(s, "store_attempt_undo", err, errlen) == -1)
		return -1;
	/* One row: the same key may hold other attempts made in the same millisecond. */
	if (s->pg != NULL) {
		struct store_pgp p;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, key);
		store_pgp_int(&p, ts_ms);
		return store_pg_run(s, PGA_UNDO, "DELETE FROM login_failures WHERE ctid = (SELECT"
		    " ctid FROM login_failures WHERE key = $1 AND ts_ms = $2 LIMIT 1)", &p, NULL,
		    "undo a sign-in attempt", err, errlen) == -1 ? -1 : 0;
	} else {
		sqlite3_stmt	*st = NULL;
		int		 rc;

		if (sqlite3_prepare_v2(s->db, "DELETE FROM login_failures WHERE rowid = (SELECT"
		    " rowid FROM login_failures WHERE key = ?1 AND ts_ms = ?2 LIMIT 1)", -1, &st,
		    NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, "prepare undoing a sign-in attempt");
			return -1;
		}
		store_bind_text(st, 1, key);
		sqlite3_bind_int64(st, 2, ts_ms);
		rc = store_run(s, st, "undo a sign-in attempt", err, errlen);
		sqlite3_finalize(st);
		return rc == -1 ? -1 : 0;
	}
}

int64_t
store_invite_revoke(struct store *s, const char *guardian_id, int64_t now_ms, char *err,
    size_t errlen)
{
	int64_t n;

	if (s == NULL || guardian_id == NULL || *guardian_id == '\0')
		return store_bad(s, "store_invite_revoke", err, errlen);
	if (store_writable(s, "store_invite_revoke", err, errlen) == -1)
		return -1;
	if (s->pg != NULL) {
		struct store_pgp p;

		memset(&p, 0, sizeof(p));
		store_pgp_int(&p, now_ms);
		store_pgp_text(&p, guardian_id);
		if (store_pg_run(s, PGA_REVOKE, "UPDATE guardian_invites SET used_ms = $1"
		    " WHERE guardian_id = $2 AND used_ms IS NULL", &p, &n, "revoke invites",
		    err, errlen) == -1)
			return -1;
		return n;
	} else {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(s->db, "UPDATE guardian_invites SET used_ms = ?1"
		    " WHERE guardian_id = ?2 AND used_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, "prepare the invite revocation");
			return -1;
		}
		sqlite3_bind_int64(st, 1, now_ms);
		store_bind_text(st, 2, guardian_id);
		if (store_run(s, st, "revoke invites", err, errlen) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
		n = sqlite3_changes(s->db);
		sqlite3_finalize(st);
		return n;
	}
}
