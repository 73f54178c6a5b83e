/* auth: guardian authentication — argon2id passwords, invite codes, hashed session tokens, CSRF tokens, login throttling. */
#ifndef HALLPASS_AUTH_H
#define HALLPASS_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "store_dash.h"

#define AUTH_IDLE_MS		(30LL * 60 * 1000)	/* a session unused for 30 min ends */
#define AUTH_ABSOLUTE_MS	(12LL * 3600 * 1000)	/* and any session after 12 h */
#define AUTH_THROTTLE_ACCT	5	/* per account: guessing one parent's password */
#define AUTH_THROTTLE_ADDR	20	/* per network: spraying many accounts or codes */
#define AUTH_THROTTLE_ACCT_ALL	50	/* per account from anywhere: distributed guessing */
/*
 * After the free attempts: 30 s, then twice as long each time, at most 15 min.
 * Long enough that a burst of parallel guesses meets the delay, not its end.
 */
#define AUTH_DELAY_BASE_MS	(30LL * 1000)
#define AUTH_DELAY_MAX_MS	(15LL * 60 * 1000)
/* argon2id computations at once on one host (64 MiB each): the rest wait their turn. */
#define AUTH_ARGON2_MAX		2
#define AUTH_PW_MIN		10	/* characters; long beats clever */
#define AUTH_PW_MAX		256
#define AUTH_TOKEN_HEX		(2 * 32 + 1)
#define AUTH_INVITE_DAYS	14
#define AUTH_INVITE_LEN		16	/* code characters, shown as 4 groups of 4 */
#define AUTH_INVITE_BUF		(AUTH_INVITE_LEN + 4)

/* sodium_init; -1 when the library cannot start (no entropy source). */
int	auth_init(void);
/* argon2id (crypto_pwhash_str, interactive limits) into out[STORE_PWHASH_MAX]. */
int	auth_pw_hash(const char *pw, char *out, size_t outlen);
/* 0 when pw matches hash. */
int	auth_pw_verify(const char *hash, const char *pw);
/* A password policy check: 0 acceptable, else -1 (length outside AUTH_PW_MIN..AUTH_PW_MAX). */
int	auth_pw_acceptable(const char *pw);

void	auth_hex(const uint8_t *, size_t, char *out);
/* Exactly 2*n lowercase or uppercase hex digits into out[n]; 0 or -1. */
int	auth_unhex(const char *, uint8_t *out, size_t n);

/* A new invite code "ABCD-EFGH-JKLM-NPQR" (no 0/O/1/I) and its hash. */
void	auth_invite_new(char code[AUTH_INVITE_BUF], uint8_t hash[STORE_HASH_LEN]);
/* Hash of a code as typed: case, spaces and dashes do not matter. -1 if it cannot be a code. */
int	auth_invite_hash(const char *typed, uint8_t hash[STORE_HASH_LEN]);

/*
 * A sign-in name a guardian chose at enrolment, as typed, made canonical in
 * out (AUTH_LOGIN_MAX): a phone number ("+1 (555) 010-0100": 7-15 digits and
 * + - ( ) . or spaces) becomes its digits only, so any way of writing it
 * matches; a username (3-64 letters, digits, '.', '_' or '-', at least one
 * letter) becomes lower case.  Returns AUTH_LOGIN_PHONE or AUTH_LOGIN_USER,
 * or -1 when it is neither (an e-mail address included: those come from the
 * roster).
 */
#define AUTH_LOGIN_MAX		65
enum { AUTH_LOGIN_USER = 1, AUTH_LOGIN_PHONE = 2 };
int	auth_login_norm(const char *typed, char out[AUTH_LOGIN_MAX]);

/*
 * Creates a session for guardian: a random token (returned as hex for the
 * cookie; only its hash is stored) and a random CSRF token.
 */
int	auth_session_new(struct store *, const char *guardian_id, const char *lang,
	    int64_t now_ms, char token_hex[AUTH_TOKEN_HEX], char *err, size_t errlen);
/*
 * Finds the live session for the cookie's token and moves its idle clock.
 * 0 found (out and hash set), 1 none (bad, unknown, idle or expired), -1 error.
 */
int	auth_session_load(struct store *, const char *token_hex, int64_t now_ms,
	    struct store_session *out, uint8_t hash[STORE_HASH_LEN], char *err,
	    size_t errlen);
/* Constant-time check of a submitted CSRF token (hex) against the session's. */
int	auth_csrf_ok(const struct store_session *, const char *submitted);

/*
 * The sign-in throttle: growing delays, never a lockout.  Keys: the client's
 * network (an IPv4 address, an IPv6 /64) spraying many accounts; the account
 * from that network (a guesser elsewhere cannot delay a parent at home); the
 * account from anywhere (a loose bound on distributed guessing).  Each is
 * counted and recorded atomically before any password is checked, so an
 * attempt counts as a failure until auth_attempt_ok says otherwise.  acct may
 * be NULL (enrolment: only the network is limited).  0 go on, 1 wait
 * (*retry_ms; nothing recorded), -1 error.
 */
int	auth_attempt(struct store *, const char *acct, const char *remote_addr,
	    int64_t now_ms, int64_t *retry_ms, char *err, size_t errlen);
/* How far back the throttle counts; older records are of no use and are purged. */
#define AUTH_WINDOW_MS		(3600LL * 1000)
/*
 * The attempt auth_attempt allowed at now_ms was no failure (a right password,
 * or a form refused before any guess): it leaves the network's count, and
 * with acct, the account's counts start over.
 */
int	auth_attempt_ok(struct store *, const char *acct, const char *remote_addr,
	    int64_t now_ms, char *err, size_t errlen);
/* "a.b.c.d", or the /64 of an IPv6 address ("2001:db8:1:2::/64"); the input as is otherwise. */
void	auth_client_net(const char *remote_addr, char *out, size_t outlen);
/*
 * Verifies pw against the account's hash, or against a fixed hash of the same
 * cost when there is no account (hash NULL), so the time taken does not tell
 * whether an account exists.  0 right, -1 wrong or no account.
 */
int	auth_pw_check(const char *hash, const char *pw);
/*
 * Takes one of nslots argon2 slots: lock files DIR/argon2-N.lock held with
 * flock, so a process that dies frees its slot.  When all are held, waits for
 * one (wait 1) or returns 1 (wait 0).  *fd is the slot to give back.
 * 0 taken, 1 busy, -1 error (the directory or a lock file cannot be opened).
 */
int	auth_slot_take(const char *dir, int nslots, int wait, int *fd, char *err,
	    size_t errlen);
/* Gives back a slot auth_slot_take took (fd -1: nothing). */
void	auth_slot_give(int fd);
/* The fixed hash auth_pw_check uses for "no account" (the tests check its cost). */
extern const char auth_pw_dummy[128];

#endif
