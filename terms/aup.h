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

struct aup	*aup_load(const char *dir, struct diag *);
void		 aup_free(struct aup *);
/* The text in lang, else English, else the first one. */
const struct aup_text *aup_text(const struct aup *, const char *lang);

#endif
