/* auth: every secret comes from libsodium and is stored only as a hash; comparisons are constant-time. */
#include "auth.h"

#include <sys/file.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "hp_err.h"

/* Unambiguous on paper and on a phone: no 0/O, 1/I. 32 symbols, 5 bits each: 80 bits per code. */
static const char dash_code_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

int
auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int
auth_pw_acceptable(const char *pw)
{
	size_t	 n = pw ? strlen(pw) : 0;

	return n >= AUTH_PW_MIN && n <= AUTH_PW_MAX ? 0 : -1;
}

int
auth_pw_hash(const char *pw, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES || pw == NULL)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

int
auth_pw_verify(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL)
		return -1;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : -1;
}

void
auth_hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

int
auth_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t	 got = 0;

	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, s, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

void
auth_invite_new(char code[AUTH_INVITE_BUF], uint8_t hash[STORE_HASH_LEN])
{
	size_t	 o = 0;

	for (int i = 0; i < AUTH_INVITE_LEN; i++) {
		if (i > 0 && i % 4 == 0)
			code[o++] = '-';
		code[o++] = dash_code_alphabet[randombytes_uniform(
		    sizeof(dash_code_alphabet) - 1)];
	}
	code[o] = '\0';
	(void)auth_invite_hash(code, hash);
}

int
auth_invite_hash(const char *typed, uint8_t hash[STORE_HASH_LEN])
{
	char	 norm[AUTH_INVITE_LEN + 1];
	size_t	 n = 0;

	for (; typed != NULL && *typed != '\0'; typed++) {
		int	 c = toupper((unsigned char)*typed);

		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (n == AUTH_INVITE_LEN || strchr(dash_code_alphabet, c) == NULL ||
		    c == '\0')
			return -1;
		norm[n++] = (char)c;
	}
	if (n != AUTH_INVITE_LEN)
		return -1;
	norm[n] = '\0';
	crypto_generichash(hash, STORE_HASH_LEN, (const unsigned char *)norm, n,
	    NULL, 0);
	sodium_memzero(norm, sizeof(norm));
	return 0;
}

int
auth_login_norm(const char *typed, char out[AUTH_LOGIN_MAX])
{
	size_t	 n, o = 0, nd = 0;
	int	 letters = 0, phone = 1, user = 1;

	if (typed == NULL)
		return -1;
	/* Surrounding spaces are what a phone keyboard adds; they never count. */
	while (*typed == ' ' || *typed == '\t')
		typed++;
	n = strlen(typed);
	while (n > 0 && (typed[n - 1] == ' ' || typed[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= 64 + 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)typed[i];

		if (c >= '0' && c <= '9')
			nd++;
		else if (isalpha(c) && c < 0x80)
			letters++;
		if (!(isdigit(c) || c == ' ' || c == '-' || c == '(' || c == ')' ||
		    c == '.' || (c == '+' && i == 0)))
			phone = 0;
		if (!(isalnum(c) && c < 0x80) && c != '.' && c != '_' && c != '-')
			user = 0;
	}
	if (phone && nd >= 7 && nd <= 15) {
		for (size_t i = 0; i < n; i++)
			if (isdigit((unsigned char)typed[i]))
				out[o++] = typed[i];
		out[o] = '\0';
		return AUTH_LOGIN_PHONE;
	}
	if (!user || letters == 0 || n < 3 || n > 64 ||
	    !isalnum((unsigned char)typed[0]))
		return -1;
	for (size_t i = 0; i < n; i++)
		out[o++] = (char)tolower((unsigned char)typed[i]);
	out[o] = '\0';
	return AUTH_LOGIN_USER;
}

int
auth_session_new(struct store *st, const char *guardian_id, const char *lang,
    int64_t now_ms, char token_hex[AUTH_TOKEN_HEX], char *err, size_t errlen)
{
	uint8_t	 tok[32], hash[STORE_HASH_LEN], csrf[STORE_CSRF_LEN];
	int	 rc;

	randombytes_buf(tok, sizeof(tok));
	randombytes_buf(csrf, sizeof(csrf));
	crypto_generichash(hash, sizeof(hash), tok, sizeof(tok), NULL, 0);
	rc = store_session_create(st, hash, guardian_id, csrf, now_ms,
	    now_ms + AUTH_ABSOLUTE_MS, lang, err, errlen);
	if (rc == 0)
		auth_hex(tok, sizeof(tok), token_hex);
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

int
auth_session_load(struct store *st, const char *token_hex, int64_t now_ms,
    struct store_session *out, uint8_t hash[STORE_HASH_LEN], char *err,
    size_t errlen)
{
	uint8_t	 tok[32];
	int	 rc;

	if (auth_unhex(token_hex, tok, sizeof(tok)) == -1)
		return 1;
	crypto_generichash(hash, STORE_HASH_LEN, tok, sizeof(tok), NULL, 0);
	sodium_memzero(tok, sizeof(tok));
	if ((rc = store_session_get(st, hash, now_ms, AUTH_IDLE_MS, out, err,
	    errlen)) != 0)
		return rc;
	return store_session_touch(st, hash, now_ms, err, errlen) == -1 ? -1 : 0;
}

int
auth_csrf_ok(const struct store_session *s, const char *submitted)
{
	uint8_t	 got[STORE_CSRF_LEN];

	if (s == NULL || auth_unhex(submitted, got, sizeof(got)) == -1)
		return 0;
	return sodium_memcmp(got, s->csrf, sizeof(got)) == 0;
}



/* Made once with auth_pw_hash's parameters; test_cgi_dash checks they still match. */
_Static_assert(crypto_pwhash_STRBYTES == 128, "auth.h declares auth_pw_dummy[128]");
const char auth_pw_dummy[128] =
    "$argon2id$v=19$m=65536,t=2,p=1$KhL3+QknNJPismlNykOzkg$"
    "92/fdsh01FpoDPVEK/Qx3+4OuWWmykPTcw/v3t/MAHQ";

int
auth_pw_check(const char *hash, const char *pw)
{
	if (hash == NULL) {
		(void)auth_pw_verify(auth_pw_dummy, pw != NULL ? pw : "");
		return -1;
	}
	return auth_pw_verify(hash, pw);
}

void
auth_client_net(const char *addr, char *out, size_t outlen)
{
	struct in6_addr	a6;
	char		buf[INET6_ADDRSTRLEN];

	if (addr != NULL && strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, &a6) == 1) {
		/* One household or phone gets a whole /64: the host half says nothing. */
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != NULL) {
			snprintf(out, outlen, "%s/64", buf);
			return;
		}
	}
	snprintf(out, outlen, "%s", addr != NULL ? addr : "-");
}


int
auth_attempt(struct store *st, const char *acct, const char *addr, int64_t now_ms,
    int64_t *retry_ms, char *err, size_t errlen)
{
	char	net[80], knet[100], kpair[200], kacct[120];
	int	rc;

	/*
	 * Each key's attempt is recorded as it is allowed, so parallel requests see
	 * each other; one a later key refuses is taken back from the earlier keys
	 * (a refused request costs nothing and must not lengthen the delays).
	 */
	auth_client_net(addr, net, sizeof(net));
	snprintf(knet, sizeof(knet), "net:%s", net);
	if ((rc = store_attempt(st, knet, now_ms, now_ms - AUTH_WINDOW_MS, AUTH_THROTTLE_ADDR,
	    AUTH_DELAY_BASE_MS, AUTH_DELAY_MAX_MS, 1, retry_ms, err, errlen)) != 0 ||
	    acct == NULL)
		return rc;
	snprintf(kpair, sizeof(kpair), "acct:%.100s|net:%s", acct, net);
	if ((rc = store_attempt(st, kpair, now_ms, now_ms - AUTH_WINDOW_MS, AUTH_THROTTLE_ACCT,
	    AUTH_DELAY_BASE_MS, AUTH_DELAY_MAX_MS, 1, retry_ms, err, errlen)) != 0)
		goto undo_net;
	snprintf(kacct, sizeof(kacct), "acct:%.100s", acct);
	if ((rc = store_attempt(st, kacct, now_ms, now_ms - AUTH_WINDOW_MS,
	    AUTH_THROTTLE_ACCT_ALL, AUTH_DELAY_BASE_MS, AUTH_DELAY_MAX_MS, 1, retry_ms, err,
	    errlen)) == 0)
		return 0;
	if (store_attempt_undo(st, kpair, now_ms, NULL, 0) == -1)
		rc = -1;
undo_net:
	if (store_attempt_undo(st, knet, now_ms, NULL, 0) == -1)
		rc = -1;
	return rc;
}

int
auth_attempt_ok(struct store *st, const char *acct, const char *addr, int64_t now_ms,
    char *err, size_t errlen)
{
	char	net[80], key[200];

	auth_client_net(addr, net, sizeof(net));
	snprintf(key, sizeof(key), "net:%s", net);
	if (store_attempt_undo(st, key, now_ms, err, errlen) == -1)
		return -1;
	if (acct == NULL)
		return 0;
	snprintf(key, sizeof(key), "acct:%.100s|net:%s", acct, net);
	if (store_failure_clear(st, key, err, errlen) == -1)
		return -1;
	snprintf(key, sizeof(key), "acct:%.100s", acct);
	return store_failure_clear(st, key, err, errlen);
}

static int
auth_slot_open(const char *dir, int i, char *err, size_t errlen)
{
	char	path[4096];
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/argon2-%d.lock", dir, i) >= sizeof(path)) {
		hp_errf(err, errlen, "%s: path too long for a lock file", dir);
		return -1;
	}
	/* Read-only is enough for flock: a web server that may not create it can still use it. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		hp_errf(err, errlen, "%s: %s (the argon2 slots)", path, strerror(errno));
		return -1;
	}
	return fd;
}

int
auth_slot_take(const char *dir, int nslots, int wait, int *fd, char *err, size_t errlen)
{
	int	i, f;

	*fd = -1;
	if (dir == NULL || *dir == '\0' || nslots < 1) {
		hp_errf(err, errlen, "auth_slot_take: no directory or no slots");
		return -1;
	}
	for (i = 0; i < nslots; i++) {
		if ((f = auth_slot_open(dir, i, err, errlen)) == -1)
			return -1;
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			*fd = f;
			return 0;
		}
		close(f);
		if (errno != EWOULDBLOCK) {
			hp_errf(err, errlen, "%s: flock: %s (the argon2 slots)", dir, strerror(errno));
			return -1;
		}
	}
	if (!wait)
		return 1;
	/* All busy: queue on one, spread by pid so waiters do not all pile on the first. */
	if ((f = auth_slot_open(dir, (int)(getpid() % nslots), err, errlen)) == -1)
		return -1;
	while (flock(f, LOCK_EX) == -1) {
		if (errno != EINTR) {
			hp_errf(err, errlen, "%s: flock: %s (the argon2 slots)", dir, strerror(errno));
			close(f);
			return -1;
		}
	}
	*fd = f;
	return 0;
}

void
auth_slot_give(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the only descriptor drops the flock */
}
