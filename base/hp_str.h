/* hp_str: bounded copies, UTF-8 validation and HTML/URL escaping shared by the daemon, CLI and CGI. */
#ifndef HALLPASS_HP_STR_H
#define HALLPASS_HP_STR_H

#include <stddef.h>
#include <stdio.h>

/*
 * Copies src into dst (dstsz bytes, always NUL-terminated when dstsz > 0).
 * @return strlen(src), as OpenBSD's strlcpy: a result >= dstsz means it was cut.
 * A NULL src copies "".
 */
size_t	hp_strlcpy(char *dst, const char *src, size_t dstsz);

/*
 * Copies the first len bytes of src (not NUL-terminated) into dst as a string,
 * cut to dstsz - 1 bytes. @return len; a result >= dstsz means it was cut.
 */
size_t	hp_memlcpy(char *dst, size_t dstsz, const void *src, size_t len);

/*
 * Length (1-4) of the one valid UTF-8 sequence at the start of s (len bytes
 * available), or 0: truncated sequences, stray continuation bytes, overlong
 * forms, UTF-16 surrogates and code points past U+10FFFF are not text.
 */
size_t	hp_utf8_seqlen(const char *s, size_t len);

/* @return 1 when all len bytes of s are valid UTF-8 (see hp_utf8_seqlen), else 0. */
int	hp_utf8_valid(const char *s, size_t len);

/* The HTML entity that stands for byte c in text and attribute values, or NULL when c stands for itself. */
const char *hp_html_entity(int c);

/* @return 1 when byte c needs no percent-encoding in a URL query value (RFC 3986 unreserved). */
int	hp_url_unreserved(int c);

/*
 * Escape the n bytes of s into dst (dstsz bytes, always NUL-terminated when
 * dstsz > 0, never a cut entity or %XX).
 * @return the length the whole escaped string needs, as snprintf does:
 * a result >= dstsz means it was cut.
 */
size_t	hp_html_escape(char *dst, size_t dstsz, const char *s, size_t n);
size_t	hp_url_escape(char *dst, size_t dstsz, const char *s, size_t n);
/* A JSON string (or null for NULL and ""), any bytes in, valid JSON out. */
void	hp_json_str(FILE *f, const char *s);

#endif
