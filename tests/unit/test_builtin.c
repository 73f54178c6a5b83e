/* test_builtin: what a config gets without writing it: the built-in safe-search engines, and warnings for stray rules.d files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"
#include "policy_impl.h"
#include "testutil.h"

#define POLICY_SS "timezone: UTC\ndefault_group: kids\ngroups:\n  kids:\n    safe_search: strict\n"

/* The compiled-in list is the shipped file, byte for byte: one list, not two that drift. */
static void
test_builtin_is_shipped_file(void **state)
{
	FILE	*f = fopen("../rules/safesearch.yaml", "rb");
	char	*buf = calloc(1, 1 << 16);
	size_t	 n;

	(void)state;
	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_int_equal(n, policy_safesearch_builtin_len);
	assert_memory_equal(buf, policy_safesearch_builtin, n);
	free(buf);
}

/* docs/config.md's example: a group with safe_search and no safesearch.yaml loads and rewrites. */
static void
test_safe_search_without_file(void **state)
{
	char			*dir = testutil_confdir();
	struct diag		 d;
	struct policy		*p;
	struct policy_decision	 dec;
	char			 path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/safesearch.yaml", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(testutil_write(dir, "policy.yaml", POLICY_SS), 0);
	assert_int_equal(testutil_write(dir, "rules.d/games.yaml",
	    "category: games\ndescription: G\ndomains: [games.example]\n"), 0);
	diag_init(&d);
	p = policy_load(dir, &d);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_non_null(p);
	assert_int_equal(d.n, 0);
	policy_decide(p, NULL, "www.google.com", 14, NULL, 0, &dec);
	assert_int_equal(dec.action, POLICY_SAFESEARCH);
	assert_string_equal(dec.rewrite, "forcesafesearch.google.com");
	assert_string_equal(dec.rule_file, POLICY_SAFESEARCH_BUILTIN);
	policy_decide(p, NULL, "www.youtube.com", 15, NULL, 0, &dec);
	assert_string_equal(dec.rewrite, "restrict.youtube.com");
	policy_decide(p, NULL, "www.bing.com", 12, NULL, 0, &dec);
	assert_string_equal(dec.rewrite, "strict.bing.com");
	policy_decide(p, NULL, "duckduckgo.com", 14, NULL, 0, &dec);
	assert_string_equal(dec.rewrite, "safe.duckduckgo.com");
	policy_unref(p);
	diag_free(&d);

	/* A safesearch.yaml of the config's own replaces the built-in list entirely. */
	assert_int_equal(testutil_write(dir, "safesearch.yaml",
	    "engines:\n  g:\n    hosts: [search.example]\n    moderate: safe.example\n"
	    "    strict: safe.example\n"), 0);
	diag_init(&d);
	assert_non_null(p = policy_load(dir, &d));
	policy_decide(p, NULL, "www.google.com", 14, NULL, 0, &dec);
	assert_int_equal(dec.action, POLICY_ALLOW);
	policy_decide(p, NULL, "search.example", 14, NULL, 0, &dec);
	assert_int_equal(dec.action, POLICY_SAFESEARCH);
	assert_string_equal(dec.rewrite, "safe.example");
	policy_unref(p);
	diag_free(&d);
	testutil_rmdir(dir);
}

/* A rule file saved as .yml, or a README, is named: it would otherwise silently not block anything. */
static void
test_rules_d_strays_warned(void **state)
{
	char		*dir = testutil_confdir();
	char		 want[600];
	struct diag	 d;
	struct policy	*p;

	(void)state;
	assert_int_equal(testutil_write(dir, "policy.yaml", POLICY_SS), 0);
	assert_int_equal(testutil_write(dir, "rules.d/games.yml",
	    "category: games\ndescription: G\ndomains: [games.example]\n"), 0);
	assert_int_equal(testutil_write(dir, "rules.d/README", "notes\n"), 0);
	assert_int_equal(testutil_write(dir, "rules.d/.hidden.swp", "x"), 0);
	diag_init(&d);
	p = policy_load(dir, &d);
	assert_non_null(p);
	assert_int_equal(diag_count(&d), 0);
	assert_int_equal(d.n, 2);
	snprintf(want, sizeof(want), "%s/rules.d: warning: README is not read: "
	    "only NAME.yaml files are rule sets", dir);
	assert_string_equal(d.msgs[0], want);
	snprintf(want, sizeof(want), "%s/rules.d: warning: games.yml is not read: "
	    "only NAME.yaml files are rule sets", dir);
	assert_string_equal(d.msgs[1], want);
	policy_unref(p);
	diag_free(&d);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_is_shipped_file),
		cmocka_unit_test(test_safe_search_without_file),
		cmocka_unit_test(test_rules_d_strays_warned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
