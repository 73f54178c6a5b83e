/* test_policy_roster: policy_load_roster reads the roster, time zone and schedules from policy.yaml alone, never rules.d. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy.h"
#include "testutil.h"

static void
roster_check(const struct policy *p)
{
	const struct policy_student	*s;
	const struct policy_guardian	*g;
	time_t				 t;
	char				 day[11];
	int				 hour;

	assert_non_null(p);
	assert_non_null(s = policy_student_find(p, "s1"));
	assert_string_equal(policy_student_name(s), "Ana");
	assert_string_equal(policy_student_group(s), "elementary");
	assert_null(policy_student_find(p, "nobody"));
	assert_non_null(g = policy_guardian_find(p, "g1"));
	assert_string_equal(policy_guardian_name(g), "Maria");
	assert_true(policy_guardian_nstudents(g) == 2);
	assert_ptr_equal(policy_guardian_student(g, 0), s);
	assert_string_equal(policy_timezone(p), "America/Chicago");
	/* 2026-03-02 12:00 UTC is 06:00 in Chicago (CST, UTC-6). */
	policy_local_day(p, (time_t)1772452800, day, &hour);
	assert_string_equal(day, "2026-03-02");
	assert_int_equal(hour, 6);
	assert_int_equal(policy_parse_local(p, "2026-03-02 06:00", &t), 0);
	assert_true(t == (time_t)1772452800);
}

static void
test_base_roster(void **state)
{
	struct diag	 d;
	struct policy	*p;

	(void)state;
	diag_init(&d);
	p = policy_load_roster("fixtures/base", &d);
	assert_int_equal((int)diag_count(&d), 0);
	roster_check(p);
	policy_unref(p);
	diag_free(&d);
}

/* dir fails the full load but gives the roster; dir is removed. */
static void
roster_only_loads(char *dir)
{
	struct diag	 d;
	struct policy	*p;

	diag_init(&d);
	assert_null(policy_load(dir, &d));
	assert_true(diag_count(&d) > 0);
	diag_free(&d);
	diag_init(&d);
	p = policy_load_roster(dir, &d);
	assert_int_equal((int)diag_count(&d), 0);
	roster_check(p);
	policy_unref(p);
	diag_free(&d);
	testutil_rmdir(dir);
}

/* Without rules.d the full load fails on the blocked categories; the roster load does not look. */
static void
test_no_rules_dir(void **state)
{
	char		*dir = testutil_confdir(), cmd[300];

	(void)state;
	assert_non_null(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s/rules.d %s/safesearch.yaml", dir, dir);
	assert_int_equal(system(cmd), 0);
	roster_only_loads(dir);
}

/* A broken rules.d file fails the full load but not the roster load. */
static void
test_broken_rules_file(void **state)
{
	char		*dir = testutil_confdir();

	(void)state;
	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, "rules.d/games.yaml",
	    "this: [is not\n  a category file\n"), 0);
	roster_only_loads(dir);
}

/* policy.yaml itself is still validated. */
static void
test_bad_policy_still_fails(void **state)
{
	struct diag	 d;
	char		*dir = testutil_confdir();

	(void)state;
	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, "policy.yaml",
	    "timezone: UTC\ndefault_group: nope\ngroups:\n  standard: {}\n"), 0);
	diag_init(&d);
	assert_null(policy_load_roster(dir, &d));
	assert_true(diag_count(&d) > 0);
	diag_free(&d);
	testutil_rmdir(dir);
}

/* The schedule windows the dashboard shows, with the same midnight rule as policy_decide. */
static void
test_schedules(void **state)
{
	struct diag		 d;
	struct policy		*p;
	struct policy_window	 school, bed, w;
	const struct policy_student *s;

	(void)state;
	diag_init(&d);
	assert_non_null(p = policy_load_roster("fixtures/base", &d));
	assert_non_null(s = policy_student_find(p, "s1"));
	assert_true(policy_schedule_count(p, s) == 2);
	assert_int_equal(policy_schedule_at(p, s, 0, &school), 0);
	assert_string_equal(school.name, "school-hours");
	assert_int_equal(school.from, 8 * 60);
	assert_int_equal(school.to, 15 * 60);
	assert_int_equal(school.days, 0x3e);
	assert_int_equal(policy_schedule_at(p, s, 1, &bed), 0);
	assert_string_equal(bed.name, "bedtime");
	assert_int_equal(policy_schedule_at(p, s, 2, &w), -1);
	/* The default group (standard) has none. */
	assert_true(policy_schedule_count(p, NULL) == 0);
	assert_int_equal(policy_schedule_at(p, NULL, 0, &w), -1);

	assert_int_equal(policy_window_covers(&school, 1, 8 * 60), 1);
	assert_int_equal(policy_window_covers(&school, 1, 15 * 60 - 1), 1);
	assert_int_equal(policy_window_covers(&school, 1, 15 * 60), 0);
	assert_int_equal(policy_window_covers(&school, 0, 10 * 60), 0);
	assert_int_equal(policy_window_covers(&school, 7, 10 * 60), 0);
	/* Bedtime sun-thu 21:30-06:30: Friday 02:00 is Thursday's night, Saturday 02:00 is nobody's. */
	assert_int_equal(policy_window_covers(&bed, 4, 23 * 60), 1);
	assert_int_equal(policy_window_covers(&bed, 5, 2 * 60), 1);
	assert_int_equal(policy_window_covers(&bed, 5, 22 * 60), 0);
	assert_int_equal(policy_window_covers(&bed, 6, 2 * 60), 0);
	assert_int_equal(policy_window_covers(&bed, 0, 21 * 60 + 30), 1);
	assert_int_equal(policy_window_covers(&bed, 1, 6 * 60 + 29), 1);
	assert_int_equal(policy_window_covers(&bed, 1, 6 * 60 + 30), 0);
	policy_unref(p);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_roster),
		cmocka_unit_test(test_no_rules_dir),
		cmocka_unit_test(test_broken_rules_file),
		cmocka_unit_test(test_bad_policy_still_fails),
		cmocka_unit_test(test_schedules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
