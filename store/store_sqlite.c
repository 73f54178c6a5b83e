/* store_sqlite: the SQLite (WAL) backend with user_version migrations for activity events, usage rollups and dashboard state. */
#include "store.h"
#include "store_impl.h"
#include "hp_err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough to ride out a purge chunk or a checkpoint, short enough that a CGI answers. */
#define STORE_BUSY_MS		5000
/* Rows per purge transaction: the writer thread waits for one chunk, not for the whole purge. */
#define STORE_PURGE_CHUNK	5000
/* PRAGMA application_id: 0x48504153, "HPAS", so another program's file is never "migrated". */
#define STORE_APP_ID		1213219155

/*
 * Migrations: step i takes the schema from user_version i to i + 1.  A
 * released step is never edited, only followed by a new one; docs/schema.md
 * holds a readable copy.  STRICT tables so a type mix-up is an error at
 * insert, not a surprise in a report.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1: activity, rollups, dashboard state */
	"CREATE TABLE events ("
	"  id        INTEGER PRIMARY KEY,"
	"  ts_ms     INTEGER NOT NULL,"
	"  day       TEXT NOT NULL,"
	"  hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),"
	"  student   TEXT,"
	"  client    TEXT NOT NULL,"
	"  proto     TEXT NOT NULL,"
	"  host      TEXT NOT NULL,"
	"  category  TEXT,"
	"  action    TEXT NOT NULL,"
	"  rule      TEXT,"
	"  reason    TEXT"
	") STRICT;"
	"CREATE INDEX events_student_ts ON events (student, ts_ms);"
	"CREATE INDEX events_ts ON events (ts_ms);"
	"CREATE TABLE usage_daily ("
	"  day       TEXT NOT NULL,"
	"  student   TEXT NOT NULL,"
	"  host      TEXT NOT NULL,"
	"  category  TEXT,"
	"  visits    INTEGER NOT NULL DEFAULT 0,"
	"  blocked   INTEGER NOT NULL DEFAULT 0,"
	"  bytes     INTEGER NOT NULL DEFAULT 0,"
	"  seconds   INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (day, student, host)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX usage_daily_student_day ON usage_daily (student, day);"
	"CREATE TABLE usage_hourly ("
	"  day       TEXT NOT NULL,"
	"  student   TEXT NOT NULL,"
	"  hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),"
	"  visits    INTEGER NOT NULL DEFAULT 0,"
	"  blocked   INTEGER NOT NULL DEFAULT 0,"
	"  bytes     INTEGER NOT NULL DEFAULT 0,"
	"  seconds   INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (day, student, hour)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX usage_hourly_student_day ON usage_hourly (student, day);"
	"CREATE TABLE guardian_accounts ("
	"  guardian_id TEXT PRIMARY KEY,"
	"  pw_hash     TEXT NOT NULL,"
	"  created_ms  INTEGER NOT NULL,"
	"  updated_ms  INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE guardian_invites ("
	"  code_hash   BLOB PRIMARY KEY CHECK (length(code_hash) = 32),"
	"  guardian_id TEXT NOT NULL,"
	"  created_ms  INTEGER NOT NULL,"
	"  expires_ms  INTEGER NOT NULL,"
	"  used_ms     INTEGER"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX guardian_invites_guardian ON guardian_invites (guardian_id);"
	"CREATE TABLE sessions ("
	"  token_hash   BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  guardian_id  TEXT NOT NULL"
	"               REFERENCES guardian_accounts (guardian_id) ON DELETE CASCADE,"
	"  csrf         BLOB NOT NULL,"
	"  created_ms   INTEGER NOT NULL,"
	"  last_seen_ms INTEGER NOT NULL,"
	"  expires_ms   INTEGER NOT NULL,"
	"  lang         TEXT"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX sessions_guardian ON sessions (guardian_id);"
	"CREATE INDEX sessions_expires ON sessions (expires_ms);"
	"CREATE TABLE login_failures ("
	"  key    TEXT NOT NULL,"
	"  ts_ms  INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX login_failures_key_ts ON login_failures (key, ts_ms);"
	"CREATE TABLE aup_acks ("
	"  guardian_id TEXT NOT NULL"
	"              REFERENCES guardian_accounts (guardian_id) ON DELETE CASCADE,"
	"  version     INTEGER NOT NULL,"
	"  ts_ms       INTEGER NOT NULL,"
	"  PRIMARY KEY (guardian_id, version)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id      INTEGER PRIMARY KEY,"
	"  ts_ms   INTEGER NOT NULL,"
	"  actor   TEXT NOT NULL,"
	"  action  TEXT NOT NULL,"
	"  detail  TEXT"
	") STRICT;"
	"CREATE INDEX audit_ts ON audit (ts_ms);",
	/*
	 * 1 -> 2: the dashboard's per-child reports read every column of a child's
	 * usage_daily rows for up to 14 days; through (student, day) each row
	 * cost a lookup in the primary key (25 ms a week at 10M events).  A
	 * covering index answers from the index alone; its prefix does what the
	 * old index did.
	 */
	"DROP INDEX usage_daily_student_day;"
	"CREATE INDEX usage_daily_student_cover ON usage_daily"
	" (student, day, host, category, visits, blocked, bytes, seconds);",
	/*
	 * 2 -> 3: shipping to the district (docs/district.md).  ship_clock is
	 * the gateway's local sequence: it only grows, even when retention
	 * empties events (a rowid would start again at 1).  Triggers stamp every
	 * block event and every rollup row that changes with the next value, so
	 * the shipper finds what is new by "seq > what the district has" without
	 * the writer's code knowing about shipping.  ship_state remembers what
	 * was shipped; health is the daemon's own, shipped with it.
	 */
	"CREATE TABLE ship_clock ("
	"  id  INTEGER PRIMARY KEY CHECK (id = 1),"
	"  v   INTEGER NOT NULL"
	") STRICT;"
	"INSERT INTO ship_clock VALUES (1, 0);"
	"ALTER TABLE events ADD COLUMN seq INTEGER;"
	"ALTER TABLE usage_daily ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE usage_hourly ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX events_seq ON events (seq) WHERE seq IS NOT NULL;"
	"CREATE INDEX usage_daily_seq ON usage_daily (seq);"
	"CREATE INDEX usage_hourly_seq ON usage_hourly (seq);"
	"CREATE TRIGGER events_ship AFTER INSERT ON events WHEN NEW.action = 'block' BEGIN"
	"  UPDATE ship_clock SET v = v + 1;"
	"  UPDATE events SET seq = (SELECT v FROM ship_clock) WHERE id = NEW.id;"
	" END;"
	"CREATE TRIGGER usage_daily_ship_ins AFTER INSERT ON usage_daily BEGIN"
	"  UPDATE ship_clock SET v = v + 1;"
	"  UPDATE usage_daily SET seq = (SELECT v FROM ship_clock)"
	"   WHERE day = NEW.day AND student = NEW.student AND host = NEW.host;"
	" END;"
	"CREATE TRIGGER usage_daily_ship_upd AFTER UPDATE OF category, visits, blocked,"
	" bytes, seconds ON usage_daily BEGIN"
	"  UPDATE ship_clock SET v = v + 1;"
	"  UPDATE usage_daily SET seq = (SELECT v FROM ship_clock)"
	"   WHERE day = NEW.day AND student = NEW.student AND host = NEW.host;"
	" END;"
	"CREATE TRIGGER usage_hourly_ship_ins AFTER INSERT ON usage_hourly BEGIN"
	"  UPDATE ship_clock SET v = v + 1;"
	"  UPDATE usage_hourly SET seq = (SELECT v FROM ship_clock)"
	"   WHERE day = NEW.day AND student = NEW.student AND hour = NEW.hour;"
	" END;"
	"CREATE TRIGGER usage_hourly_ship_upd AFTER UPDATE OF visits, blocked, bytes,"
	" seconds ON usage_hourly BEGIN"
	"  UPDATE ship_clock SET v = v + 1;"
	"  UPDATE usage_hourly SET seq = (SELECT v FROM ship_clock)"
	"   WHERE day = NEW.day AND student = NEW.student AND hour = NEW.hour;"
	" END;"
	"CREATE TABLE ship_state ("
	"  kind  TEXT PRIMARY KEY,"
	"  seq   INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE health ("
	"  id               INTEGER PRIMARY KEY CHECK (id = 1),"
	"  rules_version    TEXT,"
	"  last_packet_ms   INTEGER NOT NULL,"
	"  queue_drops      INTEGER NOT NULL,"
	"  fail_open_events INTEGER NOT NULL,"
	"  updated_ms       INTEGER NOT NULL"
	") STRICT;",
	/*
	 * 3 -> 4: families without e-mail (docs/dashboard.md): the sign-in name
	 * a guardian chose at enrolment (a username, or a phone number's digits;
	 * NULL: none, they use the roster's e-mail) and the language they chose.
	 */
	"CREATE TABLE guardian_logins ("
	"  guardian_id TEXT PRIMARY KEY,"
	"  login       TEXT UNIQUE,"
	"  lang        TEXT,"
	"  updated_ms  INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/*
	 * 4 -> 5: guardians' controls at home (store_home.h): one row per
	 * child, written by the dashboard (or the shipper's copy of the
	 * district's), read by hallpassd's loader.
	 */
	"CREATE TABLE guardian_controls ("
	"  student        TEXT PRIMARY KEY,"
	"  guardian_id    TEXT NOT NULL,"
	"  pause_until_ms INTEGER NOT NULL DEFAULT 0,"
	"  bed_from       INTEGER NOT NULL DEFAULT -1 CHECK (bed_from BETWEEN -1 AND 1439),"
	"  bed_to         INTEGER NOT NULL DEFAULT -1 CHECK (bed_to BETWEEN -1 AND 1439),"
	"  categories     TEXT NOT NULL DEFAULT '',"
	"  updated_ms     INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/*
	 * 5 -> 6: guardians' e-mail (hallpass digest, docs/digest.md): what each
	 * wants, and every message the mail server accepted, so a rerun after a
	 * failure never sends one twice.
	 */
	"CREATE TABLE notify_prefs ("
	"  guardian_id     TEXT PRIMARY KEY,"
	"  digest          TEXT NOT NULL CHECK (digest IN ('weekly', 'daily', 'none')),"
	"  alert_threshold INTEGER NOT NULL CHECK (alert_threshold BETWEEN 0 AND 1000),"
	"  updated_ms      INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE notify_sent ("
	"  guardian_id TEXT NOT NULL,"
	"  kind        TEXT NOT NULL,"
	"  period      TEXT NOT NULL,"
	"  student     TEXT NOT NULL,"
	"  sent_ms     INTEGER NOT NULL,"
	"  PRIMARY KEY (guardian_id, kind, period, student)"
	") STRICT, WITHOUT ROWID;",
	/*
	 * 6 -> 7: the staff console (docs/staff.md).  Staff accounts and
	 * sessions are apart from the parents'.  staff_audit records every
	 * staff view of a student's activity and only ever grows: the triggers
	 * refuse UPDATE and DELETE, whoever asks.
	 */
	"CREATE TABLE staff_accounts ("
	"  id               TEXT PRIMARY KEY,"
	"  role             TEXT NOT NULL CHECK (role IN ('district_admin', 'school_staff')),"
	"  schools          TEXT NOT NULL DEFAULT '',"
	"  pw_hash          TEXT,"
	"  setup_hash       BLOB UNIQUE CHECK (setup_hash IS NULL OR length(setup_hash) = 32),"
	"  setup_expires_ms INTEGER,"
	"  created_ms       INTEGER NOT NULL,"
	"  updated_ms       INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE staff_sessions ("
	"  token_hash   BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  staff_id     TEXT NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,"
	"  csrf         TEXT NOT NULL,"
	"  created_ms   INTEGER NOT NULL,"
	"  last_seen_ms INTEGER NOT NULL,"
	"  expires_ms   INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);"
	"CREATE TABLE staff_audit ("
	"  id       INTEGER PRIMARY KEY,"
	"  ts_ms    INTEGER NOT NULL,"
	"  staff_id TEXT NOT NULL,"
	"  role     TEXT NOT NULL,"
	"  student  TEXT NOT NULL,"
	"  school   TEXT,"
	"  action   TEXT NOT NULL,"
	"  reason   TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX staff_audit_ts ON staff_audit (ts_ms);"
	"CREATE TRIGGER staff_audit_no_update BEFORE UPDATE ON staff_audit BEGIN"
	"  SELECT RAISE(ABORT, 'staff_audit is append-only');"
	" END;"
	"CREATE TRIGGER staff_audit_no_delete BEFORE DELETE ON staff_audit BEGIN"
	"  SELECT RAISE(ABORT, 'staff_audit is append-only');"
	" END;",
};
#define STORE_NMIGRATIONS	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

enum store_st {
	ST_BEGIN = 0,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_EVENT_INSERT,
	ST_DAILY_EVENT,
	ST_HOURLY_EVENT,
	ST_DAILY_USAGE,
	ST_HOURLY_USAGE,
	ST_PURGE,
	ST_INVITE_CREATE,
	ST_INVITE_CONSUME,
	/* Queries: all / one student / no student, each oldest then newest first (+1). */
	ST_Q_ALL,
	ST_Q_ALL_DESC,
	ST_Q_STUDENT,
	ST_Q_STUDENT_DESC,
	ST_Q_NOBODY,
	ST_Q_NOBODY_DESC,
	ST__MAX
};

#define Q_COLS	"SELECT ts_ms, day, hour, student, client, proto, host, category," \
		" action, rule, reason FROM events WHERE "
#define Q_RANGE	"ts_ms >= ?1 AND ts_ms < ?2 "
#define Q_ASC	"ORDER BY ts_ms, id LIMIT ?3"
#define Q_DESC	"ORDER BY ts_ms DESC, id DESC LIMIT ?3"

_Static_assert(ST__MAX <= STORE_ST_MAX, "raise STORE_ST_MAX in store_impl.h");

/* Fixed texts, one per variant, so the planner picks the index and no SQL is ever assembled. */
static const char *const store_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_EVENT_INSERT] =
	    "INSERT INTO events (ts_ms, day, hour, student, client, proto, host,"
	    " category, action, rule, reason)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_DAILY_EVENT] =
	    "INSERT INTO usage_daily (day, student, host, category, visits, blocked)"
	    " VALUES (?1, ?2, ?3, ?4, 1, ?5)"
	    " ON CONFLICT (day, student, host) DO UPDATE SET"
	    " visits = visits + 1, blocked = blocked + excluded.blocked,"
	    " category = coalesce(excluded.category, category)",
	[ST_HOURLY_EVENT] =
	    "INSERT INTO usage_hourly (day, student, hour, visits, blocked)"
	    " VALUES (?1, ?2, ?3, 1, ?4)"
	    " ON CONFLICT (day, student, hour) DO UPDATE SET"
	    " visits = visits + 1, blocked = blocked + excluded.blocked",
	[ST_DAILY_USAGE] =
	    "INSERT INTO usage_daily (day, student, host, bytes, seconds)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (day, student, host) DO UPDATE SET"
	    " bytes = bytes + excluded.bytes, seconds = seconds + excluded.seconds",
	[ST_HOURLY_USAGE] =
	    "INSERT INTO usage_hourly (day, student, hour, bytes, seconds)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (day, student, hour) DO UPDATE SET"
	    " bytes = bytes + excluded.bytes, seconds = seconds + excluded.seconds",
	[ST_PURGE] =
	    "DELETE FROM events WHERE id IN"
	    " (SELECT id FROM events WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2)",
	[ST_INVITE_CREATE] =
	    "INSERT INTO guardian_invites (code_hash, guardian_id, created_ms, expires_ms)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_INVITE_CONSUME] =
	    "UPDATE guardian_invites SET used_ms = ?2"
	    " WHERE code_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2"
	    " RETURNING guardian_id",
	[ST_Q_ALL] = Q_COLS Q_RANGE Q_ASC,
	[ST_Q_ALL_DESC] = Q_COLS Q_RANGE Q_DESC,
	[ST_Q_STUDENT] = Q_COLS "student = ?4 AND " Q_RANGE Q_ASC,
	[ST_Q_STUDENT_DESC] = Q_COLS "student = ?4 AND " Q_RANGE Q_DESC,
	[ST_Q_NOBODY] = Q_COLS "student IS NULL AND " Q_RANGE Q_ASC,
	[ST_Q_NOBODY_DESC] = Q_COLS "student IS NULL AND " Q_RANGE Q_DESC,
};

/* Copies SQLite's message before anything (a rollback, a reset) can replace it. */
void
store_dberr(const struct store *s, char *err, size_t errlen, const char *what)
{
	hp_errf(err, errlen, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

static sqlite3_stmt *
store_stmt(struct store *s, enum store_st id, char *err, size_t errlen)
{
	if (s->st[id] != NULL)
		return s->st[id];
	if (sqlite3_prepare_v3(s->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st[id], NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "prepare");
		s->st[id] = NULL;
	}
	return s->st[id];
}

/* Ready for the next use; bindings cleared so no pointer into a caller's buffer outlives the call. */
void
store_stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows. */
int
store_run(struct store *s, sqlite3_stmt *st, const char *what, char *err,
    size_t errlen)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		store_dberr(s, err, errlen, what);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_exec(struct store *s, enum store_st id, const char *what, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, id, err, errlen)) == NULL)
		return -1;
	return store_run(s, st, what, err, errlen);
}

/* IMMEDIATE: take the write lock up front, so the busy timeout applies instead of a failed upgrade. */
int
store_begin(struct store *s, char *err, size_t errlen)
{
	return store_exec(s, ST_BEGIN, "begin", err, errlen);
}

int
store_commit(struct store *s, char *err, size_t errlen)
{
	return store_exec(s, ST_COMMIT, "commit", err, errlen);
}

/* SQLite rolls back by itself after some errors (full disk, I/O); only roll back what is still open. */
void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)store_exec(s, ST_ROLLBACK, "rollback", NULL, 0);
}

int
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int
store_pragma_int(struct store *s, const char *sql, int *out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto err;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		goto err;
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
err:
	store_dberr(s, err, errlen, sql);
	sqlite3_finalize(st);
	return -1;
}

/* Refuses what this code cannot safely read or write; 1 when migrations are missing. */
static int
store_check_version(struct store *s, int ver, char *err, size_t errlen)
{
	int	 appid, nobj;

	if (store_pragma_int(s, "PRAGMA application_id", &appid, err, errlen) == -1 ||
	    store_pragma_int(s, "SELECT count(*) FROM sqlite_schema", &nobj, err,
	    errlen) == -1)
		return -1;
	if ((appid != 0 && appid != STORE_APP_ID) || (ver == 0 && nobj > 0)) {
		hp_errf(err, errlen, "%s: not a hallpass database", s->path);
		return -1;
	}
	if (ver > STORE_NMIGRATIONS) {
		hp_errf(err, errlen, "%s: database schema version %d is newer than "
		    "this hallpass supports (%d): upgrade hallpass", s->path, ver,
		    STORE_NMIGRATIONS);
		return -1;
	}
	return ver < STORE_NMIGRATIONS;
}

/*
 * Applies the missing steps, one transaction each.  The version is read again
 * under the write lock: another process (the daemon and the CLI start
 * together) may have migrated in between, and then there is nothing to do.
 */
static int
store_migrate(struct store *s, char *err, size_t errlen)
{
	char	 sql[128], *msg = NULL;
	int	 ver;

	for (;;) {
		if (store_begin(s, err, errlen) == -1)
			return -1;
		if (store_pragma_int(s, "PRAGMA user_version", &ver, err, errlen) == -1)
			goto err;
		switch (store_check_version(s, ver, err, errlen)) {
		case -1:
			goto err;
		case 0:
			return store_commit(s, err, errlen);
		}
		if (sqlite3_exec(s->db, store_migrations[ver], NULL, NULL, &msg) !=
		    SQLITE_OK) {
			hp_errf(err, errlen, "%s: migration to schema version %d: %s",
			    s->path, ver + 1, msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			goto err;
		}
		/* PRAGMA takes no bound parameters; the numbers are the code's own constants. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
		    "PRAGMA application_id = %d", ver + 1, STORE_APP_ID);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			store_dberr(s, err, errlen, "set user_version");
			goto err;
		}
		if (store_commit(s, err, errlen) == -1)
			goto err;
	}
err:
	store_rollback(s);
	return -1;
}

static int
store_setup(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*mode;
	int		 ver;

	/* Hardening for a file other users may be able to write: no schema-borne surprises. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_dberr(s, err, errlen, "foreign_keys");
		return -1;
	}
	if (s->flags & STORE_RDONLY) {
		if (store_pragma_int(s, "PRAGMA user_version", &ver, err, errlen) == -1)
			return -1;
		switch (store_check_version(s, ver, err, errlen)) {
		case -1:
			return -1;
		case 1:
			hp_errf(err, errlen, "%s: database schema version %d is older "
			    "than %d: open it read-write once (hallpassd, hallpass) to "
			    "migrate", s->path, ver, STORE_NMIGRATIONS);
			return -1;
		}
		return 0;
	}
	/* WAL: the dashboard and the CLI read while the daemon writes. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		store_dberr(s, err, errlen, "journal_mode");
		goto err;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
		hp_errf(err, errlen, "%s: cannot switch to WAL (journal mode %s)",
		    s->path, mode ? mode : "?");
		goto err;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* In WAL, NORMAL is crash-safe; a power cut may lose the last commits, never corrupt. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_dberr(s, err, errlen, "synchronous");
		goto err;
	}
	return store_migrate(s, err, errlen);
err:
	sqlite3_finalize(st);
	return -1;
}

static void	store_sqlite_close(struct store *);

struct store *
store_sqlite_open(const char *path, int flags, char *err, size_t errlen)
{
	struct store	*s = NULL;
	int		 oflags;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		hp_errf(err, errlen, "%s: out of memory", path);
		goto err;
	}
	s->flags = flags;
	if (flags & STORE_RDONLY)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE |
		    ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		if (s->db == NULL)
			hp_errf(err, errlen, "%s: out of memory", path);
		else
			store_dberr(s, err, errlen, "open");
		goto err;
	}
	if (store_setup(s, err, errlen) == -1)
		goto err;
	return s;
err:
	store_sqlite_close(s);
	return NULL;
}

static void
store_sqlite_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST__MAX; i++)
		sqlite3_finalize(s->st[i]);
	store_dash_finalize(s);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int
store_event_put(struct store *s, const struct store_event *e, sqlite3_stmt *ins,
    sqlite3_stmt *daily, sqlite3_stmt *hourly, char *err, size_t errlen)
{
	const char	*student = e->student && *e->student ? e->student : NULL;
	int		 blocked = strcmp(e->action, "block") == 0;

	if (sqlite3_bind_int64(ins, 1, e->ts_ms) != SQLITE_OK ||
	    store_bind_text(ins, 2, e->day) != SQLITE_OK ||
	    sqlite3_bind_int(ins, 3, e->hour) != SQLITE_OK ||
	    store_bind_text(ins, 4, student) != SQLITE_OK ||
	    store_bind_text(ins, 5, e->client) != SQLITE_OK ||
	    store_bind_text(ins, 6, e->proto) != SQLITE_OK ||
	    store_bind_text(ins, 7, e->host) != SQLITE_OK ||
	    store_bind_text(ins, 8, e->category) != SQLITE_OK ||
	    store_bind_text(ins, 9, e->action) != SQLITE_OK ||
	    store_bind_text(ins, 10, e->rule) != SQLITE_OK ||
	    store_bind_text(ins, 11, e->reason) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind event");
		store_stmt_done(ins);
		return -1;
	}
	if (store_run(s, ins, "insert event", err, errlen) == -1)
		return -1;
	student = store_rollup_student(student);
	if (store_bind_text(daily, 1, e->day) != SQLITE_OK ||
	    store_bind_text(daily, 2, student) != SQLITE_OK ||
	    store_bind_text(daily, 3, e->host) != SQLITE_OK ||
	    store_bind_text(daily, 4, e->category) != SQLITE_OK ||
	    sqlite3_bind_int(daily, 5, blocked) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind usage_daily");
		store_stmt_done(daily);
		return -1;
	}
	if (store_run(s, daily, "usage_daily", err, errlen) == -1)
		return -1;
	if (store_bind_text(hourly, 1, e->day) != SQLITE_OK ||
	    store_bind_text(hourly, 2, student) != SQLITE_OK ||
	    sqlite3_bind_int(hourly, 3, e->hour) != SQLITE_OK ||
	    sqlite3_bind_int(hourly, 4, blocked) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind usage_hourly");
		store_stmt_done(hourly);
		return -1;
	}
	return store_run(s, hourly, "usage_hourly", err, errlen);
}

static int
store_sqlite_events_insert(struct store *s, const struct store_event *ev, size_t n,
    char *err, size_t errlen)
{
	sqlite3_stmt	*ins, *daily, *hourly;
	char		 what[64];
	size_t		 i;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	/* Checked before the transaction: a bad batch never holds the write lock. */
	for (i = 0; i < n; i++)
		if (store_event_check(s, &ev[i], i, err, errlen) == -1)
			return -1;
	if (n == 0)
		return 0;
	if ((ins = store_stmt(s, ST_EVENT_INSERT, err, errlen)) == NULL ||
	    (daily = store_stmt(s, ST_DAILY_EVENT, err, errlen)) == NULL ||
	    (hourly = store_stmt(s, ST_HOURLY_EVENT, err, errlen)) == NULL)
		return -1;
	if (store_begin(s, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (store_event_put(s, &ev[i], ins, daily, hourly, err, errlen) == -1)
			goto err;
	if (store_commit(s, err, errlen) == -1)
		goto err;
	return 0;
err:
	/* Name the event that failed, keeping SQLite's reason. */
	if (i < n && err != NULL && errlen > 0) {
		snprintf(what, sizeof(what), " (event %zu)", i);
		if (strlen(err) + strlen(what) < errlen)
			strcat(err, what);
	}
	store_rollback(s);
	return -1;
}

static int
store_sqlite_usage_add(struct store *s, const char *day, int hour, const char *student,
    const char *host, int64_t bytes, int64_t seconds, char *err, size_t errlen)
{
	sqlite3_stmt	*daily, *hourly;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (!store_day_valid(day) || hour < 0 || hour > 23 || host == NULL ||
	    bytes < 0 || seconds < 0) {
		hp_errf(err, errlen, "%s: %s: bad day, hour, host, bytes or seconds",
		    s->path, __func__);
		return -1;
	}
	student = store_rollup_student(student);
	if ((daily = store_stmt(s, ST_DAILY_USAGE, err, errlen)) == NULL ||
	    (hourly = store_stmt(s, ST_HOURLY_USAGE, err, errlen)) == NULL)
		return -1;
	if (store_begin(s, err, errlen) == -1)
		return -1;
	if (store_bind_text(daily, 1, day) != SQLITE_OK ||
	    store_bind_text(daily, 2, student) != SQLITE_OK ||
	    store_bind_text(daily, 3, host) != SQLITE_OK ||
	    sqlite3_bind_int64(daily, 4, bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(daily, 5, seconds) != SQLITE_OK ||
	    store_bind_text(hourly, 1, day) != SQLITE_OK ||
	    store_bind_text(hourly, 2, student) != SQLITE_OK ||
	    sqlite3_bind_int(hourly, 3, hour) != SQLITE_OK ||
	    sqlite3_bind_int64(hourly, 4, bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(hourly, 5, seconds) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind usage");
		goto err;
	}
	if (store_run(s, daily, "usage_daily", err, errlen) == -1 ||
	    store_run(s, hourly, "usage_hourly", err, errlen) == -1 ||
	    store_commit(s, err, errlen) == -1)
		goto err;
	return 0;
err:
	/* Whatever step failed, neither statement may keep a binding into the caller's strings. */
	store_stmt_done(daily);
	store_stmt_done(hourly);
	store_rollback(s);
	return -1;
}

static const char *
store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t
store_sqlite_events_query(struct store *s, const struct store_filter *f,
    int (*cb)(const struct store_event *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_event	 e;
	sqlite3_stmt		*st;
	enum store_st		 id;
	int64_t			 n = 0, limit;
	int			 rc;

	if (f == NULL || cb == NULL || s->in_query) {
		hp_errf(err, errlen, "%s: %s: %s", s->path, __func__, s->in_query ?
		    "called from its own callback" : "bad arguments");
		return -1;
	}
	if (f->student == NULL)
		id = ST_Q_ALL;
	else if (f->student[0] == '\0')
		id = ST_Q_NOBODY;
	else
		id = ST_Q_STUDENT;
	if (f->newest_first)
		id++;
	if ((st = store_stmt(s, id, err, errlen)) == NULL)
		return -1;
	/* LIMIT -1 is SQLite's "no limit"; so is anything past INT64_MAX. */
	limit = f->limit == 0 || f->limit > (uint64_t)INT64_MAX ? -1 : (int64_t)f->limit;
	if (sqlite3_bind_int64(st, 1, f->since_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, f->until_ms ? f->until_ms : INT64_MAX) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 3, limit) != SQLITE_OK ||
	    (id == ST_Q_STUDENT || id == ST_Q_STUDENT_DESC ?
	    store_bind_text(st, 4, f->student) : SQLITE_OK) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind query");
		store_stmt_done(st);
		return -1;
	}
	s->in_query = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.ts_ms = sqlite3_column_int64(st, 0);
		e.day = store_col_text(st, 1);
		e.hour = sqlite3_column_int(st, 2);
		e.student = store_col_text(st, 3);
		e.client = store_col_text(st, 4);
		e.proto = store_col_text(st, 5);
		e.host = store_col_text(st, 6);
		e.category = store_col_text(st, 7);
		e.action = store_col_text(st, 8);
		e.rule = store_col_text(st, 9);
		e.reason = store_col_text(st, 10);
		n++;
		if (cb(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	s->in_query = 0;
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, "query events");
		n = -1;
	}
	store_stmt_done(st);
	return n;
}

static int64_t
store_sqlite_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 n, total = 0;

	if (store_writable(s, __func__, err, errlen) == -1 ||
	    (st = store_stmt(s, ST_PURGE, err, errlen)) == NULL)
		return -1;
	do {
		if (store_begin(s, err, errlen) == -1)
			return -1;
		if (sqlite3_bind_int64(st, 1, before_ms) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, STORE_PURGE_CHUNK) != SQLITE_OK) {
			store_dberr(s, err, errlen, "bind purge");
			store_stmt_done(st);
			goto err;
		}
		if (store_run(s, st, "purge events", err, errlen) == -1)
			goto err;
		n = sqlite3_changes64(s->db);
		if (store_commit(s, err, errlen) == -1)
			goto err;
		total += n;
	} while (n == STORE_PURGE_CHUNK);
	return total;
err:
	store_rollback(s);
	return -1;
}

static int
store_sqlite_invite_create(struct store *s, const char *guardian_id,
    const uint8_t code_hash[32], int64_t now_ms, int64_t expires_ms, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (guardian_id == NULL || *guardian_id == '\0' || code_hash == NULL ||
	    expires_ms <= now_ms) {
		hp_errf(err, errlen, "%s: %s: bad guardian, code hash or expiry",
		    s->path, __func__);
		return -1;
	}
	if ((st = store_stmt(s, ST_INVITE_CREATE, err, errlen)) == NULL)
		return -1;
	if (sqlite3_bind_blob(st, 1, code_hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    store_bind_text(st, 2, guardian_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, expires_ms) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind invite");
		store_stmt_done(st);
		return -1;
	}
	return store_run(s, st, "create invite", err, errlen);
}

static int
store_sqlite_invite_consume(struct store *s, const uint8_t code_hash[32], int64_t now_ms,
    char *guardian_out, size_t outlen, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	const char	*id;
	int		 rc;

	if (store_writable(s, __func__, err, errlen) == -1)
		return -1;
	if (code_hash == NULL || guardian_out == NULL || outlen == 0) {
		hp_errf(err, errlen, "%s: %s: bad arguments", s->path, __func__);
		return -1;
	}
	if ((st = store_stmt(s, ST_INVITE_CONSUME, err, errlen)) == NULL)
		return -1;
	/*
	 * One UPDATE … WHERE used_ms IS NULL is what makes it single-use; the
	 * transaction only lets a too-small buffer undo it.
	 */
	if (store_begin(s, err, errlen) == -1)
		return -1;
	if (sqlite3_bind_blob(st, 1, code_hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now_ms) != SQLITE_OK) {
		store_dberr(s, err, errlen, "bind invite");
		goto err;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		store_stmt_done(st);
		if (store_commit(s, err, errlen) == -1)
			goto err;
		hp_errf(err, errlen, "invite code unknown, used or expired");
		return 1;
	}
	if (rc != SQLITE_ROW) {
		store_dberr(s, err, errlen, "consume invite");
		goto err;
	}
	id = store_col_text(st, 0);
	if (id == NULL || (size_t)sqlite3_column_bytes(st, 0) >= outlen) {
		hp_errf(err, errlen, "%s: %s: guardian id does not fit", s->path,
		    __func__);
		goto err;
	}
	memcpy(guardian_out, id, (size_t)sqlite3_column_bytes(st, 0) + 1);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_dberr(s, err, errlen, "consume invite");
		goto err;
	}
	store_stmt_done(st);
	if (store_commit(s, err, errlen) == -1)
		goto err;
	return 0;
err:
	store_stmt_done(st);
	store_rollback(s);
	return -1;
}

const struct store_ops store_sqlite_ops = {
	.close = store_sqlite_close,
	.events_insert = store_sqlite_events_insert,
	.usage_add = store_sqlite_usage_add,
	.events_query = store_sqlite_events_query,
	.purge = store_sqlite_purge,
	.invite_create = store_sqlite_invite_create,
	.invite_consume = store_sqlite_invite_consume,
};
