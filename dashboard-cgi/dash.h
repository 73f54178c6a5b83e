/* dash: the parent dashboard's request context and page handlers (internal to hallpass.cgi and its tests). */
#ifndef HALLPASS_DASH_H
#define HALLPASS_DASH_H

#include <stddef.h>
#include <stdint.h>

#include "aup.h"
#include "cgi_out.h"
#include "cgi_req.h"
#include "i18n.h"
#include "policy.h"
#include "store_dash.h"
#include "tz.h"

#define DASH_COOKIE_SESSION	"hp_session"
#define DASH_COOKIE_LANG	"hp_lang"
#define DASH_COOKIE_PRE		"hp_pre"	/* CSRF for the forms used before a session exists */

/*
 * What a request is served with.  The process-wide parts (policy, terms,
 * store, languages, zone) are loaded by main (or a test, or the bench) and
 * only read here; nothing in the dashboard is a global.
 */
struct dash {
	struct policy		*pol;
	struct aup		*aup;
	struct tz		*tz;
	struct store		*st;	/* the dashboard's own state: sessions, acknowledgements, audit */
	struct store		*act;	/* children's activity, read-only; NULL: read through st */
	const struct i18n	*i18n;
	int64_t			 now_ms;
	const char		*rundir;	/* the argon2 slots' lock files; NULL: no cap */
	long			 periods[AUP_NVALUES];	/* hallpass.yaml's retention, quoted by the terms */
	uint8_t			 unsub_key[32];	/* mail_key: checks unsubscribe links (auth_unsub.h) */
	int			 have_unsub_key;

	/* Per request. */
	const struct cgi_req	*req;
	struct cgi_out		*out;
	const struct i18n_lang	*lang;
	const char		*page;		/* the page name, for the language links */
	int			 authed;
	struct store_session	 sess;
	uint8_t			 token_hash[STORE_HASH_LEN];
	const struct policy_guardian *guardian;
	char			 csrf_hex[2 * STORE_CSRF_LEN + 1];
	char			 pre_hex[2 * STORE_CSRF_LEN + 1];	/* hp_pre value for this response */
	char			 err[512];	/* why a request failed, for the server log */
};

/* Serves one request into out.  Returns 0, or -1 when a 500 was produced (d->err says why). */
int	dash_handle(struct dash *, const struct cgi_req *, struct cgi_out *);

/* Shared by the page modules. */
const char *dash_t(const struct dash *, const char *key);
void	dash_page_head(struct dash *, const char *title);
void	dash_page_foot(struct dash *);
/* An error page with status and a message key; everything written so far is dropped. */
void	dash_error(struct dash *, int status, const char *key);
/* Writes the escaped href of a page under the script: base + "/" + page. */
void	dash_href(struct dash *, const char *page);
void	dash_csrf_field(struct dash *);
void	dash_redirect(struct dash *, const char *page);
/* The guardian's student with id, or NULL when it is not theirs (or does not exist). */
const struct policy_student *dash_my_student(const struct dash *, const char *id);

/* The local day today and the UTC ms bounds of a local day. */
void	dash_today(const struct dash *, char out[11]);
int64_t	dash_day_start_ms(const struct dash *, int y, int m, int d);

/* A local time of day in the language's clock ("7:00 PM", "19:00"). */
void	dash_time(const struct dash *, int hour, int min, char *buf, size_t len);
/* An hour on the chart's axis ("6 AM", "06:00"). */
void	dash_time_hour(const struct dash *, int hour, char *buf, size_t len);
/* From one time to a later one of the same day ("6:29–6:31 AM", "06:29–06:31"). */
void	dash_time_span(const struct dash *, int h1, int m1, int h2, int m2,
	    char *buf, size_t len);

/* dash_report.c: the activity page of one child. */
void	dash_page_child(struct dash *);
/* "Gambling" for a known category, the id itself for one this language does not name. */
const char *dash_category_name(const struct dash *, const char *cat, char *buf, size_t len);

/* dash_limits.c: "At home" on a child's page, and its POST (limits). */
void	dash_limits_section(struct dash *, const struct policy_student *);
void	dash_limits_post(struct dash *);

/* dash_notify.c: e-mail choices (logged in) and the unsubscribe link (no login, a signed token). */
void	dash_notify_get(struct dash *);
void	dash_notify_post(struct dash *);
void	dash_unsub_get(struct dash *);
void	dash_unsub_post(struct dash *);

/* The handle activity is read through: read-only where main opened one (tests may not). */
#define DASH_ACT(d)	((d)->act != NULL ? (d)->act : (d)->st)

#endif
