/* policy_decide: the pure decision — name matching, precedence, and the words that explain it. */
#include "policy_impl.h"

#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"

/* Categories one name can fall in at once; beyond this the rest are not reported. */
#define DECIDE_MAX_CATS	32

struct decide_cat {
	uint32_t	 cat;
	uint32_t	 line;
	const char	*file;
	const char	*key;
};

struct decide_hit {
	int		 found;
	uint32_t	 line;
	const char	*key;
};

struct decide_state {
	const struct policy		*p;
	const struct policy_student	*st;
	uint32_t			 group;
	struct decide_hit		 sdeny, sallow, gdeny, gallow;
	struct decide_cat		 cats[DECIDE_MAX_CATS];
	size_t				 ncats;
};

static pthread_key_t	decide_md_key;
static pthread_once_t	decide_md_once = PTHREAD_ONCE_INIT;

static void
decide_md_free(void *md)
{
	pcre2_match_data_free(md);
}

static void
decide_md_init(void)
{
	(void)pthread_key_create(&decide_md_key, decide_md_free);
}

/* One match-data block per thread, made on its first pattern match and reused. */
static pcre2_match_data *
decide_md(void)
{
	pcre2_match_data *md;

	(void)pthread_once(&decide_md_once, decide_md_init);
	if ((md = pthread_getspecific(decide_md_key)) == NULL) {
		md = pcre2_match_data_create(1, NULL);
		if (md != NULL && pthread_setspecific(decide_md_key, md) != 0) {
			pcre2_match_data_free(md);
			md = NULL;
		}
	}
	return md;
}

static int
decide_has_cat(const struct decide_state *s, uint32_t c)
{
	for (size_t i = 0; i < s->ncats; i++)
		if (s->cats[i].cat == c)
			return 1;
	return 0;
}

static void
decide_add_cat(struct decide_state *s, uint32_t c, uint32_t line,
    const char *file, const char *key)
{
	if (s->ncats < DECIDE_MAX_CATS && !decide_has_cat(s, c))
		s->cats[s->ncats++] = (struct decide_cat){ c, line, file, key };
}

static void
decide_hit(struct decide_hit *h, uint32_t line, const char *key)
{
	if (!h->found)
		*h = (struct decide_hit){ 1, line, key };
}

static void
decide_pairs(struct decide_state *s, const uint32_t *pairs, size_t n,
    const char *key)
{
	const struct policy *p = s->p;

	for (size_t i = 0; i < n; i++) {
		const struct policy_list *l = &p->lists[pairs[2 * i]];
		uint32_t line = pairs[2 * i + 1];

		switch (l->kind) {
		case PLIST_CATEGORY:
			decide_add_cat(s, l->owner, line, l->file, key);
			break;
		case PLIST_GROUP_ALLOW:
			if (l->owner == s->group)
				decide_hit(&s->gallow, line, key);
			break;
		case PLIST_GROUP_DENY:
			if (l->owner == s->group)
				decide_hit(&s->gdeny, line, key);
			break;
		case PLIST_STUDENT_ALLOW:
			if (s->st != NULL && l->owner == s->st->index)
				decide_hit(&s->sallow, line, key);
			break;
		case PLIST_STUDENT_DENY:
			if (s->st != NULL && l->owner == s->st->index)
				decide_hit(&s->sdeny, line, key);
			break;
		}
	}
}

/* Longest suffix first, so the most specific entry is met first. */
static void
decide_match(struct decide_state *s, const char *name, size_t len,
    enum hostname_kind kind, const char *path)
{
	const struct policy	*p = s->p;
	const uint32_t		*pairs;
	const char		*key, *at = name, *dot;
	size_t			 n;

	for (;;) {
		size_t rest = len - (size_t)(at - name);

		if ((n = domtab_find(p->domains, at, rest, &pairs, &key)) > 0)
			decide_pairs(s, pairs, n, key);
		if (path != NULL &&
		    (n = domtab_find(p->urlhosts, at, rest, &pairs, &key)) > 0) {
			for (size_t i = 0; i < n; i++) {
				const struct policy_urlrule *u = &p->urls[pairs[2 * i]];

				if (strncmp(path, u->path, u->pathlen) == 0)
					decide_add_cat(s, u->category, u->line,
					    p->categories[u->category].file, u->text);
			}
		}
		/* An IP literal has no parent domains. */
		if (kind != HOSTNAME_NAME ||
		    (dot = memchr(at, '.', rest)) == NULL)
			break;
		at = dot + 1;
	}
	if (p->npatterns == 0 || kind != HOSTNAME_NAME)
		return;
	pcre2_match_data *md = decide_md();

	if (md == NULL)
		return;
	for (uint32_t c = 0; c < p->ncategories; c++) {
		const struct policy_category *cat = &p->categories[c];

		if (cat->npatterns == 0 || decide_has_cat(s, c))
			continue;
		for (size_t i = 0; i < cat->npatterns; i++)
			if (pcre2_match(cat->patterns[i].code, (PCRE2_SPTR)name, len,
			    0, 0, md, p->mctx) >= 0) {
				decide_add_cat(s, c, cat->patterns[i].line, cat->file,
				    cat->patterns[i].text);
				break;
			}
	}
}

/* The one window rule, shared with the dashboard through policy_window_covers. */
static int
decide_window(const struct policy_schedule *s, int wday, int minute)
{
	struct policy_window w = { s->name, s->days, s->from, s->to };

	return policy_window_covers(&w, wday, minute);
}

static uint32_t
decide_ref_line(const struct policy_catref *refs, size_t n, uint32_t cat,
    uint32_t dflt)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i].category == cat)
			return refs[i].line;
	return dflt;
}

static void
decide_from_list(struct policy_decision *out, const struct policy *p,
    enum policy_action a, enum policy_reason r, const struct decide_hit *h)
{
	out->action = a;
	out->reason = r;
	out->rule_file = out->policy_file = p->policy_file;
	out->rule_line = out->policy_line = h->line;
	out->matched = h->key;
}

static void
decide_from_cat(struct policy_decision *out, const struct policy *p,
    const struct decide_cat *c)
{
	out->category = p->categories[c->cat].name;
	out->rule_file = c->file;
	out->rule_line = c->line;
	out->matched = c->key;
}

void
policy_decide(const struct policy *p, const struct policy_student *st,
    const char *host, size_t len, const char *path, time_t now,
    struct policy_decision *out)
{
	struct decide_state		 s;
	const struct policy_group	*g;
	char				 name[HOSTNAME_BUFSZ];
	enum hostname_kind		 kind;
	size_t				 nlen = 0, i, j;

	memset(out, 0, sizeof(*out));
	s.p = p;
	s.st = st;
	s.group = st != NULL ? st->group : p->default_group;
	memset(&s.sdeny, 0, sizeof(s.sdeny));
	s.sallow = s.gdeny = s.gallow = s.sdeny;
	s.ncats = 0;
	g = &p->groups[s.group];
	out->group = g->name;
	kind = hostname_normalize(host, len, name, NULL);
	out->host_valid = kind != HOSTNAME_INVALID;
	if (kind != HOSTNAME_INVALID) {
		nlen = strlen(name);
		decide_match(&s, name, nlen, kind, path);
	}
	if (s.ncats > 0)
		decide_from_cat(out, p, &s.cats[0]);

	if (s.sdeny.found) {
		decide_from_list(out, p, POLICY_BLOCK, POLICY_R_STUDENT_DENY, &s.sdeny);
		return;
	}
	if (s.sallow.found) {
		decide_from_list(out, p, POLICY_ALLOW, POLICY_R_STUDENT_ALLOW,
		    &s.sallow);
		goto allowed;
	}
	if (s.gdeny.found) {
		decide_from_list(out, p, POLICY_BLOCK, POLICY_R_GROUP_DENY, &s.gdeny);
		return;
	}
	if (g->nschedules > 0) {
		struct tz_tm tm;
		int minute;

		tz_localtime(p->tz, (int64_t)now, &tm);
		minute = tm.hour * 60 + tm.min;
		for (i = 0; i < g->nschedules; i++) {
			const struct policy_schedule *w = &g->schedules[i];
			const struct decide_cat *hit = NULL;

			if (!decide_window(w, tm.wday, minute))
				continue;
			for (j = 0; j < s.ncats && hit == NULL; j++)
				if (policy_catset_has(w->blocks, s.cats[j].cat))
					hit = &s.cats[j];
			if (hit == NULL && !w->block_all)
				continue;
			out->action = POLICY_BLOCK;
			out->reason = POLICY_R_SCHEDULE;
			out->schedule = w->name;
			out->policy_file = p->policy_file;
			out->policy_line = w->line;
			if (hit != NULL) {
				decide_from_cat(out, p, hit);
				out->policy_line = decide_ref_line(w->refs, w->nrefs,
				    hit->cat, w->line);
			} else if (s.ncats == 0) {
				out->rule_file = p->policy_file;
				out->rule_line = w->line;
			}
			return;
		}
	}
	if (s.gallow.found) {
		decide_from_list(out, p, POLICY_ALLOW, POLICY_R_GROUP_ALLOW, &s.gallow);
		goto allowed;
	}
	for (j = 0; j < s.ncats; j++)
		if (policy_catset_has(g->blocks, s.cats[j].cat)) {
			decide_from_cat(out, p, &s.cats[j]);
			out->action = POLICY_BLOCK;
			out->reason = POLICY_R_CATEGORY_BLOCKED;
			out->policy_file = p->policy_file;
			out->policy_line = decide_ref_line(g->refs, g->nrefs,
			    s.cats[j].cat, g->line);
			return;
		}
	if (g->block_all) {
		out->action = POLICY_BLOCK;
		out->reason = POLICY_R_BLOCK_ALL;
		out->policy_file = p->policy_file;
		out->policy_line = g->block_all_line;
		if (s.ncats == 0) {
			out->rule_file = p->policy_file;
			out->rule_line = g->block_all_line;
		}
		return;
	}
	out->action = POLICY_ALLOW;
	out->reason = s.ncats > 0 ? POLICY_R_CATEGORY_ALLOWED : POLICY_R_DEFAULT;
 allowed:
	if (g->safe_search != POLICY_SS_OFF && kind == HOSTNAME_NAME) {
		const uint32_t	*pairs;
		const struct policy_engine *e;

		if (domtab_find(p->sshosts, name, nlen, &pairs, NULL) > 0 &&
		    (e = &p->engines[pairs[0]])->target[g->safe_search] != NULL) {
			out->action = POLICY_SAFESEARCH;
			out->reason = POLICY_R_SAFESEARCH;
			out->rewrite = e->target[g->safe_search];
			out->policy_file = p->safesearch_file;
			out->policy_line = pairs[1];
			if (out->rule_file == NULL) {
				out->rule_file = p->safesearch_file;
				out->rule_line = pairs[1];
			}
		}
	}
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_BLOCK:
		return "block";
	case POLICY_SAFESEARCH:
		return "safesearch";
	default:
		return "allow";
	}
}

const char *
policy_reason_name(enum policy_reason r)
{
	static const char *const names[] = {
		"default", "student-deny", "student-allow", "group-deny",
		"schedule", "group-allow", "category", "block-all",
		"category-allowed", "safe-search",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

void
policy_decision_why(const struct policy_decision *d, char *buf, size_t sz)
{
	char		 m[400] = "";
	const char	*g = d->group ? d->group : "?";

	if (d->matched != NULL)
		snprintf(m, sizeof(m), " (matched %s)", d->matched);
	switch (d->reason) {
	case POLICY_R_STUDENT_DENY:
		snprintf(buf, sz, "on this student's deny list%s", m);
		break;
	case POLICY_R_STUDENT_ALLOW:
		snprintf(buf, sz, "on this student's allow list%s", m);
		break;
	case POLICY_R_GROUP_DENY:
		snprintf(buf, sz, "on the deny list of group %s%s", g, m);
		break;
	case POLICY_R_GROUP_ALLOW:
		snprintf(buf, sz, "on the allow list of group %s%s", g, m);
		break;
	case POLICY_R_SCHEDULE:
		if (d->category != NULL)
			snprintf(buf, sz, "schedule %s of group %s blocks %s now%s",
			    d->schedule, g, d->category, m);
		else
			snprintf(buf, sz, "schedule %s of group %s blocks all sites now",
			    d->schedule, g);
		break;
	case POLICY_R_CATEGORY_BLOCKED:
		snprintf(buf, sz, "group %s blocks %s%s", g, d->category, m);
		break;
	case POLICY_R_BLOCK_ALL:
		snprintf(buf, sz, "group %s blocks all sites not on its allow list",
		    g);
		break;
	case POLICY_R_CATEGORY_ALLOWED:
		snprintf(buf, sz, "in %s, which group %s does not block%s",
		    d->category, g, m);
		break;
	case POLICY_R_SAFESEARCH:
		snprintf(buf, sz, "safe search enforced for group %s: answered "
		    "with %s", g, d->rewrite);
		break;
	default:
		snprintf(buf, sz, "no rule matched%s", d->host_valid ? "" :
		    " (not a valid host name)");
		break;
	}
}

const struct policy_student *
policy_student_find(const struct policy *p, const char *id)
{
	size_t lo = 0, hi = p->nsorder;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct policy_student *s = &p->students[p->sorder[mid]];
		int c = strcmp(id, s->id);

		if (c == 0)
			return s;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* While policy.yaml's students are read, those past the sorted ones are searched in turn. */
	for (size_t i = p->nsorder; i < p->nstudents; i++)
		if (strcmp(p->students[i].id, id) == 0)
			return &p->students[i];
	return NULL;
}

const struct policy_student *
policy_client_lookup(const struct policy *p, const uint8_t *mac, int af,
    const void *addr)
{
	size_t lo, hi, alen = af == AF_INET6 ? 16 : 4;

	if (mac != NULL && p->macslots != NULL) {
		uint64_t key = policy_mac_key(mac) + 1;
		size_t h = policy_mac_hash(key, p->nmacslots);

		while (p->macslots[h].key != 0 && p->macslots[h].key != key)
			h = (h + 1) & (p->nmacslots - 1);
		if (p->macslots[h].key != 0) {
			const struct policy_device *d = &p->devmac[p->macslots[h].dev];

			/* With an address too, both must match. */
			if (!d->has_ip || (addr != NULL && af == d->af &&
			    memcmp(addr, d->addr, alen) == 0))
				return &p->students[d->student];
		}
	}
	if (addr == NULL || (af != AF_INET && af != AF_INET6))
		return NULL;
	lo = 0;
	hi = p->ndevip;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct policy_device *d = &p->devip[mid];
		int c = (af > d->af) - (af < d->af);

		if (c == 0)
			c = memcmp(addr, d->addr, alen);
		if (c == 0 && alen == 4) {
			/* Stored addresses are zero-padded to 16 bytes. */
			for (size_t k = 4; k < 16 && c == 0; k++)
				c = d->addr[k] != 0 ? -1 : 0;
		}
		if (c == 0)
			return &p->students[d->student];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* An exact address beats a network; among networks the longest prefix wins. */
	return p->nnetgroups > 0 ? policy_net_lookup(p, af, addr) : NULL;
}

const char *
policy_student_id(const struct policy_student *s)
{
	return s->id;
}

const char *
policy_student_name(const struct policy_student *s)
{
	return s->name;
}

const char *
policy_student_group(const struct policy_student *s)
{
	return s->owner->groups[s->group].name;
}

size_t
policy_student_count(const struct policy *p)
{
	return p->nstudents;
}

const struct policy_student *
policy_student_at(const struct policy *p, size_t i)
{
	return i < p->nstudents ? &p->students[i] : NULL;
}

const struct policy_guardian *
policy_guardian_find(const struct policy *p, const char *id)
{
	size_t lo = 0, hi = p->ngorder;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct policy_guardian *g = &p->guardians[p->gorder[mid]];
		int c = strcmp(id, g->id);

		if (c == 0)
			return g;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* While policy.yaml's guardians are read, those past the sorted ones are searched in turn. */
	for (size_t i = p->ngorder; i < p->nguardians; i++)
		if (p->guardians[i].id != NULL && strcmp(p->guardians[i].id, id) == 0)
			return &p->guardians[i];
	return NULL;
}

const char *
policy_guardian_id(const struct policy_guardian *g)
{
	return g->id;
}

const char *
policy_guardian_name(const struct policy_guardian *g)
{
	return g->name;
}

const char *
policy_guardian_email(const struct policy_guardian *g)
{
	return g->email;
}

size_t
policy_guardian_nstudents(const struct policy_guardian *g)
{
	return g->nstudents;
}

const struct policy_student *
policy_guardian_student(const struct policy_guardian *g, size_t i)
{
	return i < g->nstudents ? g->students[i] : NULL;
}

size_t
policy_guardian_count(const struct policy *p)
{
	return p->nguardians;
}

const struct policy_guardian *
policy_guardian_at(const struct policy *p, size_t i)
{
	return i < p->nguardians ? &p->guardians[i] : NULL;
}

const char *
policy_timezone(const struct policy *p)
{
	return tz_name(p->tz);
}

const char *
policy_default_group(const struct policy *p)
{
	return p->default_group_name;
}

int
policy_parse_local(const struct policy *p, const char *s, time_t *out)
{
	struct tz_tm	 tm;
	int64_t		 t;
	int		 n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*[ T]%2d:%2d%n", &tm.year, &tm.mon, &tm.mday,
	    &tm.hour, &tm.min, &n) != 5 || s[n] != '\0' || strlen(s) != 16)
		return -1;
	if (tm.mon < 1 || tm.mon > 12 || tm.mday < 1 || tm.mday > 31 ||
	    tm.hour > 23 || tm.min > 59 || tm.year < 1970)
		return -1;
	if (tz_mktime(p->tz, &tm, &t) != 0)
		return -1;
	*out = (time_t)t;
	return 0;
}

int
policy_port_blocked(const struct policy *p, const struct policy_student *st,
    int proto, uint16_t port, unsigned *line)
{
	const struct policy_group *g = &p->groups[st != NULL ? st->group : p->default_group];

	for (size_t i = 0; i < g->nports; i++) {
		uint32_t e = g->ports[i];

		if ((e & 0xffff) == port && ((e >> 16) == 0 || (int)(e >> 16) == proto)) {
			*line = g->port_lines[i];
			return 1;
		}
	}
	return 0;
}

const char *
policy_file(const struct policy *p)
{
	return p->policy_file;
}

struct catdom_state {
	const struct policy	*p;
	uint32_t		 cat;
	void			(*cb)(const char *, void *);
	void			*arg;
	long			 n;
};

static void
catdom_one(const char *name, const uint32_t *pairs, size_t n, void *arg)
{
	struct catdom_state *cs = arg;

	for (size_t i = 0; i < n; i++) {
		const struct policy_list *l = &cs->p->lists[pairs[2 * i]];

		if (l->kind == PLIST_CATEGORY && l->owner == cs->cat) {
			cs->cb(name, cs->arg);
			cs->n++;
			return;
		}
	}
}

long
policy_category_domains(const struct policy *p, const char *category,
    void (*cb)(const char *, void *), void *arg)
{
	int			 c = policy_category_find(p, category);
	struct catdom_state	 cs = { p, 0, cb, arg, 0 };

	if (c < 0)
		return -1;
	cs.cat = (uint32_t)c;
	domtab_foreach(p->domains, catdom_one, &cs);
	return cs.n;
}

void
policy_local_day(const struct policy *p, time_t t, char day[11], int *hour)
{
	struct tz_tm tm;

	tz_localtime(p->tz, (int64_t)t, &tm);
	/* Years past 9999 cannot occur from a clock; clamp so the format always fits. */
	if (tm.year < 0 || tm.year > 9999)
		tm.year = tm.year < 0 ? 0 : 9999;
	snprintf(day, 11, "%04d-%02d-%02d", tm.year, tm.mon, tm.mday);
	*hour = tm.hour;
}

void
policy_stats(const struct policy *p, struct policy_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->categories = p->ncategories;
	st->domains = domtab_count(p->domains);
	st->patterns = p->npatterns;
	st->urls = p->nurls;
	st->groups = p->ngroups;
	st->students = p->nstudents;
	st->guardians = p->nguardians;
}
