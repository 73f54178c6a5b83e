/* store_home: guardian_controls on both backends — read by student or all, one row set, or the whole table replaced by the district's copy. */
#include <stdlib.h>
#include <string.h>

#include "hp_err.h"
#include "store_home.h"
#include "store_impl.h"

enum { PGST_HOME_ALL = STORE_PG_HOME_BASE, PGST_HOME_ONE, PGST_HOME_SET, PGST_HOME_CLEAR,
	PGST__MAX };
_Static_assert(PGST__MAX <= STORE_PG_ST_MAX, "raise STORE_PG_ST_MAX in store_impl.h");

#define HOME_COLS "SELECT student, guardian_id, pause_until_ms, bed_from, bed_to," \
		  " categories, updated_ms FROM guardian_controls"

static const char *const home_sql_all = HOME_COLS " ORDER BY student";
static const char *const home_sql_one_sqlite = HOME_COLS " WHERE student = ?1";
static const char *const home_sql_one_pg = HOME_COLS " WHERE student = $1::text";
static const char *const home_sql_set_sqlite =
	"INSERT INTO guardian_controls (student, guardian_id, pause_until_ms, bed_from,"
	" bed_to, categories, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT (student) DO UPDATE SET guardian_id = excluded.guardian_id,"
	" pause_until_ms = excluded.pause_until_ms, bed_from = excluded.bed_from,"
	" bed_to = excluded.bed_to, categories = excluded.categories,"
	" updated_ms = excluded.updated_ms";
static const char *const home_sql_set_pg =
	"INSERT INTO guardian_controls (student, guardian_id, pause_until_ms, bed_from,"
	" bed_to, categories, updated_ms) VALUES ($1::text, $2::text, $3::bigint,"
	" $4::integer, $5::integer, $6::text, $7::bigint)"
	" ON CONFLICT (student) DO UPDATE SET guardian_id = excluded.guardian_id,"
	" pause_until_ms = excluded.pause_until_ms, bed_from = excluded.bed_from,"
	" bed_to = excluded.bed_to, categories = excluded.categories,"
	" updated_ms = excluded.updated_ms";
static const char *const home_sql_clear = "DELETE FROM guardian_controls";

static int
home_valid(const struct store *s, const struct store_home *h, char *err, size_t errlen)
{
	if (h->student == NULL || *h->student == '\0' || strlen(h->student) > 79 ||
	    h->guardian == NULL || *h->guardian == '\0' || strlen(h->guardian) > 79 ||
	    h->bed_from < -1 || h->bed_from > 1439 || h->bed_to < -1 ||
	    h->bed_to > 1439 || h->pause_until_ms < 0 ||
	    (h->categories != NULL && strlen(h->categories) > 511))
		return store_bad(s, "store_home_set", err, errlen);
	return 0;
}

struct home_pg_arg {
	int	(*cb)(const struct store_home *, void *);
	void	*arg;
};

static int
home_pg_row(const PGresult *r, void *arg)
{
	struct home_pg_arg	*a = arg;
	struct store_home	 h;

	h.student = store_pg_text(r, 0);
	h.guardian = store_pg_text(r, 1);
	h.pause_until_ms = store_pg_int(r, 2);
	h.bed_from = (int)store_pg_int(r, 3);
	h.bed_to = (int)store_pg_int(r, 4);
	h.categories = store_pg_text(r, 5);
	h.updated_ms = store_pg_int(r, 6);
	return a->cb(&h, a->arg);
}

int64_t
store_home_list(struct store *s, const char *student,
    int (*cb)(const struct store_home *, void *), void *arg, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 n = 0;
	int		 rc;

	if (s == NULL)
		return -1;
	if (cb == NULL || (student != NULL && *student == '\0'))
		return store_bad(s, "store_home_list", err, errlen);
	if (s->pg != NULL) {
		struct home_pg_arg	 a = { cb, arg };
		struct store_pgp	 p;

		memset(&p, 0, sizeof(p));
		if (student != NULL)
			store_pgp_text(&p, student);
		return store_pg_rows(s, student != NULL ? PGST_HOME_ONE : PGST_HOME_ALL,
		    student != NULL ? home_sql_one_pg : home_sql_all, &p, home_pg_row, &a,
		    "read guardian controls", err, errlen);
	}
	if (sqlite3_prepare_v2(s->db, student != NULL ? home_sql_one_sqlite : home_sql_all,
	    -1, &st, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "read guardian controls");
		return -1;
	}
	if (student != NULL && store_bind_text(st, 1, student) != SQLITE_OK) {
		store_dberr(s, err, errlen, "read guardian controls");
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_home h;

		h.student = (const char *)sqlite3_column_text(st, 0);
		h.guardian = (const char *)sqlite3_column_text(st, 1);
		h.pause_until_ms = sqlite3_column_int64(st, 2);
		h.bed_from = sqlite3_column_int(st, 3);
		h.bed_to = sqlite3_column_int(st, 4);
		h.categories = (const char *)sqlite3_column_text(st, 5);
		h.updated_ms = sqlite3_column_int64(st, 6);
		n++;
		if (cb(&h, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, "read guardian controls");
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}

static int
home_sqlite_insert(struct store *s, const struct store_home *h, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, home_sql_set_sqlite, -1, &st, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "write guardian controls");
		return -1;
	}
	if (store_bind_text(st, 1, h->student) != SQLITE_OK ||
	    store_bind_text(st, 2, h->guardian) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, h->pause_until_ms) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, h->bed_from) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, h->bed_to) != SQLITE_OK ||
	    store_bind_text(st, 6, h->categories != NULL ? h->categories : "") != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, h->updated_ms) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		store_dberr(s, err, errlen, "write guardian controls");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
home_pg_insert(struct store *s, const struct store_home *h, char *err, size_t errlen)
{
	struct store_pgp p;

	memset(&p, 0, sizeof(p));
	store_pgp_text(&p, h->student);
	store_pgp_text(&p, h->guardian);
	store_pgp_int(&p, h->pause_until_ms);
	store_pgp_int(&p, h->bed_from);
	store_pgp_int(&p, h->bed_to);
	store_pgp_text(&p, h->categories != NULL ? h->categories : "");
	store_pgp_int(&p, h->updated_ms);
	return store_pg_run(s, PGST_HOME_SET, home_sql_set_pg, &p, NULL,
	    "write guardian controls", err, errlen);
}

int
store_home_set(struct store *s, const struct store_home *h, char *err, size_t errlen)
{
	if (s == NULL)
		return -1;
	if (h == NULL)
		return store_bad(s, "store_home_set", err, errlen);
	if (home_valid(s, h, err, errlen) == -1)
		return -1;
	if (store_writable(s, "store_home_set", err, errlen) == -1)
		return -1;
	if (s->pg != NULL)
		return home_pg_insert(s, h, err, errlen);
	return home_sqlite_insert(s, h, err, errlen);
}

int
store_home_replace(struct store *s, const struct store_home *h, size_t n, char *err,
    size_t errlen)
{
	char	*msg = NULL;

	if (s == NULL)
		return -1;
	if (n > 0 && h == NULL)
		return store_bad(s, "store_home_replace", err, errlen);
	for (size_t i = 0; i < n; i++)
		if (home_valid(s, &h[i], err, errlen) == -1)
			return -1;
	if (store_writable(s, "store_home_replace", err, errlen) == -1)
		return -1;
	if (s->pg != NULL) {
		if (store_pg_begin(s, err, errlen) == -1)
			return -1;
		if (store_pg_run(s, PGST_HOME_CLEAR, home_sql_clear, NULL, NULL,
		    "replace guardian controls", err, errlen) == -1)
			goto pg_fail;
		for (size_t i = 0; i < n; i++)
			if (home_pg_insert(s, &h[i], err, errlen) == -1)
				goto pg_fail;
		return store_pg_commit(s, err, errlen);
 pg_fail:
		store_pg_rollback(s);
		return -1;
	}
	if (store_begin(s, err, errlen) == -1)
		return -1;
	if (sqlite3_exec(s->db, home_sql_clear, NULL, NULL, &msg) != SQLITE_OK) {
		hp_errf(err, errlen, "%s: replace guardian controls: %s", s->path,
		    msg != NULL ? msg : "failed");
		sqlite3_free(msg);
		store_rollback(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (home_sqlite_insert(s, &h[i], err, errlen) == -1) {
			store_rollback(s);
			return -1;
		}
	return store_commit(s, err, errlen);
}
