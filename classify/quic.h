/* quic: decrypt client QUIC Initial packets (v1, v2, draft-29) and read the ClientHello SNI from their CRYPTO frames. */
#ifndef HALLPASS_QUIC_H
#define HALLPASS_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_VERSION_1		0x00000001u	/* RFC 9000 */
#define QUIC_VERSION_2		0x6b3343cfu	/* RFC 9369 */
#define QUIC_VERSION_DRAFT29	0xff00001du

#define QUIC_CID_MAX	20
#define QUIC_HELLO_MAX	8192	/* ClientHello bytes kept per flow */
#define QUIC_SNI_MAX	256	/* a DNS name and its NUL */
#define QUIC_PLAIN_MAX	65536	/* no UDP payload decrypts to more */

enum quic_status {
	QUIC_SNI_OK = 0,		/* complete ClientHello, name found */
	QUIC_NO_SNI,			/* complete ClientHello without server_name */
	QUIC_NEED_MORE,			/* ClientHello not complete yet */
	QUIC_UNSUPPORTED_VERSION,
	QUIC_NOT_INITIAL,		/* short header, Handshake, 0-RTT, Retry, VN */
	QUIC_MALFORMED,
	QUIC_DECRYPT_FAILED,		/* header protection or AEAD check failed */
};

/* Client Initial keys (AES-128-GCM key, IV, header protection key). */
struct quic_keys {
	uint8_t	key[16];
	uint8_t	iv[12];
	uint8_t	hp[16];
};

/* What quic_decrypt_initial learnt from one packet's header. */
struct quic_initial {
	uint32_t	version;
	uint8_t		dcid[QUIC_CID_MAX];
	size_t		dcid_len;
	uint8_t		scid[QUIC_CID_MAX];
	size_t		scid_len;
	uint64_t	pn;		/* truncated packet number as sent */
	size_t		packet_len;	/* bytes of the datagram this packet used */
	size_t		plain_len;	/* decrypted frames written to the caller */
};

/*
 * ClientHello reassembly for one client flow (the caller keys it by 4-tuple):
 * CRYPTO data lands at its offset, a bitmap records which bytes arrived.
 * Plain data, no pointers: it may be zeroed, copied or kept in a flow table.
 */
struct quic_hello {
	uint8_t		buf[QUIC_HELLO_MAX];
	uint8_t		have[QUIC_HELLO_MAX / 8];
	size_t		contig;		/* bytes present from offset 0 */
	bool		beyond;		/* CRYPTO data past QUIC_HELLO_MAX was seen */
	/*
	 * RFC 9001 5.2: every client Initial is protected with keys from the
	 * DCID of the client's first Initial (or of the latest Retry), even
	 * when it is sent to the server's newly chosen connection ID.
	 */
	uint8_t		key_dcid[QUIC_CID_MAX];
	size_t		key_dcid_len;
	bool		have_key_dcid;
};

/* Cipher contexts made once; one per thread, as EVP contexts are not shared. */
struct quic_ctx;

struct quic_ctx	*quic_ctx_new(void);
void		 quic_ctx_free(struct quic_ctx *);

/* Version-specific client Initial keys from a DCID.  0, or -1 for an unknown version. */
int	quic_initial_keys(struct quic_ctx *, uint32_t version,
	    const uint8_t *dcid, size_t dcid_len, struct quic_keys *);
/* The 5-byte header protection mask AES-ECB(hp, sample[16]).  0 or -1. */
int	quic_hp_mask(struct quic_ctx *, const uint8_t hp[16],
	    const uint8_t sample[16], uint8_t mask[5]);

/*
 * Decrypts the client Initial at the start of pkt (len bytes, may be followed
 * by coalesced packets) into out (outsz bytes; QUIC_PLAIN_MAX always fits).
 * Keys come from key_dcid, or from the packet's own DCID if key_dcid is NULL.
 * pkt is not modified.  Returns QUIC_SNI_OK on success (the name is not looked
 * at here), otherwise QUIC_NOT_INITIAL, QUIC_UNSUPPORTED_VERSION,
 * QUIC_MALFORMED or QUIC_DECRYPT_FAILED; info->packet_len is set whenever the
 * packet's extent is known, so a caller can step over it.
 */
enum quic_status quic_decrypt_initial(struct quic_ctx *, const uint8_t *pkt,
	    size_t len, const uint8_t *key_dcid, size_t key_dcid_len,
	    struct quic_initial *info, uint8_t *out, size_t outsz);

/* Walks decrypted Initial frames, feeding CRYPTO data to h.  0, or -1 on a malformed frame. */
int	quic_frames(const uint8_t *plain, size_t len, struct quic_hello *h);

void	quic_hello_init(struct quic_hello *);
/* Adds CRYPTO data at a stream offset; bytes past QUIC_HELLO_MAX are dropped.  0 or -1. */
int	quic_hello_add(struct quic_hello *, uint64_t offset, const uint8_t *data,
	    size_t len);
/*
 * Reads the reassembled ClientHello.  On QUIC_SNI_OK the first host_name is
 * copied to sni (snisz >= QUIC_SNI_MAX), as sent: the caller lower-cases.
 * *ech tells whether encrypted_client_hello (0xfe0d) is present: the name is
 * then the outer one.  sni and ech may be NULL.
 */
enum quic_status quic_hello_sni(const struct quic_hello *, char *sni,
	    size_t snisz, bool *ech);

/*
 * One UDP payload from the client: decrypts every Initial among its
 * coalesced packets into h and returns quic_hello_sni's answer; if no
 * Initial could be read, the reason for the first packet.  Each Initial is
 * tried with the flow's first DCID (h->key_dcid), then with its own.
 */
enum quic_status quic_datagram(struct quic_ctx *, const uint8_t *dgram,
	    size_t len, struct quic_hello *h, char *sni, size_t snisz, bool *ech);

const char	*quic_status_str(enum quic_status);

#endif
