/* tls: the server name and version facts of a TLS ClientHello at the start of a client's TCP stream. */
#ifndef HALLPASS_TLS_H
#define HALLPASS_TLS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_SNI_MAX	255		/* longest host_name accepted (a DNS name, maybe with a dot) */
#define TLS_SNI_BUFSZ	(TLS_SNI_MAX + 1)

#define TLS_EXT_SERVER_NAME		0x0000
#define TLS_EXT_SUPPORTED_VERSIONS	0x002b
#define TLS_EXT_ECH			0xfe0d	/* encrypted_client_hello */
#define TLS_EXT_ESNI			0xffce	/* draft encrypted_server_name */

enum tls_result {
	TLS_OK = 0,	/* complete ClientHello with a host_name */
	TLS_NO_SNI,	/* complete ClientHello without one */
	TLS_NEED_MORE,	/* a valid prefix: give more of the stream */
	TLS_NOT_TLS,	/* does not start with a TLS handshake record */
	TLS_MALFORMED,	/* TLS, but broken: see why */
};

struct tls_hello {
	char		 sni[TLS_SNI_BUFSZ];	/* first host_name (type 0), ASCII lower-cased, NUL-terminated */
	size_t		 snilen;		/* 0: none (yet) */
	uint16_t	 record_version;	/* of the first record */
	uint16_t	 legacy_version;	/* ClientHello.legacy_version */
	uint16_t	 max_version;		/* highest non-GREASE supported_versions entry, else legacy_version */
	int		 tls13;			/* TLS 1.3 (or a 1.3 draft) offered */
	int		 ech;			/* encrypted_client_hello present: sni is the outer name */
	int		 esni;			/* draft ESNI present */
	size_t		 used;			/* TLS_OK/TLS_NO_SNI: bytes of input through the ClientHello */
	size_t		 need;			/* TLS_NEED_MORE: input must reach at least this many bytes */
	const char	*why;			/* TLS_MALFORMED, TLS_NOT_TLS: static reason */
};

/*
 * Parses the ClientHello at the start of buf[0..len), the client's first
 * bytes of a TCP stream reassembled by the caller (all of it or a prefix).
 * The handshake message may be fragmented over any number of handshake
 * records in buf; it is read in place, without copies or allocation.  On
 * TLS_NEED_MORE, sni may already be filled in from the part seen so far, for
 * a caller that has hit its own reassembly limit; the version and ECH facts
 * are complete only with TLS_OK or TLS_NO_SNI.  An SSLv2-format hello
 * (old clients offering TLS 1.x) is TLS_NO_SNI with record_version 0.  Never
 * reads past len.
 */
enum tls_result	 tls_parse_client_hello(const uint8_t *buf, size_t len,
		    struct tls_hello *out);

/*
 * The same for a bare handshake stream, without the record layer: QUIC
 * CRYPTO frame data (RFC 9001 4) reassembled from offset 0.  TLS_NOT_TLS is
 * never returned; need is 4 until the message length is known, then the
 * whole message.
 */
enum tls_result	 tls_parse_handshake(const uint8_t *buf, size_t len,
		    struct tls_hello *out);

/* A static name for r ("ok", "no-sni", ...). */
const char	*tls_result_str(enum tls_result r);

#endif
