/* aup: the district's acceptable-use terms (aup.yaml), one title and body per language. */
#ifndef HALLPASS_AUP_H
#define HALLPASS_AUP_H

#include <stddef.h>

#include "diag.h"

struct aup_text {
	char	*lang;		/* BCP 47 tag: en, es, pt-BR */
	char	*title;
	char	*body;
};

struct aup {
	long		 version;
	char		 effective[11];	/* YYYY-MM-DD */
	struct aup_text	*texts;
	size_t		 ntexts;
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

#endif
