/* auth_unsub: the unsubscribe links in guardians' e-mail — a guardian id signed with libsodium's crypto_auth under a key file. */
#ifndef HALLPASS_AUTH_UNSUB_H
#define HALLPASS_AUTH_UNSUB_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_UNSUB_KEYLEN	32	/* crypto_auth_KEYBYTES */
#define AUTH_UNSUB_TOKEN_MAX	256	/* room for any token of a 128-byte id */

/*
 * Reads the key (64 hex digits on the first line) from path.  With create,
 * a missing file is made first (a fresh random key, mode 0600, never over an
 * existing file).  -1 and why in err; the key is then zeroed.
 */
int	auth_unsub_key_load(const char *path, int create,
	    uint8_t key[AUTH_UNSUB_KEYLEN], char *err, size_t errlen);

/*
 * The token for guardian_id: base64url(id) "." base64url(MAC), URL-safe as
 * it stands.  It does not expire: an unsubscribe link must work in a
 * message read months later.  -1 when out is too small or the id too long.
 */
int	auth_unsub_token(const uint8_t key[AUTH_UNSUB_KEYLEN], const char *guardian_id,
	    char *out, size_t outlen);

/* 0 and the guardian id in gid (NUL-terminated) when token is genuine, else -1. */
int	auth_unsub_verify(const uint8_t key[AUTH_UNSUB_KEYLEN], const char *token,
	    char *gid, size_t gidlen);

#endif
