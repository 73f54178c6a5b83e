/* pktbuild: the client messages tests and test tools send (a DNS query, a TLS ClientHello), built by hand so a test controls every byte. */
#ifndef HALLPASS_PKTBUILD_H
#define HALLPASS_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void
pktbuild_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A DNS query (id, RD set) for name/qtype, with an OPT record when edns is set. */
static inline size_t
pktbuild_dns_query(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, int edns)
{
	size_t o = 12, n = strlen(name), i = 0;

	memset(b, 0, 12);
	pktbuild_put16(b, id);
	pktbuild_put16(b + 2, 0x0120);	/* RD, AD */
	pktbuild_put16(b + 4, 1);
	while (i < n) {
		size_t j = i;

		while (j < n && name[j] != '.')
			j++;
		b[o++] = (uint8_t)(j - i);
		memcpy(b + o, name + i, j - i);
		o += j - i;
		i = j + 1;
	}
	b[o++] = 0;
	pktbuild_put16(b + o, qtype);
	pktbuild_put16(b + o + 2, 1);
	o += 4;
	if (edns) {
		pktbuild_put16(b + 10, 1);
		memset(b + o, 0, 11);
		pktbuild_put16(b + o + 1, 41);
		pktbuild_put16(b + o + 3, 1232);
		o += 11;
	}
	return o;
}

/* A TLS ClientHello with one server_name (none when host is NULL), with an ECH extension when ech is set. */
static inline size_t
pktbuild_client_hello(uint8_t *b, const char *host, int ech)
{
	size_t	hl = host != NULL ? strlen(host) : 0, o = 0, ext, hs;

	b[o++] = 0x16, b[o++] = 3, b[o++] = 1, o += 2;
	hs = o;
	b[o++] = 1, o += 3;
	b[o++] = 3, b[o++] = 3;
	memset(b + o, 0xab, 32), o += 32;
	b[o++] = 0;
	b[o++] = 0, b[o++] = 2, b[o++] = 0x13, b[o++] = 0x01;
	b[o++] = 1, b[o++] = 0;
	ext = o;
	o += 2;
	if (host != NULL) {
		b[o++] = 0, b[o++] = 0;
		pktbuild_put16(b + o, (uint16_t)(hl + 5)), o += 2;
		pktbuild_put16(b + o, (uint16_t)(hl + 3)), o += 2;
		b[o++] = 0;
		pktbuild_put16(b + o, (uint16_t)hl), o += 2;
		memcpy(b + o, host, hl), o += hl;
		if (ech) {
			/* encrypted_client_hello (0xfe0d): outer type, then opaque bytes. */
			b[o++] = 0xfe, b[o++] = 0x0d, b[o++] = 0, b[o++] = 8;
			b[o++] = 0;	/* outer */
			memset(b + o, 0x42, 7), o += 7;
		}
	} else {
		/* Some extension, so the list is not empty: supported_versions TLS 1.3. */
		b[o++] = 0, b[o++] = 43, b[o++] = 0, b[o++] = 3, b[o++] = 2;
		b[o++] = 3, b[o++] = 4;
	}
	pktbuild_put16(b + ext, (uint16_t)(o - ext - 2));
	pktbuild_put16(b + 3, (uint16_t)(o - 5));
	b[hs + 1] = 0;
	pktbuild_put16(b + hs + 2, (uint16_t)(o - hs - 4));
	return o;
}

#endif
