/* auth_staff: staff console authentication — roles and school scope, setup codes, sessions and CSRF apart from the parents'. */
#ifndef HALLPASS_AUTH_STAFF_H
#define HALLPASS_AUTH_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "store_staff.h"

#define AUTH_STAFF_SETUP_DAYS	7	/* a setup code is good for a week */
#define AUTH_ROLE_ADMIN		"district_admin"	/* every school, the audit */
#define AUTH_ROLE_SCHOOL	"school_staff"		/* their schools' students only */

/* 1 when id can name a staff account: 1-64 of letters, digits, '.', '_', '@', '-', not starting with a symbol. */
int	auth_staff_id_ok(const char *id);
/* 1 for district_admin or school_staff. */
int	auth_staff_role_ok(const char *role);
/*
 * Checks a comma-separated list of school (org) ids for role: a district
 * admin has none, school staff at least one; each id as in policy.yaml.
 * 0 fine, -1 with why in err.
 */
int	auth_staff_schools_ok(const char *role, const char *schools, char *err,
	    size_t errlen);
/* 1 when the account may see students of school (NULL or "": a student without one, admins only). */
int	auth_staff_sees_school(const struct store_staff *, const char *school);
/* 1 when the account may read and export the audit (district admins). */
int	auth_staff_is_admin(const struct store_staff *);

/* A session for staff_id: token_hex for the cookie; only its hash is stored. */
int	auth_staff_session_new(struct store *, const char *staff_id, int64_t now_ms,
	    char token_hex[AUTH_TOKEN_HEX], char *err, size_t errlen);
/* As auth_session_load, on the staff sessions: 0 found, 1 none, -1 error. */
int	auth_staff_session_load(struct store *, const char *token_hex, int64_t now_ms,
	    struct store_staff_session *out, uint8_t hash[STORE_HASH_LEN], char *err,
	    size_t errlen);
/* Constant-time check of a submitted CSRF token (hex). */
int	auth_staff_csrf_ok(const struct store_staff_session *, const char *submitted);

#endif
