/* home: what a guardian adds at home for their own child (a pause, an earlier bedtime, extra categories), checked never to loosen the district's policy, and decided like a rule. */
#ifndef HALLPASS_HOME_H
#define HALLPASS_HOME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "policy.h"

#define HOME_PAUSE_MIN		15	/* minutes a pause may last */
#define HOME_PAUSE_MAX		240
#define HOME_CATS_MAX		16	/* extra categories per child */
#define HOME_CATS_LEN		512	/* "games,streaming": comma-separated, no spaces */
#define HOME_ID_LEN		80

/* One child's controls, as the store keeps them (store_home.h). */
struct home_control {
	char	 student[HOME_ID_LEN];
	char	 guardian[HOME_ID_LEN];	/* who changed it last */
	int64_t	 pause_until_ms;	/* 0: no pause */
	int	 bed_from, bed_to;	/* minutes after local midnight; -1: no bedtime */
	char	 categories[HOME_CATS_LEN];
	int64_t	 updated_ms;
};

/* What home_decide found. */
enum home_reason {
	HOME_R_NONE = 0,
	HOME_R_PAUSE,		/* "guardian-pause" */
	HOME_R_BEDTIME,		/* "guardian-bedtime" */
	HOME_R_CATEGORY,	/* "guardian-category" */
};

/*
 * An immutable set of controls, sorted by student, shared by snapshots
 * (reference counted like a policy: the last unref frees).
 */
struct home;

/* Takes a copy of n controls (any order); NULL when out of memory. */
struct home	*home_new(const struct home_control *, size_t n);
struct home	*home_ref(struct home *);
void		 home_unref(struct home *);
size_t		 home_count(const struct home *);
/* A digest of the content: two sets with the same digest hold the same controls. */
uint64_t	 home_digest(const struct home *);
/* The student's controls, or NULL (h may be NULL). */
const struct home_control *home_find(const struct home *, const char *student);

/*
 * Whether c blocks a host of category (may be NULL) at UTC instant now, the
 * bedtime window counted in p's time zone.  Pure.  A pause wins over a
 * bedtime, a bedtime over a category.
 */
enum home_reason home_decide(const struct home_control *c, const struct policy *p,
	    const char *category, time_t now);
/* "guardian-pause", ...: the reason activity records; NULL for HOME_R_NONE. */
const char	*home_reason_name(enum home_reason);
/*
 * Plain words for IT (explain): "paused by guardian until 20:30",
 * "blocked at home by guardian: games", "guardian's bedtime 20:00-06:30".
 */
void		 home_why(const struct home_control *c, const struct policy *p,
		    enum home_reason, const char *category, char *buf, size_t len);

/*
 * The checks a change must pass (the dashboard's, and the tests').  Each
 * returns 0, or -1 with a one-line reason in err and, in *code, a word the
 * dashboard and the audit use: "bad-minutes", "bad-time", "later-bedtime",
 * "unknown-category", "district-blocks", "not-blocked", "too-many".
 */
int	home_check_pause(long minutes, const char **code, char *err, size_t errlen);
/*
 * A bedtime from..to (minutes; to -1: until the district's morning).  Never
 * later than the district's own night window for the student (a window that
 * crosses midnight, the latest-ending one), nor ending earlier in the
 * morning; without a district window to must be given.  *to_out gets the end.
 */
int	home_check_bedtime(const struct policy *, const struct policy_student *,
	    int from, int to, int *to_out, const char **code, char *err,
	    size_t errlen);
/* The district's night window for the student: 0 and *from, *to; -1 when it has none. */
int	home_district_night(const struct policy *, const struct policy_student *,
	    int *from, int *to);
/* Adding category to c's list (a category of p). */
int	home_check_block(const struct policy *, const struct home_control *c,
	    const char *category, const char **code, char *err, size_t errlen);
/*
 * Removing category from c's list: only a category the guardian added, and
 * never one the district blocks for the student at all times.
 */
int	home_check_unblock(const struct policy *, const struct policy_student *,
	    const struct home_control *c, const char *category, const char **code,
	    char *err, size_t errlen);
/* The categories a guardian may pick (rules.d's, also in a roster-only snapshot), in file order. */
size_t		 home_category_count(const struct policy *);
const char	*home_category_name(const struct policy *, size_t i);
/* 1 if the district blocks category for the student at all times (the group's block, or block all). */
int		 home_district_blocks(const struct policy *, const struct policy_student *,
		    const char *category);
/* 1 if category is in c's list. */
int	home_has_category(const struct home_control *c, const char *category);
/* Adds (add 1) or removes category in c's list; -1 when the list is full. */
int	home_set_category(struct home_control *c, const char *category, int add);
/* "HH:MM" to minutes, -1 when it is not a time 00:00-23:59. */
int	home_parse_time(const char *);

#endif
