/* cgi_out: builds the CGI response in memory so an error halfway can still become a clean error page. */
#include "cgi_out.h"
#include "hp_str.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
cgi_buf_add(struct cgi_buf *b, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->oom || n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
cgi_buf_free(struct cgi_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void
cgi_out_init(struct cgi_out *o)
{
	memset(o, 0, sizeof(*o));
	o->status = 200;
	snprintf(o->ctype, sizeof(o->ctype), "text/html; charset=utf-8");
}

void
cgi_out_free(struct cgi_out *o)
{
	cgi_buf_free(&o->hdr);
	cgi_buf_free(&o->body);
}

void
cgi_out_reset(struct cgi_out *o)
{
	cgi_out_free(o);
	cgi_out_init(o);
}

void
cgi_out_header(struct cgi_out *o, const char *name, const char *value)
{
	/* Header splitting needs a line break; refuse rather than trust callers forever. */
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return;
	cgi_buf_add(&o->hdr, name, strlen(name));
	cgi_buf_add(&o->hdr, ": ", 2);
	cgi_buf_add(&o->hdr, value, strlen(value));
	cgi_buf_add(&o->hdr, "\r\n", 2);
}

void
cgi_out_raw(struct cgi_out *o, const char *s)
{
	cgi_buf_add(&o->body, s, strlen(s));
}

void
cgi_out_printf(struct cgi_out *o, const char *fmt, ...)
{
	char	 small[512], *big;
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		cgi_buf_add(&o->body, small, (size_t)n);
		return;
	}
	if ((big = malloc((size_t)n + 1)) == NULL) {
		o->body.oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	cgi_buf_add(&o->body, big, (size_t)n);
	free(big);
}

void
cgi_out_htmln(struct cgi_out *o, const char *s, size_t n)
{
	const char	*run = s, *rep;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((rep = hp_html_entity((unsigned char)s[i])) == NULL)
			continue;
		cgi_buf_add(&o->body, run, (size_t)(s + i - run));
		cgi_buf_add(&o->body, rep, strlen(rep));
		run = s + i + 1;
	}
	cgi_buf_add(&o->body, run, (size_t)(s + n - run));
}

void
cgi_out_html(struct cgi_out *o, const char *s)
{
	if (s != NULL)
		cgi_out_htmln(o, s, strlen(s));
}

void
cgi_out_urlenc(struct cgi_out *o, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (hp_url_unreserved(c)) {
			cgi_buf_add(&o->body, (const char *)&c, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		cgi_buf_add(&o->body, e, 3);
	}
}

const char *
cgi_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int
cgi_out_write(struct cgi_out *o, FILE *f, int head_only)
{
	fprintf(f, "Status: %d %s\r\nContent-Type: %s\r\n", o->status,
	    cgi_status_text(o->status), o->ctype);
	if (o->hdr.len)
		fwrite(o->hdr.s, 1, o->hdr.len, f);
	fprintf(f, "Content-Length: %zu\r\n\r\n", o->body.len);
	if (!head_only && o->body.len)
		fwrite(o->body.s, 1, o->body.len, f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
