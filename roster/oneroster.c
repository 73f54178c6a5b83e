/* oneroster: reads a district's OneRoster CSV export (v1.0, v1.1, v1.2; a folder or a .zip) into a roster. */
#include "oneroster.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "roster_csv.h"

/* A zip entry larger than this is refused: no SIS export of one district comes near it. */
#define ONEROSTER_MAX_FILE	(512u << 20)

enum or_mode { OR_ABSENT = 0, OR_BULK, OR_DELTA };

/* The files in the order they are applied: people before what points at them. */
enum or_kind { OR_MANIFEST, OR_ORGS, OR_USERS, OR_ROLES, OR_ENROLLMENTS,
	OR_DEMOGRAPHICS, OR_PROFILES, OR_NKINDS };
static const char *const or_names[OR_NKINDS] = {
	"manifest.csv", "orgs.csv", "users.csv", "roles.csv", "enrollments.csv",
	"demographics.csv", "userProfiles.csv",
};

/* Columns read; any other (ext_*, metadata.* not listed, vendor extras) is ignored. */
enum or_col {
	C_SOURCEDID, C_STATUS, C_MODIFIED, C_NAME, C_TYPE, C_ORGS, C_ROLE, C_GIVEN,
	C_FAMILY, C_PGIVEN, C_PFAMILY, C_EMAIL, C_SMS, C_PHONE, C_AGENTS, C_AGENTS10,
	C_GRADES, C_USER, C_ROLETYPE, C_ORG, C_SCHOOL, C_BEGIN, C_END, C_BIRTH,
	C_LANG1, C_LANG2, C_LANG3, C_LANG4, C_PROPERTY, C_VALUE, C_PRIMARYORG, C_NCOLS
};
static const char *const or_cols[C_NCOLS] = {
	"sourcedId", "status", "dateLastModified", "name", "type", "orgSourcedIds",
	"role", "givenName", "familyName", "preferredGivenName", "preferredFamilyName",
	"email", "sms", "phone", "agentSourcedIds", "agents", "grades",
	"userSourcedId", "roleType", "orgSourcedId", "schoolSourcedId", "beginDate",
	"endDate", "birthDate", "metadata.language", "metadata.preferredLanguage",
	"preferredLanguage", "primaryLanguage", "propertyName", "value",
	"primaryOrgSourcedId",
};

struct or_ctx {
	struct roster	*r;
	struct diag	*d;
	enum or_mode	 mode[OR_NKINDS];
	int		 have_manifest;
	int		 nerr;
	/* the file being read */
	enum or_kind	 kind;
	const char	*file;
	int		 col[C_NCOLS];	/* field index, or -1 */
	size_t		 nheader;
	int		 header_done;
	int		 skip;		/* the header was unusable */
};

#define OR_ERR(c, line, ...) do {					\
	diag_add((c)->d, (c)->file, (line), 0, __VA_ARGS__);		\
	(c)->nerr++;							\
} while (0)

static const char *
or_get(const struct or_ctx *c, char **f, enum or_col k)
{
	return c->col[k] >= 0 ? f[c->col[k]] : NULL;
}

static int
or_has(const struct or_ctx *c, enum or_col k)
{
	return c->col[k] >= 0;
}

static int
or_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
or_valid_ymd(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/*
 * Dates as exports write them: 2026-08-01, 2026-08-01T12:00:00(.000)(Z|+02:00),
 * "2026-08-01 12:00:00", 8/1/2026 or 08/01/2026 (US order).
 */
static int
or_date_ok(const char *s)
{
	int y, m, d, n = 0;

	if (or_digits(s, 4) && s[4] == '-' && or_digits(s + 5, 2) && s[7] == '-' &&
	    or_digits(s + 8, 2)) {
		y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
		if (!or_valid_ymd(y, m, d))
			return 0;
		s += 10;
		if (*s == '\0')
			return 1;
		if ((*s != 'T' && *s != ' ') || !or_digits(s + 1, 2) || s[3] != ':' ||
		    !or_digits(s + 4, 2) || atoi(s + 1) > 23 || atoi(s + 4) > 59)
			return 0;
		s += 6;
		if (*s == ':') {
			if (!or_digits(s + 1, 2) || atoi(s + 1) > 60)
				return 0;
			s += 3;
			if (*s == '.') {
				for (s++; isdigit((unsigned char)*s); s++, n++)
					;
				if (n == 0)
					return 0;
			}
		}
		if (*s == 'Z' || *s == 'z')
			return s[1] == '\0';
		if (*s == '+' || *s == '-')
			return or_digits(s + 1, 2) && ((s[3] == ':' && or_digits(s + 4, 2) &&
			    s[6] == '\0') || (or_digits(s + 3, 2) && s[5] == '\0'));
		return *s == '\0';
	}
	if (sscanf(s, "%2d/%2d/%4d%n", &m, &d, &y, &n) == 3 && s[n] == '\0' &&
	    isdigit((unsigned char)s[0]) && n >= 8)
		return or_valid_ymd(y, m, d);
	return 0;
}

/* status: active or empty; tobedeleted (and v1.0's inactive) removes. -1 if neither. */
static int
or_status(struct or_ctx *c, char **f, size_t line, int *del)
{
	const char *s = or_get(c, f, C_STATUS), *m = or_get(c, f, C_MODIFIED);

	*del = 0;
	if (m != NULL && *m != '\0' && !or_date_ok(m)) {
		OR_ERR(c, line, "dateLastModified \"%.40s\" is not a date (2026-08-01, "
		    "2026-08-01T12:00:00Z or 08/01/2026)", m);
		return -1;
	}
	if (s == NULL || *s == '\0' || strcasecmp(s, "active") == 0)
		return 0;
	if (strcasecmp(s, "tobedeleted") == 0 || strcasecmp(s, "inactive") == 0) {
		*del = 1;
		return 0;
	}
	OR_ERR(c, line, "status \"%.40s\" must be active or tobedeleted", s);
	return -1;
}

/* Splits a list field ("a,b", "a, b" or "a;b") in place; returns the count. */
static size_t
or_split(char *s, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, ",;", &save); t != NULL && n < max;
	    t = strtok_r(NULL, ",;", &save)) {
		while (*t == ' ')
			t++;
		for (char *e = t + strlen(t); e > t && e[-1] == ' '; )
			*--e = '\0';
		if (*t != '\0')
			out[n++] = t;
	}
	return n;
}

static int
or_role(const char *s)
{
	static const char *const other[] = { "teacher", "administrator", "aide",
		"proctor", "counselor", "districtAdministrator", "principal",
		"siteAdministrator", "systemAdministrator", NULL };

	if (strcasecmp(s, "student") == 0)
		return ROSTER_STUDENT;
	if (strcasecmp(s, "parent") == 0 || strcasecmp(s, "guardian") == 0 ||
	    strcasecmp(s, "relative") == 0)
		return ROSTER_GUARDIAN;
	for (int i = 0; other[i] != NULL; i++)
		if (strcasecmp(s, other[i]) == 0)
			return 0;
	return -1;
}

/* A language as exports write it: a BCP 47 tag, an ISO 639-2 code or an English name. */
static const char *
or_lang(const char *s)
{
	static const char *const names[][3] = {
		{ "english", "eng", "en" }, { "spanish", "spa", "es" },
		{ "vietnamese", "vie", "vi" }, { "chinese", "chi", "zh" },
		{ "mandarin", "zho", "zh" }, { "arabic", "ara", "ar" },
		{ "french", "fre", "fr" }, { "portuguese", "por", "pt" },
		{ "russian", "rus", "ru" }, { "somali", "som", "so" },
		{ "haitian creole", "hat", "ht" }, { "korean", "kor", "ko" },
		{ "tagalog", "tgl", "tl" }, { "hmong", "hmn", "hmn" },
		{ "ukrainian", "ukr", "uk" }, { "german", "ger", "de" },
	};
	size_t i, n = strlen(s);

	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcasecmp(s, names[i][0]) == 0 || strcasecmp(s, names[i][1]) == 0)
			return names[i][2];
	if (n < 2 || n > 35 || !isalpha((unsigned char)s[0]))
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return NULL;
	return s;
}

/* A name as people read it: line breaks and runs of spaces from a spreadsheet cell become one space. */
static int
or_set_text(char **dst, const char *s)
{
	char	*c, *o;
	int	 sp = 0, rc;

	if (s == NULL)
		return roster_set(dst, NULL);
	if ((c = malloc(strlen(s) + 1)) == NULL)
		return -1;
	for (o = c; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			sp = o != c;
			continue;
		}
		if (sp)
			*o++ = ' ';
		sp = 0;
		*o++ = *s;
	}
	*o = '\0';
	rc = roster_set(dst, c);
	free(c);
	return rc;
}

static int
or_email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || strlen(s) > 254 || at[1] == '.' ||
	    s[strlen(s) - 1] == '.')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>\",", *s) != NULL || *s == 0x7f)
			return 0;
	return 1;
}

static int
or_phone_ok(const char *s)
{
	int digits = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (strchr("+-(). ", *s) == NULL)
			return 0;
	}
	return digits >= 7 && digits <= 15;
}

/* Sets a person's language from whichever language column the file has. */
static int
or_take_lang(struct or_ctx *c, char **f, size_t line, struct roster_person *p)
{
	static const enum or_col cols[] = { C_LANG1, C_LANG2, C_LANG3, C_LANG4 };

	for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
		const char *s = or_get(c, f, cols[i]), *tag;

		if (s == NULL || *s == '\0')
			continue;
		if ((tag = or_lang(s)) == NULL) {
			OR_ERR(c, line, "%s \"%.40s\" is not a language (a tag like es "
			    "or pt-BR, or a name like Spanish)", or_cols[cols[i]], s);
			return 0;
		}
		return roster_set(&p->lang, tag);
	}
	return 0;
}

/* The student's school: the first of orgs that is a school; unknown orgs are errors. */
static int
or_take_orgs(struct or_ctx *c, char *list, size_t line, struct roster_person *p)
{
	char			*ids[64];
	size_t			 n = or_split(list, ids, 64);
	struct roster_org	*o;

	for (size_t i = 0; i < n; i++) {
		if ((o = roster_org_find(c->r, ids[i])) == NULL || o->type == NULL) {
			OR_ERR(c, line, "org \"%.80s\" is not in orgs.csv", ids[i]);
			continue;
		}
		if (strcasecmp(o->type, "school") == 0)
			return roster_set(&p->school, o->id);
	}
	return 0;
}

static int
or_manifest_row(struct or_ctx *c, char **f, size_t line)
{
	const char *k = or_get(c, f, C_PROPERTY), *v = or_get(c, f, C_VALUE);

	if (strncasecmp(k, "file.", 5) != 0)
		return 0;	/* manifest.version, oneroster.version, source.*: informative */
	for (int i = OR_ORGS; i < OR_NKINDS; i++) {
		size_t nl = strlen(or_names[i]) - 4;

		if (strncasecmp(k + 5, or_names[i], nl) != 0 || k[5 + nl] != '\0')
			continue;
		if (strcasecmp(v, "bulk") == 0)
			c->mode[i] = OR_BULK;
		else if (strcasecmp(v, "delta") == 0)
			c->mode[i] = OR_DELTA;
		else if (strcasecmp(v, "absent") == 0)
			c->mode[i] = OR_ABSENT;
		else
			OR_ERR(c, line, "%s must be bulk, delta or absent, not \"%.40s\"",
			    k, v);
		return 0;
	}
	return 0;	/* a file hallpass does not read (classes, courses, ...) */
}

static int
or_orgs_row(struct or_ctx *c, char **f, size_t line)
{
	const char		*id = or_get(c, f, C_SOURCEDID);
	struct roster_org	*o;
	int			 del;

	if (or_status(c, f, line, &del) != 0)
		return 0;
	if (*id == '\0') {
		OR_ERR(c, line, "sourcedId is empty");
		return 0;
	}
	if ((o = roster_org_get(c->r, id)) == NULL)
		return -1;
	if (del) {
		free(o->name);
		free(o->type);
		o->name = o->type = NULL;
		return 0;
	}
	return or_set_text(&o->name, or_get(c, f, C_NAME)) |
	    roster_set(&o->type, or_has(c, C_TYPE) ? or_get(c, f, C_TYPE) : "school");
}

static int
or_users_row(struct or_ctx *c, char **f, size_t line)
{
	const char		*id = or_get(c, f, C_SOURCEDID), *s;
	struct roster_person	*p;
	int			 del, role = -2;
	char			*list[64];
	size_t			 n;

	if (or_status(c, f, line, &del) != 0)
		return 0;
	if (!roster_valid_id(id)) {
		OR_ERR(c, line, "sourcedId \"%.80s\" must be 1-64 letters, digits, '.', "
		    "'_' or '-'", id);
		return 0;
	}
	if ((p = roster_person_find(c->r, id)) != NULL && p->touched) {
		OR_ERR(c, line, "user \"%s\" is listed twice (first at line %zu)", id,
		    p->line);
		return 0;
	}
	if (or_has(c, C_ROLE) && (role = or_role(s = or_get(c, f, C_ROLE))) < 0) {
		OR_ERR(c, line, "role \"%.40s\" is not a OneRoster role", s);
		return 0;
	}
	if (del || role == 0) {
		/* Removed, or staff: not part of the roster. */
		if (p != NULL)
			p->gone = 1;
		return 0;
	}
	if ((p = roster_person_get(c->r, id)) == NULL)
		return -1;
	p->file = c->file;
	p->line = line;
	p->touched = 1;
	if (role > 0)
		p->role = (enum roster_role)role;
	s = or_get(c, f, C_PGIVEN);
	if (or_set_text(&p->given, s != NULL && *s != '\0' ? s : or_get(c, f, C_GIVEN)) != 0)
		return -1;
	s = or_get(c, f, C_PFAMILY);
	if (or_set_text(&p->family, s != NULL && *s != '\0' ? s : or_get(c, f, C_FAMILY)) != 0)
		return -1;
	if (p->given == NULL && p->family == NULL)
		OR_ERR(c, line, "user \"%s\" has neither givenName nor familyName", id);
	if ((s = or_get(c, f, C_EMAIL)) != NULL && *s != '\0' && !or_email_ok(s))
		OR_ERR(c, line, "email \"%.80s\" is not an e-mail address", s);
	else if (s != NULL && roster_set(&p->email, s) != 0)
		return -1;
	if ((s = or_get(c, f, C_PHONE)) == NULL || *s == '\0')
		s = or_get(c, f, C_SMS);
	if (s != NULL && *s != '\0' && !or_phone_ok(s))
		OR_ERR(c, line, "phone \"%.40s\" is not a phone number (7-15 digits; "
		    "+ - ( ) . and spaces allowed)", s);
	else if (s != NULL && roster_set(&p->phone, s) != 0)
		return -1;
	if (or_take_lang(c, f, line, p) != 0)
		return -1;
	if ((s = or_get(c, f, C_GRADES)) != NULL) {
		char *g = strdup(s);
		int rank = -1;

		if (g == NULL)
			return -1;
		n = or_split(g, list, 64);
		if (n > 0 && (rank = roster_grade_rank(list[0])) < 0)
			OR_ERR(c, line, "grade \"%.20s\" is not a grade (IT PR PK TK KG "
			    "01-13 PS UG Other)", list[0]);
		free(g);
		if (roster_set(&p->grade, roster_grade_name(rank)) != 0)
			return -1;
	}
	if (role == ROSTER_GUARDIAN && roster_set(&p->relation, or_get(c, f, C_ROLE)) != 0)
		return -1;
	if ((s = or_get(c, f, C_PRIMARYORG)) == NULL || *s == '\0')
		s = or_get(c, f, C_ORGS);
	if (s != NULL) {
		char *o = strdup(s);
		int rc;

		if (o == NULL)
			return -1;
		free(p->school);
		p->school = NULL;
		rc = or_take_orgs(c, o, line, p);
		free(o);
		if (rc != 0)
			return -1;
	}
	/* agents are resolved once every user is known (a parent may come after the child). */
	if ((s = or_get(c, f, C_AGENTS)) != NULL || (s = or_get(c, f, C_AGENTS10)) != NULL) {
		char *a = strdup(s);
		int rc;

		if (a == NULL)
			return -1;
		n = or_split(a, list, 64);
		rc = roster_set_links(p, list, n);
		free(a);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
or_roles_row(struct or_ctx *c, char **f, size_t line)
{
	const char		*uid = or_get(c, f, C_USER), *s = or_get(c, f, C_ROLE);
	const char		*org = or_get(c, f, C_ORG), *rt = or_get(c, f, C_ROLETYPE);
	struct roster_person	*p;
	struct roster_org	*o;
	int			 del, role;

	if (or_status(c, f, line, &del) != 0 || del)
		return 0;
	if ((role = or_role(s)) < 0) {
		OR_ERR(c, line, "role \"%.40s\" is not a OneRoster role", s);
		return 0;
	}
	if (((s = or_get(c, f, C_BEGIN)) != NULL && *s != '\0' && !or_date_ok(s)) ||
	    ((s = or_get(c, f, C_END)) != NULL && *s != '\0' && !or_date_ok(s))) {
		OR_ERR(c, line, "\"%.40s\" is not a date", s);
		return 0;
	}
	if ((p = roster_person_find(c->r, uid)) == NULL) {
		if (role != 0)
			OR_ERR(c, line, "userSourcedId \"%.80s\" is not in users.csv", uid);
		return 0;
	}
	if (role == 0 || (p->role == ROSTER_STUDENT && role == ROSTER_GUARDIAN))
		return 0;
	p->role = (enum roster_role)role;
	if (role == ROSTER_GUARDIAN)
		return roster_set(&p->relation, or_get(c, f, C_ROLE));
	if (*org == '\0')
		return 0;
	if ((o = roster_org_find(c->r, org)) == NULL || o->type == NULL) {
		OR_ERR(c, line, "orgSourcedId \"%.80s\" is not in orgs.csv", org);
		return 0;
	}
	/* The primary role's school wins; a secondary one only fills a gap. */
	if (strcasecmp(o->type, "school") == 0 &&
	    (p->school == NULL || (rt != NULL && strcasecmp(rt, "primary") == 0)))
		return roster_set(&p->school, o->id);
	return 0;
}

static int
or_enrollments_row(struct or_ctx *c, char **f, size_t line)
{
	const char		*uid = or_get(c, f, C_USER), *sch = or_get(c, f, C_SCHOOL), *s;
	struct roster_person	*p;
	struct roster_org	*o;
	int			 del;

	if (or_status(c, f, line, &del) != 0 || del)
		return 0;
	if (((s = or_get(c, f, C_BEGIN)) != NULL && *s != '\0' && !or_date_ok(s)) ||
	    ((s = or_get(c, f, C_END)) != NULL && *s != '\0' && !or_date_ok(s))) {
		OR_ERR(c, line, "\"%.40s\" is not a date", s);
		return 0;
	}
	/* Teachers' enrollments name users that are not in the roster: not an error. */
	if ((p = roster_person_find(c->r, uid)) == NULL || p->role != ROSTER_STUDENT ||
	    p->school != NULL)
		return 0;
	if ((o = roster_org_find(c->r, sch)) == NULL || o->type == NULL) {
		OR_ERR(c, line, "schoolSourcedId \"%.80s\" is not in orgs.csv", sch);
		return 0;
	}
	return roster_set(&p->school, o->id);
}

static int
or_demographics_row(struct or_ctx *c, char **f, size_t line)
{
	const char		*id = or_get(c, f, C_SOURCEDID), *s;
	struct roster_person	*p;
	int			 del;

	if (or_status(c, f, line, &del) != 0 || del)
		return 0;
	if ((s = or_get(c, f, C_BIRTH)) != NULL && *s != '\0' && !or_date_ok(s)) {
		OR_ERR(c, line, "birthDate \"%.40s\" is not a date", s);
		return 0;
	}
	if ((p = roster_person_find(c->r, id)) == NULL)
		return 0;
	return or_take_lang(c, f, line, p);
}

static int
or_profiles_row(struct or_ctx *c, char **f, size_t line)
{
	int del;

	/* Application logins: nothing hallpass keeps, but a broken row is still reported. */
	(void)or_status(c, f, line, &del);
	return 0;
}

static const enum or_col or_required[OR_NKINDS][4] = {
	[OR_MANIFEST] = { C_PROPERTY, C_VALUE, C_NCOLS },
	[OR_ORGS] = { C_SOURCEDID, C_NAME, C_NCOLS },
	[OR_USERS] = { C_SOURCEDID, C_GIVEN, C_FAMILY, C_NCOLS },
	[OR_ROLES] = { C_USER, C_ROLE, C_ORG, C_NCOLS },
	[OR_ENROLLMENTS] = { C_USER, C_SCHOOL, C_NCOLS },
	[OR_DEMOGRAPHICS] = { C_SOURCEDID, C_NCOLS },
	[OR_PROFILES] = { C_USER, C_NCOLS },
};

static int
or_row(char **f, size_t nf, size_t line, void *arg)
{
	struct or_ctx *c = arg;

	if (c->skip)
		return 0;
	if (!c->header_done) {
		c->header_done = 1;
		c->nheader = nf;
		for (int k = 0; k < C_NCOLS; k++)
			c->col[k] = -1;
		for (size_t i = 0; i < nf; i++)
			for (int k = 0; k < C_NCOLS; k++)
				if (strcasecmp(f[i], or_cols[k]) == 0 && c->col[k] < 0)
					c->col[k] = (int)i;
		for (int i = 0; or_required[c->kind][i] != C_NCOLS; i++)
			if (c->col[or_required[c->kind][i]] < 0) {
				OR_ERR(c, line, "no %s column in the header",
				    or_cols[or_required[c->kind][i]]);
				c->skip = 1;
			}
		if (c->kind == OR_USERS && !or_has(c, C_ROLE) && c->mode[OR_ROLES] == OR_ABSENT) {
			OR_ERR(c, line, "no role column and no roles.csv: who is a "
			    "student cannot be known");
			c->skip = 1;
		}
		return 0;
	}
	if (nf != c->nheader) {
		OR_ERR(c, line, "%zu fields where the header has %zu (a comma or "
		    "line break outside quotes?)", nf, c->nheader);
		return 0;
	}
	switch (c->kind) {
	case OR_MANIFEST:
		return or_manifest_row(c, f, line);
	case OR_ORGS:
		return or_orgs_row(c, f, line);
	case OR_USERS:
		return or_users_row(c, f, line);
	case OR_ROLES:
		return or_roles_row(c, f, line);
	case OR_ENROLLMENTS:
		return or_enrollments_row(c, f, line);
	case OR_DEMOGRAPHICS:
		return or_demographics_row(c, f, line);
	default:
		return or_profiles_row(c, f, line);
	}
}

static int
or_parse(struct or_ctx *c, enum or_kind k, const struct oneroster_file *fl)
{
	c->kind = k;
	c->file = roster_keep(c->r, fl->file);
	c->header_done = 0;
	c->skip = 0;
	if (c->file == NULL)
		return -1;
	if (k == OR_USERS && c->mode[k] == OR_BULK)
		roster_clear_people(c->r);
	if (k == OR_ORGS && c->mode[k] == OR_BULK)
		roster_clear_orgs(c->r);
	if (roster_csv_parse(c->file, fl->buf, fl->len, or_row, c, c->d) != 0)
		c->nerr++;
	if (!c->header_done)
		OR_ERR(c, 1, "the file is empty (a header line is needed)");
	return 0;
}

/* Once every file is read: guardians' own agent lists, then every link checked. */
static int
or_finish(struct or_ctx *c)
{
	struct roster		*r = c->r;
	struct roster_person	*p, *q;
	size_t			 i, j;

	for (i = 0; i < roster_npeople(r); i++) {
		p = roster_person_at(r, i);
		if (!p->gone && p->role == 0)
			p->gone = 1;	/* staff, or users roles.csv never named */
	}
	for (i = 0; i < roster_npeople(r); i++) {
		p = roster_person_at(r, i);
		if (p->gone || p->role != ROSTER_GUARDIAN || p->nlinks == 0)
			continue;
		for (j = 0; j < p->nlinks; j++) {
			if ((q = roster_person_find(r, p->links[j])) == NULL ||
			    q->role != ROSTER_STUDENT) {
				diag_add(c->d, p->file, p->line, 0, "agentSourcedIds "
				    "names \"%.80s\", which is not a student", p->links[j]);
				c->nerr++;
				continue;
			}
			if (roster_add_link(q, p->id) != 0)
				return -1;
		}
		(void)roster_set_links(p, NULL, 0);
	}
	for (i = 0; i < roster_npeople(r); i++) {
		p = roster_person_at(r, i);
		if (p->gone || p->role != ROSTER_STUDENT)
			continue;
		for (j = 0; j < p->nlinks; j++)
			if ((q = roster_person_find(r, p->links[j])) == NULL ||
			    q->role != ROSTER_GUARDIAN) {
				/* Only what this import said is its fault: old links to removed guardians go. */
				if (p->touched) {
					diag_add(c->d, p->file, p->line, 0, "agentSourcedIds "
					    "names \"%.80s\", which is not a parent, guardian "
					    "or relative", p->links[j]);
					c->nerr++;
				}
			}
	}
	return 0;
}

int
oneroster_import_files(struct roster *r, const struct oneroster_file *files,
    size_t n, struct diag *d)
{
	struct or_ctx	 c;
	const struct oneroster_file *byk[OR_NKINDS] = { NULL };

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.d = d;
	for (size_t i = 0; i < roster_npeople(r); i++)
		roster_person_at(r, i)->touched = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < OR_NKINDS; k++)
			if (strcasecmp(files[i].name, or_names[k]) == 0)
				byk[k] = &files[i];
	if (byk[OR_USERS] == NULL) {
		diag_add(d, n > 0 ? files[0].file : "oneroster", 0, 0,
		    "no users.csv in the export");
		return -1;
	}
	for (int k = OR_ORGS; k < OR_NKINDS; k++)
		c.mode[k] = byk[k] != NULL ? OR_BULK : OR_ABSENT;
	if (byk[OR_MANIFEST] != NULL) {
		if (or_parse(&c, OR_MANIFEST, byk[OR_MANIFEST]) != 0)
			return -1;
		/* The manifest may say absent for a file that is there: then it is not read. */
		for (int k = OR_ORGS; k < OR_NKINDS; k++)
			if (c.mode[k] != OR_ABSENT && byk[k] == NULL) {
				diag_add(d, byk[OR_MANIFEST]->file, 0, 0, "manifest "
				    "lists %s as %s but the export has no such file",
				    or_names[k], c.mode[k] == OR_BULK ? "bulk" : "delta");
				c.nerr++;
			}
	}
	for (int k = OR_ORGS; k < OR_NKINDS; k++)
		if (c.mode[k] != OR_ABSENT && byk[k] != NULL &&
		    or_parse(&c, (enum or_kind)k, byk[k]) != 0)
			return -1;
	if (or_finish(&c) != 0)
		return -1;
	return c.nerr ? -1 : 0;
}

static char *
or_read_path(const char *path, size_t *len, struct diag *d)
{
	FILE		*f = fopen(path, "rb");
	struct stat	 st;
	char		*buf;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > ONEROSTER_MAX_FILE ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		diag_add(d, path, 0, 0, "not a regular file, or too large");
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static const char *
or_base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b != NULL ? b + 1 : s;
}

static int
or_zip(const char *path, struct oneroster_file *files, size_t *n, struct diag *d)
{
	zip_t		*z;
	int		 zerr;
	zip_int64_t	 ne;

	if ((z = zip_open(path, ZIP_RDONLY, &zerr)) == NULL) {
		zip_error_t e;

		zip_error_init_with_code(&e, zerr);
		diag_add(d, path, 0, 0, "cannot open the zip: %s", zip_error_strerror(&e));
		zip_error_fini(&e);
		return -1;
	}
	ne = zip_get_num_entries(z, 0);
	for (zip_int64_t i = 0; i < ne; i++) {
		const char	*name = zip_get_name(z, (zip_uint64_t)i, 0);
		zip_stat_t	 st;
		zip_file_t	*zf;
		char		*buf, label[1024];
		int		 k;

		if (name == NULL)
			continue;
		for (k = 0; k < OR_NKINDS; k++)
			if (strcasecmp(or_base(name), or_names[k]) == 0)
				break;
		if (k == OR_NKINDS || zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0)
			continue;
		snprintf(label, sizeof(label), "%s/%s", path, name);
		if (!(st.valid & ZIP_STAT_SIZE) || st.size > ONEROSTER_MAX_FILE) {
			diag_add(d, label, 0, 0, "larger than %u MiB", ONEROSTER_MAX_FILE >> 20);
			continue;
		}
		if ((buf = malloc(st.size + 1)) == NULL ||
		    (zf = zip_fopen_index(z, (zip_uint64_t)i, 0)) == NULL) {
			diag_add(d, label, 0, 0, "cannot read: %s", zip_strerror(z));
			free(buf);
			continue;
		}
		if (zip_fread(zf, buf, st.size) != (zip_int64_t)st.size) {
			diag_add(d, label, 0, 0, "cannot read: %s", zip_file_strerror(zf));
			zip_fclose(zf);
			free(buf);
			continue;
		}
		zip_fclose(zf);
		files[*n].name = or_names[k];
		files[*n].file = strdup(label);
		files[*n].buf = buf;
		files[*n].len = st.size;
		if (files[*n].file == NULL) {
			free(buf);
			continue;
		}
		(*n)++;
		if (*n == OR_NKINDS * 2)
			break;
	}
	zip_discard(z);
	return 0;
}

int
oneroster_import(struct roster *r, const char *path, struct diag *d)
{
	struct oneroster_file	 files[OR_NKINDS * 2];
	size_t			 n = 0, before = diag_count(d);
	struct stat		 st;
	int			 rc;

	if (stat(path, &st) != 0) {
		diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		for (int k = 0; k < OR_NKINDS; k++) {
			char	 p[4096];
			char	*buf;
			size_t	 len = 0;

			snprintf(p, sizeof(p), "%s/%s", path, or_names[k]);
			if ((buf = or_read_path(p, &len, d)) == NULL)
				continue;
			files[n].name = or_names[k];
			files[n].file = strdup(p);
			files[n].buf = buf;
			files[n].len = len;
			if (files[n].file == NULL)
				free(buf);
			else
				n++;
		}
	} else if (or_zip(path, files, &n, d) != 0)
		return -1;
	rc = diag_count(d) != before ? -1 : oneroster_import_files(r, files, n, d);
	for (size_t i = 0; i < n; i++) {
		free((char *)files[i].file);
		free((char *)files[i].buf);
	}
	return rc;
}
