/* auth_staff: roles and school scope checked in one place; staff secrets from libsodium, stored only as hashes, like the parents'. */
#include "auth_staff.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "hp_err.h"

static int
auth_staff_idch(int c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return !first && (c == '.' || c == '_' || c == '-' || c == '@');
}

int
auth_staff_id_ok(const char *id)
{
	size_t	 n = id ? strlen(id) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!auth_staff_idch((unsigned char)id[i], i == 0))
			return 0;
	return 1;
}

int
auth_staff_role_ok(const char *role)
{
	return role != NULL && (strcmp(role, AUTH_ROLE_ADMIN) == 0 ||
	    strcmp(role, AUTH_ROLE_SCHOOL) == 0);
}

int
auth_staff_schools_ok(const char *role, const char *schools, char *err,
    size_t errlen)
{
	const char	*p = schools ? schools : "";
	size_t		 n;

	if (!auth_staff_role_ok(role)) {
		hp_errf(err, errlen, "role \"%s\" must be %s or %s", role ? role : "",
		    AUTH_ROLE_ADMIN, AUTH_ROLE_SCHOOL);
		return -1;
	}
	if (strcmp(role, AUTH_ROLE_ADMIN) == 0) {
		if (*p != '\0') {
			hp_errf(err, errlen, "a %s sees every school: give no schools",
			    AUTH_ROLE_ADMIN);
			return -1;
		}
		return 0;
	}
	if (*p == '\0') {
		hp_errf(err, errlen, "%s needs at least one school", AUTH_ROLE_SCHOOL);
		return -1;
	}
	if (strlen(p) >= STORE_STAFF_SCHOOLS_MAX) {
		hp_errf(err, errlen, "the list of schools is longer than %d characters",
		    STORE_STAFF_SCHOOLS_MAX - 1);
		return -1;
	}
	/* The roster's org ids: ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ (docs/roster.md). */
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n > 64)
			goto bad;
		for (size_t i = 0; i < n; i++)
			if (!auth_staff_idch((unsigned char)p[i], i == 0) || p[i] == '@')
				goto bad;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
bad:
	hp_errf(err, errlen, "school \"%.*s\" must be 1-64 letters, digits, '.', "
	    "'_' or '-'", (int)(n > 64 ? 64 : n), p);
	return -1;
}

int
auth_staff_is_admin(const struct store_staff *a)
{
	return a != NULL && strcmp(a->role, AUTH_ROLE_ADMIN) == 0;
}

int
auth_staff_sees_school(const struct store_staff *a, const char *school)
{
	const char	*p;
	size_t		 n, len;

	if (a == NULL)
		return 0;
	if (auth_staff_is_admin(a))
		return 1;
	if (strcmp(a->role, AUTH_ROLE_SCHOOL) != 0 || school == NULL || *school == '\0')
		return 0;
	len = strlen(school);
	for (p = a->schools; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, school, n) == 0)
			return 1;
	}
	return 0;
}

int
auth_staff_session_new(struct store *st, const char *staff_id, int64_t now_ms,
    char token_hex[AUTH_TOKEN_HEX], char *err, size_t errlen)
{
	uint8_t	 tok[32], hash[STORE_HASH_LEN], csrf[STORE_CSRF_LEN];
	int	 rc;

	randombytes_buf(tok, sizeof(tok));
	randombytes_buf(csrf, sizeof(csrf));
	crypto_generichash(hash, sizeof(hash), tok, sizeof(tok), NULL, 0);
	rc = store_staff_session_create(st, hash, staff_id, csrf, now_ms,
	    now_ms + AUTH_ABSOLUTE_MS, err, errlen);
	if (rc == 0)
		auth_hex(tok, sizeof(tok), token_hex);
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(csrf, sizeof(csrf));
	return rc;
}

int
auth_staff_session_load(struct store *st, const char *token_hex, int64_t now_ms,
    struct store_staff_session *out, uint8_t hash[STORE_HASH_LEN], char *err,
    size_t errlen)
{
	uint8_t	 tok[32];
	int	 rc;

	if (auth_unhex(token_hex, tok, sizeof(tok)) == -1)
		return 1;
	crypto_generichash(hash, STORE_HASH_LEN, tok, sizeof(tok), NULL, 0);
	sodium_memzero(tok, sizeof(tok));
	if ((rc = store_staff_session_get(st, hash, now_ms, AUTH_IDLE_MS, out, err,
	    errlen)) != 0)
		return rc;
	return store_staff_session_touch(st, hash, now_ms, err, errlen) == -1 ? -1 : 0;
}

int
auth_staff_csrf_ok(const struct store_staff_session *s, const char *submitted)
{
	uint8_t	 got[STORE_CSRF_LEN];

	if (s == NULL || auth_unhex(submitted, got, sizeof(got)) == -1)
		return 0;
	return sodium_memcmp(got, s->csrf, sizeof(got)) == 0;
}
