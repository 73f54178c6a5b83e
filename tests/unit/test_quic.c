/* test_quic: QUIC Initial decryption and ClientHello SNI against RFC 9001/9369 vectors, real captures and damaged packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "quic.h"

/* RFC 9001 A.2: the protected client Initial, 1200 bytes. */
static const char rfc9001_packet[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

/* RFC 9369 A.2: the same payload protected as QUIC v2. */
static const char rfc9369_packet[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

/* RFC 9001 A.2: the unprotected payload's CRYPTO frame (PADDING follows to 1162). */
static const char rfc9001_crypto[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

static const uint8_t rfc_dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static size_t
unhex(const char *s, uint8_t *out, size_t outsz)
{
	size_t	n = 0;
	int	hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			assert_true(n < outsz);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t	w[64];

	assert_int_equal(unhex(want, w, sizeof(w)), len);
	assert_memory_equal(got, w, len);
}

static int
setup_ctx(void **state)
{
	*state = quic_ctx_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown_ctx(void **state)
{
	quic_ctx_free(*state);
	return 0;
}

/* RFC 9001 A.1 and RFC 9369 A.1 client keys for DCID 8394c8f03e515708. */
static void
test_rfc_keys(void **state)
{
	struct quic_ctx		*c = *state;
	struct quic_keys	 k;
	uint8_t			 sample[16], mask[5];

	assert_int_equal(quic_initial_keys(c, QUIC_VERSION_1, rfc_dcid,
	    sizeof(rfc_dcid), &k), 0);
	assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c");
	assert_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2");

	unhex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, sizeof(sample));
	assert_int_equal(quic_hp_mask(c, k.hp, sample, mask), 0);
	assert_hex(mask, 5, "437b9aec36");

	assert_int_equal(quic_initial_keys(c, QUIC_VERSION_2, rfc_dcid,
	    sizeof(rfc_dcid), &k), 0);
	assert_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(k.iv, 12, "91f73e2351d8fa91660e909f");
	assert_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");

	/* Back to v1: the one-entry key cache must not hand out v2 keys. */
	assert_int_equal(quic_initial_keys(c, QUIC_VERSION_1, rfc_dcid,
	    sizeof(rfc_dcid), &k), 0);
	assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");

	assert_int_equal(quic_initial_keys(c, 0x12345678, rfc_dcid,
	    sizeof(rfc_dcid), &k), -1);
	assert_int_equal(quic_initial_keys(c, QUIC_VERSION_DRAFT29, NULL, 0,
	    &k), 0);
}

static void
check_rfc_packet(struct quic_ctx *c, const char *hex, uint32_t version)
{
	static uint8_t		 pkt[1200], plain[QUIC_PLAIN_MAX];
	static struct quic_hello h;
	uint8_t			 frame[245];
	struct quic_initial	 info;
	char			 sni[QUIC_SNI_MAX];
	bool			 ech = true;
	size_t			 i;

	assert_int_equal(unhex(hex, pkt, sizeof(pkt)), 1200);
	assert_int_equal(quic_decrypt_initial(c, pkt, sizeof(pkt), NULL, 0, &info,
	    plain, sizeof(plain)), QUIC_SNI_OK);
	assert_int_equal(info.version, version);
	assert_int_equal(info.dcid_len, 8);
	assert_memory_equal(info.dcid, rfc_dcid, 8);
	assert_int_equal(info.scid_len, 0);
	assert_int_equal(info.pn, 2);
	assert_int_equal(info.packet_len, 1200);
	assert_int_equal(info.plain_len, 1162);
	assert_int_equal(unhex(rfc9001_crypto, frame, sizeof(frame)), 245);
	assert_memory_equal(plain, frame, sizeof(frame));
	for (i = sizeof(frame); i < info.plain_len; i++)
		assert_int_equal(plain[i], 0);

	quic_hello_init(&h);
	assert_int_equal(quic_frames(plain, info.plain_len, &h), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), &ech), QUIC_SNI_OK);
	assert_string_equal(sni, "example.com");
	assert_false(ech);

	quic_hello_init(&h);
	assert_int_equal(quic_datagram(c, pkt, sizeof(pkt), &h, sni, sizeof(sni),
	    &ech), QUIC_SNI_OK);
	assert_string_equal(sni, "example.com");
}

/* RFC 9001 A.2 and RFC 9369 A.2 decrypt to the same CRYPTO frame. */
static void
test_rfc_packets(void **state)
{
	check_rfc_packet(*state, rfc9001_packet, QUIC_VERSION_1);
	check_rfc_packet(*state, rfc9369_packet, QUIC_VERSION_2);
}

/* A ClientHello with chosen extensions; pad bytes of extension 0x15 before or after the name. */
static size_t
build_ch(uint8_t *out, size_t outsz, const char *sni, bool ech,
    size_t pad, bool pad_first)
{
	size_t	n = 0, ext, nl = sni ? strlen(sni) : 0, i;

	assert_true(outsz > 64 + nl + pad + 16);
	out[n++] = 1;
	n += 3;				/* handshake length, later */
	out[n++] = 3;
	out[n++] = 3;
	for (i = 0; i < 32; i++)
		out[n++] = (uint8_t)i;
	out[n++] = 0;			/* session id */
	out[n++] = 0; out[n++] = 2; out[n++] = 0x13; out[n++] = 0x01;
	out[n++] = 1; out[n++] = 0;	/* compression */
	ext = n;
	n += 2;
	if (pad > 0 && pad_first) {
		out[n++] = 0; out[n++] = 0x15;
		out[n++] = (uint8_t)(pad >> 8); out[n++] = (uint8_t)pad;
		memset(out + n, 0, pad);
		n += pad;
	}
	if (sni != NULL) {
		out[n++] = 0; out[n++] = 0;
		out[n++] = 0; out[n++] = (uint8_t)(nl + 5);
		out[n++] = 0; out[n++] = (uint8_t)(nl + 3);
		out[n++] = 0;
		out[n++] = 0; out[n++] = (uint8_t)nl;
		memcpy(out + n, sni, nl);
		n += nl;
	}
	if (ech) {
		out[n++] = 0xfe; out[n++] = 0x0d; out[n++] = 0; out[n++] = 3;
		out[n++] = 0; out[n++] = 0; out[n++] = 1;
	}
	if (pad > 0 && !pad_first) {
		out[n++] = 0; out[n++] = 0x15;
		out[n++] = (uint8_t)(pad >> 8); out[n++] = (uint8_t)pad;
		memset(out + n, 0, pad);
		n += pad;
	}
	out[ext] = (uint8_t)((n - ext - 2) >> 8);
	out[ext + 1] = (uint8_t)(n - ext - 2);
	out[1] = (uint8_t)((n - 4) >> 16);
	out[2] = (uint8_t)((n - 4) >> 8);
	out[3] = (uint8_t)(n - 4);
	return n;
}

/* Out of order, overlapping and repeated CRYPTO data gives the name only when complete. */
static void
test_hello_reassembly(void **state)
{
	static struct quic_hello h;
	uint8_t			 ch[512];
	char			 sni[QUIC_SNI_MAX];
	bool			 ech;
	size_t			 n, off, step;

	(void)state;
	n = build_ch(ch, sizeof(ch), "chunks.example.org", true, 100, false);
	for (step = 1; step < n; step += 13) {
		quic_hello_init(&h);
		/* Backwards, so offset 0 arrives last. */
		for (off = (n - 1) / step * step;; off -= step) {
			assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), &ech),
			    QUIC_NEED_MORE);
			assert_int_equal(quic_hello_add(&h, off, ch + off,
			    off + step > n ? n - off : step), 0);
			if (off == 0)
				break;
		}
		assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), &ech),
		    QUIC_SNI_OK);
		assert_string_equal(sni, "chunks.example.org");
		assert_true(ech);
		/* A retransmission changes nothing. */
		assert_int_equal(quic_hello_add(&h, 3, ch + 3, 40), 0);
		assert_int_equal(quic_hello_sni(&h, NULL, 0, NULL), QUIC_SNI_OK);
	}

	/* The name is present but the ECH flag is not known yet: wait. */
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n - 1), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), &ech), QUIC_NEED_MORE);

	n = build_ch(ch, sizeof(ch), NULL, false, 10, true);
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), &ech), QUIC_NO_SNI);
	assert_string_equal(sni, "");

	/* A name too long for the caller's buffer, or not a host name. */
	n = build_ch(ch, sizeof(ch), "a.example", false, 0, false);
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), 0);
	assert_int_equal(quic_hello_sni(&h, sni, 5, NULL), QUIC_MALFORMED);
	n = build_ch(ch, sizeof(ch), "bad name", false, 0, false);
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_MALFORMED);

	/* Not a ClientHello; a length past the message. */
	ch[0] = 2;
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_MALFORMED);
	n = build_ch(ch, sizeof(ch), "a.example", false, 0, false);
	ch[45] = 0xff;			/* extensions length */
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_MALFORMED);
}

/* ClientHellos larger than QUIC_HELLO_MAX: the name counts if it came early. */
static void
test_hello_oversize(void **state)
{
	static struct quic_hello h;
	static uint8_t		 ch[12000];
	char			 sni[QUIC_SNI_MAX];
	size_t			 n;

	(void)state;
	n = build_ch(ch, sizeof(ch), "early.example", false, 10000, false);
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, 4000), 0);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_NEED_MORE);
	assert_int_equal(quic_hello_add(&h, 4000, ch + 4000, n - 4000), -1);
	assert_true(h.beyond);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_SNI_OK);
	assert_string_equal(sni, "early.example");

	n = build_ch(ch, sizeof(ch), "late.example", false, 10000, true);
	quic_hello_init(&h);
	assert_int_equal(quic_hello_add(&h, 0, ch, n), -1);
	assert_int_equal(quic_hello_sni(&h, sni, sizeof(sni), NULL), QUIC_MALFORMED);
	assert_int_equal(quic_hello_add(&h, 1ULL << 40, ch, 10), -1);
}

/* Test-side packet protection (RFC 9001 5), to build Initials with chosen frames. */
static size_t
seal_initial(struct quic_ctx *c, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, const uint8_t *key_dcid, size_t key_dcid_len, uint32_t pn,
    const uint8_t *frames, size_t flen, uint8_t *out)
{
	struct quic_keys	 k;
	EVP_CIPHER_CTX		*e;
	uint8_t			 nonce[12], mask[5];
	size_t			 n = 0, pn_off, len, i;
	int			 outl;

	assert_int_equal(quic_initial_keys(c, version, key_dcid, key_dcid_len,
	    &k), 0);
	out[n++] = (uint8_t)(version == QUIC_VERSION_2 ? 0xd1 : 0xc1); /* 2-byte pn */
	out[n++] = (uint8_t)(version >> 24);
	out[n++] = (uint8_t)(version >> 16);
	out[n++] = (uint8_t)(version >> 8);
	out[n++] = (uint8_t)version;
	out[n++] = (uint8_t)dcid_len;
	if (dcid_len > 0)
		memcpy(out + n, dcid, dcid_len);
	n += dcid_len;
	out[n++] = 0;			/* SCID */
	out[n++] = 0;			/* token */
	len = 2 + flen + 16;
	out[n++] = (uint8_t)(0x40 | len >> 8);
	out[n++] = (uint8_t)len;
	pn_off = n;
	out[n++] = (uint8_t)(pn >> 8);
	out[n++] = (uint8_t)pn;
	memcpy(nonce, k.iv, 12);
	nonce[10] ^= (uint8_t)(pn >> 8);
	nonce[11] ^= (uint8_t)pn;
	assert_non_null(e = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_EncryptInit_ex(e, EVP_aes_128_gcm(), NULL, k.key,
	    nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(e, NULL, &outl, out, (int)n), 1);
	assert_int_equal(EVP_EncryptUpdate(e, out + n, &outl, frames, (int)flen), 1);
	n += (size_t)outl;
	assert_int_equal(EVP_EncryptFinal_ex(e, out + n, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, out + n), 1);
	n += 16;
	EVP_CIPHER_CTX_free(e);
	assert_int_equal(quic_hp_mask(c, k.hp, out + pn_off + 4, mask), 0);
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < 2; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

static size_t
put_varint(uint8_t *p, uint64_t v)
{
	if (v < 64) {
		p[0] = (uint8_t)v;
		return 1;
	}
	assert_true(v < 16384);
	p[0] = (uint8_t)(0x40 | v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t
put_crypto(uint8_t *p, const uint8_t *ch, size_t off, size_t len)
{
	size_t	n = 0;

	p[n++] = 0x06;
	n += put_varint(p + n, off);
	n += put_varint(p + n, len);
	memcpy(p + n, ch + off, len);
	return n + len;
}

/*
 * Chrome's shape: the ClientHello split over two Initials with different
 * DCIDs, CRYPTO frames out of order between PING, PADDING, ACK and
 * CONNECTION_CLOSE, coalesced with other long-header packets.
 */
static void
test_sealed_datagrams(void **state)
{
	static const uint32_t	 versions[] = { QUIC_VERSION_1, QUIC_VERSION_2,
	    QUIC_VERSION_DRAFT29 };
	static const uint8_t	 dcid2[] = { 1, 2, 3, 4, 5 };
	static struct quic_hello h, h2;
	static uint8_t		 d[4096], fr[2048];
	struct quic_ctx		*c = *state;
	uint8_t			 ch[600];
	char			 sni[QUIC_SNI_MAX];
	bool			 ech;
	size_t			 n, chn, fn, vi;

	chn = build_ch(ch, sizeof(ch), "split.example.net", true, 300, false);
	for (vi = 0; vi < 3; vi++) {
		quic_hello_init(&h);
		/* First datagram: the tail, then the middle, with noise frames. */
		fn = 0;
		fr[fn++] = 0x01;
		fn += put_crypto(fr + fn, ch, 200, chn - 200);
		fr[fn++] = 0x00;
		fr[fn++] = 0x02; fr[fn++] = 5; fr[fn++] = 0; fr[fn++] = 1;
		fr[fn++] = 0; fr[fn++] = 1; fr[fn++] = 2;	/* ACK, one extra range */
		fn += put_crypto(fr + fn, ch, 100, 100);
		fr[fn++] = 0x1c; fr[fn++] = 0; fr[fn++] = 0; fr[fn++] = 2;
		fr[fn++] = 'o'; fr[fn++] = 'k';
		memset(fr + fn, 0, 50);
		fn += 50;
		n = seal_initial(c, versions[vi], rfc_dcid, sizeof(rfc_dcid),
		    rfc_dcid, sizeof(rfc_dcid), 0, fr, fn, d);
		/* A Handshake-type packet coalesced after it, then zero padding. */
		d[n++] = versions[vi] == QUIC_VERSION_2 ? 0xf0 : 0xe0;
		d[n++] = (uint8_t)(versions[vi] >> 24);
		d[n++] = (uint8_t)(versions[vi] >> 16);
		d[n++] = (uint8_t)(versions[vi] >> 8);
		d[n++] = (uint8_t)versions[vi];
		d[n++] = 0; d[n++] = 0; d[n++] = 30;
		memset(d + n, 0xa5, 30);
		n += 30;
		memset(d + n, 0, 100);
		n += 100;
		assert_int_equal(quic_datagram(c, d, n, &h, sni, sizeof(sni), &ech),
		    QUIC_NEED_MORE);

		/*
		 * Second datagram: the head, sent to the server's connection ID
		 * but under the first DCID's keys (RFC 9001 5.2), after a frame
		 * type an Initial may not carry (its CRYPTO must be ignored).
		 */
		fn = 0;
		fn += put_crypto(fr + fn, ch, 0, 50);
		fr[fn++] = 0x01;
		fr[fn++] = 0x08;			/* STREAM: stop here */
		fn += put_crypto(fr + fn, ch, 50, 50);
		n = seal_initial(c, versions[vi], dcid2, sizeof(dcid2), rfc_dcid,
		    sizeof(rfc_dcid), 1, fr, fn, d);
		quic_hello_init(&h2);
		assert_int_equal(quic_datagram(c, d, n, &h2, sni, sizeof(sni), &ech),
		    QUIC_DECRYPT_FAILED);		/* a flow that missed the first */
		assert_int_equal(quic_datagram(c, d, n, &h, sni, sizeof(sni), &ech),
		    QUIC_NEED_MORE);

		/*
		 * Third: the missing piece, keyed by its own DCID as after a
		 * Retry, coalesced after a damaged copy of itself.
		 */
		fn = put_crypto(fr, ch, 50, 50);
		memset(fr + fn, 0, 20);
		fn += 20;
		n = seal_initial(c, versions[vi], dcid2, sizeof(dcid2), dcid2,
		    sizeof(dcid2), 2, fr, fn, d);
		memcpy(d + n, d, n);
		d[n + 30] ^= 1;				/* the first copy is damaged */
		memcpy(fr, d, n);
		memcpy(d, d + n, n);
		memcpy(d + n, fr, n);
		assert_int_equal(quic_datagram(c, d, 2 * n, &h, sni, sizeof(sni),
		    &ech), QUIC_SNI_OK);
		assert_string_equal(sni, "split.example.net");
		assert_true(ech);

		/* The damaged copy alone. */
		quic_hello_init(&h);
		assert_int_equal(quic_datagram(c, d, n, &h, sni, sizeof(sni), &ech),
		    QUIC_DECRYPT_FAILED);
	}

	/* An empty DCID (a later Initial to a server that chose none). */
	quic_hello_init(&h);
	fn = put_crypto(fr, ch, 0, chn);
	n = seal_initial(c, QUIC_VERSION_1, NULL, 0, NULL, 0, 7, fr, fn, d);
	assert_int_equal(quic_datagram(c, d, n, &h, sni, sizeof(sni), &ech),
	    QUIC_SNI_OK);
	assert_string_equal(sni, "split.example.net");
}

/* What is not a client Initial is named as such. */
static void
test_not_initial(void **state)
{
	static struct quic_hello h;
	static uint8_t		 d[1300];
	struct quic_ctx		*c = *state;
	size_t			 n;

	quic_hello_init(&h);
	assert_int_equal(quic_datagram(c, d, 0, &h, NULL, 0, NULL), QUIC_NOT_INITIAL);
	d[0] = 0x40;					/* short header */
	assert_int_equal(quic_datagram(c, d, 100, &h, NULL, 0, NULL),
	    QUIC_NOT_INITIAL);
	memcpy(d, "\xc0\x00\x00\x00\x00\x08", 6);	/* Version Negotiation */
	assert_int_equal(quic_datagram(c, d, 100, &h, NULL, 0, NULL),
	    QUIC_NOT_INITIAL);
	memcpy(d, "\xc0\x51\x30\x35\x30\x08", 6);	/* gQUIC Q050 */
	assert_int_equal(quic_datagram(c, d, 100, &h, NULL, 0, NULL),
	    QUIC_UNSUPPORTED_VERSION);
	n = unhex(rfc9001_packet, d, sizeof(d));
	d[0] = 0xf0;					/* v1 Retry */
	assert_int_equal(quic_datagram(c, d, n, &h, NULL, 0, NULL),
	    QUIC_NOT_INITIAL);
	d[0] = 0xe0;					/* v1 Handshake */
	assert_int_equal(quic_datagram(c, d, n, &h, NULL, 0, NULL),
	    QUIC_NOT_INITIAL);
	d[0] = 0xc0;
	d[5] = 21;					/* DCID too long */
	assert_int_equal(quic_datagram(c, d, n, &h, NULL, 0, NULL), QUIC_MALFORMED);
	n = unhex(rfc9369_packet, d, sizeof(d));
	d[0] = 0xc0;					/* type 0 is Retry in v2 */
	assert_int_equal(quic_datagram(c, d, n, &h, NULL, 0, NULL),
	    QUIC_NOT_INITIAL);
	assert_string_equal(quic_status_str(QUIC_DECRYPT_FAILED), "decrypt-failed");
}

/* Every truncation and every single-byte change of the RFC packet: no crash, never a name. */
static void
test_damaged(void **state)
{
	static struct quic_hello h;
	static uint8_t		 orig[1300], *d;
	struct quic_ctx		*c = *state;
	char			 sni[QUIC_SNI_MAX];
	const char		*pkts[2] = { rfc9001_packet, rfc9369_packet };
	enum quic_status	 st;
	size_t			 n, i, p;
	int			 counts[QUIC_DECRYPT_FAILED + 1] = { 0 };

	for (p = 0; p < 2; p++) {
		n = unhex(pkts[p], orig, sizeof(orig));
		for (i = 0; i < n; i++) {
			/* A heap copy of exactly i bytes lets ASan see any over-read. */
			assert_non_null(d = malloc(i ? i : 1));
			memcpy(d, orig, i);
			quic_hello_init(&h);
			st = quic_datagram(c, d, i, &h, sni, sizeof(sni), NULL);
			assert_int_not_equal(st, QUIC_SNI_OK);
			assert_int_not_equal(st, QUIC_NO_SNI);
			free(d);
		}
		assert_non_null(d = malloc(n));
		for (i = 0; i < n; i++) {
			memcpy(d, orig, n);
			d[i] ^= 0xff;
			quic_hello_init(&h);
			st = quic_datagram(c, d, n, &h, sni, sizeof(sni), NULL);
			assert_int_not_equal(st, QUIC_SNI_OK);
			counts[st]++;
			memcpy(d, orig, n);
			d[i] ^= 0x01;
			quic_hello_init(&h);
			st = quic_datagram(c, d, n, &h, sni, sizeof(sni), NULL);
			assert_int_not_equal(st, QUIC_SNI_OK);
			counts[st]++;
		}
		free(d);
	}
	/* Almost every change must be caught by the AEAD, not by luck of parsing. */
	assert_true(counts[QUIC_DECRYPT_FAILED] > 4 * 1100);
}

/* --- Real captures ------------------------------------------------------ */

struct flow {
	uint8_t			 key[37];
	size_t			 keylen;
	struct quic_hello	 h;
	enum quic_status	 st;
	char			 sni[QUIC_SNI_MAX];
	bool			 ech;
};

struct capture_result {
	char	 names[128][QUIC_SNI_MAX];
	size_t	 nnames;
	size_t	 nosni;		/* flows whose complete ClientHello had no name */
	size_t	 flows;
	size_t	 initials;	/* datagrams with a decrypted Initial */
};

struct pkt_view {
	const uint8_t	*udp;
	size_t		 udplen;
	uint8_t		 key[37];
	size_t		 keylen;
};

static char	 capdir[1024];

static int
setup_captures(void **state)
{
	const char	*top = getenv("HALLPASS_TOP");
	char		 path[1100];

	if (top != NULL)
		snprintf(capdir, sizeof(capdir), "%s/../shared/captures", top);
	else
		snprintf(capdir, sizeof(capdir), "../../shared/captures");
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", capdir);
	if (access(path, R_OK) != 0)
		capdir[0] = '\0';
	return setup_ctx(state);
}

/* UDP inside IPv4/IPv6 at p; the flow key is family, source, source port, destination, destination port. */
static int
decap_ip(const uint8_t *p, size_t len, struct pkt_view *v)
{
	size_t	hl, alen, tot, ulen, off;
	uint8_t	nh;

	if (len < 1)
		return -1;
	if (p[0] >> 4 == 4) {
		if (len < 20 || (hl = (size_t)(p[0] & 0x0f) * 4) < 20 || hl > len)
			return -1;
		tot = (size_t)p[2] << 8 | p[3];
		if (tot < hl)
			return -1;
		if (tot < len)
			len = tot;
		if (p[9] != 17 || (p[6] & 0x3f) != 0 || p[7] != 0)
			return -1;	/* not UDP, or a fragment */
		alen = 4;
		v->key[0] = 4;
		memcpy(v->key + 1, p + 12, 4);
		memcpy(v->key + 7, p + 16, 4);
		off = hl;
	} else if (p[0] >> 4 == 6) {
		if (len < 40)
			return -1;
		tot = 40 + ((size_t)p[4] << 8 | p[5]);
		if (tot < len)
			len = tot;
		nh = p[6];
		off = 40;
		/* Hop-by-hop, routing and destination options may precede UDP. */
		while (nh == 0 || nh == 43 || nh == 60) {
			if (off + 8 > len)
				return -1;
			nh = p[off];
			off += 8 + (size_t)p[off + 1] * 8;
		}
		if (nh != 17)
			return -1;	/* fragments included */
		alen = 16;
		v->key[0] = 6;
		memcpy(v->key + 1, p + 8, 16);
		memcpy(v->key + 19, p + 24, 16);
	} else
		return -1;
	if (off + 8 > len)
		return -1;
	memcpy(v->key + 1 + alen, p + off, 2);
	memcpy(v->key + 3 + 2 * alen, p + off + 2, 2);
	v->keylen = 5 + 2 * alen;
	ulen = (size_t)p[off + 4] << 8 | p[off + 5];
	if (ulen < 8)
		return -1;
	v->udp = p + off + 8;
	v->udplen = ulen - 8;
	if (v->udplen > len - off - 8)
		v->udplen = len - off - 8;	/* snapped */
	return 0;
}

static int
decap(int dlt, const uint8_t *p, size_t len, struct pkt_view *v)
{
	size_t	off;
	int	et;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		et = p[12] << 8 | p[13];
		off = 14;
		while (et == 0x8100 || et == 0x88a8) {
			if (off + 4 > len)
				return -1;
			et = p[off + 2] << 8 | p[off + 3];
			off += 4;
		}
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		et = p[14] << 8 | p[15];
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		et = p[0] << 8 | p[1];
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 4)
			return -1;
		return decap_ip(p + 4, len - 4, v);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return decap_ip(p, len, v);
	default:
		return -1;
	}
	if (et != 0x0800 && et != 0x86dd)
		return -1;
	return decap_ip(p + off, len - off, v);
}

static void
add_name(struct capture_result *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nnames; i++)
		if (strcmp(r->names[i], name) == 0)
			return;
	assert_true(r->nnames < 128);
	snprintf(r->names[r->nnames++], QUIC_SNI_MAX, "%s", name);
}

static void
run_capture(struct quic_ctx *c, const char *file, struct capture_result *r)
{
	char			 path[1200], err[PCAP_ERRBUF_SIZE];
	pcap_t			*pc;
	struct pcap_pkthdr	*ph;
	const u_char		*data;
	struct flow		**flows = NULL, *f;
	struct pkt_view		 v;
	size_t			 nflows = 0, i;
	int			 dlt, rc;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/pcap/%s", capdir, file);
	pc = pcap_open_offline(path, err);
	if (pc == NULL)
		fail_msg("%s: %s", path, err);
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		if (decap(dlt, data, ph->caplen, &v) == -1)
			continue;
		for (i = 0; i < nflows; i++)
			if (flows[i]->keylen == v.keylen &&
			    memcmp(flows[i]->key, v.key, v.keylen) == 0)
				break;
		if (i == nflows) {
			/* Only datagrams that start like a long header open a flow. */
			if (v.udplen < 1 || (v.udp[0] & 0x80) == 0)
				continue;
			assert_non_null(flows = realloc(flows,
			    (nflows + 1) * sizeof(*flows)));
			assert_non_null(f = calloc(1, sizeof(*f)));
			memcpy(f->key, v.key, v.keylen);
			f->keylen = v.keylen;
			f->st = QUIC_NEED_MORE;
			flows[nflows++] = f;
		}
		f = flows[i];
		if (f->st != QUIC_NEED_MORE)
			continue;		/* decided: the daemon stops looking too */
		rc = quic_datagram(c, v.udp, v.udplen, &f->h, f->sni,
		    sizeof(f->sni), &f->ech);
		if (rc == QUIC_SNI_OK || rc == QUIC_NO_SNI || rc == QUIC_NEED_MORE)
			r->initials++;
		if (rc == QUIC_SNI_OK || rc == QUIC_NO_SNI)
			f->st = (enum quic_status)rc;
	}
	pcap_close(pc);
	for (i = 0; i < nflows; i++) {
		if (flows[i]->st == QUIC_SNI_OK) {
			add_name(r, flows[i]->sni);
			r->flows++;
		} else if (flows[i]->st == QUIC_NO_SNI) {
			r->nosni++;
			r->flows++;
		}
		free(flows[i]);
	}
	free(flows);
}

/* The manifest's names for file, lower-cased and comma-separated. */
static void
manifest_names(const char *file, char *out, size_t outsz)
{
	char	 path[1100], *line = NULL, *t1, *t2, *t3;
	size_t	 cap = 0;
	FILE	*fp;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", capdir);
	assert_non_null(fp = fopen(path, "r"));
	while (getline(&line, &cap, fp) > 0) {
		if ((t1 = strchr(line, '\t')) == NULL)
			continue;
		*t1++ = '\0';
		if (strcmp(line, file) != 0)
			continue;
		if ((t2 = strchr(t1, '\t')) == NULL ||
		    (t3 = strchr(t2 + 1, '\t')) == NULL)
			continue;
		*t3 = '\0';
		snprintf(out, outsz, "%s", t2 + 1);
		break;
	}
	free(line);
	fclose(fp);
}

static bool
in_list(const char *list, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static size_t
list_count(const char *list)
{
	size_t	n = 0;

	if (*list == '\0')
		return 0;
	for (n = 1; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

static bool
plausible_host(const char *s)
{
	bool	dot = false;

	for (; *s != '\0'; s++) {
		if (*s == '.')
			dot = true;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return false;
	}
	return dot;
}

static void
print_result(const char *file, const struct capture_result *r)
{
	size_t	i;

	printf("# %s: %zu name(s), %zu without SNI, %zu Initial datagram(s):",
	    file, r->nnames, r->nosni, r->initials);
	for (i = 0; i < r->nnames; i++)
		printf(" %s", r->names[i]);
	printf("\n");
}

/* Files whose QUIC names are all of the manifest's names (or none, NEGATIVE). */
static void
check_exact(struct quic_ctx *c, const char *file, bool tls_too)
{
	static struct capture_result	r;
	char				list[8192];
	size_t				i;

	if (capdir[0] == '\0')
		skip();
	manifest_names(file, list, sizeof(list));
	run_capture(c, file, &r);
	print_result(file, &r);
	for (i = 0; i < r.nnames; i++)
		if (!in_list(list, r.names[i]))
			fail_msg("%s: %s is not in the manifest", file, r.names[i]);
	if (!tls_too)
		assert_int_equal(r.nnames, list_count(list));
}

static void
test_capture_snapchat(void **state)
{
	check_exact(*state, "quic_v1_snapchat.pcap", false);
}

static void
test_capture_chrome_2initials(void **state)
{
	check_exact(*state, "quic_v1_chrome_ch_2initials.pcapng", false);
}

static void
test_capture_nosni(void **state)
{
	static struct capture_result	r;

	check_exact(*state, "quic_v1_nosni_ch_2pkts_ipv6.pcapng", false);
	run_capture(*state, "quic_v1_nosni_ch_2pkts_ipv6.pcapng", &r);
	assert_int_equal(r.nnames, 0);
	assert_true(r.nosni >= 1);	/* the ClientHello was read, not missed */
}

static void
test_capture_meet(void **state)
{
	static struct capture_result	r;

	check_exact(*state, "quic_v1_and_tls_google_meet.pcapng", true);
	run_capture(*state, "quic_v1_and_tls_google_meet.pcapng", &r);
	assert_int_equal(r.nnames, 1);
	assert_string_equal(r.names[0], "meet.google.com");
}

static void
test_capture_doq(void **state)
{
	check_exact(*state, "quic_draft29_doq_adguard.pcapng", false);
}

static void
test_capture_v2(void **state)
{
	check_exact(*state, "quic_v2_sll_ipv6.pcapng", false);
}

/* The manifest lists the first 40 of 49 names: all 40 found, 49 in all. */
static void
test_capture_draft29_many(void **state)
{
	static struct capture_result	 r;
	const char			*file = "quic_draft29_chrome_many_flows.pcapng";
	char				 list[8192], *p, *q;

	if (capdir[0] == '\0')
		skip();
	manifest_names(file, list, sizeof(list));
	assert_int_equal(list_count(list), 40);
	run_capture(*state, file, &r);
	print_result(file, &r);
	for (p = list; p != NULL; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		for (size_t i = 0; ; i++) {
			if (i == r.nnames)
				fail_msg("%s: %s not found", file, p);
			if (strcmp(r.names[i], p) == 0)
				break;
		}
	}
	assert_int_equal(r.nnames, 49);
}

/* Mixed TLS and QUIC; the capped manifest still binds every name that sorts before its last. */
static void
test_capture_mixed(void **state)
{
	static struct capture_result	 r;
	const char			*file = "mixed_chrome_sites.pcapng";
	char				 list[8192], *last;
	size_t				 i;

	if (capdir[0] == '\0')
		skip();
	manifest_names(file, list, sizeof(list));
	assert_non_null(last = strrchr(list, ','));
	last++;
	run_capture(*state, file, &r);
	print_result(file, &r);
	assert_true(r.nnames >= 1);
	for (i = 0; i < r.nnames; i++) {
		assert_true(plausible_host(r.names[i]));
		if (strcmp(r.names[i], last) <= 0 && !in_list(list, r.names[i]))
			fail_msg("%s: %s is not in the manifest", file, r.names[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfc_keys, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_rfc_packets, setup_ctx, teardown_ctx),
		cmocka_unit_test(test_hello_reassembly),
		cmocka_unit_test(test_hello_oversize),
		cmocka_unit_test_setup_teardown(test_sealed_datagrams, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_not_initial, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_damaged, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_snapchat, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_chrome_2initials, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_nosni, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_meet, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_doq, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_v2, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_draft29_many, setup_captures, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_capture_mixed, setup_captures, teardown_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
