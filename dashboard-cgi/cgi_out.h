/* cgi_out: the response being built — status, headers and a growing body, with HTML escaping for every untrusted value. */
#ifndef HALLPASS_CGI_OUT_H
#define HALLPASS_CGI_OUT_H

#include <stddef.h>
#include <stdio.h>

struct cgi_buf {
	char	*s;
	size_t	 len, cap;
	int	 oom;		/* an allocation failed: the response becomes a 500 */
};

struct cgi_out {
	int		 status;	/* 200 unless set */
	char		 ctype[64];
	struct cgi_buf	 hdr;		/* extra header lines, each ending in \r\n */
	struct cgi_buf	 body;
};

void	cgi_buf_add(struct cgi_buf *, const char *s, size_t n);
void	cgi_buf_free(struct cgi_buf *);

void	cgi_out_init(struct cgi_out *);
void	cgi_out_free(struct cgi_out *);
/* Drops what was written so far (an error page replaces a half-built one). */
void	cgi_out_reset(struct cgi_out *);
/* Adds a header line; name and value must be trusted (no CR/LF: checked, dropped otherwise). */
void	cgi_out_header(struct cgi_out *, const char *name, const char *value);
/* Trusted text: markup written by this program. */
void	cgi_out_raw(struct cgi_out *, const char *s);
void	cgi_out_printf(struct cgi_out *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Untrusted text, escaped for element content and quoted attribute values alike. */
void	cgi_out_html(struct cgi_out *, const char *s);
void	cgi_out_htmln(struct cgi_out *, const char *s, size_t n);
/* Untrusted text as a URL query component (percent-encoding everything but unreserved). */
void	cgi_out_urlenc(struct cgi_out *, const char *s);
/* Writes "Status:", the headers and the body (none for HEAD) to f. 0 or -1. */
int	cgi_out_write(struct cgi_out *, FILE *f, int head_only);
const char *cgi_status_text(int status);

#endif
