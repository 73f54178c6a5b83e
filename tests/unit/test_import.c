/* test_import: the hosts, Adblock and UT1 importers and the YAML they write (run with cwd tests/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <yaml.h>

#include "import.h"

#define FIX	"fixtures/import/"

/* ---- helpers ---- */

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	 n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Errors go to a memory stream so tests can check what a user would see. */
struct errbuf {
	FILE	*f;
	char	*text;
	size_t	 len;
};

static void
errbuf_open(struct errbuf *e)
{
	memset(e, 0, sizeof(*e));
	e->f = open_memstream(&e->text, &e->len);
	assert_non_null(e->f);
}

static void
errbuf_close(struct errbuf *e)
{
	fclose(e->f);
	e->f = NULL;
}

static size_t
count_lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

typedef int (*reader_fn)(FILE *, const char *, struct import_result *, FILE *);

static int
import_path(reader_fn fn, const char *path, struct import_result *r,
    FILE *errs)
{
	FILE	*f = fopen(path, "r");
	int	 rc;

	assert_non_null(f);
	rc = fn(f, path, r, errs);
	fclose(f);
	return rc;
}

static int
import_string(reader_fn fn, const char *text, size_t len,
    struct import_result *r, FILE *errs)
{
	FILE	*f = fmemopen((void *)(uintptr_t)text, len, "r");
	int	 rc;

	assert_non_null(f);
	rc = fn(f, "mem", r, errs);
	fclose(f);
	return rc;
}

static void
assert_list(const struct import_list *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

static char *
write_yaml(const char *category, const char *description,
    const char *comment, const struct import_result *r)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(import_write_yaml(f, category, description, comment,
	    r), 0);
	fclose(f);
	return text;
}

/* Reads back what libyaml's parser sees, so "valid YAML" means "our loader gets these values". */
static void
expect_event(yaml_parser_t *p, yaml_event_type_t type, const char *value)
{
	yaml_event_t ev;

	assert_true(yaml_parser_parse(p, &ev));
	assert_int_equal(ev.type, type);
	if (value != NULL) {
		assert_int_equal(ev.data.scalar.length, strlen(value));
		assert_memory_equal(ev.data.scalar.value, value,
		    strlen(value));
	}
	yaml_event_delete(&ev);
}

static void
expect_list(yaml_parser_t *p, const char *key, const struct import_list *l)
{
	expect_event(p, YAML_SCALAR_EVENT, key);
	expect_event(p, YAML_SEQUENCE_START_EVENT, NULL);
	for (size_t i = 0; i < l->n; i++)
		expect_event(p, YAML_SCALAR_EVENT, l->v[i]);
	expect_event(p, YAML_SEQUENCE_END_EVENT, NULL);
}

static void
check_parses(const char *text, const char *category, const char *description,
    const struct import_result *r)
{
	yaml_parser_t p;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text,
	    strlen(text));
	expect_event(&p, YAML_STREAM_START_EVENT, NULL);
	expect_event(&p, YAML_DOCUMENT_START_EVENT, NULL);
	expect_event(&p, YAML_MAPPING_START_EVENT, NULL);
	expect_event(&p, YAML_SCALAR_EVENT, "category");
	expect_event(&p, YAML_SCALAR_EVENT, category);
	expect_event(&p, YAML_SCALAR_EVENT, "description");
	expect_event(&p, YAML_SCALAR_EVENT, description);
	expect_list(&p, "domains", &r->domains);
	if (r->urls.n > 0)
		expect_list(&p, "urls", &r->urls);
	expect_event(&p, YAML_MAPPING_END_EVENT, NULL);
	expect_event(&p, YAML_DOCUMENT_END_EVENT, NULL);
	expect_event(&p, YAML_STREAM_END_EVENT, NULL);
	yaml_parser_delete(&p);
}

/* The expected files double as the CLI test's expectations (SOURCE_DATE_EPOCH=0, run from fixtures/import). */
static void
check_yaml_fixture(const char *expected_path, const char *category,
    const char *description, const char *comment,
    const struct import_result *r)
{
	char	*want = slurp(expected_path);
	char	*got = write_yaml(category, description, comment, r);

	assert_string_equal(got, want);
	check_parses(got, category, description, r);
	free(got);
	free(want);
}

/* ---- hosts ---- */

static const char *const hosts_domains[] = {
	"ads.example.com", "crlf.example.com", "doubleclick.example",
	"good-after-bad.example.com", "ip6-lookalike.example.com",
	"ipv6-sink.example.com", "tabbed.example.org", "tracker.example.net",
};

static void
test_hosts_fixture(void **state)
{
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_path(import_hosts, FIX "hosts.txt", &r, e.f), 0);
	errbuf_close(&e);
	assert_int_equal(r.lines, 25);
	assert_list(&r.domains, hosts_domains, 8);
	assert_int_equal(r.urls.n, 0);
	assert_int_equal(r.duplicates, 2);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.unsupported, 0);
	assert_int_equal(r.skipped, 10);
	assert_string_equal(e.text,
	    FIX "hosts.txt:19: bad host name 'bad_name!.example.com': character not allowed in a host name\n"
	    FIX "hosts.txt:20: bad host name '192.168.1.1': an address where a host name belongs\n"
	    FIX "hosts.txt:21: bad address '999.1.1.1': digits and dots but not an IPv4 address\n"
	    FIX "hosts.txt:22: address without host names\n"
	    FIX "hosts.txt:23: bad address 'example.com': first field is not an IP address\n");
	check_yaml_fixture(FIX "hosts.expected.yaml", "ads",
	    "Imported from hosts.txt",
	    "generated by hallpass import hosts from hosts.txt on 1970-01-01: "
	    "8 domains, 0 urls, 5 bad lines skipped", &r);
	free(e.text);
	import_result_free(&r);
}

static void
test_hosts_bom_crlf_nul(void **state)
{
	static const char text[] =
	    "\xef\xbb\xbf" "0.0.0.0 a.example\r\n"
	    "0.0.0.0 b.ex\0ample\n"
	    "\n"
	    "  127.0.0.1\tc.example  \r\n"
	    "0.0.0.0 d.example";	/* no final newline */
	static const char *const want[] = {
		"a.example", "c.example", "d.example",
	};
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_string(import_hosts, text, sizeof(text) - 1,
	    &r, e.f), 0);
	errbuf_close(&e);
	assert_list(&r.domains, want, 3);
	assert_int_equal(r.lines, 5);
	assert_int_equal(r.bad, 1);
	assert_string_equal(e.text, "mem:2: NUL byte in line\n");
	free(e.text);
	import_result_free(&r);
}

static void
test_report_cap(void **state)
{
	char	 text[4096];
	size_t	 len = 0;
	struct import_result r;
	struct errbuf e;

	(void)state;
	for (int i = 0; i < 25; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "0.0.0.0 bad%d!.example\n", i);
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	    "0.0.0.0 good.example\n");
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_string(import_hosts, text, len, &r, e.f), 0);
	errbuf_close(&e);
	assert_int_equal(r.bad, 25);
	assert_int_equal(r.reported, IMPORT_REPORT_MAX);
	assert_int_equal(count_lines(e.text), IMPORT_REPORT_MAX);
	assert_true(strncmp(e.text, "mem:1: ", 7) == 0);
	assert_non_null(strstr(e.text, "\nmem:10: "));
	assert_null(strstr(e.text, "mem:11: "));
	assert_int_equal(r.domains.n, 1);
	free(e.text);
	import_result_free(&r);
}

/* Reports quote the input; a hostile list must not get escape sequences onto the terminal. */
static void
test_report_quotes_safely(void **state)
{
	static const char text[] = "0.0.0.0 evil\x1b[2J.example\n";
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_string(import_hosts, text, sizeof(text) - 1,
	    &r, e.f), 0);
	errbuf_close(&e);
	assert_int_equal(r.bad, 1);
	assert_null(strchr(e.text, '\x1b'));
	assert_non_null(strstr(e.text, "'evil?[2J.example'"));
	free(e.text);
	import_result_free(&r);
}

static void
test_accumulates_and_sorts(void **state)
{
	static const char one[] = "0.0.0.0 c.example b.example\n";
	static const char two[] = "0.0.0.0 a.example B.example\n";
	static const char *const want[] = {
		"a.example", "b.example", "c.example",
	};
	struct import_result r;

	(void)state;
	import_result_init(&r);
	assert_int_equal(import_string(import_hosts, one, sizeof(one) - 1, &r,
	    NULL), 0);
	assert_int_equal(import_string(import_hosts, two, sizeof(two) - 1, &r,
	    NULL), 0);
	assert_list(&r.domains, want, 3);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(r.lines, 2);
	import_result_free(&r);
}

/* ---- Adblock ---- */

static void
test_adblock_fixture(void **state)
{
	static const char *const want[] = {
		"1.2.3.4", "ads.example.com", "cdn.example.org",
		"party.example", "tracker.example.net",
	};
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_path(import_adblock, FIX "adblock.txt", &r,
	    e.f), 0);
	errbuf_close(&e);
	assert_int_equal(r.lines, 30);
	assert_list(&r.domains, want, 5);
	assert_int_equal(r.urls.n, 0);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(r.unsupported, 12);
	assert_int_equal(r.bad, 6);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(e.text,
	    FIX "adblock.txt:25: '||' without a domain\n"
	    FIX "adblock.txt:26: bad domain 'exa mple.com': character not allowed in a host name\n"
	    FIX "adblock.txt:27: bad domain 'bad_domain!.com': character not allowed in a host name\n"
	    FIX "adblock.txt:28: empty option after '$'\n"
	    FIX "adblock.txt:29: empty option after '$'\n"
	    FIX "adblock.txt:30: unterminated '[' header\n");
	check_yaml_fixture(FIX "adblock.expected.yaml", "ads",
	    "Imported from adblock.txt",
	    "generated by hallpass import adblock from adblock.txt on "
	    "1970-01-01: 5 domains, 0 urls, 6 bad lines skipped", &r);
	free(e.text);
	import_result_free(&r);
}

/* One rule per row: the option policy documented in import.c, pinned down. */
static void
test_adblock_rules(void **state)
{
	static const struct {
		const char *rule;
		char	 want;	/* d domain, u unsupported, b bad, - ignored */
	} cases[] = {
		{ "||a.example^", 'd' },
		{ "||a.example.^", 'd' },
		{ "||a.example^|", 'd' },
		{ "||a.example^$third-party", 'd' },
		{ "||a.example^$3p", 'd' },
		{ "||a.example^$1p,important", 'd' },
		{ "||a.example^$all", 'd' },
		{ "||a.example^$match-case", 'd' },
		{ "||a.example^$Third-Party", 'd' },
		{ "||a.example^$script", 'u' },
		{ "||a.example^$third-party,script", 'u' },
		{ "||a.example^$~script", 'u' },
		{ "||a.example^$document", 'u' },
		{ "||a.example^$popup", 'u' },
		{ "||a.example^$domain=b.example", 'u' },
		{ "||a.example^$badfilter", 'u' },
		{ "||a.example^$denyallow=b.example", 'u' },
		{ "||a.example^$dnsrewrite=1.2.3.4", 'u' },
		{ "||a.example^$redirect=noop.js", 'u' },
		{ "||a.example", 'u' },
		{ "||a.example|", 'u' },
		{ "||a.example$third-party", 'u' },
		{ "||a.example:8080^", 'u' },
		{ "||a.example/x", 'u' },
		{ "||a.example^x", 'u' },
		{ "||a.example^*", 'u' },
		{ "||*.a.example^", 'u' },
		{ "@@||a.example^", 'u' },
		{ "a.example##.ad", 'u' },
		{ "a.example#@#.ad", 'u' },
		{ "a.example#?#.ad:has(x)", 'u' },
		{ "a.example##+js(noeval)", 'u' },
		{ "a.example$$script", 'u' },
		{ "a.example", 'u' },
		{ "/ads[0-9]+/", 'u' },
		{ "||", 'b' },
		{ "||^", 'b' },
		{ "||^$third-party", 'b' },
		{ "||a b.example^", 'b' },
		{ "||a..example^", 'b' },
		{ "||a.example^$", 'b' },
		{ "||a.example^$,third-party", 'b' },
		{ "||a\x01.example^", 'b' },
		{ "||a b", 'b' },
		{ "[uBlock Origin", 'b' },
		{ "! comment", '-' },
		{ "[Adblock Plus 2.0]", '-' },
		{ "# comment", '-' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct import_result r;
		const char *rule = cases[i].rule;
		char	 got;

		import_result_init(&r);
		assert_int_equal(import_string(import_adblock, rule,
		    strlen(rule), &r, NULL), 0);
		got = r.domains.n ? 'd' : r.unsupported ? 'u' : r.bad ? 'b' :
		    '-';
		if (got != cases[i].want)
			fail_msg("%s: got %c, want %c", rule, got,
			    cases[i].want);
		assert_int_equal(r.domains.n + r.unsupported + r.bad,
		    got == '-' ? 0 : 1);
		if (got == 'd')
			assert_string_equal(r.domains.v[0], "a.example");
		import_result_free(&r);
	}
}

/* ---- UT1 ---- */

static void
test_ut1_fixture(void **state)
{
	static const char *const domains[] = {
		"192.0.2.7", "2001:db8::1", "bet.example.com",
		"casino.example.net", "crlf.example.net", "dotted.example.org",
		"under_score.example",
	};
	static const char *const urls[] = {
		"203.0.113.5/path?q=1", "[2001:db8::2]/x", "ok.example/#frag",
		"poker.example.com/games/",
	};
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_ut1_dir(FIX "ut1/testcat/", &r, e.f), 0);
	errbuf_close(&e);
	assert_int_equal(r.lines, 11 + 8);
	assert_list(&r.domains, domains, 7);
	assert_list(&r.urls, urls, 4);
	assert_int_equal(r.duplicates, 2);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.unsupported, 0);
	assert_string_equal(e.text,
	    FIX "ut1/testcat/domains:8: bad domain 'bad..example.com': empty label\n"
	    FIX "ut1/testcat/domains:9: bad domain 'exa mple.com': character not allowed in a host name\n"
	    FIX "ut1/testcat/urls:6: bad url 'nopath.example.com': no '/path' after the host (a bare host belongs in domains)\n"
	    FIX "ut1/testcat/urls:7: bad url host 'bad host.example': character not allowed in a host name\n"
	    FIX "ut1/testcat/urls:8: bad url 'ok.example/with space': space or control character in the path\n"
	    FIX "ut1/testcat/expressions: not imported: regular expressions are not supported\n");
	check_yaml_fixture(FIX "ut1.expected.yaml", "testcat",
	    "Imported from testcat",
	    "generated by hallpass import ut1 from ut1/testcat on 1970-01-01: "
	    "7 domains, 4 urls, 5 bad lines skipped", &r);
	free(e.text);
	import_result_free(&r);
}

static void
test_ut1_errors(void **state)
{
	struct import_result r;
	struct errbuf e;

	(void)state;
	import_result_init(&r);
	errbuf_open(&e);
	assert_int_equal(import_ut1_dir(FIX "no-such-dir", &r, e.f), -1);
	assert_int_equal(import_ut1_dir(FIX "hosts.txt", &r, e.f), -1);
	/* A folder with neither list is a wrong path, not an empty category. */
	assert_int_equal(import_ut1_dir(FIX, &r, e.f), -1);
	errbuf_close(&e);
	assert_int_equal(count_lines(e.text), 3);
	assert_non_null(strstr(e.text, "no-such-dir: No such file"));
	assert_non_null(strstr(e.text, "hosts.txt: not a directory"));
	assert_non_null(strstr(e.text, "neither a 'domains' nor a 'urls'"));
	free(e.text);
	import_result_free(&r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The real UT1 gambling list, counted independently: its lines are all
 * plain lower-case names (checked here), so every distinct line must come
 * out, in byte order, and nothing may be called bad.
 */
static void
test_ut1_real_gambling(void **state)
{
	const char *top = getenv("HALLPASS_TOP");
	char	 dir[4096], path[4200], *text, *line, *save = NULL;
	char	**want = NULL;
	size_t	 n = 0, cap = 0, uniq = 0, urls = 0;
	struct import_result r;
	struct timespec t0, t1;
	FILE	*f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/../shared/blocklists/ut1/gambling",
	    top ? top : "..");
	snprintf(path, sizeof(path), "%s/domains", dir);
	if ((f = fopen(path, "r")) == NULL)
		skip();
	fclose(f);

	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789.-_"),
		    strlen(line));
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			want = realloc(want, cap * sizeof(*want));
			assert_non_null(want);
		}
		want[n++] = line;
	}
	qsort(want, n, sizeof(*want), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(want[i], want[uniq - 1]) != 0)
			want[uniq++] = want[i];
	snprintf(path, sizeof(path), "%s/urls", dir);
	free(slurp(path));	/* must exist */
	f = fopen(path, "r");
	for (int c; (c = fgetc(f)) != EOF;)
		urls += c == '\n';
	fclose(f);

	import_result_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(import_ut1_dir(dir, &r, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(uniq >= 30000);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.duplicates, n - uniq);
	assert_list(&r.domains, (const char *const *)want, uniq);
	assert_int_equal(r.urls.n, urls);
	/* Generous even under ASan; a per-line lookup or insertion sort would blow it. */
	assert_true((double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 < 1.0);
	import_result_free(&r);
	free(want);
	free(text);
}

/* 130k lines in reverse order with every name twice: the shape that punishes a naive dedup. */
static void
test_large_input_is_fast(void **state)
{
	const size_t lines = 130000;
	char	*text = NULL;
	size_t	 len = 0;
	struct import_result r;
	struct timespec t0, t1;
	double	 secs;
	FILE	*f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	for (size_t i = lines; i > 0; i--)
		fprintf(f, "0.0.0.0 host%zu.example.com\n", i / 2);
	fclose(f);
	import_result_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(import_string(import_hosts, text, len, &r, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(r.lines, lines);
	assert_int_equal(r.domains.n, lines / 2 + 1);
	assert_int_equal(r.duplicates, lines / 2 - 1);
	assert_true(secs < 1.0);
	import_result_free(&r);
	free(text);
}

/* ---- YAML writer ---- */

static void
test_yaml_description_roundtrip(void **state)
{
	static const char *const descs[] = {
		"He said \"hi\": #1 - 'quoted' \\ back",
		"line one\nline two\ttab",
		"Ünïcödé 日本語 ✓",
		"", "-", "null", "yes", "~", "  padded  ", "[not, a, list]",
		"{a: b}", "&anchor *alias !tag %directive @at `tick`",
	};
	struct import_result r;

	(void)state;
	import_result_init(&r);
	assert_int_equal(import_string(import_hosts, "0.0.0.0 a.example\n",
	    18, &r, NULL), 0);
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		char	*got = write_yaml("test-cat_1", descs[i], NULL, &r);

		/* Double quotes always, as the schema shows, and one line even for "\n". */
		assert_non_null(strstr(got, "\ndescription: \""));
		assert_int_equal(count_lines(got), 4);
		check_parses(got, "test-cat_1", descs[i], &r);
		free(got);
	}
	import_result_free(&r);
}

/* A file name with a newline or stray bytes in it must not end the comment or break UTF-8. */
static void
test_yaml_comment_sanitised(void **state)
{
	struct import_result r;
	char	*got;

	(void)state;
	import_result_init(&r);
	assert_int_equal(import_string(import_hosts, "0.0.0.0 a.example\n",
	    18, &r, NULL), 0);
	got = write_yaml("x", "d", "from evil\ncategory: all\xff\xc3\xa9\r#",
	    &r);
	assert_string_equal(got,
	    "# from evil?category: all?\xc3\xa9?#\n"
	    "category: x\n"
	    "description: \"d\"\n"
	    "domains:\n"
	    "- a.example\n");
	check_parses(got, "x", "d", &r);
	free(got);
	import_result_free(&r);
}

static void
test_yaml_urls_only(void **state)
{
	struct import_result r;
	char	*got;

	(void)state;
	import_result_init(&r);
	/* Only urls (UT1 "malware" is like that): domains is still written, as an empty list. */
	r.urls.v = calloc(1, sizeof(char *));
	assert_non_null(r.urls.v);
	r.urls.v[0] = strdup("a.example/x");
	assert_non_null(r.urls.v[0]);
	r.urls.n = r.urls.cap = 1;
	got = write_yaml("x", "d", NULL, &r);
	assert_string_equal(got,
	    "category: x\n"
	    "description: \"d\"\n"
	    "domains: []\n"
	    "urls:\n"
	    "- a.example/x\n");
	check_parses(got, "x", "d", &r);
	free(got);
	import_result_free(&r);
}

static void
test_yaml_write_error(void **state)
{
	struct import_result r;
	FILE	*f = fopen("/dev/full", "w");

	(void)state;
	if (f == NULL)
		skip();
	import_result_init(&r);
	assert_int_equal(import_string(import_hosts, "0.0.0.0 a.example\n",
	    18, &r, NULL), 0);
	assert_int_equal(import_write_yaml(f, "x", "d", "c", &r), -1);
	fclose(f);
	import_result_free(&r);
}

static void
test_utf8_valid(void **state)
{
	static const struct {
		const char *s;
		int	 ok;
	} cases[] = {
		{ "", 1 }, { "ascii", 1 }, { "\xc3\xa9", 1 },
		{ "\xe6\x97\xa5", 1 }, { "\xf0\x9f\x98\x80", 1 },
		{ "\xff", 0 }, { "\xc3", 0 }, { "\xc0\xaf", 0 },
		{ "\xe0\x80\xaf", 0 }, { "\xed\xa0\x80", 0 },
		{ "\xf4\x90\x80\x80", 0 }, { "a\x80", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(import_utf8_valid(cases[i].s,
		    strlen(cases[i].s)), cases[i].ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_fixture),
		cmocka_unit_test(test_hosts_bom_crlf_nul),
		cmocka_unit_test(test_report_cap),
		cmocka_unit_test(test_report_quotes_safely),
		cmocka_unit_test(test_accumulates_and_sorts),
		cmocka_unit_test(test_adblock_fixture),
		cmocka_unit_test(test_adblock_rules),
		cmocka_unit_test(test_ut1_fixture),
		cmocka_unit_test(test_ut1_errors),
		cmocka_unit_test(test_ut1_real_gambling),
		cmocka_unit_test(test_large_input_is_fast),
		cmocka_unit_test(test_yaml_description_roundtrip),
		cmocka_unit_test(test_yaml_comment_sanitised),
		cmocka_unit_test(test_yaml_urls_only),
		cmocka_unit_test(test_yaml_write_error),
		cmocka_unit_test(test_utf8_valid),
	};

	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
