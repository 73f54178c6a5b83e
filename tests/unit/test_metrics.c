/* test_metrics: hallpassd's Prometheus text: every counter where it belongs, written atomically, accepted by promtool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"

static void
fill(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->gate.packets = 1001;
	m->gate.allowed = 700;
	m->gate.blocked = 300;
	m->gate.dns_answered = 120;
	m->gate.resets = 130;
	m->gate.block_pages = 40;
	m->gate.icmp = 10;
	m->gate.safesearch = 55;
	m->gate.encrypted_dns = 7;
	m->act.pushed = 1000;
	m->act.dropped = 3;
	m->act.written = 997;
	m->act.purged = 12;
	m->flow.live = 42;
	m->queue_overruns = 2;
	m->reloads_applied = 4;
	m->reloads_rejected = 1;
	m->rules_loaded_ms = 1764968400123ULL;
	m->nqueues = 2;
	m->fail_open = 1;
	m->version = "0.1.0 \"x\"";
}

static char *
format(const struct metrics *m)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(metrics_format(m, f), 0);
	fclose(f);
	return buf;
}

static void
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
		p += n;
	}
	print_message("missing line: %s\n", line);
	fail();
}

static void
test_counters_in_place(void **state)
{
	struct metrics	 m;
	char		*t;

	(void)state;
	fill(&m);
	t = format(&m);
	has_line(t, "hallpass_packets_total 1001");
	has_line(t, "hallpass_verdicts_total{action=\"allow\"} 700");
	has_line(t, "hallpass_verdicts_total{action=\"block\"} 300");
	has_line(t, "hallpass_block_answers_total{kind=\"reset\"} 130");
	has_line(t, "hallpass_safesearch_rewrites_total 55");
	has_line(t, "hallpass_activity_events_total{result=\"dropped\"} 3");
	has_line(t, "hallpass_activity_purged_total 12");
	has_line(t, "hallpass_queue_overruns_total 2");
	has_line(t, "hallpass_reloads_total{result=\"rejected\"} 1");
	has_line(t, "hallpass_rules_loaded_timestamp_seconds 1764968400");
	has_line(t, "hallpass_flows 42");
	has_line(t, "hallpass_fail_open 1");
	has_line(t, "# TYPE hallpass_packets_total counter");
	has_line(t, "# TYPE hallpass_flows gauge");
	/* A quote in a label value is escaped, not a broken file. */
	has_line(t, "hallpass_build_info{version=\"0.1.0 \\\"x\\\"\"} 1");
	free(t);
}

static void
test_write_atomic_and_promtool(void **state)
{
	char		 dir[] = "/tmp/hallpass-metrics.XXXXXX", path[256], tmp[300];
	char		 cmd[600], err[512];
	struct metrics	 m;

	(void)state;
	fill(&m);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hallpass.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(metrics_write(path, &m, err, sizeof(err)), 0);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_not_equal(access(tmp, F_OK), 0);
	/* Debian's prometheus package: the format's own checker, when installed (make deps). */
	if (system("command -v promtool >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics <%s", path);
		assert_int_equal(system(cmd), 0);
	} else
		print_message("promtool not installed: format checked by the line tests only\n");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);

	/* An unwritable place is an error naming the file, not a crash. */
	assert_int_equal(metrics_write("/nonexistent/dir/hallpass.prom", &m, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/hallpass.prom.tmp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_in_place),
		cmocka_unit_test(test_write_atomic_and_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
