/* hostname: normalisation and validation of host names and IP literals. */
#include "hostname.h"

#include <arpa/inet.h>
#include <string.h>

static int
hostname_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

static enum hostname_kind
hostname_ip(const char *s, char *out)
{
	unsigned char	 addr[16];

	if (inet_pton(AF_INET, s, addr) == 1) {
		inet_ntop(AF_INET, addr, out, HOSTNAME_BUFSZ);
		return HOSTNAME_IPV4;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		inet_ntop(AF_INET6, addr, out, HOSTNAME_BUFSZ);
		return HOSTNAME_IPV6;
	}
	return HOSTNAME_INVALID;
}

enum hostname_kind
hostname_normalize(const char *in, size_t len, char *out, const char **why)
{
	char	 tmp[HOSTNAME_BUFSZ];
	size_t	 i, lablen = 0;
	int	 alldigits = 1;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (len > 2 && in[0] == '[' && in[len - 1] == ']') {
		/* A bracketed literal can only be IPv6 (a URL or Host header). */
		if (len - 2 > HOSTNAME_MAX) {
			*why = "too long";
			return HOSTNAME_INVALID;
		}
		memcpy(tmp, in + 1, len - 2);
		tmp[len - 2] = '\0';
		if (strchr(tmp, ':') == NULL ||
		    hostname_ip(tmp, out) != HOSTNAME_IPV6) {
			*why = "not an IPv6 address inside brackets";
			return HOSTNAME_INVALID;
		}
		return HOSTNAME_IPV6;
	}
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "empty name";
		return HOSTNAME_INVALID;
	}
	if (len > HOSTNAME_MAX) {
		*why = "longer than 253 characters";
		return HOSTNAME_INVALID;
	}
	if (memchr(in, ':', len) != NULL) {
		memcpy(tmp, in, len);
		tmp[len] = '\0';
		if (hostname_ip(tmp, out) == HOSTNAME_IPV6)
			return HOSTNAME_IPV6;
		*why = "':' in a name that is not an IPv6 address";
		return HOSTNAME_INVALID;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '.') {
			if (lablen == 0) {
				*why = "empty label";
				return HOSTNAME_INVALID;
			}
			lablen = 0;
		} else if (hostname_label_char(c)) {
			if (++lablen > 63) {
				*why = "label longer than 63 characters";
				return HOSTNAME_INVALID;
			}
			if (c < '0' || c > '9')
				alldigits = 0;
		} else {
			*why = "character not allowed in a host name";
			return HOSTNAME_INVALID;
		}
		out[i] = (char)c;
	}
	if (lablen == 0) {
		*why = "empty label";
		return HOSTNAME_INVALID;
	}
	out[len] = '\0';
	if (alldigits) {
		/* Digits and dots only: an IPv4 literal or nothing sensible. */
		if (hostname_ip(out, tmp) == HOSTNAME_IPV4) {
			memcpy(out, tmp, strlen(tmp) + 1);
			return HOSTNAME_IPV4;
		}
		*why = "digits and dots but not an IPv4 address";
		return HOSTNAME_INVALID;
	}
	return HOSTNAME_NAME;
}
