/* mail_msg: one e-mail as the wire carries it — RFC 5322 headers, multipart/alternative text + HTML, List-Unsubscribe. */
#ifndef HALLPASS_MAIL_MSG_H
#define HALLPASS_MAIL_MSG_H

#include <stddef.h>
#include <stdint.h>

struct mail_msg_hdr {
	const char	*from;		/* address only: user@example.org */
	const char	*from_name;	/* display name, may be NULL; any UTF-8 */
	const char	*to;		/* address only */
	const char	*subject;	/* any UTF-8 */
	const char	*lang;		/* Content-Language, a BCP 47 tag */
	const char	*unsub_url;	/* https://...: List-Unsubscribe (one-click, RFC 8058); may be NULL */
	int64_t		 date_s;	/* Date:, seconds since the epoch */
};

/*
 * The whole message, CRLF line ends, bodies base64 (UTF-8 text of any line
 * length survives every server) into *out (malloc'd, NUL-terminated, *outlen
 * bytes).  Addresses and the URL must hold no CR, LF, '<' or '>': -1 and why
 * in err, as for an allocation failure.
 */
int	mail_msg_build(const struct mail_msg_hdr *, const char *text, const char *html,
	    char **out, size_t *outlen, char *err, size_t errlen);

#endif
