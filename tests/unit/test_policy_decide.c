/* test_policy_decide: suffix matching, precedence, schedules across midnight and DST, roster lookup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static struct policy *P;

/* UTC instant from "YYYY-MM-DD HH:MM" UTC, without the process TZ. */
static time_t
utc(const char *s)
{
	int y, mo, d, h, mi;
	long days;

	assert_int_equal(sscanf(s, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), 5);
	y -= mo <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return (time_t)(days * 86400 + h * 3600 + mi * 60);
}

/* A Monday at 12:00 Chicago: school hours (games blocked for elementary), not bedtime. */
#define NOON	"2026-11-23 18:00"

static struct policy_decision
decide(const char *student, const char *host, const char *path, const char *when)
{
	struct policy_decision		 d;
	const struct policy_student	*st = NULL;

	if (student != NULL) {
		st = policy_student_find(P, student);
		assert_non_null(st);
	}
	policy_decide(P, st, host, strlen(host), path, utc(when), &d);
	return d;
}

static void
assert_action(const char *student, const char *host, const char *when,
    enum policy_action a, enum policy_reason r)
{
	struct policy_decision d = decide(student, host, NULL, when);

	if (d.action != a || d.reason != r)
		print_message("%s %s at %s: got %s/%s\n", student ? student : "-",
		    host, when, policy_action_name(d.action),
		    policy_reason_name(d.reason));
	assert_int_equal(d.action, a);
	assert_int_equal(d.reason, r);
}

static int
setup(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	P = policy_load("fixtures/base", &d);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	diag_free(&d);
	return P == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	policy_unref(P);
	return 0;
}

static void
test_suffix_match(void **state)
{
	(void)state;
	assert_action("s2", "bet365.com", NOON, POLICY_BLOCK, POLICY_R_CATEGORY_BLOCKED);
	assert_action("s2", "www.bet365.com", NOON, POLICY_BLOCK, POLICY_R_CATEGORY_BLOCKED);
	assert_action("s2", "a.b.c.bet365.com", NOON, POLICY_BLOCK, POLICY_R_CATEGORY_BLOCKED);
	assert_action("s2", "notbet365.com", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "bet365.com.evil.example", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "bet365.co", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "et365.com", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	/* Normalisation: case and one trailing dot. */
	assert_action("s2", "WWW.Bet365.COM.", NOON, POLICY_BLOCK, POLICY_R_CATEGORY_BLOCKED);
	assert_action("s2", "www.bet365.com..", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "com", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
}

static void
test_rule_location(void **state)
{
	struct policy_decision d = decide("s2", "www.pokerstars.eu", NULL, NOON);

	(void)state;
	assert_string_equal(d.category, "gambling");
	assert_string_equal(d.rule_file, "fixtures/base/rules.d/gambling.yaml");
	assert_int_equal(d.rule_line, 5);
	assert_string_equal(d.matched, "pokerstars.eu");
	assert_string_equal(d.policy_file, "fixtures/base/policy.yaml");
	assert_int_equal(d.policy_line, 5);
	assert_string_equal(d.group, "standard");
}

static void
test_most_specific_category(void **state)
{
	struct policy_decision d;

	(void)state;
	/* sub.shared.example is social; shared.example is gambling: the longer entry is reported. */
	d = decide("s2", "x.sub.shared.example", NULL, NOON);
	assert_string_equal(d.category, "gambling");	/* standard blocks gambling, not social */
	assert_int_equal(d.action, POLICY_BLOCK);
	d = decide(NULL, "x.sub.shared.example", NULL, NOON);
	assert_int_equal(d.action, POLICY_BLOCK);
	d = decide("s3", "x.sub.shared.example", NULL, NOON);
	assert_string_equal(d.category, "social");
	d = decide("s2", "www.facebook.com", NULL, NOON);
	assert_int_equal(d.action, POLICY_ALLOW);
	assert_int_equal(d.reason, POLICY_R_CATEGORY_ALLOWED);
	assert_string_equal(d.category, "social");
}

static void
test_patterns_and_urls(void **state)
{
	struct policy_decision d;

	(void)state;
	d = decide("s2", "www.casino99.example", NULL, NOON);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_string_equal(d.matched, "(^|\\.)casino[a-z0-9-]*\\.");
	assert_int_equal(d.rule_line, 8);
	assert_action("s2", "casino.example", NOON, POLICY_BLOCK, POLICY_R_CATEGORY_BLOCKED);
	assert_action("s2", "mycasino.example", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s2", "royal-casino.example", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	/* urls: only with a path, and only as a prefix of it. */
	d = decide("s2", "www.example.com", "/poker/table1", NOON);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_string_equal(d.matched, "example.com/poker/");
	d = decide("s2", "example.com", "/pokerface", NOON);
	assert_int_equal(d.action, POLICY_ALLOW);
	d = decide("s2", "example.com", NULL, NOON);
	assert_int_equal(d.action, POLICY_ALLOW);
}

static void
test_precedence(void **state)
{
	(void)state;
	/* 1. student deny beats everything. */
	assert_action("s1", "en.wikipedia.org", NOON, POLICY_BLOCK, POLICY_R_STUDENT_DENY);
	/* 2. student allow beats the group's category block... */
	assert_action("s1", "www.instagram.com", NOON, POLICY_ALLOW, POLICY_R_STUDENT_ALLOW);
	/* ...and its schedules (Monday 22:00 Chicago is bedtime). */
	assert_action("s1", "www.instagram.com", "2026-11-24 04:00", POLICY_ALLOW,
	    POLICY_R_STUDENT_ALLOW);
	/* ...but only for that student. */
	assert_action(NULL, "www.instagram.com", NOON, POLICY_ALLOW, POLICY_R_CATEGORY_ALLOWED);
	/* 3. group deny, names and IP literals. */
	assert_action("s1", "www.youtube-nocookie.com", NOON, POLICY_BLOCK, POLICY_R_GROUP_DENY);
	assert_action("s1", "198.51.100.7", NOON, POLICY_BLOCK, POLICY_R_GROUP_DENY);
	assert_action("s1", "[2001:DB8:0::7]", NOON, POLICY_BLOCK, POLICY_R_GROUP_DENY);
	assert_action("s1", "7.100.51.198", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	/* 4. a schedule beats the group's allow: games.example in school hours (Mon 10:00). */
	assert_action("s1", "games.example", "2026-11-23 16:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* 5. outside it the group's allow stands. */
	assert_action("s1", "games.example", "2026-11-23 23:00", POLICY_ALLOW, POLICY_R_GROUP_ALLOW);
}

static void
test_group_allow_beats_category(void **state)
{
	(void)state;
	assert_action("s1", "groups.facebook.com", "2026-11-23 23:00", POLICY_ALLOW,
	    POLICY_R_GROUP_ALLOW);
	assert_action("s1", "www.facebook.com", "2026-11-23 23:00", POLICY_BLOCK,
	    POLICY_R_CATEGORY_BLOCKED);
	assert_action("s1", "www.khanacademy.org", "2026-11-23 23:00", POLICY_ALLOW,
	    POLICY_R_GROUP_ALLOW);
	/* Minecraft is games: blocked in school hours only. */
	assert_action("s1", "minecraft.net", "2026-11-23 16:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "minecraft.net", "2026-11-23 23:00", POLICY_ALLOW,
	    POLICY_R_CATEGORY_ALLOWED);
}

static void
test_block_all(void **state)
{
	(void)state;
	assert_action("s3", "anything.example", NOON, POLICY_BLOCK, POLICY_R_BLOCK_ALL);
	assert_action("s3", "www.district.example", NOON, POLICY_ALLOW, POLICY_R_GROUP_ALLOW);
	assert_action("s3", "not a host", NOON, POLICY_BLOCK, POLICY_R_BLOCK_ALL);
}

/* bedtime: sun-thu 21:30 to 06:30 Chicago; the window belongs to the day it starts. */
static void
test_schedule_midnight(void **state)
{
	(void)state;
	/* Monday 21:29 and 21:30 CST (UTC-6). */
	assert_action("s1", "a.example", "2026-11-24 03:29", POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s1", "a.example", "2026-11-24 03:30", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* Tuesday 06:29 still Monday's window; 06:30 is out (to is exclusive). */
	assert_action("s1", "a.example", "2026-11-24 12:29", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "a.example", "2026-11-24 12:30", POLICY_ALLOW, POLICY_R_DEFAULT);
	/* Friday night is not listed: Friday 23:00 and Saturday 05:00 are free. */
	assert_action("s1", "a.example", "2026-11-28 05:00", POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s1", "a.example", "2026-11-28 11:00", POLICY_ALLOW, POLICY_R_DEFAULT);
	/* Thursday 23:00 is; so Friday 05:00 is too (Thursday's window). */
	assert_action("s1", "a.example", "2026-11-27 05:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "a.example", "2026-11-27 11:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* Sunday 22:00 and Monday 05:00. */
	assert_action("s1", "a.example", "2026-11-23 04:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "a.example", "2026-11-23 11:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* Another group has no schedule. */
	assert_action("s2", "a.example", "2026-11-24 04:00", POLICY_ALLOW, POLICY_R_DEFAULT);
}

/* Schedules are wall-clock: the same local time is a different UTC instant across DST. */
static void
test_schedule_dst(void **state)
{
	(void)state;
	/* Spring forward, Sunday 2026-03-08: 21:30 CDT is 02:30 UTC. */
	assert_action("s1", "a.example", "2026-03-09 02:29", POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s1", "a.example", "2026-03-09 02:30", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* A week earlier, CST: 21:30 is 03:30 UTC. */
	assert_action("s1", "a.example", "2026-03-02 03:29", POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s1", "a.example", "2026-03-02 03:30", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* Monday 08:00 CDT school hours begin at 13:00 UTC after the change. */
	assert_action("s1", "minecraft.net", "2026-03-09 12:59", POLICY_ALLOW,
	    POLICY_R_CATEGORY_ALLOWED);
	assert_action("s1", "minecraft.net", "2026-03-09 13:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
	/* Fall back, Sunday 2026-11-01: Monday's 06:30 CST is 12:30 UTC, not 11:30. */
	assert_action("s1", "a.example", "2026-11-02 12:29", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "a.example", "2026-11-02 12:30", POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action("s1", "a.example", "2026-10-26 11:29", POLICY_BLOCK, POLICY_R_SCHEDULE);
	assert_action("s1", "a.example", "2026-10-26 11:30", POLICY_ALLOW, POLICY_R_DEFAULT);
}

static void
test_parse_local(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(policy_parse_local(P, "2026-03-08 21:30", &t), 0);
	assert_int_equal(t, utc("2026-03-09 02:30"));
	assert_int_equal(policy_parse_local(P, "2026-01-08 21:30", &t), 0);
	assert_int_equal(t, utc("2026-01-09 03:30"));
	assert_int_equal(policy_parse_local(P, "2026-13-08 21:30", &t), -1);
	assert_int_equal(policy_parse_local(P, "2026-01-08 21:30x", &t), -1);
	assert_int_equal(policy_parse_local(P, "tomorrow", &t), -1);
}

static void
test_safesearch(void **state)
{
	struct policy_decision d;

	(void)state;
	d = decide(NULL, "www.google.com", NULL, NOON);
	assert_int_equal(d.action, POLICY_SAFESEARCH);
	assert_string_equal(d.rewrite, "forcesafesearch.google.com");
	d = decide("s1", "www.youtube.com", NULL, "2026-11-23 23:00");
	assert_int_equal(d.action, POLICY_SAFESEARCH);
	assert_string_equal(d.rewrite, "restrict.youtube.com");
	d = decide("s2", "WWW.YOUTUBE.COM.", NULL, NOON);
	assert_string_equal(d.rewrite, "restrictmoderate.youtube.com");
	/* Exact hosts only: the target itself is not rewritten again. */
	assert_action(NULL, "forcesafesearch.google.com", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	assert_action(NULL, "mail.google.com", NOON, POLICY_ALLOW, POLICY_R_DEFAULT);
	/* A block stays a block. */
	assert_action("s1", "www.google.com", "2026-11-24 04:00", POLICY_BLOCK, POLICY_R_SCHEDULE);
}

static void
test_two_students(void **state)
{
	struct policy_decision a = decide("s1", "www.facebook.com", NULL, NOON);
	struct policy_decision b = decide("s2", "www.facebook.com", NULL, NOON);

	(void)state;
	assert_int_equal(a.action, POLICY_BLOCK);
	assert_int_equal(b.action, POLICY_ALLOW);
	assert_string_equal(a.group, "elementary");
	assert_string_equal(b.group, "standard");
}

static void
test_client_lookup(void **state)
{
	uint8_t	 mac1[6] = { 2, 0, 0, 0, 0x10, 1 }, mac2[6] = { 2, 0, 0, 0, 0x10, 2 };
	uint8_t	 other[6] = { 2, 0, 0, 0, 0x10, 9 }, a4[4], a6[16];
	const struct policy_student *s;

	(void)state;
	s = policy_client_lookup(P, mac1, 0, NULL);
	assert_non_null(s);
	assert_string_equal(policy_student_id(s), "s1");
	inet_pton(AF_INET, "192.0.2.130", a4);
	s = policy_client_lookup(P, other, AF_INET, a4);
	assert_non_null(s);
	assert_string_equal(policy_student_id(s), "s1");
	/* s2's first device needs both its MAC and its address. */
	inet_pton(AF_INET, "192.0.2.131", a4);
	assert_non_null(policy_client_lookup(P, mac2, AF_INET, a4));
	assert_null(policy_client_lookup(P, mac2, 0, NULL));
	assert_null(policy_client_lookup(P, NULL, AF_INET, a4));
	assert_null(policy_client_lookup(P, other, AF_INET, a4));
	inet_pton(AF_INET6, "2001:db8::2", a6);
	s = policy_client_lookup(P, NULL, AF_INET6, a6);
	assert_non_null(s);
	assert_string_equal(policy_student_id(s), "s2");
	inet_pton(AF_INET6, "2001:db8::3", a6);
	assert_null(policy_client_lookup(P, NULL, AF_INET6, a6));
	assert_string_equal(policy_student_group(policy_student_find(P, "s3")), "lockdown");
	assert_null(policy_student_find(P, "s4"));
}

static void
test_guardians(void **state)
{
	const struct policy_guardian *g = policy_guardian_find(P, "g1");

	(void)state;
	assert_non_null(g);
	assert_string_equal(policy_guardian_email(g), "maria@example.org");
	assert_int_equal(policy_guardian_nstudents(g), 2);
	assert_string_equal(policy_student_id(policy_guardian_student(g, 1)), "s3");
	assert_null(policy_guardian_find(P, "g2"));
}

static void *
thread_main(void *arg)
{
	long *bad = arg;

	for (int i = 0; i < 2000; i++) {
		struct policy_decision d;
		const struct policy_student *st = policy_student_find(P, i & 1 ? "s1" : "s2");

		policy_decide(P, st, "www.casino-royal.example", 24, NULL, utc(NOON), &d);
		if (d.action != POLICY_BLOCK)
			(*bad)++;
		policy_decide(P, st, "www.facebook.com", 16, NULL, utc(NOON), &d);
		if (d.action != (i & 1 ? POLICY_BLOCK : POLICY_ALLOW))
			(*bad)++;
	}
	return NULL;
}

/* One snapshot, four threads, the same answers. */
static void
test_threads(void **state)
{
	pthread_t	 t[4];
	long		 bad[4] = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &bad[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

static void
test_refcount(void **state)
{
	struct policy *q = policy_ref(P);

	(void)state;
	policy_unref(q);	/* P is still alive */
	assert_string_equal(policy_timezone(P), "America/Chicago");
	assert_string_equal(policy_default_group(P), "standard");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffix_match),
		cmocka_unit_test(test_rule_location),
		cmocka_unit_test(test_most_specific_category),
		cmocka_unit_test(test_patterns_and_urls),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_group_allow_beats_category),
		cmocka_unit_test(test_block_all),
		cmocka_unit_test(test_schedule_midnight),
		cmocka_unit_test(test_schedule_dst),
		cmocka_unit_test(test_parse_local),
		cmocka_unit_test(test_safesearch),
		cmocka_unit_test(test_two_students),
		cmocka_unit_test(test_client_lookup),
		cmocka_unit_test(test_guardians),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_refcount),
	};

	return cmocka_run_group_tests_name("policy_decide", tests, setup, teardown);
}
