/* hostname: one normal form for host names from YAML, packets and the CLI, so lists and traffic compare equal. */
#ifndef HALLPASS_HOSTNAME_H
#define HALLPASS_HOSTNAME_H

#include <stddef.h>

#define HOSTNAME_MAX	253		/* RFC 1035 presentation length without the root dot */
#define HOSTNAME_BUFSZ	(HOSTNAME_MAX + 1)

enum hostname_kind {
	HOSTNAME_INVALID = -1,
	HOSTNAME_NAME = 0,	/* a DNS name: lower-case labels joined by dots */
	HOSTNAME_IPV4,		/* dotted quad in canonical form */
	HOSTNAME_IPV6,		/* RFC 5952 form, without brackets */
};

/*
 * Normalises len bytes of in into out (HOSTNAME_BUFSZ bytes): ASCII lower
 * case, one trailing dot removed, IPv6 brackets removed, IP literals in
 * canonical form.  Labels may hold letters, digits, '-' and '_' (real traffic
 * has underscores); punycode ("xn--") passes as it is.  Returns the kind, or
 * HOSTNAME_INVALID with why set to a short reason.  Never reads past len.
 */
enum hostname_kind hostname_normalize(const char *in, size_t len, char *out,
	    const char **why);

#endif
