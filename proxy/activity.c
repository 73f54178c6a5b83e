/* activity: a bounded single-producer ring from the packet path to a writer thread that batches into SQLite. */
#include "activity.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hp_str.h"
#include "log.h"
#include "store.h"
#include "store_dash.h"

#define ACTIVITY_BATCH		512
#define ACTIVITY_POLL_MS	50
/*
 * A short batch waits this long for more: committing each trickle of events
 * cost ~20% of a CPU under DNS load (bench/README.md, "where the time goes").
 */
#define ACTIVITY_GATHER_MS	250
#define ACTIVITY_PURGE_MS	(3600 * 1000)

struct activity {
	struct activity_rec	*ring;
	size_t			 mask;
	/* head: next slot the producer fills; tail: next slot the writer reads. */
	_Atomic size_t		 head, tail;
	_Atomic bool		 stop;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct store		*store;
	/* Set by the packet thread on reload; purge_now asks the writer not to wait the hour. */
	_Atomic unsigned	 events_days, rollup_days, login_days;
	_Atomic bool		 purge_now;
	int64_t			 last_purge_ms;
	_Atomic uint64_t	 pushed, dropped, written, failed, purged;
	/* Health: set by the packet thread under mu, written by the writer when dirty. */
	struct store_gateway_health health;
	char			 health_rv[128];
	int			 health_dirty;
	struct activity_rec	 batch[ACTIVITY_BATCH];	/* the writer's copy */
	struct store_event	 ev[ACTIVITY_BATCH];
};

void
activity_copy(char *dst, size_t dstsz, const char *src)
{
	(void)hp_strlcpy(dst, src != NULL ? src : "", dstsz);
}

static int64_t
activity_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
nz(const char *s)
{
	return s[0] == '\0' ? NULL : s;
}

/* Writes batch[0..n): the events in one transaction, then each usage record. */
static void
activity_write(struct activity *a, size_t n)
{
	char	 err[256];
	size_t	 ne = 0;

	for (size_t i = 0; i < n; i++) {
		const struct activity_rec	*r = &a->batch[i];
		struct store_event		*e;

		if (r->kind != ACTIVITY_EVENT)
			continue;
		e = &a->ev[ne++];
		e->ts_ms = r->ts_ms;
		e->day = r->day;
		e->hour = r->hour;
		e->student = nz(r->student);
		e->client = r->client;
		e->proto = r->proto;
		e->host = r->host;
		e->category = nz(r->category);
		e->action = r->action;
		e->rule = nz(r->rule);
		e->reason = nz(r->reason);
	}
	if (ne > 0) {
		if (store_events_insert(a->store, a->ev, ne, err, sizeof(err)) == 0)
			atomic_fetch_add(&a->written, ne);
		else {
			/* One bad event must not cost the batch: write them one by one. */
			size_t bad = 0;

			for (size_t i = 0; i < ne; i++)
				if (store_events_insert(a->store, &a->ev[i], 1, err,
				    sizeof(err)) != 0 && bad++ == 0)
					log_msg(LOG_L_ERROR, "activity: event not recorded: %s",
					    err);
			atomic_fetch_add(&a->written, ne - bad);
			atomic_fetch_add(&a->failed, bad);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct activity_rec *r = &a->batch[i];

		if (r->kind != ACTIVITY_USAGE)
			continue;
		if (store_usage_add(a->store, r->day, r->hour, nz(r->student), r->host,
		    r->bytes, r->seconds, err, sizeof(err)) == 0)
			atomic_fetch_add(&a->written, 1);
		else {
			atomic_fetch_add(&a->failed, 1);
			log_msg(LOG_L_ERROR, "activity: usage of %s not recorded: %s",
			    r->host, err);
		}
	}
}

/*
 * Everything that holds a child's activity or a login goes after its period:
 * raw events, both rollups (by district-local day; the boundary is the UTC
 * day, at most a day's difference), failed logins.  Hourly, and at once after
 * a reload changed a period.
 */
static void
activity_purge(struct activity *a)
{
	int64_t		now = activity_now_ms(), n;
	char		err[256], day[16];
	unsigned	ev = atomic_load(&a->events_days), ro = atomic_load(&a->rollup_days);
	unsigned	lo = atomic_load(&a->login_days);
	time_t		t;
	struct tm	tm;

	if (!atomic_exchange(&a->purge_now, false) &&
	    now - a->last_purge_ms < ACTIVITY_PURGE_MS)
		return;
	a->last_purge_ms = now;
	if (ev > 0) {
		n = store_purge(a->store, now - (int64_t)ev * 86400 * 1000, err, sizeof(err));
		if (n < 0)
			log_msg(LOG_L_ERROR, "activity: purge: %s", err);
		else if (n > 0) {
			atomic_fetch_add(&a->purged, (uint64_t)n);
			log_msg(LOG_L_INFO, "activity: purged %lld events older than %u days",
			    (long long)n, ev);
		}
	}
	t = (time_t)(now / 1000) - (time_t)ro * 86400;
	if (ro > 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) > 0) {
		n = store_purge_rollups(a->store, day, err, sizeof(err));
		if (n < 0)
			log_msg(LOG_L_ERROR, "activity: purge rollups: %s", err);
		else if (n > 0)
			log_msg(LOG_L_INFO, "activity: purged %lld rollup rows before %s "
			    "(%u days)", (long long)n, day, ro);
	}
	if (lo > 0 && store_failure_purge(a->store, now - (int64_t)lo * 86400 * 1000, err,
	    sizeof(err)) == -1)
		log_msg(LOG_L_ERROR, "activity: purge failed logins: %s", err);
}

static void
activity_health(struct activity *a)
{
	struct store_gateway_health	h;
	char				rv[128], err[256];

	pthread_mutex_lock(&a->mu);
	if (!a->health_dirty) {
		pthread_mutex_unlock(&a->mu);
		return;
	}
	h = a->health;
	hp_strlcpy(rv, a->health_rv, sizeof(rv));
	h.rules_version = rv[0] ? rv : NULL;
	a->health_dirty = 0;
	pthread_mutex_unlock(&a->mu);
	if (store_health_set(a->store, &h, err, sizeof(err)) == -1)
		log_msg(LOG_L_ERROR, "activity: health: %s", err);
}

void
activity_set_health(struct activity *a, int64_t now_ms, int64_t last_packet_ms,
    int64_t queue_drops, int64_t fail_open_events, const char *rules_version)
{
	pthread_mutex_lock(&a->mu);
	a->health.updated_ms = now_ms;
	a->health.last_packet_ms = last_packet_ms;
	a->health.queue_drops = queue_drops;
	a->health.fail_open_events = fail_open_events;
	hp_strlcpy(a->health_rv, rules_version != NULL ? rules_version : "",
	    sizeof(a->health_rv));
	a->health_dirty = 1;
	pthread_mutex_unlock(&a->mu);
}

static void *
activity_main(void *arg)
{
	struct activity	*a = arg;
	int64_t		 since = 0;	/* when a short batch was first seen waiting */

	for (;;) {
		size_t	tail = atomic_load_explicit(&a->tail, memory_order_relaxed);
		size_t	head = atomic_load_explicit(&a->head, memory_order_acquire);
		size_t	n = head - tail;
		int	gather = 0;

		if (n > 0 && n < ACTIVITY_BATCH && !atomic_load(&a->stop)) {
			int64_t now = activity_now_ms();

			if (since == 0)
				since = now;
			gather = now - since < ACTIVITY_GATHER_MS;
		}
		if (n == 0 || gather) {
			struct timespec	 until;

			if (n == 0 && atomic_load(&a->stop))
				break;
			activity_purge(a);
			activity_health(a);
			/* Polling keeps the producer free of locks and syscalls. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += ACTIVITY_POLL_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_mutex_lock(&a->mu);
			if (!atomic_load(&a->stop))
				(void)pthread_cond_timedwait(&a->cv, &a->mu, &until);
			pthread_mutex_unlock(&a->mu);
			continue;
		}
		since = 0;
		if (n > ACTIVITY_BATCH)
			n = ACTIVITY_BATCH;
		for (size_t i = 0; i < n; i++)
			a->batch[i] = a->ring[(tail + i) & a->mask];
		atomic_store_explicit(&a->tail, tail + n, memory_order_release);
		activity_write(a, n);
		/* Under load the ring is never empty: the purge must not wait for a quiet moment. */
		activity_purge(a);
	}
	activity_health(a);	/* the last word at exit */
	return NULL;
}

struct activity *
activity_new(const char *dbpath, size_t capacity, const struct activity_retention *ret,
    char *err, size_t errlen)
{
	struct activity	*a;
	size_t		 cap = 64;
	int		 rc;

	while (cap < capacity && cap < ((size_t)1 << 24))
		cap <<= 1;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->ring = calloc(cap, sizeof(*a->ring))) == NULL) {
		snprintf(err, errlen, "out of memory for %zu activity records", cap);
		free(a);
		return NULL;
	}
	a->mask = cap - 1;
	a->events_days = ret->events_days;
	a->rollup_days = ret->rollup_days;
	a->login_days = ret->login_days;
	/* The first purge runs soon after start, not an hour later. */
	a->last_purge_ms = activity_now_ms() - ACTIVITY_PURGE_MS + 5000;
	if ((a->store = store_open(dbpath, STORE_CREATE, err, errlen)) == NULL) {
		free(a->ring);
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if ((rc = pthread_create(&a->thread, NULL, activity_main, a)) != 0) {
		snprintf(err, errlen, "activity writer thread: %s", strerror(rc));
		store_close(a->store);
		free(a->ring);
		free(a);
		return NULL;
	}
	return a;
}

int
activity_push(struct activity *a, const struct activity_rec *r)
{
	size_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&a->tail, memory_order_acquire);

	if (head - tail > a->mask) {
		atomic_fetch_add_explicit(&a->dropped, 1, memory_order_relaxed);
		return -1;
	}
	a->ring[head & a->mask] = *r;
	atomic_store_explicit(&a->head, head + 1, memory_order_release);
	atomic_fetch_add_explicit(&a->pushed, 1, memory_order_relaxed);
	return 0;
}

void
activity_free(struct activity *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	atomic_store(&a->stop, true);
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	store_close(a->store);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->ring);
	free(a);
}

void
activity_stats(struct activity *a, struct activity_stats *st)
{
	st->pushed = atomic_load(&a->pushed);
	st->dropped = atomic_load(&a->dropped);
	st->written = atomic_load(&a->written);
	st->failed = atomic_load(&a->failed);
	st->purged = atomic_load(&a->purged);
}

void
activity_set_retention(struct activity *a, const struct activity_retention *ret)
{
	atomic_store(&a->events_days, ret->events_days);
	atomic_store(&a->rollup_days, ret->rollup_days);
	atomic_store(&a->login_days, ret->login_days);
	atomic_store(&a->purge_now, true);
}
