/* test_policy_errors: every validation error, one bad fixture each, with its exact FILE:LINE:COLUMN. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "aup.h"
#include "config.h"
#include "policy.h"
#include "testutil.h"

struct bad_case {
	const char	*name;
	const char	*file;		/* relative to the config dir */
	const char	*content;
	const char	*expect;	/* the whole first error, after "DIR/" */
	size_t		 nerrors;	/* how many errors in all */
};

#define AUP_HEAD "version: 1\neffective: 2026-02-03\nen: {title: T, body: B}\n"
#define POLICY_HEAD "timezone: America/Chicago\ndefault_group: standard\ngroups:\n  standard:\n    block: [gambling]\n"

static const struct bad_case cases[] = {
	{ "unknown top-level key", "policy.yaml",
	  POLICY_HEAD "timezon: UTC\n",
	  "policy.yaml:6:1: unknown key \"timezon\" in policy.yaml (expected one of: "
	  "timezone, default_group, groups, students, guardians, group_rules)", 1 },
	{ "groups of the wrong type", "policy.yaml",
	  "timezone: UTC\ndefault_group: standard\ngroups: [standard]\n",
	  "policy.yaml:3:9: groups must be a mapping of group names to groups", 2 },
	{ "unknown category", "policy.yaml",
	  POLICY_HEAD "    allow: [a.example]\n  other:\n    block: [gambling, gamblign]\n",
	  "policy.yaml:8:23: unknown category \"gamblign\" (no rules.d/gamblign.yaml)", 1 },
	{ "unknown group of a student", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: nope\n",
	  "policy.yaml:9:12: unknown group \"nope\"", 1 },
	{ "unknown default group", "policy.yaml",
	  "timezone: UTC\ndefault_group: nope\ngroups:\n  standard: {}\n",
	  "policy.yaml:2:16: unknown group \"nope\"", 1 },
	{ "duplicate student id", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "  s1:\n    name: B\n    group: standard\n",
	  "policy.yaml:10:3: student \"s1\" defined twice", 1 },
	{ "duplicate group key", "policy.yaml",
	  POLICY_HEAD "    safe_search: off\n    block: [social]\n",
	  "policy.yaml:7:5: key \"block\" given twice in group standard (first at line 5)", 1 },
	{ "bad time", "policy.yaml",
	  POLICY_HEAD "    schedules:\n      - name: x\n        days: all\n"
	  "        from: \"25:00\"\n        to: \"06:00\"\n        block: all\n",
	  "policy.yaml:9:15: from must be a time HH:MM from 00:00 to 23:59, not \"25:00\"", 1 },
	{ "empty window", "policy.yaml",
	  POLICY_HEAD "    schedules:\n      - name: x\n        days: all\n"
	  "        from: \"06:00\"\n        to: \"06:00\"\n        block: all\n",
	  "policy.yaml:10:13: from and to are the same time: the window would be empty", 1 },
	{ "bad day", "policy.yaml",
	  POLICY_HEAD "    schedules:\n      - name: x\n        days: [mon, funday]\n"
	  "        from: \"08:00\"\n        to: \"09:00\"\n        block: [games]\n",
	  "policy.yaml:8:21: a day must be one of sun, mon, tue, wed, thu, fri, sat, not \"funday\"", 1 },
	{ "day twice", "policy.yaml",
	  POLICY_HEAD "    schedules:\n      - name: x\n        days: [mon, mon]\n"
	  "        from: \"08:00\"\n        to: \"09:00\"\n        block: [games]\n",
	  "policy.yaml:8:21: day \"mon\" listed twice", 1 },
	{ "schedule missing key", "policy.yaml",
	  POLICY_HEAD "    schedules:\n      - name: x\n        days: all\n        from: \"08:00\"\n"
	  "        block: [games]\n",
	  "policy.yaml:7:9: a schedule is missing the required key \"to\"", 1 },
	{ "bad time zone", "policy.yaml",
	  "timezone: Mars/Olympus_Mons\ndefault_group: standard\ngroups:\n  standard: {}\n",
	  "policy.yaml:1:11: unknown time zone \"Mars/Olympus_Mons\"", 1 },
	{ "bad safe_search", "policy.yaml",
	  POLICY_HEAD "    safe_search: on\n",
	  "policy.yaml:6:18: safe_search must be one of off, moderate, strict, not \"on\"", 1 },
	{ "invalid MAC", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "    devices:\n      - mac: \"02:00:00:00:10\"\n",
	  "policy.yaml:11:14: \"02:00:00:00:10\" is not a MAC address like 02:00:00:00:10:01", 1 },
	{ "invalid IP", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "    devices:\n      - ip: 192.0.2.300\n",
	  "policy.yaml:11:13: \"192.0.2.300\" is not an IPv4 or IPv6 address", 1 },
	{ "device without mac or ip", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "    devices:\n      - {}\n",
	  "policy.yaml:11:9: a device needs a mac, an ip, or both", 1 },
	{ "MAC of two students", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "    devices:\n      - mac: \"02:00:00:00:00:01\"\n"
	  "  s2:\n    name: B\n    group: standard\n"
	  "    devices:\n      - mac: \"02:00:00:00:00:01\"\n",
	  "policy.yaml:16:9: MAC 02:00:00:00:00:01 already belongs to student s1 (line 11)", 1 },
	{ "address of two students", "policy.yaml",
	  POLICY_HEAD "students:\n  s1:\n    name: A\n    group: standard\n"
	  "    devices:\n      - ip: \"2001:db8::1\"\n"
	  "  s2:\n    name: B\n    group: standard\n"
	  "    devices:\n      - ip: \"2001:DB8:0::1\"\n",
	  "policy.yaml:16:9: address 2001:db8::1 already belongs to student s1 (line 11)", 1 },
	{ "invalid host in allow", "policy.yaml",
	  POLICY_HEAD "    allow: [good.example, \"bad host.example\"]\n",
	  "policy.yaml:6:27: \"bad host.example\" is not a valid host name: character not allowed in a host name", 1 },
	{ "guardian errors", "policy.yaml",
	  POLICY_HEAD "guardians:\n  g1:\n    name: M\n    email: not-an-address\n    students: [s9]\n",
	  "policy.yaml:9:12: \"not-an-address\" is not an email address", 2 },
	{ "YAML syntax error", "policy.yaml",
	  "timezone: UTC\ngroups:\n  standard:\n    block: [gambling\n",
	  "policy.yaml:5:1: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence", 1 },
	{ "two documents", "policy.yaml",
	  POLICY_HEAD "---\ntimezone: UTC\n",
	  "policy.yaml:6:1: more than one YAML document in the file", 1 },
	{ "safe search without engines", "safesearch.yaml",
	  "engines:\n  g:\n    hosts: [www.google.com, www.google.com]\n    moderate: x.example\n",
	  "safesearch.yaml:3:5: engine g is missing the required key \"strict\"", 2 },
	{ "rules: unknown key", "rules.d/games.yaml",
	  "category: games\ndescription: G\ndomain: [a.example]\n",
	  "rules.d/games.yaml:3:1: unknown key \"domain\" (expected one of: category, "
	  "description, domains, patterns, urls)", 1 },
	{ "rules: invalid domain", "rules.d/games.yaml",
	  "category: games\ndescription: G\ndomains:\n  - ok.example\n  - bad..example\n",
	  "rules.d/games.yaml:5:5: \"bad..example\" is not a valid host name: empty label", 1 },
	{ "rules: wildcard domain", "rules.d/games.yaml",
	  "category: games\ndescription: G\ndomains:\n  - \"*.games.example\"\n",
	  "rules.d/games.yaml:4:5: \"*.games.example\": write games.example without \"*.\": "
	  "a domain already matches every name below it", 1 },
	{ "rules: category differs from file name", "rules.d/games.yaml",
	  "category: gaming\ndescription: G\n",
	  "rules.d/games.yaml:1:11: category \"gaming\" must match the file name (games.yaml)", 2 },
	{ "rules: missing description", "rules.d/games.yaml",
	  "category: games\n",
	  "rules.d/games.yaml:1:1: missing the required key \"description\"", 1 },
	{ "rules: pattern does not compile", "rules.d/games.yaml",
	  "category: games\ndescription: G\npatterns:\n  - '^ok$'\n  - '(^|\\.)game[s'\n",
	  "rules.d/games.yaml:5:18: pattern does not compile: missing terminating ] for character class", 1 },
	{ "rules: domains not a list", "rules.d/games.yaml",
	  "category: games\ndescription: G\ndomains: games.example\n",
	  "rules.d/games.yaml:3:10: domains must be a list, not a value", 1 },
	{ "rules: nested list item", "rules.d/games.yaml",
	  "category: games\ndescription: G\ndomains:\n  - [a.example]\n  - b.example\n",
	  "rules.d/games.yaml:4:5: each item of domains must be a value, not a list", 1 },
	{ "rules: url without path", "rules.d/games.yaml",
	  "category: games\ndescription: G\nurls: [games.example]\n",
	  "rules.d/games.yaml:3:8: \"games.example\" is not host/path: put host names without a path under domains", 1 },
	{ "rules: alias", "rules.d/games.yaml",
	  "category: &c games\ndescription: *c\n",
	  "rules.d/games.yaml:2:14: aliases (*name) are not allowed in rule files", 1 },
	{ "rules: empty file", "rules.d/games.yaml",
	  "",
	  "rules.d/games.yaml: empty file: a rule file needs category and description", 2 },
	{ "aup: bad date", "aup.yaml",
	  "version: 1\neffective: 2026-02-30\nen: {title: T, body: B}\n",
	  "aup.yaml:2:12: effective must be a date YYYY-MM-DD, not \"2026-02-30\"", 1 },
	{ "aup: unknown key", "aup.yaml",
	  "version: 1\neffective: 2026-02-03\nen: {title: T, body: B}\nEnglish: {title: T, body: B}\n",
	  "aup.yaml:4:1: unknown key \"English\" (expected version, effective, contact, or a language tag such as en or es)", 1 },
	{ "aup: missing body", "aup.yaml",
	  "version: 1\neffective: 2026-02-03\nes: {title: T}\n",
	  "aup.yaml:3:5: the es terms is missing the required key \"body\"", 1 },
	{ "aup contact: bad phone, e-mail and url", "aup.yaml",
	  AUP_HEAD "contact:\n  name: Help desk\n  phone: call us\n"
	  "  email: \"help at district\"\n  url: \"javascript:alert(1)\"\n",
	  "aup.yaml:6:10: phone \"call us\" is not a phone number (3 to 15 digits; "
	  "spaces, ( ) - . and a leading + allowed)", 3 },
	{ "aup contact: no name, no way to reach", "aup.yaml",
	  AUP_HEAD "contact:\n  hours: Mornings\n",
	  "aup.yaml:5:3: contact is missing the required key \"name\"", 1 },
	{ "aup contact: nothing but a name", "aup.yaml",
	  AUP_HEAD "contact:\n  name: Help desk\n",
	  "aup.yaml:5:3: contact needs at least one of phone, email or url", 1 },
	{ "aup contact: names per language", "aup.yaml",
	  AUP_HEAD "contact:\n  name: {en: Help, English: Help, es: \"\"}\n  phone: \"311\"\n",
	  "aup.yaml:5:20: contact name: \"English\" is not a language tag such as en or es", 2 },
	{ "aup contact: unknown key", "aup.yaml",
	  AUP_HEAD "contact:\n  name: Help\n  fax: \"555 0100\"\n",
	  "aup.yaml:6:3: unknown key \"fax\" in contact (expected one of: name, phone, "
	  "email, url, hours)", 1 },
	{ "config: bad fail mode", "hallpass.yaml",
	  "fail: maybe\nqueues: [0, 70000]\n",
	  "hallpass.yaml:2:13: a queue number must be a whole number from 0 to 65535, not \"70000\"", 2 },
	{ "config: relative database", "hallpass.yaml",
	  "database: hallpass.db\n",
	  "hallpass.yaml:1:11: database must be an absolute path or a postgresql:// URI", 1 },
	{ "config: bad hotspot id", "hallpass.yaml",
	  "hotspot_id: \"hs 9\"\n",
	  "hallpass.yaml:1:13: hotspot_id must be 1-64 letters, digits, '.', '_' or '-'", 1 },
	{ "policy: group rule without school or grades", "policy.yaml",
	  POLICY_HEAD "group_rules:\n  - group: standard\n",
	  "policy.yaml:7:5: a group rule needs a school, grades, or both", 1 },
	{ "policy: group rule with a bad range", "policy.yaml",
	  POLICY_HEAD "group_rules:\n  - grades: 05-KG\n    group: nope\n",
	  "policy.yaml:7:13: \"05-KG\" is not a grade or a range of grades (IT PR PK TK KG 01-13 PS UG Other, e.g. KG-05)", 2 },
};

/* Loads everything `rules check` loads; returns the errors. */
static void
load_all(const char *dir, struct diag *d)
{
	struct policy	*p = policy_load(dir, d);
	struct aup	*a = aup_load(dir, d);
	struct config	 c;

	(void)config_load(&c, dir, d);
	policy_unref(p);
	aup_free(a);
}

static void
test_bad_case(void **state)
{
	const struct bad_case	*bc = *state;
	char			*dir = testutil_confdir();
	char			 want[1024];
	struct diag		 d;

	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, bc->file, bc->content), 0);
	diag_init(&d);
	load_all(dir, &d);
	snprintf(want, sizeof(want), "%s/%s", dir, bc->expect);
	if (d.n == 0 || strcmp(d.msgs[0], want) != 0 || diag_count(&d) != bc->nerrors) {
		for (size_t i = 0; i < d.n; i++)
			print_message("got: %s\n", d.msgs[i]);
		print_message("want: %s (%zu errors)\n", want, bc->nerrors);
	}
	assert_true(d.n > 0);
	assert_string_equal(d.msgs[0], want);
	assert_int_equal(diag_count(&d), bc->nerrors);
	diag_free(&d);
	testutil_rmdir(dir);
}

/* A bad file never yields a snapshot: nothing half-loaded. */
static void
test_bad_yields_nothing(void **state)
{
	char		*dir = testutil_confdir();
	struct diag	 d;

	(void)state;
	assert_int_equal(testutil_write(dir, "rules.d/games.yaml",
	    "category: games\ndescription: G\ndomains: [ok.example, bad_.example, \"x y\"]\n"), 0);
	diag_init(&d);
	assert_null(policy_load(dir, &d));
	assert_int_equal(diag_count(&d), 1);
	diag_free(&d);
	testutil_rmdir(dir);
}

/* Every error at once, across files. */
static void
test_all_errors_reported(void **state)
{
	char		*dir = testutil_confdir();
	struct diag	 d;

	(void)state;
	testutil_write(dir, "rules.d/games.yaml",
	    "category: games\ndescription: G\ndomains: [\"a b\", \"c d\"]\npatterns: ['(']\n");
	testutil_write(dir, "aup.yaml", "version: zero\neffective: soon\nen: {title: T, body: B}\n");
	diag_init(&d);
	load_all(dir, &d);
	assert_int_equal(diag_count(&d), 5);
	diag_free(&d);
	testutil_rmdir(dir);
}

static void
test_base_is_good(void **state)
{
	struct diag	 d;
	struct policy	*p;

	(void)state;
	diag_init(&d);
	p = policy_load("fixtures/base", &d);
	assert_non_null(p);
	assert_int_equal(diag_count(&d), 0);
	policy_unref(p);
	diag_free(&d);
}

static void
test_shipped_rules_are_good(void **state)
{
	struct diag	 d;
	struct policy	*p;
	struct aup	*a;
	struct config	 c;

	(void)state;
	diag_init(&d);
	p = policy_load("../rules", &d);
	a = aup_load("../rules", &d);
	assert_int_equal(config_load(&c, "../rules", &d), 0);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_non_null(p);
	assert_non_null(a);
	assert_non_null(aup_text(a, "es"));
	policy_unref(p);
	aup_free(a);
	diag_free(&d);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* Every prefix and many one-byte mutations of real files: errors or success, never a crash. */
static void
test_truncated_and_mutated(void **state)
{
	static const char *const files[] = { "policy.yaml", "rules.d/gambling.yaml",
	    "safesearch.yaml", "aup.yaml", "hallpass.yaml" };
	static const char junk[] = { '\0', '"', '\'', ':', '-', '[', '{', '&', '*', '\n', ' ', '\t', '#', '|', '>', '!', '%', '@', (char)0xff };
	char	*dir = testutil_confdir();
	char	 path[512];

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t	 len, cut;
		char	*orig;

		snprintf(path, sizeof(path), "fixtures/base/%s", files[f]);
		orig = slurp(path, &len);
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		for (cut = 0; cut < len; cut += 3) {
			struct diag	 d;
			FILE		*o = fopen(path, "wb");
			size_t		 at = (cut * 7) % len;
			char		 save = orig[at];

			assert_non_null(o);
			/* Odd steps truncate; even steps overwrite one byte with YAML syntax. */
			if ((cut / 3) % 2)
				fwrite(orig, 1, cut, o);
			else {
				orig[at] = junk[(cut / 3) % sizeof(junk)];
				fwrite(orig, 1, len, o);
				orig[at] = save;
			}
			fclose(o);
			diag_init(&d);
			load_all(dir, &d);
			for (size_t i = 0; i < d.n; i++)
				assert_true(strncmp(d.msgs[i], dir, strlen(dir)) == 0);
			diag_free(&d);
		}
		testutil_write(dir, files[f], orig);
		free(orig);
	}
	testutil_rmdir(dir);
}

int
main(void)
{
	struct CMUnitTest	 tests[sizeof(cases) / sizeof(cases[0]) + 5];
	size_t			 n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = cases[i].name;
		tests[n].test_func = test_bad_case;
		tests[n].initial_state = (void *)(uintptr_t)&cases[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_yields_nothing);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_all_errors_reported);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_base_is_good);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_shipped_rules_are_good);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_truncated_and_mutated);
	return _cmocka_run_group_tests("policy_errors", tests, n, NULL, NULL);
}
