/* test_ship: the gateway's end of shipping — every block event and rollup change gets a new local sequence, marks never move back, health round-trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char path[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/hallpass-ship.XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	unlink(path);
	return 0;
}

static int
teardown(void **state)
{
	char p[80];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static struct store_event
ev(const char *student, const char *host, const char *action, int64_t ts)
{
	struct store_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ms = ts;
	e.day = "2026-11-02";
	e.hour = 9;
	e.student = student;
	e.client = "02:00:00:00:10:01";
	e.proto = "dns";
	e.host = host;
	e.action = action;
	e.category = strcmp(action, "block") == 0 ? "gambling" : NULL;
	return e;
}

struct seen {
	int64_t	seq[16];
	char	host[16][32];
	int	n;
};

static int
take_event(const struct store_event *e, int64_t seq, void *arg)
{
	struct seen *s = arg;

	s->seq[s->n] = seq;
	snprintf(s->host[s->n], sizeof(s->host[0]), "%s", e->host);
	s->n++;
	return 0;
}

static int
take_daily(const struct store_ship_daily *r, void *arg)
{
	struct seen *s = arg;

	s->seq[s->n] = r->seq;
	snprintf(s->host[s->n], sizeof(s->host[0]), "%s:%lld", r->host, (long long)r->visits);
	s->n++;
	return 0;
}

static void
test_sequence(void **state)
{
	struct store		*s;
	struct store_event	 e[3];
	struct seen		 seen;
	struct store_ship_marks	 m;
	char			 err[256];
	int64_t			 first;

	(void)state;
	assert_non_null(s = store_open(path, STORE_CREATE, err, sizeof(err)));
	e[0] = ev("s1", "bet365.com", "block", 1000);
	e[1] = ev("s1", "wikipedia.org", "allow", 2000);
	e[2] = ev("s2", "bet365.com", "block", 3000);
	assert_int_equal(store_events_insert(s, e, 3, err, sizeof(err)), 0);
	/* Only block events wait to ship, in sequence order. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ship_pending_events(s, 0, 0, take_event, &seen, err,
	    sizeof(err)), 2);
	assert_true(seen.seq[0] > 0 && seen.seq[1] > seen.seq[0]);
	first = seen.seq[0];
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ship_pending_events(s, first, 0, take_event, &seen, err,
	    sizeof(err)), 1);
	/* A changed rollup row gets a newer sequence than anything before it. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ship_pending_daily(s, 0, 0, take_daily, &seen, err,
	    sizeof(err)), 3);
	int64_t top = seen.seq[2];

	assert_int_equal(store_usage_add(s, "2026-11-02", 9, "s1", "wikipedia.org", 500, 60,
	    err, sizeof(err)), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ship_pending_daily(s, top, 0, take_daily, &seen, err,
	    sizeof(err)), 1);
	assert_string_equal(seen.host[0], "wikipedia.org:1");
	assert_true(seen.seq[0] > top);
	/* Marks: set, read back, never moved back. */
	memset(&m, 0, sizeof(m));
	m.seq[STORE_SHIP_EVENTS] = first;
	m.seq[STORE_SHIP_DAILY] = top;
	assert_int_equal(store_ship_marks_set(s, &m, err, sizeof(err)), 0);
	m.seq[STORE_SHIP_EVENTS] = 1;
	assert_int_equal(store_ship_marks_set(s, &m, err, sizeof(err)), 0);
	assert_int_equal(store_ship_marks_get(s, &m, err, sizeof(err)), 0);
	assert_int_equal(m.seq[STORE_SHIP_EVENTS], first);
	assert_int_equal(m.seq[STORE_SHIP_DAILY], top);
	/* Waiting: 1 event + 1 daily row + the hourly rows (never shipped). */
	assert_int_equal(store_ship_backlog(s, &m, err, sizeof(err)), 1 + 1 + 2);
	/* Retention empties events; the sequence still only grows. */
	assert_int_equal(store_purge(s, 10000, err, sizeof(err)), 3);
	e[0] = ev("s3", "pokerstars.com", "block", 20000);
	assert_int_equal(store_events_insert(s, e, 1, err, sizeof(err)), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ship_pending_events(s, first, 0, take_event, &seen, err,
	    sizeof(err)), 1);
	assert_true(seen.seq[0] > top);
	store_close(s);
}

static void
test_health(void **state)
{
	struct store			*s;
	struct store_gateway_health	 h, got;
	char				 err[256], rv[64];

	(void)state;
	assert_non_null(s = store_open(path, STORE_CREATE, err, sizeof(err)));
	assert_int_equal(store_health_get(s, &got, rv, sizeof(rv), err, sizeof(err)), 1);
	memset(&h, 0, sizeof(h));
	h.rules_version = "42";
	h.last_packet_ms = 1000;
	h.queue_drops = 3;
	h.fail_open_events = 7;
	h.updated_ms = 2000;
	assert_int_equal(store_health_set(s, &h, err, sizeof(err)), 0);
	assert_int_equal(store_health_get(s, &got, rv, sizeof(rv), err, sizeof(err)), 0);
	assert_string_equal(got.rules_version, "42");
	assert_int_equal(got.queue_drops, 3);
	assert_int_equal(got.fail_open_events, 7);
	assert_int_equal(got.updated_ms, 2000);
	store_close(s);
	/* Read-only (the CGI): no shipping state may be written. */
	assert_non_null(s = store_open(path, STORE_RDONLY, err, sizeof(err)));
	assert_int_equal(store_health_set(s, &h, err, sizeof(err)), -1);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
