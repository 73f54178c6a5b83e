/* cgi_req: CGI/1.1 (RFC 3875) request parsing — environment, query string, url-encoded POST body, cookies. */
#ifndef HALLPASS_CGI_REQ_H
#define HALLPASS_CGI_REQ_H

#include <stddef.h>
#include <stdio.h>

/* A form is small: a login, a day, a language. Anything larger is refused with 413. */
#define CGI_MAX_BODY	(64 * 1024)
#define CGI_MAX_QUERY	(8 * 1024)
#define CGI_MAX_COOKIE	(8 * 1024)
#define CGI_MAX_PAIRS	64

struct cgi_pair {
	const char	*key;
	const char	*val;
};

/* Parsed pairs; keys and values point into buf, which the set owns. */
struct cgi_kv {
	struct cgi_pair	 p[CGI_MAX_PAIRS];
	size_t		 n;
	char		*buf;
};

enum cgi_method { CGI_GET = 0, CGI_HEAD, CGI_POST, CGI_OTHER };

struct cgi_req {
	enum cgi_method	 method;
	char		 path[128];	/* PATH_INFO, "" for none */
	char		 script[128];	/* SCRIPT_NAME: the base of every link */
	char		 remote_addr[64];
	char		 accept_language[256];
	char		 host[256];	/* HTTP_HOST, to compare with Origin */
	char		 origin[256];	/* HTTP_ORIGIN, "" when absent */
	struct cgi_kv	 query;
	struct cgi_kv	 form;		/* POST application/x-www-form-urlencoded */
	struct cgi_kv	 cookies;
};

/* Where the environment comes from: getenv in the binary, a table in tests. */
typedef const char *(*cgi_getenv_fn)(void *arg, const char *name);

/*
 * Decodes len bytes of application/x-www-form-urlencoded text (plus is a
 * space when plus_space) into out[outlen], NUL-terminated.  Refuses a bad %
 * escape, an encoded NUL or control character other than tab/CR/LF, and
 * invalid UTF-8.  Returns the decoded length, or -1.
 */
long	cgi_pct_decode(const char *in, size_t len, char *out, size_t outlen,
	    int plus_space);
/*
 * Parses "a=1&b=2" into kv (which must be zeroed or freed first).  A
 * repeated key, an empty key, more than CGI_MAX_PAIRS pairs or a bad
 * encoding is refused: -1 and a reason in err.
 */
int	cgi_parse_form(struct cgi_kv *, const char *s, size_t len, char *err,
	    size_t errlen);
/*
 * Parses a Cookie header ("a=1; b=2").  Malformed pieces are skipped
 * (browsers carry other sites' junk); for a repeated name the first wins.
 */
int	cgi_parse_cookies(struct cgi_kv *, const char *s, char *err, size_t errlen);
const char *cgi_kv_get(const struct cgi_kv *, const char *key);
void	cgi_kv_free(struct cgi_kv *);

/*
 * Reads the request from the environment and, for POST, up to CONTENT_LENGTH
 * bytes of body.  Returns 0, or the HTTP status to answer with (400 bad
 * syntax, 405 method, 411 no length, 413 too large, 415 content type), with
 * a reason in err.  req must be freed with cgi_req_free either way.
 */
int	cgi_req_parse(struct cgi_req *, cgi_getenv_fn, void *envarg, FILE *body,
	    char *err, size_t errlen);
void	cgi_req_free(struct cgi_req *);

#endif
