/* auth_unsub: signs and checks the unsubscribe tokens of guardians' e-mail (libsodium crypto_auth, HMAC-SHA512-256). */
#include "auth_unsub.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hp_err.h"

_Static_assert(AUTH_UNSUB_KEYLEN == crypto_auth_KEYBYTES, "crypto_auth key size");

/* What is signed: a purpose, so a MAC made for anything else never passes here. */
#define UNSUB_PURPOSE	"hallpass-unsubscribe-v1:"
#define UNSUB_ID_MAX	128

/* crypto_auth over the purpose and the id; the id is at most UNSUB_ID_MAX bytes. */
static void
unsub_msg(const char *gid, unsigned char *msg, size_t *len)
{
	size_t	 p = strlen(UNSUB_PURPOSE), n = strlen(gid);

	memcpy(msg, UNSUB_PURPOSE, p);
	memcpy(msg + p, gid, n);
	*len = p + n;
}

static int
unsub_key_create(const char *path, char *err, size_t errlen)
{
	uint8_t	 key[AUTH_UNSUB_KEYLEN];
	char	 hex[2 * AUTH_UNSUB_KEYLEN + 2];
	int	 fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1) {
		if (errno == EEXIST)
			return 0;	/* another run made it first: read theirs */
		hp_errf(err, errlen, "%s: cannot create the mail key: %s", path,
		    strerror(errno));
		return -1;
	}
	crypto_auth_keygen(key);
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	hex[2 * AUTH_UNSUB_KEYLEN] = '\n';
	if (write(fd, hex, 2 * AUTH_UNSUB_KEYLEN + 1) != 2 * AUTH_UNSUB_KEYLEN + 1 ||
	    fsync(fd) != 0) {
		hp_errf(err, errlen, "%s: cannot write the mail key: %s", path,
		    strerror(errno));
		rc = -1;
	}
	close(fd);
	if (rc != 0)
		unlink(path);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int
auth_unsub_key_load(const char *path, int create, uint8_t key[AUTH_UNSUB_KEYLEN],
    char *err, size_t errlen)
{
	char	 buf[2 * AUTH_UNSUB_KEYLEN + 8];
	size_t	 n, bin = 0;
	FILE	*f;

	sodium_memzero(key, AUTH_UNSUB_KEYLEN);
	if (path == NULL || *path == '\0') {
		hp_errf(err, errlen, "no mail_key file is set");
		return -1;
	}
	if (create && unsub_key_create(path, err, errlen) == -1)
		return -1;
	if ((f = fopen(path, "re")) == NULL) {
		hp_errf(err, errlen, "%s: cannot read the mail key: %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) != 2 * AUTH_UNSUB_KEYLEN ||
	    sodium_hex2bin(key, AUTH_UNSUB_KEYLEN, buf, strlen(buf), NULL, &bin,
	    NULL) != 0 || bin != AUTH_UNSUB_KEYLEN) {
		sodium_memzero(buf, sizeof(buf));
		sodium_memzero(key, AUTH_UNSUB_KEYLEN);
		hp_errf(err, errlen, "%s:1: the mail key must be %d hex digits",
		    path, 2 * AUTH_UNSUB_KEYLEN);
		return -1;
	}
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int
auth_unsub_token(const uint8_t key[AUTH_UNSUB_KEYLEN], const char *gid, char *out,
    size_t outlen)
{
	const int	 v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	uint8_t		 mac[crypto_auth_BYTES];
	unsigned char	 msg[sizeof(UNSUB_PURPOSE) + UNSUB_ID_MAX];
	size_t		 idlen = gid != NULL ? strlen(gid) : 0, o, mlen;

	if (idlen == 0 || idlen > UNSUB_ID_MAX ||
	    outlen < sodium_base64_ENCODED_LEN(idlen, v) +
	    sodium_base64_ENCODED_LEN(sizeof(mac), v))
		return -1;
	unsub_msg(gid, msg, &mlen);
	crypto_auth(mac, msg, mlen, key);
	sodium_bin2base64(out, outlen, (const unsigned char *)gid, idlen, v);
	o = strlen(out);
	out[o++] = '.';
	sodium_bin2base64(out + o, outlen - o, mac, sizeof(mac), v);
	return 0;
}

int
auth_unsub_verify(const uint8_t key[AUTH_UNSUB_KEYLEN], const char *token, char *gid,
    size_t gidlen)
{
	const int	 v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	uint8_t		 mac[crypto_auth_BYTES];
	unsigned char	 msg[sizeof(UNSUB_PURPOSE) + UNSUB_ID_MAX];
	char		 id[UNSUB_ID_MAX + 1];
	const char	*dot, *end;
	size_t		 n = 0, m = 0, mlen;

	if (token == NULL || strlen(token) >= AUTH_UNSUB_TOKEN_MAX ||
	    (dot = strchr(token, '.')) == NULL || dot == token)
		return -1;
	if (sodium_base642bin((unsigned char *)id, sizeof(id) - 1, token,
	    (size_t)(dot - token), NULL, &n, &end, v) != 0 || end != dot || n == 0 ||
	    memchr(id, '\0', n) != NULL)
		return -1;
	id[n] = '\0';
	if (sodium_base642bin(mac, sizeof(mac), dot + 1, strlen(dot + 1), NULL, &m,
	    &end, v) != 0 || *end != '\0' || m != sizeof(mac))
		return -1;
	unsub_msg(id, msg, &mlen);
	/* crypto_auth_verify compares in constant time. */
	if (crypto_auth_verify(mac, msg, mlen, key) != 0 || n + 1 > gidlen)
		return -1;
	memcpy(gid, id, n + 1);
	return 0;
}
