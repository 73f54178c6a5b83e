/* test_snapshot: policy and settings load as one unit; a reload keeps restart-only settings and names what changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "snapshot.h"
#include "testutil.h"

static struct snapshot *
load(const char *dir, const struct snapshot *cur, const char *yaml, struct diag *d)
{
	if (yaml != NULL)
		assert_int_equal(testutil_write(dir, "hallpass.yaml", yaml), 0);
	diag_init(d);
	return snapshot_load(dir, cur, d);
}

static void
test_reload_keeps_restart_only(void **state)
{
	char		*dir = testutil_confdir();
	struct snapshot	*a, *b;
	struct diag	 d;

	(void)state;
	assert_non_null(dir);
	a = load(dir, NULL, "queues: [0]\nretention_days: 30\nflow_table_size: 1024\n", &d);
	assert_non_null(a);
	diag_free(&d);
	assert_non_null(snapshot_policy(a));
	assert_int_equal(snapshot_config(a)->retention_days, 30);
	assert_string_equal(snapshot_changes(a, 0), "");
	assert_string_equal(snapshot_changes(a, 1), "");

	b = load(dir, a, "queues: [3]\nretention_days: 7\nflow_table_size: 2048\n", &d);
	assert_non_null(b);
	diag_free(&d);
	/* Reloadable: taken from the file.  Restart-only: what is in force stays, and is named. */
	assert_int_equal(snapshot_config(b)->retention_days, 7);
	assert_int_equal(snapshot_config(b)->queues[0], 0);
	assert_int_equal(snapshot_config(b)->flow_table_size, 1024);
	assert_string_equal(snapshot_changes(b, 1), "retention_days");
	assert_non_null(strstr(snapshot_changes(b, 0), "queues"));
	assert_non_null(strstr(snapshot_changes(b, 0), "flow_table_size"));
	/* The snapshot in force is untouched by the load over it. */
	assert_int_equal(snapshot_config(a)->retention_days, 30);
	assert_ptr_not_equal(snapshot_policy(a), snapshot_policy(b));
	snapshot_unref(a);
	snapshot_unref(b);
	testutil_rmdir(dir);
}

static void
test_bad_file_gives_nothing(void **state)
{
	char		*dir = testutil_confdir();
	struct snapshot	*a;
	struct diag	 d;

	(void)state;
	assert_non_null(dir);
	/* A bad setting and a good policy: still no snapshot, and the error says where. */
	a = load(dir, NULL, "retention_days: -4\n", &d);
	assert_null(a);
	assert_true(diag_count(&d) > 0);
	assert_non_null(strstr(d.msgs[0], "hallpass.yaml:1"));
	diag_free(&d);
	/* A bad rule file: no snapshot either. */
	assert_int_equal(testutil_write(dir, "hallpass.yaml", "{}\n"), 0);
	assert_int_equal(testutil_write(dir, "policy.yaml", "groups: [\n"), 0);
	a = load(dir, NULL, NULL, &d);
	assert_null(a);
	assert_true(diag_count(&d) > 0);
	diag_free(&d);
	testutil_rmdir(dir);
}

static void
test_refs(void **state)
{
	char		*dir = testutil_confdir();
	struct snapshot	*a;
	struct diag	 d;

	(void)state;
	assert_non_null(dir);
	a = load(dir, NULL, "{}\n", &d);
	assert_non_null(a);
	diag_free(&d);
	/* A second holder (the gate) keeps it alive after the daemon lets go. */
	assert_ptr_equal(snapshot_ref(a), a);
	snapshot_unref(a);
	assert_int_equal(snapshot_config(a)->retention_days, 90);
	snapshot_unref(a);
	assert_null(snapshot_new(NULL, NULL));
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_keeps_restart_only),
		cmocka_unit_test(test_bad_file_gives_nothing),
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
