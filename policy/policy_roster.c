/* policy_roster: roster.csv (the SIS import) inside the snapshot: group rules, imported students, guardians and devices, networks and hotspots. */
#include "policy_impl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "ycfg.h"

void
policy_mask(uint8_t *addr, int af, unsigned prefix)
{
	size_t alen = af == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < 16; i++) {
		size_t hi = i * 8;

		if (i >= alen || hi >= prefix)
			addr[i] = 0;
		else if (prefix - hi < 8)
			addr[i] &= (uint8_t)(0xff << (8 - (prefix - hi)));
	}
}

/* "KG-05", "03", or a list of both: the grade bits. 0 with an error. */
static uint32_t
policy_grades(struct ycfg *y, yaml_node_t *n)
{
	yaml_node_item_t	*items;
	yaml_node_t		*one[1] = { n };
	int			 count = 1;
	uint32_t		 bits = 0;

	if (n->type == YAML_SEQUENCE_NODE &&
	    (count = ycfg_seq(y, n, "grades", &items)) < 0)
		return 0;
	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = n->type == YAML_SEQUENCE_NODE ?
		    ycfg_node(y, items[i]) : one[0];
		const char	*s = ycfg_str(y, it, "a grade or range");
		char		 a[16], *dash;
		int		 lo, hi;

		if (s == NULL)
			return 0;
		snprintf(a, sizeof(a), "%s", s);
		if ((dash = strchr(a, '-')) != NULL)
			*dash++ = '\0';
		lo = roster_grade_rank(a);
		hi = dash != NULL ? roster_grade_rank(dash) : lo;
		if (lo < 0 || hi < 0 || hi < lo || strlen(s) >= sizeof(a)) {
			ycfg_err(y, it, "\"%.40s\" is not a grade or a range of grades "
			    "(IT PR PK TK KG 01-13 PS UG Other, e.g. KG-05)", s);
			return 0;
		}
		for (int g = lo; g <= hi; g++)
			bits |= 1u << g;
	}
	return bits;
}

void
policy_grouprules(struct policy *p, struct ycfg *y, yaml_node_t *n)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "group_rules", &items);

	if (count <= 0 || (p->rules = calloc((size_t)count, sizeof(*p->rules))) == NULL)
		return;
	for (int i = 0; i < count; i++) {
		yaml_node_t		*it = ycfg_node(y, items[i]);
		struct policy_grouprule	*r = &p->rules[p->nrules];
		struct ycfg_key		 k[] = { { "school", 0, NULL, NULL },
			{ "grades", 0, NULL, NULL }, { "group", 1, NULL, NULL } };
		const char		*s;
		int			 g;

		if (ycfg_map(y, it, k, 3, "a group rule") != 0)
			continue;
		p->nrules++;
		r->line = (uint32_t)ycfg_line(it);
		if (k[0].val == NULL && k[1].val == NULL)
			ycfg_err(y, it, "a group rule needs a school, grades, or both");
		if (k[1].val != NULL)
			r->grades = policy_grades(y, k[1].val);
		if ((s = ycfg_str(y, k[2].val, "group")) != NULL) {
			if ((g = policy_group_find(p, s)) < 0)
				ycfg_err(y, k[2].val, "unknown group \"%.80s\"", s);
			else
				r->group = (uint32_t)g;
		}
		if (k[0].val == NULL)
			continue;
		if (k[0].val->type == YAML_SEQUENCE_NODE) {
			yaml_node_item_t *si;
			int sn = ycfg_seq(y, k[0].val, "school", &si);

			if (sn <= 0 || (r->schools = calloc((size_t)sn, sizeof(char *))) == NULL)
				continue;
			for (int j = 0; j < sn; j++)
				if ((s = ycfg_str(y, ycfg_node(y, si[j]), "a school")) != NULL)
					r->schools[r->nschools++] = strdup(s);
		} else if ((s = ycfg_str(y, k[0].val, "school")) != NULL &&
		    (r->schools = calloc(1, sizeof(char *))) != NULL)
			r->schools[r->nschools++] = strdup(s);
	}
}

static uint32_t
policy_rule_group(const struct policy *p, const struct policy_student *s)
{
	int rank = s->grade != NULL ? roster_grade_rank(s->grade) : -1;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_grouprule *r = &p->rules[i];
		size_t j;

		if (r->grades != 0 && (rank < 0 || !(r->grades >> rank & 1)))
			continue;
		for (j = 0; j < r->nschools; j++)
			if (r->schools[j] != NULL && ((s->school != NULL &&
			    strcmp(r->schools[j], s->school) == 0) ||
			    (s->school_name != NULL && strcmp(r->schools[j], s->school_name) == 0)))
				break;
		if (r->nschools == 0 || j < r->nschools)
			return r->group;
	}
	return p->default_group;
}

static int
policy_student_cmp(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;

	return strcmp(p->students[*(const uint32_t *)a].id,
	    p->students[*(const uint32_t *)b].id);
}

int
policy_sort_students(struct policy *p)
{
	uint32_t *o = realloc(p->sorder, (p->nstudents + 1) * sizeof(*o));

	if (o == NULL)
		return -1;
	p->sorder = o;
	for (size_t i = 0; i < p->nstudents; i++)
		o[i] = (uint32_t)i;
	qsort_r(o, p->nstudents, sizeof(*o), policy_student_cmp, p);
	p->nsorder = p->nstudents;
	return 0;
}

static int
policy_guardian_cmp(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;

	return strcmp(p->guardians[*(const uint32_t *)a].id,
	    p->guardians[*(const uint32_t *)b].id);
}

int
policy_sort_guardians(struct policy *p)
{
	uint32_t *o = realloc(p->gorder, (p->nguardians + 1) * sizeof(*o));

	if (o == NULL)
		return -1;
	p->gorder = o;
	for (size_t i = 0; i < p->nguardians; i++)
		o[i] = (uint32_t)i;
	qsort_r(o, p->nguardians, sizeof(*o), policy_guardian_cmp, p);
	p->ngorder = p->nguardians;
	return 0;
}

static char *
policy_join_name(const char *given, const char *family)
{
	char *s;

	if (asprintf(&s, "%s%s%s", given ? given : "", given && family ? " " : "",
	    family ? family : "") < 0)
		return NULL;
	return s;
}

size_t
policy_roster_count(struct roster *ro, enum roster_role role)
{
	size_t n = 0;

	for (size_t i = 0; ro != NULL && i < roster_npeople(ro); i++) {
		const struct roster_person *q = roster_person_at(ro, i);

		n += !q->gone && q->role == role;
	}
	return n;
}

/* Adds roster.csv's students (p->students has room); their group comes from group_rules. */
int
policy_roster_students(struct policy *p, struct roster *ro)
{
	for (size_t i = 0; i < roster_npeople(ro); i++) {
		struct roster_person	*q = roster_person_at(ro, i);
		struct policy_student	*s = &p->students[p->nstudents];
		struct roster_org	*o;

		if (q->gone || q->role != ROSTER_STUDENT)
			continue;
		q->aux = (uint32_t)p->nstudents;
		s->id = strdup(q->id);
		s->name = policy_join_name(q->given, q->family);
		if (q->school != NULL && (o = roster_org_find(ro, q->school)) != NULL &&
		    o->name != NULL)
			s->school_name = strdup(o->name);
		/* The roster is thrown away after the load: its strings move, not copy. */
		s->school = q->school;
		s->grade = q->grade;
		q->school = q->grade = NULL;
		s->imported = 1;
		s->index = (uint32_t)p->nstudents;
		s->owner = p;
		s->allow_list = s->deny_list = UINT32_MAX;
		p->nstudents++;
		if (s->id == NULL || s->name == NULL)
			return -1;
		s->group = policy_rule_group(p, s);
	}
	return 0;
}

/* An exception in policy.yaml may have changed a student's school: its group follows. */
void
policy_regroup(struct policy *p, struct policy_student *s)
{
	s->group = policy_rule_group(p, s);
}

/* roster.csv's devices into the common list; hotspots into their own index. */
int
policy_roster_devices(struct policy *p, struct roster *ro, const char *file,
    struct policy_device **all, size_t *nall, struct diag *d)
{
	size_t	 n = roster_ndevices(ro), nh = 0;
	struct policy_device *nd;

	if ((nd = realloc(*all, (*nall + n + 1) * sizeof(*nd))) == NULL)
		return -1;
	*all = nd;
	if ((p->hotspots = calloc(n + 1, sizeof(*p->hotspots))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct roster_device	*rd = roster_device_at(ro, i);
		const struct roster_person	*q = roster_person_find(ro, rd->student);
		const struct policy_student	*st = q != NULL && q->role == ROSTER_STUDENT ?
		    &p->students[q->aux] : NULL;
		struct policy_device		 dv;
		char				 a[64], *slash;

		if (st == NULL) {
			diag_add(d, file, rd->line, 0, "device of unknown student \"%s\"",
			    rd->student);
			continue;
		}
		if (rd->hotspot != NULL) {
			p->hotspots[nh++] = (struct policy_hotspot){ strdup(rd->hotspot),
			    st->index, (uint32_t)rd->line, file };
			continue;
		}
		memset(&dv, 0, sizeof(dv));
		dv.student = st->index;
		dv.line = (uint32_t)rd->line;
		dv.file = file;
		if (rd->mac != NULL) {
			unsigned m[6];

			if (sscanf(rd->mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2],
			    &m[3], &m[4], &m[5]) != 6) {
				diag_add(d, file, rd->line, 0, "\"%s\" is not a MAC", rd->mac);
				continue;
			}
			for (int j = 0; j < 6; j++)
				dv.mac[j] = (uint8_t)m[j];
			dv.has_mac = 1;
		}
		if (rd->ip != NULL) {
			snprintf(a, sizeof(a), "%s", rd->ip);
			if ((slash = strchr(a, '/')) != NULL)
				*slash++ = '\0';
			if (inet_pton(AF_INET, a, dv.addr) == 1)
				dv.af = AF_INET;
			else if (inet_pton(AF_INET6, a, dv.addr) == 1)
				dv.af = AF_INET6;
			else {
				diag_add(d, file, rd->line, 0, "\"%s\" is not an address",
				    rd->ip);
				continue;
			}
			dv.has_ip = 1;
			if (slash != NULL) {
				long pl = strtol(slash, NULL, 10);

				if (pl < 1 || pl > (dv.af == AF_INET ? 32 : 128)) {
					diag_add(d, file, rd->line, 0, "\"%s\": bad prefix "
					    "length", rd->ip);
					continue;
				}
				if (pl < (dv.af == AF_INET ? 32 : 128))
					dv.prefix = (uint8_t)pl;
				policy_mask(dv.addr, dv.af, (unsigned)pl);
			}
		}
		(*all)[(*nall)++] = dv;
	}
	p->nhotspots = nh;
	return 0;
}

static int
policy_hotspot_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_hotspot *)a)->id,
	    ((const struct policy_hotspot *)b)->id);
}

static int
policy_netcmp(const void *a, const void *b)
{
	const struct policy_device *x = a, *y = b;
	int c = (x->af > y->af) - (x->af < y->af);

	if (c == 0)
		c = (x->prefix < y->prefix) - (x->prefix > y->prefix);
	if (c == 0)
		c = memcmp(x->addr, y->addr, 16);
	return c;
}

/* Networks (sorted, duplicates reported) and hotspots (sorted, duplicates reported). */
int
policy_net_index(struct policy *p, const struct policy_device *all, size_t n,
    struct diag *d)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	if ((p->devnet = calloc(n + 1, sizeof(*p->devnet))) == NULL ||
	    (p->netgroups = calloc(n + 1, sizeof(*p->netgroups))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (all[i].has_ip && !all[i].has_mac && all[i].prefix > 0)
			p->devnet[p->ndevnet++] = all[i];
	qsort(p->devnet, p->ndevnet, sizeof(*p->devnet), policy_netcmp);
	for (i = 0; i < p->ndevnet; i++) {
		const struct policy_device *x = &p->devnet[i];

		if (i > 0 && policy_netcmp(x, x - 1) == 0) {
			inet_ntop(x->af, x->addr, a, sizeof(a));
			diag_add(d, x->file, x->line, x->col, "network %s/%u already "
			    "belongs to student %s (line %u)", a, x->prefix,
			    p->students[x[-1].student].id, x[-1].line);
		}
		if (p->nnetgroups == 0 || p->netgroups[p->nnetgroups - 1].af != x->af ||
		    p->netgroups[p->nnetgroups - 1].prefix != x->prefix)
			p->netgroups[p->nnetgroups++] = (struct policy_netgroup){ x->af,
			    x->prefix, i, i };
		p->netgroups[p->nnetgroups - 1].end = i + 1;
	}
	if (p->nhotspots > 0)
		qsort(p->hotspots, p->nhotspots, sizeof(*p->hotspots), policy_hotspot_cmp);
	for (i = 1; i < p->nhotspots; i++)
		if (strcmp(p->hotspots[i].id, p->hotspots[i - 1].id) == 0)
			diag_add(d, p->hotspots[i].file, p->hotspots[i].line, 0, "hotspot "
			    "%s already belongs to student %s (line %u)", p->hotspots[i].id,
			    p->students[p->hotspots[i - 1].student].id,
			    p->hotspots[i - 1].line);
	return 0;
}

/* The longest network holding addr, or NULL. */
const struct policy_student *
policy_net_lookup(const struct policy *p, int af, const void *addr)
{
	for (size_t g = 0; g < p->nnetgroups; g++) {
		const struct policy_netgroup *ng = &p->netgroups[g];
		uint8_t key[16] = { 0 };
		size_t lo = ng->start, hi = ng->end;

		if (ng->af != af)
			continue;
		memcpy(key, addr, af == AF_INET6 ? 16 : 4);
		policy_mask(key, af, ng->prefix);
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = memcmp(key, p->devnet[mid].addr, 16);

			if (c == 0)
				return &p->students[p->devnet[mid].student];
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return NULL;
}

/* roster.csv's guardians (p->guardians has room), linked to their students. */
int
policy_roster_guardians(struct policy *p, struct roster *ro)
{
	size_t i, j, *nlinks;

	/* Links are kept on the student: count them per guardian first. */
	if ((nlinks = calloc(roster_npeople(ro) + 1, sizeof(*nlinks))) == NULL)
		return -1;
	for (i = 0; i < roster_npeople(ro); i++) {
		struct roster_person	*q = roster_person_at(ro, i);
		struct policy_guardian	*g = &p->guardians[p->nguardians];

		if (q->gone || q->role != ROSTER_GUARDIAN)
			continue;
		q->aux = (uint32_t)p->nguardians++;
		g->id = strdup(q->id);
		g->name = policy_join_name(q->given, q->family);
		g->email = q->email;
		g->phone = q->phone;
		g->lang = q->lang;
		g->relation = q->relation;
		q->email = q->phone = q->lang = q->relation = NULL;
		g->imported = 1;
	}
	if (policy_sort_guardians(p) != 0)
		goto err;
	/* Two passes over the links: count, then fill. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < roster_npeople(ro); i++) {
			struct roster_person *q = roster_person_at(ro, i);
			const struct policy_student *st;

			if (q->gone || q->role != ROSTER_STUDENT)
				continue;
			st = &p->students[q->aux];
			for (j = 0; j < q->nlinks; j++) {
				const struct roster_person *gq = roster_person_find(ro,
				    q->links[j]);
				struct policy_guardian *g;

				if (gq == NULL || gq->role != ROSTER_GUARDIAN)
					continue;
				g = &p->guardians[gq->aux];
				if (pass == 0)
					nlinks[gq->aux]++;
				else
					g->students[g->nstudents++] = st;
			}
		}
		for (size_t k = 0; pass == 0 && k < p->nguardians; k++)
			if (nlinks[k] > 0 && (p->guardians[k].students =
			    calloc(nlinks[k], sizeof(void *))) == NULL)
				goto err;
	}
	free(nlinks);
	return 0;
err:
	free(nlinks);
	return -1;
}

const struct policy_student *
policy_hotspot_student(const struct policy *p, const char *id)
{
	size_t lo = 0, hi = p->nhotspots;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, p->hotspots[mid].id);

		if (c == 0)
			return &p->students[p->hotspots[mid].student];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
policy_devices_each(const struct policy *p,
    void (*cb)(const struct policy_student *, const char *, void *), void *arg)
{
	char	 t[80], a[INET6_ADDRSTRLEN];
	size_t	 i;

	for (i = 0; i < p->ndevmac; i++) {
		const struct policy_device *d = &p->devmac[i];
		int n = snprintf(t, sizeof(t), "mac %02x:%02x:%02x:%02x:%02x:%02x",
		    d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5]);

		if (d->has_ip && n > 0 && (size_t)n < sizeof(t))
			snprintf(t + n, sizeof(t) - (size_t)n, " ip %s",
			    inet_ntop(d->af, d->addr, a, sizeof(a)));
		cb(&p->students[d->student], t, arg);
	}
	for (i = 0; i < p->ndevip; i++) {
		const struct policy_device *d = &p->devip[i];

		snprintf(t, sizeof(t), "ip %s", inet_ntop(d->af, d->addr, a, sizeof(a)));
		cb(&p->students[d->student], t, arg);
	}
	for (i = 0; i < p->ndevnet; i++) {
		const struct policy_device *d = &p->devnet[i];

		snprintf(t, sizeof(t), "ip %s/%u", inet_ntop(d->af, d->addr, a,
		    sizeof(a)), d->prefix);
		cb(&p->students[d->student], t, arg);
	}
	for (i = 0; i < p->nhotspots; i++) {
		snprintf(t, sizeof(t), "hotspot %s", p->hotspots[i].id);
		cb(&p->students[p->hotspots[i].student], t, arg);
	}
}

const char *
policy_student_school(const struct policy_student *s)
{
	return s->school;
}

const char *
policy_student_school_name(const struct policy_student *s)
{
	return s->school_name;
}

const char *
policy_student_grade(const struct policy_student *s)
{
	return s->grade;
}

size_t
policy_student_index(const struct policy_student *s)
{
	return s->index;
}

int
policy_student_imported(const struct policy_student *s)
{
	return s->imported;
}

const char *
policy_guardian_phone(const struct policy_guardian *g)
{
	return g->phone;
}

const char *
policy_guardian_language(const struct policy_guardian *g)
{
	return g->lang;
}

const char *
policy_guardian_relation(const struct policy_guardian *g)
{
	return g->relation;
}

const char *
policy_roster_file(const struct policy *p)
{
	return p->roster_file;
}
