/* mail_msg: builds guardians' e-mail — headers (RFC 2047 encoded words for UTF-8), a MIME multipart/alternative, base64 bodies via libsodium. */
#include "mail_msg.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp_err.h"
#include "hp_str.h"

/* base64 lines of 76 characters (RFC 2045): 57 input bytes each. */
#define MSG_B64_IN	57

static int
msg_addr_ok(const char *s)
{
	return s != NULL && *s != '\0' && strpbrk(s, "\r\n<> \t\"") == NULL;
}

static void
msg_b64(FILE *f, const unsigned char *s, size_t n)
{
	char	 line[80];

	for (size_t o = 0; o < n; o += MSG_B64_IN) {
		size_t k = n - o < MSG_B64_IN ? n - o : MSG_B64_IN;

		sodium_bin2base64(line, sizeof(line), s + o, k,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s\r\n", line);
	}
}

/*
 * A header value: as it stands when it is printable ASCII, else RFC 2047
 * encoded words of at most 45 bytes of UTF-8 each (whole characters), one
 * per folded line.
 */
static void
msg_hdr_text(FILE *f, const char *s)
{
	char		 w[80];
	size_t		 n = strlen(s), o = 0;
	int		 plain = 1;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			plain = 0;
	if (plain) {
		fputs(s, f);
		return;
	}
	while (o < n) {
		size_t k = 0, l;

		while (o + k < n && (l = hp_utf8_seqlen(s + o + k, n - o - k)) > 0 &&
		    k + l <= 45)
			k += l;
		if (k == 0)	/* not UTF-8: never emitted raw */
			k = 1;
		sodium_bin2base64(w, sizeof(w), (const unsigned char *)s + o, k,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s=?UTF-8?B?%s?=", o ? "\r\n " : "", w);
		o += k;
	}
}

/* A display name: a quoted string when it is ASCII (so "." or "," mean nothing), else encoded words. */
static void
msg_hdr_name(FILE *f, const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			msg_hdr_text(f, s);
			return;
		}
	fputc('"', f);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

int
mail_msg_build(const struct mail_msg_hdr *h, const char *text, const char *html,
    char **out, size_t *outlen, char *err, size_t errlen)
{
	unsigned char	 rnd[16];
	char		 bnd[40], mid[40], date[64];
	const char	*dom;
	struct tm	 tm;
	time_t		 t = (time_t)h->date_s;
	FILE		*f;

	*out = NULL;
	*outlen = 0;
	if (!msg_addr_ok(h->from) || !msg_addr_ok(h->to) ||
	    (h->unsub_url != NULL && !msg_addr_ok(h->unsub_url)) ||
	    h->subject == NULL || strpbrk(h->subject, "\r\n") != NULL ||
	    h->lang == NULL || !msg_addr_ok(h->lang) ||
	    (h->from_name != NULL && strpbrk(h->from_name, "\r\n") != NULL)) {
		hp_errf(err, errlen, "a header value holds a line break, space or <>");
		return -1;
	}
	if ((f = open_memstream(out, outlen)) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(bnd, sizeof(bnd), rnd, sizeof(rnd));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(mid, sizeof(mid), rnd, sizeof(rnd));
	dom = strchr(h->from, '@') + 1;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	fprintf(f, "Date: %s\r\nFrom: ", date);
	if (h->from_name != NULL && *h->from_name != '\0') {
		msg_hdr_name(f, h->from_name);
		fputc(' ', f);
	}
	fprintf(f, "<%s>\r\nTo: <%s>\r\nSubject: ", h->from, h->to);
	msg_hdr_text(f, h->subject);
	fprintf(f, "\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Language: %s\r\nAuto-Submitted: auto-generated\r\n",
	    mid, dom, h->lang);
	if (h->unsub_url != NULL)
		fprintf(f, "List-Unsubscribe: <%s>\r\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", h->unsub_url);
	fprintf(f, "Content-Type: multipart/alternative; boundary=\"hp-%s\"\r\n"
	    "\r\nThis is a message in MIME format.\r\n", bnd);
	fprintf(f, "\r\n--hp-%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd);
	msg_b64(f, (const unsigned char *)text, strlen(text));
	fprintf(f, "\r\n--hp-%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd);
	msg_b64(f, (const unsigned char *)html, strlen(html));
	fprintf(f, "\r\n--hp-%s--\r\n", bnd);
	if (fclose(f) != 0 || *out == NULL) {
		free(*out);
		*out = NULL;
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
