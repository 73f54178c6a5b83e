/* test_base: base/'s error setter, bounded copies, UTF-8 validation, HTML/URL escaping and log lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hp_err.h"
#include "hp_str.h"
#include "log.h"

static void
test_errf(void **state)
{
	char	 err[8];

	(void)state;
	hp_errf(err, sizeof(err), "%s %d", "bad", 42);
	assert_string_equal(err, "bad 42");
	hp_errf(err, sizeof(err), "%s", "much too long");
	assert_string_equal(err, "much to");
	/* Callers that want no message pass NULL or 0. */
	hp_errf(NULL, 10, "x");
	err[0] = 'q';
	hp_errf(err, 0, "x");
	assert_int_equal(err[0], 'q');
}

static void
test_strlcpy(void **state)
{
	char	 b[4];

	(void)state;
	assert_int_equal(hp_strlcpy(b, "ab", sizeof(b)), 2);
	assert_string_equal(b, "ab");
	assert_int_equal(hp_strlcpy(b, "abc", sizeof(b)), 3);
	assert_string_equal(b, "abc");
	/* Truncation returns the length it needed, as strlcpy does. */
	assert_int_equal(hp_strlcpy(b, "abcdef", sizeof(b)), 6);
	assert_string_equal(b, "abc");
	assert_int_equal(hp_strlcpy(b, NULL, sizeof(b)), 0);
	assert_string_equal(b, "");
	b[0] = 'z';
	assert_int_equal(hp_strlcpy(b, "abc", 0), 3);
	assert_int_equal(b[0], 'z');
	assert_int_equal(hp_memlcpy(b, sizeof(b), "xyzw-not-terminated", 5), 5);
	assert_string_equal(b, "xyz");
	assert_int_equal(hp_memlcpy(b, sizeof(b), "k", 1), 1);
	assert_string_equal(b, "k");
}

static void
test_utf8(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;	/* 0: strlen */
		int		 ok;
	} cases[] = {
		{ "", 0, 1 }, { "ascii", 0, 1 }, { "\xc3\xa9", 0, 1 },
		{ "\xe6\x97\xa5", 0, 1 }, { "\xf0\x9f\x98\x80", 0, 1 },
		{ "\xf4\x8f\xbf\xbf", 0, 1 },		/* U+10FFFF, the last */
		{ "\xed\x9f\xbf", 0, 1 },		/* U+D7FF, below the surrogates */
		{ "\xee\x80\x80", 0, 1 },		/* U+E000, above them */
		{ "a\0b", 3, 1 },			/* NUL is valid UTF-8 */
		{ "\xff", 0, 0 }, { "\xfe", 0, 0 }, { "\x80", 0, 0 }, { "a\x80", 0, 0 },
		/* overlongs */
		{ "\xc0\xaf", 0, 0 }, { "\xc1\xbf", 0, 0 }, { "\xc0\x80", 0, 0 },
		{ "\xe0\x80\xaf", 0, 0 }, { "\xe0\x9f\xbf", 0, 0 },
		{ "\xf0\x80\x80\xaf", 0, 0 }, { "\xf0\x8f\xbf\xbf", 0, 0 },
		/* UTF-16 surrogates */
		{ "\xed\xa0\x80", 0, 0 }, { "\xed\xbf\xbf", 0, 0 },
		/* past U+10FFFF */
		{ "\xf4\x90\x80\x80", 0, 0 }, { "\xf5\x80\x80\x80", 0, 0 },
		/* truncated sequences */
		{ "\xc3", 0, 0 }, { "\xe6\x97", 0, 0 }, { "\xf0\x9f\x98", 0, 0 },
		{ "\xe6\x97\xa5", 2, 0 }, { "\xe6\x41\xa5", 0, 0 }, { "\xc3\xa9x\xc3", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t	 len = cases[i].len ? cases[i].len : strlen(cases[i].s);

		if (hp_utf8_valid(cases[i].s, len) != cases[i].ok)
			fail_msg("case %zu", i);
	}
	assert_int_equal(hp_utf8_seqlen("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(hp_utf8_seqlen("\xe6\x97\xa5z", 4), 3);
	assert_int_equal(hp_utf8_seqlen("\xc3\xa9", 2), 2);
	assert_int_equal(hp_utf8_seqlen("a", 1), 1);
	assert_int_equal(hp_utf8_seqlen("a", 0), 0);
	/* A NUL terminator is no continuation byte, so a C string needs no exact length. */
	assert_int_equal(hp_utf8_seqlen("\xe6\x97", 4), 0);
}

static void
test_html(void **state)
{
	char	 b[64];
	size_t	 n;

	(void)state;
	n = hp_html_escape(b, sizeof(b), "<a href=\"x\">&'</a>", 18);
	assert_string_equal(b, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	assert_int_equal(n, strlen(b));
	assert_null(hp_html_entity('a'));
	assert_string_equal(hp_html_entity('&'), "&amp;");
	/* Cut output never ends mid-entity and says what it needed. */
	n = hp_html_escape(b, 7, "ab&cd", 5);
	assert_string_equal(b, "ab");
	assert_int_equal(n, 9);
	n = hp_html_escape(b, sizeof(b), "a\0b", 3);
	assert_int_equal(n, 3);
}

static void
test_url(void **state)
{
	char	 b[64];
	size_t	 n;

	(void)state;
	n = hp_url_escape(b, sizeof(b), "a b&c=d/é~-_.", strlen("a b&c=d/é~-_."));
	assert_string_equal(b, "a%20b%26c%3Dd%2F%C3%A9~-_.");
	assert_int_equal(n, strlen(b));
	n = hp_url_escape(b, 5, "ab cd", 5);
	assert_string_equal(b, "ab");
	assert_int_equal(n, 7);
	assert_true(hp_url_unreserved('~'));
	assert_false(hp_url_unreserved('+'));
}

static void
test_log(void **state)
{
	char	 buf[512];
	FILE	*f;
	int	 fd;

	(void)state;
	/* Lines go to stderr: point it at a file for the duration. */
	fflush(stderr);
	assert_true((fd = dup(2)) >= 0);
	assert_non_null(f = tmpfile());
	assert_true(dup2(fileno(f), 2) == 2);
	log_set_level(LOG_L_INFO);
	log_set_name("test");
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_int_equal(errno, ENOENT);
	log_warnx("plain %d", 1);
	log_debug("hidden");
	log_info("shown");
	fflush(stderr);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_non_null(strstr(buf, " test warn: open x: No such file or directory\n"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_non_null(strstr(buf, " test warn: plain 1\n"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_non_null(strstr(buf, " test info: shown\n"));
	assert_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	log_set_name("hallpassd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errf),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
