/* cgi_req: parses a CGI/1.1 request strictly — a bad escape is a 400, an oversized body a 413, never a crash. */
#include "cgi_req.h"
#include "hp_err.h"
#include "hp_str.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
cgi_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
cgi_pct_decode(const char *in, size_t len, char *out, size_t outlen,
    int plus_space)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	if (out == NULL || outlen == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (len - i < 3 || (hi = cgi_hexval(in[i + 1])) < 0 ||
			    (lo = cgi_hexval(in[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		/* Controls smuggled in (NUL truncates C strings, ESC fools terminals) are refused. */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return -1;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (!hp_utf8_valid(out, o))
		return -1;
	return (long)o;
}

const char *
cgi_kv_get(const struct cgi_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->p[i].key, key) == 0)
			return kv->p[i].val;
	return NULL;
}

void
cgi_kv_free(struct cgi_kv *kv)
{
	free(kv->buf);
	memset(kv, 0, sizeof(*kv));
}

int
cgi_parse_form(struct cgi_kv *kv, const char *s, size_t len, char *err,
    size_t errlen)
{
	const char	*p = s, *end = s + len, *amp, *eq;
	char		*o;
	long		 n;

	memset(kv, 0, sizeof(*kv));
	/* Decoding never grows text, so one buffer of len + 2 NULs per pair is enough. */
	if ((kv->buf = malloc(len + 2 * (CGI_MAX_PAIRS + 1))) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	o = kv->buf;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {		/* "a=1&&b=2", a trailing '&': nothing to keep */
			p++;
			continue;
		}
		if (kv->n == CGI_MAX_PAIRS) {
			hp_errf(err, errlen, "more than %d parameters", CGI_MAX_PAIRS);
			goto err;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (eq == p) {
			hp_errf(err, errlen, "parameter %zu has no name", kv->n + 1);
			goto err;
		}
		if ((n = cgi_pct_decode(p, (size_t)(eq - p), o, (size_t)(eq - p) + 1,
		    1)) < 0) {
			hp_errf(err, errlen, "parameter %zu: bad encoding in its name",
			    kv->n + 1);
			goto err;
		}
		kv->p[kv->n].key = o;
		o += n + 1;
		if (eq == amp)
			n = 0, *o = '\0';
		else if ((n = cgi_pct_decode(eq + 1, (size_t)(amp - eq - 1), o,
		    (size_t)(amp - eq), 1)) < 0) {
			hp_errf(err, errlen, "parameter %zu: bad encoding in its value",
			    kv->n + 1);
			goto err;
		}
		kv->p[kv->n].val = o;
		o += n + 1;
		/* One meaning per name: "id=mine&id=theirs" must not pick differently in two places. */
		if (cgi_kv_get(kv, kv->p[kv->n].key) != NULL) {
			hp_errf(err, errlen, "parameter given twice");
			goto err;
		}
		kv->n++;
		p = amp + 1;
	}
	return 0;
err:
	cgi_kv_free(kv);
	return -1;
}

/* RFC 6265 cookie-octets for values, token characters for names. */
static int
cgi_cookie_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", s[i]))
			return 0;
	return 1;
}

static int
cgi_cookie_value_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == ',' ||
		    s[i] == ';' || s[i] == '\\')
			return 0;
	return 1;
}

int
cgi_parse_cookies(struct cgi_kv *kv, const char *s, char *err, size_t errlen)
{
	const char	*p = s, *end, *semi, *eq, *k, *v;
	size_t		 len, kn, vn;
	char		*o;

	memset(kv, 0, sizeof(*kv));
	if (s == NULL)
		return 0;
	len = strlen(s);
	end = s + len;
	if ((kv->buf = malloc(len + 2 * (CGI_MAX_PAIRS + 1))) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	o = kv->buf;
	while (p < end && kv->n < CGI_MAX_PAIRS) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		k = p;
		while (k < semi && (*k == ' ' || *k == '\t'))
			k++;
		if ((eq = memchr(k, '=', (size_t)(semi - k))) != NULL) {
			kn = (size_t)(eq - k);
			v = eq + 1;
			vn = (size_t)(semi - v);
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			/* A quoted value is the same value (RFC 6265 4.1.1). */
			if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"')
				v++, vn -= 2;
			if (cgi_cookie_name_ok(k, kn) && cgi_cookie_value_ok(v, vn)) {
				memcpy(o, k, kn);
				o[kn] = '\0';
				kv->p[kv->n].key = o;
				o += kn + 1;
				memcpy(o, v, vn);
				o[vn] = '\0';
				kv->p[kv->n].val = o;
				o += vn + 1;
				/* kv->n not yet counted: a hit is an earlier cookie. */
				if (cgi_kv_get(kv, kv->p[kv->n].key) == NULL)
					kv->n++;
			}
		}
		p = semi + 1;
	}
	return 0;
}

static const char *
cgi_env(cgi_getenv_fn fn, void *arg, const char *name)
{
	const char	*v = fn(arg, name);

	return v != NULL ? v : "";
}

/* Copies an environment value that must fit; a longer one is a bad request, not a silent cut. */
static int
cgi_env_copy(char *dst, size_t len, const char *v)
{
	size_t	 n = strlen(v);

	if (n >= len || !hp_utf8_valid(v, n))
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

int
cgi_req_parse(struct cgi_req *r, cgi_getenv_fn env, void *arg, FILE *body,
    char *err, size_t errlen)
{
	const char	*m, *q, *cl, *ct, *ck;
	char		*buf = NULL, *endp;
	unsigned long	 len;
	size_t		 got;
	int		 rc;

	memset(r, 0, sizeof(*r));
	m = cgi_env(env, arg, "REQUEST_METHOD");
	if (strcmp(m, "GET") == 0)
		r->method = CGI_GET;
	else if (strcmp(m, "HEAD") == 0)
		r->method = CGI_HEAD;
	else if (strcmp(m, "POST") == 0)
		r->method = CGI_POST;
	else {
		r->method = CGI_OTHER;
		hp_errf(err, errlen, "method not allowed");
		return 405;
	}
	if (cgi_env_copy(r->path, sizeof(r->path), cgi_env(env, arg, "PATH_INFO")) ||
	    cgi_env_copy(r->script, sizeof(r->script),
	    cgi_env(env, arg, "SCRIPT_NAME")) ||
	    cgi_env_copy(r->remote_addr, sizeof(r->remote_addr),
	    cgi_env(env, arg, "REMOTE_ADDR")) ||
	    cgi_env_copy(r->host, sizeof(r->host), cgi_env(env, arg, "HTTP_HOST")) ||
	    cgi_env_copy(r->origin, sizeof(r->origin),
	    cgi_env(env, arg, "HTTP_ORIGIN"))) {
		hp_errf(err, errlen, "path, script, address, host or origin too long");
		return 400;
	}
	/* A long Accept-Language is only a preference: keep what fits. */
	snprintf(r->accept_language, sizeof(r->accept_language), "%s",
	    cgi_env(env, arg, "HTTP_ACCEPT_LANGUAGE"));
	q = cgi_env(env, arg, "QUERY_STRING");
	if (strlen(q) > CGI_MAX_QUERY) {
		hp_errf(err, errlen, "query string longer than %d bytes", CGI_MAX_QUERY);
		return 414;
	}
	if (cgi_parse_form(&r->query, q, strlen(q), err, errlen) == -1)
		return 400;
	ck = cgi_env(env, arg, "HTTP_COOKIE");
	if (strlen(ck) > CGI_MAX_COOKIE) {
		hp_errf(err, errlen, "cookies longer than %d bytes", CGI_MAX_COOKIE);
		return 400;
	}
	if (cgi_parse_cookies(&r->cookies, ck, err, errlen) == -1)
		return 500;
	if (r->method != CGI_POST)
		return 0;

	cl = cgi_env(env, arg, "CONTENT_LENGTH");
	if (*cl == '\0') {
		hp_errf(err, errlen, "POST without CONTENT_LENGTH");
		return 411;
	}
	if (*cl < '0' || *cl > '9') {
		hp_errf(err, errlen, "bad CONTENT_LENGTH");
		return 400;
	}
	errno = 0;
	len = strtoul(cl, &endp, 10);
	if (*endp != '\0') {
		hp_errf(err, errlen, "bad CONTENT_LENGTH");
		return 400;
	}
	if (errno == ERANGE || len > CGI_MAX_BODY) {
		hp_errf(err, errlen, "body larger than %d bytes", CGI_MAX_BODY);
		return 413;
	}
	ct = cgi_env(env, arg, "CONTENT_TYPE");
	/*
	 * RFC 8058's one-click unsubscribe may come as multipart/form-data: its
	 * token is in the URL, so the body is not read at all, only there.
	 */
	if (strcmp(r->path, "/unsubscribe") == 0 &&
	    strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	    (ct[19] == '\0' || ct[19] == ';'))
		return 0;
	/* Only what a plain HTML form sends; "; charset=utf-8" may follow. */
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';')) {
		hp_errf(err, errlen, "content type is not a form");
		return 415;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return 500;
	}
	got = len > 0 && body != NULL ? fread(buf, 1, len, body) : 0;
	if (got != len) {
		hp_errf(err, errlen, "body shorter than CONTENT_LENGTH");
		free(buf);
		return 400;
	}
	rc = cgi_parse_form(&r->form, buf, len, err, errlen) == -1 ? 400 : 0;
	free(buf);
	return rc;
}

void
cgi_req_free(struct cgi_req *r)
{
	cgi_kv_free(&r->query);
	cgi_kv_free(&r->form);
	cgi_kv_free(&r->cookies);
}
