/* test_cgi_req: CGI request parsing — percent-decoding, forms, cookies, limits and hostile input — and HTML escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_out.h"
#include "cgi_req.h"

static char	 err[256];

/* A fake environment: NAME=value strings, NULL-terminated. */
static const char *
env_get(void *arg, const char *name)
{
	const char *const	*e = arg;
	size_t			 n = strlen(name);

	for (; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int
parse(struct cgi_req *r, const char *const *env, const char *body)
{
	FILE	*f = NULL;
	int	 rc;

	if (body != NULL)
		assert_non_null(f = fmemopen((void *)(uintptr_t)body, strlen(body) + 1,
		    "r"));
	rc = cgi_req_parse(r, env_get, (void *)(uintptr_t)env, f, err, sizeof(err));
	if (f != NULL)
		fclose(f);
	return rc;
}

static long
dec(const char *in, char *out, size_t len)
{
	return cgi_pct_decode(in, strlen(in), out, len, 1);
}

static void
test_pct_decode(void **state)
{
	char	 b[64];

	(void)state;
	assert_int_equal(dec("a%20b+c", b, sizeof(b)), 5);
	assert_string_equal(b, "a b c");
	assert_int_equal(dec("%41%62%2b", b, sizeof(b)), 3);
	assert_string_equal(b, "Ab+");
	assert_int_equal(dec("", b, sizeof(b)), 0);
	assert_string_equal(b, "");
	assert_int_equal(dec("caf%C3%A9", b, sizeof(b)), 5);
	assert_string_equal(b, "caf\xc3\xa9");
	/* Plus stays a plus outside form encoding. */
	assert_int_equal(cgi_pct_decode("a+b", 3, b, sizeof(b), 0), 3);
	assert_string_equal(b, "a+b");
	/* Bad escapes. */
	assert_int_equal(dec("%", b, sizeof(b)), -1);
	assert_int_equal(dec("%4", b, sizeof(b)), -1);
	assert_int_equal(dec("abc%zz", b, sizeof(b)), -1);
	assert_int_equal(dec("%g0", b, sizeof(b)), -1);
	/* Controls: NUL would cut a C string, ESC talks to terminals. */
	assert_int_equal(dec("a%00b", b, sizeof(b)), -1);
	assert_int_equal(dec("%1b[31m", b, sizeof(b)), -1);
	assert_int_equal(dec("%7f", b, sizeof(b)), -1);
	assert_int_equal(dec("a%0Ab%09c", b, sizeof(b)), 5);
	/* Not UTF-8: lone continuation, overlong slash, surrogate, past U+10FFFF, truncated. */
	assert_int_equal(dec("%80", b, sizeof(b)), -1);
	assert_int_equal(dec("%C0%AF", b, sizeof(b)), -1);
	assert_int_equal(dec("%ED%A0%80", b, sizeof(b)), -1);
	assert_int_equal(dec("%F4%90%80%80", b, sizeof(b)), -1);
	assert_int_equal(dec("%E2%82", b, sizeof(b)), -1);
	assert_int_equal(dec("%FF", b, sizeof(b)), -1);
	assert_int_equal(dec("%F0%9F%98%80", b, sizeof(b)), 4);
	/* Output too small is refused, never overrun. */
	assert_int_equal(dec("abcdef", b, 4), -1);
	assert_int_equal(dec("abc", b, 4), 3);
}

static void
test_form(void **state)
{
	struct cgi_kv	 kv;
	char		 big[CGI_MAX_PAIRS * 8 + 64];
	size_t		 o = 0;

	(void)state;
	assert_int_equal(cgi_parse_form(&kv, "a=1&b=two+words&c=&d", 20, err,
	    sizeof(err)), 0);
	assert_int_equal(kv.n, 4);
	assert_string_equal(cgi_kv_get(&kv, "a"), "1");
	assert_string_equal(cgi_kv_get(&kv, "b"), "two words");
	assert_string_equal(cgi_kv_get(&kv, "c"), "");
	assert_string_equal(cgi_kv_get(&kv, "d"), "");
	assert_null(cgi_kv_get(&kv, "e"));
	cgi_kv_free(&kv);

	/* Empty pieces are skipped; an encoded name is decoded. */
	assert_int_equal(cgi_parse_form(&kv, "&&x%5Fy=%3D&&", 13, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 1);
	assert_string_equal(cgi_kv_get(&kv, "x_y"), "=");
	cgi_kv_free(&kv);

	/* Only the given length is read. */
	assert_int_equal(cgi_parse_form(&kv, "a=1&b=2", 3, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 1);
	cgi_kv_free(&kv);

	/* Refused: no name, repeated name (parameter pollution), bad escape in name or value. */
	assert_int_equal(cgi_parse_form(&kv, "=1", 2, err, sizeof(err)), -1);
	assert_int_equal(cgi_parse_form(&kv, "id=s1001&id=s1004", 17, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(cgi_parse_form(&kv, "a%zz=1", 6, err, sizeof(err)), -1);
	assert_int_equal(cgi_parse_form(&kv, "a=%", 3, err, sizeof(err)), -1);
	assert_int_equal(cgi_parse_form(&kv, "a=%00", 5, err, sizeof(err)), -1);
	assert_null(kv.buf);

	/* Too many pairs. */
	for (int i = 0; i <= CGI_MAX_PAIRS; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sk%d=1", i ? "&" : "", i);
	assert_int_equal(cgi_parse_form(&kv, big, o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
}

static void
test_form_huge_value(void **state)
{
	struct cgi_kv	 kv;
	size_t		 n = CGI_MAX_BODY;
	char		*s = malloc(n);

	(void)state;
	assert_non_null(s);
	memcpy(s, "v=", 2);
	for (size_t i = 2; i < n; i += 3)
		memcpy(s + i, i + 3 <= n ? "%41" : "AA", i + 3 <= n ? 3 : n - i);
	assert_int_equal(cgi_parse_form(&kv, s, n, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 1);
	assert_true(strlen(cgi_kv_get(&kv, "v")) > 20000);
	assert_int_equal(cgi_kv_get(&kv, "v")[0], 'A');
	cgi_kv_free(&kv);
	free(s);
}

static void
test_cookies(void **state)
{
	struct cgi_kv	 kv;

	(void)state;
	assert_int_equal(cgi_parse_cookies(&kv, "hp_session=abc123; hp_lang=es;"
	    "  other=\"quoted\"; junk; =novalue; bad name=x; hp_session=second; "
	    "semi=a\"b; empty=", err, sizeof(err)), 0);
	assert_string_equal(cgi_kv_get(&kv, "hp_session"), "abc123");
	assert_string_equal(cgi_kv_get(&kv, "hp_lang"), "es");
	assert_string_equal(cgi_kv_get(&kv, "other"), "quoted");
	assert_string_equal(cgi_kv_get(&kv, "empty"), "");
	assert_null(cgi_kv_get(&kv, "junk"));
	assert_null(cgi_kv_get(&kv, "semi"));
	assert_null(cgi_kv_get(&kv, "bad name"));
	assert_null(cgi_kv_get(&kv, "name"));
	cgi_kv_free(&kv);
	assert_int_equal(cgi_parse_cookies(&kv, NULL, err, sizeof(err)), 0);
	assert_int_equal(kv.n, 0);
	cgi_kv_free(&kv);
	assert_int_equal(cgi_parse_cookies(&kv, "", err, sizeof(err)), 0);
	assert_int_equal(kv.n, 0);
	cgi_kv_free(&kv);
}

static void
test_req_get(void **state)
{
	const char *const env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/child",
		"SCRIPT_NAME=/hallpass.cgi", "QUERY_STRING=id=s1001&day=2026-11-23",
		"HTTP_COOKIE=hp_session=00ff; hp_lang=es", "REMOTE_ADDR=192.0.2.9",
		"HTTP_ACCEPT_LANGUAGE=es-MX,es;q=0.9", NULL };
	struct cgi_req	 r;

	(void)state;
	assert_int_equal(parse(&r, env, NULL), 0);
	assert_int_equal(r.method, CGI_GET);
	assert_string_equal(r.path, "/child");
	assert_string_equal(r.script, "/hallpass.cgi");
	assert_string_equal(cgi_kv_get(&r.query, "id"), "s1001");
	assert_string_equal(cgi_kv_get(&r.query, "day"), "2026-11-23");
	assert_string_equal(cgi_kv_get(&r.cookies, "hp_lang"), "es");
	assert_string_equal(r.remote_addr, "192.0.2.9");
	assert_string_equal(r.accept_language, "es-MX,es;q=0.9");
	assert_int_equal(r.form.n, 0);
	cgi_req_free(&r);
}

static void
test_req_post(void **state)
{
	const char *const env[] = { "REQUEST_METHOD=POST", "PATH_INFO=/login",
		"CONTENT_LENGTH=26",
		"CONTENT_TYPE=application/x-www-form-urlencoded; charset=UTF-8", NULL };
	struct cgi_req	 r;

	(void)state;
	/* Only CONTENT_LENGTH bytes are read: the trailing junk is not part of the form. */
	assert_int_equal(parse(&r, env, "user=g1&password=p%40ss+1&junk=ignored"), 0);
	assert_int_equal(r.method, CGI_POST);
	assert_string_equal(cgi_kv_get(&r.form, "user"), "g1");
	assert_string_equal(cgi_kv_get(&r.form, "password"), "p@ss 1");
	assert_null(cgi_kv_get(&r.form, "junk"));
	cgi_req_free(&r);
}

static void
test_req_refused(void **state)
{
	static const struct {
		const char	*env[6];
		const char	*body;
		int		 status;
	} cases[] = {
		{ { "REQUEST_METHOD=PUT", NULL }, NULL, 405 },
		{ { "REQUEST_METHOD=", NULL }, NULL, 405 },
		{ { "REQUEST_METHOD=POST", "CONTENT_TYPE=application/x-www-form-urlencoded",
		    NULL }, "a=1", 411 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=65537",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=1", 413 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=99999999999999999999999",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=1", 413 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=-1",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=1", 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3x",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=1", 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3",
		    "CONTENT_TYPE=multipart/form-data; boundary=x", NULL }, "a=1", 415 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3",
		    "CONTENT_TYPE=application/x-www-form-urlencodedX", NULL }, "a=1", 415 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3", NULL }, "a=1", 415 },
		/* Shorter body than announced: a truncated upload is not half a form. */
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=50",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=1", 400 },
		{ { "REQUEST_METHOD=POST", "CONTENT_LENGTH=5",
		    "CONTENT_TYPE=application/x-www-form-urlencoded", NULL }, "a=%zz", 400 },
		{ { "REQUEST_METHOD=GET", "QUERY_STRING=id=%", NULL }, NULL, 400 },
		{ { "REQUEST_METHOD=GET", "QUERY_STRING=id=a&id=b", NULL }, NULL, 400 },
		{ { "REQUEST_METHOD=GET", "QUERY_STRING=day=%ff", NULL }, NULL, 400 },
		{ { "REQUEST_METHOD=GET", "PATH_INFO=/\xff", NULL }, NULL, 400 },
	};
	struct cgi_req	 r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int	 rc = parse(&r, cases[i].env, cases[i].body);

		if (rc != cases[i].status)
			fail_msg("case %zu: status %d, wanted %d (%s)", i, rc,
			    cases[i].status, err);
		cgi_req_free(&r);
	}
}

/* Inputs far past every limit: refused with the right status, nothing read past the bounds. */
static void
test_req_huge(void **state)
{
	size_t		 n = 1 << 20;
	char		*q = malloc(n + 32), *c = malloc(n + 32), *p = malloc(n + 32);
	const char	*env[4];
	struct cgi_req	 r;

	(void)state;
	assert_non_null(q);
	assert_non_null(c);
	assert_non_null(p);
	strcpy(q, "QUERY_STRING=");
	memset(q + 13, 'a', n);
	q[13 + n] = '\0';
	env[0] = "REQUEST_METHOD=GET";
	env[1] = q;
	env[2] = NULL;
	assert_int_equal(parse(&r, env, NULL), 414);
	cgi_req_free(&r);

	strcpy(c, "HTTP_COOKIE=");
	memset(c + 12, 'b', n);
	c[12 + n] = '\0';
	env[1] = c;
	assert_int_equal(parse(&r, env, NULL), 400);
	cgi_req_free(&r);

	strcpy(p, "PATH_INFO=/");
	memset(p + 11, 'c', n);
	p[11 + n] = '\0';
	env[1] = p;
	assert_int_equal(parse(&r, env, NULL), 400);
	cgi_req_free(&r);

	/* A long Accept-Language is a preference, cut rather than refused. */
	memcpy(p, "HTTP_ACCEPT_LANGUAGE=", 21);
	memset(p + 21, 'd', 5000);
	p[21 + 5000] = '\0';
	env[1] = p;
	assert_int_equal(parse(&r, env, NULL), 0);
	assert_int_equal(strlen(r.accept_language), sizeof(r.accept_language) - 1);
	cgi_req_free(&r);

	/* A body at the limit is accepted. */
	strcpy(q, "v=");
	memset(q + 2, 'e', CGI_MAX_BODY - 2);
	q[CGI_MAX_BODY] = '\0';
	{
		const char *const e2[] = { "REQUEST_METHOD=POST",
			"CONTENT_LENGTH=65536",
			"CONTENT_TYPE=application/x-www-form-urlencoded", NULL };

		assert_int_equal(parse(&r, e2, q), 0);
		assert_int_equal(strlen(cgi_kv_get(&r.form, "v")), CGI_MAX_BODY - 2);
		cgi_req_free(&r);
	}
	free(q);
	free(c);
	free(p);
}

static void
test_escape(void **state)
{
	struct cgi_out	 o;

	(void)state;
	cgi_out_init(&o);
	cgi_out_html(&o, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(o.body.s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
	    "&amp; &quot;q&quot;");
	cgi_out_reset(&o);
	cgi_out_urlenc(&o, "a b&c=d/é");
	assert_string_equal(o.body.s, "a%20b%26c%3Dd%2F%C3%A9");
	/* Header splitting: a value with a line break is dropped. */
	cgi_out_header(&o, "Location", "/x\r\nSet-Cookie: evil=1");
	cgi_out_header(&o, "X-Ok", "fine");
	assert_null(strstr(o.hdr.s, "evil"));
	assert_non_null(strstr(o.hdr.s, "X-Ok: fine\r\n"));
	cgi_out_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_form_huge_value),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_req_get),
		cmocka_unit_test(test_req_post),
		cmocka_unit_test(test_req_refused),
		cmocka_unit_test(test_req_huge),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
