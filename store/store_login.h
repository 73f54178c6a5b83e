/* store_login: the sign-in names and languages guardians choose at enrolment (families without e-mail), and a look at an invite before it is spent. */
#ifndef HALLPASS_STORE_LOGIN_H
#define HALLPASS_STORE_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Conventions as in store.h.  A login is already canonical (auth_login_norm:
 * a lower-case username or a phone number's digits); lang is a BCP 47 tag.
 */

/*
 * Records guardian's sign-in name and language; NULL keeps what was there.
 * 0 done; 1 login is another guardian's (nothing changed); -1 error.
 */
int	store_login_set(struct store *, const char *guardian_id, const char *login,
	    const char *lang, int64_t now_ms, char *err, size_t errlen);
/* The guardian signing in as login: 0 found (guardian_out set), 1 none, -1 error. */
int	store_login_find(struct store *, const char *login, char *guardian_out,
	    size_t outlen, char *err, size_t errlen);
/*
 * What guardian chose: 0 (login and lang set, "" for what is unset; either
 * buffer may be NULL), 1 nothing recorded, -1 error.
 */
int	store_login_get(struct store *, const char *guardian_id, char *login,
	    size_t loginlen, char *lang, size_t langlen, char *err, size_t errlen);
/*
 * The guardian of a usable invite (unused, expires after now_ms) without
 * spending it, so a form can be checked before the code is used up:
 * 0 usable (guardian_out set), 1 not (unknown, used or expired), -1 error.
 */
int	store_invite_peek(struct store *, const uint8_t code_hash[32],
	    int64_t now_ms, char *guardian_out, size_t outlen, char *err,
	    size_t errlen);

#endif
