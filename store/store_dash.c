/* store_dash: the parent dashboard's store functions, dispatched to the handle's backend (SQLite or PostgreSQL). */
#include "store_dash.h"
#include "store_impl.h"

int
store_account_get(struct store *s, const char *guardian_id, char *pw_hash,
    size_t len, char *err, size_t errlen)
{
	return s->dops->account_get(s, guardian_id, pw_hash, len, err, errlen);
}

int
store_account_set(struct store *s, const char *guardian_id, const char *pw_hash,
    int64_t now_ms, char *err, size_t errlen)
{
	return s->dops->account_set(s, guardian_id, pw_hash, now_ms, err, errlen);
}

int
store_session_create(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    const char *guardian_id, const uint8_t csrf[STORE_CSRF_LEN], int64_t now_ms,
    int64_t expires_ms, const char *lang, char *err, size_t errlen)
{
	return s->dops->session_create(s, token_hash, guardian_id, csrf, now_ms,
	    expires_ms, lang, err, errlen);
}

int
store_session_get(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, int64_t idle_ms, struct store_session *out, char *err,
    size_t errlen)
{
	return s->dops->session_get(s, token_hash, now_ms, idle_ms, out, err, errlen);
}

int
store_session_touch(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    int64_t now_ms, char *err, size_t errlen)
{
	return s->dops->session_touch(s, token_hash, now_ms, err, errlen);
}

int
store_session_delete(struct store *s, const uint8_t token_hash[STORE_HASH_LEN],
    char *err, size_t errlen)
{
	return s->dops->session_delete(s, token_hash, err, errlen);
}

int
store_sessions_delete_guardian(struct store *s, const char *guardian_id,
    char *err, size_t errlen)
{
	return s->dops->sessions_delete_guardian(s, guardian_id, err, errlen);
}

int64_t
store_sessions_purge(struct store *s, int64_t now_ms, int64_t idle_ms, char *err,
    size_t errlen)
{
	return s->dops->sessions_purge(s, now_ms, idle_ms, err, errlen);
}

int
store_failure_add(struct store *s, const char *key, int64_t now_ms, char *err,
    size_t errlen)
{
	return s->dops->failure_add(s, key, now_ms, err, errlen);
}

int64_t
store_failure_count(struct store *s, const char *key, int64_t since_ms, char *err,
    size_t errlen)
{
	return s->dops->failure_count(s, key, since_ms, err, errlen);
}

int
store_failure_clear(struct store *s, const char *key, char *err, size_t errlen)
{
	return s->dops->failure_clear(s, key, err, errlen);
}

int
store_failure_purge(struct store *s, int64_t before_ms, char *err, size_t errlen)
{
	return s->dops->failure_purge(s, before_ms, err, errlen);
}

int
store_aup_ack(struct store *s, const char *guardian_id, long version,
    int64_t now_ms, char *err, size_t errlen)
{
	return s->dops->aup_ack(s, guardian_id, version, now_ms, err, errlen);
}

int
store_aup_acked(struct store *s, const char *guardian_id, long version,
    int64_t *ts_ms, char *err, size_t errlen)
{
	return s->dops->aup_acked(s, guardian_id, version, ts_ms, err, errlen);
}

int
store_audit(struct store *s, int64_t now_ms, const char *actor, const char *action,
    const char *detail, char *err, size_t errlen)
{
	return s->dops->audit(s, now_ms, actor, action, detail, err, errlen);
}

int64_t
store_usage_hours(struct store *s, const char *student, const char *from,
    const char *to, int (*cb)(const struct store_usage *, void *), void *arg,
    char *err, size_t errlen)
{
	return s->dops->usage_hours(s, student, from, to, cb, arg, err, errlen);
}

int64_t
store_usage_hosts(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return s->dops->usage_hosts(s, student, from, to, limit, cb, arg, err,
	    errlen);
}

int64_t
store_usage_categories(struct store *s, const char *student, const char *from,
    const char *to, size_t limit, int (*cb)(const struct store_usage *, void *),
    void *arg, char *err, size_t errlen)
{
	return s->dops->usage_categories(s, student, from, to, limit, cb, arg, err,
	    errlen);
}

int64_t
store_blocked_events(struct store *s, const char *student, int64_t since_ms,
    int64_t until_ms, size_t limit, int (*cb)(const struct store_event *, void *),
    void *arg, char *err, size_t errlen)
{
	return s->dops->blocked_events(s, student, since_ms, until_ms, limit, cb, arg,
	    err, errlen);
}
