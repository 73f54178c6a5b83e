/* mail_smtp: hands one message to the district's mail server over SMTP with STARTTLS (or SMTPS), through libcurl. */
#ifndef HALLPASS_MAIL_SMTP_H
#define HALLPASS_MAIL_SMTP_H

#include <stddef.h>

struct mail_smtp {
	const char	*url;		/* smtp://host[:port] (STARTTLS required) or smtps:// */
	const char	*user;		/* NULL or "": no AUTH */
	const char	*password;
	const char	*ca;		/* CA file; NULL or "": the system's */
	long		 timeout_s;	/* whole transaction */
};

/*
 * Sends msg (len bytes, CRLF lines) from one address to one.  0 when the
 * server accepted it (250 after the data); -1 and the reason in err
 * otherwise: then it was not delivered and may be sent again later.
 */
int	mail_smtp_send(const struct mail_smtp *, const char *from, const char *to,
	    const char *msg, size_t len, char *err, size_t errlen);

#endif
