/* store_dash_pg: the parent dashboard's statements on PostgreSQL — accounts, sessions, throttling, acks, audit, reports merged across gateways. */
#include "store_dash.h"
#include "store_impl.h"
#include "hp_err.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

enum pgd_st {
	PGD_ACCOUNT_GET = STORE_PG_DASH_BASE,
	PGD_ACCOUNT_SET,
	PGD_SESSION_CREATE,
	PGD_SESSION_GET,
	PGD_SESSION_TOUCH,
	PGD_SESSION_DELETE,
	PGD_SESSION_DELETE_GUARDIAN,
	PGD_SESSION_PURGE,
	PGD_FAILURE_ADD,
	PGD_FAILURE_COUNT,
	PGD_FAILURE_CLEAR,
	PGD_FAILURE_PURGE,
	PGD_AUP_ACK,
	PGD_AUP_ACKED,
	PGD_AUDIT,
	PGD_USAGE_HOURS,
	PGD_USAGE_HOSTS,
	PGD_USAGE_CATEGORIES,
	PGD_BLOCKED,
	PGD__MAX
};

_Static_assert(PGD__MAX <= STORE_PG_SHIP_BASE, "raise STORE_PG_SHIP_BASE in store_impl.h");

#define PGD(id)	(pgd_sql[(id) - STORE_PG_DASH_BASE])

/*
 * Fixed texts with bound parameters, as on SQLite.  The reports merge the
 * gateways: rows of one (day, student, host) from several gateways are
 * summed; an hour's seconds are the largest one gateway saw, capped at the
 * hour (two gateways that both saw the child that hour never make it count
 * twice; docs/district.md).  Text order is bytewise ("C"), as on SQLite.
 */
static const char *const pgd_sql[PGD__MAX - STORE_PG_DASH_BASE] = {
	[PGD_ACCOUNT_GET - STORE_PG_DASH_BASE] =
	    "SELECT pw_hash FROM guardian_accounts WHERE guardian_id = $1",
	[PGD_ACCOUNT_SET - STORE_PG_DASH_BASE] =
	    "INSERT INTO guardian_accounts (guardian_id, pw_hash, created_ms, updated_ms)"
	    " VALUES ($1, $2, $3, $3)"
	    " ON CONFLICT (guardian_id) DO UPDATE SET pw_hash = excluded.pw_hash,"
	    " updated_ms = excluded.updated_ms",
	[PGD_SESSION_CREATE - STORE_PG_DASH_BASE] =
	    "INSERT INTO sessions (token_hash, guardian_id, csrf, created_ms,"
	    " last_seen_ms, expires_ms, lang) VALUES ($1, $2, $3, $4, $4, $5, $6)",
	[PGD_SESSION_GET - STORE_PG_DASH_BASE] =
	    "SELECT guardian_id, csrf, created_ms, last_seen_ms, expires_ms, lang"
	    " FROM sessions WHERE token_hash = $1 AND expires_ms > $2"
	    " AND last_seen_ms + $3 > $2",
	[PGD_SESSION_TOUCH - STORE_PG_DASH_BASE] =
	    "UPDATE sessions SET last_seen_ms = $2 WHERE token_hash = $1",
	[PGD_SESSION_DELETE - STORE_PG_DASH_BASE] =
	    "DELETE FROM sessions WHERE token_hash = $1",
	[PGD_SESSION_DELETE_GUARDIAN - STORE_PG_DASH_BASE] =
	    "DELETE FROM sessions WHERE guardian_id = $1",
	[PGD_SESSION_PURGE - STORE_PG_DASH_BASE] =
	    "DELETE FROM sessions WHERE expires_ms <= $1 OR last_seen_ms + $2 <= $1",
	[PGD_FAILURE_ADD - STORE_PG_DASH_BASE] =
	    "INSERT INTO login_failures (key, ts_ms) VALUES ($1, $2)",
	[PGD_FAILURE_COUNT - STORE_PG_DASH_BASE] =
	    "SELECT count(*) FROM login_failures WHERE key = $1 AND ts_ms >= $2",
	[PGD_FAILURE_CLEAR - STORE_PG_DASH_BASE] =
	    "DELETE FROM login_failures WHERE key = $1",
	[PGD_FAILURE_PURGE - STORE_PG_DASH_BASE] =
	    "DELETE FROM login_failures WHERE ts_ms < $1",
	[PGD_AUP_ACK - STORE_PG_DASH_BASE] =
	    "INSERT INTO aup_acks (guardian_id, version, ts_ms) VALUES ($1, $2, $3)"
	    " ON CONFLICT (guardian_id, version) DO NOTHING",
	[PGD_AUP_ACKED - STORE_PG_DASH_BASE] =
	    "SELECT ts_ms FROM aup_acks WHERE guardian_id = $1 AND version = $2",
	[PGD_AUDIT - STORE_PG_DASH_BASE] =
	    "INSERT INTO audit (ts_ms, actor, action, detail) VALUES ($1, $2, $3, $4)",
	[PGD_USAGE_HOURS - STORE_PG_DASH_BASE] =
	    "SELECT to_char(day, 'YYYY-MM-DD'), hour, sum(visits), sum(blocked),"
	    " sum(bytes), least(max(seconds), 3600) FROM usage_hourly"
	    " WHERE student = $1 AND day >= $2::date AND day <= $3::date"
	    " GROUP BY day, hour ORDER BY day, hour",
	[PGD_USAGE_HOSTS - STORE_PG_DASH_BASE] =
	    "SELECT host, max(category COLLATE \"C\"), sum(visits) AS v, sum(blocked),"
	    " sum(bytes), sum(seconds) FROM usage_daily"
	    " WHERE student = $1 AND day >= $2::date AND day <= $3::date"
	    " GROUP BY host ORDER BY v DESC, host COLLATE \"C\" LIMIT $4",
	[PGD_USAGE_CATEGORIES - STORE_PG_DASH_BASE] =
	    "SELECT category, sum(visits) AS v, sum(blocked), sum(bytes), sum(seconds)"
	    " FROM usage_daily WHERE student = $1 AND day >= $2::date AND day <= $3::date"
	    " GROUP BY category"
	    " ORDER BY category IS NULL, v DESC, category COLLATE \"C\" LIMIT $4",
	[PGD_BLOCKED - STORE_PG_DASH_BASE] =
	    "SELECT ts_ms, to_char(day, 'YYYY-MM-DD'), hour, student, client, proto,"
	    " host, category, action, rule, reason FROM events"
	    " WHERE student = $1 AND ts_ms >= $2 AND ts_ms < $3 AND action = 'block'"
	    " ORDER BY ts_ms DESC, gateway DESC, seq DESC LIMIT $4",
};

static int
pgd_run(struct store *s, enum pgd_st id, const struct store_pgp *p,
    int64_t *changed, const char *what, char *err, size_t errlen)
{
	return store_pg_run(s, id, PGD(id), p, changed, what, err, errlen);
}

/* One row or none: 0 row (*out to PQclear), 1 none, -1 error. */
static int
pgd_one(struct store *s, enum pgd_st id, const struct store_pgp *p,
    PGresult **out, const char *what, char *err, size_t errlen)
{
	PGresult	*r;

	if ((r = store_pg_exec(s, id, PGD(id), p, what, err, errlen)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	*out = r;
	return 0;
}

/* Copies a text column; -1 when it does not fit (a caller's buffer is never overrun). */
static int
pgd_copy(const PGresult *r, int col, char *out, size_t len)
{
	const char	*v = store_pg_text(r, col);
	size_t		 n = v ? strlen(v) : 0;

	if (n >= len)
		return -1;
	if (n > 0)
		memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int
pgd_account_get(struct store *s, const char *guardian_id, char *pw_hash,
    size_t len, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	int			 rc;

	if (guardian_id == NULL || pw_hash == NULL || len == 0)
		return store_bad(s, "store_account_get", err, errlen);
	store_pgp_text(&p, guardian_id);
	if ((rc = pgd_one(s, PGD_ACCOUNT_GET, &p, &r, "get account", err, errlen)) != 0)
		return rc;
	rc = 0;
	if (pgd_copy(r, 0, pw_hash, len) == -1) {
		hp_errf(err, errlen, "%s: store_account_get: hash does not fit",
		    s->path);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static int
pgd_account_set(struct store *s, const char *guardian_id, const char *pw_hash,
    int64_t now_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_account_set", err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || *guardian_id == '\0' || pw_hash == NULL ||
	    *pw_hash == '\0')
		return store_bad(s, "store_account_set", err, errlen);
	store_pgp_text(&p, guardian_id);
	store_pgp_text(&p, pw_hash);
	store_pgp_int(&p, now_ms);
	return pgd_run(s, PGD_ACCOUNT_SET, &p, NULL, "set account", err, errlen);
}

static int
pgd_session_create(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    const char *guardian_id, const uint8_t csrf[STORE_CSRF_LEN], int64_t now_ms,
    int64_t expires_ms, const char *lang, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_session_create", err, errlen) == -1)
		return -1;
	if (token_hash == NULL || guardian_id == NULL || csrf == NULL ||
	    expires_ms <= now_ms)
		return store_bad(s, "store_session_create", err, errlen);
	store_pgp_bytes(&p, token_hash, STORE_HASH_LEN);
	store_pgp_text(&p, guardian_id);
	store_pgp_bytes(&p, csrf, STORE_CSRF_LEN);
	store_pgp_int(&p, now_ms);
	store_pgp_int(&p, expires_ms);
	store_pgp_text(&p, lang && *lang ? lang : NULL);
	return pgd_run(s, PGD_SESSION_CREATE, &p, NULL, "create session", err, errlen);
}

static int
pgd_session_get(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, int64_t idle_ms, struct store_session *out, char *err,
    size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	unsigned char		*csrf = NULL;
	size_t			 clen = 0;
	int			 rc;

	if (token_hash == NULL || out == NULL || idle_ms <= 0)
		return store_bad(s, "store_session_get", err, errlen);
	memset(out, 0, sizeof(*out));
	store_pgp_bytes(&p, token_hash, STORE_HASH_LEN);
	store_pgp_int(&p, now_ms);
	store_pgp_int(&p, idle_ms);
	if ((rc = pgd_one(s, PGD_SESSION_GET, &p, &r, "get session", err, errlen)) != 0)
		return rc;
	/* bytea arrives as text ("\x..."): libpq decodes it. */
	if (!PQgetisnull(r, 0, 1))
		csrf = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1),
		    &clen);
	if (pgd_copy(r, 0, out->guardian_id, sizeof(out->guardian_id)) == -1 ||
	    csrf == NULL || clen != STORE_CSRF_LEN ||
	    pgd_copy(r, 5, out->lang, sizeof(out->lang)) == -1) {
		/* A row this code did not write: treat as no session rather than trust it. */
		memset(out, 0, sizeof(*out));
		rc = 1;
	} else {
		memcpy(out->csrf, csrf, STORE_CSRF_LEN);
		out->created_ms = store_pg_int(r, 2);
		out->last_seen_ms = store_pg_int(r, 3);
		out->expires_ms = store_pg_int(r, 4);
	}
	PQfreemem(csrf);
	PQclear(r);
	return rc;
}

static int
pgd_session_touch(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_session_touch", err, errlen) == -1)
		return -1;
	if (token_hash == NULL)
		return store_bad(s, "store_session_touch", err, errlen);
	store_pgp_bytes(&p, token_hash, STORE_HASH_LEN);
	store_pgp_int(&p, now_ms);
	return pgd_run(s, PGD_SESSION_TOUCH, &p, NULL, "store_session_touch", err,
	    errlen);
}

static int
pgd_session_delete(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_session_delete", err, errlen) == -1)
		return -1;
	if (token_hash == NULL)
		return store_bad(s, "store_session_delete", err, errlen);
	store_pgp_bytes(&p, token_hash, STORE_HASH_LEN);
	return pgd_run(s, PGD_SESSION_DELETE, &p, NULL, "store_session_delete", err,
	    errlen);
}

/* A write binding text $1 (when t) and up to two integers; returns rows changed or -1. */
static int64_t
pgd_text_int(struct store *s, enum pgd_st id, const char *t, int nints, int64_t a,
    int64_t b, const char *fn, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	int64_t			 n = 0;

	if (store_writable(s, fn, err, errlen) == -1)
		return -1;
	if (t != NULL)
		store_pgp_text(&p, t);
	if (nints >= 1)
		store_pgp_int(&p, a);
	if (nints >= 2)
		store_pgp_int(&p, b);
	if (pgd_run(s, id, &p, &n, fn, err, errlen) == -1)
		return -1;
	return n;
}

static int
pgd_sessions_delete_guardian(struct store *s, const char *guardian_id, char *err,
    size_t errlen)
{
	if (guardian_id == NULL)
		return store_bad(s, "store_sessions_delete_guardian", err, errlen);
	return pgd_text_int(s, PGD_SESSION_DELETE_GUARDIAN, guardian_id, 0, 0, 0,
	    "store_sessions_delete_guardian", err, errlen) < 0 ? -1 : 0;
}

static int64_t
pgd_sessions_purge(struct store *s, int64_t now_ms, int64_t idle_ms, char *err,
    size_t errlen)
{
	return pgd_text_int(s, PGD_SESSION_PURGE, NULL, 2, now_ms, idle_ms,
	    "store_sessions_purge", err, errlen);
}

static int
pgd_failure_add(struct store *s, const char *key, int64_t now_ms, char *err,
    size_t errlen)
{
	if (key == NULL || *key == '\0')
		return store_bad(s, "store_failure_add", err, errlen);
	return pgd_text_int(s, PGD_FAILURE_ADD, key, 1, now_ms, 0,
	    "store_failure_add", err, errlen) < 0 ? -1 : 0;
}

static int
pgd_failure_clear(struct store *s, const char *key, char *err, size_t errlen)
{
	if (key == NULL)
		return store_bad(s, "store_failure_clear", err, errlen);
	return pgd_text_int(s, PGD_FAILURE_CLEAR, key, 0, 0, 0,
	    "store_failure_clear", err, errlen) < 0 ? -1 : 0;
}

static int
pgd_failure_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	return pgd_text_int(s, PGD_FAILURE_PURGE, NULL, 1, before_ms, 0,
	    "store_failure_purge", err, errlen) < 0 ? -1 : 0;
}

static int64_t
pgd_failure_count(struct store *s, const char *key, int64_t since_ms, char *err,
    size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	int64_t			 n;

	if (key == NULL)
		return store_bad(s, "store_failure_count", err, errlen);
	store_pgp_text(&p, key);
	store_pgp_int(&p, since_ms);
	if ((r = store_pg_exec(s, PGD_FAILURE_COUNT, PGD(PGD_FAILURE_COUNT), &p,
	    "count failures", err, errlen)) == NULL)
		return -1;
	n = store_pg_int(r, 0);
	PQclear(r);
	return n;
}

static int
pgd_aup_ack(struct store *s, const char *guardian_id, long version,
    int64_t now_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_aup_ack", err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || version <= 0)
		return store_bad(s, "store_aup_ack", err, errlen);
	store_pgp_text(&p, guardian_id);
	store_pgp_int(&p, version);
	store_pgp_int(&p, now_ms);
	return pgd_run(s, PGD_AUP_ACK, &p, NULL, "acknowledge terms", err, errlen);
}

static int
pgd_aup_acked(struct store *s, const char *guardian_id, long version,
    int64_t *ts_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	int			 rc;

	if (guardian_id == NULL)
		return store_bad(s, "store_aup_acked", err, errlen);
	store_pgp_text(&p, guardian_id);
	store_pgp_int(&p, version);
	if ((rc = pgd_one(s, PGD_AUP_ACKED, &p, &r, "read ack", err, errlen)) != 0)
		return rc;
	if (ts_ms != NULL)
		*ts_ms = store_pg_int(r, 0);
	PQclear(r);
	return 0;
}

static int
pgd_audit(struct store *s, int64_t now_ms, const char *actor, const char *action,
    const char *detail, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_audit", err, errlen) == -1)
		return -1;
	if (actor == NULL || action == NULL)
		return store_bad(s, "store_audit", err, errlen);
	store_pgp_int(&p, now_ms);
	store_pgp_text(&p, actor);
	store_pgp_text(&p, action);
	store_pgp_text(&p, detail);
	return pgd_run(s, PGD_AUDIT, &p, NULL, "audit", err, errlen);
}

struct pgd_usage {
	enum pgd_st	 id;
	int		(*cb)(const struct store_usage *, void *);
	void		*arg;
};

static int
pgd_usage_row(const PGresult *r, void *arg)
{
	struct pgd_usage	*q = arg;
	struct store_usage	 u;

	memset(&u, 0, sizeof(u));
	switch (q->id) {
	case PGD_USAGE_HOURS:
		u.day = store_pg_text(r, 0);
		u.hour = (int)store_pg_int(r, 1);
		u.visits = store_pg_int(r, 2);
		u.blocked = store_pg_int(r, 3);
		u.bytes = store_pg_int(r, 4);
		u.seconds = store_pg_int(r, 5);
		break;
	case PGD_USAGE_HOSTS:
		u.host = store_pg_text(r, 0);
		u.category = store_pg_text(r, 1);
		u.visits = store_pg_int(r, 2);
		u.blocked = store_pg_int(r, 3);
		u.bytes = store_pg_int(r, 4);
		u.seconds = store_pg_int(r, 5);
		break;
	default:
		u.category = store_pg_text(r, 0);
		u.visits = store_pg_int(r, 1);
		u.blocked = store_pg_int(r, 2);
		u.bytes = store_pg_int(r, 3);
		u.seconds = store_pg_int(r, 4);
		break;
	}
	return q->cb(&u, q->arg);
}

static int64_t
pgd_usage_run(struct store *s, enum pgd_st id, const char *student,
    const char *from, const char *to, size_t limit,
    int (*cb)(const struct store_usage *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	struct pgd_usage	 q = { id, cb, arg };

	if (student == NULL || cb == NULL || !store_day_valid(from) ||
	    !store_day_valid(to))
		return store_bad(s, "store_usage", err, errlen);
	store_pgp_text(&p, student);
	store_pgp_text(&p, from);
	store_pgp_text(&p, to);
	if (id != PGD_USAGE_HOURS)
		store_pgp_limit(&p, limit);
	return store_pg_rows(s, id, PGD(id), &p, pgd_usage_row, &q, "usage", err,
	    errlen);
}

static int64_t
pgd_usage_hours(struct store *s, const char *student, const char *from,
    const char *to, int (*cb)(const struct store_usage *, void *), void *arg,
    char *err, size_t errlen)
{
	return pgd_usage_run(s, PGD_USAGE_HOURS, student, from, to, 0, cb, arg, err,
	    errlen);
}

static int64_t
pgd_usage_hosts(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return pgd_usage_run(s, PGD_USAGE_HOSTS, student, from, to, limit, cb, arg,
	    err, errlen);
}

static int64_t
pgd_usage_categories(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return pgd_usage_run(s, PGD_USAGE_CATEGORIES, student, from, to, limit, cb,
	    arg, err, errlen);
}

static int64_t
pgd_blocked_events(struct store *s, const char *student, int64_t since_ms,
    int64_t until_ms, size_t limit, int (*cb)(const struct store_event *, void *),
    void *arg, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (student == NULL || cb == NULL)
		return store_bad(s, "store_blocked_events", err, errlen);
	store_pgp_text(&p, student);
	store_pgp_int(&p, since_ms);
	store_pgp_int(&p, until_ms);
	store_pgp_limit(&p, limit);
	return store_pg_events_rows(s, PGD_BLOCKED, PGD(PGD_BLOCKED), &p, cb, arg,
	    "blocked events", err, errlen);
}

const struct store_dash_ops store_dash_pg_ops = {
	.account_get = pgd_account_get,
	.account_set = pgd_account_set,
	.session_create = pgd_session_create,
	.session_get = pgd_session_get,
	.session_touch = pgd_session_touch,
	.session_delete = pgd_session_delete,
	.sessions_delete_guardian = pgd_sessions_delete_guardian,
	.sessions_purge = pgd_sessions_purge,
	.failure_add = pgd_failure_add,
	.failure_count = pgd_failure_count,
	.failure_clear = pgd_failure_clear,
	.failure_purge = pgd_failure_purge,
	.aup_ack = pgd_aup_ack,
	.aup_acked = pgd_aup_acked,
	.audit = pgd_audit,
	.usage_hours = pgd_usage_hours,
	.usage_hosts = pgd_usage_hosts,
	.usage_categories = pgd_usage_categories,
	.blocked_events = pgd_blocked_events,
};
