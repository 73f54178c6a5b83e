/* quic: decrypt client QUIC Initial packets (v1, v2, draft-29) and read the ClientHello SNI from their CRYPTO frames. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "quic.h"

#define QUIC_TAG_LEN	16
#define QUIC_SAMPLE_LEN	16

struct quic_ctx {
	EVP_KDF_CTX		*kdf;		/* HKDF-SHA256 */
	EVP_CIPHER		*gcm_cipher;	/* fetched once: passing NULL later skips a fetch per packet */
	EVP_CIPHER		*ecb_cipher;
	EVP_CIPHER_CTX		*gcm;		/* AES-128-GCM payload */
	EVP_CIPHER_CTX		*ecb;		/* AES-128-ECB header protection */
	/* Chrome and others send several Initials to one DCID: derive once. */
	bool			 cached;
	uint32_t		 cache_version;
	uint8_t			 cache_dcid[QUIC_CID_MAX];
	size_t			 cache_dcid_len;
	struct quic_keys	 cache_keys;
	uint8_t			 plain[QUIC_PLAIN_MAX];	/* quic_datagram's scratch */
};

struct quic_version_params {
	uint32_t	 version;
	uint8_t		 initial_type;	/* long-header type bits of an Initial */
	uint8_t		 retry_type;	/* Retry has no Length field */
	const uint8_t	*salt;
	const char	*key_label;
	const char	*iv_label;
	const char	*hp_label;
};

static const uint8_t quic_salt_v1[20] = {	/* RFC 9001 5.2; also drafts 33-34 */
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t quic_salt_v2[20] = {	/* RFC 9369 3.3.1 */
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t quic_salt_draft29[20] = {	/* drafts 29-32 */
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

/* RFC 9369 swapped the long-header types so that v1-only middleboxes would not ossify them. */
static const struct quic_version_params quic_versions[] = {
	{ QUIC_VERSION_1, 0, 3, quic_salt_v1, "quic key", "quic iv", "quic hp" },
	{ QUIC_VERSION_2, 1, 0, quic_salt_v2, "quicv2 key", "quicv2 iv", "quicv2 hp" },
	{ QUIC_VERSION_DRAFT29, 0, 3, quic_salt_draft29, "quic key", "quic iv", "quic hp" },
	{ 0xff00001eu, 0, 3, quic_salt_draft29, "quic key", "quic iv", "quic hp" },
	{ 0xff00001fu, 0, 3, quic_salt_draft29, "quic key", "quic iv", "quic hp" },
	{ 0xff000020u, 0, 3, quic_salt_draft29, "quic key", "quic iv", "quic hp" },
	{ 0xff000021u, 0, 3, quic_salt_v1, "quic key", "quic iv", "quic hp" },
	{ 0xff000022u, 0, 3, quic_salt_v1, "quic key", "quic iv", "quic hp" },
};

static const struct quic_version_params *
quic_version_lookup(uint32_t version)
{
	size_t	i;

	for (i = 0; i < sizeof(quic_versions) / sizeof(quic_versions[0]); i++)
		if (quic_versions[i].version == version)
			return &quic_versions[i];
	return NULL;
}

struct quic_ctx *
quic_ctx_new(void)
{
	struct quic_ctx	*c;
	EVP_KDF		*kdf;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		goto fail;
	c->kdf = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);	/* the context holds its own reference */
	if (c->kdf == NULL)
		goto fail;
	if ((c->gcm_cipher = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL)) == NULL ||
	    (c->ecb_cipher = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL)) == NULL ||
	    (c->gcm = EVP_CIPHER_CTX_new()) == NULL ||
	    (c->ecb = EVP_CIPHER_CTX_new()) == NULL)
		goto fail;
	if (EVP_DecryptInit_ex(c->gcm, c->gcm_cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->gcm, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(c->ecb, c->ecb_cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c->ecb, 0) != 1)
		goto fail;
	return c;
fail:
	quic_ctx_free(c);
	return NULL;
}

void
quic_ctx_free(struct quic_ctx *c)
{
	if (c == NULL)
		return;
	EVP_KDF_CTX_free(c->kdf);
	EVP_CIPHER_CTX_free(c->gcm);
	EVP_CIPHER_CTX_free(c->ecb);
	EVP_CIPHER_free(c->gcm_cipher);
	EVP_CIPHER_free(c->ecb_cipher);
	free(c);
}

static int
quic_hkdf_extract(struct quic_ctx *c, const uint8_t *salt, size_t saltlen,
    const uint8_t *ikm, size_t ikmlen, uint8_t prk[32])
{
	static char	 digest[] = "SHA256";
	static uint8_t	 empty[1];	/* a zero-length DCID still needs a pointer */
	int		 mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	OSSL_PARAM	 params[5];

	/* OSSL_PARAM wants void * but a KDF only reads its inputs. */
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    digest, 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    ikmlen ? (void *)ikm : empty, ikmlen);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, saltlen);
	params[4] = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(c->kdf, prk, 32, params) == 1 ? 0 : -1;
}

/* TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int
quic_hkdf_expand_label(struct quic_ctx *c, const uint8_t secret[32],
    const char *label, uint8_t *out, size_t outlen)
{
	static char	 digest[] = "SHA256";
	int		 mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	uint8_t		 info[2 + 1 + 255 + 1];
	size_t		 llen = strlen(label), n = 0;
	OSSL_PARAM	 params[5];

	if (6 + llen > 255 || outlen > 255)
		return -1;
	info[n++] = 0;
	info[n++] = (uint8_t)outlen;
	info[n++] = (uint8_t)(6 + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0;
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    digest, 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)secret, 32);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, n);
	params[4] = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(c->kdf, out, outlen, params) == 1 ? 0 : -1;
}

int
quic_initial_keys(struct quic_ctx *c, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, struct quic_keys *k)
{
	const struct quic_version_params	*vp;
	uint8_t					 initial[32], client[32];

	if ((vp = quic_version_lookup(version)) == NULL || dcid_len > QUIC_CID_MAX)
		return -1;
	if (c->cached && c->cache_version == version &&
	    c->cache_dcid_len == dcid_len &&
	    (dcid_len == 0 || memcmp(c->cache_dcid, dcid, dcid_len) == 0)) {
		*k = c->cache_keys;
		return 0;
	}
	c->cached = false;
	if (quic_hkdf_extract(c, vp->salt, 20, dcid, dcid_len, initial) == -1 ||
	    quic_hkdf_expand_label(c, initial, "client in", client, 32) == -1 ||
	    quic_hkdf_expand_label(c, client, vp->key_label, k->key, 16) == -1 ||
	    quic_hkdf_expand_label(c, client, vp->iv_label, k->iv, 12) == -1 ||
	    quic_hkdf_expand_label(c, client, vp->hp_label, k->hp, 16) == -1)
		return -1;
	c->cache_version = version;
	if (dcid_len > 0)
		memcpy(c->cache_dcid, dcid, dcid_len);
	c->cache_dcid_len = dcid_len;
	c->cache_keys = *k;
	c->cached = true;
	return 0;
}

int
quic_hp_mask(struct quic_ctx *c, const uint8_t hp[16],
    const uint8_t sample[16], uint8_t mask[5])
{
	uint8_t	block[16];
	int	outl = 0;

	if (EVP_EncryptInit_ex(c->ecb, NULL, NULL, hp, NULL) != 1 ||
	    EVP_EncryptUpdate(c->ecb, block, &outl, sample, QUIC_SAMPLE_LEN) != 1 ||
	    outl != 16)
		return -1;
	memcpy(mask, block, 5);
	return 0;
}

/* RFC 9000 16: a 2-bit length prefix, then 6, 14, 30 or 62 bits. */
static int
quic_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	size_t	n, i;

	if (*pos >= len)
		return -1;
	n = (size_t)1 << (p[*pos] >> 6);
	if (n > len - *pos)
		return -1;
	*v = p[*pos] & 0x3f;
	for (i = 1; i < n; i++)
		*v = (*v << 8) | p[*pos + i];
	*pos += n;
	return 0;
}

enum quic_status
quic_decrypt_initial(struct quic_ctx *c, const uint8_t *pkt, size_t len,
    const uint8_t *key_dcid, size_t key_dcid_len, struct quic_initial *info,
    uint8_t *out, size_t outsz)
{
	const struct quic_version_params	*vp;
	struct quic_keys			 k;
	uint8_t					 mask[5], first, pnb[4], nonce[12];
	uint8_t					 tag[QUIC_TAG_LEN];
	uint64_t				 tlen, plen;
	size_t					 pos, pn_off, pn_len, end, ctlen, i;
	uint32_t				 version;
	int					 outl = 0, type;

	memset(info, 0, sizeof(*info));
	if (len < 1)
		return QUIC_MALFORMED;
	if ((pkt[0] & 0x80) == 0)
		return QUIC_NOT_INITIAL;	/* short header: extent unknown */
	if (len < 7)
		return QUIC_MALFORMED;
	version = (uint32_t)pkt[1] << 24 | (uint32_t)pkt[2] << 16 |
	    (uint32_t)pkt[3] << 8 | pkt[4];
	info->version = version;
	if (version == 0)
		return QUIC_NOT_INITIAL;	/* Version Negotiation */
	if ((vp = quic_version_lookup(version)) == NULL)
		return QUIC_UNSUPPORTED_VERSION;

	pos = 5;
	info->dcid_len = pkt[pos++];
	if (info->dcid_len > QUIC_CID_MAX || info->dcid_len >= len - pos)
		return QUIC_MALFORMED;
	memcpy(info->dcid, pkt + pos, info->dcid_len);
	pos += info->dcid_len;
	info->scid_len = pkt[pos++];
	if (info->scid_len > QUIC_CID_MAX || info->scid_len > len - pos)
		return QUIC_MALFORMED;
	memcpy(info->scid, pkt + pos, info->scid_len);
	pos += info->scid_len;

	type = (pkt[0] >> 4) & 3;
	if (type == vp->retry_type) {
		info->packet_len = len;		/* a Retry fills the rest of the datagram */
		return QUIC_NOT_INITIAL;
	}
	if (type == vp->initial_type) {
		if (quic_varint(pkt, len, &pos, &tlen) == -1 || tlen > len - pos)
			return QUIC_MALFORMED;
		pos += (size_t)tlen;
	}
	if (quic_varint(pkt, len, &pos, &plen) == -1 || plen > len - pos)
		return QUIC_MALFORMED;
	end = pos + (size_t)plen;
	info->packet_len = end;
	if (type != vp->initial_type)
		return QUIC_NOT_INITIAL;	/* 0-RTT or Handshake: step over it */

	/* RFC 9001 5.4.2: the sample assumes a 4-byte packet number. */
	pn_off = pos;
	if (plen < 4 + QUIC_SAMPLE_LEN)
		return QUIC_MALFORMED;
	if (key_dcid == NULL) {
		key_dcid = info->dcid;
		key_dcid_len = info->dcid_len;
	}
	if (quic_initial_keys(c, version, key_dcid, key_dcid_len, &k) == -1 ||
	    quic_hp_mask(c, k.hp, pkt + pn_off + 4, mask) == -1)
		return QUIC_DECRYPT_FAILED;
	first = pkt[0] ^ (mask[0] & 0x0f);
	pn_len = (size_t)(first & 3) + 1;
	for (i = 0; i < pn_len; i++) {
		pnb[i] = pkt[pn_off + i] ^ mask[1 + i];
		info->pn = info->pn << 8 | pnb[i];
	}
	if (plen < pn_len + QUIC_TAG_LEN)
		return QUIC_MALFORMED;
	ctlen = (size_t)plen - pn_len - QUIC_TAG_LEN;
	if (ctlen > outsz || end > INT_MAX)
		return QUIC_MALFORMED;

	/*
	 * The packet number is used as sent, not reconstructed (RFC 9000 A.3):
	 * a client's Initials are numbered from 0 and never reach the 2^8
	 * that a 1-byte encoding would need to wrap.
	 */
	memcpy(nonce, k.iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(info->pn >> (8 * i));
	memcpy(tag, pkt + end - QUIC_TAG_LEN, QUIC_TAG_LEN);

	/*
	 * The associated data is the unprotected header; fed in three pieces
	 * so the caller's packet stays const and nothing is copied.
	 */
	if (EVP_DecryptInit_ex(c->gcm, NULL, NULL, k.key, nonce) != 1 ||
	    EVP_DecryptUpdate(c->gcm, NULL, &outl, &first, 1) != 1 ||
	    EVP_DecryptUpdate(c->gcm, NULL, &outl, pkt + 1, (int)(pn_off - 1)) != 1 ||
	    EVP_DecryptUpdate(c->gcm, NULL, &outl, pnb, (int)pn_len) != 1)
		return QUIC_DECRYPT_FAILED;
	outl = 0;
	if (ctlen > 0 && EVP_DecryptUpdate(c->gcm, out, &outl,
	    pkt + pn_off + pn_len, (int)ctlen) != 1)
		return QUIC_DECRYPT_FAILED;
	if (EVP_CIPHER_CTX_ctrl(c->gcm, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN,
	    tag) != 1)
		return QUIC_DECRYPT_FAILED;
	i = (size_t)outl;
	if (EVP_DecryptFinal_ex(c->gcm, out + i, &outl) != 1)
		return QUIC_DECRYPT_FAILED;
	info->plain_len = ctlen;
	return QUIC_SNI_OK;
}

int
quic_frames(const uint8_t *p, size_t len, struct quic_hello *h)
{
	uint64_t	type, v, n, off, flen;
	size_t		pos = 0;

	while (pos < len) {
		if (p[pos] == 0x00) {		/* PADDING: usually most of the packet */
			pos++;
			continue;
		}
		if (quic_varint(p, len, &pos, &type) == -1)
			return -1;
		switch (type) {
		case 0x01:			/* PING */
			break;
		case 0x02:			/* ACK */
		case 0x03:			/* ACK with ECN counts */
			if (quic_varint(p, len, &pos, &v) == -1 ||	/* largest */
			    quic_varint(p, len, &pos, &v) == -1 ||	/* delay */
			    quic_varint(p, len, &pos, &n) == -1 ||	/* ranges */
			    quic_varint(p, len, &pos, &v) == -1)	/* first range */
				return -1;
			/* Each range takes at least two bytes, so len bounds the loop. */
			for (; n > 0; n--)
				if (quic_varint(p, len, &pos, &v) == -1 ||
				    quic_varint(p, len, &pos, &v) == -1)
					return -1;
			if (type == 0x03 &&
			    (quic_varint(p, len, &pos, &v) == -1 ||
			    quic_varint(p, len, &pos, &v) == -1 ||
			    quic_varint(p, len, &pos, &v) == -1))
				return -1;
			break;
		case 0x06:			/* CRYPTO */
			if (quic_varint(p, len, &pos, &off) == -1 ||
			    quic_varint(p, len, &pos, &flen) == -1 ||
			    flen > len - pos)
				return -1;
			(void)quic_hello_add(h, off, p + pos, (size_t)flen);
			pos += (size_t)flen;
			break;
		case 0x1c:			/* CONNECTION_CLOSE (transport) */
			if (quic_varint(p, len, &pos, &v) == -1 ||	/* error */
			    quic_varint(p, len, &pos, &v) == -1 ||	/* frame type */
			    quic_varint(p, len, &pos, &n) == -1 ||	/* reason */
			    n > len - pos)
				return -1;
			pos += (size_t)n;
			break;
		default:
			/*
			 * Nothing else may appear in an Initial (RFC 9000 12.4),
			 * and an unknown frame's length cannot be known: keep
			 * what was read so far.
			 */
			return 0;
		}
	}
	return 0;
}

void
quic_hello_init(struct quic_hello *h)
{
	memset(h, 0, sizeof(*h));
}

int
quic_hello_add(struct quic_hello *h, uint64_t offset, const uint8_t *data,
    size_t len)
{
	size_t	o, n, i, end;
	int	rv = 0;

	if (len == 0)
		return 0;
	if (offset >= QUIC_HELLO_MAX) {
		h->beyond = true;
		return -1;
	}
	o = (size_t)offset;
	n = len;
	if (n > QUIC_HELLO_MAX - o) {
		n = QUIC_HELLO_MAX - o;
		h->beyond = true;
		rv = -1;
	}
	/* A retransmission carries the same bytes: overwriting is harmless. */
	memcpy(h->buf + o, data, n);
	end = o + n;
	for (i = o; i < end; ) {
		if ((i & 7) == 0 && end - i >= 8) {
			h->have[i >> 3] = 0xff;
			i += 8;
		} else {
			h->have[i >> 3] |= (uint8_t)(1u << (i & 7));
			i++;
		}
	}
	while (h->contig < QUIC_HELLO_MAX) {
		if ((h->contig & 7) == 0 && h->have[h->contig >> 3] == 0xff)
			h->contig += 8;
		else if (h->have[h->contig >> 3] & (1u << (h->contig & 7)))
			h->contig++;
		else
			break;
	}
	return rv;
}

/* A bounded reader over the ClientHello bytes present from offset 0. */
struct quic_rd {
	const uint8_t	*p;
	size_t		 pos;
	size_t		 end;
};

static int
quic_rd_skip(struct quic_rd *r, size_t n)
{
	if (n > r->end - r->pos)
		return -1;
	r->pos += n;
	return 0;
}

static int
quic_rd_u8(struct quic_rd *r, size_t *v)
{
	if (r->end - r->pos < 1)
		return -1;
	*v = r->p[r->pos++];
	return 0;
}

static int
quic_rd_u16(struct quic_rd *r, size_t *v)
{
	if (r->end - r->pos < 2)
		return -1;
	*v = (size_t)r->p[r->pos] << 8 | r->p[r->pos + 1];
	r->pos += 2;
	return 0;
}

/* The first host_name of a server_name extension body (RFC 6066 3). */
static enum quic_status
quic_sni_ext(const uint8_t *p, size_t len, char *sni, size_t snisz)
{
	struct quic_rd	r = { p, 0, len };
	size_t		list, type, nlen, i;

	if (quic_rd_u16(&r, &list) == -1 || list > len - 2)
		return QUIC_MALFORMED;
	r.end = 2 + list;
	while (r.pos < r.end) {
		if (quic_rd_u8(&r, &type) == -1 || quic_rd_u16(&r, &nlen) == -1 ||
		    nlen > r.end - r.pos)
			return QUIC_MALFORMED;
		if (type != 0) {
			r.pos += nlen;
			continue;
		}
		/* Only what a DNS name can hold reaches logs and policy. */
		if (nlen == 0 || nlen >= QUIC_SNI_MAX ||
		    (sni != NULL && nlen >= snisz))
			return QUIC_MALFORMED;
		for (i = 0; i < nlen; i++)
			if (p[r.pos + i] <= 0x20 || p[r.pos + i] >= 0x7f)
				return QUIC_MALFORMED;
		if (sni != NULL) {
			memcpy(sni, p + r.pos, nlen);
			sni[nlen] = '\0';
		}
		return QUIC_SNI_OK;
	}
	return QUIC_NO_SNI;
}

enum quic_status
quic_hello_sni(const struct quic_hello *h, char *sni, size_t snisz, bool *ech)
{
	struct quic_rd		r;
	enum quic_status	st;
	size_t			total, avail, v, elen, etype, eend;
	bool			found = false, have_ech = false;

	if (ech != NULL)
		*ech = false;
	if (sni != NULL && snisz > 0)
		sni[0] = '\0';
	if (h->contig < 4)
		return QUIC_NEED_MORE;
	if (h->buf[0] != 1)			/* not a ClientHello */
		return QUIC_MALFORMED;
	total = 4 + ((size_t)h->buf[1] << 16 | (size_t)h->buf[2] << 8 | h->buf[3]);
	r.p = h->buf;
	r.pos = 4;
	avail = h->contig < total ? h->contig : total;
	r.end = avail;

	if (quic_rd_skip(&r, 2 + 32) == -1 ||		/* version, random */
	    quic_rd_u8(&r, &v) == -1 || quic_rd_skip(&r, v) == -1 ||
	    quic_rd_u16(&r, &v) == -1 || quic_rd_skip(&r, v) == -1 ||
	    quic_rd_u8(&r, &v) == -1 || quic_rd_skip(&r, v) == -1)
		goto short_read;
	if (r.pos == total)
		return QUIC_NO_SNI;			/* no extensions at all */
	if (quic_rd_u16(&r, &elen) == -1)
		goto short_read;
	if (elen > total - r.pos)
		return QUIC_MALFORMED;
	eend = r.pos + elen;
	if (eend < r.end)
		r.end = eend;
	while (r.pos < eend) {
		if (quic_rd_u16(&r, &etype) == -1 || quic_rd_u16(&r, &v) == -1)
			goto short_read;
		if (v > eend - r.pos)
			return QUIC_MALFORMED;
		if (v > r.end - r.pos)
			goto short_read;
		if (etype == 0 && !found) {
			st = quic_sni_ext(r.p + r.pos, v, sni, snisz);
			if (st == QUIC_MALFORMED)
				return st;
			found = st == QUIC_SNI_OK;
		} else if (etype == 0xfe0d)
			have_ech = true;
		r.pos += v;
	}
	if (ech != NULL)
		*ech = have_ech;
	if (avail < total)
		goto short_read;			/* extensions complete, message not */
	return found ? QUIC_SNI_OK : QUIC_NO_SNI;

short_read:
	if (ech != NULL)
		*ech = have_ech;
	if (avail >= total)			/* lengths overrun the message */
		return QUIC_MALFORMED;
	if (h->contig < QUIC_HELLO_MAX)
		return QUIC_NEED_MORE;
	/* Larger than we keep: the name is used if it came early enough. */
	return found ? QUIC_SNI_OK : QUIC_MALFORMED;
}

enum quic_status
quic_datagram(struct quic_ctx *c, const uint8_t *d, size_t len,
    struct quic_hello *h, char *sni, size_t snisz, bool *ech)
{
	struct quic_initial	info;
	enum quic_status	st, first = QUIC_NOT_INITIAL;
	size_t			pos = 0;
	bool			fed = false;

	if (ech != NULL)
		*ech = false;
	if (sni != NULL && snisz > 0)
		sni[0] = '\0';
	/* RFC 9000 12.2: a datagram may coalesce packets; walk them by their Length. */
	while (pos < len) {
		st = QUIC_DECRYPT_FAILED;
		if (h->have_key_dcid)
			st = quic_decrypt_initial(c, d + pos, len - pos,
			    h->key_dcid, h->key_dcid_len, &info, c->plain,
			    sizeof(c->plain));
		if (st == QUIC_DECRYPT_FAILED) {
			/* The first Initial of the flow, or one after a Retry. */
			st = quic_decrypt_initial(c, d + pos, len - pos, NULL, 0,
			    &info, c->plain, sizeof(c->plain));
			if (st == QUIC_SNI_OK) {
				memcpy(h->key_dcid, info.dcid, info.dcid_len);
				h->key_dcid_len = info.dcid_len;
				h->have_key_dcid = true;
			}
		}
		if (st == QUIC_SNI_OK) {
			fed = true;
			(void)quic_frames(c->plain, info.plain_len, h);
		} else if (pos == 0)
			first = st;
		if (info.packet_len == 0 || st == QUIC_MALFORMED ||
		    st == QUIC_UNSUPPORTED_VERSION)
			break;
		pos += info.packet_len;
	}
	if (!fed)
		return first;
	return quic_hello_sni(h, sni, snisz, ech);
}

const char *
quic_status_str(enum quic_status st)
{
	switch (st) {
	case QUIC_SNI_OK:
		return "ok";
	case QUIC_NO_SNI:
		return "no-sni";
	case QUIC_NEED_MORE:
		return "need-more";
	case QUIC_UNSUPPORTED_VERSION:
		return "unsupported-version";
	case QUIC_NOT_INITIAL:
		return "not-initial";
	case QUIC_MALFORMED:
		return "malformed";
	case QUIC_DECRYPT_FAILED:
		return "decrypt-failed";
	}
	return "?";
}
