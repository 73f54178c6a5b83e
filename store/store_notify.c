/* store_notify: guardians' e-mail preferences and the sent log, on SQLite and PostgreSQL. */
#include "store_notify.h"

#include <stdio.h>
#include <string.h>

#include "hp_err.h"
#include "store_impl.h"

/* STORE_PG_NOTIFY_BASE + 4 is store_student.c's delete of a child's sent-log rows. */
enum { PGST_PREFS_GET = STORE_PG_NOTIFY_BASE, PGST_PREFS_SET, PGST_SENT_GET,
	PGST_SENT_ADD, PGST_STUDENT_DEL, PGST__MAX };
_Static_assert(PGST__MAX <= STORE_PG_ST_MAX, "raise STORE_PG_ST_MAX in store_impl.h");

static const char *const notify_names[] = { "weekly", "daily", "none" };

const char *
store_notify_digest_name(enum store_notify_digest d)
{
	return (unsigned)d < 3 ? notify_names[d] : "none";
}

int
store_notify_digest_parse(const char *s)
{
	for (int i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, notify_names[i]) == 0)
			return i;
	return -1;
}

/* The SQL, with PostgreSQL's $n placeholders; SQLite reads $n as a numbered parameter too. */
static const char *const notify_sql_prefs_get =
	"SELECT digest, alert_threshold, updated_ms FROM notify_prefs"
	" WHERE guardian_id = $1";
static const char *const notify_sql_prefs_set =
	"INSERT INTO notify_prefs (guardian_id, digest, alert_threshold, updated_ms)"
	" VALUES ($1, $2, $3, $4) ON CONFLICT (guardian_id) DO UPDATE SET"
	" digest = excluded.digest, alert_threshold = excluded.alert_threshold,"
	" updated_ms = excluded.updated_ms";
static const char *const notify_sql_sent_get =
	"SELECT 1 FROM notify_sent WHERE guardian_id = $1 AND kind = $2"
	" AND period = $3 AND student = $4";
static const char *const notify_sql_sent_add =
	"INSERT INTO notify_sent (guardian_id, kind, period, student, sent_ms)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

static int
notify_id_ok(const char *s, size_t max)
{
	return s != NULL && *s != '\0' && strlen(s) <= max;
}

static sqlite3_stmt *
notify_prepare(struct store *s, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "prepare notify");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int
store_notify_prefs_get(struct store *s, const char *gid,
    struct store_notify_prefs *out, char *err, size_t errlen)
{
	int	 rc, d;

	if (s == NULL || out == NULL || !notify_id_ok(gid, 128))
		return store_bad(s, "store_notify_prefs_get", err, errlen);
	out->digest = STORE_NOTIFY_WEEKLY;
	out->alert_threshold = 0;
	out->updated_ms = 0;
	if (s->pg != NULL) {
		struct store_pgp	 p;
		PGresult		*r;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, gid);
		if ((r = store_pg_exec(s, PGST_PREFS_GET, notify_sql_prefs_get, &p,
		    "read notification preferences", err, errlen)) == NULL)
			return -1;
		rc = 1;
		if (PQntuples(r) == 1) {
			d = store_notify_digest_parse(PQgetvalue(r, 0, 0));
			out->digest = d < 0 ? STORE_NOTIFY_NONE : (enum store_notify_digest)d;
			out->alert_threshold = (int)store_pg_int(r, 1);
			out->updated_ms = store_pg_int(r, 2);
			rc = 0;
		}
		PQclear(r);
		return rc;
	}
	sqlite3_stmt *st = notify_prepare(s, notify_sql_prefs_get, err, errlen);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, gid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d = store_notify_digest_parse((const char *)sqlite3_column_text(st, 0));
		out->digest = d < 0 ? STORE_NOTIFY_NONE : (enum store_notify_digest)d;
		out->alert_threshold = sqlite3_column_int(st, 1);
		out->updated_ms = sqlite3_column_int64(st, 2);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = 1;
	else {
		store_dberr(s, err, errlen, "read notification preferences");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_notify_prefs_set(struct store *s, const char *gid,
    const struct store_notify_prefs *pr, int64_t now_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s == NULL || pr == NULL || !notify_id_ok(gid, 128) ||
	    (unsigned)pr->digest > STORE_NOTIFY_NONE || pr->alert_threshold < 0 ||
	    pr->alert_threshold > STORE_NOTIFY_THRESHOLD_MAX)
		return store_bad(s, "store_notify_prefs_set", err, errlen);
	if (store_writable(s, "store_notify_prefs_set", err, errlen) == -1)
		return -1;
	if (s->pg != NULL) {
		struct store_pgp p;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, gid);
		store_pgp_text(&p, store_notify_digest_name(pr->digest));
		store_pgp_int(&p, pr->alert_threshold);
		store_pgp_int(&p, now_ms);
		return store_pg_run(s, PGST_PREFS_SET, notify_sql_prefs_set, &p, NULL,
		    "save notification preferences", err, errlen);
	}
	if ((st = notify_prepare(s, notify_sql_prefs_set, err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, gid);
	store_bind_text(st, 2, store_notify_digest_name(pr->digest));
	sqlite3_bind_int(st, 3, pr->alert_threshold);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = store_run(s, st, "save notification preferences", err, errlen);
	sqlite3_finalize(st);
	return rc;
}

static int
notify_sent_args_ok(const char *gid, const char *kind, const char *period,
    const char *student)
{
	return notify_id_ok(gid, 128) && notify_id_ok(kind, 16) &&
	    notify_id_ok(period, 32) && student != NULL && strlen(student) <= 128;
}

int
store_notify_sent(struct store *s, const char *gid, const char *kind,
    const char *period, const char *student, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s == NULL || !notify_sent_args_ok(gid, kind, period, student))
		return store_bad(s, "store_notify_sent", err, errlen);
	if (s->pg != NULL) {
		struct store_pgp	 p;
		PGresult		*r;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, gid);
		store_pgp_text(&p, kind);
		store_pgp_text(&p, period);
		store_pgp_text(&p, student);
		if ((r = store_pg_exec(s, PGST_SENT_GET, notify_sql_sent_get, &p,
		    "read the sent log", err, errlen)) == NULL)
			return -1;
		rc = PQntuples(r) > 0 ? 0 : 1;
		PQclear(r);
		return rc;
	}
	if ((st = notify_prepare(s, notify_sql_sent_get, err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, gid);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, period);
	store_bind_text(st, 4, student);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = 0;
	else if (rc == SQLITE_DONE)
		rc = 1;
	else {
		store_dberr(s, err, errlen, "read the sent log");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_notify_sent_add(struct store *s, const char *gid, const char *kind,
    const char *period, const char *student, int64_t now_ms, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s == NULL || !notify_sent_args_ok(gid, kind, period, student))
		return store_bad(s, "store_notify_sent_add", err, errlen);
	if (store_writable(s, "store_notify_sent_add", err, errlen) == -1)
		return -1;
	if (s->pg != NULL) {
		struct store_pgp p;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, gid);
		store_pgp_text(&p, kind);
		store_pgp_text(&p, period);
		store_pgp_text(&p, student);
		store_pgp_int(&p, now_ms);
		return store_pg_run(s, PGST_SENT_ADD, notify_sql_sent_add, &p, NULL,
		    "record a sent message", err, errlen);
	}
	if ((st = notify_prepare(s, notify_sql_sent_add, err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, gid);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, period);
	store_bind_text(st, 4, student);
	sqlite3_bind_int64(st, 5, now_ms);
	rc = store_run(s, st, "record a sent message", err, errlen);
	sqlite3_finalize(st);
	return rc;
}
