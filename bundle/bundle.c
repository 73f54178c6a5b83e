/* bundle: builds, signs, parses, verifies and unpacks the one-file rule bundle; every length is checked before it is used. */
#include "bundle.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "aup.h"
#include "hp_err.h"
#include "hp_str.h"
#include "policy.h"

#define BUNDLE_MAGIC	"hallpass-bundle"
#define BUNDLE_SIGTAG	"signature "
/* "signature " + 128 hex + "\n": the fixed-size last line. */
#define BUNDLE_SIGLINE	(sizeof(BUNDLE_SIGTAG) - 1 + 2 * crypto_sign_BYTES + 1)
#define BUNDLE_LINE_MAX	(BUNDLE_PATH_MAX + 40)
#define KEY_SECRET_TAG	"hallpass-bundle-secret-key"
#define KEY_PUBLIC_TAG	"hallpass-bundle-public-key"

struct bundle_file {
	char		*path;
	const uint8_t	*data;
	size_t		 len;
	uint8_t		*own;		/* bundle_from_dir's copy; NULL when data points into the caller's buffer */
};

struct bundle {
	uint64_t		 version;
	char			 keyid[BUNDLE_KEYID_LEN + 1];
	uint8_t			 hash[BUNDLE_HASH_BYTES];
	struct bundle_file	*files;
	size_t			 nfiles;
};

static const char *const bundle_errs[] = {
	[BUNDLE_OK] = "ok",
	[BUNDLE_E_OVERSIZE] = "too large",
	[BUNDLE_E_NOT_BUNDLE] = "not a hallpass bundle",
	[BUNDLE_E_FORMAT] = "unknown bundle format version",
	[BUNDLE_E_TRUNCATED] = "truncated",
	[BUNDLE_E_MALFORMED] = "malformed",
	[BUNDLE_E_PATH] = "bad file name",
	[BUNDLE_E_DUPLICATE] = "duplicate entry",
	[BUNDLE_E_ORDER] = "entries out of order",
	[BUNDLE_E_MISSING] = "no policy.yaml",
	[BUNDLE_E_UNSIGNED] = "not signed",
	[BUNDLE_E_TRAILING] = "trailing bytes after the signature",
	[BUNDLE_E_OTHER_KEY] = "signed by another key",
	[BUNDLE_E_SIGNATURE] = "bad signature",
	[BUNDLE_E_NOMEM] = "out of memory",
};

const char *
bundle_strerror(enum bundle_err e)
{
	if ((size_t)e >= sizeof(bundle_errs) / sizeof(bundle_errs[0]))
		return "unknown error";
	return bundle_errs[e];
}

/* libsodium must be initialised once before any call; it is safe to repeat from any thread. */
static int
bundle_sodium(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		hp_errf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	return 0;
}

void
bundle_key_id(const uint8_t pk[BUNDLE_PK_BYTES], char id[BUNDLE_KEYID_LEN + 1])
{
	uint8_t h[crypto_generichash_BYTES_MIN];

	crypto_generichash(h, sizeof(h), pk, BUNDLE_PK_BYTES, NULL, 0);
	sodium_bin2hex(id, BUNDLE_KEYID_LEN + 1, h, BUNDLE_KEYID_LEN / 2);
}

/* Creates path exclusively with mode and writes "tag keyid\nhex\n". */
static int
key_write(const char *path, mode_t mode, const char *tag, const char *id,
    const uint8_t *key, size_t keylen, char *err, size_t errlen)
{
	char	 hex[2 * BUNDLE_SK_BYTES + 1];
	FILE	*f;
	int	 fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		hp_errf(err, errlen, "%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (a key is never overwritten)" : "");
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), key, keylen);
	if (fprintf(f, "%s %s\n%s\n", tag, id, hex) < 0)
		rc = -1;
	sodium_memzero(hex, sizeof(hex));
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		hp_errf(err, errlen, "%s: writing: %s", path, strerror(errno));
	return rc;
}

int
bundle_keygen(const char *path, char *err, size_t errlen)
{
	uint8_t	 pk[BUNDLE_PK_BYTES], sk[BUNDLE_SK_BYTES];
	char	 id[BUNDLE_KEYID_LEN + 1], *pub = NULL;
	int	 rc = -1;

	if (bundle_sodium(err, errlen) != 0)
		return -1;
	if (asprintf(&pub, "%s.pub", path) < 0) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	crypto_sign_keypair(pk, sk);
	bundle_key_id(pk, id);
	if (key_write(path, 0600, KEY_SECRET_TAG, id, sk, sizeof(sk), err, errlen) != 0)
		goto out;
	if (key_write(pub, 0644, KEY_PUBLIC_TAG, id, pk, sizeof(pk), err, errlen) != 0) {
		(void)unlink(path);
		goto out;
	}
	rc = 0;
 out:
	sodium_memzero(sk, sizeof(sk));
	free(pub);
	return rc;
}

/* Reads a key file: "tag keyid\nhex\n", the hex exactly keylen bytes. */
static int
key_read(const char *path, const char *tag, uint8_t *key, size_t keylen,
    char *id, char *err, size_t errlen)
{
	char	 buf[2 * BUNDLE_SK_BYTES + 128], *nl;
	size_t	 n, taglen = strlen(tag), binlen = 0;
	FILE	*f;
	int	 rc = -1;

	if ((f = fopen(path, "re")) == NULL) {
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	if (!feof(f) || ferror(f)) {
		hp_errf(err, errlen, "%s: not a %s file (too long)", path, tag);
		goto out;
	}
	if (strncmp(buf, tag, taglen) != 0 || buf[taglen] != ' ' ||
	    strlen(buf + taglen + 1) < BUNDLE_KEYID_LEN + 1 ||
	    buf[taglen + 1 + BUNDLE_KEYID_LEN] != '\n') {
		hp_errf(err, errlen, "%s: not a %s file", path, tag);
		goto out;
	}
	memcpy(id, buf + taglen + 1, BUNDLE_KEYID_LEN);
	id[BUNDLE_KEYID_LEN] = '\0';
	nl = buf + taglen + 1 + BUNDLE_KEYID_LEN + 1;
	if (strlen(nl) != 2 * keylen + 1 || nl[2 * keylen] != '\n' ||
	    sodium_hex2bin(key, keylen, nl, 2 * keylen, NULL, &binlen, NULL) != 0 ||
	    binlen != keylen) {
		hp_errf(err, errlen, "%s: the key is not %zu hex bytes", path, keylen);
		goto out;
	}
	rc = 0;
 out:
	sodium_memzero(buf, sizeof(buf));
	fclose(f);
	return rc;
}

int
bundle_key_load_public(const char *path, uint8_t pk[BUNDLE_PK_BYTES], char *err,
    size_t errlen)
{
	char id[BUNDLE_KEYID_LEN + 1], want[BUNDLE_KEYID_LEN + 1];

	if (bundle_sodium(err, errlen) != 0 ||
	    key_read(path, KEY_PUBLIC_TAG, pk, BUNDLE_PK_BYTES, id, err, errlen) != 0)
		return -1;
	bundle_key_id(pk, want);
	if (strcmp(id, want) != 0) {
		hp_errf(err, errlen, "%s: key id %s does not match the key (%s)", path,
		    id, want);
		return -1;
	}
	return 0;
}

int
bundle_key_load_secret(const char *path, uint8_t sk[BUNDLE_SK_BYTES], char *err,
    size_t errlen)
{
	uint8_t		pk[BUNDLE_PK_BYTES], seed[crypto_sign_SEEDBYTES];
	uint8_t		check[BUNDLE_SK_BYTES];
	char		id[BUNDLE_KEYID_LEN + 1], want[BUNDLE_KEYID_LEN + 1];
	struct stat	st;
	int		rc = -1;

	if (bundle_sodium(err, errlen) != 0)
		return -1;
	if (stat(path, &st) != 0) {
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & 077) {
		hp_errf(err, errlen, "%s: a secret key others can read (mode %04o): "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (key_read(path, KEY_SECRET_TAG, sk, BUNDLE_SK_BYTES, id, err, errlen) != 0)
		return -1;
	/* The secret key holds its seed and public half: both must agree. */
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	crypto_sign_seed_keypair(pk, check, seed);
	bundle_key_id(pk, want);
	if (sodium_memcmp(check, sk, BUNDLE_SK_BYTES) != 0 || strcmp(id, want) != 0) {
		hp_errf(err, errlen, "%s: the secret key is damaged", path);
		goto out;
	}
	rc = 0;
 out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(check, sizeof(check));
	if (rc != 0)
		sodium_memzero(sk, BUNDLE_SK_BYTES);
	return rc;
}

void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		free(b->files[i].own);
	}
	free(b->files);
	free(b);
}

uint64_t
bundle_version(const struct bundle *b)
{
	return b->version;
}

const char *
bundle_keyid(const struct bundle *b)
{
	return b->keyid;
}

const uint8_t *
bundle_hash(const struct bundle *b)
{
	return b->hash;
}

size_t
bundle_nfiles(const struct bundle *b)
{
	return b->nfiles;
}

const char *
bundle_file_path(const struct bundle *b, size_t i)
{
	return i < b->nfiles ? b->files[i].path : NULL;
}

const uint8_t *
bundle_file_data(const struct bundle *b, size_t i, size_t *len)
{
	if (i >= b->nfiles)
		return NULL;
	*len = b->files[i].len;
	return b->files[i].data;
}

static long
file_index(const struct bundle *b, const char *path)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i].path, path) == 0)
			return (long)i;
	return -1;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/*
 * A bundle carries the rule-set files and nothing else: the three top-level
 * names and rules.d/NAME.yaml as policy_load reads them.  The traversal
 * checks come first so the error says what was wrong, not just "not allowed".
 */
static enum bundle_err
path_check(const char *p, size_t n, char *err, size_t errlen)
{
	const char	*base;
	size_t		 blen;

	if (n == 0) {
		hp_errf(err, errlen, "an entry with an empty file name");
		return BUNDLE_E_PATH;
	}
	if (memchr(p, '\0', n) != NULL) {
		hp_errf(err, errlen, "a file name holds a NUL byte");
		return BUNDLE_E_PATH;
	}
	if (p[0] == '/') {
		hp_errf(err, errlen, "\"%.*s\": an absolute path", (int)n, p);
		return BUNDLE_E_PATH;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			hp_errf(err, errlen, "\"%.*s\": path traversal (..)", (int)n, p);
			return BUNDLE_E_PATH;
		}
		if (j - i == 0 || (j - i == 1 && p[i] == '.')) {
			hp_errf(err, errlen, "\"%.*s\": not a plain relative path", (int)n, p);
			return BUNDLE_E_PATH;
		}
		i = j;
	}
	if ((n == 11 && memcmp(p, "policy.yaml", 11) == 0) ||
	    (n == 15 && memcmp(p, "safesearch.yaml", 15) == 0) ||
	    (n == 8 && memcmp(p, "aup.yaml", 8) == 0))
		return BUNDLE_OK;
	if (n > 8 && memcmp(p, "rules.d/", 8) == 0) {
		base = p + 8;
		blen = n - 8;
		if (blen > 5 && memcmp(base + blen - 5, ".yaml", 5) == 0 && base[0] != '.') {
			size_t i;

			for (i = 0; i < blen && name_char((unsigned char)base[i]); i++)
				;
			if (i == blen)
				return BUNDLE_OK;
		}
	}
	hp_errf(err, errlen, "\"%.*s\": not a rule-set file (policy.yaml, safesearch.yaml, "
	    "aup.yaml or rules.d/NAME.yaml, NAME of letters, digits, '-', '_', '.')",
	    (int)(n > 80 ? 80 : n), p);
	return BUNDLE_E_PATH;
}

/* A decimal without sign or leading zero, at most max; -1 if not. */
static int
parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The line at buf[*pos] (without its '\n', at most maxlen bytes): -1 if the data ends first, -2 if it is longer. */
static int
next_line(const uint8_t *buf, size_t len, size_t *pos, size_t maxlen,
    const char **line, size_t *llen)
{
	size_t			 avail = len - *pos;
	const uint8_t		*nl;

	nl = memchr(buf + *pos, '\n', avail < maxlen + 1 ? avail : maxlen + 1);
	if (nl == NULL)
		return avail <= maxlen ? -1 : -2;
	*line = (const char *)buf + *pos;
	*llen = (size_t)(nl - (buf + *pos));
	*pos += *llen + 1;
	return 0;
}

/* Splits off the next space-separated field of line; the rest stays in line. */
static int
field(const char **line, size_t *llen, const char **f, size_t *flen)
{
	const char *sp = memchr(*line, ' ', *llen);

	if (sp == NULL)
		return -1;
	*f = *line;
	*flen = (size_t)(sp - *line);
	*llen -= *flen + 1;
	*line = sp + 1;
	return 0;
}

#define FAIL(code, ...) do { why = (code); hp_errf(err, errlen, __VA_ARGS__); goto fail; } while (0)

struct bundle *
bundle_parse(const uint8_t *buf, size_t len, size_t max, enum bundle_err *whyp,
    char *err, size_t errlen)
{
	struct bundle	*b;
	enum bundle_err	 why = BUNDLE_OK;
	const char	*line, *f;
	size_t		 pos = 0, llen, flen;
	uint64_t	 nfiles, v;
	int		 r;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		why = BUNDLE_E_NOMEM;
		hp_errf(err, errlen, "out of memory");
		goto fail;
	}
	if (len > max)
		FAIL(BUNDLE_E_OVERSIZE, "%zu bytes, more than the %zu a bundle may have",
		    len, max);
	crypto_generichash(b->hash, sizeof(b->hash), buf, len, NULL, 0);
	if (len < sizeof(BUNDLE_MAGIC) ||
	    memcmp(buf, BUNDLE_MAGIC " ", sizeof(BUNDLE_MAGIC)) != 0) {
		if (len < sizeof(BUNDLE_MAGIC) &&
		    memcmp(buf, BUNDLE_MAGIC " ", len) == 0)
			FAIL(BUNDLE_E_TRUNCATED, "truncated: %zu bytes, inside the header", len);
		FAIL(BUNDLE_E_NOT_BUNDLE, "not a hallpass bundle (no \"%s\" header)",
		    BUNDLE_MAGIC);
	}
	/* Header: magic FORMAT VERSION KEYID NFILES */
	if ((r = next_line(buf, len, &pos, BUNDLE_LINE_MAX, &line, &llen)) != 0) {
		if (r == -1)
			FAIL(BUNDLE_E_TRUNCATED, "truncated: %zu bytes, inside the header", len);
		FAIL(BUNDLE_E_MALFORMED, "the header line is too long");
	}
	line += sizeof(BUNDLE_MAGIC);
	llen -= sizeof(BUNDLE_MAGIC);
	if (field(&line, &llen, &f, &flen) != 0)
		FAIL(BUNDLE_E_MALFORMED, "the header has no format version");
	if (parse_dec(f, flen, UINT32_MAX, &v) != 0 || v != BUNDLE_FORMAT)
		FAIL(BUNDLE_E_FORMAT, "bundle format \"%.*s\", this hallpass reads format %d "
		    "only", (int)(flen > 20 ? 20 : flen), f, BUNDLE_FORMAT);
	if (field(&line, &llen, &f, &flen) != 0 ||
	    parse_dec(f, flen, INT64_MAX, &b->version) != 0 || b->version == 0)
		FAIL(BUNDLE_E_MALFORMED, "the header's bundle version is not a number from "
		    "1 to %lld", (long long)INT64_MAX);
	if (field(&line, &llen, &f, &flen) != 0 || flen != BUNDLE_KEYID_LEN)
		FAIL(BUNDLE_E_MALFORMED, "the header's key id is not %d hex digits",
		    BUNDLE_KEYID_LEN);
	for (size_t i = 0; i < flen; i++)
		if (!((f[i] >= '0' && f[i] <= '9') || (f[i] >= 'a' && f[i] <= 'f')))
			FAIL(BUNDLE_E_MALFORMED, "the header's key id is not lowercase hex");
	memcpy(b->keyid, f, flen);
	if (parse_dec(line, llen, BUNDLE_MAX_FILES, &nfiles) != 0 || nfiles == 0)
		FAIL(BUNDLE_E_MALFORMED, "the header's file count is not a number from 1 "
		    "to %d", BUNDLE_MAX_FILES);
	if ((b->files = calloc((size_t)nfiles, sizeof(*b->files))) == NULL)
		FAIL(BUNDLE_E_NOMEM, "out of memory");
	for (size_t i = 0; i < nfiles; i++) {
		struct bundle_file	*bf = &b->files[i];
		uint64_t		 size;

		/* Entry: "file SIZE PATH\n", SIZE bytes, "\n" */
		if ((r = next_line(buf, len, &pos, BUNDLE_LINE_MAX, &line, &llen)) != 0) {
			if (r == -1)
				FAIL(BUNDLE_E_TRUNCATED, "truncated: %zu bytes, inside entry "
				    "%zu of %llu", len, i + 1, (unsigned long long)nfiles);
			FAIL(BUNDLE_E_MALFORMED, "entry %zu: the line is too long", i + 1);
		}
		if (field(&line, &llen, &f, &flen) != 0 || flen != 4 ||
		    memcmp(f, "file", 4) != 0)
			FAIL(BUNDLE_E_MALFORMED, "entry %zu does not start with \"file\"", i + 1);
		if (field(&line, &llen, &f, &flen) != 0 ||
		    parse_dec(f, flen, max, &size) != 0)
			FAIL(BUNDLE_E_MALFORMED, "entry %zu: the size is not a number", i + 1);
		if (llen > BUNDLE_PATH_MAX)
			FAIL(BUNDLE_E_PATH, "entry %zu: a file name longer than %d bytes",
			    i + 1, BUNDLE_PATH_MAX);
		if ((why = path_check(line, llen, err, errlen)) != BUNDLE_OK)
			goto fail;
		if ((bf->path = strndup(line, llen)) == NULL)
			FAIL(BUNDLE_E_NOMEM, "out of memory");
		b->nfiles++;
		if (i > 0) {
			int c = strcmp(b->files[i - 1].path, bf->path);

			if (c == 0)
				FAIL(BUNDLE_E_DUPLICATE, "duplicate entry \"%s\"", bf->path);
			if (c > 0)
				FAIL(BUNDLE_E_ORDER, "entry \"%s\" comes after \"%s\": entries "
				    "are in byte order of their names", bf->path,
				    b->files[i - 1].path);
		}
		if (size > len - pos || len - pos - size < 1)
			FAIL(BUNDLE_E_TRUNCATED, "truncated: %zu bytes, inside \"%s\" (%llu "
			    "bytes)", len, bf->path, (unsigned long long)size);
		bf->data = buf + pos;
		bf->len = (size_t)size;
		pos += (size_t)size;
		if (buf[pos] != '\n')
			FAIL(BUNDLE_E_MALFORMED, "\"%s\" is not followed by a newline: its "
			    "size is wrong", bf->path);
		pos++;
	}
	if (pos == len)
		FAIL(BUNDLE_E_UNSIGNED, "not signed: it ends where its signature line "
		    "should start (unsigned or truncated)");
	if (len - pos < BUNDLE_SIGLINE) {
		if (memcmp(buf + pos, BUNDLE_SIGTAG, len - pos < sizeof(BUNDLE_SIGTAG) - 1 ?
		    len - pos : sizeof(BUNDLE_SIGTAG) - 1) == 0)
			FAIL(BUNDLE_E_TRUNCATED, "truncated: %zu bytes, inside the signature "
			    "line", len);
		FAIL(BUNDLE_E_MALFORMED, "what follows the last entry is not a signature line");
	}
	if (memcmp(buf + pos, BUNDLE_SIGTAG, sizeof(BUNDLE_SIGTAG) - 1) != 0)
		FAIL(BUNDLE_E_MALFORMED, "what follows the last entry is not a signature line");
	for (size_t i = pos + sizeof(BUNDLE_SIGTAG) - 1; i < pos + BUNDLE_SIGLINE - 1; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
			FAIL(BUNDLE_E_MALFORMED, "the signature is not %u lowercase hex digits",
			    2 * crypto_sign_BYTES);
	if (buf[pos + BUNDLE_SIGLINE - 1] != '\n')
		FAIL(BUNDLE_E_MALFORMED, "the signature line does not end after the signature");
	if (len - pos > BUNDLE_SIGLINE)
		FAIL(BUNDLE_E_TRAILING, "%zu bytes of trailing garbage after the signature",
		    len - pos - BUNDLE_SIGLINE);
	if (file_index(b, "policy.yaml") < 0)
		FAIL(BUNDLE_E_MISSING, "no policy.yaml: a bundle carries a whole rule set");
	if (whyp != NULL)
		*whyp = BUNDLE_OK;
	return b;
 fail:
	if (whyp != NULL)
		*whyp = why;
	bundle_free(b);
	return NULL;
}

struct bundle *
bundle_open(const uint8_t *buf, size_t len, size_t max,
    const uint8_t pk[BUNDLE_PK_BYTES], enum bundle_err *whyp, char *err,
    size_t errlen)
{
	struct bundle	*b;
	enum bundle_err	 why;
	char		 id[BUNDLE_KEYID_LEN + 1];
	uint8_t		 sig[crypto_sign_BYTES];
	size_t		 signed_len, binlen = 0;

	if (bundle_sodium(err, errlen) != 0) {
		if (whyp != NULL)
			*whyp = BUNDLE_E_NOMEM;
		return NULL;
	}
	if ((b = bundle_parse(buf, len, max, &why, err, errlen)) == NULL) {
		if (whyp != NULL)
			*whyp = why;
		return NULL;
	}
	bundle_key_id(pk, id);
	if (strcmp(id, b->keyid) != 0) {
		why = BUNDLE_E_OTHER_KEY;
		hp_errf(err, errlen, "signed by another key (key id %s, expected %s)",
		    b->keyid, id);
		goto fail;
	}
	/* bundle_parse found the fixed-size signature line at the very end. */
	signed_len = len - BUNDLE_SIGLINE;
	if (sodium_hex2bin(sig, sizeof(sig), (const char *)buf + signed_len +
	    sizeof(BUNDLE_SIGTAG) - 1, 2 * crypto_sign_BYTES, NULL, &binlen, NULL) != 0 ||
	    binlen != sizeof(sig) ||
	    crypto_sign_verify_detached(sig, buf, signed_len, pk) != 0) {
		why = BUNDLE_E_SIGNATURE;
		hp_errf(err, errlen, "bad signature: the bundle was changed after key "
		    "%s signed it", id);
		goto fail;
	}
	if (whyp != NULL)
		*whyp = BUNDLE_OK;
	return b;
 fail:
	if (whyp != NULL)
		*whyp = why;
	bundle_free(b);
	return NULL;
}

int
bundle_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "rbe")) == NULL) {
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		hp_errf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	if ((uintmax_t)st.st_size > max) {
		hp_errf(err, errlen, "%s: larger than %zu bytes", path, max);
		fclose(f);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		hp_errf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		hp_errf(err, errlen, "%s: changed while being read", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = buf;
	*outlen = n;
	return 0;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The relative names of dir's rule-set files, sorted; *n of them. */
static char **
dir_names(const char *dir, size_t *n, char *err, size_t errlen)
{
	static const char *const top[] = { "aup.yaml", "policy.yaml", "safesearch.yaml" };
	char		**names = NULL, *rdir = NULL, *path = NULL;
	size_t		  cnt = 0, cap = 0;
	DIR		 *d = NULL;
	struct dirent	 *de;

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		if (asprintf(&path, "%s/%s", dir, top[i]) < 0)
			goto nomem;
		if (access(path, F_OK) == 0) {
			if (cnt == cap) {
				char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

				if (nn == NULL)
					goto nomem;
				names = nn;
			}
			if ((names[cnt] = strdup(top[i])) == NULL)
				goto nomem;
			cnt++;
		}
		free(path);
		path = NULL;
	}
	if (asprintf(&rdir, "%s/rules.d", dir) < 0)
		goto nomem;
	if ((d = opendir(rdir)) == NULL) {
		hp_errf(err, errlen, "%s: %s", rdir, strerror(errno));
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		/* The files policy_load reads (policy_rules.c's rules_select). */
		if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".yaml") != 0)
			continue;
		if (cnt == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (nn == NULL)
				goto nomem;
			names = nn;
		}
		if (asprintf(&names[cnt], "rules.d/%s", de->d_name) < 0)
			goto nomem;
		cnt++;
		if (cnt > BUNDLE_MAX_FILES) {
			hp_errf(err, errlen, "%s: more than %d files", rdir, BUNDLE_MAX_FILES);
			goto fail;
		}
	}
	closedir(d);
	free(rdir);
	if (cnt > 0)
		qsort(names, cnt, sizeof(*names), path_cmp);
	*n = cnt;
	return names;
 nomem:
	hp_errf(err, errlen, "out of memory");
 fail:
	if (d != NULL)
		closedir(d);
	free(rdir);
	free(path);
	for (size_t i = 0; i < cnt; i++)
		free(names[i]);
	free(names);
	return NULL;
}

struct bundle *
bundle_from_dir(const char *dir, uint64_t version, char *err, size_t errlen)
{
	struct bundle	*b;
	char		**names, *path = NULL;
	size_t		  n = 0, total = 0;

	if (version == 0 || version > INT64_MAX) {
		hp_errf(err, errlen, "the bundle version must be from 1 to %lld",
		    (long long)INT64_MAX);
		return NULL;
	}
	if ((names = dir_names(dir, &n, err, errlen)) == NULL)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->files = calloc(n + 1, sizeof(*b->files))) == NULL) {
		hp_errf(err, errlen, "out of memory");
		goto fail;
	}
	b->version = version;
	for (size_t i = 0; i < n; i++) {
		struct bundle_file *bf = &b->files[i];

		bf->path = names[i];
		names[i] = NULL;
		b->nfiles++;
		if (path_check(bf->path, strlen(bf->path), err, errlen) != BUNDLE_OK)
			goto fail;
		if (asprintf(&path, "%s/%s", dir, bf->path) < 0) {
			path = NULL;
			hp_errf(err, errlen, "out of memory");
			goto fail;
		}
		if (bundle_read_file(path, BUNDLE_MAX_BYTES - total, &bf->own, &bf->len, err,
		    errlen) != 0)
			goto fail;
		bf->data = bf->own;
		total += bf->len;
		free(path);
		path = NULL;
	}
	if (file_index(b, "policy.yaml") < 0) {
		hp_errf(err, errlen, "%s/policy.yaml: %s", dir, strerror(ENOENT));
		goto fail;
	}
	free(names);
	return b;
 fail:
	free(path);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	bundle_free(b);
	return NULL;
}

int
bundle_sign(const struct bundle *b, const uint8_t sk[BUNDLE_SK_BYTES], uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	uint8_t		 pk[BUNDLE_PK_BYTES], sig[crypto_sign_BYTES];
	char		 id[BUNDLE_KEYID_LEN + 1], hex[2 * crypto_sign_BYTES + 1];
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 rc = -1;

	if (bundle_sodium(err, errlen) != 0)
		return -1;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	bundle_key_id(pk, id);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	fprintf(f, "%s %d %llu %s %zu\n", BUNDLE_MAGIC, BUNDLE_FORMAT,
	    (unsigned long long)b->version, id, b->nfiles);
	for (size_t i = 0; i < b->nfiles; i++) {
		fprintf(f, "file %zu %s\n", b->files[i].len, b->files[i].path);
		if (b->files[i].len > 0)
			fwrite(b->files[i].data, 1, b->files[i].len, f);
		fputc('\n', f);
	}
	if (ferror(f) || fflush(f) != 0) {
		hp_errf(err, errlen, "out of memory");
		goto out;
	}
	crypto_sign_detached(sig, NULL, (const uint8_t *)buf, len, sk);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	fprintf(f, "%s%s\n", BUNDLE_SIGTAG, hex);
	if (ferror(f) || fflush(f) != 0) {
		hp_errf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
 out:
	fclose(f);
	if (rc == 0) {
		*out = (uint8_t *)buf;
		*outlen = len;
	} else
		free(buf);
	return rc;
}

/* Creates dirfd/name exclusively and writes len bytes. */
static int
write_at(int dirfd, const char *name, const uint8_t *data, size_t len)
{
	int	fd;
	size_t	off = 0;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
bundle_unpack(const struct bundle *b, const char *dir, char *err, size_t errlen)
{
	int dfd, rc = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		hp_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (mkdirat(dfd, "rules.d", 0755) != 0) {
		hp_errf(err, errlen, "%s/rules.d: %s", dir, strerror(errno));
		goto out;
	}
	/* Every name passed path_check: one level at most, under rules.d/. */
	for (size_t i = 0; i < b->nfiles; i++)
		if (path_check(b->files[i].path, strlen(b->files[i].path), NULL, 0) !=
		    BUNDLE_OK || write_at(dfd, b->files[i].path, b->files[i].data,
		    b->files[i].len) != 0) {
			hp_errf(err, errlen, "%s/%s: %s", dir, b->files[i].path,
			    strerror(errno));
			goto out;
		}
	rc = fsync(dfd);
 out:
	close(dfd);
	return rc;
}

static int
rmtree_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int
bundle_rmtree(const char *dir)
{
	return nftw(dir, rmtree_one, 8, FTW_DEPTH | FTW_PHYS);
}

struct policy *
bundle_load_rules(const char *dir, struct diag *d)
{
	struct policy	*p;
	struct aup	*a;

	p = policy_load(dir, d);
	a = aup_load(dir, d);
	if (a == NULL || diag_count(d) > 0) {
		if (diag_count(d) == 0)
			diag_add(d, dir, 0, 0, "out of memory");
		policy_unref(p);
		p = NULL;
	}
	aup_free(a);
	return p;
}

void
bundle_diag_relabel(struct diag *d, const char *dir, const char *label)
{
	size_t dl = strlen(dir);

	for (size_t i = 0; i < d->n; i++) {
		char *m = d->msgs[i], *n = NULL;

		if (strncmp(m, dir, dl) != 0 || m[dl] != '/')
			continue;
		if (asprintf(&n, "%s:%s", label, m + dl + 1) < 0)
			continue;
		free(m);
		d->msgs[i] = n;
	}
}

int
bundle_check(const struct bundle *b, const char *parent, const char *label,
    struct diag *d)
{
	struct policy	*p;
	char		*stage = NULL, err[512];
	int		 rc = -1;

	if (asprintf(&stage, "%s/hallpass-bundle.XXXXXX", parent) < 0) {
		diag_add(d, label, 0, 0, "out of memory");
		return -1;
	}
	if (mkdtemp(stage) == NULL) {
		diag_add(d, label, 0, 0, "%s: %s", stage, strerror(errno));
		free(stage);
		return -1;
	}
	if (bundle_unpack(b, stage, err, sizeof(err)) != 0)
		diag_add(d, label, 0, 0, "unpacking: %s", err);
	else if ((p = bundle_load_rules(stage, d)) != NULL) {
		policy_unref(p);
		rc = 0;
	}
	bundle_diag_relabel(d, stage, label);
	(void)bundle_rmtree(stage);
	free(stage);
	return rc;
}
