/* store_retain: retention of the rollups — chunked deletes in SQLite, whole monthly partitions dropped in PostgreSQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp_err.h"
#include "hp_str.h"
#include "store_impl.h"

#define RETAIN_CHUNK	5000


/* WITHOUT ROWID tables have no rowid: their primary key names a row instead. */
static const char *const retain_sqlite_pk[] = {
	"DELETE FROM usage_daily WHERE (day, student, host) IN (SELECT day, student, host"
	" FROM usage_daily WHERE day < ?1 LIMIT ?2)",
	"DELETE FROM usage_hourly WHERE (day, student, hour) IN (SELECT day, student, hour"
	" FROM usage_hourly WHERE day < ?1 LIMIT ?2)",
};

static int64_t
retain_sqlite_purge(struct store *s, const char *before_day, char *err, size_t errlen)
{
	int64_t	total = 0;

	for (size_t t = 0; t < 2; t++) {
		sqlite3_stmt	*st = NULL;
		int		 n;

		if (sqlite3_prepare_v2(s->db, retain_sqlite_pk[t], -1, &st, NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, "prepare the rollup purge");
			return -1;
		}
		do {
			/* A chunk per transaction: the daemon's writer never waits long. */
			if (store_begin(s, err, errlen) == -1) {
				sqlite3_finalize(st);
				return -1;
			}
			store_bind_text(st, 1, before_day);
			sqlite3_bind_int(st, 2, RETAIN_CHUNK);
			if (store_run(s, st, "purge rollups", err, errlen) == -1) {
				store_rollback(s);
				sqlite3_finalize(st);
				return -1;
			}
			n = sqlite3_changes(s->db);
			if (store_commit(s, err, errlen) == -1) {
				sqlite3_finalize(st);
				return -1;
			}
			total += n;
		} while (n == RETAIN_CHUNK);
		sqlite3_finalize(st);
	}
	return total;
}

enum { PGR_LIST = STORE_PG_RETAIN_BASE, PGR_DROP, PGR_DEL_DAILY, PGR_DEL_HOURLY, PGR__MAX };
_Static_assert(PGR__MAX <= STORE_PG_STUDENT_BASE, "raise STORE_PG_STUDENT_BASE in store_impl.h");

static int64_t
retain_pg_purge(struct store *s, const char *before_day, char *err, size_t errlen)
{
	struct store_pgp	 p;
	PGresult		*r;
	char			(*drop)[64] = NULL;
	int64_t			 total = 0, n, before_ms;
	int			 np, ndrop = 0;

	memset(&p, 0, sizeof(p));
	store_pgp_text(&p, before_day);
	/* Monthly partitions wholly before the day go whole: the bounds are kept in ms. */
	if ((r = store_pg_exec(s, PGR_LIST, "SELECT part, hi, (extract(epoch FROM $1::date)"
	    " * 1000)::bigint FROM hallpass_partitions WHERE tbl IN ('usage_daily',"
	    " 'usage_hourly') ORDER BY lo", &p, "list rollup partitions", err, errlen)) == NULL)
		return -1;
	np = PQntuples(r);
	before_ms = np > 0 ? strtoll(PQgetvalue(r, 0, 2), NULL, 10) : 0;
	if (np > 0 && (drop = calloc((size_t)np, sizeof(*drop))) == NULL) {
		PQclear(r);
		hp_errf(err, errlen, "%s: store_purge_rollups: out of memory", s->path);
		return -1;
	}
	for (int i = 0; i < np; i++)
		if (strtoll(PQgetvalue(r, i, 1), NULL, 10) <= before_ms)
			hp_strlcpy(drop[ndrop++], PQgetvalue(r, i, 0), sizeof(drop[0]));
	PQclear(r);
	for (int i = 0; i < ndrop; i++) {
		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, drop[i]);
		if ((r = store_pg_exec(s, PGR_DROP, "SELECT hallpass_drop_partition($1)", &p,
		    "drop a rollup partition", err, errlen)) == NULL) {
			free(drop);
			return -1;
		}
		total += store_pg_int(r, 0);
		PQclear(r);
	}
	free(drop);
	/* The partitions were remembered as existing: forget, so writes make them again. */
	s->pg_nmonths = 0;
	/* The boundary month: only its older days, a chunk per statement. */
	for (int t = 0; t < 2; t++) {
		do {
			memset(&p, 0, sizeof(p));
			store_pgp_text(&p, before_day);
			store_pgp_int(&p, RETAIN_CHUNK);
			if (store_pg_run(s, t == 0 ? PGR_DEL_DAILY : PGR_DEL_HOURLY, t == 0 ?
			    "DELETE FROM usage_daily WHERE ctid = ANY (ARRAY(SELECT ctid FROM"
			    " usage_daily WHERE day < $1::date LIMIT $2))" :
			    "DELETE FROM usage_hourly WHERE ctid = ANY (ARRAY(SELECT ctid FROM"
			    " usage_hourly WHERE day < $1::date LIMIT $2))", &p, &n,
			    "purge rollups", err, errlen) == -1)
				return -1;
			total += n;
		} while (n == RETAIN_CHUNK);
	}
	return total;
}

int64_t
store_purge_rollups(struct store *s, const char *before_day, char *err, size_t errlen)
{
	if (s == NULL || before_day == NULL || !store_day_valid(before_day))
		return store_bad(s, "store_purge_rollups", err, errlen);
	if (store_writable(s, "store_purge_rollups", err, errlen) == -1)
		return -1;
	return s->pg != NULL ? retain_pg_purge(s, before_day, err, errlen) :
	    retain_sqlite_purge(s, before_day, err, errlen);
}
