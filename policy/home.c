/* home: guardians' controls at home — the set hallpassd decides with, and the checks that keep them from loosening the district's policy. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "hp_err.h"
#include "hp_str.h"
#include "policy_impl.h"

struct home {
	atomic_int		 refs;
	size_t			 n;
	uint64_t		 digest;
	struct home_control	 c[];	/* sorted by student */
};

static int
home_cmp(const void *a, const void *b)
{
	return strcmp(((const struct home_control *)a)->student,
	    ((const struct home_control *)b)->student);
}

static uint64_t
home_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct home *
home_new(const struct home_control *c, size_t n)
{
	struct home	*h;
	uint64_t	 d = 0xcbf29ce484222325ull;

	if ((h = calloc(1, sizeof(*h) + n * sizeof(*c))) == NULL)
		return NULL;
	atomic_init(&h->refs, 1);
	h->n = n;
	if (n > 0)
		memcpy(h->c, c, n * sizeof(*c));
	qsort(h->c, n, sizeof(*c), home_cmp);
	/* Field by field: padding and the bytes after each string's end never count. */
	for (size_t i = 0; i < n; i++) {
		const struct home_control *x = &h->c[i];
		int32_t bed[2] = { x->bed_from, x->bed_to };

		d = home_fnv(d, x->student, strlen(x->student) + 1);
		d = home_fnv(d, &x->pause_until_ms, sizeof(x->pause_until_ms));
		d = home_fnv(d, bed, sizeof(bed));
		d = home_fnv(d, x->categories, strlen(x->categories) + 1);
	}
	h->digest = d;
	return h;
}

struct home *
home_ref(struct home *h)
{
	if (h != NULL)
		atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
	return h;
}

void
home_unref(struct home *h)
{
	if (h != NULL &&
	    atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1)
		free(h);
}

size_t
home_count(const struct home *h)
{
	return h != NULL ? h->n : 0;
}

uint64_t
home_digest(const struct home *h)
{
	return h != NULL ? h->digest : 0;
}

const struct home_control *
home_find(const struct home *h, const char *student)
{
	struct home_control key;

	if (h == NULL || h->n == 0 || student == NULL)
		return NULL;
	if (hp_strlcpy(key.student, student, sizeof(key.student)) >= sizeof(key.student))
		return NULL;
	return bsearch(&key, h->c, h->n, sizeof(key), home_cmp);
}

int
home_has_category(const struct home_control *c, const char *category)
{
	size_t		 n = strlen(category);
	const char	*s = c->categories;

	if (n == 0)
		return 0;
	while (*s != '\0') {
		size_t k = strcspn(s, ",");

		if (k == n && strncmp(s, category, n) == 0)
			return 1;
		s += k;
		if (*s == ',')
			s++;
	}
	return 0;
}

int
home_set_category(struct home_control *c, const char *category, int add)
{
	char		 out[HOME_CATS_LEN] = "";
	const char	*s = c->categories;
	size_t		 n = strlen(category), count = 0, len = 0;
	int		 w;

	if (add && home_has_category(c, category))
		return 0;
	while (*s != '\0') {
		size_t k = strcspn(s, ",");

		if (!(k == n && strncmp(s, category, n) == 0)) {
			w = snprintf(out + len, sizeof(out) - len, "%s%.*s",
			    len > 0 ? "," : "", (int)k, s);
			if (w < 0 || (size_t)w >= sizeof(out) - len)
				return -1;
			len += (size_t)w;
			count++;
		}
		s += k;
		if (*s == ',')
			s++;
	}
	if (add) {
		if (count >= HOME_CATS_MAX)
			return -1;
		w = snprintf(out + len, sizeof(out) - len, "%s%s", len > 0 ? "," : "",
		    category);
		if (w < 0 || (size_t)w >= sizeof(out) - len)
			return -1;
	}
	hp_strlcpy(c->categories, out, sizeof(c->categories));
	return 0;
}

/* A daily window from..to (to < from crosses midnight); from == to is none. */
static int
home_covers(int from, int to, int minute)
{
	if (from < 0 || to < 0 || from == to)
		return 0;
	if (from < to)
		return minute >= from && minute < to;
	return minute >= from || minute < to;
}

enum home_reason
home_decide(const struct home_control *c, const struct policy *p,
    const char *category, time_t now)
{
	struct tz_tm	 tm;

	if (c == NULL)
		return HOME_R_NONE;
	if (c->pause_until_ms > (int64_t)now * 1000)
		return HOME_R_PAUSE;
	if (c->bed_from >= 0) {
		tz_localtime(p->tz, (int64_t)now, &tm);
		if (home_covers(c->bed_from, c->bed_to, tm.hour * 60 + tm.min))
			return HOME_R_BEDTIME;
	}
	if (category != NULL && home_has_category(c, category))
		return HOME_R_CATEGORY;
	return HOME_R_NONE;
}

const char *
home_reason_name(enum home_reason r)
{
	switch (r) {
	case HOME_R_PAUSE:
		return "guardian-pause";
	case HOME_R_BEDTIME:
		return "guardian-bedtime";
	case HOME_R_CATEGORY:
		return "guardian-category";
	case HOME_R_NONE:
		break;
	}
	return NULL;
}

void
home_why(const struct home_control *c, const struct policy *p, enum home_reason r,
    const char *category, char *buf, size_t len)
{
	struct tz_tm	 tm;

	switch (r) {
	case HOME_R_PAUSE:
		tz_localtime(p->tz, c->pause_until_ms / 1000, &tm);
		snprintf(buf, len, "paused by guardian until %02d:%02d", tm.hour, tm.min);
		break;
	case HOME_R_BEDTIME:
		snprintf(buf, len, "guardian's bedtime %02d:%02d-%02d:%02d",
		    c->bed_from / 60, c->bed_from % 60, c->bed_to / 60, c->bed_to % 60);
		break;
	case HOME_R_CATEGORY:
		snprintf(buf, len, "blocked at home by guardian: %s",
		    category != NULL ? category : "-");
		break;
	case HOME_R_NONE:
		snprintf(buf, len, "no guardian control applies");
		break;
	}
}

int
home_parse_time(const char *s)
{
	int	 h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 60 + m;
}

int
home_check_pause(long minutes, const char **code, char *err, size_t errlen)
{
	if (minutes >= HOME_PAUSE_MIN && minutes <= HOME_PAUSE_MAX)
		return 0;
	*code = "bad-minutes";
	hp_errf(err, errlen, "a pause lasts %d to %d minutes, not %ld", HOME_PAUSE_MIN,
	    HOME_PAUSE_MAX, minutes);
	return -1;
}

static const struct policy_group *
home_group(const struct policy *p, const struct policy_student *st)
{
	return &p->groups[st != NULL ? st->group : p->default_group];
}

int
home_district_night(const struct policy *p, const struct policy_student *st,
    int *from, int *to)
{
	const struct policy_group	*g = home_group(p, st);
	int				 found = -1;

	/* The night is the window that crosses midnight; of several, the one starting earliest in the evening. */
	for (size_t i = 0; i < g->nschedules; i++) {
		const struct policy_schedule *w = &g->schedules[i];

		if (w->to >= w->from)
			continue;
		if (found < 0 || (w->from + 720) % 1440 < (*from + 720) % 1440) {
			*from = w->from;
			*to = w->to;
			found = 0;
		}
	}
	return found;
}

int
home_check_bedtime(const struct policy *p, const struct policy_student *st,
    int from, int to, int *to_out, const char **code, char *err, size_t errlen)
{
	int	 dfrom = -1, dto = -1, night;

	*code = "bad-time";
	if (from < 0 || from >= 1440 || to < -1 || to >= 1440) {
		hp_errf(err, errlen, "a bedtime starts and ends at a time 00:00-23:59");
		return -1;
	}
	night = home_district_night(p, st, &dfrom, &dto) == 0;
	if (to == -1) {
		if (!night) {
			hp_errf(err, errlen, "the district has no night window for this "
			    "student: say when the bedtime ends");
			return -1;
		}
		to = dto;
	}
	if (to == from) {
		hp_errf(err, errlen, "a bedtime cannot end when it starts");
		return -1;
	}
	/* Compared from noon to noon, so 21:00 is before 00:30 and 06:30 after both. */
	if (night && (from + 720) % 1440 > (dfrom + 720) % 1440) {
		*code = "later-bedtime";
		hp_errf(err, errlen, "%02d:%02d is later than the district's bedtime "
		    "%02d:%02d: a guardian can only make it earlier", from / 60,
		    from % 60, dfrom / 60, dfrom % 60);
		return -1;
	}
	if (night && (to + 720) % 1440 < (dto + 720) % 1440) {
		*code = "later-bedtime";
		hp_errf(err, errlen, "%02d:%02d is earlier than the district's morning "
		    "%02d:%02d: a guardian can only make the night longer", to / 60,
		    to % 60, dto / 60, dto % 60);
		return -1;
	}
	*to_out = to;
	return 0;
}

int
home_check_block(const struct policy *p, const struct home_control *c,
    const char *category, const char **code, char *err, size_t errlen)
{
	if (category == NULL || policy_category_find(p, category) < 0) {
		*code = "unknown-category";
		hp_errf(err, errlen, "\"%.80s\" is not a category", category ? category : "");
		return -1;
	}
	if (!home_has_category(c, category)) {
		size_t	 n = 0;

		for (const char *s = c->categories; *s != '\0'; s++)
			n += *s == ',';
		if ((c->categories[0] != '\0' && n + 1 >= HOME_CATS_MAX) ||
		    strlen(c->categories) + strlen(category) + 2 > sizeof(c->categories)) {
			*code = "too-many";
			hp_errf(err, errlen, "at most %d categories", HOME_CATS_MAX);
			return -1;
		}
	}
	return 0;
}

int
home_check_unblock(const struct policy *p, const struct policy_student *st,
    const struct home_control *c, const char *category, const char **code,
    char *err, size_t errlen)
{
	const struct policy_group	*g = home_group(p, st);
	int				 cat;

	if (category == NULL || (cat = policy_category_find(p, category)) < 0) {
		*code = "unknown-category";
		hp_errf(err, errlen, "\"%.80s\" is not a category", category ? category : "");
		return -1;
	}
	if (home_district_blocks(p, st, category)) {
		*code = "district-blocks";
		hp_errf(err, errlen, "the district blocks %s for group %s: a guardian "
		    "cannot unblock it", category, g->name);
		return -1;
	}
	if (c == NULL || !home_has_category(c, category)) {
		*code = "not-blocked";
		hp_errf(err, errlen, "%s is not blocked at home", category);
		return -1;
	}
	return 0;
}

size_t
home_category_count(const struct policy *p)
{
	return p->ncategories;
}

const char *
home_category_name(const struct policy *p, size_t i)
{
	return i < p->ncategories ? p->categories[i].name : NULL;
}

int
home_district_blocks(const struct policy *p, const struct policy_student *st,
    const char *category)
{
	const struct policy_group	*g = home_group(p, st);
	int				 cat = policy_category_find(p, category);

	return g->block_all || (cat >= 0 && policy_catset_has(g->blocks, (uint32_t)cat));
}
