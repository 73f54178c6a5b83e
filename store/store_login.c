/* store_login: guardians' chosen sign-in names and languages (table guardian_logins) on both backends, with fixed statements. */
#include "store_login.h"

#include <string.h>

#include "hp_err.h"
#include "store_impl.h"

enum { PGL_FIND = STORE_PG_LOGIN_BASE, PGL_GET, PGL_OTHER, PGL_SET, PGL_PEEK,
	PGL__MAX };
_Static_assert(PGL__MAX <= STORE_PG_ST_MAX, "raise STORE_PG_ST_MAX in store_impl.h");

/* The texts, as $n for PostgreSQL; SQLite reads $n as a numbered parameter too. */
static const char *const login_sql[PGL__MAX - STORE_PG_LOGIN_BASE] = {
	[PGL_FIND - STORE_PG_LOGIN_BASE] =
	    "SELECT guardian_id FROM guardian_logins WHERE login = $1",
	[PGL_GET - STORE_PG_LOGIN_BASE] =
	    "SELECT login, lang FROM guardian_logins WHERE guardian_id = $1",
	[PGL_OTHER - STORE_PG_LOGIN_BASE] =
	    "SELECT guardian_id FROM guardian_logins WHERE login = $1"
	    " AND guardian_id <> $2",
	[PGL_SET - STORE_PG_LOGIN_BASE] =
	    "INSERT INTO guardian_logins (guardian_id, login, lang, updated_ms)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT (guardian_id) DO UPDATE SET"
	    " login = coalesce(excluded.login, guardian_logins.login),"
	    " lang = coalesce(excluded.lang, guardian_logins.lang),"
	    " updated_ms = excluded.updated_ms",
	[PGL_PEEK - STORE_PG_LOGIN_BASE] =
	    "SELECT guardian_id FROM guardian_invites WHERE code_hash = $1"
	    " AND used_ms IS NULL AND expires_ms > $2",
};
#define LSQL(id)	(login_sql[(id) - STORE_PG_LOGIN_BASE])

/* Parameters: texts (NULL: SQL NULL), then an integer, then a blob, as each statement needs. */
struct login_args {
	const char	*t[3];
	int		 nt;
	int64_t		 i;
	int		 has_i;
	const uint8_t	*b;
};

/*
 * Runs id and copies up to two text columns of its one row into out1/out2
 * (NULL or "" for SQL NULL).  0 a row, 1 none, -1 error.
 */
static int
login_query(struct store *s, int id, const struct login_args *a, char *out1,
    size_t len1, char *out2, size_t len2, const char *what, char *err,
    size_t errlen)
{
	const char	*v[2] = { NULL, NULL };
	char		*outs[2] = { out1, out2 };
	size_t		 lens[2] = { len1, len2 };
	int		 rc = 1, ncol = 0;

	if (s->pg != NULL) {
		struct store_pgp	 p;
		PGresult		*r;

		memset(&p, 0, sizeof(p));
		if (a->b != NULL)
			store_pgp_bytes(&p, a->b, 32);
		for (int k = 0; k < a->nt; k++)
			store_pgp_text(&p, a->t[k]);
		if (a->has_i)
			store_pgp_int(&p, a->i);
		if ((r = store_pg_exec(s, id, LSQL(id), &p, what, err, errlen)) == NULL)
			return -1;
		if (PQntuples(r) > 0) {
			ncol = PQnfields(r);
			for (int k = 0; k < 2 && k < ncol; k++)
				v[k] = store_pg_text(r, k);
			rc = 0;
			for (int k = 0; k < 2; k++) {
				size_t	 n = v[k] ? strlen(v[k]) : 0;

				if (outs[k] == NULL)
					continue;
				if (n >= lens[k]) {
					hp_errf(err, errlen, "%s: %s: value does not fit",
					    s->path, what);
					rc = -1;
					break;
				}
				memcpy(outs[k], v[k] ? v[k] : "", n + 1);
			}
		}
		PQclear(r);
		return rc;
	} else {
		sqlite3_stmt	*st = NULL;
		int		 k = 1, step;

		if (sqlite3_prepare_v2(s->db, LSQL(id), -1, &st, NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, what);
			return -1;
		}
		if (a->b != NULL && sqlite3_bind_blob(st, k++, a->b, 32,
		    SQLITE_STATIC) != SQLITE_OK)
			goto dberr;
		for (int j = 0; j < a->nt; j++)
			if (store_bind_text(st, k++, a->t[j]) != SQLITE_OK)
				goto dberr;
		if (a->has_i && sqlite3_bind_int64(st, k, a->i) != SQLITE_OK)
			goto dberr;
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			ncol = sqlite3_column_count(st);
			rc = 0;
			for (int j = 0; j < 2; j++) {
				const char	*t = j < ncol ?
				    (const char *)sqlite3_column_text(st, j) : NULL;
				size_t		 n = t ? strlen(t) : 0;

				if (outs[j] == NULL)
					continue;
				if (n >= lens[j]) {
					hp_errf(err, errlen, "%s: %s: value does not fit",
					    s->path, what);
					rc = -1;
					break;
				}
				memcpy(outs[j], t ? t : "", n + 1);
			}
		} else if (step != SQLITE_DONE)
			goto dberr;
		sqlite3_finalize(st);
		return rc;
dberr:
		store_dberr(s, err, errlen, what);
		sqlite3_finalize(st);
		return -1;
	}
}

int
store_login_set(struct store *s, const char *guardian_id, const char *login,
    const char *lang, int64_t now_ms, char *err, size_t errlen)
{
	struct login_args	 a;
	int			 rc;

	if (store_writable(s, "store_login_set", err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || *guardian_id == '\0' ||
	    (login != NULL && *login == '\0') || (lang != NULL && *lang == '\0'))
		return store_bad(s, "store_login_set", err, errlen);
	memset(&a, 0, sizeof(a));
	if (login != NULL) {
		a.t[0] = login;
		a.t[1] = guardian_id;
		a.nt = 2;
		if ((rc = login_query(s, PGL_OTHER, &a, NULL, 0, NULL, 0,
		    "store_login_set", err, errlen)) != 1)
			return rc == 0 ? 1 : -1;
	}
	a.t[0] = guardian_id;
	a.t[1] = login;
	a.t[2] = lang;
	a.nt = 3;
	a.i = now_ms;
	a.has_i = 1;
	rc = login_query(s, PGL_SET, &a, NULL, 0, NULL, 0, "store_login_set", err,
	    errlen);
	return rc == -1 ? -1 : 0;
}

int
store_login_find(struct store *s, const char *login, char *guardian_out,
    size_t outlen, char *err, size_t errlen)
{
	struct login_args	 a;

	if (s == NULL || login == NULL || guardian_out == NULL || outlen == 0)
		return store_bad(s, "store_login_find", err, errlen);
	memset(&a, 0, sizeof(a));
	a.t[0] = login;
	a.nt = 1;
	return login_query(s, PGL_FIND, &a, guardian_out, outlen, NULL, 0,
	    "store_login_find", err, errlen);
}

int
store_login_get(struct store *s, const char *guardian_id, char *login,
    size_t loginlen, char *lang, size_t langlen, char *err, size_t errlen)
{
	struct login_args	 a;

	if (s == NULL || guardian_id == NULL)
		return store_bad(s, "store_login_get", err, errlen);
	memset(&a, 0, sizeof(a));
	a.t[0] = guardian_id;
	a.nt = 1;
	return login_query(s, PGL_GET, &a, login, loginlen, lang, langlen,
	    "store_login_get", err, errlen);
}

int
store_invite_peek(struct store *s, const uint8_t code_hash[32], int64_t now_ms,
    char *guardian_out, size_t outlen, char *err, size_t errlen)
{
	struct login_args	 a;

	if (s == NULL || code_hash == NULL || guardian_out == NULL || outlen == 0)
		return store_bad(s, "store_invite_peek", err, errlen);
	memset(&a, 0, sizeof(a));
	a.b = code_hash;
	a.i = now_ms;
	a.has_i = 1;
	return login_query(s, PGL_PEEK, &a, guardian_out, outlen, NULL, 0,
	    "store_invite_peek", err, errlen);
}
