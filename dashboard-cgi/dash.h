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
#include "store_staff.h"
#include "tz.h"

#define DASH_COOKIE_SESSION	"hp_session"
#define DASH_COOKIE_LANG	"hp_lang"
#define DASH_COOKIE_PRE		"hp_pre"	/* CSRF for the forms used before a session exists */
#define DASH_COOKIE_STAFF	"hp_staff"	/* the staff console's session: never the parents' */

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

	/* The staff console (dash_staff.c): pages under staff/, their own session. */
	int			 staff_area;
	int			 staff_authed;
	struct store_staff_session ssess;
	struct store_staff	 staff;
	uint8_t			 staff_token_hash[STORE_HASH_LEN];
	char			 staff_csrf_hex[2 * STORE_CSRF_LEN + 1];
	/* Set by an audited staff view: the one student dash_page_child may show, its values from the form. */
	const struct policy_student *staff_student;
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
void	dash_set_cookie(struct dash *, const char *name, const char *value,
	    long max_age);
/* A UTC instant as the local date and time in the page's language. */
void	dash_date_ms(const struct dash *, int64_t ms, char *buf, size_t len);
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

/*
 * Takes an argon2 slot (at most AUTH_ARGON2_MAX at once), waiting for one;
 * the fd to give back with auth_slot_give, or -1: no cap (no run directory).
 */
int	dash_argon2_take(struct dash *);
/* 429 with Retry-After in whole seconds (at least one), then form(d, "login.throttled", user). */
void	dash_throttled(struct dash *, int64_t retry_ms,
	    void (*form)(struct dash *, const char *, const char *), const char *user);

/* The handle activity is read through: read-only where main opened one (tests may not). */
#define DASH_ACT(d)	((d)->act != NULL ? (d)->act : (d)->st)

/* dash_staff.c: the staff console. */
int	dash_staff_auth(struct dash *);
void	dash_staff_nav(struct dash *);
void	dash_staff_home(struct dash *);
void	dash_staff_login_get(struct dash *);
void	dash_staff_login_post(struct dash *);
void	dash_staff_setup_get(struct dash *);
void	dash_staff_setup_post(struct dash *);
void	dash_staff_logout_post(struct dash *);
void	dash_staff_students(struct dash *);
void	dash_staff_student(struct dash *);
void	dash_staff_view(struct dash *);
void	dash_staff_engagement(struct dash *);
void	dash_staff_families(struct dash *);
void	dash_staff_audit(struct dash *);

#endif
