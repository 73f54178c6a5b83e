/* ship: gateway → district shipping over the store API; the local sequence and the district's marks make it exactly once. */
#include "ship.h"

#include <stdlib.h>
#include <string.h>

#include "hp_err.h"
#include "hp_str.h"
#include "store.h"
#include "store_home.h"

struct ship {
	struct store	*local;
	struct store	*district;	/* NULL until connected, and again after an error */
	char		*uri;
	char		 gateway[64];
	size_t		 batch;
	struct store_ship_marks marks;	/* what the district is known to hold */
};

struct ship *
ship_new(const struct ship_config *c, char *err, size_t errlen)
{
	struct ship *s;

	if (c->gateway == NULL || c->gateway[0] == '\0' || strlen(c->gateway) > 63) {
		hp_errf(err, errlen, "gateway id must be 1 to 63 characters");
		return NULL;
	}
	if (c->district == NULL || c->district[0] == '\0') {
		hp_errf(err, errlen, "no district database (ship_to) to ship to");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->uri = strdup(c->district)) == NULL) {
		free(s);
		hp_errf(err, errlen, "out of memory");
		return NULL;
	}
	hp_strlcpy(s->gateway, c->gateway, sizeof(s->gateway));
	s->batch = c->batch ? c->batch : 1000;
	if ((s->local = store_open(c->local, 0, err, errlen)) == NULL) {
		ship_free(s);
		return NULL;
	}
	return s;
}

static void
ship_disconnect(struct ship *s)
{
	store_close(s->district);
	s->district = NULL;
}

void
ship_free(struct ship *s)
{
	if (s == NULL)
		return;
	ship_disconnect(s);
	store_close(s->local);
	free(s->uri);
	free(s);
}

/*
 * After a connect the marks are the higher of ours and the district's: ours
 * may lag (killed after the district's commit, before ours), the district's
 * may lag (its retention dropped a gateway's oldest partitions).
 */
static int
ship_connect(struct ship *s, char *err, size_t errlen)
{
	struct store_ship_marks	 l, d;

	if (s->district != NULL)
		return 0;
	if ((s->district = store_open(s->uri, STORE_CREATE, err, errlen)) == NULL)
		return -1;
	if (store_ship_marks_get(s->local, &l, err, errlen) == -1 ||
	    store_ship_marks_district(s->district, s->gateway, &d, err, errlen) == -1) {
		ship_disconnect(s);
		return -1;
	}
	for (int i = 0; i < STORE_SHIP_NKINDS; i++)
		s->marks.seq[i] = l.seq[i] > d.seq[i] ? l.seq[i] : d.seq[i];
	return 0;
}

/* One batch's rows; strings are copied out of the local cursor into one block per row. */
struct ship_buf {
	size_t			 n, cap;
	struct store_event	*ev;
	int64_t			*seq;
	struct store_ship_daily	*daily;
	struct store_ship_hourly *hourly;
	char			**mem;
	int			 nomem;
};

static char *
ship_pack(struct ship_buf *b, const char *const *in, const char **out, size_t k)
{
	size_t	 len = 0, o = 0;
	char	*m;

	for (size_t i = 0; i < k; i++)
		len += in[i] != NULL ? strlen(in[i]) + 1 : 0;
	if ((m = malloc(len ? len : 1)) == NULL) {
		b->nomem = 1;
		return NULL;
	}
	for (size_t i = 0; i < k; i++) {
		if (in[i] == NULL) {
			out[i] = NULL;
			continue;
		}
		size_t l = strlen(in[i]) + 1;

		memcpy(m + o, in[i], l);
		out[i] = m + o;
		o += l;
	}
	b->mem[b->n] = m;
	return m;
}

static int
ship_take_event(const struct store_event *e, int64_t seq, void *arg)
{
	struct ship_buf		*b = arg;
	struct store_event	*o = &b->ev[b->n];
	const char		*in[9] = { e->day, e->student, e->client, e->proto, e->host,
				    e->category, e->action, e->rule, e->reason };
	const char		*out[9];

	*o = *e;
	if (ship_pack(b, in, out, 9) == NULL)
		return 1;
	o->day = out[0], o->student = out[1], o->client = out[2], o->proto = out[3];
	o->host = out[4], o->category = out[5], o->action = out[6], o->rule = out[7];
	o->reason = out[8];
	b->seq[b->n++] = seq;
	return 0;
}

static int
ship_take_daily(const struct store_ship_daily *r, void *arg)
{
	struct ship_buf		*b = arg;
	struct store_ship_daily	*o = &b->daily[b->n];
	const char		*in[4] = { r->day, r->student, r->host, r->category };
	const char		*out[4];

	*o = *r;
	if (ship_pack(b, in, out, 4) == NULL)
		return 1;
	o->day = out[0], o->student = out[1], o->host = out[2], o->category = out[3];
	b->seq[b->n++] = r->seq;
	return 0;
}

static int
ship_take_hourly(const struct store_ship_hourly *r, void *arg)
{
	struct ship_buf			*b = arg;
	struct store_ship_hourly	*o = &b->hourly[b->n];
	const char			*in[2] = { r->day, r->student };
	const char			*out[2];

	*o = *r;
	if (ship_pack(b, in, out, 2) == NULL)
		return 1;
	o->day = out[0], o->student = out[1];
	b->seq[b->n++] = r->seq;
	return 0;
}

static void
ship_buf_clear(struct ship_buf *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->mem[i]);
	b->n = 0;
	b->nomem = 0;
}

/* Reads one batch of kind above the mark; sends it; moves the marks.  Rows sent, 0 when none waited, -1. */
static int64_t
ship_batch(struct ship *s, int kind, struct ship_buf *b, struct ship_stats *st,
    char *err, size_t errlen)
{
	int64_t	 got, took, top;
	int64_t	 after = s->marks.seq[kind];

	ship_buf_clear(b);
	switch (kind) {
	case STORE_SHIP_EVENTS:
		got = store_ship_pending_events(s->local, after, s->batch, ship_take_event,
		    b, err, errlen);
		break;
	case STORE_SHIP_DAILY:
		got = store_ship_pending_daily(s->local, after, s->batch, ship_take_daily,
		    b, err, errlen);
		break;
	default:
		got = store_ship_pending_hourly(s->local, after, s->batch, ship_take_hourly,
		    b, err, errlen);
		break;
	}
	if (got == -1)
		return -1;
	if (b->nomem) {
		hp_errf(err, errlen, "out of memory reading a batch");
		return -1;
	}
	if (b->n == 0)
		return 0;
	switch (kind) {
	case STORE_SHIP_EVENTS:
		took = store_ship_events(s->district, s->gateway, b->ev, b->seq, b->n, err,
		    errlen);
		break;
	case STORE_SHIP_DAILY:
		took = store_ship_usage_daily(s->district, s->gateway, b->daily, b->n, err,
		    errlen);
		break;
	default:
		took = store_ship_usage_hourly(s->district, s->gateway, b->hourly, b->n, err,
		    errlen);
		break;
	}
	if (took == -1)
		return -1;
	top = b->seq[b->n - 1];
	s->marks.seq[kind] = top;
	/* The district has it: a failure to note that here only means a harmless resend. */
	(void)store_ship_marks_set(s->local, &s->marks, NULL, 0);
	if (kind == STORE_SHIP_EVENTS)
		st->events += took;
	else if (kind == STORE_SHIP_DAILY)
		st->daily += took;
	else
		st->hourly += took;
	st->sent += (int64_t)b->n;
	st->batches++;
	return (int64_t)b->n;
}

static int
ship_health(struct ship *s, int64_t now_ms, int64_t backlog, char *err, size_t errlen)
{
	struct store_gateway_health	h;
	char				rv[128];
	int				rc;

	if ((rc = store_health_get(s->local, &h, rv, sizeof(rv), err, errlen)) == -1)
		return -1;
	h.gateway = s->gateway;
	h.backlog = backlog;
	/* The daemon never wrote one (not started yet): the shipper still reports it is alive. */
	if (rc == 1)
		h.updated_ms = now_ms;
	return store_ship_health(s->district, &h, err, errlen);
}

/* The district's guardian controls, copied out of its cursor (strings in one block per row). */
struct ship_home {
	struct store_home	*rows;
	char			**mem;
	size_t			 n, cap;
	int			 oom;
};

static int
ship_take_home(const struct store_home *h, void *arg)
{
	struct ship_home	*a = arg;
	size_t			 ls = strlen(h->student) + 1, lg = strlen(h->guardian) + 1,
				 lc = strlen(h->categories != NULL ? h->categories : "") + 1;
	char			*m;

	if (a->n == a->cap) {
		size_t		  cap = a->cap ? a->cap * 2 : 64;
		struct store_home *r = realloc(a->rows, cap * sizeof(*r));
		char		**mm;

		if (r == NULL) {
			a->oom = 1;
			return 1;
		}
		a->rows = r;
		if ((mm = realloc(a->mem, cap * sizeof(*mm))) == NULL) {
			a->oom = 1;
			return 1;
		}
		a->mem = mm;
		a->cap = cap;
	}
	if ((m = malloc(ls + lg + lc)) == NULL) {
		a->oom = 1;
		return 1;
	}
	memcpy(m, h->student, ls);
	memcpy(m + ls, h->guardian, lg);
	memcpy(m + ls + lg, h->categories != NULL ? h->categories : "", lc);
	a->rows[a->n] = *h;
	a->rows[a->n].student = m;
	a->rows[a->n].guardian = m + ls;
	a->rows[a->n].categories = m + ls + lg;
	a->mem[a->n++] = m;
	return 0;
}

/*
 * The other direction: what guardians set on the district's dashboard
 * reaches this gateway's database on every pass (hallpassd reads it from
 * there), replacing the copy whole so a control removed there goes here too.
 * Rows copied, or -1.
 */
static int
ship_pull_home(struct ship *s, char *err, size_t errlen)
{
	struct ship_home	 a;
	int			 rc = -1;

	memset(&a, 0, sizeof(a));
	if (store_home_list(s->district, NULL, ship_take_home, &a, err, errlen) < 0)
		goto out;
	if (a.oom) {
		hp_errf(err, errlen, "guardian controls: out of memory");
		goto out;
	}
	if (store_home_replace(s->local, a.rows, a.n, err, errlen) == 0)
		rc = (int)a.n;
 out:
	for (size_t i = 0; i < a.n; i++)
		free(a.mem[i]);
	free(a.mem);
	free(a.rows);
	return rc;
}

int
ship_pass(struct ship *s, int64_t now_ms, int max_batches, struct ship_stats *st,
    char *err, size_t errlen)
{
	struct ship_buf	 b;
	int		 rc = -1, busy;

	memset(st, 0, sizeof(*st));
	memset(&b, 0, sizeof(b));
	st->backlog = -1;
	b.cap = s->batch;
	b.ev = calloc(b.cap, sizeof(*b.ev));
	b.seq = calloc(b.cap, sizeof(*b.seq));
	b.daily = calloc(b.cap, sizeof(*b.daily));
	b.hourly = calloc(b.cap, sizeof(*b.hourly));
	b.mem = calloc(b.cap, sizeof(*b.mem));
	if (b.ev == NULL || b.seq == NULL || b.daily == NULL || b.hourly == NULL ||
	    b.mem == NULL) {
		hp_errf(err, errlen, "out of memory");
		goto out;
	}
	if (ship_connect(s, err, errlen) == -1)
		goto fail;
	/* First, so a long backlog never delays a guardian's pause. */
	if ((st->home = ship_pull_home(s, err, errlen)) == -1)
		goto fail;
	do {
		busy = 0;
		for (int k = 0; k < STORE_SHIP_NKINDS; k++) {
			int64_t n;

			if (max_batches > 0 && st->batches >= max_batches)
				break;
			if ((n = ship_batch(s, k, &b, st, err, errlen)) == -1)
				goto fail;
			busy |= n > 0;
		}
	} while (busy && (max_batches == 0 || st->batches < max_batches));
	if ((st->backlog = store_ship_backlog(s->local, &s->marks, err, errlen)) == -1 ||
	    ship_health(s, now_ms, st->backlog, err, errlen) == -1)
		goto fail;
	rc = 0;
	goto out;
fail:
	/* The next pass reconnects and re-reads the district's marks. */
	ship_disconnect(s);
	if (st->backlog == -1)
		st->backlog = store_ship_backlog(s->local, &s->marks, NULL, 0);
out:
	ship_buf_clear(&b);
	free(b.ev);
	free(b.seq);
	free(b.daily);
	free(b.hourly);
	free(b.mem);
	return rc;
}
