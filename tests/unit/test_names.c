/* test_names: host name normalisation edge cases and the domain table's duplicate handling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domtab.h"
#include "hostname.h"

static void
norm_is(const char *in, enum hostname_kind kind, const char *want)
{
	char			 out[HOSTNAME_BUFSZ];
	const char		*why = NULL;
	enum hostname_kind	 k = hostname_normalize(in, strlen(in), out, &why);

	if (k != kind)
		print_message("%s: kind %d (%s)\n", in, (int)k, why ? why : "");
	assert_int_equal(k, kind);
	if (kind == HOSTNAME_INVALID)
		assert_non_null(why);
	else
		assert_string_equal(out, want);
}

static void
test_normalize(void **state)
{
	char	long_label[80], long_name[300];

	(void)state;
	norm_is("WWW.Example.COM", HOSTNAME_NAME, "www.example.com");
	norm_is("example.com.", HOSTNAME_NAME, "example.com");
	norm_is("xn--bcher-kva.example", HOSTNAME_NAME, "xn--bcher-kva.example");
	norm_is("_dmarc.example.com", HOSTNAME_NAME, "_dmarc.example.com");
	norm_is("localhost", HOSTNAME_NAME, "localhost");
	norm_is("123.example", HOSTNAME_NAME, "123.example");
	norm_is("192.0.2.1", HOSTNAME_IPV4, "192.0.2.1");
	norm_is("192.0.2.1.", HOSTNAME_IPV4, "192.0.2.1");
	norm_is("[2001:DB8:0:0::1]", HOSTNAME_IPV6, "2001:db8::1");
	norm_is("2001:db8::1", HOSTNAME_IPV6, "2001:db8::1");
	norm_is("::ffff:192.0.2.1", HOSTNAME_IPV6, "::ffff:192.0.2.1");
	norm_is("", HOSTNAME_INVALID, NULL);
	norm_is(".", HOSTNAME_INVALID, NULL);
	norm_is("a..b", HOSTNAME_INVALID, NULL);
	norm_is(".a.b", HOSTNAME_INVALID, NULL);
	norm_is("a.b..", HOSTNAME_INVALID, NULL);
	norm_is("bad host", HOSTNAME_INVALID, NULL);
	norm_is("b\xc3\xbc" "cher.example", HOSTNAME_INVALID, NULL);
	norm_is("a/b.example", HOSTNAME_INVALID, NULL);
	norm_is("256.1.1.1", HOSTNAME_INVALID, NULL);
	norm_is("1.2.3", HOSTNAME_INVALID, NULL);
	norm_is("[192.0.2.1]", HOSTNAME_INVALID, NULL);
	norm_is("[]", HOSTNAME_INVALID, NULL);
	norm_is("example.com:443", HOSTNAME_INVALID, NULL);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	norm_is(long_label, HOSTNAME_INVALID, NULL);
	long_label[63] = '\0';
	norm_is(long_label, HOSTNAME_NAME, long_label);
	/* 253 is the longest name; 254 is refused. */
	for (size_t i = 0; i < 253; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = '\0';
	norm_is(long_name, HOSTNAME_NAME, long_name);
	long_name[253] = 'a';
	long_name[254] = '\0';
	norm_is(long_name, HOSTNAME_INVALID, NULL);
}

/* Only len bytes are read: a name in the middle of a packet buffer. */
static void
test_normalize_bounds(void **state)
{
	const char	 buf[] = "www.example.comGARBAGE";
	char		 out[HOSTNAME_BUFSZ];

	(void)state;
	assert_int_equal(hostname_normalize(buf, 15, out, NULL), HOSTNAME_NAME);
	assert_string_equal(out, "www.example.com");
	assert_int_equal(hostname_normalize(buf, 0, out, NULL), HOSTNAME_INVALID);
}

static void
test_domtab(void **state)
{
	struct domtab	*t = domtab_new();
	const uint32_t	*pairs;
	const char	*key;
	char		 name[64];

	(void)state;
	assert_int_equal(domtab_add(t, "a.example", 9, 1, 10), 0);
	assert_int_equal(domtab_add(t, "a.example", 9, 1, 11), 0);	/* same list: first line stands */
	assert_int_equal(domtab_add(t, "a.example", 9, 2, 20), 0);
	assert_int_equal(domtab_add(t, "b.example", 9, 3, 30), 0);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(domtab_add(t, name, (size_t)n, 4, (uint32_t)i), 0);
	}
	assert_int_equal(domtab_build(t), 0);
	assert_int_equal(domtab_add(t, "late.example", 12, 1, 1), -1);
	assert_int_equal(domtab_count(t), 5002);
	assert_int_equal(domtab_find(t, "a.example", 9, &pairs, &key), 2);
	assert_string_equal(key, "a.example");
	assert_int_equal(pairs[0], 1);
	assert_int_equal(pairs[1], 10);
	assert_int_equal(pairs[2], 2);
	assert_int_equal(pairs[3], 20);
	assert_int_equal(domtab_find(t, "b.example", 9, &pairs, &key), 1);
	assert_int_equal(pairs[0], 3);
	assert_int_equal(pairs[1], 30);
	/* A prefix of a stored name is not that name. */
	assert_int_equal(domtab_find(t, "a.exampl", 8, &pairs, &key), 0);
	assert_int_equal(domtab_find(t, "c.example", 9, &pairs, &key), 0);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(domtab_find(t, name, (size_t)n, &pairs, &key), 1);
		assert_int_equal(pairs[1], (uint32_t)i);
	}
	domtab_free(t);
}

static void
test_domtab_empty(void **state)
{
	struct domtab	*t = domtab_new();
	const uint32_t	*pairs;

	(void)state;
	assert_int_equal(domtab_build(t), 0);
	assert_int_equal(domtab_find(t, "a", 1, &pairs, NULL), 0);
	domtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_bounds),
		cmocka_unit_test(test_domtab),
		cmocka_unit_test(test_domtab_empty),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
