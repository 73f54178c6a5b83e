/* i18n: the dashboard's languages — one YAML file each (lang/TAG.yaml): strings, number and date formats, negotiation. */
#ifndef HALLPASS_I18N_H
#define HALLPASS_I18N_H

#include <stddef.h>
#include <stdint.h>

#define I18N_MAX_LANGS	32

struct i18n_str {
	char	*key;
	char	*val;
};

struct i18n_lang {
	char		*tag;		/* BCP 47: en, es, pt-BR */
	char		*name;		/* in itself: English, Español */
	char		*decimal;	/* "." */
	char		*thousands;	/* "," */
	char		*date_long;	/* "{weekday}, {month} {day}, {year}" */
	char		*date_short;	/* "{month_abbr} {day}" */
	char		*months[12];
	char		*months_abbr[12];
	char		*weekdays[7];	/* Sunday first */
	struct i18n_str	*strs;		/* sorted by key */
	size_t		 nstrs;
	const struct i18n_lang *fallback;	/* English, for a key this file lacks */
};

struct i18n {
	struct i18n_lang	 langs[I18N_MAX_LANGS];	/* sorted by tag */
	size_t			 n;
	const struct i18n_lang	*def;	/* en */
};

/*
 * Loads every DIR/TAG.yaml (with libyaml).  One file per language; "en" must
 * exist (it is every other language's fallback).  -1 and "FILE:LINE:COL:
 * message" in err on the first problem.
 */
int	i18n_load(struct i18n *, const char *dir, char *err, size_t errlen);
void	i18n_free(struct i18n *);
const struct i18n_lang *i18n_find(const struct i18n *, const char *tag);
/* The same, else the primary language ("es-MX" -> "es"); NULL when neither is loaded. */
const struct i18n_lang *i18n_match(const struct i18n *, const char *tag);
/*
 * The language to use: a remembered choice (cookie) when it names a loaded
 * language, else the best Accept-Language match (q-values honoured, "es-MX"
 * falls back to "es"), else English.
 */
const struct i18n_lang *i18n_pick(const struct i18n *, const char *chosen,
	    const char *accept_language);
/* The string for key; the English one when this language lacks it; the key itself if none has it. */
const char *i18n_s(const struct i18n_lang *, const char *key);
/*
 * Formats key's string, replacing {1}..{9} with args (already formatted,
 * not escaped: the caller escapes the result).  Always NUL-terminates.
 */
void	i18n_fmt(const struct i18n_lang *, char *buf, size_t len, const char *key,
	    size_t nargs, const char *const *args);
/* Replaces each {NAME} in pattern by the value of that name (unknown names stay as written). */
void	i18n_subst_named(const char *pattern, char *buf, size_t len, size_t n,
	    const char *const *names, const char *const *vals);
/* 1234567 -> "1,234,567" / "1.234.567". */
void	i18n_num(const struct i18n_lang *, int64_t v, char *buf, size_t len);
/* A date in the long or short pattern; wday 0 = Sunday. */
void	i18n_date(const struct i18n_lang *, int y, int m, int d, int wday,
	    int long_form, char *buf, size_t len);
/* A duration in minutes: "2 h 5 min", "2 h", "45 min" (dur.hm, dur.h, dur.m). */
void	i18n_minutes(const struct i18n_lang *, int64_t minutes, char *buf, size_t len);

#endif
