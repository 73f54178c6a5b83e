/* store_staff: staff accounts, sessions, the append-only audit of student views and the engagement marks, on SQLite and PostgreSQL from one table of statements. */
#include "store_staff.h"
#include "store_impl.h"
#include "hp_err.h"
#include "hp_str.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One SQL text per statement, written with SQLite's ?N; PostgreSQL gets the
 * same text with $N (no statement here holds a literal '?').  Every value
 * is a bound parameter.  The tables are made by the migrations in
 * store_sqlite.c and store_pg.c.
 */
enum staff_st {
	SS_ADD = 0,
	SS_GET,
	SS_LIST,
	SS_REMOVE,
	SS_SET_PASSWORD,
	SS_SESSIONS_DELETE_STAFF,
	SS_SET_SETUP,
	SS_SETUP_CONSUME,
	SS_SESSION_CREATE,
	SS_SESSION_GET,
	SS_SESSION_TOUCH,
	SS_SESSION_DELETE,
	SS_AUDIT_ADD,
	SS_AUDIT_LIST,
	SS_MARKS,
	SS__MAX
};

_Static_assert(STORE_PG_STAFF_BASE + SS__MAX <= STORE_PG_ST_MAX,
    "raise STORE_PG_ST_MAX in store_impl.h");

#define SS_COLS	"SELECT id, role, schools, pw_hash," \
		" CASE WHEN setup_hash IS NULL THEN 0 ELSE 1 END, created_ms" \
		" FROM staff_accounts"

static const char *const staff_sql[SS__MAX] = {
	[SS_ADD] =
	    "INSERT INTO staff_accounts (id, role, schools, created_ms, updated_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (id) DO NOTHING",
	[SS_GET] = SS_COLS " WHERE id = ?1",
	[SS_LIST] = SS_COLS " ORDER BY id",
	[SS_REMOVE] = "DELETE FROM staff_accounts WHERE id = ?1",
	[SS_SET_PASSWORD] =
	    "UPDATE staff_accounts SET pw_hash = ?2, setup_hash = NULL,"
	    " setup_expires_ms = NULL, updated_ms = ?3 WHERE id = ?1",
	[SS_SESSIONS_DELETE_STAFF] = "DELETE FROM staff_sessions WHERE staff_id = ?1",
	[SS_SET_SETUP] =
	    "UPDATE staff_accounts SET setup_hash = ?2, setup_expires_ms = ?3"
	    " WHERE id = ?1",
	/* One statement: two tabs racing for one code cannot both get it. */
	[SS_SETUP_CONSUME] =
	    "UPDATE staff_accounts SET setup_hash = NULL, setup_expires_ms = NULL"
	    " WHERE setup_hash = ?1 AND setup_expires_ms > ?2 RETURNING id",
	[SS_SESSION_CREATE] =
	    "INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_ms,"
	    " last_seen_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
	[SS_SESSION_GET] =
	    "SELECT staff_id, csrf, created_ms, last_seen_ms, expires_ms"
	    " FROM staff_sessions WHERE token_hash = ?1 AND expires_ms > ?2"
	    " AND last_seen_ms + ?3 > ?2",
	[SS_SESSION_TOUCH] =
	    "UPDATE staff_sessions SET last_seen_ms = ?2 WHERE token_hash = ?1",
	[SS_SESSION_DELETE] = "DELETE FROM staff_sessions WHERE token_hash = ?1",
	[SS_AUDIT_ADD] =
	    "INSERT INTO staff_audit (ts_ms, staff_id, role, student, school, action,"
	    " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SS_AUDIT_LIST] =
	    "SELECT id, ts_ms, staff_id, role, student, school, action, reason"
	    " FROM staff_audit ORDER BY ts_ms DESC, id DESC LIMIT ?1",
	/* Four small scans, no join: the report joins them to the roster in memory. */
	[SS_MARKS] =
	    "SELECT guardian_id, 'e' FROM guardian_accounts"
	    " UNION ALL SELECT DISTINCT guardian_id, 'i' FROM guardian_invites"
	    "  WHERE used_ms IS NULL AND expires_ms > ?2"
	    " UNION ALL SELECT guardian_id, 'a' FROM aup_acks WHERE version = ?1"
	    " UNION ALL SELECT DISTINCT actor, 'l' FROM audit"
	    "  WHERE action IN ('login', 'enrol') AND ts_ms >= ?3",
};

/* ---- one executor for both backends -------------------------------- */

#define SS_PMAX	8
enum ss_type { SS_T_TEXT, SS_T_INT, SS_T_HASH, SS_T_LIMIT };

struct ss_p {
	int		 n;
	enum ss_type	 type[SS_PMAX];
	const char	*t[SS_PMAX];
	int64_t		 i[SS_PMAX];
	const uint8_t	*b[SS_PMAX];
};

static void
ss_text(struct ss_p *p, const char *t)
{
	p->type[p->n] = SS_T_TEXT;
	p->t[p->n++] = t;
}

static void
ss_int(struct ss_p *p, int64_t v)
{
	p->type[p->n] = SS_T_INT;
	p->i[p->n++] = v;
}

static void
ss_hash(struct ss_p *p, const uint8_t *b)
{
	p->type[p->n] = SS_T_HASH;
	p->b[p->n++] = b;
}

/* A LIMIT: 0 means none (SQLite -1, PostgreSQL NULL). */
static void
ss_limit(struct ss_p *p, size_t limit)
{
	p->type[p->n] = SS_T_LIMIT;
	p->i[p->n++] = limit == 0 || limit > (size_t)INT64_MAX ? 0 : (int64_t)limit;
}

struct ss_row {
	sqlite3_stmt	*st;
	const PGresult	*r;
};

static const char *
ss_col(const struct ss_row *row, int i)
{
	if (row->st != NULL)
		return (const char *)sqlite3_column_text(row->st, i);
	return store_pg_text(row->r, i);
}

static int64_t
ss_icol(const struct ss_row *row, int i)
{
	if (row->st != NULL)
		return sqlite3_column_int64(row->st, i);
	return store_pg_int(row->r, i);
}

struct ss_pgrow {
	int	(*row)(const struct ss_row *, void *);
	void	*arg;
};

static int
ss_pg_row(const PGresult *r, void *arg)
{
	struct ss_pgrow		*a = arg;
	struct ss_row		 row = { NULL, r };

	return a->row(&row, a->arg);
}

static int64_t
ss_exec_pg(struct store *s, enum staff_st id, const char *fn, const struct ss_p *p,
    int (*row)(const struct ss_row *, void *), void *arg, int64_t *changed,
    char *err, size_t errlen)
{
	struct store_pgp	 q;
	struct ss_pgrow		 a = { row, arg };
	char			 sql[1024];
	int64_t			 n = 0;

	if (hp_strlcpy(sql, staff_sql[id], sizeof(sql)) >= sizeof(sql))
		return store_bad(s, fn, err, errlen);
	for (char *c = sql; *c != '\0'; c++)
		if (*c == '?')
			*c = '$';
	memset(&q, 0, sizeof(q));
	for (int k = 0; k < p->n; k++)
		switch (p->type[k]) {
		case SS_T_TEXT:
			store_pgp_text(&q, p->t[k]);
			break;
		case SS_T_INT:
			store_pgp_int(&q, p->i[k]);
			break;
		case SS_T_HASH:
			store_pgp_bytes(&q, p->b[k], STORE_HASH_LEN);
			break;
		case SS_T_LIMIT:
			store_pgp_limit(&q, (size_t)p->i[k]);
			break;
		}
	if (row != NULL)
		return store_pg_rows(s, STORE_PG_STAFF_BASE + (int)id, sql, &q, ss_pg_row,
		    &a, fn, err, errlen);
	if (store_pg_run(s, STORE_PG_STAFF_BASE + (int)id, sql, &q, &n, fn, err,
	    errlen) == -1)
		return -1;
	if (changed != NULL)
		*changed = n;
	return 0;
}

/*
 * Runs statement id with p's values: rows go to row() (nonzero stops),
 * *changed gets the rows a write touched.  Returns rows passed, or -1.
 */
static int64_t
ss_exec(struct store *s, enum staff_st id, const char *fn, const struct ss_p *p,
    int (*row)(const struct ss_row *, void *), void *arg, int64_t *changed,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	struct ss_row	 r;
	int64_t		 n = 0;
	int		 rc = SQLITE_OK;

	if (s == NULL)
		return store_bad(s, fn, err, errlen);
	if (s->pg != NULL)
		return ss_exec_pg(s, id, fn, p, row, arg, changed, err, errlen);
	if (sqlite3_prepare_v2(s->db, staff_sql[id], -1, &st, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, fn);
		return -1;
	}
	for (int k = 0; k < p->n && rc == SQLITE_OK; k++)
		switch (p->type[k]) {
		case SS_T_TEXT:
			rc = store_bind_text(st, k + 1, p->t[k]);
			break;
		case SS_T_INT:
			rc = sqlite3_bind_int64(st, k + 1, p->i[k]);
			break;
		case SS_T_HASH:
			rc = sqlite3_bind_blob(st, k + 1, p->b[k], STORE_HASH_LEN,
			    SQLITE_STATIC);
			break;
		case SS_T_LIMIT:
			rc = sqlite3_bind_int64(st, k + 1, p->i[k] == 0 ? -1 : p->i[k]);
			break;
		}
	if (rc != SQLITE_OK) {
		store_dberr(s, err, errlen, fn);
		sqlite3_finalize(st);
		return -1;
	}
	r.st = st;
	r.r = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (row != NULL && row(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, fn);
		sqlite3_finalize(st);
		return -1;
	}
	if (changed != NULL)
		*changed = sqlite3_changes64(s->db);
	sqlite3_finalize(st);
	return n;
}

static int
ss_begin(struct store *s, char *err, size_t errlen)
{
	return s->pg != NULL ? store_pg_begin(s, err, errlen) :
	    store_begin(s, err, errlen);
}

static int
ss_commit(struct store *s, char *err, size_t errlen)
{
	return s->pg != NULL ? store_pg_commit(s, err, errlen) :
	    store_commit(s, err, errlen);
}

static void
ss_rollback(struct store *s)
{
	if (s->pg != NULL)
		store_pg_rollback(s);
	else
		store_rollback(s);
}

/* ---- accounts ------------------------------------------------------- */

int
store_staff_add(struct store *s, const char *id, const char *role,
    const char *schools, int64_t now_ms, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };
	int64_t		 ch = 0;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (id == NULL || *id == '\0' || role == NULL || schools == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_text(&p, id);
	ss_text(&p, role);
	ss_text(&p, schools);
	ss_int(&p, now_ms);
	if (ss_exec(s, SS_ADD, __func__, &p, NULL, NULL, &ch, err, errlen) == -1)
		return -1;
	return ch == 0 ? 1 : 0;
}

struct ss_get_arg {
	struct store_staff	*out;
	char			*pw_hash;
	size_t			 len;
	int			 toolong;
	int			 (*cb)(const struct store_staff *, void *);
	void			*arg;
};

static int
ss_get_row(const struct ss_row *r, void *arg)
{
	struct ss_get_arg	*a = arg;
	struct store_staff	 one, *o = a->out != NULL ? a->out : &one;
	const char		*pw = ss_col(r, 3);

	memset(o, 0, sizeof(*o));
	if (hp_strlcpy(o->id, ss_col(r, 0) ? ss_col(r, 0) : "", sizeof(o->id)) >=
	    sizeof(o->id) || hp_strlcpy(o->role, ss_col(r, 1) ? ss_col(r, 1) : "",
	    sizeof(o->role)) >= sizeof(o->role) || hp_strlcpy(o->schools,
	    ss_col(r, 2) ? ss_col(r, 2) : "", sizeof(o->schools)) >= sizeof(o->schools))
		a->toolong = 1;
	o->has_password = pw != NULL && *pw != '\0';
	o->has_setup = ss_icol(r, 4) != 0;
	o->created_ms = ss_icol(r, 5);
	if (a->pw_hash != NULL && hp_strlcpy(a->pw_hash, pw ? pw : "", a->len) >= a->len)
		a->toolong = 1;
	return a->cb != NULL ? a->cb(o, a->arg) : 0;
}

int
store_staff_get(struct store *s, const char *id, struct store_staff *out,
    char *pw_hash, size_t len, char *err, size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_get_arg	 a;
	int64_t			 n;

	if (id == NULL || out == NULL || (pw_hash != NULL && len == 0))
		return store_bad(s, __func__, err, errlen);
	memset(&a, 0, sizeof(a));
	a.out = out;
	a.pw_hash = pw_hash;
	a.len = len;
	ss_text(&p, id);
	if ((n = ss_exec(s, SS_GET, __func__, &p, ss_get_row, &a, NULL, err,
	    errlen)) == -1)
		return -1;
	if (n == 0)
		return 1;
	/* A row this code did not write: no account rather than a truncated one. */
	return a.toolong ? 1 : 0;
}

int64_t
store_staff_list(struct store *s, int (*cb)(const struct store_staff *, void *),
    void *arg, char *err, size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_get_arg	 a;

	if (cb == NULL)
		return store_bad(s, __func__, err, errlen);
	memset(&a, 0, sizeof(a));
	a.cb = cb;
	a.arg = arg;
	return ss_exec(s, SS_LIST, __func__, &p, ss_get_row, &a, NULL, err, errlen);
}

/* A write of text ?1 (and more); 0 done, 1 no such row, -1 error. */
static int
ss_write(struct store *s, enum staff_st id, const char *fn, const struct ss_p *p,
    char *err, size_t errlen)
{
	int64_t	 ch = 0;

	if (store_writable(s, fn, err, errlen) == -1)
		return -1;
	if (p->t[0] == NULL || *p->t[0] == '\0')
		return store_bad(s, fn, err, errlen);
	if (ss_exec(s, id, fn, p, NULL, NULL, &ch, err, errlen) == -1)
		return -1;
	return ch == 0 ? 1 : 0;
}

int
store_staff_remove(struct store *s, const char *id, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };

	ss_text(&p, id);
	/* staff_sessions go with it (ON DELETE CASCADE). */
	return ss_write(s, SS_REMOVE, __func__, &p, err, errlen);
}

int
store_staff_set_password(struct store *s, const char *id, const char *pw_hash,
    int64_t now_ms, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 }, q = { .n = 0 };
	int		 rc;

	if (pw_hash == NULL || *pw_hash == '\0')
		return store_bad(s, __func__, err, errlen);
	ss_text(&p, id);
	ss_text(&p, pw_hash);
	ss_int(&p, now_ms);
	ss_text(&q, id);
	if (store_writable(s, __func__, err, errlen) == -1 ||
	    ss_begin(s, err, errlen) == -1)
		return -1;
	/* A new password ends every session the old one opened. */
	if ((rc = ss_write(s, SS_SET_PASSWORD, __func__, &p, err, errlen)) != 0 ||
	    (rc = ss_exec(s, SS_SESSIONS_DELETE_STAFF, __func__, &q, NULL, NULL, NULL,
	    err, errlen) == -1 ? -1 : 0) != 0) {
		ss_rollback(s);
		return rc;
	}
	return ss_commit(s, err, errlen);
}

int
store_staff_set_setup(struct store *s, const char *id,
    const uint8_t code_hash[STORE_HASH_LEN], int64_t expires_ms, char *err,
    size_t errlen)
{
	struct ss_p	 p = { .n = 0 };

	if (code_hash == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_text(&p, id);
	ss_hash(&p, code_hash);
	ss_int(&p, expires_ms);
	return ss_write(s, SS_SET_SETUP, __func__, &p, err, errlen);
}

struct ss_id_arg {
	char	*id;
	size_t	 len;
	int	 toolong;
};

static int
ss_id_row(const struct ss_row *r, void *arg)
{
	struct ss_id_arg	*a = arg;
	const char		*v = ss_col(r, 0);

	if (hp_strlcpy(a->id, v ? v : "", a->len) >= a->len)
		a->toolong = 1;
	return 0;
}

int
store_staff_setup_consume(struct store *s, const uint8_t code_hash[STORE_HASH_LEN],
    int64_t now_ms, char *id, size_t len, char *err, size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_id_arg	 a = { id, len, 0 };
	int64_t			 n;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (code_hash == NULL || id == NULL || len == 0)
		return store_bad(s, __func__, err, errlen);
	ss_hash(&p, code_hash);
	ss_int(&p, now_ms);
	if ((n = ss_exec(s, SS_SETUP_CONSUME, __func__, &p, ss_id_row, &a, NULL, err,
	    errlen)) == -1)
		return -1;
	return n == 1 && !a.toolong ? 0 : 1;
}

/* ---- sessions ------------------------------------------------------- */

int
store_staff_session_create(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    const char *staff_id, const uint8_t csrf[STORE_CSRF_LEN], int64_t now_ms,
    int64_t expires_ms, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };
	char		 hex[2 * STORE_CSRF_LEN + 1];
	static const char digits[] = "0123456789abcdef";

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (token_hash == NULL || staff_id == NULL || csrf == NULL ||
	    expires_ms <= now_ms)
		return store_bad(s, __func__, err, errlen);
	/* Kept as hex text: both backends read it back the same way. */
	for (size_t k = 0; k < STORE_CSRF_LEN; k++) {
		hex[2 * k] = digits[csrf[k] >> 4];
		hex[2 * k + 1] = digits[csrf[k] & 15];
	}
	hex[2 * STORE_CSRF_LEN] = '\0';
	ss_hash(&p, token_hash);
	ss_text(&p, staff_id);
	ss_text(&p, hex);
	ss_int(&p, now_ms);
	ss_int(&p, expires_ms);
	return ss_exec(s, SS_SESSION_CREATE, __func__, &p, NULL, NULL, NULL, err,
	    errlen) == -1 ? -1 : 0;
}

static int
ss_unhex(const char *h, uint8_t *out, size_t n)
{
	if (h == NULL || strlen(h) != 2 * n)
		return -1;
	for (size_t k = 0; k < 2 * n; k++) {
		int	 c = h[k], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (k % 2 == 0)
			out[k / 2] = (uint8_t)(v << 4);
		else
			out[k / 2] = (uint8_t)(out[k / 2] | v);
	}
	return 0;
}

struct ss_sess_arg {
	struct store_staff_session	*out;
	int				 bad;
};

static int
ss_sess_row(const struct ss_row *r, void *arg)
{
	struct ss_sess_arg	*a = arg;
	const char		*id = ss_col(r, 0);

	if (id == NULL || hp_strlcpy(a->out->staff_id, id, sizeof(a->out->staff_id)) >=
	    sizeof(a->out->staff_id) || ss_unhex(ss_col(r, 1), a->out->csrf,
	    STORE_CSRF_LEN) == -1)
		a->bad = 1;
	a->out->created_ms = ss_icol(r, 2);
	a->out->last_seen_ms = ss_icol(r, 3);
	a->out->expires_ms = ss_icol(r, 4);
	return 0;
}

int
store_staff_session_get(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, int64_t idle_ms, struct store_staff_session *out, char *err,
    size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_sess_arg	 a = { out, 0 };
	int64_t			 n;

	if (token_hash == NULL || out == NULL || idle_ms <= 0)
		return store_bad(s, __func__, err, errlen);
	memset(out, 0, sizeof(*out));
	ss_hash(&p, token_hash);
	ss_int(&p, now_ms);
	ss_int(&p, idle_ms);
	if ((n = ss_exec(s, SS_SESSION_GET, __func__, &p, ss_sess_row, &a, NULL, err,
	    errlen)) == -1)
		return -1;
	return n == 1 && !a.bad ? 0 : 1;
}

int
store_staff_session_touch(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (token_hash == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_hash(&p, token_hash);
	ss_int(&p, now_ms);
	return ss_exec(s, SS_SESSION_TOUCH, __func__, &p, NULL, NULL, NULL, err,
	    errlen) == -1 ? -1 : 0;
}

int
store_staff_session_delete(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (token_hash == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_hash(&p, token_hash);
	return ss_exec(s, SS_SESSION_DELETE, __func__, &p, NULL, NULL, NULL, err,
	    errlen) == -1 ? -1 : 0;
}

/* ---- the audit ------------------------------------------------------ */

int
store_staff_audit_add(struct store *s, int64_t ts_ms, const char *staff_id,
    const char *role, const char *student, const char *school, const char *action,
    const char *reason, char *err, size_t errlen)
{
	struct ss_p	 p = { .n = 0 };

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (staff_id == NULL || *staff_id == '\0' || role == NULL || student == NULL ||
	    *student == '\0' || action == NULL || reason == NULL || *reason == '\0')
		return store_bad(s, __func__, err, errlen);
	ss_int(&p, ts_ms);
	ss_text(&p, staff_id);
	ss_text(&p, role);
	ss_text(&p, student);
	ss_text(&p, school != NULL && *school != '\0' ? school : NULL);
	ss_text(&p, action);
	ss_text(&p, reason);
	return ss_exec(s, SS_AUDIT_ADD, __func__, &p, NULL, NULL, NULL, err,
	    errlen) == -1 ? -1 : 0;
}

struct ss_audit_arg {
	int	(*cb)(const struct store_staff_audit *, void *);
	void	*arg;
};

static int
ss_audit_row(const struct ss_row *r, void *arg)
{
	struct ss_audit_arg		*a = arg;
	struct store_staff_audit	 e;

	e.id = ss_icol(r, 0);
	e.ts_ms = ss_icol(r, 1);
	e.staff_id = ss_col(r, 2);
	e.role = ss_col(r, 3);
	e.student = ss_col(r, 4);
	e.school = ss_col(r, 5);
	e.action = ss_col(r, 6);
	e.reason = ss_col(r, 7);
	return a->cb(&e, a->arg);
}

int64_t
store_staff_audit_list(struct store *s, size_t limit,
    int (*cb)(const struct store_staff_audit *, void *), void *arg, char *err,
    size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_audit_arg	 a = { cb, arg };

	if (cb == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_limit(&p, limit);
	return ss_exec(s, SS_AUDIT_LIST, __func__, &p, ss_audit_row, &a, NULL, err,
	    errlen);
}

/* ---- the engagement report's marks --------------------------------- */

struct ss_mark_arg {
	int	(*cb)(const char *, int, void *);
	void	*arg;
};

static int
ss_mark_row(const struct ss_row *r, void *arg)
{
	struct ss_mark_arg	*a = arg;
	const char		*g = ss_col(r, 0), *m = ss_col(r, 1);

	if (g == NULL || m == NULL)
		return 0;
	return a->cb(g, m[0], a->arg);
}

int64_t
store_engagement_marks(struct store *s, long aup_version, int64_t now_ms,
    int64_t active_since_ms, int (*cb)(const char *, int, void *), void *arg,
    char *err, size_t errlen)
{
	struct ss_p		 p = { .n = 0 };
	struct ss_mark_arg	 a = { cb, arg };

	if (cb == NULL)
		return store_bad(s, __func__, err, errlen);
	ss_int(&p, aup_version);
	ss_int(&p, now_ms);
	ss_int(&p, active_since_ms);
	return ss_exec(s, SS_MARKS, __func__, &p, ss_mark_row, &a, NULL, err, errlen);
}
