/* test_digest: the pieces of guardians' e-mail — unsubscribe tokens and their key file, message headers, the prefs and sent log on SQLite and PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth_unsub.h"
#include "mail_msg.h"
#include "store.h"
#include "store_notify.h"

static char	 tmpdir[64];
static char	 errbuf[512];

static const char *
path_of(const char *name)
{
	static char	 p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static void
test_token(void **state)
{
	uint8_t		 k1[AUTH_UNSUB_KEYLEN], k2[AUTH_UNSUB_KEYLEN];
	char		 tok[AUTH_UNSUB_TOKEN_MAX], bad[AUTH_UNSUB_TOKEN_MAX], gid[160];
	struct stat	 sb;

	(void)state;
	assert_int_equal(auth_unsub_key_load(path_of("k1"), 1, k1, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(stat(path_of("k1"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* Loading again reads the same key, never a new one. */
	assert_int_equal(auth_unsub_key_load(path_of("k1"), 1, k2, errbuf,
	    sizeof(errbuf)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	assert_int_equal(auth_unsub_key_load(path_of("nokey"), 0, k2, errbuf,
	    sizeof(errbuf)), -1);
	assert_non_null(strstr(errbuf, "nokey"));

	assert_int_equal(auth_unsub_token(k1, "g1", tok, sizeof(tok)), 0);
	assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_."), strlen(tok));
	assert_int_equal(auth_unsub_verify(k1, tok, gid, sizeof(gid)), 0);
	assert_string_equal(gid, "g1");
	/* Another key, a changed MAC, another id with this MAC, junk: all refused. */
	assert_int_equal(auth_unsub_key_load(path_of("k2"), 1, k2, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(auth_unsub_verify(k2, tok, gid, sizeof(gid)), -1);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_unsub_verify(k1, bad, gid, sizeof(gid)), -1);
	snprintf(bad, sizeof(bad), "ZzI%s", strchr(tok, '.'));	/* "g2" */
	assert_int_equal(auth_unsub_verify(k1, bad, gid, sizeof(gid)), -1);
	assert_int_equal(auth_unsub_verify(k1, "", gid, sizeof(gid)), -1);
	assert_int_equal(auth_unsub_verify(k1, ".", gid, sizeof(gid)), -1);
	assert_int_equal(auth_unsub_verify(k1, "ZzE", gid, sizeof(gid)), -1);
	/* A short output buffer is refused, not cut. */
	assert_int_equal(auth_unsub_verify(k1, tok, gid, 2), -1);
	assert_int_equal(auth_unsub_token(k1, "g1", tok, 10), -1);
}

static void
test_msg_headers(void **state)
{
	struct mail_msg_hdr	 h = { "f@district.example", "Panel para familias",
		"p@example.org", "Año escolar: señal", "es",
		"https://d.example/hallpass.cgi/unsubscribe?t=x.y", 1796050800 };
	char			*m = NULL;
	size_t			 len = 0;

	(void)state;
	assert_int_equal(mail_msg_build(&h, "texto", "<p>html</p>", &m, &len, errbuf,
	    sizeof(errbuf)), 0);
	assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(m, "From: \"Panel para familias\" <f@district.example>\r\n"));
	assert_non_null(strstr(m, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_non_null(strstr(m, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(m, "Date: Mon, 30 Nov 2026 15:00:00 +0000\r\n"));
	assert_null(strstr(m, "\n\n"));	/* every line ends in CRLF */
	free(m);
	/* A header that would smuggle another header in is refused. */
	h.to = "p@example.org>\r\nBcc: <x@evil.example";
	assert_int_equal(mail_msg_build(&h, "t", "h", &m, &len, errbuf, sizeof(errbuf)), -1);
	assert_null(m);
	h.to = "p@example.org";
	h.subject = "a\r\nBcc: x@evil.example";
	assert_int_equal(mail_msg_build(&h, "t", "h", &m, &len, errbuf, sizeof(errbuf)), -1);
}

static void
notify_checks(struct store *s)
{
	struct store_notify_prefs	 p;

	assert_int_equal(store_notify_prefs_get(s, "g1", &p, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(p.digest, STORE_NOTIFY_WEEKLY);
	assert_int_equal(p.alert_threshold, 0);
	p.digest = STORE_NOTIFY_DAILY;
	p.alert_threshold = 5;
	assert_int_equal(store_notify_prefs_set(s, "g1", &p, 1000, errbuf, sizeof(errbuf)), 0);
	p.digest = STORE_NOTIFY_NONE;
	p.alert_threshold = 0;
	assert_int_equal(store_notify_prefs_set(s, "g2", &p, 1000, errbuf, sizeof(errbuf)), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_notify_prefs_get(s, "g1", &p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(p.digest, STORE_NOTIFY_DAILY);
	assert_int_equal(p.alert_threshold, 5);
	assert_int_equal(p.updated_ms, 1000);
	assert_int_equal(store_notify_prefs_get(s, "g2", &p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(p.digest, STORE_NOTIFY_NONE);
	p.alert_threshold = 1001;
	assert_int_equal(store_notify_prefs_set(s, "g1", &p, 1, errbuf, sizeof(errbuf)), -1);

	assert_int_equal(store_notify_sent(s, "g1", "weekly", "2026-11-23", "", errbuf,
	    sizeof(errbuf)), 1);
	assert_int_equal(store_notify_sent_add(s, "g1", "weekly", "2026-11-23", "", 5,
	    errbuf, sizeof(errbuf)), 0);
	/* Twice is not an error and keeps one row. */
	assert_int_equal(store_notify_sent_add(s, "g1", "weekly", "2026-11-23", "", 6,
	    errbuf, sizeof(errbuf)), 0);
	assert_int_equal(store_notify_sent(s, "g1", "weekly", "2026-11-23", "", errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(store_notify_sent(s, "g1", "weekly", "2026-11-30", "", errbuf,
	    sizeof(errbuf)), 1);
	assert_int_equal(store_notify_sent(s, "g1", "alert", "2026-11-23", "s1001", errbuf,
	    sizeof(errbuf)), 1);
	assert_int_equal(store_notify_sent(s, "g2", "weekly", "2026-11-23", "", errbuf,
	    sizeof(errbuf)), 1);
}

static void
test_notify_sqlite(void **state)
{
	struct store	*s;

	(void)state;
	assert_non_null(s = store_open(path_of("n.db"), STORE_CREATE, errbuf,
	    sizeof(errbuf)));
	notify_checks(s);
	store_close(s);
}

static void
test_notify_pg(void **state)
{
	const char	*uri = getenv("HALLPASS_TEST_PG");
	struct store	*s;
	PGconn		*c;
	PGresult	*r;

	(void)state;
	if (uri == NULL || *uri == '\0') {
		print_message("# SKIP: HALLPASS_TEST_PG is unset\n");
		skip();
	}
	/* A fresh database of the cluster, so the migrations run from nothing. */
	c = PQconnectdb(uri);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "DROP DATABASE IF EXISTS hp_notify WITH (FORCE)"));
	r = PQexec(c, "CREATE DATABASE hp_notify");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	{
		char		 u[512];
		const char	*q = strchr(uri, '?');

		snprintf(u, sizeof(u), "postgresql:///hp_notify%s", q ? q : "");
		s = store_open(u, 0, errbuf, sizeof(errbuf));
		if (s == NULL)
			fail_msg("store_open %s: %s", u, errbuf);
	}
	notify_checks(s);
	store_close(s);
	PQclear(PQexec(c, "DROP DATABASE IF EXISTS hp_notify WITH (FORCE)"));
	PQfinish(c);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hallpass-digest-unit.XXXXXX");
	return sodium_init() < 0 || mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_msg_headers),
		cmocka_unit_test(test_notify_sqlite),
		cmocka_unit_test(test_notify_pg),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
