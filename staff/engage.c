/* engage: one pass over the roster's students and guardians, with four small scans of the database marked onto the guardians in memory. */
#include "engage.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "hp_err.h"
#include "hp_str.h"
#include "store_staff.h"

#define ENGAGE_F_INVITED	0x01
#define ENGAGE_F_ENROLLED	0x02
#define ENGAGE_F_ACKED		0x04
#define ENGAGE_F_ACTIVE		0x08

struct engage {
	const struct policy	*pol;
	struct engage_row	*rows;
	size_t			 nrows, caprows;
	struct engage_count	 total;
	int32_t			*sbucket;	/* per student: its row, or -1 out of scope */
	uint8_t			*gflags;	/* per guardian */
	size_t			 ng, ns;
	/* Guardian id -> index, open addressing. */
	uint32_t		*gtab;		/* index + 1, 0 empty */
	size_t			 gmask;
	/* (school, group) -> row while building, open addressing. */
	uint32_t		*btab;
	size_t			 bmask;
};

static uint64_t
engage_hash(const char *a, const char *b)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *a != '\0'; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; b != NULL && *b != '\0'; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

static size_t
engage_pow2(size_t n)
{
	size_t	 m = 64;

	while (m < 2 * n)
		m <<= 1;
	return m;
}

static int
engage_mark(const char *gid, int mark, void *arg)
{
	struct engage	*e = arg;
	size_t		 i = (size_t)engage_hash(gid, NULL) & e->gmask;

	for (; e->gtab[i] != 0; i = (i + 1) & e->gmask) {
		size_t	 g = e->gtab[i] - 1;

		if (strcmp(policy_guardian_id(policy_guardian_at(e->pol, g)), gid) != 0)
			continue;
		switch (mark) {
		case STORE_MARK_INVITED:
			e->gflags[g] |= ENGAGE_F_INVITED;
			break;
		case STORE_MARK_ENROLLED:
			e->gflags[g] |= ENGAGE_F_ENROLLED;
			break;
		case STORE_MARK_ACKED:
			e->gflags[g] |= ENGAGE_F_ACKED;
			break;
		case STORE_MARK_ACTIVE:
			e->gflags[g] |= ENGAGE_F_ACTIVE;
			break;
		}
		break;
	}
	return 0;
}

/* The row of (school, group), made on first sight; -1 out of memory. */
static int32_t
engage_bucket(struct engage *e, const struct policy_student *s)
{
	const char	*school = policy_student_school(s);
	const char	*group = policy_student_group(s);
	size_t		 i;

	if (school == NULL)
		school = "";
	if (group == NULL)
		group = "";
	i = (size_t)engage_hash(school, group) & e->bmask;
	for (; e->btab[i] != 0; i = (i + 1) & e->bmask) {
		struct engage_row *r = &e->rows[e->btab[i] - 1];

		if (strcmp(r->school, school) == 0 && strcmp(r->group, group) == 0)
			return (int32_t)(e->btab[i] - 1);
	}
	if (e->nrows == e->caprows) {
		size_t			 cap = e->caprows ? 2 * e->caprows : 16;
		struct engage_row	*n = realloc(e->rows, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		e->rows = n;
		e->caprows = cap;
	}
	memset(&e->rows[e->nrows], 0, sizeof(e->rows[0]));
	e->rows[e->nrows].school = school;
	e->rows[e->nrows].school_name = policy_student_school_name(s) != NULL ?
	    policy_student_school_name(s) : school;
	e->rows[e->nrows].group = group;
	e->btab[i] = (uint32_t)++e->nrows;
	return (int32_t)(e->nrows - 1);
}

static void
engage_add(struct engage_count *c, uint8_t f)
{
	c->families++;
	c->invited += (f & ENGAGE_F_INVITED) != 0;
	c->enrolled += (f & ENGAGE_F_ENROLLED) != 0;
	c->acked += (f & (ENGAGE_F_ENROLLED | ENGAGE_F_ACKED)) ==
	    (ENGAGE_F_ENROLLED | ENGAGE_F_ACKED);
	c->active += (f & ENGAGE_F_ACTIVE) != 0;
	c->unreached += (f & ENGAGE_F_ENROLLED) == 0;
}

static int
engage_row_cmp(const void *a, const void *b)
{
	const struct engage_row	*x = a, *y = b;
	int			 c;

	/* Students without a school last. */
	if ((*x->school == '\0') != (*y->school == '\0'))
		return *x->school == '\0' ? 1 : -1;
	if ((c = strcmp(x->school, y->school)) != 0)
		return c;
	return strcmp(x->group, y->group);
}

struct engage *
engage_build(const struct policy *p, struct store *st, long aup_version,
    int64_t now_ms, int (*in_scope)(const char *, void *), void *scope_arg,
    const char *only_school, char *err, size_t errlen)
{
	struct engage	*e;
	int32_t		*last = NULL, *remap = NULL;
	int64_t		 since = now_ms - (int64_t)ENGAGE_ACTIVE_DAYS * 86400 * 1000;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	e->pol = p;
	e->ns = policy_student_count(p);
	e->ng = policy_guardian_count(p);
	e->gmask = engage_pow2(e->ng) - 1;
	e->bmask = 4096 - 1;
	if ((e->sbucket = calloc(e->ns + 1, sizeof(*e->sbucket))) == NULL ||
	    (e->gflags = calloc(e->ng + 1, 1)) == NULL ||
	    (e->gtab = calloc(e->gmask + 1, sizeof(*e->gtab))) == NULL ||
	    (e->btab = calloc(e->bmask + 1, sizeof(*e->btab))) == NULL)
		goto oom;
	for (size_t g = 0; g < e->ng; g++) {
		size_t i = (size_t)engage_hash(policy_guardian_id(policy_guardian_at(p, g)),
		    NULL) & e->gmask;

		while (e->gtab[i] != 0)
			i = (i + 1) & e->gmask;
		e->gtab[i] = (uint32_t)(g + 1);
	}
	for (size_t i = 0; i < e->ns; i++) {
		const struct policy_student	*s = policy_student_at(p, i);
		const char			*sch = policy_student_school(s);

		e->sbucket[i] = -1;
		if (only_school != NULL && (sch == NULL || strcmp(sch, only_school) != 0))
			continue;
		if (in_scope != NULL && !in_scope(sch, scope_arg))
			continue;
		/* More than the table holds would be a roster of 2,000 schools x groups: refused, not slow. */
		if (e->nrows >= (e->bmask + 1) / 2) {
			hp_errf(err, errlen, "engagement: more than %zu school and group "
			    "pairs", (e->bmask + 1) / 2);
			engage_free(e);
			return NULL;
		}
		if ((e->sbucket[i] = engage_bucket(e, s)) < 0)
			goto oom;
		e->rows[e->sbucket[i]].n.students++;
		e->total.students++;
	}
	if (store_engagement_marks(st, aup_version, now_ms, since, engage_mark, e, err,
	    errlen) == -1) {
		engage_free(e);
		return NULL;
	}
	/* Sort the rows, then renumber the students' rows to match. */
	if ((remap = malloc((e->nrows + 1) * sizeof(*remap))) == NULL ||
	    (last = malloc((e->nrows + 1) * sizeof(*last))) == NULL)
		goto oom;
	{
		struct engage_row	*tmp = malloc((e->nrows + 1) * sizeof(*tmp));

		if (tmp == NULL)
			goto oom;
		for (size_t r = 0; r < e->nrows; r++) {
			tmp[r] = e->rows[r];
			tmp[r].n.families = (long)r;	/* the old index, for now */
		}
		qsort(tmp, e->nrows, sizeof(*tmp), engage_row_cmp);
		for (size_t r = 0; r < e->nrows; r++) {
			remap[tmp[r].n.families] = (int32_t)r;
			tmp[r].n.families = 0;
		}
		free(e->rows);
		e->rows = tmp;
		e->caprows = e->nrows + 1;
	}
	for (size_t i = 0; i < e->ns; i++)
		if (e->sbucket[i] >= 0)
			e->sbucket[i] = remap[e->sbucket[i]];
	for (size_t r = 0; r < e->nrows; r++)
		last[r] = -1;
	/* Each guardian once per row (two children in one row count once) and once in the total. */
	for (size_t g = 0; g < e->ng; g++) {
		const struct policy_guardian	*gu = policy_guardian_at(p, g);
		int				 any = 0;

		for (size_t k = 0; k < policy_guardian_nstudents(gu); k++) {
			int32_t	 b = e->sbucket[policy_student_index(
			    policy_guardian_student(gu, k))];

			if (b < 0 || last[b] == (int32_t)g)
				continue;
			last[b] = (int32_t)g;
			engage_add(&e->rows[b].n, e->gflags[g]);
			any = 1;
		}
		if (any)
			engage_add(&e->total, e->gflags[g]);
	}
	free(remap);
	free(last);
	return e;
oom:
	free(remap);
	free(last);
	engage_free(e);
	hp_errf(err, errlen, "engagement: out of memory");
	return NULL;
}

void
engage_free(struct engage *e)
{
	if (e == NULL)
		return;
	free(e->rows);
	free(e->sbucket);
	free(e->gflags);
	free(e->gtab);
	free(e->btab);
	free(e);
}

size_t
engage_nrows(const struct engage *e)
{
	return e->nrows;
}

const struct engage_row *
engage_row_at(const struct engage *e, size_t i)
{
	return i < e->nrows ? &e->rows[i] : NULL;
}

const struct engage_count *
engage_total(const struct engage *e)
{
	return &e->total;
}

size_t
engage_families(const struct engage *e, const char *school, const char *group,
    int (*cb)(const struct engage_family *, void *), void *arg)
{
	char	*names = NULL;
	size_t	 n = 0, cap = 0;

	for (size_t r = 0; r < e->nrows; r++) {
		const struct engage_row	*row = &e->rows[r];

		if ((school != NULL && strcmp(row->school, school) != 0) ||
		    (group != NULL && strcmp(row->group, group) != 0))
			continue;
		for (size_t g = 0; g < e->ng; g++) {
			const struct policy_guardian	*gu = policy_guardian_at(e->pol, g);
			struct engage_family		 f;
			size_t				 len = 0;

			if (e->gflags[g] & ENGAGE_F_ENROLLED)
				continue;
			for (size_t k = 0; k < policy_guardian_nstudents(gu); k++) {
				const struct policy_student *s = policy_guardian_student(gu, k);
				const char	*nm = policy_student_name(s);
				size_t		 need = len + strlen(nm) + 3;

				if (e->sbucket[policy_student_index(s)] != (int32_t)r)
					continue;
				if (need > cap) {
					char *nn = realloc(names, need * 2);

					if (nn == NULL)
						goto out;
					names = nn;
					cap = need * 2;
				}
				len += (size_t)snprintf(names + len, cap - len, "%s%s",
				    len ? "; " : "", nm);
			}
			if (len == 0)
				continue;
			memset(&f, 0, sizeof(f));
			f.id = policy_guardian_id(gu);
			f.name = policy_guardian_name(gu);
			f.language = policy_guardian_language(gu);
			f.phone = policy_guardian_phone(gu);
			f.email = policy_guardian_email(gu);
			f.relation = policy_guardian_relation(gu);
			f.school = row->school;
			f.school_name = row->school_name;
			f.group = row->group;
			f.students = names;
			f.invited = (e->gflags[g] & ENGAGE_F_INVITED) != 0;
			n++;
			if (cb(&f, arg) != 0)
				goto out;
		}
	}
out:
	free(names);
	return n;
}

/* ---- output ---- */

int
engage_put_file(const char *s, size_t n, void *arg)
{
	return fwrite(s, 1, n, arg) == n ? 0 : -1;
}

int
engage_csv_cell(const char *v, engage_put put, void *arg)
{
	char	 stack[512], *buf = stack;
	size_t	 n, need;
	int	 rc, neutral = 0;

	if (v == NULL)
		v = "";
	/* A spreadsheet runs =, @, +cmd, -cmd as formulas; a phone "+1 555" stays as it is. */
	if (v[0] == '=' || v[0] == '@' || v[0] == '\t' || v[0] == '\r' ||
	    ((v[0] == '+' || v[0] == '-') && v[1] != '\0' &&
	    strchr("0123456789 (", v[1]) == NULL))
		neutral = 1;
	n = strlen(v);
	need = 2 * n + 4;
	if (need > sizeof(stack) && (buf = malloc(need)) == NULL)
		return -1;
	if (neutral) {
		char *q = malloc(n + 2);

		if (q == NULL) {
			if (buf != stack)
				free(buf);
			return -1;
		}
		q[0] = '\'';
		memcpy(q + 1, v, n + 1);
		n = csv_write(buf, need, q, n + 1);
		free(q);
	} else
		n = csv_write(buf, need, v, n);
	rc = put(buf, n, arg);
	if (buf != stack)
		free(buf);
	return rc;
}

static int
engage_csv_num(long v, engage_put put, void *arg)
{
	char	 b[32];
	int	 n = snprintf(b, sizeof(b), "%ld", v);

	return put(b, (size_t)n, arg);
}

static int
engage_csv_count(const struct engage_count *c, engage_put put, void *arg)
{
	const long	 v[7] = { c->students, c->families, c->invited, c->enrolled,
		c->acked, c->active, c->unreached };

	for (int i = 0; i < 7; i++)
		if (put(",", 1, arg) != 0 || engage_csv_num(v[i], put, arg) != 0)
			return -1;
	return put("\r\n", 2, arg);
}

static const char engage_csv_head[] = "school,school_name,group,students,families,"
    "invited,enrolled,acknowledged,active_30d,never_reached\r\n";

int
engage_csv(const struct engage *e, engage_put put, void *arg)
{
	if (put(engage_csv_head, sizeof(engage_csv_head) - 1, arg) != 0)
		return -1;
	for (size_t r = 0; r < e->nrows; r++) {
		const struct engage_row *row = &e->rows[r];

		if (engage_csv_cell(row->school, put, arg) != 0 || put(",", 1, arg) != 0 ||
		    engage_csv_cell(row->school_name, put, arg) != 0 ||
		    put(",", 1, arg) != 0 || engage_csv_cell(row->group, put, arg) != 0 ||
		    engage_csv_count(&row->n, put, arg) != 0)
			return -1;
	}
	if (put("TOTAL,,", 7, arg) != 0 || engage_csv_count(&e->total, put, arg) != 0)
		return -1;
	return 0;
}

struct engage_fcsv {
	engage_put	 put;
	void		*arg;
	int		 rc;
};

static int
engage_fcsv_row(const struct engage_family *f, void *arg)
{
	struct engage_fcsv	*a = arg;
	const char		*v[10] = { f->school, f->group, f->id, f->name,
		f->relation, f->language, f->phone, f->email, f->students,
		f->invited ? "yes" : "no" };

	for (int i = 0; i < 10; i++) {
		if ((i > 0 && a->put(",", 1, a->arg) != 0) ||
		    engage_csv_cell(v[i], a->put, a->arg) != 0) {
			a->rc = -1;
			return 1;
		}
	}
	if (a->put("\r\n", 2, a->arg) != 0) {
		a->rc = -1;
		return 1;
	}
	return 0;
}

static const char engage_fcsv_head[] = "school,group,guardian,name,relation,language,"
    "phone,email,students,invited\r\n";

int
engage_families_csv(const struct engage *e, const char *school, const char *group,
    engage_put put, void *arg)
{
	struct engage_fcsv	 a = { put, arg, 0 };

	if (put(engage_fcsv_head, sizeof(engage_fcsv_head) - 1, arg) != 0)
		return -1;
	engage_families(e, school, group, engage_fcsv_row, &a);
	return a.rc;
}

static void
engage_json_count(FILE *f, const struct engage_count *c)
{
	fprintf(f, "\"students\":%ld,\"families\":%ld,\"invited\":%ld,\"enrolled\":%ld,"
	    "\"acknowledged\":%ld,\"active_30d\":%ld,\"never_reached\":%ld", c->students,
	    c->families, c->invited, c->enrolled, c->acked, c->active, c->unreached);
}

int
engage_json(const struct engage *e, FILE *f)
{
	fputs("{\"rows\":[", f);
	for (size_t r = 0; r < e->nrows; r++) {
		const struct engage_row *row = &e->rows[r];

		fputs(r ? ",{\"school\":" : "{\"school\":", f);
		hp_json_str(f, row->school);
		fputs(",\"school_name\":", f);
		hp_json_str(f, row->school_name);
		fputs(",\"group\":", f);
		hp_json_str(f, row->group);
		fputc(',', f);
		engage_json_count(f, &row->n);
		fputc('}', f);
	}
	fputs("],\"total\":{", f);
	engage_json_count(f, &e->total);
	fputs("}}\n", f);
	return ferror(f) ? -1 : 0;
}
