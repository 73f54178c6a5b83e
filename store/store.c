/* store: picks the backend from the path (a SQLite file or a postgresql:// URI), checks what both share, and dispatches. */
#include "store.h"
#include "store_impl.h"
#include "hp_err.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What an event may say; the dashboard and the CLI switch on these words. */
static const char *const store_protos[] = { "dns", "tls", "http", "quic", "tcp", "udp", NULL };
static const char *const store_actions[] = { "allow", "block", "safesearch", NULL };

int
store_writable(const struct store *s, const char *fn, char *err, size_t errlen)
{
	if (s->flags & STORE_RDONLY) {
		hp_errf(err, errlen, "%s: %s: store opened read-only", s->path, fn);
		return -1;
	}
	return 0;
}

static int
store_oneof(const char *v, const char *const *set)
{
	for (; v != NULL && *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return 1;
	return 0;
}

/* "YYYY-MM-DD": rollup keys must sort and compare as dates, so nothing else gets in. */
int
store_day_valid(const char *d)
{
	static const char	 shape[] = "dddd-dd-dd";
	int			 mon, mday;

	if (d == NULL || strlen(d) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (d[i] < '0' || d[i] > '9') : d[i] != shape[i])
			return 0;
	mon = (d[5] - '0') * 10 + (d[6] - '0');
	mday = (d[8] - '0') * 10 + (d[9] - '0');
	return mon >= 1 && mon <= 12 && mday >= 1 && mday <= 31;
}

int
store_event_check(const struct store *s, const struct store_event *e, size_t i,
    char *err, size_t errlen)
{
	const char	*why = NULL;

	if (e->client == NULL || e->host == NULL)
		why = "client and host are required";
	else if (!store_oneof(e->proto, store_protos))
		why = "proto is not dns, tls, http, quic, tcp or udp";
	else if (!store_oneof(e->action, store_actions))
		why = "action is not allow, block or safesearch";
	else if (!store_day_valid(e->day))
		why = "day is not YYYY-MM-DD";
	else if (e->hour < 0 || e->hour > 23)
		why = "hour is not 0-23";
	if (why == NULL)
		return 0;
	hp_errf(err, errlen, "%s: store_events_insert: event %zu: %s", s->path,
	    i, why);
	return -1;
}

/* The rollup key of "no student": IT sees unknown devices; no student id can be empty. */
const char *
store_rollup_student(const char *student)
{
	return student != NULL ? student : "";
}


int
store_bad(const struct store *s, const char *fn, char *err, size_t errlen)
{
	hp_errf(err, errlen, "%s: %s: bad arguments", s->path, fn);
	return -1;
}

/* libpq's two URI schemes; anything else is a SQLite path. */
static int
store_is_pg(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

struct store *
store_open(const char *path, int flags, char *err, size_t errlen)
{
	struct store	*s;

	if (path == NULL || (flags & ~(STORE_RDONLY | STORE_CREATE)) != 0 ||
	    (flags & (STORE_RDONLY | STORE_CREATE)) == (STORE_RDONLY | STORE_CREATE)) {
		hp_errf(err, errlen, "store_open: bad arguments");
		return NULL;
	}
	if (store_is_pg(path))
		return store_pg_open(path, flags, err, errlen);
	if ((s = store_sqlite_open(path, flags, err, errlen)) != NULL) {
		s->ops = &store_sqlite_ops;
		s->dops = &store_dash_sqlite_ops;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

const char *
store_backend(const struct store *s)
{
	return s->pg != NULL ? "postgresql" : "sqlite";
}

int
store_set_gateway(struct store *s, const char *id, char *err, size_t errlen)
{
	size_t	 n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n >= sizeof(s->gateway))
		return store_bad(s, __func__, err, errlen);
	memcpy(s->gateway, id, n + 1);
	return 0;
}

int
store_events_insert(struct store *s, const struct store_event *ev, size_t n,
    char *err, size_t errlen)
{
	if (ev == NULL && n > 0)
		return store_bad(s, __func__, err, errlen);
	return s->ops->events_insert(s, ev, n, err, errlen);
}

int
store_usage_add(struct store *s, const char *day, int hour, const char *student,
    const char *host, int64_t bytes, int64_t seconds, char *err, size_t errlen)
{
	return s->ops->usage_add(s, day, hour, student, host, bytes, seconds, err,
	    errlen);
}

int64_t
store_events_query(struct store *s, const struct store_filter *f,
    int (*cb)(const struct store_event *, void *), void *arg, char *err,
    size_t errlen)
{
	return s->ops->events_query(s, f, cb, arg, err, errlen);
}

int64_t
store_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	return s->ops->purge(s, before_ms, err, errlen);
}

int
store_invite_create(struct store *s, const char *guardian_id,
    const uint8_t code_hash[32], int64_t now_ms, int64_t expires_ms, char *err,
    size_t errlen)
{
	return s->ops->invite_create(s, guardian_id, code_hash, now_ms, expires_ms,
	    err, errlen);
}

int
store_invite_consume(struct store *s, const uint8_t code_hash[32], int64_t now_ms,
    char *guardian_out, size_t outlen, char *err, size_t errlen)
{
	return s->ops->invite_consume(s, code_hash, now_ms, guardian_out, outlen,
	    err, errlen);
}

/* The ingest functions exist only where a district keeps its data. */
static int
store_district(const struct store *s, const char *fn, const char *gateway,
    char *err, size_t errlen)
{
	if (s->ops->ship_events == NULL) {
		hp_errf(err, errlen, "%s: %s: needs a postgresql:// district database",
		    s->path, fn);
		return -1;
	}
	if (store_writable(s, fn, err, errlen) == -1)
		return -1;
	if (gateway == NULL || *gateway == '\0' || strlen(gateway) >= 64) {
		hp_errf(err, errlen, "%s: %s: gateway id must be 1-63 characters",
		    s->path, fn);
		return -1;
	}
	return 0;
}

int64_t
store_ship_events(struct store *s, const char *gateway,
    const struct store_event *ev, const int64_t *seq, size_t n, char *err,
    size_t errlen)
{
	if (store_district(s, __func__, gateway, err, errlen) == -1)
		return -1;
	if (n > 0 && (ev == NULL || seq == NULL))
		return store_bad(s, __func__, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (store_event_check(s, &ev[i], i, err, errlen) == -1)
			return -1;
	if (n == 0)
		return 0;
	return s->ops->ship_events(s, gateway, ev, seq, n, err, errlen);
}

int64_t
store_ship_usage_daily(struct store *s, const char *gateway,
    const struct store_ship_daily *r, size_t n, char *err, size_t errlen)
{
	if (store_district(s, __func__, gateway, err, errlen) == -1)
		return -1;
	if (n > 0 && r == NULL)
		return store_bad(s, __func__, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (!store_day_valid(r[i].day) || r[i].host == NULL ||
		    r[i].visits < 0 || r[i].blocked < 0 || r[i].bytes < 0 ||
		    r[i].seconds < 0) {
			hp_errf(err, errlen, "%s: %s: row %zu: bad day, host or count",
			    s->path, __func__, i);
			return -1;
		}
	if (n == 0)
		return 0;
	return s->ops->ship_daily(s, gateway, r, n, err, errlen);
}

int64_t
store_ship_usage_hourly(struct store *s, const char *gateway,
    const struct store_ship_hourly *r, size_t n, char *err, size_t errlen)
{
	if (store_district(s, __func__, gateway, err, errlen) == -1)
		return -1;
	if (n > 0 && r == NULL)
		return store_bad(s, __func__, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (!store_day_valid(r[i].day) || r[i].hour < 0 || r[i].hour > 23 ||
		    r[i].visits < 0 || r[i].blocked < 0 || r[i].bytes < 0 ||
		    r[i].seconds < 0) {
			hp_errf(err, errlen, "%s: %s: row %zu: bad day, hour or count",
			    s->path, __func__, i);
			return -1;
		}
	if (n == 0)
		return 0;
	return s->ops->ship_hourly(s, gateway, r, n, err, errlen);
}

int
store_ship_health(struct store *s, const struct store_gateway_health *h,
    char *err, size_t errlen)
{
	if (h == NULL)
		return store_bad(s, __func__, err, errlen);
	if (store_district(s, __func__, h->gateway, err, errlen) == -1)
		return -1;
	return s->ops->ship_health(s, h, err, errlen);
}

int64_t
store_gateway_health_list(struct store *s,
    int (*cb)(const struct store_gateway_health *, void *), void *arg, char *err,
    size_t errlen)
{
	if (cb == NULL)
		return store_bad(s, __func__, err, errlen);
	if (s->ops->health_list == NULL) {
		hp_errf(err, errlen, "%s: %s: needs a postgresql:// district database",
		    s->path, __func__);
		return -1;
	}
	return s->ops->health_list(s, cb, arg, err, errlen);
}
