/* test_staff: the staff console's roles and school scope, staff accounts, sessions and setup codes, the append-only audit, and the engagement report — on SQLite and (HALLPASS_TEST_PG) PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "auth_staff.h"
#include "diag.h"
#include "engage.h"
#include "policy.h"
#include "store.h"
#include "store_dash.h"
#include "store_staff.h"

#define NOW	1795446000000LL		/* 2026-11-23 15:00 UTC: any fixed instant */
#define DAY	86400000LL

static char	 tmpdir[64], err[512];
static char	 pg_uri[512];	/* the test database on HALLPASS_TEST_PG, "" when unset */

#define CHECK(expr, want) do { int64_t got_ = (expr); if (got_ != (int64_t)(want)) \
		fail_msg("%s = %lld, want %lld: %s", #expr, (long long)got_, \
		    (long long)(want), err); } while (0)

static void
test_roles(void **state)
{
	struct store_staff	 a;
	char			 e[256];

	(void)state;
	assert_true(auth_staff_id_ok("it-admin"));
	assert_true(auth_staff_id_ok("ana.lopez@district.example"));
	assert_false(auth_staff_id_ok(""));
	assert_false(auth_staff_id_ok("-x"));
	assert_false(auth_staff_id_ok("a b"));
	assert_false(auth_staff_id_ok("a,b"));
	assert_true(auth_staff_role_ok("district_admin"));
	assert_true(auth_staff_role_ok("school_staff"));
	assert_false(auth_staff_role_ok("teacher"));
	assert_int_equal(auth_staff_schools_ok("district_admin", "", e, sizeof(e)), 0);
	assert_int_equal(auth_staff_schools_ok("district_admin", "sch-lin", e, sizeof(e)), -1);
	assert_int_equal(auth_staff_schools_ok("school_staff", "", e, sizeof(e)), -1);
	assert_int_equal(auth_staff_schools_ok("school_staff", "sch-lin,sch-wash", e,
	    sizeof(e)), 0);
	assert_int_equal(auth_staff_schools_ok("school_staff", "sch-lin,,x", e, sizeof(e)), -1);
	assert_int_equal(auth_staff_schools_ok("school_staff", "sch lin", e, sizeof(e)), -1);
	assert_non_null(strstr(e, "sch lin"));
	assert_int_equal(auth_staff_schools_ok("root", "", e, sizeof(e)), -1);

	memset(&a, 0, sizeof(a));
	snprintf(a.role, sizeof(a.role), "school_staff");
	snprintf(a.schools, sizeof(a.schools), "sch-lin,sch-wash");
	assert_true(auth_staff_sees_school(&a, "sch-lin"));
	assert_true(auth_staff_sees_school(&a, "sch-wash"));
	/* A prefix, a longer id, no school: never. */
	assert_false(auth_staff_sees_school(&a, "sch-li"));
	assert_false(auth_staff_sees_school(&a, "sch-lincoln"));
	assert_false(auth_staff_sees_school(&a, NULL));
	assert_false(auth_staff_sees_school(&a, ""));
	assert_false(auth_staff_is_admin(&a));
	snprintf(a.role, sizeof(a.role), "district_admin");
	a.schools[0] = '\0';
	assert_true(auth_staff_is_admin(&a));
	assert_true(auth_staff_sees_school(&a, "sch-anything"));
	assert_true(auth_staff_sees_school(&a, NULL));
	/* An unknown role sees nothing. */
	snprintf(a.role, sizeof(a.role), "teacher");
	assert_false(auth_staff_sees_school(&a, "sch-lin"));
}

struct audit_seen {
	int	 n;
	char	 first[64];
	int64_t	 prev_ts;
	int	 ordered;
};

static int
audit_cb(const struct store_staff_audit *a, void *arg)
{
	struct audit_seen	*s = arg;

	if (s->n == 0)
		snprintf(s->first, sizeof(s->first), "%s", a->reason);
	else if (a->ts_ms > s->prev_ts)
		s->ordered = 0;
	s->prev_ts = a->ts_ms;
	s->n++;
	return 0;
}

static int
list_cb(const struct store_staff *a, void *arg)
{
	(*(int *)arg)++;
	return strcmp(a->role, "district_admin") == 0 || strcmp(a->role, "school_staff") == 0
	    ? 0 : 1;
}

static int
mark_cb(const char *g, int mark, void *arg)
{
	int	*n = arg;

	(void)g;
	switch (mark) {
	case STORE_MARK_INVITED: n[0]++; break;
	case STORE_MARK_ENROLLED: n[1]++; break;
	case STORE_MARK_ACKED: n[2]++; break;
	case STORE_MARK_ACTIVE: n[3]++; break;
	}
	return 0;
}

/* Runs raw SQL beside the code under test: 0 when the database accepted it. */
typedef int (*raw_fn)(const char *db, const char *sql);

static int
raw_sqlite(const char *db, const char *sql)
{
	sqlite3	*h;
	int	 rc;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static int
raw_pg(const char *db, const char *sql)
{
	PGconn		*c = PQconnectdb(db);
	PGresult	*r;
	int		 rc;

	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(r);
	PQfinish(c);
	return rc;
}

static void
staff_store_checks(const char *db, raw_fn raw)
{
	struct store			*s;
	struct store_staff		 a;
	struct store_staff_session	 ss;
	struct audit_seen		 seen;
	uint8_t				 tok[STORE_HASH_LEN], csrf[STORE_CSRF_LEN], code[STORE_HASH_LEN];
	char				 hash[STORE_PWHASH_MAX], id[STORE_STAFF_ID_MAX];
	int				 n = 0, marks[4] = { 0, 0, 0, 0 };

	assert_non_null(s = store_open(db, STORE_CREATE, err, sizeof(err)));
	CHECK(store_staff_add(s, "admin", "district_admin", "", NOW, err, sizeof(err)), 0);
	CHECK(store_staff_add(s, "admin", "school_staff", "x", NOW, err, sizeof(err)), 1);
	CHECK(store_staff_add(s, "lin", "school_staff", "sch-lin,sch-x", NOW, err,
	    sizeof(err)), 0);
	/* The database itself refuses a role that is not one of the two. */
	CHECK(store_staff_add(s, "bad", "teacher", "", NOW, err, sizeof(err)), -1);
	CHECK(store_staff_get(s, "lin", &a, hash, sizeof(hash), err, sizeof(err)), 0);
	assert_string_equal(a.role, "school_staff");
	assert_string_equal(a.schools, "sch-lin,sch-x");
	assert_int_equal(a.has_password, 0);
	assert_string_equal(hash, "");
	CHECK(store_staff_get(s, "nobody", &a, NULL, 0, err, sizeof(err)), 1);
	CHECK(store_staff_list(s, list_cb, &n, err, sizeof(err)), 2);
	assert_int_equal(n, 2);

	CHECK(store_staff_set_password(s, "lin", "$argon2id$fake", NOW, err, sizeof(err)), 0);
	CHECK(store_staff_set_password(s, "nobody", "$argon2id$fake", NOW, err,
	    sizeof(err)), 1);
	CHECK(store_staff_get(s, "lin", &a, hash, sizeof(hash), err, sizeof(err)), 0);
	assert_int_equal(a.has_password, 1);
	assert_string_equal(hash, "$argon2id$fake");

	/* Sessions: found, idle, deleted; a new password ends them. */
	memset(tok, 7, sizeof(tok));
	memset(csrf, 0xa5, sizeof(csrf));
	CHECK(store_staff_session_create(s, tok, "lin", csrf, NOW, NOW + 3600000, err,
	    sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 1000, 60000, &ss, err, sizeof(err)), 0);
	assert_string_equal(ss.staff_id, "lin");
	assert_memory_equal(ss.csrf, csrf, sizeof(csrf));
	CHECK(store_staff_session_get(s, tok, NOW + 60001, 60000, &ss, err, sizeof(err)), 1);
	CHECK(store_staff_session_touch(s, tok, NOW + 60000, err, sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 60001, 60000, &ss, err, sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 3600000, 1LL << 40, &ss, err,
	    sizeof(err)), 1);
	CHECK(store_staff_set_password(s, "lin", "$argon2id$other", NOW, err, sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 1000, 60000, &ss, err, sizeof(err)), 1);
	/* A parent's session table is another table: the same token is not a staff session. */
	CHECK(store_staff_session_create(s, tok, "lin", csrf, NOW, NOW + 3600000, err,
	    sizeof(err)), 0);
	CHECK(store_staff_session_delete(s, tok, err, sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 1000, 60000, &ss, err, sizeof(err)), 1);

	/* Setup codes: single use, expiring. */
	memset(code, 3, sizeof(code));
	CHECK(store_staff_set_setup(s, "admin", code, NOW + 1000, err, sizeof(err)), 0);
	CHECK(store_staff_get(s, "admin", &a, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(a.has_setup, 1);
	CHECK(store_staff_setup_consume(s, code, NOW + 1000, id, sizeof(id), err,
	    sizeof(err)), 1);
	CHECK(store_staff_setup_consume(s, code, NOW, id, sizeof(id), err, sizeof(err)), 0);
	assert_string_equal(id, "admin");
	CHECK(store_staff_setup_consume(s, code, NOW, id, sizeof(id), err, sizeof(err)), 1);
	CHECK(store_staff_set_setup(s, "nobody", code, NOW + 1000, err, sizeof(err)), 1);

	/* Removing an account ends its sessions. */
	CHECK(store_staff_session_create(s, tok, "lin", csrf, NOW, NOW + 3600000, err,
	    sizeof(err)), 0);
	CHECK(store_staff_remove(s, "lin", err, sizeof(err)), 0);
	CHECK(store_staff_session_get(s, tok, NOW + 1000, 60000, &ss, err, sizeof(err)), 1);
	CHECK(store_staff_remove(s, "lin", err, sizeof(err)), 1);

	/* The audit: newest first, a limit, a reason required. */
	CHECK(store_staff_audit_add(s, NOW, "lin", "school_staff", "stu-100", "sch-lin",
	    "view day", "ticket 1", err, sizeof(err)), 0);
	CHECK(store_staff_audit_add(s, NOW + 2, "admin", "district_admin", "stu-103",
	    NULL, "view week", "ticket 3", err, sizeof(err)), 0);
	CHECK(store_staff_audit_add(s, NOW + 1, "lin", "school_staff", "stu-101", "sch-lin",
	    "view day", "it's 'quoted'; DROP TABLE staff_audit;--", err, sizeof(err)), 0);
	CHECK(store_staff_audit_add(s, NOW, "lin", "school_staff", "stu-100", "sch-lin",
	    "view day", "", err, sizeof(err)), -1);
	memset(&seen, 0, sizeof(seen));
	seen.ordered = 1;
	CHECK(store_staff_audit_list(s, 0, audit_cb, &seen, err, sizeof(err)), 3);
	assert_int_equal(seen.ordered, 1);
	assert_string_equal(seen.first, "ticket 3");
	memset(&seen, 0, sizeof(seen));
	CHECK(store_staff_audit_list(s, 2, audit_cb, &seen, err, sizeof(err)), 2);

	/* Nobody edits the audit, not even with SQL of their own. */
	assert_int_equal(raw(db, "UPDATE staff_audit SET reason = 'nothing'"), -1);
	assert_int_equal(raw(db, "DELETE FROM staff_audit"), -1);
	if (raw == raw_pg)
		assert_int_equal(raw(db, "TRUNCATE staff_audit"), -1);
	memset(&seen, 0, sizeof(seen));
	CHECK(store_staff_audit_list(s, 0, audit_cb, &seen, err, sizeof(err)), 3);
	assert_string_equal(seen.first, "ticket 3");

	/* The engagement marks. */
	CHECK(store_account_set(s, "g1", "x", NOW, err, sizeof(err)), 0);
	CHECK(store_account_set(s, "g2", "x", NOW, err, sizeof(err)), 0);
	CHECK(store_aup_ack(s, "g1", 3, NOW, err, sizeof(err)), 0);
	CHECK(store_aup_ack(s, "g2", 2, NOW, err, sizeof(err)), 0);
	memset(code, 4, sizeof(code));
	CHECK(store_invite_create(s, "g3", code, NOW - DAY, NOW + DAY, err, sizeof(err)), 0);
	memset(code, 5, sizeof(code));
	CHECK(store_invite_create(s, "g3", code, NOW - DAY, NOW + DAY, err, sizeof(err)), 0);
	memset(code, 6, sizeof(code));
	CHECK(store_invite_create(s, "g4", code, NOW - 9 * DAY, NOW - DAY, err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 5 * DAY, "g1", "login", "x", err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 4 * DAY, "g1", "login", "x", err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 40 * DAY, "g2", "login", "x", err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 1 * DAY, "g2", "logout", "x", err, sizeof(err)), 0);
	CHECK(store_engagement_marks(s, 3, NOW, NOW - 30 * DAY, mark_cb, marks, err,
	    sizeof(err)), 5);
	/* g3 invited (twice: once), g1 and g2 enrolled, g1 acked version 3, g1 active. */
	assert_int_equal(marks[0], 1);
	assert_int_equal(marks[1], 2);
	assert_int_equal(marks[2], 1);
	assert_int_equal(marks[3], 1);
	store_close(s);
}

static void
test_store_sqlite(void **state)
{
	char	 db[128];

	(void)state;
	snprintf(db, sizeof(db), "%s/staff.db", tmpdir);
	staff_store_checks(db, raw_sqlite);
}

static void
test_store_pg(void **state)
{
	(void)state;
	if (pg_uri[0] == '\0') {
		print_message("# SKIP: HALLPASS_TEST_PG is unset\n");
		skip();
	}
	staff_store_checks(pg_uri, raw_pg);
}

/* A configuration directory: rules/policy.yaml with the fixture's group rules, and its roster. */
static void
make_conf(const char *dir)
{
	static const char *const parts[][2] = {
		{ "../rules/policy.yaml", "policy.yaml" },
		{ "fixtures/staff/group_rules.yaml", "policy.yaml" },
		{ "fixtures/staff/roster.csv", "roster.csv" },
	};
	char	 path[256], buf[4096];
	size_t	 n;

	assert_int_equal(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < 3; i++) {
		FILE	*in = fopen(parts[i][0], "r"), *out;

		assert_non_null(in);
		snprintf(path, sizeof(path), "%s/%s", dir, parts[i][1]);
		assert_non_null(out = fopen(path, i == 1 ? "a" : "w"));
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			assert_int_equal(fwrite(buf, 1, n, out), n);
		fclose(in);
		fclose(out);
	}
}

static int
only_lin(const char *school, void *arg)
{
	(void)arg;
	return school != NULL && strcmp(school, "sch-lin") == 0;
}

struct fam_seen {
	int	 n, invited;
	char	 ids[256];
};

static int
fam_cb(const struct engage_family *f, void *arg)
{
	struct fam_seen	*s = arg;
	size_t		 len = strlen(s->ids);

	snprintf(s->ids + len, sizeof(s->ids) - len, "%s%s", len ? "," : "", f->id);
	s->invited += f->invited;
	s->n++;
	return 0;
}

static void
count_is(const struct engage_count *c, long st, long fam, long inv, long enr, long ack,
    long act, long never)
{
	assert_int_equal(c->students, st);
	assert_int_equal(c->families, fam);
	assert_int_equal(c->invited, inv);
	assert_int_equal(c->enrolled, enr);
	assert_int_equal(c->acked, ack);
	assert_int_equal(c->active, act);
	assert_int_equal(c->unreached, never);
}

static int
csv_put(const char *s, size_t n, void *arg)
{
	char	*b = arg;
	size_t	 len = strlen(b);

	if (len + n >= 4096)
		return -1;
	memcpy(b + len, s, n);
	b[len + n] = '\0';
	return 0;
}

static void
test_engagement(void **state)
{
	struct diag		 dg;
	struct policy		*p;
	struct store		*s;
	struct engage		*e;
	struct fam_seen		 fs;
	const struct engage_row	*r;
	char			 dir[128], db[160], csv[4096];
	uint8_t			 code[STORE_HASH_LEN];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/conf", tmpdir);
	make_conf(dir);
	diag_init(&dg);
	p = policy_load_roster(dir, &dg);
	if (p == NULL)
		diag_print(&dg, stderr);
	assert_non_null(p);
	snprintf(db, sizeof(db), "%s/eng.db", tmpdir);
	assert_non_null(s = store_open(db, STORE_CREATE, err, sizeof(err)));
	/* As tests/web/hp_seed.c --engagement: the same story, the same numbers. */
	CHECK(store_account_set(s, "par-200", "x", NOW - 60 * DAY, err, sizeof(err)), 0);
	CHECK(store_aup_ack(s, "par-200", 3, NOW - 3 * DAY, err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 5 * DAY, "par-200", "login", "x", err, sizeof(err)), 0);
	CHECK(store_account_set(s, "par-201", "x", NOW - 60 * DAY, err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 40 * DAY, "par-201", "login", "x", err, sizeof(err)), 0);
	memset(code, 1, sizeof(code));
	CHECK(store_invite_create(s, "par-202", code, NOW - DAY, NOW + 7 * DAY, err,
	    sizeof(err)), 0);
	memset(code, 2, sizeof(code));
	CHECK(store_invite_create(s, "par-203", code, NOW - 9 * DAY, NOW - DAY, err,
	    sizeof(err)), 0);
	CHECK(store_account_set(s, "par-204", "x", NOW - 2 * DAY, err, sizeof(err)), 0);
	CHECK(store_aup_ack(s, "par-204", 3, NOW - 2 * DAY, err, sizeof(err)), 0);
	CHECK(store_audit(s, NOW - 2 * DAY, "par-204", "enrol", "x", err, sizeof(err)), 0);
	/* An old version's acknowledgement does not count. */
	CHECK(store_aup_ack(s, "par-201", 2, NOW - 3 * DAY, err, sizeof(err)), 0);

	e = engage_build(p, s, 3, NOW, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(e);
	assert_int_equal(engage_nrows(e), 4);
	r = engage_row_at(e, 0);
	assert_string_equal(r->school, "sch-lin");
	assert_string_equal(r->school_name, "Lincoln Elementary");
	assert_string_equal(r->group, "elementary");
	count_is(&r->n, 3, 4, 1, 2, 1, 1, 2);
	r = engage_row_at(e, 1);
	assert_string_equal(r->school, "sch-wash");
	assert_string_equal(r->group, "secondary");
	/* par-204 has two children here: one family. */
	count_is(&r->n, 4, 2, 0, 1, 1, 1, 1);
	/* policy.yaml's own students (no school) come last. */
	assert_string_equal(engage_row_at(e, 2)->school, "");
	count_is(engage_total(e), 13, 9, 1, 3, 2, 2, 6);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(engage_families(e, "sch-lin", "elementary", fam_cb, &fs), 2);
	assert_string_equal(fs.ids, "par-202,par-203");
	assert_int_equal(fs.invited, 1);
	csv[0] = '\0';
	assert_int_equal(engage_families_csv(e, "sch-wash", NULL, csv_put, csv), 0);
	assert_non_null(strstr(csv, "\"sch-wash\",\"secondary\",\"par-205\",\"Olu Roe\","
	    "\"parent\",\"\",\"+1 555 010 0205\",\"\",\"Finn Roe\",\"no\"\r\n"));
	csv[0] = '\0';
	assert_int_equal(engage_csv(e, csv_put, csv), 0);
	assert_non_null(strstr(csv, "\"sch-lin\",\"Lincoln Elementary\",\"elementary\","
	    "3,4,1,2,1,1,2\r\n"));
	assert_non_null(strstr(csv, "TOTAL,,,13,9,1,3,2,2,6\r\n"));
	engage_free(e);

	/* 36 days later: nobody active, the invite expired. */
	assert_non_null(e = engage_build(p, s, 3, NOW + 36 * DAY, NULL, NULL, NULL, err,
	    sizeof(err)));
	count_is(engage_total(e), 13, 9, 0, 3, 2, 0, 6);
	engage_free(e);
	/* A school staff member's scope, and --school: one row. */
	assert_non_null(e = engage_build(p, s, 3, NOW, only_lin, NULL, NULL, err,
	    sizeof(err)));
	assert_int_equal(engage_nrows(e), 1);
	count_is(engage_total(e), 3, 4, 1, 2, 1, 1, 2);
	engage_free(e);
	assert_non_null(e = engage_build(p, s, 3, NOW, NULL, NULL, "sch-wash", err,
	    sizeof(err)));
	assert_int_equal(engage_nrows(e), 1);
	count_is(engage_total(e), 4, 2, 0, 1, 1, 1, 1);
	engage_free(e);
	store_close(s);
	policy_unref(p);
	diag_free(&dg);
}

static void
test_csv_cell(void **state)
{
	char	 b[4096];

	(void)state;
	b[0] = '\0';
	assert_int_equal(engage_csv_cell("a,\"b\"\nc", csv_put, b), 0);
	assert_string_equal(b, "\"a,\"\"b\"\"\nc\"");
	b[0] = '\0';
	assert_int_equal(engage_csv_cell("=HYPERLINK(\"http://x\")", csv_put, b), 0);
	assert_string_equal(b, "\"'=HYPERLINK(\"\"http://x\"\")\"");
	b[0] = '\0';
	assert_int_equal(engage_csv_cell("+1 555 010 0100", csv_put, b), 0);
	assert_string_equal(b, "\"+1 555 010 0100\"");
	b[0] = '\0';
	assert_int_equal(engage_csv_cell("-cmd|' /C calc'!A0", csv_put, b), 0);
	assert_int_equal(b[1], '\'');
	b[0] = '\0';
	assert_int_equal(engage_csv_cell("@SUM(A1)", csv_put, b), 0);
	assert_int_equal(b[1], '\'');
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	const char	*base = getenv("HALLPASS_TEST_PG");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hallpass-staff.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || auth_init() == -1)
		return -1;
	if (base != NULL && *base != '\0') {
		PQconninfoOption	*o, *opts;
		char			 host[256] = "", user[64] = "";

		if ((opts = PQconninfoParse(base, NULL)) == NULL)
			return -1;
		for (o = opts; o->keyword != NULL; o++) {
			if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
				snprintf(host, sizeof(host), "%s", o->val);
			else if (strcmp(o->keyword, "user") == 0 && o->val != NULL)
				snprintf(user, sizeof(user), "%s", o->val);
		}
		PQconninfoFree(opts);
		if (raw_pg(base, "DROP DATABASE IF EXISTS hp_test_staff WITH (FORCE)") == -1 ||
		    raw_pg(base, "CREATE DATABASE hp_test_staff") == -1)
			return -1;
		snprintf(pg_uri, sizeof(pg_uri), "postgresql:///hp_test_staff?host=%s&user=%s",
		    host, user);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_store_sqlite),
		cmocka_unit_test(test_store_pg),
		cmocka_unit_test(test_engagement),
		cmocka_unit_test(test_csv_cell),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
