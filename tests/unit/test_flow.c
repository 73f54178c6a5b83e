/* test_flow: the bounded flow table — lookup, LRU eviction when full, idle expiry, TCP reassembly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "flow.h"

static struct flow_key
key(uint16_t sport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.af = AF_INET;
	k.proto = IPPROTO_TCP;
	k.sport = sport;
	k.dport = 443;
	k.src[0] = 10;
	k.dst[0] = 192;
	return k;
}

static int evicted;

static void
on_evict(struct flow *f, void *arg)
{
	(void)f;
	(void)arg;
	evicted++;
}

static void
test_lookup_and_full_table(void **state)
{
	struct flow_table	*t = flow_table_new(4, 2, 64, 1000);
	struct flow_key		 k;
	struct flow_stats	 st;
	struct flow		*f;

	(void)state;
	assert_non_null(t);
	flow_table_set_evict(t, on_evict, NULL);
	evicted = 0;
	for (uint16_t p = 1; p <= 4; p++) {
		k = key(p);
		assert_non_null(flow_get(t, &k, p, 1));
	}
	k = key(1);
	f = flow_get(t, &k, 10, 0);		/* refreshes flow 1 */
	assert_non_null(f);
	assert_int_equal(f->packets, 2);
	k = key(5);
	assert_non_null(flow_get(t, &k, 11, 1));	/* full: flow 2 is the least recently seen */
	k = key(2);
	assert_null(flow_get(t, &k, 12, 0));
	k = key(1);
	assert_non_null(flow_get(t, &k, 12, 0));
	flow_stats(t, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.live, 4);
	assert_int_equal(evicted, 1);
	flow_table_free(t);
	assert_int_equal(evicted, 5);	/* the four live flows leave too */
}

static void
test_expiry(void **state)
{
	struct flow_table	*t = flow_table_new(16, 0, 64, 1000);
	struct flow_key		 k;
	struct flow_stats	 st;

	(void)state;
	for (uint16_t p = 1; p <= 10; p++) {
		k = key(p);
		flow_get(t, &k, p * 100, 1);
	}
	assert_int_equal(flow_expire(t, 1450), 4);	/* seen at 100..400 */
	k = key(4);
	assert_null(flow_get(t, &k, 1450, 0));
	k = key(5);
	assert_non_null(flow_get(t, &k, 1450, 0));
	assert_int_equal(flow_expire(t, 100000), 6);
	flow_stats(t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.expired, 10);
	flow_table_free(t);
}

static void
test_reassembly(void **state)
{
	struct flow_table	*t = flow_table_new(4, 1, 64, 1000);
	struct flow_key		 k = key(1), k2 = key(2);
	struct flow		*f = flow_get(t, &k, 0, 1), *g;
	const uint8_t		*d;
	struct flow_stats	 st;

	(void)state;
	/* SYN at 0xfffffff0: the stream starts at 0xfffffff1 and wraps around zero. */
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff0u, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff1u + 10, 0, (const uint8_t *)"klmnopqrst", 10, &d), 0);
	assert_non_null(d);
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff1u, 0, (const uint8_t *)"abcdefghij", 10, &d), 20);
	assert_memory_equal(d, "abcdefghijklmnopqrst", 20);
	/* A retransmission changes nothing; an old segment before the start is ignored. */
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff1u + 5, 0, (const uint8_t *)"fghij", 5, &d), 20);
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff0u - 100, 0, (const uint8_t *)"zz", 2, &d), 20);
	/* Past the buffer: kept up to its end, flagged. */
	uint8_t big[100];
	memset(big, 'x', sizeof(big));
	assert_int_equal(flow_tcp_add(t, f, 0xfffffff1u + 20, 0, big, sizeof(big), &d), 64);
	assert_true(f->overflow);
	/* One buffer only: a second flow cannot buffer until the first releases it. */
	g = flow_get(t, &k2, 0, 1);
	assert_int_equal(flow_tcp_add(t, g, 1000, 0, (const uint8_t *)"GET", 3, &d), 0);
	assert_null(d);
	flow_stats(t, &st);
	assert_int_equal(st.nobuf, 1);
	flow_buf_release(t, f);
	assert_int_equal(flow_tcp_add(t, g, 1000, 0, (const uint8_t *)"GET", 3, &d), 3);
	assert_memory_equal(d, "GET", 3);
	flow_table_free(t);
}

static void
test_no_syn(void **state)
{
	struct flow_table	*t = flow_table_new(4, 1, 64, 1000);
	struct flow_key		 k = key(1);
	struct flow		*f = flow_get(t, &k, 0, 1);
	const uint8_t		*d;

	(void)state;
	assert_int_equal(flow_tcp_add(t, f, 5000, 0, (const uint8_t *)"abc", 3, &d), 3);
	assert_int_equal(flow_tcp_add(t, f, 5003, 0, (const uint8_t *)"def", 3, &d), 6);
	assert_memory_equal(d, "abcdef", 6);
	flow_table_free(t);
}

/*
 * Overlapping copies: every byte keeps its first copy, and a later copy that
 * differs marks the flow, whichever order the copies come in and however they
 * overlap (whole, partly, or from before the stream's start).
 */
static void
test_overlap(void **state)
{
	struct flow_table	*t = flow_table_new(8, 8, 64, 1000);
	struct flow_key		 k;
	struct flow		*f;
	const uint8_t		*d;
	struct flow_stats	 st;

	(void)state;
	/* The same bytes again (a plain retransmission, longer or shorter): no conflict. */
	k = key(1);
	f = flow_get(t, &k, 0, 1);
	assert_int_equal(flow_tcp_add(t, f, 99, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"abcdef", 6, &d), 6);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"abcdefgh", 8, &d), 8);
	assert_int_equal(flow_tcp_add(t, f, 102, 0, (const uint8_t *)"cd", 2, &d), 8);
	assert_false(f->conflict);
	/* Benign first, other bytes second: the first copy stays, the flow is marked. */
	k = key(2);
	f = flow_get(t, &k, 0, 1);
	assert_int_equal(flow_tcp_add(t, f, 99, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"good", 4, &d), 4);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"evil", 4, &d), 4);
	assert_memory_equal(d, "good", 4);
	assert_true(f->conflict);
	/* The reverse order: the same. */
	k = key(3);
	f = flow_get(t, &k, 0, 1);
	assert_int_equal(flow_tcp_add(t, f, 99, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"evil", 4, &d), 4);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"good", 4, &d), 4);
	assert_memory_equal(d, "evil", 4);
	assert_true(f->conflict);
	/* A partial overlap, out of order: a later segment's head rewrites an earlier one's tail. */
	k = key(4);
	f = flow_get(t, &k, 0, 1);
	assert_int_equal(flow_tcp_add(t, f, 99, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 104, 0, (const uint8_t *)"EFGH", 4, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"abcdef", 6, &d), 8);
	assert_memory_equal(d, "abcdEFGH", 8);
	assert_true(f->conflict);
	/* A segment from before the stream's start reaching into it is compared too. */
	k = key(5);
	f = flow_get(t, &k, 0, 1);
	assert_int_equal(flow_tcp_add(t, f, 99, 1, NULL, 0, &d), 0);
	assert_int_equal(flow_tcp_add(t, f, 100, 0, (const uint8_t *)"abcd", 4, &d), 4);
	assert_int_equal(flow_tcp_add(t, f, 98, 0, (const uint8_t *)"zzab", 4, &d), 4);
	assert_false(f->conflict);
	assert_int_equal(flow_tcp_add(t, f, 98, 0, (const uint8_t *)"zzaX", 4, &d), 4);
	assert_memory_equal(d, "abcd", 4);
	assert_true(f->conflict);
	flow_stats(t, &st);
	assert_int_equal(st.conflicts, 4);
	flow_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_and_full_table),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_no_syn),
		cmocka_unit_test(test_overlap),
	};

	return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
