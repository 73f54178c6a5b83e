/* aup: the district's acceptable-use terms (aup.yaml), one title and body per language. */
#ifndef HALLPASS_AUP_H
#define HALLPASS_AUP_H

#include <stddef.h>

#include "diag.h"

struct aup_text {
	char	*lang;		/* BCP 47 tag: en, es, pt-BR */
	char	*title;
	char	*body;
	char	*summary;	/* the terms in short, for letters on paper; NULL when not given */
};

/* A short text IT may give once for every language or once per language. */
struct aup_word {
	char	*lang;		/* NULL: the one text for every language */
	char	*text;
};

/*
 * Who parents ask (contact: in aup.yaml), shown at the foot of every
 * dashboard page.  name is required, and at least one of phone, email, url.
 */
struct aup_contact {
	struct aup_word	*names;
	size_t		 nnames;
	struct aup_word	*hours;		/* optional: "Monday to Friday, 8 AM to 4 PM" */
	size_t		 nhours;
	char		*phone;		/* as IT wrote it, for reading; NULL if none */
	char		*tel;		/* the same as '+' and digits, for a tel: link */
	char		*email;		/* NULL if none */
	char		*url;		/* http(s) URL, NULL if none */
};

struct aup {
	long		 version;
	char		 effective[11];	/* YYYY-MM-DD */
	struct aup_text	*texts;
	size_t		 ntexts;
	struct aup_contact *contact;	/* NULL when aup.yaml names none */
};

/*
 * The terms quote the retention periods from hallpass.yaml, never a copy of
 * them: a body may hold these placeholders (an unknown one is a load error),
 * replaced by aup_render with the values in force.
 */
enum aup_value { AUP_RETENTION_DAYS = 0, AUP_ROLLUP_RETENTION_DAYS,
	AUP_LOGIN_RETENTION_DAYS, AUP_NVALUES };
extern const char *const aup_value_names[AUP_NVALUES];	/* "retention_days", ... */

struct aup	*aup_load(const char *dir, struct diag *);
/* body with every {name} replaced by values[name], as a new string (NULL: out of memory). */
char		*aup_render(const char *body, const long values[AUP_NVALUES]);
void		 aup_free(struct aup *);
/* The text in lang, else English, else the first one. */
const struct aup_text *aup_text(const struct aup *, const char *lang);
/* The contact's name and hours in lang, else English, else the first; hours may be NULL. */
const char	*aup_contact_name(const struct aup_contact *, const char *lang);
const char	*aup_contact_hours(const struct aup_contact *, const char *lang);

#endif
