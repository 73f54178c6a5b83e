/* store_student: one student's data for a FERPA request — every rollup row read out, or every event and rollup row deleted. */
#include <stdlib.h>
#include <string.h>

#include "hp_err.h"
#include "store_impl.h"

enum { PGST_DAILY = STORE_PG_STUDENT_BASE, PGST_HOURLY, PGST_DEL_EVENTS, PGST_DEL_DAILY,
	PGST_DEL_HOURLY, PGST__MAX };
_Static_assert(PGST__MAX <= STORE_PG_ATTEMPT_BASE, "raise STORE_PG_ATTEMPT_BASE in store_impl.h");

static const char *const student_sql_daily =
	"SELECT seq, day, student, host, category, visits, blocked, bytes, seconds"
	" FROM usage_daily WHERE student = ";
static const char *const student_sql_hourly =
	"SELECT seq, day, student, hour, visits, blocked, bytes, seconds"
	" FROM usage_hourly WHERE student = ";

struct student_pg_arg {
	int	(*daily)(const struct store_ship_daily *, void *);
	int	(*hourly)(const struct store_ship_hourly *, void *);
	void	*arg;
};

static int
student_pg_daily(const PGresult *r, void *arg)
{
	struct student_pg_arg	*a = arg;
	struct store_ship_daily	 d;

	d.seq = store_pg_int(r, 0);
	d.day = store_pg_text(r, 1);
	d.student = store_pg_text(r, 2);
	d.host = store_pg_text(r, 3);
	d.category = store_pg_text(r, 4);
	d.visits = store_pg_int(r, 5);
	d.blocked = store_pg_int(r, 6);
	d.bytes = store_pg_int(r, 7);
	d.seconds = store_pg_int(r, 8);
	return a->daily(&d, a->arg);
}

static int
student_pg_hourly(const PGresult *r, void *arg)
{
	struct student_pg_arg		*a = arg;
	struct store_ship_hourly	 h;

	h.seq = store_pg_int(r, 0);
	h.day = store_pg_text(r, 1);
	h.student = store_pg_text(r, 2);
	h.hour = (int)store_pg_int(r, 3);
	h.visits = store_pg_int(r, 4);
	h.blocked = store_pg_int(r, 5);
	h.bytes = store_pg_int(r, 6);
	h.seconds = store_pg_int(r, 7);
	return a->hourly(&h, a->arg);
}

int64_t
store_student_rollups(struct store *s, const char *student,
    int (*daily)(const struct store_ship_daily *, void *),
    int (*hourly)(const struct store_ship_hourly *, void *), void *arg, char *err,
    size_t errlen)
{
	char	 sql[256];
	int64_t	 n = 0, m;

	if (s == NULL || student == NULL || *student == '\0')
		return store_bad(s, "store_student_rollups", err, errlen);
	if (s->pg != NULL) {
		struct student_pg_arg	 a = { daily, hourly, arg };
		struct store_pgp	 p;

		memset(&p, 0, sizeof(p));
		store_pgp_text(&p, student);
		if (daily != NULL) {
			snprintf(sql, sizeof(sql), "%s$1::text ORDER BY day, host, gateway",
			    student_sql_daily);
			if ((m = store_pg_rows(s, PGST_DAILY, sql, &p, student_pg_daily, &a,
			    "export daily rollups", err, errlen)) < 0)
				return -1;
			n += m;
		}
		if (hourly != NULL) {
			snprintf(sql, sizeof(sql), "%s$1::text ORDER BY day, hour, gateway",
			    student_sql_hourly);
			if ((m = store_pg_rows(s, PGST_HOURLY, sql, &p, student_pg_hourly, &a,
			    "export hourly rollups", err, errlen)) < 0)
				return -1;
			n += m;
		}
		return n;
	}
	if (daily != NULL) {
		struct store_daily_arg a = { daily, arg };

		snprintf(sql, sizeof(sql), "%s?1 ORDER BY day, host LIMIT ?2", student_sql_daily);
		if ((m = store_sqlite_rows(s, "store_student_rollups", sql, student, 0, 0,
		    store_sqlite_daily_row, &a, err, errlen)) < 0)
			return -1;
		n += m;
	}
	if (hourly != NULL) {
		struct store_hourly_arg a = { hourly, arg };

		snprintf(sql, sizeof(sql), "%s?1 ORDER BY day, hour LIMIT ?2", student_sql_hourly);
		if ((m = store_sqlite_rows(s, "store_student_rollups", sql, student, 0, 0,
		    store_sqlite_hourly_row, &a, err, errlen)) < 0)
			return -1;
		n += m;
	}
	return n;
}

/* The sent log's alert rows name the child too (store_notify.h). */
static const char *const student_del[4] = {
	"DELETE FROM events WHERE student = ",
	"DELETE FROM usage_daily WHERE student = ",
	"DELETE FROM usage_hourly WHERE student = ",
	"DELETE FROM notify_sent WHERE student = ",
};
/* The fourth statement's id is store_notify.c's range: 77 belongs to another file. */
static const int student_del_pg[4] = { PGST_DEL_EVENTS, PGST_DEL_DAILY, PGST_DEL_HOURLY,
	STORE_PG_NOTIFY_BASE + 4 };

int64_t
store_student_forget(struct store *s, const char *student, char *err, size_t errlen)
{
	char	 sql[128];
	int64_t	 total = 0, n;

	if (s == NULL || student == NULL || *student == '\0')
		return store_bad(s, "store_student_forget", err, errlen);
	if (store_writable(s, "store_student_forget", err, errlen) == -1)
		return -1;
	if (s->pg != NULL) {
		struct store_pgp p;

		if (store_pg_begin(s, err, errlen) == -1)
			return -1;
		for (int i = 0; i < 4; i++) {
			memset(&p, 0, sizeof(p));
			store_pgp_text(&p, student);
			snprintf(sql, sizeof(sql), "%s$1::text", student_del[i]);
			if (store_pg_run(s, student_del_pg[i], sql, &p, &n, "forget a student",
			    err, errlen) == -1) {
				store_pg_rollback(s);
				return -1;
			}
			total += n;
		}
		return store_pg_commit(s, err, errlen) == -1 ? -1 : total;
	}
	if (store_begin(s, err, errlen) == -1)
		return -1;
	for (int i = 0; i < 4; i++) {
		sqlite3_stmt *st = NULL;

		snprintf(sql, sizeof(sql), "%s?1", student_del[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, "prepare forget");
			store_rollback(s);
			return -1;
		}
		store_bind_text(st, 1, student);
		if (store_run(s, st, "forget a student", err, errlen) == -1) {
			sqlite3_finalize(st);
			store_rollback(s);
			return -1;
		}
		total += sqlite3_changes(s->db);
		sqlite3_finalize(st);
	}
	return store_commit(s, err, errlen) == -1 ? -1 : total;
}
