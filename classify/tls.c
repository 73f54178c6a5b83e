/* tls: ClientHello parsing straight from handshake records, however the message is fragmented over them. */
#include "tls.h"

#include <string.h>

#define TLS_REC_HDR		5
#define TLS_REC_MAX		16384	/* TLSPlaintext.length limit, RFC 8446 5.1 */
#define TLS_CT_HANDSHAKE	22
#define TLS_HT_CLIENT_HELLO	1

/*
 * A sequential reader over the handshake stream: the payloads of consecutive
 * handshake records in buf, seen as one byte string.  A ClientHello is read
 * strictly front to back, so walking records lazily needs no reassembly copy.
 * off counts bytes of that string; every read names the logical end (limit)
 * of the vector it lies in, so no length field can reach beyond its parent.
 */
struct tls_rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 pos;		/* next byte of buf */
	size_t		 recend;	/* end in buf of the current record's data (may pass len) */
	size_t		 off;		/* bytes of handshake stream consumed */
	size_t		 hsend;		/* off where the ClientHello ends, once known */
	int		 raw;		/* buf is the handshake stream itself: no records */
	enum tls_result	 res;		/* why the reader stopped */
	size_t		 need;
	const char	*why;
};

static int
tls_rd_bad(struct tls_rd *rd, const char *why)
{
	rd->res = TLS_MALFORMED;
	rd->why = why;
	return -1;
}

static int
tls_rd_more(struct tls_rd *rd, size_t need)
{
	rd->res = TLS_NEED_MORE;
	rd->need = need;
	return -1;
}

/* Makes buf[pos] the next handshake stream byte, stepping over record headers. */
static int
tls_rd_fill(struct tls_rd *rd)
{
	const uint8_t	*h;
	size_t		 avail, rlen;

	if (rd->raw) {
		if (rd->pos >= rd->len)
			return tls_rd_more(rd, rd->hsend != 0 ? rd->hsend : 4);
		return 0;
	}
	while (rd->pos == rd->recend) {
		avail = rd->len - rd->pos;
		h = avail > 0 ? rd->buf + rd->pos : NULL;
		/* Judge a partial header as far as it goes before asking for more. */
		if (avail >= 1 && h[0] != TLS_CT_HANDSHAKE)
			return tls_rd_bad(rd, "non-handshake record inside the ClientHello");
		if (avail >= 2 && h[1] != 3)
			return tls_rd_bad(rd, "record version is not 3.x");
		if (avail < TLS_REC_HDR)
			return tls_rd_more(rd, rd->pos + TLS_REC_HDR);
		rlen = (size_t)((h[3] << 8) | h[4]);
		if (rlen == 0)
			return tls_rd_bad(rd, "empty handshake record");
		if (rlen > TLS_REC_MAX)
			return tls_rd_bad(rd, "record longer than 2^14 bytes");
		rd->pos += TLS_REC_HDR;
		rd->recend = rd->pos + rlen;
	}
	if (rd->pos >= rd->len)
		return tls_rd_more(rd, rd->recend);
	return 0;
}

/* Consumes n bytes that must end by logical offset limit; copies them to dst if not NULL. */
static int
tls_rd_read(struct tls_rd *rd, size_t n, size_t limit, uint8_t *dst)
{
	size_t	 chunk;

	if (limit < rd->off || n > limit - rd->off)
		return tls_rd_bad(rd, "length field runs past its enclosing vector");
	while (n > 0) {
		if (tls_rd_fill(rd) == -1)
			return -1;
		chunk = rd->raw ? n : rd->recend - rd->pos;
		if (chunk > rd->len - rd->pos)
			chunk = rd->len - rd->pos;
		if (chunk > n)
			chunk = n;
		if (dst != NULL) {
			memcpy(dst, rd->buf + rd->pos, chunk);
			dst += chunk;
		}
		rd->pos += chunk;
		rd->off += chunk;
		n -= chunk;
	}
	return 0;
}

/* Reads an n-byte (1..3) big-endian integer. */
static int
tls_rd_uint(struct tls_rd *rd, size_t n, size_t limit, size_t *v)
{
	uint8_t	 b[3];
	size_t	 i;

	if (tls_rd_read(rd, n, limit, b) == -1)
		return -1;
	for (*v = 0, i = 0; i < n; i++)
		*v = (*v << 8) | b[i];
	return 0;
}

/* RFC 8701 GREASE values: 0x?a?a with both bytes equal. */
static int
tls_grease(size_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int
tls_ext_server_name(struct tls_rd *rd, size_t eend, struct tls_hello *out)
{
	uint8_t	 name[TLS_SNI_MAX];
	size_t	 listlen, type, nlen, i;

	/* Some clients send the empty form servers use to acknowledge SNI. */
	if (rd->off == eend)
		return 0;
	if (tls_rd_uint(rd, 2, eend, &listlen) == -1)
		return -1;
	if (listlen == 0 || listlen != eend - rd->off)
		return tls_rd_bad(rd, "server_name list length mismatch");
	while (rd->off < eend) {
		if (tls_rd_uint(rd, 1, eend, &type) == -1 ||
		    tls_rd_uint(rd, 2, eend, &nlen) == -1)
			return -1;
		if (type != 0 || out->snilen != 0) {
			if (tls_rd_read(rd, nlen, eend, NULL) == -1)
				return -1;
			continue;
		}
		if (nlen == 0)
			return tls_rd_bad(rd, "empty host_name");
		if (nlen > TLS_SNI_MAX)
			return tls_rd_bad(rd, "host_name too long");
		if (tls_rd_read(rd, nlen, eend, name) == -1)
			return -1;
		/* A NUL would cut the name short for every C string user downstream. */
		if (memchr(name, '\0', nlen) != NULL)
			return tls_rd_bad(rd, "NUL byte in host_name");
		for (i = 0; i < nlen; i++)
			out->sni[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
			    name[i] + ('a' - 'A') : name[i]);
		out->sni[nlen] = '\0';
		out->snilen = nlen;
	}
	return 0;
}

static int
tls_ext_supported_versions(struct tls_rd *rd, size_t eend,
    struct tls_hello *out)
{
	size_t	 vlen, v;

	if (tls_rd_uint(rd, 1, eend, &vlen) == -1)
		return -1;
	if (vlen == 0 || vlen % 2 != 0 || vlen != eend - rd->off)
		return tls_rd_bad(rd, "supported_versions length mismatch");
	while (rd->off < eend) {
		if (tls_rd_uint(rd, 2, eend, &v) == -1)
			return -1;
		if (tls_grease(v))
			continue;
		/* 0x7fNN were the TLS 1.3 drafts. */
		if (v == 0x0304 || (v >> 8) == 0x7f) {
			out->tls13 = 1;
			v = 0x0304;
		}
		if (v > out->max_version)
			out->max_version = (uint16_t)v;
	}
	return 0;
}

static int
tls_extensions(struct tls_rd *rd, size_t end, struct tls_hello *out)
{
	size_t	 type, elen, eend;
	int	 seen_sni = 0, seen_sv = 0;

	while (rd->off < end) {
		if (tls_rd_uint(rd, 2, end, &type) == -1 ||
		    tls_rd_uint(rd, 2, end, &elen) == -1)
			return -1;
		if (elen > end - rd->off)
			return tls_rd_bad(rd, "extension runs past the extensions block");
		eend = rd->off + elen;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			/* Two would let a filter and a server pick different names. */
			if (seen_sni++)
				return tls_rd_bad(rd, "duplicate server_name");
			if (tls_ext_server_name(rd, eend, out) == -1)
				return -1;
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			if (seen_sv++)
				return tls_rd_bad(rd, "duplicate supported_versions");
			out->max_version = 0;
			if (tls_ext_supported_versions(rd, eend, out) == -1)
				return -1;
			break;
		case TLS_EXT_ECH:
			out->ech = 1;
			break;
		case TLS_EXT_ESNI:
			out->esni = 1;
			break;
		default:
			break;
		}
		if (rd->off < eend && tls_rd_read(rd, eend - rd->off, eend, NULL) == -1)
			return -1;
	}
	if (seen_sv && out->max_version == 0)
		out->max_version = out->legacy_version;
	return 0;
}

static int
tls_client_hello(struct tls_rd *rd, struct tls_hello *out)
{
	size_t	 v, n, end;

	if (tls_rd_uint(rd, 1, SIZE_MAX, &v) == -1)
		return -1;
	if (v != TLS_HT_CLIENT_HELLO)
		return tls_rd_bad(rd, "first handshake message is not a ClientHello");
	if (tls_rd_uint(rd, 3, SIZE_MAX, &n) == -1)
		return -1;
	end = rd->hsend = rd->off + n;
	if (tls_rd_uint(rd, 2, end, &v) == -1)
		return -1;
	out->legacy_version = (uint16_t)v;
	out->max_version = (uint16_t)v;
	if (tls_rd_read(rd, 32, end, NULL) == -1 ||	/* random */
	    tls_rd_uint(rd, 1, end, &n) == -1)
		return -1;
	if (n > 32)
		return tls_rd_bad(rd, "session id longer than 32 bytes");
	if (tls_rd_read(rd, n, end, NULL) == -1 ||
	    tls_rd_uint(rd, 2, end, &n) == -1)
		return -1;
	if (n < 2 || n % 2 != 0)
		return tls_rd_bad(rd, "bad cipher_suites length");
	if (tls_rd_read(rd, n, end, NULL) == -1 ||
	    tls_rd_uint(rd, 1, end, &n) == -1)
		return -1;
	if (n < 1)
		return tls_rd_bad(rd, "no compression methods");
	if (tls_rd_read(rd, n, end, NULL) == -1)
		return -1;
	if (rd->off == end)	/* a pre-extension hello: legal, nameless */
		return 0;
	if (tls_rd_uint(rd, 2, end, &n) == -1)
		return -1;
	if (n != end - rd->off)
		return tls_rd_bad(rd, "extensions length mismatch");
	return tls_extensions(rd, end, out);
}

static enum tls_result
tls_run(struct tls_rd *rd, struct tls_hello *out)
{
	if (tls_client_hello(rd, out) == -1) {
		if (rd->res == TLS_NEED_MORE) {
			out->need = rd->need;
			return TLS_NEED_MORE;
		}
		out->snilen = 0;
		out->sni[0] = '\0';
		out->why = rd->why;
		return TLS_MALFORMED;
	}
	out->used = rd->pos;
	return out->snilen > 0 ? TLS_OK : TLS_NO_SNI;
}

/*
 * An SSL 2.0-format ClientHello (RFC 6101 E.1, still sent by old clients to
 * offer TLS 1.x): a 2-byte header with the top bit set, no extensions, so
 * never a name.  Checked strictly, as random bytes often have the top bit.
 */
static enum tls_result
tls_sslv2(const uint8_t *buf, size_t len, struct tls_hello *out)
{
	size_t	 rlen, cs, sid, ch;

	if ((len >= 3 && buf[2] != TLS_HT_CLIENT_HELLO) ||
	    (len >= 4 && buf[3] != 0 && buf[3] != 3)) {
		out->why = "not a TLS handshake record";
		return TLS_NOT_TLS;
	}
	if (len < 11) {
		out->need = 11;
		return TLS_NEED_MORE;
	}
	rlen = (size_t)(((buf[0] & 0x7f) << 8) | buf[1]);
	cs = (size_t)((buf[5] << 8) | buf[6]);
	sid = (size_t)((buf[7] << 8) | buf[8]);
	ch = (size_t)((buf[9] << 8) | buf[10]);
	if (cs == 0 || cs % 3 != 0 || (sid != 0 && sid != 16) || ch < 16 ||
	    ch > 32 || rlen != 9 + cs + sid + ch) {
		out->why = "bad SSLv2-format ClientHello";
		return TLS_MALFORMED;
	}
	if (len < 2 + rlen) {
		out->need = 2 + rlen;
		return TLS_NEED_MORE;
	}
	out->legacy_version = out->max_version =
	    (uint16_t)((buf[3] << 8) | buf[4]);
	out->used = 2 + rlen;
	return TLS_NO_SNI;
}

enum tls_result
tls_parse_client_hello(const uint8_t *buf, size_t len, struct tls_hello *out)
{
	struct tls_rd	 rd;

	memset(out, 0, sizeof(*out));
	if (len >= 1 && (buf[0] & 0x80))
		return tls_sslv2(buf, len, out);
	/* Refuse non-TLS on the first byte that says so, to free the flow early. */
	if (len >= 1 && buf[0] != TLS_CT_HANDSHAKE) {
		out->why = "not a TLS handshake record";
		return TLS_NOT_TLS;
	}
	if (len >= 2 && buf[1] != 3) {
		out->why = "record version is not 3.x";
		return TLS_NOT_TLS;
	}
	if (len >= 3)
		out->record_version = (uint16_t)((buf[1] << 8) | buf[2]);
	memset(&rd, 0, sizeof(rd));
	rd.buf = buf;
	rd.len = len;
	return tls_run(&rd, out);
}

enum tls_result
tls_parse_handshake(const uint8_t *buf, size_t len, struct tls_hello *out)
{
	struct tls_rd	 rd;

	memset(out, 0, sizeof(*out));
	memset(&rd, 0, sizeof(rd));
	rd.buf = buf;
	rd.len = len;
	rd.raw = 1;
	return tls_run(&rd, out);
}

const char *
tls_result_str(enum tls_result r)
{
	switch (r) {
	case TLS_OK:
		return "ok";
	case TLS_NO_SNI:
		return "no-sni";
	case TLS_NEED_MORE:
		return "need-more";
	case TLS_NOT_TLS:
		return "not-tls";
	case TLS_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
