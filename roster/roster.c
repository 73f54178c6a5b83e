/* roster: the district's people and devices as imported from the SIS, and the generated roster.csv that holds them. */
#include "roster.h"

#include <arpa/inet.h>
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp_err.h"
#include "hp_str.h"
#include "roster_csv.h"

/* Open addressing, id -> index + 1 (0 is empty); rebuilt at half load. */
struct roster_map {
	uint32_t	*slots;
	size_t		 cap, n;
};

struct roster {
	struct roster_org	*orgs;
	size_t			 norgs, caporgs;
	struct roster_person	*people;
	size_t			 npeople, cappeople;
	struct roster_device	*devs;
	size_t			 ndevs, capdevs;
	struct roster_map	 orgmap, personmap;
	char			**kept;
	size_t			 nkept;
};

static uint64_t
roster_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	/* FNV's low bits follow only the bytes' low bits: ids like stu-000123 would cluster. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Slot for id: where it is, or the empty slot where it would go. */
static size_t
roster_map_slot(const struct roster_map *m, const char *id,
    const char *(*key)(const void *, uint32_t), const void *base)
{
	size_t i = roster_hash(id) & (m->cap - 1);

	while (m->slots[i] != 0 && strcmp(key(base, m->slots[i] - 1), id) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int
roster_map_put(struct roster_map *m, const char *id, uint32_t idx,
    const char *(*key)(const void *, uint32_t), const void *base)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct roster_map nm = { NULL, m->cap ? m->cap * 2 : 64, 0 };

		if ((nm.slots = calloc(nm.cap, sizeof(*nm.slots))) == NULL)
			return -1;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i] != 0) {
				uint32_t v = m->slots[i];

				nm.slots[roster_map_slot(&nm, key(base, v - 1), key,
				    base)] = v;
				nm.n++;
			}
		free(m->slots);
		*m = nm;
	}
	m->slots[roster_map_slot(m, id, key, base)] = idx + 1;
	m->n++;
	return 0;
}

static const char *
roster_org_key(const void *base, uint32_t i)
{
	return ((const struct roster *)base)->orgs[i].id;
}

static const char *
roster_person_key(const void *base, uint32_t i)
{
	return ((const struct roster *)base)->people[i].id;
}

struct roster *
roster_new(void)
{
	return calloc(1, sizeof(struct roster));
}

static void
roster_person_free(struct roster_person *p)
{
	free(p->id);
	free(p->given);
	free(p->family);
	free(p->school);
	free(p->grade);
	free(p->email);
	free(p->phone);
	free(p->lang);
	free(p->relation);
	for (size_t i = 0; i < p->nlinks; i++)
		free(p->links[i]);
	free(p->links);
}

void
roster_free(struct roster *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->norgs; i++) {
		free(r->orgs[i].id);
		free(r->orgs[i].name);
		free(r->orgs[i].type);
	}
	for (i = 0; i < r->npeople; i++)
		roster_person_free(&r->people[i]);
	roster_clear_devices(r);
	for (i = 0; i < r->nkept; i++)
		free(r->kept[i]);
	free(r->kept);
	free(r->orgs);
	free(r->people);
	free(r->devs);
	free(r->orgmap.slots);
	free(r->personmap.slots);
	free(r);
}

const char *
roster_keep(struct roster *r, const char *s)
{
	char **nk, *c;

	for (size_t i = 0; i < r->nkept; i++)
		if (strcmp(r->kept[i], s) == 0)
			return r->kept[i];
	if ((nk = realloc(r->kept, (r->nkept + 1) * sizeof(*nk))) == NULL)
		return NULL;
	r->kept = nk;
	if ((c = strdup(s)) == NULL)
		return NULL;
	return r->kept[r->nkept++] = c;
}

int
roster_set(char **dst, const char *s)
{
	char *c = NULL;

	if (s != NULL && *s != '\0' && (c = strdup(s)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int
roster_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *na;

	if (n < *cap)
		return 0;
	if ((na = realloc(*arr, (*cap ? *cap * 2 : 64) * sz)) == NULL)
		return -1;
	*arr = na;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

struct roster_org *
roster_org_find(struct roster *r, const char *id)
{
	size_t i;

	if (r->orgmap.cap == 0)
		return NULL;
	i = roster_map_slot(&r->orgmap, id, roster_org_key, r);
	return r->orgmap.slots[i] ? &r->orgs[r->orgmap.slots[i] - 1] : NULL;
}

static struct roster_person *
roster_person_any(struct roster *r, const char *id)
{
	size_t i;

	if (r->personmap.cap == 0)
		return NULL;
	i = roster_map_slot(&r->personmap, id, roster_person_key, r);
	return r->personmap.slots[i] ? &r->people[r->personmap.slots[i] - 1] : NULL;
}

struct roster_person *
roster_person_find(struct roster *r, const char *id)
{
	struct roster_person *p = roster_person_any(r, id);

	return p != NULL && !p->gone ? p : NULL;
}

struct roster_org *
roster_org_get(struct roster *r, const char *id)
{
	struct roster_org *o = roster_org_find(r, id);

	if (o != NULL)
		return o;
	if (roster_grow((void **)&r->orgs, &r->caporgs, r->norgs, sizeof(*o)) != 0)
		return NULL;
	o = &r->orgs[r->norgs];
	memset(o, 0, sizeof(*o));
	if ((o->id = strdup(id)) == NULL)
		return NULL;
	if (roster_map_put(&r->orgmap, id, (uint32_t)r->norgs, roster_org_key, r) != 0) {
		free(o->id);
		return NULL;
	}
	r->norgs++;
	return o;
}

struct roster_person *
roster_person_get(struct roster *r, const char *id)
{
	struct roster_person *p = roster_person_any(r, id);

	if (p != NULL) {
		p->gone = 0;
		return p;
	}
	if (roster_grow((void **)&r->people, &r->cappeople, r->npeople,
	    sizeof(*p)) != 0)
		return NULL;
	p = &r->people[r->npeople];
	memset(p, 0, sizeof(*p));
	if ((p->id = strdup(id)) == NULL)
		return NULL;
	if (roster_map_put(&r->personmap, id, (uint32_t)r->npeople,
	    roster_person_key, r) != 0) {
		free(p->id);
		return NULL;
	}
	r->npeople++;
	return p;
}

void
roster_clear_people(struct roster *r)
{
	for (size_t i = 0; i < r->npeople; i++) {
		struct roster_person *p = &r->people[i];
		char *id = p->id;

		/* Keep the id (the map points at it); everything else starts over. */
		p->id = NULL;
		roster_person_free(p);
		memset(p, 0, sizeof(*p));
		p->id = id;
		p->gone = 1;
	}
}

void
roster_clear_orgs(struct roster *r)
{
	/* Orgs are few and only named by people: a bulk orgs file just renames them. */
	for (size_t i = 0; i < r->norgs; i++) {
		free(r->orgs[i].name);
		free(r->orgs[i].type);
		r->orgs[i].name = r->orgs[i].type = NULL;
	}
}

int
roster_add_link(struct roster_person *s, const char *g)
{
	char **nl;

	for (size_t i = 0; i < s->nlinks; i++)
		if (strcmp(s->links[i], g) == 0)
			return 0;
	if ((nl = realloc(s->links, (s->nlinks + 1) * sizeof(*nl))) == NULL)
		return -1;
	s->links = nl;
	if ((nl[s->nlinks] = strdup(g)) == NULL)
		return -1;
	s->nlinks++;
	return 0;
}

int
roster_set_links(struct roster_person *s, char *const *ids, size_t n)
{
	for (size_t i = 0; i < s->nlinks; i++)
		free(s->links[i]);
	s->nlinks = 0;
	for (size_t i = 0; i < n; i++)
		if (roster_add_link(s, ids[i]) != 0)
			return -1;
	return 0;
}

size_t
roster_norgs(const struct roster *r)
{
	return r->norgs;
}

const struct roster_org *
roster_org_at(const struct roster *r, size_t i)
{
	return i < r->norgs ? &r->orgs[i] : NULL;
}

size_t
roster_npeople(const struct roster *r)
{
	return r->npeople;
}

struct roster_person *
roster_person_at(struct roster *r, size_t i)
{
	return i < r->npeople ? &r->people[i] : NULL;
}

void
roster_clear_devices(struct roster *r)
{
	for (size_t i = 0; i < r->ndevs; i++) {
		free(r->devs[i].student);
		free(r->devs[i].mac);
		free(r->devs[i].ip);
		free(r->devs[i].hotspot);
	}
	r->ndevs = 0;
}

int
roster_add_device(struct roster *r, const char *student, const char *mac,
    const char *ip, const char *hotspot, const char *file, size_t line)
{
	struct roster_device *d;

	if (roster_grow((void **)&r->devs, &r->capdevs, r->ndevs, sizeof(*d)) != 0)
		return -1;
	d = &r->devs[r->ndevs];
	memset(d, 0, sizeof(*d));
	d->line = line;
	d->file = file;
	if (roster_set(&d->student, student) != 0 || roster_set(&d->mac, mac) != 0 ||
	    roster_set(&d->ip, ip) != 0 || roster_set(&d->hotspot, hotspot) != 0) {
		free(d->student);
		free(d->mac);
		free(d->ip);
		free(d->hotspot);
		return -1;
	}
	r->ndevs++;
	return 0;
}

size_t
roster_ndevices(const struct roster *r)
{
	return r->ndevs;
}

const struct roster_device *
roster_device_at(const struct roster *r, size_t i)
{
	return i < r->ndevs ? &r->devs[i] : NULL;
}

size_t
roster_prune_devices(struct roster *r)
{
	size_t i, j = 0, n = r->ndevs;
	struct roster_person *p;

	for (i = 0; i < n; i++) {
		p = roster_person_find(r, r->devs[i].student);
		if (p == NULL || p->role != ROSTER_STUDENT) {
			free(r->devs[i].student);
			free(r->devs[i].mac);
			free(r->devs[i].ip);
			free(r->devs[i].hotspot);
			continue;
		}
		r->devs[j++] = r->devs[i];
	}
	r->ndevs = j;
	return n - j;
}

static const char *const roster_grades[] = {
	"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07",
	"08", "09", "10", "11", "12", "13", "PS", "UG", "Other", NULL
};

int
roster_grade_rank(const char *s)
{
	char	*end;
	long	 n;

	for (int i = 0; roster_grades[i] != NULL; i++)
		if (strcasecmp(s, roster_grades[i]) == 0)
			return i;
	if (strcasecmp(s, "K") == 0)
		return 4;
	n = strtol(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && n >= 1 && n <= 13)
		return (int)(4 + n);
	return -1;
}

const char *
roster_grade_name(int r)
{
	return r >= 0 && r < (int)(sizeof(roster_grades) / sizeof(*roster_grades)) - 1 ?
	    roster_grades[r] : NULL;
}

int
roster_mac_norm(const char *s, char out[18])
{
	static const char hex[] = "0123456789abcdef";
	char	 sep = 0;
	int	 n = 0;

	for (const char *c = s; *c != '\0'; c++) {
		const char *h = strchr(hex, *c >= 'A' && *c <= 'F' ? *c + 32 : *c);

		if (*c != '\0' && h != NULL) {
			if (n == 12)
				return -1;
			out[n / 2 * 3 + n % 2] = *h;
			n++;
			continue;
		}
		/* One separator kind, only between pairs. */
		if ((*c != ':' && *c != '-') || n % 2 != 0 || n == 0 ||
		    (sep != 0 && *c != sep) || c[1] == '\0')
			return -1;
		sep = *c;
	}
	if (n != 12)
		return -1;
	for (int i = 2; i < 17; i += 3)
		out[i] = ':';
	out[17] = '\0';
	return 0;
}

int
roster_ip_norm(const char *s, char *out, size_t outsz, const char **why)
{
	char		 a[INET6_ADDRSTRLEN + 8], buf[INET6_ADDRSTRLEN];
	uint8_t		 addr[16];
	const char	*slash = strchr(s, '/');
	long		 plen = -1;
	int		 af;

	if (hp_strlcpy(a, s, sizeof(a)) >= sizeof(a)) {
		*why = "too long for an address";
		return -1;
	}
	if (slash != NULL) {
		char *end;

		a[slash - s] = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0') {
			*why = "the prefix length after / is not a number";
			return -1;
		}
	}
	if (inet_pton(AF_INET, a, addr) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, a, addr) == 1)
		af = AF_INET6;
	else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (plen > (af == AF_INET ? 32 : 128) || plen == 0) {
		*why = "the prefix length is out of range";
		return -1;
	}
	if (plen > 0) {
		size_t bits = (size_t)plen, alen = af == AF_INET ? 4 : 16;

		for (size_t i = 0; i < alen; i++) {
			size_t	hi = i * 8;
			uint8_t	mask = (uint8_t)(hi >= bits ? 0 :
			    bits - hi >= 8 ? 0xff : 0xff << (8 - (bits - hi)));

			if ((addr[i] & ~mask) != 0) {
				*why = "host bits are set after the prefix length "
				    "(write the network address)";
				return -1;
			}
		}
	}
	inet_ntop(af, addr, buf, sizeof(buf));
	if (plen > 0 && plen != (af == AF_INET ? 32 : 128))
		snprintf(out, outsz, "%s/%ld", buf, plen);
	else
		hp_strlcpy(out, buf, outsz);
	return 0;
}

int
roster_valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return i > 0 && i <= 64;
}

/* roster.csv: one row per thing, its kind first (docs/roster.md). */
struct roster_rd {
	struct roster	*r;
	struct diag	*d;
	const char	*file;
	int		 nerr;
	int		 header;
	int		 skip;		/* not a roster: the rest is not read */
};

static int
roster_rd_row(char **f, size_t nf, size_t line, void *arg)
{
	struct roster_rd	*rd = arg;
	struct roster_person	*p;
	struct roster_org	*o;
	static const struct { const char *kind; size_t nf; } kinds[] = {
		{ "org", 4 }, { "student", 6 }, { "guardian", 8 }, { "link", 3 },
		{ "device", 5 },
	};
	size_t			 k;

	if (!rd->header) {
		rd->header = 1;
		if (nf < 2 || strcmp(f[0], "hallpass-roster") != 0 ||
		    strcmp(f[1], "1") != 0) {
			diag_add(rd->d, rd->file, line, 0, "not a hallpass roster "
			    "(the first line must be hallpass-roster,1): make it with "
			    "hallpass roster import");
			rd->nerr++;
			rd->skip = 1;
		}
		return 0;
	}
	if (rd->skip)
		return 0;
	for (k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
		if (strcmp(f[0], kinds[k].kind) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(*kinds) || nf != kinds[k].nf) {
		diag_add(rd->d, rd->file, line, 0, k == sizeof(kinds) / sizeof(*kinds) ?
		    "unknown row kind \"%.40s\"" : "a %s row has %zu fields, not the "
		    "expected number", f[0], nf);
		rd->nerr++;
		return 0;
	}
	if (k != 0 && k != 4 && !roster_valid_id(f[1])) {
		diag_add(rd->d, rd->file, line, 0, "\"%.80s\" is not a valid id", f[1]);
		rd->nerr++;
		return 0;
	}
	switch (k) {
	case 0:
		if ((o = roster_org_get(rd->r, f[1])) == NULL ||
		    roster_set(&o->name, f[2]) != 0 || roster_set(&o->type, f[3]) != 0)
			return -1;
		return 0;
	case 1:
	case 2:
		if (roster_person_find(rd->r, f[1]) != NULL) {
			diag_add(rd->d, rd->file, line, 0, "\"%s\" is listed twice", f[1]);
			rd->nerr++;
			return 0;
		}
		if ((p = roster_person_get(rd->r, f[1])) == NULL)
			return -1;
		p->role = k == 1 ? ROSTER_STUDENT : ROSTER_GUARDIAN;
		p->line = line;
		p->file = rd->file;
		if (roster_set(&p->given, f[2]) != 0 || roster_set(&p->family, f[3]) != 0)
			return -1;
		if (k == 1)
			return roster_set(&p->school, f[4]) | roster_set(&p->grade, f[5]);
		return roster_set(&p->email, f[4]) | roster_set(&p->phone, f[5]) |
		    roster_set(&p->lang, f[6]) | roster_set(&p->relation, f[7]);
	case 3:
		if ((p = roster_person_find(rd->r, f[1])) == NULL ||
		    p->role != ROSTER_STUDENT || (p = roster_person_find(rd->r, f[2])) == NULL ||
		    p->role != ROSTER_GUARDIAN) {
			diag_add(rd->d, rd->file, line, 0, "link of unknown student "
			    "\"%.80s\" or guardian \"%.80s\"", f[1], f[2]);
			rd->nerr++;
			return 0;
		}
		return roster_add_link(roster_person_find(rd->r, f[1]), f[2]);
	default:
		if ((p = roster_person_find(rd->r, f[1])) == NULL ||
		    p->role != ROSTER_STUDENT) {
			diag_add(rd->d, rd->file, line, 0, "device of unknown student "
			    "\"%.80s\"", f[1]);
			rd->nerr++;
			return 0;
		}
		return roster_add_device(rd->r, f[1], f[2], f[3], f[4], rd->file, line);
	}
}

static char *
roster_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE		*f = fopen(path, "rb");
	struct stat	 st;
	char		*buf;

	if (f == NULL) {
		hp_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		hp_errf(err, errlen, "%s: cannot read: not a regular file", path);
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

int
roster_parse(struct roster *r, const char *file, const char *buf, size_t len,
    struct diag *d)
{
	struct roster_rd rd = { r, d, NULL, 0, 0, 0 };

	if ((rd.file = roster_keep(r, file)) == NULL)
		return -1;
	if (roster_csv_parse(rd.file, buf, len, roster_rd_row, &rd, d) != 0)
		return -1;
	if (!rd.header) {
		diag_add(d, file, 0, 0, "empty: not a hallpass roster");
		return -1;
	}
	return rd.nerr ? -1 : 0;
}

int
roster_read(struct roster *r, const char *path, struct diag *d)
{
	char			 err[512];
	char			*buf;
	size_t			 len;
	int			 rc;

	if ((buf = roster_slurp(path, &len, err, sizeof(err))) == NULL) {
		diag_add(d, path, 0, 0, "%s", err);
		return -1;
	}
	rc = roster_parse(r, path, buf, len, d);
	free(buf);
	return rc;
}

static int
roster_put(FILE *f, size_t n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *s = va_arg(ap, const char *);

		if (s == NULL)
			s = "";
		if ((i > 0 && fputc(',', f) == EOF) || csv_fwrite(f, s, strlen(s)) != 0) {
			va_end(ap);
			return -1;
		}
	}
	va_end(ap);
	return fputc('\n', f) == EOF ? -1 : 0;
}

static int
roster_idcmp(const void *a, const void *b)
{
	return strcmp((*(struct roster_person *const *)a)->id,
	    (*(struct roster_person *const *)b)->id);
}

int
roster_write(struct roster *r, const char *path, char *err, size_t errlen)
{
	struct roster_person	**v;
	FILE			*f;
	size_t			 n = 0, i, j;
	int			 rc = 0;

	if ((v = calloc(r->npeople + 1, sizeof(*v))) == NULL) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->npeople; i++)
		if (!r->people[i].gone)
			v[n++] = &r->people[i];
	qsort(v, n, sizeof(*v), roster_idcmp);
	if ((f = fopen(path, "w")) == NULL) {
		hp_errf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		free(v);
		return -1;
	}
	rc |= roster_put(f, 2, "hallpass-roster", "1");
	for (i = 0; i < r->norgs; i++)
		if (r->orgs[i].name != NULL || r->orgs[i].type != NULL)
			rc |= roster_put(f, 4, "org", r->orgs[i].id, r->orgs[i].name,
			    r->orgs[i].type);
	for (i = 0; i < n; i++)
		if (v[i]->role == ROSTER_STUDENT)
			rc |= roster_put(f, 6, "student", v[i]->id, v[i]->given,
			    v[i]->family, v[i]->school, v[i]->grade);
	for (i = 0; i < n; i++)
		if (v[i]->role == ROSTER_GUARDIAN)
			rc |= roster_put(f, 8, "guardian", v[i]->id, v[i]->given,
			    v[i]->family, v[i]->email, v[i]->phone, v[i]->lang,
			    v[i]->relation);
	for (i = 0; i < n; i++)
		for (j = 0; v[i]->role == ROSTER_STUDENT && j < v[i]->nlinks; j++) {
			struct roster_person *g = roster_person_find(r, v[i]->links[j]);

			/* A guardian deleted since keeps no link. */
			if (g != NULL && g->role == ROSTER_GUARDIAN)
				rc |= roster_put(f, 3, "link", v[i]->id, g->id);
		}
	for (i = 0; i < r->ndevs; i++)
		rc |= roster_put(f, 5, "device", r->devs[i].student, r->devs[i].mac,
		    r->devs[i].ip, r->devs[i].hotspot);
	free(v);
	if (fflush(f) != 0 || ferror(f) || rc != 0) {
		hp_errf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fsync(fileno(f)) != 0 || fclose(f) != 0) {
		hp_errf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
