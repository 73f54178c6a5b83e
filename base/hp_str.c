/* hp_str: bounded copies, UTF-8 validation and HTML/URL escaping shared by the daemon, CLI and CGI. */
#include "hp_str.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t
hp_memlcpy(char *dst, size_t dstsz, const void *src, size_t len)
{
	size_t	 n = len;

	if (dstsz == 0)
		return len;
	if (n >= dstsz)
		n = dstsz - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

size_t
hp_strlcpy(char *dst, const char *src, size_t dstsz)
{
	if (src == NULL)
		src = "";
	return hp_memlcpy(dst, dstsz, src, strlen(src));
}

size_t
hp_utf8_seqlen(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n, k;
	uint32_t		 cp, min;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	/* 0xc0, 0xc1 and 0xf5.. can only start overlongs or values past U+10FFFF. */
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3fu);
	}
	/* Overlong forms and surrogates are how filters get fooled. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
hp_utf8_valid(const char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if ((n = hp_utf8_seqlen(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

const char *
hp_html_entity(int c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

int
hp_url_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* Appends piece whole or not at all, so a cut output never ends mid-entity; counts it either way. */
static void
hp_put(char *dst, size_t dstsz, size_t *o, size_t *full, const char *piece,
    size_t n)
{
	if (*full == *o && dstsz > 0 && *o + n < dstsz) {
		memcpy(dst + *o, piece, n);
		*o += n;
	}
	*full += n;
}

size_t
hp_html_escape(char *dst, size_t dstsz, const char *s, size_t n)
{
	const char	*e;
	size_t		 i, o = 0, full = 0;

	for (i = 0; i < n; i++) {
		if ((e = hp_html_entity((unsigned char)s[i])) != NULL)
			hp_put(dst, dstsz, &o, &full, e, strlen(e));
		else
			hp_put(dst, dstsz, &o, &full, s + i, 1);
	}
	if (dstsz > 0)
		dst[o] = '\0';
	return full;
}

size_t
hp_url_escape(char *dst, size_t dstsz, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	size_t			 i, o = 0, full = 0;

	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (hp_url_unreserved(c)) {
			hp_put(dst, dstsz, &o, &full, s + i, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		hp_put(dst, dstsz, &o, &full, e, 3);
	}
	if (dstsz > 0)
		dst[o] = '\0';
	return full;
}

/*
 * JSON for text from the network: NULL or "" is null; quote, backslash,
 * controls, < > & (safe inside HTML too), U+2028/9 are escaped; bytes that
 * are not UTF-8 become U+FFFD, so the output is always valid JSON.
 */
void
hp_json_str(FILE *f, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n;

	if (str == NULL || *str == '\0') {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*s != '\0') {
		if (*s < 0x80) {
			if (*s == '"' || *s == '\\')
				fprintf(f, "\\%c", *s);
			else if (*s < 0x20 || *s == 0x7f || *s == '<' || *s == '>' ||
			    *s == '&')
				fprintf(f, "\\u%04x", *s);
			else
				fputc(*s, f);
			s++;
		} else if ((n = hp_utf8_seqlen((const char *)s,
		    strnlen((const char *)s, 4))) == 0) {
			fputs("\\ufffd", f);
			s++;
		} else if (n == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
		    (s[2] == 0xa8 || s[2] == 0xa9)) {
			fprintf(f, "\\u%04x", s[2] == 0xa8 ? 0x2028 : 0x2029);
			s += n;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}
