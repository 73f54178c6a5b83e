/* http: bounds-checked parsing of an HTTP/1.x request line and headers, without copies. */
#include "http.h"

#include <string.h>

/* Longer "methods" are some other protocol; refuse them before reading far. */
#define HTTP_METHOD_MAX	32

static int
http_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 3986 reg-name and IPv4 characters: unreserved, pct-encoded, sub-delims. */
static int
http_hostchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL;
}

static int
http_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static enum http_result
http_fail(struct http_request *out, enum http_result r, const char *why)
{
	out->why = why;
	out->host = NULL;
	out->hostlen = 0;
	out->port = 0;
	return r;
}

/*
 * Input ran out at the scan limit: wait for more, unless the limit is
 * HTTP_HEAD_MAX itself, where the request is judged on what was seen.
 */
static enum http_result
http_end_of_input(struct http_request *out, size_t len, int reqline_done)
{
	if (len < HTTP_HEAD_MAX)
		return HTTP_NEED_MORE;
	if (!reqline_done)
		return http_fail(out, HTTP_MALFORMED, "request line longer than the limit");
	if (out->hostlen == 0)
		return http_fail(out, HTTP_MALFORMED, "no Host within the header limit");
	out->partial = 1;
	return HTTP_OK;
}

/* Consumes a CRLF or LF at buf[*p]: 0, 1 if the input ends first, -1 if something else is there. */
static int
http_eol(const uint8_t *buf, size_t n, size_t *p)
{
	if (*p == n)
		return 1;
	if (buf[*p] == '\n') {
		(*p)++;
		return 0;
	}
	if (buf[*p] != '\r')
		return -1;
	if (*p + 1 == n)
		return 1;
	if (buf[*p + 1] != '\n')
		return -1;
	*p += 2;
	return 0;
}

/* Splits authority s[0..n) ("host", "host:port", "[v6]:port") into out->host and out->port. */
static int
http_hostport(const uint8_t *s, size_t n, struct http_request *out)
{
	const uint8_t	*h, *end = s + n, *q, *c;
	size_t		 hl, colons = 0;
	unsigned long	 port = 0;

	if (n > 0 && s[0] == '[') {
		if ((q = memchr(s, ']', n)) == NULL)
			return -1;
		h = s + 1;
		hl = (size_t)(q - h);
		for (c = h; c < q; c++) {
			if (*c == ':')
				colons++;
			else if (!((*c >= '0' && *c <= '9') ||
			    (http_lower(*c) >= 'a' && http_lower(*c) <= 'f') ||
			    *c == '.'))
				return -1;
		}
		if (colons < 2)
			return -1;
		q++;
	} else {
		h = s;
		for (q = s; q < end && *q != ':'; q++)
			if (!http_hostchar(*q))
				return -1;
		hl = (size_t)(q - h);
	}
	if (hl == 0)
		return -1;
	if (q < end) {
		if (*q++ != ':')
			return -1;
		/* "host:" is legal: an empty port means the default one. */
		for (; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -1;
			port = port * 10 + (unsigned long)(*q - '0');
			if (port > 65535)
				return -1;
		}
	}
	out->host = h;
	out->hostlen = hl;
	out->port = (uint16_t)port;
	return 0;
}

/* Classifies the request-target and takes the host from it where the form carries one. */
static int
http_target(struct http_request *out)
{
	static const uint8_t	 slash[] = "/";
	const uint8_t		*t = out->target, *end = t + out->targetlen;
	const uint8_t		*a, *ae, *at;
	size_t			 i;

	if (out->methodlen == 7 && memcmp(out->method, "CONNECT", 7) == 0) {
		out->host_from_target = 1;
		return http_hostport(t, out->targetlen, out);
	}
	if (t[0] == '/' || (out->targetlen == 1 && t[0] == '*')) {
		out->path = t;
		out->pathlen = out->targetlen;
		return 0;
	}
	/* absolute-form: scheme "://" authority [path-abempty] [ "?" query ] */
	if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
		return -1;
	for (i = 1; i < out->targetlen && t[i] != ':'; i++)
		if (!http_tchar(t[i]))
			return -1;
	if (out->targetlen - i < 3 || memcmp(t + i, "://", 3) != 0)
		return -1;
	a = t + i + 3;
	for (ae = a; ae < end && *ae != '/' && *ae != '?' && *ae != '#'; ae++)
		;
	/* Userinfo is deprecated but parsed, so "good.example@bad.example" names bad.example. */
	for (at = ae; at > a && at[-1] != '@'; at--)
		;
	out->host_from_target = 1;
	if (http_hostport(at, (size_t)(ae - at), out) == -1)
		return -1;
	if (ae < end) {
		out->path = ae;
		out->pathlen = (size_t)(end - ae);
	} else {
		out->path = slash;
		out->pathlen = 1;
	}
	return 0;
}

enum http_result
http_parse_request(const uint8_t *buf, size_t len, struct http_request *out)
{
	static const char	 version[] = "HTTP/1.";
	size_t			 n = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	size_t			 p = 0, i, name, namelen, val, valend;
	int			 r, seen_host = 0;

	memset(out, 0, sizeof(*out));
	while (p < n && p <= HTTP_METHOD_MAX && http_tchar(buf[p]))
		p++;
	if (p > HTTP_METHOD_MAX || (p < n && (p == 0 || buf[p] != ' ')))
		return http_fail(out, HTTP_NOT_HTTP, "no method token");
	if (p == n)
		return http_end_of_input(out, len, 0);
	out->method = buf;
	out->methodlen = p++;

	for (i = p; p < n && buf[p] > 0x20 && buf[p] < 0x7f; p++)
		;
	if (p == n)
		return http_end_of_input(out, len, 0);
	if (p == i || buf[p] != ' ')
		return http_fail(out, HTTP_NOT_HTTP, "no request-target");
	out->target = buf + i;
	out->targetlen = p++ - i;

	for (i = 0; i < sizeof(version) - 1; i++, p++) {
		if (p == n)
			return http_end_of_input(out, len, 0);
		if (buf[p] != (uint8_t)version[i])
			return http_fail(out, HTTP_NOT_HTTP, "not HTTP/1.x");
	}
	if (p == n)
		return http_end_of_input(out, len, 0);
	if (buf[p] < '0' || buf[p] > '9')
		return http_fail(out, HTTP_NOT_HTTP, "not HTTP/1.x");
	out->minor = buf[p++] - '0';
	if ((r = http_eol(buf, n, &p)) == 1)
		return http_end_of_input(out, len, 0);
	if (r == -1)
		return http_fail(out, HTTP_NOT_HTTP, "junk after the HTTP version");
	if (http_target(out) == -1)
		return http_fail(out, HTTP_MALFORMED, "bad request-target");

	for (;;) {
		if (p == n)
			return http_end_of_input(out, len, 1);
		if (buf[p] == '\r' || buf[p] == '\n') {
			if ((r = http_eol(buf, n, &p)) == 1)
				return http_end_of_input(out, len, 1);
			if (r == -1)
				return http_fail(out, HTTP_MALFORMED, "bare CR");
			out->headlen = p;
			break;
		}
		if (buf[p] == ' ' || buf[p] == '\t')
			return http_fail(out, HTTP_MALFORMED, "obsolete line folding");
		for (name = p; p < n && http_tchar(buf[p]); p++)
			;
		if (p == n)
			return http_end_of_input(out, len, 1);
		if (p == name || buf[p] != ':')
			return http_fail(out, HTTP_MALFORMED, "bad header name");
		namelen = p++ - name;
		while (p < n && (buf[p] == ' ' || buf[p] == '\t'))
			p++;
		for (val = p; p < n && buf[p] != '\r' && buf[p] != '\n'; p++)
			if ((buf[p] < 0x20 && buf[p] != '\t') || buf[p] == 0x7f)
				return http_fail(out, HTTP_MALFORMED, "control byte in a header");
		for (valend = p; valend > val &&
		    (buf[valend - 1] == ' ' || buf[valend - 1] == '\t'); valend--)
			;
		if ((r = http_eol(buf, n, &p)) == 1)
			return http_end_of_input(out, len, 1);
		if (r == -1)
			return http_fail(out, HTTP_MALFORMED, "bare CR");
		if (namelen != 4 || http_lower(buf[name]) != 'h' ||
		    http_lower(buf[name + 1]) != 'o' ||
		    http_lower(buf[name + 2]) != 's' ||
		    http_lower(buf[name + 3]) != 't')
			continue;
		/* Two Hosts let a filter and a server read different names (RFC 9112 3.2). */
		if (seen_host++)
			return http_fail(out, HTTP_MALFORMED, "more than one Host");
		if (out->host_from_target || valend == val)
			continue;
		if (http_hostport(buf + val, valend - val, out) == -1)
			return http_fail(out, HTTP_MALFORMED, "bad Host");
	}
	if (out->hostlen == 0)
		return http_fail(out, HTTP_NO_HOST, "no Host");
	return HTTP_OK;
}

const char *
http_result_str(enum http_result r)
{
	switch (r) {
	case HTTP_OK:
		return "ok";
	case HTTP_NEED_MORE:
		return "need-more";
	case HTTP_NOT_HTTP:
		return "not-http";
	case HTTP_MALFORMED:
		return "malformed";
	case HTTP_NO_HOST:
		return "no-host";
	}
	return "unknown";
}
