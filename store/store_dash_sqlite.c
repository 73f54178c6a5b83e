/* store_dash_sqlite: SQLite statements behind the parent dashboard — accounts, sessions, login failures, AUP acks, audit, usage reports. */
#include "store_dash.h"
#include "store_impl.h"
#include "hp_err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

enum store_dash_st {
	DS_ACCOUNT_GET = 0,
	DS_ACCOUNT_SET,
	DS_SESSION_CREATE,
	DS_SESSION_GET,
	DS_SESSION_TOUCH,
	DS_SESSION_DELETE,
	DS_SESSION_DELETE_GUARDIAN,
	DS_SESSION_PURGE,
	DS_FAILURE_ADD,
	DS_FAILURE_COUNT,
	DS_FAILURE_CLEAR,
	DS_FAILURE_PURGE,
	DS_AUP_ACK,
	DS_AUP_ACKED,
	DS_AUDIT,
	DS_USAGE_HOURS,
	DS_USAGE_HOSTS,
	DS_USAGE_CATEGORIES,
	DS_BLOCKED,
	DS__MAX
};

_Static_assert(DS__MAX <= STORE_DASH_ST_MAX, "raise STORE_DASH_ST_MAX in store_impl.h");

/* Fixed texts: every value is a bound parameter, so no request can change a query's shape. */
static const char *const store_dash_sql[DS__MAX] = {
	[DS_ACCOUNT_GET] =
	    "SELECT pw_hash FROM guardian_accounts WHERE guardian_id = ?1",
	[DS_ACCOUNT_SET] =
	    "INSERT INTO guardian_accounts (guardian_id, pw_hash, created_ms, updated_ms)"
	    " VALUES (?1, ?2, ?3, ?3)"
	    " ON CONFLICT (guardian_id) DO UPDATE SET pw_hash = excluded.pw_hash,"
	    " updated_ms = excluded.updated_ms",
	[DS_SESSION_CREATE] =
	    "INSERT INTO sessions (token_hash, guardian_id, csrf, created_ms,"
	    " last_seen_ms, expires_ms, lang) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
	[DS_SESSION_GET] =
	    "SELECT guardian_id, csrf, created_ms, last_seen_ms, expires_ms, lang"
	    " FROM sessions WHERE token_hash = ?1 AND expires_ms > ?2"
	    " AND last_seen_ms + ?3 > ?2",
	[DS_SESSION_TOUCH] =
	    "UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1",
	[DS_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[DS_SESSION_DELETE_GUARDIAN] = "DELETE FROM sessions WHERE guardian_id = ?1",
	[DS_SESSION_PURGE] =
	    "DELETE FROM sessions WHERE expires_ms <= ?1 OR last_seen_ms + ?2 <= ?1",
	[DS_FAILURE_ADD] = "INSERT INTO login_failures (key, ts_ms) VALUES (?1, ?2)",
	[DS_FAILURE_COUNT] =
	    "SELECT count(*) FROM login_failures WHERE key = ?1 AND ts_ms >= ?2",
	[DS_FAILURE_CLEAR] = "DELETE FROM login_failures WHERE key = ?1",
	[DS_FAILURE_PURGE] = "DELETE FROM login_failures WHERE ts_ms < ?1",
	[DS_AUP_ACK] =
	    "INSERT INTO aup_acks (guardian_id, version, ts_ms) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (guardian_id, version) DO NOTHING",
	[DS_AUP_ACKED] =
	    "SELECT ts_ms FROM aup_acks WHERE guardian_id = ?1 AND version = ?2",
	[DS_AUDIT] =
	    "INSERT INTO audit (ts_ms, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
	[DS_USAGE_HOURS] =
	    "SELECT day, hour, visits, blocked, bytes, seconds FROM usage_hourly"
	    " WHERE student = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, hour",
	/* Grouped per host over the (student, day) index; ties by name so pages are stable. */
	[DS_USAGE_HOSTS] =
	    "SELECT host, max(category), sum(visits) AS v, sum(blocked), sum(bytes),"
	    " sum(seconds) FROM usage_daily"
	    " WHERE student = ?1 AND day >= ?2 AND day <= ?3"
	    " GROUP BY host ORDER BY v DESC, host LIMIT ?4",
	[DS_USAGE_CATEGORIES] =
	    "SELECT category, sum(visits) AS v, sum(blocked), sum(bytes), sum(seconds)"
	    " FROM usage_daily WHERE student = ?1 AND day >= ?2 AND day <= ?3"
	    " GROUP BY category ORDER BY category IS NULL, v DESC, category LIMIT ?4",
	[DS_BLOCKED] =
	    "SELECT ts_ms, day, hour, student, client, proto, host, category, action,"
	    " rule, reason FROM events"
	    " WHERE student = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 AND action = 'block'"
	    " ORDER BY ts_ms DESC, id DESC LIMIT ?4",
};

void
store_dash_finalize(struct store *s)
{
	for (int i = 0; i < DS__MAX; i++) {
		sqlite3_finalize(s->dst[i]);
		s->dst[i] = NULL;
	}
}

static sqlite3_stmt *
store_dash_stmt(struct store *s, enum store_dash_st id, char *err, size_t errlen)
{
	if (s->dst[id] != NULL)
		return s->dst[id];
	if (sqlite3_prepare_v3(s->db, store_dash_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->dst[id], NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "prepare");
		s->dst[id] = NULL;
	}
	return s->dst[id];
}

static const char *
store_dash_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Copies a text column; 0 ok, -1 when it does not fit (a caller's buffer is never overrun). */
static int
store_dash_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const char	*v = store_dash_text(st, i);
	size_t		 n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= len)
		return -1;
	if (n > 0)
		memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int
store_sqlite_account_get(struct store *s, const char *guardian_id, char *pw_hash,
    size_t len, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if (guardian_id == NULL || pw_hash == NULL || len == 0)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_ACCOUNT_GET, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, guardian_id) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind account");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		ret = 1;
	else if (rc != SQLITE_ROW)
		store_dberr(s, err, errlen, "get account");
	else if (store_dash_copy(st, 0, pw_hash, len) == -1)
		hp_errf(err, errlen, "%s: %s: hash does not fit", s->path, __func__);
	else
		ret = 0;
out:
	store_stmt_done(st);
	return ret;
}

static int
store_sqlite_account_set(struct store *s, const char *guardian_id, const char *pw_hash,
    int64_t now_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || *guardian_id == '\0' || pw_hash == NULL ||
	    *pw_hash == '\0')
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_ACCOUNT_SET, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, guardian_id) != SQLITE_OK ||
	    store_bind_text(st, 2, pw_hash) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now_ms) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind account");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, "set account", err, errlen);
}

static int
store_sqlite_session_create(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    const char *guardian_id, const uint8_t csrf[STORE_CSRF_LEN], int64_t now_ms,
    int64_t expires_ms, const char *lang, char *err, size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (token_hash == NULL || guardian_id == NULL || csrf == NULL ||
	    expires_ms <= now_ms)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_SESSION_CREATE, err, errlen)) == NULL)
		return -1;
	if (sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK || store_bind_text(st, 2, guardian_id) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 3, csrf, STORE_CSRF_LEN, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 4, now_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, expires_ms) != SQLITE_OK ||
	    store_bind_text(st, 6, lang && *lang ? lang : NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind session");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, "create session", err, errlen);
}

static int
store_sqlite_session_get(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, int64_t idle_ms, struct store_session *out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if (token_hash == NULL || out == NULL || idle_ms <= 0)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_SESSION_GET, err, errlen)) == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 2, now_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, idle_ms) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind session");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		ret = 1;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_dberr(s, err, errlen, "get session");
		goto out;
	}
	if (store_dash_copy(st, 0, out->guardian_id, sizeof(out->guardian_id)) == -1 ||
	    sqlite3_column_bytes(st, 1) != STORE_CSRF_LEN ||
	    store_dash_copy(st, 5, out->lang, sizeof(out->lang)) == -1) {
		/* A row this code did not write: treat as no session rather than trust it. */
		ret = 1;
		goto out;
	}
	memcpy(out->csrf, sqlite3_column_blob(st, 1), STORE_CSRF_LEN);
	out->created_ms = sqlite3_column_int64(st, 2);
	out->last_seen_ms = sqlite3_column_int64(st, 3);
	out->expires_ms = sqlite3_column_int64(st, 4);
	ret = 0;
out:
	store_stmt_done(st);
	return ret;
}

/* One statement binding a token hash and maybe an integer, returning no rows. */
static int
store_dash_token(struct store *s, enum store_dash_st id,
    const uint8_t token_hash[STORE_HASH_LEN], int64_t v, const char *fn,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, fn, err, errlen) == -1)
		return -1;
	if (token_hash == NULL)
		return store_bad(s, fn, err, errlen);
	if ((st = store_dash_stmt(s, id, err, errlen)) == NULL)
		return -1;
	if (sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK || (id == DS_SESSION_TOUCH &&
	    sqlite3_bind_int64(st, 2, v) != SQLITE_OK)) {
		store_dberr(s, err, errlen, "bind session");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, fn, err, errlen);
}

static int
store_sqlite_session_touch(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, char *err, size_t errlen)
{
	return store_dash_token(s, DS_SESSION_TOUCH, token_hash, now_ms, __func__,
	    err, errlen);
}

static int
store_sqlite_session_delete(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    char *err, size_t errlen)
{
	return store_dash_token(s, DS_SESSION_DELETE, token_hash, 0, __func__, err,
	    errlen);
}

/* One statement binding text ?1 and optionally int ?2; returns changes or -1. */
static int64_t
store_dash_text_int(struct store *s, enum store_dash_st id, const char *t,
    int nints, int64_t a, int64_t b, const char *fn, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = SQLITE_OK;

	if (store_writable(s, fn, err, errlen) == -1)
		return -1;
	if ((st = store_dash_stmt(s, id, err, errlen)) == NULL)
		return -1;
	if (t != NULL)
		rc = store_bind_text(st, 1, t);
	if (rc == SQLITE_OK && nints >= 1)
		rc = sqlite3_bind_int64(st, t != NULL ? 2 : 1, a);
	if (rc == SQLITE_OK && nints >= 2)
		rc = sqlite3_bind_int64(st, t != NULL ? 3 : 2, b);
	if (rc != SQLITE_OK) {
		store_dberr(s, err, errlen, fn);
		store_stmt_done(st);
		return -1;
	}
	if (store_run(s, st, fn, err, errlen) == -1)
		return -1;
	return sqlite3_changes64(s->db);
}

static int
store_sqlite_sessions_delete_guardian(struct store *s, const char *guardian_id,
    char *err, size_t errlen)
{
	if (guardian_id == NULL)
		return store_bad(s, __func__, err, errlen);
	return store_dash_text_int(s, DS_SESSION_DELETE_GUARDIAN, guardian_id, 0, 0,
	    0, __func__, err, errlen) < 0 ? -1 : 0;
}

static int64_t
store_sqlite_sessions_purge(struct store *s, int64_t now_ms, int64_t idle_ms, char *err,
    size_t errlen)
{
	return store_dash_text_int(s, DS_SESSION_PURGE, NULL, 2, now_ms, idle_ms,
	    __func__, err, errlen);
}

static int
store_sqlite_failure_add(struct store *s, const char *key, int64_t now_ms, char *err,
    size_t errlen)
{
	if (key == NULL || *key == '\0')
		return store_bad(s, __func__, err, errlen);
	return store_dash_text_int(s, DS_FAILURE_ADD, key, 1, now_ms, 0, __func__,
	    err, errlen) < 0 ? -1 : 0;
}

static int
store_sqlite_failure_clear(struct store *s, const char *key, char *err, size_t errlen)
{
	if (key == NULL)
		return store_bad(s, __func__, err, errlen);
	return store_dash_text_int(s, DS_FAILURE_CLEAR, key, 0, 0, 0, __func__, err,
	    errlen) < 0 ? -1 : 0;
}

static int
store_sqlite_failure_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	return store_dash_text_int(s, DS_FAILURE_PURGE, NULL, 1, before_ms, 0,
	    __func__, err, errlen) < 0 ? -1 : 0;
}

static int64_t
store_sqlite_failure_count(struct store *s, const char *key, int64_t since_ms, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	if (key == NULL)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_FAILURE_COUNT, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, key) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, since_ms) != SQLITE_OK)
		store_dberr(s, err, errlen, "bind failures");
	else if (sqlite3_step(st) != SQLITE_ROW)
		store_dberr(s, err, errlen, "count failures");
	else
		n = sqlite3_column_int64(st, 0);
	store_stmt_done(st);
	return n;
}

static int
store_sqlite_aup_ack(struct store *s, const char *guardian_id, long version,
    int64_t now_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || version <= 0)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_AUP_ACK, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, guardian_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, version) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now_ms) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind ack");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, "acknowledge terms", err, errlen);
}

static int
store_sqlite_aup_acked(struct store *s, const char *guardian_id, long version,
    int64_t *ts_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if (guardian_id == NULL)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_AUP_ACKED, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, guardian_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, version) != SQLITE_OK)
		store_dberr(s, err, errlen, "bind ack");
	else if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		ret = 1;
	else if (rc != SQLITE_ROW)
		store_dberr(s, err, errlen, "read ack");
	else {
		if (ts_ms != NULL)
			*ts_ms = sqlite3_column_int64(st, 0);
		ret = 0;
	}
	store_stmt_done(st);
	return ret;
}

static int
store_sqlite_audit(struct store *s, int64_t now_ms, const char *actor, const char *action,
    const char *detail, char *err, size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (actor == NULL || action == NULL)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_AUDIT, err, errlen)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, now_ms) != SQLITE_OK ||
	    store_bind_text(st, 2, actor) != SQLITE_OK ||
	    store_bind_text(st, 3, action) != SQLITE_OK ||
	    store_bind_text(st, 4, detail) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind audit");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, "audit", err, errlen);
}

/* Binds student, from, to (and a limit when asked) for the usage queries. */
static int
store_usage_bind(sqlite3_stmt *st, const char *student, const char *from,
    const char *to, int with_limit, size_t limit)
{
	int64_t	 l = limit == 0 || limit > (size_t)INT64_MAX ? -1 : (int64_t)limit;

	if (store_bind_text(st, 1, student) != SQLITE_OK ||
	    store_bind_text(st, 2, from) != SQLITE_OK ||
	    store_bind_text(st, 3, to) != SQLITE_OK)
		return -1;
	if (with_limit && sqlite3_bind_int64(st, 4, l) != SQLITE_OK)
		return -1;
	return 0;
}

/* Runs a usage statement, turning each row into a store_usage for cb. */
static int64_t
store_usage_run(struct store *s, enum store_dash_st id, const char *student,
    const char *from, const char *to, size_t limit,
    int (*cb)(const struct store_usage *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_usage	 u;
	sqlite3_stmt		*st;
	int64_t			 n = 0;
	int			 rc;

	if (student == NULL || from == NULL || to == NULL || cb == NULL)
		return store_bad(s, "store_usage", err, errlen);
	if ((st = store_dash_stmt(s, id, err, errlen)) == NULL)
		return -1;
	if (store_usage_bind(st, student, from, to, id != DS_USAGE_HOURS, limit) ==
	    -1) {
		store_dberr(s, err, errlen, "bind usage");
		store_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		switch (id) {
		case DS_USAGE_HOURS:
			u.day = store_dash_text(st, 0);
			u.hour = sqlite3_column_int(st, 1);
			u.visits = sqlite3_column_int64(st, 2);
			u.blocked = sqlite3_column_int64(st, 3);
			u.bytes = sqlite3_column_int64(st, 4);
			u.seconds = sqlite3_column_int64(st, 5);
			break;
		case DS_USAGE_HOSTS:
			u.host = store_dash_text(st, 0);
			u.category = store_dash_text(st, 1);
			u.visits = sqlite3_column_int64(st, 2);
			u.blocked = sqlite3_column_int64(st, 3);
			u.bytes = sqlite3_column_int64(st, 4);
			u.seconds = sqlite3_column_int64(st, 5);
			break;
		default:
			u.category = store_dash_text(st, 0);
			u.visits = sqlite3_column_int64(st, 1);
			u.blocked = sqlite3_column_int64(st, 2);
			u.bytes = sqlite3_column_int64(st, 3);
			u.seconds = sqlite3_column_int64(st, 4);
			break;
		}
		n++;
		if (cb(&u, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, "usage");
		n = -1;
	}
	store_stmt_done(st);
	return n;
}

static int64_t
store_sqlite_usage_hours(struct store *s, const char *student, const char *from,
    const char *to, int (*cb)(const struct store_usage *, void *), void *arg,
    char *err, size_t errlen)
{
	return store_usage_run(s, DS_USAGE_HOURS, student, from, to, 0, cb, arg, err,
	    errlen);
}

static int64_t
store_sqlite_usage_hosts(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return store_usage_run(s, DS_USAGE_HOSTS, student, from, to, limit, cb, arg,
	    err, errlen);
}

static int64_t
store_sqlite_usage_categories(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return store_usage_run(s, DS_USAGE_CATEGORIES, student, from, to, limit, cb,
	    arg, err, errlen);
}

static int64_t
store_sqlite_blocked_events(struct store *s, const char *student, int64_t since_ms,
    int64_t until_ms, size_t limit, int (*cb)(const struct store_event *, void *),
    void *arg, char *err, size_t errlen)
{
	struct store_event	 e;
	sqlite3_stmt		*st;
	int64_t			 n = 0;
	int			 rc;

	if (student == NULL || cb == NULL)
		return store_bad(s, __func__, err, errlen);
	if ((st = store_dash_stmt(s, DS_BLOCKED, err, errlen)) == NULL)
		return -1;
	if (store_bind_text(st, 1, student) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, since_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, until_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, limit == 0 || limit > (size_t)INT64_MAX ? -1 :
	    (int64_t)limit) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind blocked");
		store_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.ts_ms = sqlite3_column_int64(st, 0);
		e.day = store_dash_text(st, 1);
		e.hour = sqlite3_column_int(st, 2);
		e.student = store_dash_text(st, 3);
		e.client = store_dash_text(st, 4);
		e.proto = store_dash_text(st, 5);
		e.host = store_dash_text(st, 6);
		e.category = store_dash_text(st, 7);
		e.action = store_dash_text(st, 8);
		e.rule = store_dash_text(st, 9);
		e.reason = store_dash_text(st, 10);
		n++;
		if (cb(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, "blocked events");
		n = -1;
	}
	store_stmt_done(st);
	return n;
}

const struct store_dash_ops store_dash_sqlite_ops = {
	.account_get = store_sqlite_account_get,
	.account_set = store_sqlite_account_set,
	.session_create = store_sqlite_session_create,
	.session_get = store_sqlite_session_get,
	.session_touch = store_sqlite_session_touch,
	.session_delete = store_sqlite_session_delete,
	.sessions_delete_guardian = store_sqlite_sessions_delete_guardian,
	.sessions_purge = store_sqlite_sessions_purge,
	.failure_add = store_sqlite_failure_add,
	.failure_count = store_sqlite_failure_count,
	.failure_clear = store_sqlite_failure_clear,
	.failure_purge = store_sqlite_failure_purge,
	.aup_ack = store_sqlite_aup_ack,
	.aup_acked = store_sqlite_aup_acked,
	.audit = store_sqlite_audit,
	.usage_hours = store_sqlite_usage_hours,
	.usage_hosts = store_sqlite_usage_hosts,
	.usage_categories = store_sqlite_usage_categories,
	.blocked_events = store_sqlite_blocked_events,
};
