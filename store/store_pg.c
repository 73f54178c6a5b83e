/* store_pg: the PostgreSQL (libpq) backend — the district database: versioned migrations, time partitions, gateway ingest. */
#include "store.h"
#include "store_impl.h"
#include "hp_err.h"
#include "hp_str.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pg_advisory_xact_lock keys: "HPAS" and what is serialized. */
#define PG_LOCK_APP		"1213219155"
#define PG_DAY_MS		86400000LL
/* Rows per DELETE in the boundary partition of a purge. */
#define PG_PURGE_CHUNK		5000

/*
 * Migrations: step i takes hallpass_schema from version i to i + 1, in one
 * transaction under an advisory lock.  A released step is never edited.
 * docs/schema.md holds a readable copy.  Partitions are not created here:
 * hallpass_events_partition and hallpass_rollup_partitions make them on
 * demand, and hallpass_partitions remembers their bounds for the purge.
 */
static const char *const pg_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE hallpass_schema ("
	"  version    integer PRIMARY KEY,"
	"  applied_ms bigint NOT NULL"
	");"
	"CREATE SEQUENCE hallpass_seq;"
	"CREATE TABLE hallpass_partitions ("
	"  part  text PRIMARY KEY,"
	"  tbl   text NOT NULL,"
	"  lo    bigint NOT NULL,"
	"  hi    bigint NOT NULL"
	");"
	"CREATE TABLE events ("
	"  gateway   text NOT NULL,"
	"  seq       bigint NOT NULL,"
	"  ts_ms     bigint NOT NULL,"
	"  day       date NOT NULL,"
	"  hour      smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),"
	"  student   text,"
	"  client    text NOT NULL,"
	"  proto     text NOT NULL,"
	"  host      text NOT NULL,"
	"  category  text,"
	"  action    text NOT NULL,"
	"  rule      text,"
	"  reason    text,"
	"  UNIQUE (gateway, seq, ts_ms)"
	") PARTITION BY RANGE (ts_ms);"
	"CREATE INDEX events_student_ts ON events (student, ts_ms);"
	"CREATE INDEX events_ts ON events (ts_ms);"
	"CREATE TABLE usage_daily ("
	"  gateway   text NOT NULL,"
	"  day       date NOT NULL,"
	"  student   text NOT NULL,"
	"  host      text NOT NULL,"
	"  category  text,"
	"  visits    bigint NOT NULL DEFAULT 0,"
	"  blocked   bigint NOT NULL DEFAULT 0,"
	"  bytes     bigint NOT NULL DEFAULT 0,"
	"  seconds   bigint NOT NULL DEFAULT 0,"
	"  seq       bigint NOT NULL,"
	"  PRIMARY KEY (gateway, day, student, host)"
	") PARTITION BY RANGE (day);"
	"CREATE INDEX usage_daily_student_day ON usage_daily (student, day)"
	"  INCLUDE (host, category, visits, blocked, bytes, seconds);"
	"CREATE TABLE usage_hourly ("
	"  gateway   text NOT NULL,"
	"  day       date NOT NULL,"
	"  student   text NOT NULL,"
	"  hour      smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),"
	"  visits    bigint NOT NULL DEFAULT 0,"
	"  blocked   bigint NOT NULL DEFAULT 0,"
	"  bytes     bigint NOT NULL DEFAULT 0,"
	"  seconds   bigint NOT NULL DEFAULT 0,"
	"  seq       bigint NOT NULL,"
	"  PRIMARY KEY (gateway, day, student, hour)"
	") PARTITION BY RANGE (day);"
	"CREATE INDEX usage_hourly_student_day ON usage_hourly (student, day)"
	"  INCLUDE (hour, visits, blocked, bytes, seconds);"
	"CREATE TABLE gateway_health ("
	"  gateway          text PRIMARY KEY,"
	"  rules_version    text,"
	"  last_packet_ms   bigint NOT NULL,"
	"  queue_drops      bigint NOT NULL,"
	"  fail_open_events bigint NOT NULL,"
	"  backlog          bigint NOT NULL,"
	"  updated_ms       bigint NOT NULL"
	");"
	"CREATE TABLE guardian_accounts ("
	"  guardian_id text PRIMARY KEY,"
	"  pw_hash     text NOT NULL,"
	"  created_ms  bigint NOT NULL,"
	"  updated_ms  bigint NOT NULL"
	");"
	"CREATE TABLE guardian_invites ("
	"  code_hash   bytea PRIMARY KEY CHECK (length(code_hash) = 32),"
	"  guardian_id text NOT NULL,"
	"  created_ms  bigint NOT NULL,"
	"  expires_ms  bigint NOT NULL,"
	"  used_ms     bigint"
	");"
	"CREATE INDEX guardian_invites_guardian ON guardian_invites (guardian_id);"
	"CREATE TABLE sessions ("
	"  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  guardian_id  text NOT NULL"
	"               REFERENCES guardian_accounts (guardian_id) ON DELETE CASCADE,"
	"  csrf         bytea NOT NULL,"
	"  created_ms   bigint NOT NULL,"
	"  last_seen_ms bigint NOT NULL,"
	"  expires_ms   bigint NOT NULL,"
	"  lang         text"
	");"
	"CREATE INDEX sessions_guardian ON sessions (guardian_id);"
	"CREATE INDEX sessions_expires ON sessions (expires_ms);"
	"CREATE TABLE login_failures ("
	"  key    text NOT NULL,"
	"  ts_ms  bigint NOT NULL"
	");"
	"CREATE INDEX login_failures_key_ts ON login_failures (key, ts_ms);"
	"CREATE TABLE aup_acks ("
	"  guardian_id text NOT NULL"
	"              REFERENCES guardian_accounts (guardian_id) ON DELETE CASCADE,"
	"  version     bigint NOT NULL,"
	"  ts_ms       bigint NOT NULL,"
	"  PRIMARY KEY (guardian_id, version)"
	");"
	"CREATE TABLE audit ("
	"  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  ts_ms   bigint NOT NULL,"
	"  actor   text NOT NULL,"
	"  action  text NOT NULL,"
	"  detail  text"
	");"
	"CREATE INDEX audit_ts ON audit (ts_ms);"
	/* One UTC day of events per partition; the lock keeps two creators apart. */
	"CREATE FUNCTION hallpass_events_partition(p_day bigint) RETURNS void"
	" LANGUAGE plpgsql AS $f$"
	"DECLARE"
	"  v_lo bigint := p_day * 86400000;"
	"  v_name text := 'events_p' || to_char(to_timestamp(p_day * 86400)"
	"    AT TIME ZONE 'UTC', 'YYYYMMDD');"
	"BEGIN"
	"  PERFORM pg_advisory_xact_lock(" PG_LOCK_APP ", 2);"
	"  IF NOT EXISTS (SELECT 1 FROM hallpass_partitions WHERE part = v_name) THEN"
	"    EXECUTE format('CREATE TABLE %I PARTITION OF events"
	"      FOR VALUES FROM (%s) TO (%s)', v_name, v_lo, v_lo + 86400000);"
	"    INSERT INTO hallpass_partitions (part, tbl, lo, hi)"
	"      VALUES (v_name, 'events', v_lo, v_lo + 86400000);"
	"  END IF;"
	"END $f$;"
	/* One calendar month of both rollups per partition; p_month is year * 12 + month - 1. */
	"CREATE FUNCTION hallpass_rollup_partitions(p_month integer) RETURNS void"
	" LANGUAGE plpgsql AS $f$"
	"DECLARE"
	"  v_lo date := make_date(p_month / 12, p_month % 12 + 1, 1);"
	"  v_hi date := (make_date(p_month / 12, p_month % 12 + 1, 1)"
	"    + interval '1 month')::date;"
	"  t text;"
	"BEGIN"
	"  PERFORM pg_advisory_xact_lock(" PG_LOCK_APP ", 2);"
	"  FOREACH t IN ARRAY ARRAY['usage_daily', 'usage_hourly'] LOOP"
	"    IF NOT EXISTS (SELECT 1 FROM hallpass_partitions"
	"        WHERE part = t || '_p' || to_char(v_lo, 'YYYYMM')) THEN"
	"      EXECUTE format('CREATE TABLE %I PARTITION OF %I"
	"        FOR VALUES FROM (%L) TO (%L)', t || '_p' || to_char(v_lo, 'YYYYMM'),"
	"        t, v_lo, v_hi);"
	"      INSERT INTO hallpass_partitions (part, tbl, lo, hi)"
	"        VALUES (t || '_p' || to_char(v_lo, 'YYYYMM'), t,"
	"        (extract(epoch FROM v_lo) * 1000)::bigint,"
	"        (extract(epoch FROM v_hi) * 1000)::bigint);"
	"    END IF;"
	"  END LOOP;"
	"END $f$;"
	/* Drops one partition this code made (only those: the name comes from hallpass_partitions); returns its rows. */
	"CREATE FUNCTION hallpass_drop_partition(p_part text) RETURNS bigint"
	" LANGUAGE plpgsql AS $f$"
	"DECLARE n bigint;"
	"BEGIN"
	"  PERFORM pg_advisory_xact_lock(" PG_LOCK_APP ", 2);"
	"  IF NOT EXISTS (SELECT 1 FROM hallpass_partitions WHERE part = p_part) THEN"
	"    RETURN 0;"
	"  END IF;"
	"  EXECUTE format('SELECT count(*) FROM %I', p_part) INTO n;"
	"  EXECUTE format('DROP TABLE %I', p_part);"
	"  DELETE FROM hallpass_partitions WHERE part = p_part;"
	"  RETURN n;"
	"END $f$;",
	/*
	 * 1 -> 2: a gateway's shipper asks "the highest seq you hold from me" of
	 * each table at every start and after every error; without these it
	 * would read all of the gateway's rollups.
	 */
	"CREATE INDEX usage_daily_gateway_seq ON usage_daily (gateway, seq);"
	"CREATE INDEX usage_hourly_gateway_seq ON usage_hourly (gateway, seq);",
	/* 2 -> 3: as SQLite's 3 -> 4, the sign-in names and languages guardians chose. */
	"CREATE TABLE guardian_logins ("
	"  guardian_id text PRIMARY KEY,"
	"  login       text UNIQUE,"
	"  lang        text,"
	"  updated_ms  bigint NOT NULL"
	");",
	/* 3 -> 4: guardians' controls at home (store_home.h); gateways copy them on every shipping pass. */
	"CREATE TABLE guardian_controls ("
	"  student        text PRIMARY KEY,"
	"  guardian_id    text NOT NULL,"
	"  pause_until_ms bigint NOT NULL DEFAULT 0,"
	"  bed_from       integer NOT NULL DEFAULT -1 CHECK (bed_from BETWEEN -1 AND 1439),"
	"  bed_to         integer NOT NULL DEFAULT -1 CHECK (bed_to BETWEEN -1 AND 1439),"
	"  categories     text NOT NULL DEFAULT '',"
	"  updated_ms     bigint NOT NULL"
	");",
	/* 4 -> 5: guardians' e-mail preferences and the sent log (as SQLite's 5 -> 6). */
	"CREATE TABLE notify_prefs ("
	"  guardian_id     text PRIMARY KEY,"
	"  digest          text NOT NULL CHECK (digest IN ('weekly', 'daily', 'none')),"
	"  alert_threshold integer NOT NULL CHECK (alert_threshold BETWEEN 0 AND 1000),"
	"  updated_ms      bigint NOT NULL"
	");"
	"CREATE TABLE notify_sent ("
	"  guardian_id text NOT NULL,"
	"  kind        text NOT NULL,"
	"  period      text NOT NULL,"
	"  student     text NOT NULL,"
	"  sent_ms     bigint NOT NULL,"
	"  PRIMARY KEY (guardian_id, kind, period, student)"
	");",
	/*
	 * 5 -> 6: the staff console (docs/staff.md), as SQLite's 6 -> 7.
	 * staff_audit only ever grows: UPDATE, DELETE and TRUNCATE are refused
	 * by triggers, whoever asks.
	 */
	"CREATE TABLE staff_accounts ("
	"  id               text PRIMARY KEY,"
	"  role             text NOT NULL CHECK (role IN ('district_admin', 'school_staff')),"
	"  schools          text NOT NULL DEFAULT '',"
	"  pw_hash          text,"
	"  setup_hash       bytea UNIQUE CHECK (setup_hash IS NULL OR length(setup_hash) = 32),"
	"  setup_expires_ms bigint,"
	"  created_ms       bigint NOT NULL,"
	"  updated_ms       bigint NOT NULL"
	");"
	"CREATE TABLE staff_sessions ("
	"  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  staff_id     text NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,"
	"  csrf         text NOT NULL,"
	"  created_ms   bigint NOT NULL,"
	"  last_seen_ms bigint NOT NULL,"
	"  expires_ms   bigint NOT NULL"
	");"
	"CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);"
	"CREATE TABLE staff_audit ("
	"  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  ts_ms    bigint NOT NULL,"
	"  staff_id text NOT NULL,"
	"  role     text NOT NULL,"
	"  student  text NOT NULL,"
	"  school   text,"
	"  action   text NOT NULL,"
	"  reason   text NOT NULL"
	");"
	"CREATE INDEX staff_audit_ts ON staff_audit (ts_ms);"
	"CREATE FUNCTION hallpass_staff_audit_frozen() RETURNS trigger"
	" LANGUAGE plpgsql AS $f$"
	"BEGIN"
	"  RAISE EXCEPTION 'staff_audit is append-only';"
	"END $f$;"
	"CREATE TRIGGER staff_audit_frozen BEFORE UPDATE OR DELETE ON staff_audit"
	" FOR EACH ROW EXECUTE FUNCTION hallpass_staff_audit_frozen();"
	"CREATE TRIGGER staff_audit_no_truncate BEFORE TRUNCATE ON staff_audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION hallpass_staff_audit_frozen();",
};
#define PG_NMIGRATIONS	((int)(sizeof(pg_migrations) / sizeof(pg_migrations[0])))

enum pg_st {
	PG_BEGIN = 0,
	PG_COMMIT,
	PG_ROLLBACK,
	PG_EVENT_INSERT,
	PG_USAGE_ADD,
	PG_PART_EVENTS,
	PG_PART_ROLLUP,
	PG_PURGE_LIST,
	PG_PURGE_DROP,
	PG_PURGE_DELETE,
	PG_INVITE_CREATE,
	PG_INVITE_CONSUME,
	PG_Q_ALL,
	PG_Q_ALL_DESC,
	PG_Q_STUDENT,
	PG_Q_STUDENT_DESC,
	PG_Q_NOBODY,
	PG_Q_NOBODY_DESC,
	PG_SHIP_HEALTH,
	PG_HEALTH_LIST,
	PG__MAX
};

_Static_assert(PG__MAX <= STORE_PG_DASH_BASE, "raise STORE_PG_DASH_BASE in store_impl.h");

#define PQ_COLS	"SELECT ts_ms, to_char(day, 'YYYY-MM-DD'), hour, student, client," \
		" proto, host, category, action, rule, reason FROM events WHERE "
#define PQ_RANGE "ts_ms >= $1 AND ts_ms < $2 "
/* Across gateways: by time, then gateway and its sequence (insertion order within one). */
#define PQ_ASC	"ORDER BY ts_ms, gateway, seq LIMIT $3"
#define PQ_DESC	"ORDER BY ts_ms DESC, gateway DESC, seq DESC LIMIT $3"

static const char *const pg_sql[PG__MAX] = {
	[PG_BEGIN] = "BEGIN",
	[PG_COMMIT] = "COMMIT",
	[PG_ROLLBACK] = "ROLLBACK",
	/*
	 * One round trip per event: the event and both rollups in one statement
	 * (data-modifying CTEs all run).  The rollups' seq moves on every change,
	 * as a gateway's must for the district's "newer seq wins".
	 */
	[PG_EVENT_INSERT] =
	    "WITH e AS (INSERT INTO events (gateway, seq, ts_ms, day, hour, student,"
	    " client, proto, host, category, action, rule, reason)"
	    " VALUES ($1, nextval('hallpass_seq'), $2, $3::date, $4, $5, $6, $7, $8,"
	    " $9, $10, $11, $12)),"
	    " d AS (INSERT INTO usage_daily AS u (gateway, day, student, host, category,"
	    " visits, blocked, seq) VALUES ($1, $3::date, coalesce($5, ''), $8, $9, 1,"
	    " $13, nextval('hallpass_seq'))"
	    " ON CONFLICT (gateway, day, student, host) DO UPDATE SET"
	    " visits = u.visits + 1, blocked = u.blocked + excluded.blocked,"
	    " category = coalesce(excluded.category, u.category), seq = excluded.seq)"
	    " INSERT INTO usage_hourly AS u (gateway, day, student, hour, visits,"
	    " blocked, seq) VALUES ($1, $3::date, coalesce($5, ''), $4, 1, $13,"
	    " nextval('hallpass_seq'))"
	    " ON CONFLICT (gateway, day, student, hour) DO UPDATE SET"
	    " visits = u.visits + 1, blocked = u.blocked + excluded.blocked,"
	    " seq = excluded.seq",
	[PG_USAGE_ADD] =
	    "WITH d AS (INSERT INTO usage_daily AS u (gateway, day, student, host,"
	    " bytes, seconds, seq) VALUES ($1, $2::date, $4, $5, $6, $7,"
	    " nextval('hallpass_seq'))"
	    " ON CONFLICT (gateway, day, student, host) DO UPDATE SET"
	    " bytes = u.bytes + excluded.bytes, seconds = u.seconds + excluded.seconds,"
	    " seq = excluded.seq)"
	    " INSERT INTO usage_hourly AS u (gateway, day, student, hour, bytes,"
	    " seconds, seq) VALUES ($1, $2::date, $4, $3, $6, $7,"
	    " nextval('hallpass_seq'))"
	    " ON CONFLICT (gateway, day, student, hour) DO UPDATE SET"
	    " bytes = u.bytes + excluded.bytes, seconds = u.seconds + excluded.seconds,"
	    " seq = excluded.seq",
	[PG_PART_EVENTS] = "SELECT hallpass_events_partition($1)",
	[PG_PART_ROLLUP] = "SELECT hallpass_rollup_partitions($1)",
	[PG_PURGE_LIST] =
	    "SELECT part, lo, hi FROM hallpass_partitions"
	    " WHERE tbl = 'events' AND lo < $1 ORDER BY lo",
	[PG_PURGE_DROP] = "SELECT hallpass_drop_partition($1)",
	/* $2 (the partition's low bound) lets the planner touch only the boundary partition. */
	[PG_PURGE_DELETE] =
	    "DELETE FROM events WHERE ts_ms >= $2 AND ts_ms < $1 AND"
	    " (gateway, seq, ts_ms) IN (SELECT gateway, seq, ts_ms FROM events"
	    " WHERE ts_ms >= $2 AND ts_ms < $1 LIMIT $3)",
	[PG_INVITE_CREATE] =
	    "INSERT INTO guardian_invites (code_hash, guardian_id, created_ms, expires_ms)"
	    " VALUES ($1, $2, $3, $4)",
	[PG_INVITE_CONSUME] =
	    "UPDATE guardian_invites SET used_ms = $2"
	    " WHERE code_hash = $1 AND used_ms IS NULL AND expires_ms > $2"
	    " RETURNING guardian_id",
	[PG_Q_ALL] = PQ_COLS PQ_RANGE PQ_ASC,
	[PG_Q_ALL_DESC] = PQ_COLS PQ_RANGE PQ_DESC,
	[PG_Q_STUDENT] = PQ_COLS "student = $4 AND " PQ_RANGE PQ_ASC,
	[PG_Q_STUDENT_DESC] = PQ_COLS "student = $4 AND " PQ_RANGE PQ_DESC,
	[PG_Q_NOBODY] = PQ_COLS "student IS NULL AND " PQ_RANGE PQ_ASC,
	[PG_Q_NOBODY_DESC] = PQ_COLS "student IS NULL AND " PQ_RANGE PQ_DESC,
	[PG_SHIP_HEALTH] =
	    "INSERT INTO gateway_health AS h (gateway, rules_version, last_packet_ms,"
	    " queue_drops, fail_open_events, backlog, updated_ms)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
	    " ON CONFLICT (gateway) DO UPDATE SET rules_version = excluded.rules_version,"
	    " last_packet_ms = excluded.last_packet_ms,"
	    " queue_drops = excluded.queue_drops,"
	    " fail_open_events = excluded.fail_open_events,"
	    " backlog = excluded.backlog, updated_ms = excluded.updated_ms"
	    " WHERE h.updated_ms <= excluded.updated_ms",
	[PG_HEALTH_LIST] =
	    "SELECT gateway, rules_version, last_packet_ms, queue_drops,"
	    " fail_open_events, backlog, updated_ms FROM gateway_health"
	    " ORDER BY gateway COLLATE \"C\"",
};

/* ---- parameters and results -------------------------------------- */

void
store_pgp_text(struct store_pgp *p, const char *v)
{
	p->v[p->n] = v;
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->n++;
}

void
store_pgp_int(struct store_pgp *p, int64_t x)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)x);
	store_pgp_text(p, p->num[p->n]);
}

void
store_pgp_bytes(struct store_pgp *p, const void *b, int len)
{
	p->v[p->n] = b;
	p->len[p->n] = len;
	p->fmt[p->n] = 1;
	p->n++;
}

void
store_pgp_limit(struct store_pgp *p, size_t limit)
{
	if (limit == 0 || limit > (size_t)INT64_MAX)
		store_pgp_text(p, NULL);
	else
		store_pgp_int(p, (int64_t)limit);
}

const char *
store_pg_text(const PGresult *r, int col)
{
	if (PQgetisnull(r, 0, col))
		return NULL;
	return PQgetvalue(r, 0, col);
}

int64_t
store_pg_int(const PGresult *r, int col)
{
	const char	*v = store_pg_text(r, col);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* The server's message without its trailing newline, after what was being done. */
void
store_pg_err(const struct store *s, char *err, size_t errlen, const char *what,
    const PGresult *r)
{
	const char	*m = r != NULL ? PQresultErrorMessage(r) : "";
	size_t		 n;

	if (m == NULL || *m == '\0')
		m = PQerrorMessage(s->pg);
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	hp_errf(err, errlen, "%s: %s: %.*s", s->path, what, (int)n, m);
}

/* A lost connection (server restarted) is reconnected once; its prepared statements went with it. */
static int
store_pg_alive(struct store *s, char *err, size_t errlen)
{
	if (PQstatus(s->pg) == CONNECTION_OK)
		return 0;
	PQreset(s->pg);
	memset(s->pg_prepared, 0, sizeof(s->pg_prepared));
	if (PQstatus(s->pg) != CONNECTION_OK) {
		store_pg_err(s, err, errlen, "reconnect", NULL);
		return -1;
	}
	return 0;
}

static int
store_pg_prepare(struct store *s, int id, const char *sql, int nparams,
    char *err, size_t errlen)
{
	PGresult	*r;
	char		 name[16];

	if (id < 0 || id >= STORE_PG_ST_MAX) {
		hp_errf(err, errlen, "%s: statement %d out of range", s->path, id);
		return -1;
	}
	if (store_pg_alive(s, err, errlen) == -1)
		return -1;
	if (s->pg_prepared[id])
		return 0;
	snprintf(name, sizeof(name), "hp%d", id);
	r = PQprepare(s->pg, name, sql, nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_pg_err(s, err, errlen, "prepare", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	s->pg_prepared[id] = 1;
	return 0;
}

PGresult *
store_pg_exec(struct store *s, int id, const char *sql, const struct store_pgp *p,
    const char *what, char *err, size_t errlen)
{
	static const struct store_pgp	 none;
	PGresult			*r;
	ExecStatusType			 st;
	char				 name[16];

	if (p == NULL)
		p = &none;
	if (store_pg_prepare(s, id, sql, p->n, err, errlen) == -1)
		return NULL;
	snprintf(name, sizeof(name), "hp%d", id);
	r = PQexecPrepared(s->pg, name, p->n, p->v, p->len, p->fmt, 0);
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		store_pg_err(s, err, errlen, what, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
store_pg_run(struct store *s, int id, const char *sql, const struct store_pgp *p,
    int64_t *changed, const char *what, char *err, size_t errlen)
{
	PGresult	*r;

	if ((r = store_pg_exec(s, id, sql, p, what, err, errlen)) == NULL)
		return -1;
	if (changed != NULL)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}

int64_t
store_pg_rows(struct store *s, int id, const char *sql, const struct store_pgp *p,
    int (*row)(const PGresult *, void *), void *arg, const char *what, char *err,
    size_t errlen)
{
	PGresult	*r;
	char		 name[16];
	int64_t		 n = 0;
	int		 stopped = 0, failed = 0;

	if (s->in_query) {
		hp_errf(err, errlen, "%s: %s: called from its own callback", s->path,
		    what);
		return -1;
	}
	if (store_pg_prepare(s, id, sql, p->n, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "hp%d", id);
	if (!PQsendQueryPrepared(s->pg, name, p->n, p->v, p->len, p->fmt, 0)) {
		store_pg_err(s, err, errlen, what, NULL);
		return -1;
	}
	/* One row at a time: a large export never sits in memory whole. */
	(void)PQsetSingleRowMode(s->pg);
	s->in_query = 1;
	while ((r = PQgetResult(s->pg)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
			if (!stopped && !failed) {
				n++;
				stopped = row(r, arg) != 0;
			}
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			if (!failed)
				store_pg_err(s, err, errlen, what, r);
			failed = 1;
			break;
		}
		PQclear(r);
	}
	s->in_query = 0;
	return failed ? -1 : n;
}

static int
store_pg_cmd(struct store *s, enum pg_st id, const char *what, char *err,
    size_t errlen)
{
	return store_pg_run(s, id, pg_sql[id], NULL, NULL, what, err, errlen);
}

int
store_pg_begin(struct store *s, char *err, size_t errlen)
{
	return store_pg_cmd(s, PG_BEGIN, "begin", err, errlen);
}

int
store_pg_commit(struct store *s, char *err, size_t errlen)
{
	return store_pg_cmd(s, PG_COMMIT, "commit", err, errlen);
}

void
store_pg_rollback(struct store *s)
{
	if (PQtransactionStatus(s->pg) != PQTRANS_IDLE)
		(void)store_pg_cmd(s, PG_ROLLBACK, "rollback", NULL, 0);
}

/* ---- open and migrations ----------------------------------------- */

/* Runs fixed SQL from this file (no values in it): session setup and migrations. */
static int
store_pg_plain(struct store *s, const char *sql, const char *what, char *err,
    size_t errlen)
{
	PGresult	*r = PQexec(s->pg, sql);
	ExecStatusType	 st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		store_pg_err(s, err, errlen, what, r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* The stored version (0: no hallpass_schema), or -1 with err set for someone else's schema. */
static int
store_pg_version(struct store *s, int *ver, char *err, size_t errlen)
{
	PGresult	*r;
	int		 rc = -1;

	r = PQexec(s->pg, "SELECT to_regclass('hallpass_schema') IS NOT NULL,"
	    " (SELECT count(*) FROM pg_class c JOIN pg_namespace n"
	    "  ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
	    "  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_pg_err(s, err, errlen, "read schema version", r);
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		if (strtoll(PQgetvalue(r, 0, 1), NULL, 10) > 0) {
			hp_errf(err, errlen, "%s: not a hallpass database", s->path);
			goto out;
		}
		*ver = 0;
		rc = 0;
		goto out;
	}
	PQclear(r);
	r = PQexec(s->pg, "SELECT coalesce(max(version), 0) FROM hallpass_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_pg_err(s, err, errlen, "read schema version", r);
		goto out;
	}
	*ver = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* As store_sqlite.c: -1 refused, 1 migrations missing, 0 current. */
static int
store_pg_check_version(struct store *s, int ver, char *err, size_t errlen)
{
	if (ver > PG_NMIGRATIONS) {
		hp_errf(err, errlen, "%s: database schema version %d is newer than "
		    "this hallpass supports (%d): upgrade hallpass", s->path, ver,
		    PG_NMIGRATIONS);
		return -1;
	}
	return ver < PG_NMIGRATIONS;
}

/*
 * One transaction per step, each taking the migration lock first and reading
 * the version under it: of two openers racing, the second waits, sees the
 * first's work and does nothing.
 */
static int
store_pg_migrate(struct store *s, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	char			 what[64];
	int			 ver;

	/* The common case (every CGI request): already current, no lock taken. */
	if (store_pg_version(s, &ver, err, errlen) == -1)
		return -1;
	if (store_pg_check_version(s, ver, err, errlen) != 1)
		return ver > PG_NMIGRATIONS ? -1 : 0;
	for (;;) {
		if (store_pg_plain(s, "BEGIN", "begin", err, errlen) == -1)
			return -1;
		if (store_pg_plain(s, "SELECT pg_advisory_xact_lock(" PG_LOCK_APP
		    ", 1)", "migration lock", err, errlen) == -1 ||
		    store_pg_version(s, &ver, err, errlen) == -1)
			goto err;
		switch (store_pg_check_version(s, ver, err, errlen)) {
		case -1:
			goto err;
		case 0:
			return store_pg_plain(s, "COMMIT", "commit", err, errlen);
		}
		snprintf(what, sizeof(what), "migration to schema version %d", ver + 1);
		if (store_pg_plain(s, pg_migrations[ver], what, err, errlen) == -1)
			goto err;
		p.n = 0;
		store_pgp_int(&p, ver + 1);
		r = PQexecParams(s->pg, "INSERT INTO hallpass_schema (version, applied_ms)"
		    " VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
		    p.n, NULL, p.v, p.len, p.fmt, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			store_pg_err(s, err, errlen, "record schema version", r);
			PQclear(r);
			goto err;
		}
		PQclear(r);
		if (store_pg_plain(s, "COMMIT", "commit", err, errlen) == -1)
			goto err;
	}
err:
	(void)store_pg_plain(s, "ROLLBACK", "rollback", NULL, 0);
	return -1;
}

/* Keeps the server's notices (IF NOT EXISTS and the like) off the CGI's stderr. */
static void
store_pg_notice(void *arg, const char *msg)
{
	(void)arg, (void)msg;
}

/* The URI for messages: libpq's parsed options without the password. */
static char *
store_pg_label(const char *uri)
{
	PQconninfoOption	*o, *opts;
	const char		*db = NULL, *host = NULL;
	char			*label;
	size_t			 n;

	if ((opts = PQconninfoParse(uri, NULL)) == NULL)
		return strdup("postgresql://?");
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
	}
	n = 32 + (db ? strlen(db) : 0) + (host ? strlen(host) : 0);
	if ((label = malloc(n)) != NULL)
		snprintf(label, n, "postgresql://%s/%s", host ? host : "",
		    db ? db : "");
	PQconninfoFree(opts);
	return label;
}

struct store *
store_pg_open(const char *uri, int flags, char *err, size_t errlen)
{
	/*
	 * Session settings ride in the connection options so that a reconnect
	 * (PQreset) gets them again; a read-only handle's every transaction is
	 * read-only on the server, not just in this code.
	 */
	static const char *const keys[] = { "dbname", "options", "client_encoding",
	    "application_name", NULL };
	const char		*vals[5] = { uri, NULL, "UTF8", "hallpass", NULL };
	struct store		*s;
	int			 ver;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = store_pg_label(uri)) == NULL) {
		hp_errf(err, errlen, "postgresql: out of memory");
		free(s);
		return NULL;
	}
	s->ops = &store_pg_ops;
	s->dops = &store_dash_pg_ops;
	s->flags = flags;
	if (gethostname(s->gateway, sizeof(s->gateway) - 1) != 0 || !s->gateway[0])
		hp_strlcpy(s->gateway, "gateway", sizeof(s->gateway));
	vals[1] = (flags & STORE_RDONLY) ?
	    "-c default_transaction_read_only=on -c datestyle=ISO"
	    " -c client_min_messages=warning -c timezone=UTC" :
	    "-c datestyle=ISO -c client_min_messages=warning -c timezone=UTC";
	s->pg = PQconnectdbParams(keys, vals, 1);
	if (s->pg == NULL) {
		hp_errf(err, errlen, "%s: out of memory", s->path);
		goto err;
	}
	if (PQstatus(s->pg) != CONNECTION_OK) {
		store_pg_err(s, err, errlen, "connect", NULL);
		goto err;
	}
	PQsetNoticeProcessor(s->pg, store_pg_notice, NULL);
	if (!(flags & STORE_RDONLY)) {
		if (store_pg_migrate(s, err, errlen) == -1)
			goto err;
		return s;
	}
	if (store_pg_version(s, &ver, err, errlen) == -1)
		goto err;
	switch (store_pg_check_version(s, ver, err, errlen)) {
	case -1:
		goto err;
	case 1:
		hp_errf(err, errlen, "%s: database schema version %d is older than "
		    "%d: open it read-write once (hallpassd, hallpass) to migrate",
		    s->path, ver, PG_NMIGRATIONS);
		goto err;
	}
	return s;
err:
	store_pg_ops.close(s);
	return NULL;
}

static void
store_pg_close(struct store *s)
{
	if (s == NULL)
		return;
	PQfinish(s->pg);
	free(s->path);
	free(s);
}

/* ---- partitions -------------------------------------------------- */

static int64_t
pg_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Forgets what this handle knew exists: after a purge, or a batch that found a partition missing. */
static void
store_pg_parts_forget(struct store *s)
{
	s->pg_ndays = s->pg_nmonths = 0;
}

static int
store_pg_part_day(struct store *s, int64_t ts_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	int64_t			 day = pg_floor_div(ts_ms, PG_DAY_MS);

	for (unsigned i = 0; i < s->pg_ndays; i++)
		if (s->pg_days[i] == day)
			return 0;
	store_pgp_int(&p, day);
	if (store_pg_run(s, PG_PART_EVENTS, pg_sql[PG_PART_EVENTS], &p, NULL,
	    "create events partition", err, errlen) == -1)
		return -1;
	if (s->pg_ndays == STORE_PG_PARTS) {
		memmove(s->pg_days, s->pg_days + 1, sizeof(s->pg_days[0]) *
		    (STORE_PG_PARTS - 1));
		s->pg_ndays--;
	}
	s->pg_days[s->pg_ndays++] = day;
	return 0;
}

/* day is checked YYYY-MM-DD. */
static int
store_pg_part_month(struct store *s, const char *day, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	int32_t			 m;

	m = (int32_t)(strtol(day, NULL, 10) * 12 + strtol(day + 5, NULL, 10) - 1);
	for (unsigned i = 0; i < s->pg_nmonths; i++)
		if (s->pg_months[i] == m)
			return 0;
	store_pgp_int(&p, m);
	if (store_pg_run(s, PG_PART_ROLLUP, pg_sql[PG_PART_ROLLUP], &p, NULL,
	    "create rollup partitions", err, errlen) == -1)
		return -1;
	if (s->pg_nmonths == STORE_PG_PARTS) {
		memmove(s->pg_months, s->pg_months + 1, sizeof(s->pg_months[0]) *
		    (STORE_PG_PARTS - 1));
		s->pg_nmonths--;
	}
	s->pg_months[s->pg_nmonths++] = m;
	return 0;
}

/*
 * Before a batch's transaction, in their own short ones: creating a partition
 * locks the parent table, and that must not be held for the whole batch.
 */
static int
store_pg_parts_events(struct store *s, const struct store_event *ev, size_t n,
    int rollups, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (store_pg_part_day(s, ev[i].ts_ms, err, errlen) == -1 ||
		    (rollups && store_pg_part_month(s, ev[i].day, err, errlen) == -1))
			return -1;
	return 0;
}

/* "no partition of relation ... found for row": another handle's purge dropped one this handle remembered. */
static int
store_pg_no_partition(const char *err)
{
	return err != NULL && strstr(err, "no partition of relation") != NULL;
}

/* ---- batches ----------------------------------------------------- */

/* Statements per pipeline sync: the results waiting on either side stay far below the socket buffers. */
#define PG_PIPE_CHUNK		500

/* Fills p (emptied) with the parameters of row i of a batch. */
typedef void	pg_fill_fn(struct store *, struct store_pgp *, size_t, const void *);

static int
store_pg_send(struct store *s, int id, const struct store_pgp *p)
{
	char	 name[16];

	snprintf(name, sizeof(name), "hp%d", id);
	return PQsendQueryPrepared(s->pg, name, p->n, p->v, p->len, p->fmt, 0);
}

/*
 * Reads the results of nq pipelined statements and the sync after them.
 * first is the batch row of the first statement that is a row (-1: the
 * first statement is the BEGIN).  Adds rows affected to *changed; on the
 * first failure fills err, naming the row.
 */
static int
store_pg_drain(struct store *s, int nq, int64_t first, const char *what,
    int64_t *changed, int *failed, char *err, size_t errlen)
{
	PGresult	*r;
	char		 w[64];

	for (int q = 0; q < nq; q++) {
		while ((r = PQgetResult(s->pg)) != NULL) {
			switch (PQresultStatus(r)) {
			case PGRES_COMMAND_OK:
			case PGRES_TUPLES_OK:
				*changed += strtoll(PQcmdTuples(r), NULL, 10);
				break;
			case PGRES_PIPELINE_ABORTED:
				break;
			default:
				if (!*failed) {
					snprintf(w, sizeof(w), "%s %lld", what,
					    (long long)(first + q));
					store_pg_err(s, err, errlen, w, r);
				}
				*failed = 1;
				break;
			}
			PQclear(r);
		}
		if (PQstatus(s->pg) != CONNECTION_OK) {
			if (!*failed)
				store_pg_err(s, err, errlen, what, NULL);
			*failed = 1;
			return -1;
		}
	}
	r = PQgetResult(s->pg);
	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		if (!*failed)
			store_pg_err(s, err, errlen, what, r);
		*failed = 1;
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/*
 * Runs statement id once per row of a batch in one transaction, pipelined:
 * BEGIN, the rows, COMMIT go out without waiting for each answer (one round
 * trip per PG_PIPE_CHUNK rows, not per row), with a sync every chunk.  Any
 * failure aborts the transaction on the server and the batch is rolled
 * back: all rows or none.  Returns the rows affected, or -1.
 */
static int64_t
store_pg_pipeline(struct store *s, int id, const char *sql, size_t n,
    pg_fill_fn *fill, const void *arg, const char *what, char *err, size_t errlen)
{
	static const struct store_pgp	 none;
	struct store_pgp		 p;
	int64_t				 changed = 0, first = -1;
	size_t				 i;
	int				 nq = 0, failed = 0;

	p.n = 0;
	fill(s, &p, 0, arg);
	if (store_pg_prepare(s, PG_BEGIN, pg_sql[PG_BEGIN], 0, err, errlen) == -1 ||
	    store_pg_prepare(s, PG_COMMIT, pg_sql[PG_COMMIT], 0, err, errlen) == -1 ||
	    store_pg_prepare(s, id, sql, p.n, err, errlen) == -1)
		return -1;
	if (!PQenterPipelineMode(s->pg)) {
		store_pg_err(s, err, errlen, what, NULL);
		return -1;
	}
	if (!store_pg_send(s, PG_BEGIN, &none))
		goto sendfail;
	nq = 1;
	for (i = 0; i < n && !failed; i++) {
		p.n = 0;
		fill(s, &p, i, arg);
		if (!store_pg_send(s, id, &p))
			goto sendfail;
		nq++;
		if (i + 1 == n) {
			if (!store_pg_send(s, PG_COMMIT, &none))
				goto sendfail;
			nq++;
		}
		if (nq >= PG_PIPE_CHUNK || i + 1 == n) {
			if (!PQpipelineSync(s->pg))
				goto sendfail;
			if (store_pg_drain(s, nq, first, what, &changed, &failed, err,
			    errlen) == -1)
				break;
			first = (int64_t)i + 1;
			nq = 0;
		}
	}
	(void)PQexitPipelineMode(s->pg);
	if (failed) {
		store_pg_rollback(s);
		return -1;
	}
	return changed;
sendfail:
	store_pg_err(s, err, errlen, what, NULL);
	if (nq > 0 && PQpipelineSync(s->pg))
		(void)store_pg_drain(s, nq, first, what, &changed, &failed, NULL, 0);
	(void)PQexitPipelineMode(s->pg);
	store_pg_rollback(s);
	return -1;
}

/* ---- writes ------------------------------------------------------ */

static void
store_pg_event_params(struct store_pgp *p, const struct store_event *e)
{
	store_pgp_int(p, e->ts_ms);
	store_pgp_text(p, e->day);
	store_pgp_int(p, e->hour);
	store_pgp_text(p, e->student != NULL && *e->student ? e->student : NULL);
	store_pgp_text(p, e->client);
	store_pgp_text(p, e->proto);
	store_pgp_text(p, e->host);
	store_pgp_text(p, e->category);
	store_pgp_text(p, e->action);
	store_pgp_text(p, e->rule);
	store_pgp_text(p, e->reason);
}

static void
store_pg_fill_insert(struct store *s, struct store_pgp *p, size_t i,
    const void *arg)
{
	const struct store_event	*e = (const struct store_event *)arg + i;

	store_pgp_text(p, s->gateway);
	store_pg_event_params(p, e);
	store_pgp_int(p, strcmp(e->action, "block") == 0);
}

static int
store_pg_insert_batch(struct store *s, const struct store_event *ev, size_t n,
    char *err, size_t errlen)
{
	if (store_pg_parts_events(s, ev, n, 1, err, errlen) == -1)
		return -1;
	return store_pg_pipeline(s, PG_EVENT_INSERT, pg_sql[PG_EVENT_INSERT], n,
	    store_pg_fill_insert, ev, "insert event", err, errlen) < 0 ? -1 : 0;
}

static int
store_pg_events_insert(struct store *s, const struct store_event *ev, size_t n,
    char *err, size_t errlen)
{
	if (store_writable(s, "store_events_insert", err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (store_event_check(s, &ev[i], i, err, errlen) == -1)
			return -1;
	if (n == 0)
		return 0;
	if (store_pg_insert_batch(s, ev, n, err, errlen) == 0)
		return 0;
	if (!store_pg_no_partition(err))
		return -1;
	store_pg_parts_forget(s);
	return store_pg_insert_batch(s, ev, n, err, errlen);
}

static int
store_pg_usage_add(struct store *s, const char *day, int hour, const char *student,
    const char *host, int64_t bytes, int64_t seconds, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_usage_add", err, errlen) == -1)
		return -1;
	if (!store_day_valid(day) || hour < 0 || hour > 23 || host == NULL ||
	    bytes < 0 || seconds < 0) {
		hp_errf(err, errlen, "%s: store_usage_add: bad day, hour, host, bytes "
		    "or seconds", s->path);
		return -1;
	}
	if (store_pg_part_month(s, day, err, errlen) == -1)
		return -1;
	store_pgp_text(&p, s->gateway);
	store_pgp_text(&p, day);
	store_pgp_int(&p, hour);
	store_pgp_text(&p, store_rollup_student(student && *student ? student : NULL));
	store_pgp_text(&p, host);
	store_pgp_int(&p, bytes);
	store_pgp_int(&p, seconds);
	if (store_pg_run(s, PG_USAGE_ADD, pg_sql[PG_USAGE_ADD], &p, NULL, "usage", err,
	    errlen) == 0)
		return 0;
	if (!store_pg_no_partition(err))
		return -1;
	store_pg_parts_forget(s);
	if (store_pg_part_month(s, day, err, errlen) == -1)
		return -1;
	return store_pg_run(s, PG_USAGE_ADD, pg_sql[PG_USAGE_ADD], &p, NULL, "usage",
	    err, errlen);
}

/* ---- reads ------------------------------------------------------- */

struct pg_evq {
	int	(*cb)(const struct store_event *, void *);
	void	*arg;
};

/* Columns as in PQ_COLS. */
static int
store_pg_event_row(const PGresult *r, void *arg)
{
	struct pg_evq		*q = arg;
	struct store_event	 e;

	e.ts_ms = store_pg_int(r, 0);
	e.day = store_pg_text(r, 1);
	e.hour = (int)store_pg_int(r, 2);
	e.student = store_pg_text(r, 3);
	e.client = store_pg_text(r, 4);
	e.proto = store_pg_text(r, 5);
	e.host = store_pg_text(r, 6);
	e.category = store_pg_text(r, 7);
	e.action = store_pg_text(r, 8);
	e.rule = store_pg_text(r, 9);
	e.reason = store_pg_text(r, 10);
	return q->cb(&e, q->arg);
}

int64_t
store_pg_events_rows(struct store *s, int id, const char *sql,
    const struct store_pgp *p, int (*cb)(const struct store_event *, void *),
    void *arg, const char *what, char *err, size_t errlen)
{
	struct pg_evq	 q = { cb, arg };

	return store_pg_rows(s, id, sql, p, store_pg_event_row, &q, what, err,
	    errlen);
}

static int64_t
store_pg_events_query(struct store *s, const struct store_filter *f,
    int (*cb)(const struct store_event *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	enum pg_st		 id;

	if (f == NULL || cb == NULL)
		return store_bad(s, "store_events_query", err, errlen);
	if (f->student == NULL)
		id = PG_Q_ALL;
	else if (f->student[0] == '\0')
		id = PG_Q_NOBODY;
	else
		id = PG_Q_STUDENT;
	if (f->newest_first)
		id++;
	store_pgp_int(&p, f->since_ms);
	store_pgp_int(&p, f->until_ms ? f->until_ms : INT64_MAX);
	store_pgp_limit(&p, f->limit);
	if (id == PG_Q_STUDENT || id == PG_Q_STUDENT_DESC)
		store_pgp_text(&p, f->student);
	return store_pg_events_rows(s, id, pg_sql[id], &p, cb, arg, "query events",
	    err, errlen);
}

/* ---- purge ------------------------------------------------------- */

struct pg_part {
	char	 name[64];
	int64_t	 lo, hi;
};

static int64_t
store_pg_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	struct pg_part		*parts = NULL;
	PGresult		*r;
	int64_t			 total = 0, n;
	int			 np, i;

	if (store_writable(s, "store_purge", err, errlen) == -1)
		return -1;
	store_pgp_int(&p, before_ms);
	if ((r = store_pg_exec(s, PG_PURGE_LIST, pg_sql[PG_PURGE_LIST], &p,
	    "list partitions", err, errlen)) == NULL)
		return -1;
	np = PQntuples(r);
	if (np > 0 && (parts = calloc((size_t)np, sizeof(*parts))) == NULL) {
		PQclear(r);
		hp_errf(err, errlen, "%s: store_purge: out of memory", s->path);
		return -1;
	}
	for (i = 0; i < np; i++) {
		hp_strlcpy(parts[i].name, PQgetvalue(r, i, 0), sizeof(parts[i].name));
		parts[i].lo = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		parts[i].hi = strtoll(PQgetvalue(r, i, 2), NULL, 10);
	}
	PQclear(r);
	store_pg_parts_forget(s);
	for (i = 0; i < np; i++) {
		p.n = 0;
		if (parts[i].hi <= before_ms) {
			/* Wholly older: one DROP, no row-by-row delete, no bloat left behind. */
			store_pgp_text(&p, parts[i].name);
			if ((r = store_pg_exec(s, PG_PURGE_DROP, pg_sql[PG_PURGE_DROP],
			    &p, "drop partition", err, errlen)) == NULL)
				goto err;
			total += store_pg_int(r, 0);
			PQclear(r);
			continue;
		}
		/* The boundary day: only its older rows, a chunk per transaction. */
		store_pgp_int(&p, before_ms);
		store_pgp_int(&p, parts[i].lo);
		store_pgp_int(&p, PG_PURGE_CHUNK);
		do {
			if (store_pg_run(s, PG_PURGE_DELETE, pg_sql[PG_PURGE_DELETE], &p,
			    &n, "purge events", err, errlen) == -1)
				goto err;
			total += n;
		} while (n == PG_PURGE_CHUNK);
	}
	free(parts);
	return total;
err:
	free(parts);
	return -1;
}

/* ---- invites ----------------------------------------------------- */

static int
store_pg_invite_create(struct store *s, const char *guardian_id,
    const uint8_t code_hash[32], int64_t now_ms, int64_t expires_ms, char *err,
    size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	if (store_writable(s, "store_invite_create", err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || *guardian_id == '\0' || code_hash == NULL ||
	    expires_ms <= now_ms) {
		hp_errf(err, errlen, "%s: store_invite_create: bad guardian, code hash "
		    "or expiry", s->path);
		return -1;
	}
	store_pgp_bytes(&p, code_hash, 32);
	store_pgp_text(&p, guardian_id);
	store_pgp_int(&p, now_ms);
	store_pgp_int(&p, expires_ms);
	return store_pg_run(s, PG_INVITE_CREATE, pg_sql[PG_INVITE_CREATE], &p, NULL,
	    "create invite", err, errlen);
}

static int
store_pg_invite_consume(struct store *s, const uint8_t code_hash[32],
    int64_t now_ms, char *guardian_out, size_t outlen, char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };
	PGresult		*r;
	const char		*id;

	if (store_writable(s, "store_invite_consume", err, errlen) == -1)
		return -1;
	if (code_hash == NULL || guardian_out == NULL || outlen == 0)
		return store_bad(s, "store_invite_consume", err, errlen);
	store_pgp_bytes(&p, code_hash, 32);
	store_pgp_int(&p, now_ms);
	/* The transaction only lets a too-small buffer undo the UPDATE. */
	if (store_pg_begin(s, err, errlen) == -1)
		return -1;
	if ((r = store_pg_exec(s, PG_INVITE_CONSUME, pg_sql[PG_INVITE_CONSUME], &p,
	    "consume invite", err, errlen)) == NULL)
		goto err;
	if (PQntuples(r) == 0) {
		PQclear(r);
		if (store_pg_commit(s, err, errlen) == -1)
			goto err;
		hp_errf(err, errlen, "invite code unknown, used or expired");
		return 1;
	}
	id = store_pg_text(r, 0);
	if (id == NULL || strlen(id) >= outlen) {
		PQclear(r);
		hp_errf(err, errlen, "%s: store_invite_consume: guardian id does not "
		    "fit", s->path);
		goto err;
	}
	memcpy(guardian_out, id, strlen(id) + 1);
	PQclear(r);
	if (store_pg_commit(s, err, errlen) == -1)
		goto err;
	return 0;
err:
	store_pg_rollback(s);
	return -1;
}

/* ---- district ingest --------------------------------------------- */

/*
 * Shipping: a batch goes in as COPY into a session temp table, then one
 * INSERT ... SELECT ... ON CONFLICT moves it into the partitioned table, all
 * in one transaction.  One round trip per batch instead of one per row: a
 * gateway behind a slow link ships as fast as its batch size allows.
 */
struct pg_copybuf {
	char	*b;
	size_t	 len, cap;
	int	 nomem;
};

static void
pg_copy_raw(struct pg_copybuf *c, const char *s, size_t n)
{
	if (c->nomem)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t	 cap = c->cap ? c->cap : 65536;
		char	*nb;

		while (c->len + n + 1 > cap)
			cap *= 2;
		if ((nb = realloc(c->b, cap)) == NULL) {
			c->nomem = 1;
			return;
		}
		c->b = nb;
		c->cap = cap;
	}
	memcpy(c->b + c->len, s, n);
	c->len += n;
}

/* One field of COPY's text format: \N for NULL; backslash, tab, newline and CR escaped. */
static void
pg_copy_text(struct pg_copybuf *c, const char *v, int last)
{
	if (v == NULL) {
		pg_copy_raw(c, "\\N", 2);
	} else {
		for (const char *p = v; *p != '\0'; p++) {
			switch (*p) {
			case '\\': pg_copy_raw(c, "\\\\", 2); break;
			case '\t': pg_copy_raw(c, "\\t", 2); break;
			case '\n': pg_copy_raw(c, "\\n", 2); break;
			case '\r': pg_copy_raw(c, "\\r", 2); break;
			default: pg_copy_raw(c, p, 1); break;
			}
		}
	}
	pg_copy_raw(c, last ? "\n" : "\t", 1);
}

static void
pg_copy_int(struct pg_copybuf *c, int64_t v, int last)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	pg_copy_text(c, num, last);
}

/*
 * In the caller's transaction: makes the session's staging table (gone with
 * the connection, emptied at each commit), COPYs buf into it, then runs
 * move, whose affected rows are returned.
 */
static int64_t
pg_copy_batch(struct store *s, const char *stage, const char *copy,
    const struct pg_copybuf *buf, const char *move, const char *what, char *err,
    size_t errlen)
{
	PGresult	*r;
	int64_t		 n;

	if (buf->nomem) {
		hp_errf(err, errlen, "%s: %s: out of memory", s->path, what);
		return -1;
	}
	if (store_pg_plain(s, stage, what, err, errlen) == -1)
		return -1;
	r = PQexec(s->pg, copy);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		store_pg_err(s, err, errlen, what, r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if (PQputCopyData(s->pg, buf->b, (int)buf->len) != 1 ||
	    PQputCopyEnd(s->pg, NULL) != 1) {
		store_pg_err(s, err, errlen, what, NULL);
		while ((r = PQgetResult(s->pg)) != NULL)
			PQclear(r);
		return -1;
	}
	while ((r = PQgetResult(s->pg)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			store_pg_err(s, err, errlen, what, r);
			PQclear(r);
			while ((r = PQgetResult(s->pg)) != NULL)
				PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	r = PQexec(s->pg, move);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_pg_err(s, err, errlen, what, r);
		PQclear(r);
		return -1;
	}
	n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}

/* The staging tables: the same columns as the targets, no constraints, per session. */
#define PG_STAGE_PRE	"SET LOCAL client_min_messages = warning; CREATE TEMP TABLE IF NOT EXISTS "
#define PG_STAGE_POST	" ON COMMIT DELETE ROWS"

static int64_t
store_pg_ship_events_once(struct store *s, const char *gateway,
    const struct store_event *ev, const int64_t *seq, size_t n, char *err,
    size_t errlen)
{
	struct pg_copybuf	 c = { NULL, 0, 0, 0 };
	int64_t			 added;

	if (store_pg_parts_events(s, ev, n, 0, err, errlen) == -1 ||
	    store_pg_begin(s, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct store_event *e = &ev[i];

		pg_copy_text(&c, gateway, 0);
		pg_copy_int(&c, seq[i], 0);
		pg_copy_int(&c, e->ts_ms, 0);
		pg_copy_text(&c, e->day, 0);
		pg_copy_int(&c, e->hour, 0);
		pg_copy_text(&c, e->student != NULL && *e->student ? e->student : NULL, 0);
		pg_copy_text(&c, e->client, 0);
		pg_copy_text(&c, e->proto, 0);
		pg_copy_text(&c, e->host, 0);
		pg_copy_text(&c, e->category, 0);
		pg_copy_text(&c, e->action, 0);
		pg_copy_text(&c, e->rule, 0);
		pg_copy_text(&c, e->reason, 1);
	}
	added = pg_copy_batch(s, PG_STAGE_PRE "hp_ship_events (LIKE events)" PG_STAGE_POST,
	    "COPY hp_ship_events (gateway, seq, ts_ms, day, hour, student, client, proto,"
	    " host, category, action, rule, reason) FROM STDIN", &c,
	    "INSERT INTO events SELECT * FROM hp_ship_events"
	    " ON CONFLICT (gateway, seq, ts_ms) DO NOTHING", "ship events", err, errlen);
	free(c.b);
	if (added == -1 || store_pg_commit(s, err, errlen) == -1)
		goto err;
	return added;
err:
	store_pg_rollback(s);
	return -1;
}

static int64_t
store_pg_ship_events(struct store *s, const char *gateway,
    const struct store_event *ev, const int64_t *seq, size_t n, char *err,
    size_t errlen)
{
	int64_t	 rc = store_pg_ship_events_once(s, gateway, ev, seq, n, err, errlen);

	if (rc >= 0 || !store_pg_no_partition(err))
		return rc;
	store_pg_parts_forget(s);
	return store_pg_ship_events_once(s, gateway, ev, seq, n, err, errlen);
}

static int64_t
store_pg_ship_daily(struct store *s, const char *gateway,
    const struct store_ship_daily *rows, size_t n, char *err, size_t errlen)
{
	struct pg_copybuf	 c = { NULL, 0, 0, 0 };
	int64_t			 changed;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (store_pg_part_month(s, rows[i].day, err, errlen) == -1)
			return -1;
	if (store_pg_begin(s, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		pg_copy_text(&c, gateway, 0);
		pg_copy_text(&c, rows[i].day, 0);
		pg_copy_text(&c, store_rollup_student(rows[i].student), 0);
		pg_copy_text(&c, rows[i].host, 0);
		pg_copy_text(&c, rows[i].category, 0);
		pg_copy_int(&c, rows[i].visits, 0);
		pg_copy_int(&c, rows[i].blocked, 0);
		pg_copy_int(&c, rows[i].bytes, 0);
		pg_copy_int(&c, rows[i].seconds, 0);
		pg_copy_int(&c, rows[i].seq, 1);
	}
	changed = pg_copy_batch(s, PG_STAGE_PRE "hp_ship_daily (LIKE usage_daily)"
	    PG_STAGE_POST, "COPY hp_ship_daily (gateway, day, student, host, category,"
	    " visits, blocked, bytes, seconds, seq) FROM STDIN", &c,
	    "INSERT INTO usage_daily AS u (gateway, day, student, host, category, visits,"
	    " blocked, bytes, seconds, seq) SELECT gateway, day, student, host, category,"
	    " visits, blocked, bytes, seconds, seq FROM hp_ship_daily"
	    " ON CONFLICT (gateway, day, student, host) DO UPDATE SET"
	    " category = excluded.category, visits = excluded.visits,"
	    " blocked = excluded.blocked, bytes = excluded.bytes,"
	    " seconds = excluded.seconds, seq = excluded.seq"
	    " WHERE u.seq < excluded.seq", "ship usage_daily", err, errlen);
	free(c.b);
	if (changed == -1 || store_pg_commit(s, err, errlen) == -1)
		goto err;
	return changed;
err:
	store_pg_rollback(s);
	if (store_pg_no_partition(err))
		store_pg_parts_forget(s);
	return -1;
}

static int64_t
store_pg_ship_hourly(struct store *s, const char *gateway,
    const struct store_ship_hourly *rows, size_t n, char *err, size_t errlen)
{
	struct pg_copybuf	 c = { NULL, 0, 0, 0 };
	int64_t			 changed;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (store_pg_part_month(s, rows[i].day, err, errlen) == -1)
			return -1;
	if (store_pg_begin(s, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		pg_copy_text(&c, gateway, 0);
		pg_copy_text(&c, rows[i].day, 0);
		pg_copy_text(&c, store_rollup_student(rows[i].student), 0);
		pg_copy_int(&c, rows[i].hour, 0);
		pg_copy_int(&c, rows[i].visits, 0);
		pg_copy_int(&c, rows[i].blocked, 0);
		pg_copy_int(&c, rows[i].bytes, 0);
		pg_copy_int(&c, rows[i].seconds, 0);
		pg_copy_int(&c, rows[i].seq, 1);
	}
	changed = pg_copy_batch(s, PG_STAGE_PRE "hp_ship_hourly (LIKE usage_hourly)"
	    PG_STAGE_POST, "COPY hp_ship_hourly (gateway, day, student, hour, visits,"
	    " blocked, bytes, seconds, seq) FROM STDIN", &c,
	    "INSERT INTO usage_hourly AS u (gateway, day, student, hour, visits, blocked,"
	    " bytes, seconds, seq) SELECT gateway, day, student, hour, visits, blocked,"
	    " bytes, seconds, seq FROM hp_ship_hourly"
	    " ON CONFLICT (gateway, day, student, hour) DO UPDATE SET"
	    " visits = excluded.visits, blocked = excluded.blocked,"
	    " bytes = excluded.bytes, seconds = excluded.seconds, seq = excluded.seq"
	    " WHERE u.seq < excluded.seq", "ship usage_hourly", err, errlen);
	free(c.b);
	if (changed == -1 || store_pg_commit(s, err, errlen) == -1)
		goto err;
	return changed;
err:
	store_pg_rollback(s);
	if (store_pg_no_partition(err))
		store_pg_parts_forget(s);
	return -1;
}

static int
store_pg_ship_health(struct store *s, const struct store_gateway_health *h,
    char *err, size_t errlen)
{
	struct store_pgp	 p = { .n = 0 };

	store_pgp_text(&p, h->gateway);
	store_pgp_text(&p, h->rules_version);
	store_pgp_int(&p, h->last_packet_ms);
	store_pgp_int(&p, h->queue_drops);
	store_pgp_int(&p, h->fail_open_events);
	store_pgp_int(&p, h->backlog);
	store_pgp_int(&p, h->updated_ms);
	return store_pg_run(s, PG_SHIP_HEALTH, pg_sql[PG_SHIP_HEALTH], &p, NULL,
	    "ship health", err, errlen);
}

struct pg_health {
	int	(*cb)(const struct store_gateway_health *, void *);
	void	*arg;
};

static int
store_pg_health_row(const PGresult *r, void *arg)
{
	struct pg_health		*q = arg;
	struct store_gateway_health	 h;

	h.gateway = store_pg_text(r, 0);
	h.rules_version = store_pg_text(r, 1);
	h.last_packet_ms = store_pg_int(r, 2);
	h.queue_drops = store_pg_int(r, 3);
	h.fail_open_events = store_pg_int(r, 4);
	h.backlog = store_pg_int(r, 5);
	h.updated_ms = store_pg_int(r, 6);
	return q->cb(&h, q->arg);
}

static int64_t
store_pg_health_list(struct store *s,
    int (*cb)(const struct store_gateway_health *, void *), void *arg, char *err,
    size_t errlen)
{
	static const struct store_pgp	 none;
	struct pg_health		 q = { cb, arg };

	return store_pg_rows(s, PG_HEALTH_LIST, pg_sql[PG_HEALTH_LIST], &none,
	    store_pg_health_row, &q, "gateway health", err, errlen);
}

const struct store_ops store_pg_ops = {
	.close = store_pg_close,
	.events_insert = store_pg_events_insert,
	.usage_add = store_pg_usage_add,
	.events_query = store_pg_events_query,
	.purge = store_pg_purge,
	.invite_create = store_pg_invite_create,
	.invite_consume = store_pg_invite_consume,
	.ship_events = store_pg_ship_events,
	.ship_daily = store_pg_ship_daily,
	.ship_hourly = store_pg_ship_hourly,
	.ship_health = store_pg_ship_health,
	.health_list = store_pg_health_list,
};
