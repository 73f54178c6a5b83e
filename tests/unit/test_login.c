/* test_login: families without e-mail — sign-in names made canonical (auth_login_norm), and store_login's names, languages and invite peek on SQLite and on PostgreSQL (HALLPASS_TEST_PG). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "store.h"
#include "store_login.h"

static char	 tmpdir[] = "/tmp/hallpass-test-login.XXXXXX";
static char	 pg_uri[512];
static char	 errbuf[512];

#define CHECK(expr, want) do { int64_t got_ = (expr); if (got_ != (int64_t)(want)) \
		fail_msg("%s = %lld, want %lld: %s", #expr, (long long)got_, \
		    (long long)(want), errbuf); } while (0)

static void
test_norm(void **state)
{
	char	 out[AUTH_LOGIN_MAX];

	(void)state;
	/* Phone numbers: any punctuation, the digits kept. */
	assert_int_equal(auth_login_norm("+1 (555) 010-0199", out), AUTH_LOGIN_PHONE);
	assert_string_equal(out, "15550100199");
	assert_int_equal(auth_login_norm(" 1-555-010-0199 ", out), AUTH_LOGIN_PHONE);
	assert_string_equal(out, "15550100199");
	assert_int_equal(auth_login_norm("555.0100", out), AUTH_LOGIN_PHONE);
	assert_string_equal(out, "5550100");
	/* Usernames: lower case, at least one letter. */
	assert_int_equal(auth_login_norm("Ana.Garcia_2", out), AUTH_LOGIN_USER);
	assert_string_equal(out, "ana.garcia_2");
	assert_int_equal(auth_login_norm("abc", out), AUTH_LOGIN_USER);
	/* Neither. */
	assert_int_equal(auth_login_norm("555-010", out), -1);		/* 6 digits */
	assert_int_equal(auth_login_norm("1234567890123456", out), -1);	/* 16 digits */
	assert_int_equal(auth_login_norm("ab", out), -1);
	assert_int_equal(auth_login_norm("", out), -1);
	assert_int_equal(auth_login_norm("   ", out), -1);
	assert_int_equal(auth_login_norm(NULL, out), -1);
	assert_int_equal(auth_login_norm("ana@example.org", out), -1);
	assert_int_equal(auth_login_norm("ana garcia", out), -1);
	assert_int_equal(auth_login_norm(".ana", out), -1);
	assert_int_equal(auth_login_norm("José", out), -1);		/* ASCII only */
	assert_int_equal(auth_login_norm("5+55 0100 100", out), -1);	/* + only first */
	assert_int_equal(auth_login_norm("ana'; DROP TABLE x;--", out), -1);
	{
		char	 longname[80];

		memset(longname, 'a', 64);
		longname[64] = '\0';
		assert_int_equal(auth_login_norm(longname, out), AUTH_LOGIN_USER);
		longname[64] = 'a';
		longname[65] = '\0';
		assert_int_equal(auth_login_norm(longname, out), -1);
	}
}

/* The same checks on either backend: s is a fresh, migrated store. */
static void
login_checks(struct store *s)
{
	uint8_t	 h1[32], h2[32];
	char	 gid[80], login[AUTH_LOGIN_MAX], lang[36];

	CHECK(store_login_find(s, "15550100199", gid, sizeof(gid), errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_login_get(s, "g1", login, sizeof(login), lang, sizeof(lang),
	    errbuf, sizeof(errbuf)), 1);
	CHECK(store_login_set(s, "g1", "15550100199", "es", 1000, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_login_find(s, "15550100199", gid, sizeof(gid), errbuf,
	    sizeof(errbuf)), 0);
	assert_string_equal(gid, "g1");
	/* A name is one guardian's: another is refused and nothing of theirs changes. */
	CHECK(store_login_set(s, "g2", "15550100199", "en", 1001, errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_login_get(s, "g2", login, sizeof(login), lang, sizeof(lang),
	    errbuf, sizeof(errbuf)), 1);
	/* NULL keeps: the language alone changes. */
	CHECK(store_login_set(s, "g1", NULL, "en", 1002, errbuf, sizeof(errbuf)), 0);
	CHECK(store_login_get(s, "g1", login, sizeof(login), lang, sizeof(lang),
	    errbuf, sizeof(errbuf)), 0);
	assert_string_equal(login, "15550100199");
	assert_string_equal(lang, "en");
	/* Setting one's own name again is fine; a new name replaces the old. */
	CHECK(store_login_set(s, "g1", "15550100199", NULL, 1003, errbuf,
	    sizeof(errbuf)), 0);
	CHECK(store_login_set(s, "g1", "ana.g", NULL, 1004, errbuf, sizeof(errbuf)), 0);
	CHECK(store_login_find(s, "15550100199", gid, sizeof(gid), errbuf,
	    sizeof(errbuf)), 1);
	CHECK(store_login_find(s, "ana.g", gid, sizeof(gid), errbuf, sizeof(errbuf)), 0);
	/* A language without a name (a guardian with an e-mail). */
	CHECK(store_login_set(s, "g3", NULL, "es", 1005, errbuf, sizeof(errbuf)), 0);
	CHECK(store_login_get(s, "g3", login, sizeof(login), lang, sizeof(lang),
	    errbuf, sizeof(errbuf)), 0);
	assert_string_equal(login, "");
	assert_string_equal(lang, "es");
	/* Hostile text is only ever a bound value. */
	CHECK(store_login_find(s, "x' OR '1'='1", gid, sizeof(gid), errbuf,
	    sizeof(errbuf)), 1);
	/* A buffer too small is an error, not a truncation. */
	CHECK(store_login_find(s, "ana.g", gid, 2, errbuf, sizeof(errbuf)), -1);
	CHECK(store_login_set(s, "", "x", NULL, 1, errbuf, sizeof(errbuf)), -1);
	CHECK(store_login_set(s, "g1", "", NULL, 1, errbuf, sizeof(errbuf)), -1);

	/* Peek: usable invites only, and peeking spends nothing. */
	memset(h1, 0xa1, sizeof(h1));
	memset(h2, 0xb2, sizeof(h2));
	CHECK(store_invite_create(s, "g2", h1, 1000, 5000, errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_peek(s, h1, 2000, gid, sizeof(gid), errbuf, sizeof(errbuf)), 0);
	assert_string_equal(gid, "g2");
	CHECK(store_invite_peek(s, h1, 2000, gid, sizeof(gid), errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_peek(s, h1, 5000, gid, sizeof(gid), errbuf, sizeof(errbuf)), 1);
	CHECK(store_invite_peek(s, h2, 2000, gid, sizeof(gid), errbuf, sizeof(errbuf)), 1);
	CHECK(store_invite_consume(s, h1, 2000, gid, sizeof(gid), errbuf, sizeof(errbuf)), 0);
	CHECK(store_invite_peek(s, h1, 2001, gid, sizeof(gid), errbuf, sizeof(errbuf)), 1);
}

static void
test_sqlite(void **state)
{
	struct store	*s;
	char		 path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/login.db", tmpdir);
	assert_non_null(s = store_open(path, STORE_CREATE, errbuf, sizeof(errbuf)));
	login_checks(s);
	store_close(s);
	/* Read-only (the CGI's reads go through the same statements). */
	assert_non_null(s = store_open(path, STORE_RDONLY, errbuf, sizeof(errbuf)));
	{
		char	 gid[80];

		CHECK(store_login_find(s, "ana.g", gid, sizeof(gid), errbuf,
		    sizeof(errbuf)), 0);
		CHECK(store_login_set(s, "g9", "zed", NULL, 1, errbuf, sizeof(errbuf)), -1);
	}
	store_close(s);
}

static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void
pg_exec(const char *uri, const char *sql)
{
	PGconn		*c = PQconnectdb(uri);
	PGresult	*r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, pg_quiet, NULL);	/* "does not exist, skipping" */
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void
test_pg(void **state)
{
	const char		*base = getenv("HALLPASS_TEST_PG");
	PQconninfoOption	*opts;
	char			 host[256] = "", user[64] = "", admin[512];
	struct store		*s;

	(void)state;
	if (base == NULL || *base == '\0') {
		print_message("# SKIP: HALLPASS_TEST_PG is unset\n");
		skip();
	}
	assert_non_null(opts = PQconninfoParse(base, NULL));
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
			snprintf(host, sizeof(host), "%s", o->val);
		else if (strcmp(o->keyword, "user") == 0 && o->val != NULL)
			snprintf(user, sizeof(user), "%s", o->val);
	}
	PQconninfoFree(opts);
	snprintf(admin, sizeof(admin), "postgresql:///postgres?host=%s&user=%s", host, user);
	pg_exec(admin, "DROP DATABASE IF EXISTS hp_login WITH (FORCE)");
	pg_exec(admin, "CREATE DATABASE hp_login");
	snprintf(pg_uri, sizeof(pg_uri), "postgresql:///hp_login?host=%s&user=%s", host,
	    user);
	assert_non_null(s = store_open(pg_uri, STORE_CREATE, errbuf, sizeof(errbuf)));
	login_checks(s);
	store_close(s);
	/* A second handle prepares the statements again on its own connection. */
	assert_non_null(s = store_open(pg_uri, 0, errbuf, sizeof(errbuf)));
	{
		char	 gid[80];

		CHECK(store_login_find(s, "ana.g", gid, sizeof(gid), errbuf,
		    sizeof(errbuf)), 0);
		assert_string_equal(gid, "g1");
	}
	store_close(s);
	pg_exec(admin, "DROP DATABASE hp_login WITH (FORCE)");
}

static int
teardown(void **state)
{
	char	 cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm),
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_pg),
	};

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, teardown);
}
