/* http: method, target and host of an HTTP/1.x request at the start of a client's TCP stream. */
#ifndef HALLPASS_HTTP_H
#define HALLPASS_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Request line and headers are judged within this many bytes. */
#define HTTP_HEAD_MAX	8192

enum http_result {
	HTTP_OK = 0,	/* request line and a host (from the target or Host) */
	HTTP_NEED_MORE,	/* a valid prefix, no end of headers yet, input < HTTP_HEAD_MAX */
	HTTP_NOT_HTTP,	/* no HTTP/1.x request line */
	HTTP_MALFORMED,	/* HTTP/1.x, but broken: see why */
	HTTP_NO_HOST,	/* complete headers, no host anywhere (or an empty Host) */
};

/*
 * All spans point into the caller's buffer and are not NUL-terminated; a span
 * with len 0 is absent (its pointer may be NULL).
 */
struct http_request {
	const uint8_t	*method;
	size_t		 methodlen;
	const uint8_t	*target;	/* the request-target as sent */
	size_t		 targetlen;
	/* origin-form: path and query; absolute-form: what follows the authority ("/" if nothing); "*"; CONNECT: none */
	const uint8_t	*path;
	size_t		 pathlen;
	const uint8_t	*host;		/* without userinfo, brackets or port; not lower-cased */
	size_t		 hostlen;
	uint16_t	 port;		/* 0: none given */
	int		 host_from_target; /* absolute-form or CONNECT authority: Host is ignored (RFC 9112 3.2.2) */
	int		 minor;		/* HTTP/1.minor */
	size_t		 headlen;	/* bytes through the empty line ending the headers; 0 if not seen */
	int		 partial;	/* HTTP_OK from the first HTTP_HEAD_MAX bytes: headers go on */
	const char	*why;		/* HTTP_MALFORMED, HTTP_NOT_HTTP: static reason */
};

/*
 * Parses the request at the start of buf[0..len) (all of the stream or a
 * prefix).  Header names compare case-insensitively; LF alone ends a line as
 * well as CRLF; obs-fold, a bare CR, control bytes, whitespace before a colon
 * and a second Host are HTTP_MALFORMED.  The host comes from an absolute-form
 * or CONNECT target, else from Host.  When the headers do not end within
 * HTTP_HEAD_MAX bytes the request is judged on those: HTTP_OK with partial set
 * if a host was seen, else HTTP_MALFORMED.  On HTTP_NEED_MORE, host may already
 * be set from a complete Host line, for a caller that cannot wait.  Never
 * reads past len, never allocates.
 */
enum http_result http_parse_request(const uint8_t *buf, size_t len,
		    struct http_request *out);

/* A static name for r ("ok", "need-more", ...). */
const char	*http_result_str(enum http_result r);

#endif
