/* test_bundle: the signed rule bundle — round trip, and every way a bundle is refused (signature, key, truncation, paths, versions, size). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <limits.h>
#include <sodium.h>

#include "bundle.h"
#include "bundle_gw.h"
#include "config.h"
#include "policy.h"
#include "testutil.h"

struct keys {
	uint8_t	pk[BUNDLE_PK_BYTES], sk[BUNDLE_SK_BYTES];
	uint8_t	pk2[BUNDLE_PK_BYTES], sk2[BUNDLE_SK_BYTES];
};

static int
setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (k == NULL || sodium_init() < 0)
		return -1;
	crypto_sign_keypair(k->pk, k->sk);
	crypto_sign_keypair(k->pk2, k->sk2);
	*state = k;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* fixtures/base signed as version v: about 2 KB, small enough to cut at every offset. */
static uint8_t *
make_signed(const uint8_t *sk, const char *dir, uint64_t v, size_t *len)
{
	struct bundle	*b;
	uint8_t		*out = NULL;
	char		 err[512];

	b = bundle_from_dir(dir, v, err, sizeof(err));
	if (b == NULL)
		print_message("bundle_from_dir: %s\n", err);
	assert_non_null(b);
	assert_int_equal(bundle_sign(b, sk, &out, len, err, sizeof(err)), 0);
	bundle_free(b);
	return out;
}

/* A bundle made by hand: body is everything before the signature line, signed with sk. */
static uint8_t *
sign_raw(const uint8_t *sk, const char *body, size_t blen, size_t *len)
{
	uint8_t	 sig[crypto_sign_BYTES], *out;
	char	 hex[2 * crypto_sign_BYTES + 1];

	crypto_sign_detached(sig, NULL, (const uint8_t *)body, blen, sk);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	out = malloc(blen + 10 + sizeof(hex) + 1);
	assert_non_null(out);
	memcpy(out, body, blen);
	memcpy(out + blen, "signature ", 10);
	memcpy(out + blen + 10, hex, sizeof(hex) - 1);
	out[blen + 10 + sizeof(hex) - 1] = '\n';
	*len = blen + 10 + sizeof(hex);
	return out;
}

/* The header line for a hand-made bundle signed by pk. */
static void
header(char *buf, size_t len, const uint8_t *pk, int format, const char *version,
    unsigned nfiles)
{
	char id[BUNDLE_KEYID_LEN + 1];

	bundle_key_id(pk, id);
	snprintf(buf, len, "hallpass-bundle %d %s %s %u\n", format, version, id, nfiles);
}

/* Opens a hand-made bundle and returns why it was refused (BUNDLE_OK if it was not). */
static enum bundle_err
open_raw(const struct keys *k, const char *body, size_t blen, char *err, size_t errlen)
{
	struct bundle	*b;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len;

	buf = sign_raw(k->sk, body, blen, &len);
	b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err, errlen);
	bundle_free(b);
	free(buf);
	return why;
}

static void
test_round_trip(void **state)
{
	struct keys	*k = *state;
	struct bundle	*b;
	struct policy	*p;
	struct diag	 d;
	enum bundle_err	 why;
	uint8_t		*buf, *disk;
	size_t		 len, dlen, flen;
	char		 err[512], path[PATH_MAX], id[BUNDLE_KEYID_LEN + 1];
	char		*out = testutil_confdir();

	buf = make_signed(k->sk, "fixtures/base", 42, &len);
	b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err));
	if (b == NULL)
		print_message("bundle_open: %s\n", err);
	assert_non_null(b);
	assert_int_equal(why, BUNDLE_OK);
	assert_int_equal(bundle_version(b), 42);
	bundle_key_id(k->pk, id);
	assert_string_equal(bundle_keyid(b), id);
	/* aup, policy, three rules.d files, safesearch; never hallpass.yaml; in byte order. */
	assert_int_equal(bundle_nfiles(b), 6);
	assert_string_equal(bundle_file_path(b, 0), "aup.yaml");
	assert_string_equal(bundle_file_path(b, 1), "policy.yaml");
	assert_string_equal(bundle_file_path(b, 2), "rules.d/gambling.yaml");
	assert_string_equal(bundle_file_path(b, 5), "safesearch.yaml");
	for (size_t i = 0; i < bundle_nfiles(b); i++) {
		const uint8_t *data = bundle_file_data(b, i, &flen);

		assert_string_not_equal(bundle_file_path(b, i), "hallpass.yaml");
		snprintf(path, sizeof(path), "fixtures/base/%s", bundle_file_path(b, i));
		assert_int_equal(bundle_read_file(path, 1 << 20, &disk, &dlen, err,
		    sizeof(err)), 0);
		assert_int_equal(dlen, flen);
		assert_memory_equal(disk, data, dlen);
		free(disk);
	}
	/* Unpacked, the rule set loads as the original does. */
	assert_non_null(out);
	assert_int_equal(bundle_rmtree(out), 0);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(bundle_unpack(b, out, err, sizeof(err)), 0);
	diag_init(&d);
	p = bundle_load_rules(out, &d);
	assert_non_null(p);
	assert_int_equal(diag_count(&d), 0);
	policy_unref(p);
	assert_int_equal(bundle_check(b, "/tmp", "b", &d), 0);
	diag_free(&d);
	bundle_free(b);
	/* Signing is deterministic (Ed25519): the same directory and version, the same bytes. */
	disk = make_signed(k->sk, "fixtures/base", 42, &dlen);
	assert_int_equal(dlen, len);
	assert_memory_equal(disk, buf, len);
	free(disk);
	free(buf);
	testutil_rmdir(out);
}

static void
test_other_key(void **state)
{
	struct keys	*k = *state;
	struct bundle	*b;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len;
	char		 err[512], hdr[128];
	const char	*body;

	buf = make_signed(k->sk, "fixtures/base", 1, &len);
	b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk2, &why, err, sizeof(err));
	assert_null(b);
	assert_int_equal(why, BUNDLE_E_OTHER_KEY);
	assert_non_null(strstr(err, "signed by another key"));
	free(buf);
	/* Another key claiming our key id: the signature still fails. */
	header(hdr, sizeof(hdr), k->pk, 1, "1", 1);
	body = "file 3 policy.yaml\nx: \n";
	{
		char	full[256];
		size_t	n = (size_t)snprintf(full, sizeof(full), "%s%s", hdr, body);

		buf = sign_raw(k->sk2, full, n, &len);
	}
	b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err));
	assert_null(b);
	assert_int_equal(why, BUNDLE_E_SIGNATURE);
	free(buf);
}

static void
test_truncated_every_offset(void **state)
{
	struct keys	*k = *state;
	struct bundle	*b;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len, ntrunc = 0, nunsigned = 0;
	char		 err[512];

	buf = make_signed(k->sk, "fixtures/base", 7, &len);
	for (size_t cut = 0; cut < len; cut++) {
		b = bundle_open(buf, cut, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err));
		if (b != NULL)
			print_message("a bundle cut to %zu of %zu bytes was accepted\n", cut, len);
		assert_null(b);
		assert_int_not_equal(why, BUNDLE_OK);
		assert_true(err[0] != '\0');
		ntrunc += why == BUNDLE_E_TRUNCATED;
		nunsigned += why == BUNDLE_E_UNSIGNED;
	}
	/* Almost every cut is named as such; exactly one ends where the signature starts. */
	assert_true(ntrunc > len * 9 / 10);
	assert_int_equal(nunsigned, 1);
	/* Trailing garbage after a valid signature. */
	buf = realloc(buf, len + 1);
	assert_non_null(buf);
	buf[len] = '\n';
	assert_null(bundle_open(buf, len + 1, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err)));
	assert_int_equal(why, BUNDLE_E_TRAILING);
	free(buf);
}

static void
test_flipped_byte(void **state)
{
	struct keys	*k = *state;
	struct bundle	*b;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len, nsig = 0;
	char		 err[512];

	buf = make_signed(k->sk, "fixtures/base", 9, &len);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err));
		if (b != NULL)
			print_message("a bundle with byte %zu flipped was accepted\n", i);
		assert_null(b);
		nsig += why == BUNDLE_E_SIGNATURE;
		buf[i] ^= 0x01;
	}
	/* Content bytes are the bulk: their change is caught by the signature. */
	assert_true(nsig > len / 2);
	b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err, sizeof(err));
	assert_non_null(b);
	bundle_free(b);
	free(buf);
}

static void
test_paths(void **state)
{
	static const char *const bad[] = {
		"../policy.yaml", "/etc/passwd", "rules.d/../../etc/x.yaml",
		"rules.d/../policy.yaml", "./policy.yaml", "rules.d//a.yaml",
		"hallpass.yaml", "rules.d/.hidden.yaml", "rules.d/a b.yaml",
		"rules.d/x.yml", "rules.d/sub/a.yaml", "rules.d/.yaml", "",
	};
	struct keys	*k = *state;
	char		 hdr[128], body[512], err[512];
	size_t		 n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header(hdr, sizeof(hdr), k->pk, 1, "3", 2);
		n = (size_t)snprintf(body, sizeof(body), "%sfile 2 %s\nx\n"
		    "file 3 policy.yaml\na:\n\n", hdr, bad[i]);
		assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_PATH);
	}
	/* A NUL inside the name. */
	header(hdr, sizeof(hdr), k->pk, 1, "3", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy", hdr);
	memcpy(body + n, "\0.yaml\nx\n", 9);
	n += 9;
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_PATH);
	assert_non_null(strstr(err, "NUL"));
	header(hdr, sizeof(hdr), k->pk, 1, "3", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 ../x\nx\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_PATH);
	assert_non_null(strstr(err, "traversal"));
}

static void
test_structure(void **state)
{
	struct keys	*k = *state;
	char		 hdr[128], body[512], err[512];
	size_t		 n;

	/* The same name twice, and names out of order. */
	header(hdr, sizeof(hdr), k->pk, 1, "3", 2);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n"
	    "file 2 policy.yaml\ny\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_DUPLICATE);
	assert_non_null(strstr(err, "duplicate entry \"policy.yaml\""));
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n"
	    "file 2 aup.yaml\ny\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_ORDER);
	/* An unknown format, a version 0, a size that lies, no policy.yaml, not a bundle. */
	header(hdr, sizeof(hdr), k->pk, 2, "3", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_FORMAT);
	assert_non_null(strstr(err, "format \"2\""));
	header(hdr, sizeof(hdr), k->pk, 1, "0", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MALFORMED);
	header(hdr, sizeof(hdr), k->pk, 1, "03", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MALFORMED);
	header(hdr, sizeof(hdr), k->pk, 1, "3", 1);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 3 policy.yaml\nx\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MALFORMED);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 18446744073709551616 policy.yaml\nx\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MALFORMED);
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 aup.yaml\nx\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MISSING);
	n = (size_t)snprintf(body, sizeof(body), "PK\x03\x04 not a bundle\n");
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_NOT_BUNDLE);
	/* The control: the same hand-made bundle done right opens. */
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_OK);
	/* The file count must match: one more entry than announced is not a signature line. */
	n = (size_t)snprintf(body, sizeof(body), "%sfile 2 policy.yaml\nx\n\nfile 2 "
	    "safesearch.yaml\ny\n\n", hdr);
	assert_int_equal(open_raw(k, body, n, err, sizeof(err)), BUNDLE_E_MALFORMED);
}

static void
test_oversize(void **state)
{
	struct keys	*k = *state;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len;
	char		 err[512];

	buf = make_signed(k->sk, "fixtures/base", 1, &len);
	assert_null(bundle_open(buf, len, len - 1, k->pk, &why, err, sizeof(err)));
	assert_int_equal(why, BUNDLE_E_OVERSIZE);
	assert_non_null(strstr(err, "more than"));
	/* An entry claiming more than the limit. */
	free(buf);
}

static void
test_keys(void **state)
{
	uint8_t		 pk[BUNDLE_PK_BYTES], sk[BUNDLE_SK_BYTES];
	char		*dir = testutil_confdir(), path[PATH_MAX], pub[PATH_MAX + 4];
	char		 err[512];
	struct stat	 st;
	FILE		*f;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/k", dir);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	assert_int_equal(bundle_keygen(path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(bundle_key_load_secret(path, sk, err, sizeof(err)), 0);
	assert_int_equal(bundle_key_load_public(pub, pk, err, sizeof(err)), 0);
	/* The public half in the secret key is the public key's. */
	assert_memory_equal(sk + 32, pk, 32);
	/* Never overwritten; refused when others can read it; a public key file is not a secret key. */
	assert_int_equal(bundle_keygen(path, err, sizeof(err)), -1);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(bundle_key_load_secret(path, sk, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(pub, 0600), 0);
	assert_int_equal(bundle_key_load_secret(pub, sk, err, sizeof(err)), -1);
	/* A damaged public key: its id no longer matches. */
	assert_non_null(f = fopen(pub, "r+"));
	assert_int_equal(fseek(f, 50, SEEK_SET), 0);
	{
		int c = fgetc(f);

		/* A stream switches from reading to writing only through a seek. */
		assert_int_equal(fseek(f, 50, SEEK_SET), 0);
		assert_int_not_equal(fputc(c == '0' ? '1' : '0', f), EOF);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(bundle_key_load_public(pub, pk, err, sizeof(err)), -1);
	testutil_rmdir(dir);
}

/* Writes k's public key where bundle_key expects it. */
static void
write_pub(const uint8_t *pk, const char *path)
{
	char	 id[BUNDLE_KEYID_LEN + 1], hex[65];
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	bundle_key_id(pk, id);
	sodium_bin2hex(hex, sizeof(hex), pk, 32);
	fprintf(f, "hallpass-bundle-public-key %s\n%s\n", id, hex);
	fclose(f);
}

static int
take(struct bundle_gw *g, const struct config *c, const uint8_t *buf, size_t len,
    uint64_t *v)
{
	struct policy	*p = NULL;
	int		 rc = bundle_gw_take(g, c, buf, len, &p, v);

	assert_true((rc == 1) == (p != NULL));
	policy_unref(p);
	return rc;
}

static void
test_gateway_versions(void **state)
{
	struct keys		*k = *state;
	struct bundle_gw	*g;
	struct config		 c;
	uint8_t			*v1, *v2, *v2b, *v3, *bad;
	size_t			 l1, l2, l2b, l3, lbad;
	uint64_t		 v = 0;
	char			*src = testutil_confdir(), *gwd = testutil_confdir();
	char			 bdir[512], path[PATH_MAX], link[PATH_MAX];

	assert_non_null(src);
	assert_non_null(gwd);
	config_defaults(&c);
	snprintf(c.bundle_url, sizeof(c.bundle_url), "https://district.example/b");
	snprintf(c.bundle_key, sizeof(c.bundle_key), "%s/district.pub", gwd);
	snprintf(bdir, sizeof(bdir), "%s/bundle", gwd);
	write_pub(k->pk, c.bundle_key);
	v1 = make_signed(k->sk, src, 1, &l1);
	v2 = make_signed(k->sk, src, 2, &l2);
	assert_int_equal(testutil_write(src, "rules.d/extra.yaml",
	    "category: extra\ndescription: x\ndomains: [extra.example]\n"), 0);
	v2b = make_signed(k->sk, src, 2, &l2b);
	/* Signed, but its rule set does not load. */
	assert_int_equal(testutil_write(src, "policy.yaml", "timezone: Nowhere/City\n"), 0);
	bad = make_signed(k->sk, src, 3, &lbad);
	assert_int_equal(testutil_write(src, "policy.yaml",
	    "timezone: UTC\ndefault_group: g\ngroups:\n  g:\n    block: [extra]\n"), 0);
	v3 = make_signed(k->sk, src, 3, &l3);

	g = bundle_gw_new(bdir, c.bundle_key);
	assert_non_null(g);
	assert_null(bundle_gw_rules_dir(g, &c));
	assert_int_equal(take(g, &c, v2, l2, &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(bundle_gw_committed(g), 2);
	assert_non_null(bundle_gw_rules_dir(g, &c));
	/* The same bundle again is nothing new; older, or the same version changed, is refused. */
	assert_int_equal(take(g, &c, v2, l2, &v), 0);
	assert_int_equal(take(g, &c, v1, l1, &v), 0);
	assert_int_equal(take(g, &c, v2b, l2b, &v), 0);
	assert_int_equal(take(g, &c, bad, lbad, &v), 0);
	/* Another key, a cut and a flipped byte. */
	{
		uint8_t	*other;
		size_t	 lo;

		other = make_signed(k->sk2, src, 9, &lo);
		assert_int_equal(take(g, &c, other, lo, &v), 0);
		free(other);
		assert_int_equal(take(g, &c, v3, l3 - 1, &v), 0);
		v3[l3 / 2] ^= 0x20;
		assert_int_equal(take(g, &c, v3, l3, &v), 0);
		v3[l3 / 2] ^= 0x20;
	}
	assert_int_equal(bundle_gw_committed(g), 2);
	assert_int_equal(take(g, &c, v3, l3, &v), 1);
	assert_int_equal(v, 3);
	/* current names the newest; the one before is gone; the signed file is kept beside it. */
	snprintf(path, sizeof(path), "%s/current", bdir);
	{
		ssize_t n = readlink(path, link, sizeof(link) - 1);

		assert_true(n > 0);
		link[n] = '\0';
		assert_int_equal(strncmp(link, "v3.", 3), 0);
	}
	snprintf(path, sizeof(path), "%s/current/rules.d/extra.yaml", bdir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/current/hallpass.bundle", bdir);
	assert_int_equal(access(path, F_OK), 0);
	bundle_gw_set_in_force(g, 3);
	assert_int_equal(bundle_gw_version(g), 3);
	bundle_gw_free(g);

	/* What an interrupted update left is swept at start; other files are left alone. */
	snprintf(path, sizeof(path), "%s/v9.AbC123", bdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/v9.AbC123/rules.d", bdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/v1.db", bdir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/vacation.photos", bdir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* A restart reads the version on disk; downgrade only when allowed. */
	g = bundle_gw_new(bdir, c.bundle_key);
	assert_non_null(g);
	snprintf(path, sizeof(path), "%s/v9.AbC123", bdir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/v1.db", bdir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/vacation.photos", bdir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(bundle_gw_committed(g), 3);
	assert_int_equal(bundle_gw_version(g), 0);
	assert_int_equal(take(g, &c, v1, l1, &v), 0);
	c.bundle_allow_downgrade = 1;
	assert_int_equal(take(g, &c, v1, l1, &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(bundle_gw_committed(g), 1);
	/* With no bundle_url the daemon's own directory rules. */
	c.bundle_url[0] = '\0';
	assert_null(bundle_gw_rules_dir(g, &c));
	bundle_gw_free(g);
	/* Under another key the bundle on disk is not trusted at start. */
	write_pub(k->pk2, c.bundle_key);
	g = bundle_gw_new(bdir, c.bundle_key);
	assert_non_null(g);
	assert_int_equal(bundle_gw_committed(g), 0);
	bundle_gw_free(g);
	free(v1);
	free(v2);
	free(v2b);
	free(v3);
	free(bad);
	testutil_rmdir(src);
	testutil_rmdir(gwd);
}

static void
test_check_relabels(void **state)
{
	struct keys	*k = *state;
	struct bundle	*b;
	struct diag	 d;
	enum bundle_err	 why;
	uint8_t		*buf;
	size_t		 len;
	char		 err[512], *src = testutil_confdir();

	assert_non_null(src);
	assert_int_equal(testutil_write(src, "rules.d/games.yaml",
	    "category: games\ndomains: [\"not a domain\"]\n"), 0);
	buf = make_signed(k->sk, src, 5, &len);
	assert_non_null(b = bundle_open(buf, len, BUNDLE_MAX_BYTES, k->pk, &why, err,
	    sizeof(err)));
	diag_init(&d);
	assert_int_equal(bundle_check(b, "/tmp", "v5.bundle", &d), -1);
	assert_true(diag_count(&d) > 0);
	/* Errors name the file inside the bundle, never the temporary directory. */
	assert_int_equal(strncmp(d.msgs[0], "v5.bundle:rules.d/games.yaml:", 29), 0);
	diag_free(&d);
	bundle_free(b);
	free(buf);
	testutil_rmdir(src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_truncated_every_offset),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_gateway_versions),
		cmocka_unit_test(test_check_relabels),
	};

	return cmocka_run_group_tests_name("bundle", tests, setup, teardown);
}
