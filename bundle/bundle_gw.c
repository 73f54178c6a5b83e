/* bundle_gw: fetches the district's signed bundle over HTTPS, refuses what is not newer and valid, and swaps DIR/current with one rename. */
#include "bundle_gw.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bundle.h"
#include "config.h"
#include "hp_err.h"
#include "hp_str.h"
#include "log.h"
#include "policy.h"

struct bundle_gw {
	char			*dir;
	char			*current;	/* DIR/current: a symlink to the unpacked directory */
	/* The bundle on disk; only the loader thread (one at a time) and startup touch these. */
	int			 have;
	uint64_t		 committed;
	uint8_t			 hash[BUNDLE_HASH_BYTES];
	_Atomic uint64_t	 in_force;
	int			 curl;
	/*
	 * The server's ETag for the bundle on disk, and for which URL: a scheduled
	 * fetch of an unchanged bundle is a 304 without a body.  In memory only.
	 */
	char			 etag[256], etag_url[1024], fetched_etag[256];
};

/* The target of DIR/current ("v3.Ab12Cd"), or "" when there is none. */
static void
gw_current_target(const struct bundle_gw *g, char *buf, size_t len)
{
	ssize_t n = readlink(g->current, buf, len - 1);

	buf[n < 0 ? 0 : n] = '\0';
	if (n < 0 || strchr(buf, '/') != NULL)
		buf[0] = '\0';
}

/* 1 if name is one of ours: "v" VERSION "." and mkdtemp's six characters. */
static int
gw_is_stage(const char *name)
{
	size_t i = 1, j;

	if (name[0] != 'v')
		return 0;
	while (name[i] >= '0' && name[i] <= '9')
		i++;
	if (i == 1 || name[i] != '.')
		return 0;
	for (j = i + 1; name[j] != '\0'; j++)
		if (!((name[j] >= 'a' && name[j] <= 'z') || (name[j] >= 'A' &&
		    name[j] <= 'Z') || (name[j] >= '0' && name[j] <= '9')))
			return 0;
	return j - i - 1 == 6;
}

/*
 * Removes what an interrupted update left: directories of ours DIR/current
 * does not name.  Only names bundle_gw_take makes, only directories, so a
 * bundle_dir shared with other files loses none of them.
 */
static void
gw_sweep(const struct bundle_gw *g)
{
	char		 cur[NAME_MAX + 1], *path = NULL;
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;

	gw_current_target(g, cur, sizeof(cur));
	if ((d = opendir(g->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!gw_is_stage(de->d_name) || strcmp(de->d_name, cur) == 0)
			continue;
		if (asprintf(&path, "%s/%s", g->dir, de->d_name) < 0)
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			(void)bundle_rmtree(path);
		free(path);
	}
	closedir(d);
}

struct bundle_gw *
bundle_gw_new(const char *dir, const char *pubkey)
{
	struct bundle_gw	*g;
	struct bundle		*b = NULL;
	uint8_t			 pk[BUNDLE_PK_BYTES], *buf = NULL;
	size_t			 len;
	char			*raw = NULL, err[512];
	enum bundle_err		 why;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	atomic_init(&g->in_force, 0);
	if ((g->dir = strdup(dir)) == NULL ||
	    asprintf(&g->current, "%s/current", dir) < 0) {
		g->current = NULL;
		bundle_gw_free(g);
		return NULL;
	}
	g->curl = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	if (asprintf(&raw, "%s/%s", g->current, BUNDLE_RAW_NAME) < 0) {
		bundle_gw_free(g);
		return NULL;
	}
	if (access(g->current, F_OK) != 0)
		goto out;
	if (bundle_read_file(raw, BUNDLE_MAX_BYTES, &buf, &len, err, sizeof(err)) != 0 ||
	    (pubkey != NULL && pubkey[0] != '\0' &&
	    bundle_key_load_public(pubkey, pk, err, sizeof(err)) != 0)) {
		log_msg(LOG_L_ERROR, "bundle on disk %s: %s: starting from the "
		    "configuration directory's rules", g->current, err);
		goto out;
	}
	b = pubkey != NULL && pubkey[0] != '\0' ?
	    bundle_open(buf, len, BUNDLE_MAX_BYTES, pk, &why, err, sizeof(err)) :
	    bundle_parse(buf, len, BUNDLE_MAX_BYTES, &why, err, sizeof(err));
	if (b == NULL) {
		log_msg(LOG_L_ERROR, "bundle on disk %s refused: %s: starting from the "
		    "configuration directory's rules", raw, err);
		goto out;
	}
	g->have = 1;
	g->committed = bundle_version(b);
	memcpy(g->hash, bundle_hash(b), sizeof(g->hash));
	gw_sweep(g);
 out:
	bundle_free(b);
	free(buf);
	free(raw);
	return g;
}

void
bundle_gw_free(struct bundle_gw *g)
{
	if (g == NULL)
		return;
	if (g->curl)
		curl_global_cleanup();
	free(g->dir);
	free(g->current);
	free(g);
}

const char *
bundle_gw_rules_dir(const struct bundle_gw *g, const struct config *c)
{
	if (g == NULL || !g->have || c->bundle_url[0] == '\0')
		return NULL;
	return g->current;
}

uint64_t
bundle_gw_committed(const struct bundle_gw *g)
{
	return g != NULL && g->have ? g->committed : 0;
}

void
bundle_gw_set_in_force(struct bundle_gw *g, uint64_t version)
{
	uint64_t was;

	if (g == NULL)
		return;
	was = atomic_exchange(&g->in_force, version);
	/* Every applied bundle says so; going back to DIR's rules only when it happens. */
	if (version != 0)
		log_msg(LOG_L_INFO, "bundle version %llu in force",
		    (unsigned long long)version);
	else if (was != 0)
		log_msg(LOG_L_INFO, "no bundle in force: the rules come from the "
		    "configuration directory");
}

uint64_t
bundle_gw_version(const struct bundle_gw *g)
{
	return g == NULL ? 0 : atomic_load(&g->in_force);
}

struct gw_buf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 oversize;
};

static size_t
gw_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gw_buf	*b = arg;
	size_t		 n = size * nmemb;

	if (n > BUNDLE_MAX_BYTES - b->len) {
		b->oversize = 1;
		return 0;
	}
	if (b->len + n > b->cap) {
		size_t	 cap = b->cap ? b->cap : 65536;
		uint8_t	*np;

		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return 0;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return n;
}

/* Keeps the answer's ETag when it is a plain token a later If-None-Match can carry back. */
static void
gw_keep_etag(CURL *h, char *etag, size_t len)
{
	struct curl_header	*hdr = NULL;
	size_t			 n;

	etag[0] = '\0';
	if (curl_easy_header(h, "ETag", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK ||
	    (n = strlen(hdr->value)) == 0 || n >= len)
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)hdr->value[i] <= ' ' || (unsigned char)hdr->value[i] >= 0x7f)
			return;
	memcpy(etag, hdr->value, n + 1);
}

/*
 * GET url over HTTPS only, the server's certificate and name verified,
 * nothing followed; with If-None-Match when etag is set.  0 with the body,
 * 1 when the server says it is unchanged (304), -1 on failure.
 */
static int
gw_fetch(const struct config *c, const char *etag, char *etag_out, size_t etag_len,
    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct gw_buf		 b = { NULL, 0, 0, 0 };
	struct curl_slist	*hdrs = NULL;
	char			 cerr[CURL_ERROR_SIZE] = "", inm[300];
	long			 code = 0;
	CURL			*h;
	CURLcode		 rc;

	if ((h = curl_easy_init()) == NULL) {
		hp_errf(err, errlen, "libcurl could not start");
		return -1;
	}
	/* Refuse to fetch at all rather than over anything but HTTPS. */
	if (curl_easy_setopt(h, CURLOPT_URL, c->bundle_url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    (c->bundle_ca[0] != '\0' &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, c->bundle_ca) != CURLE_OK)) {
		hp_errf(err, errlen, "this libcurl cannot fetch over verified HTTPS only");
		curl_easy_cleanup(h);
		return -1;
	}
	(void)curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* Signals belong to the daemon's signalfd, not to libcurl's timeouts. */
	(void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	(void)curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	(void)curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	(void)curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)BUNDLE_MAX_BYTES);
	(void)curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, "hallpassd");
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, gw_write);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (etag[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
		if ((hdrs = curl_slist_append(NULL, inm)) != NULL)
			(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	rc = curl_easy_perform(h);
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code == 200)
		gw_keep_etag(h, etag_out, etag_len);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rc == CURLE_OK && code == 304 && etag[0] != '\0') {
		free(b.p);
		return 1;
	}
	if (b.oversize || rc == CURLE_FILESIZE_EXCEEDED) {
		hp_errf(err, errlen, "more than %zu bytes: not a bundle", BUNDLE_MAX_BYTES);
		free(b.p);
		return -1;
	}
	if (rc != CURLE_OK || code != 200) {
		hp_errf(err, errlen, "%s", cerr[0] ? cerr : rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "no 200 answer");
		free(b.p);
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static void
gw_log_diag_line(const char *line, void *arg)
{
	(void)arg;
	log_msg(LOG_L_ERROR, "%s", line);
}

/* The bundle just fetched is the one on disk: its ETag stands for it from now on. */
static void
gw_etag_taken(struct bundle_gw *g, const struct config *c)
{
	hp_strlcpy(g->etag, g->fetched_etag, sizeof(g->etag));
	hp_strlcpy(g->etag_url, c->bundle_url, sizeof(g->etag_url));
}

/* The one line a refused bundle gets. */
static void
gw_refuse(const struct bundle_gw *g, const struct config *c, const char *why)
{
	log_msg(LOG_L_ERROR, "bundle %s refused: %s: the rules in force stay "
	    "(bundle version %llu)", c->bundle_url, why,
	    (unsigned long long)bundle_gw_version(g));
}

/* Points DIR/current at target with one rename, so a crash leaves the old or the new, never neither. */
static int
gw_swap(const struct bundle_gw *g, const char *target, char *err, size_t errlen)
{
	char	*tmp = NULL;
	int	 dfd, rc = -1;

	if (asprintf(&tmp, "%s/.current.new", g->dir) < 0) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, g->current) != 0) {
		hp_errf(err, errlen, "making %s current: %s", target, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	if ((dfd = open(g->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
 out:
	free(tmp);
	return rc;
}

/* Writes the signed file beside what it unpacked, so a restart knows the version on disk. */
static int
gw_keep_raw(const char *stage, const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	char	*path = NULL;
	FILE	*f;
	int	 rc = -1;

	if (asprintf(&path, "%s/%s", stage, BUNDLE_RAW_NAME) < 0) {
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	if ((f = fopen(path, "wxe")) != NULL) {
		rc = fwrite(buf, 1, len, f) == len && fflush(f) == 0 &&
		    fsync(fileno(f)) == 0 ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc != 0)
		hp_errf(err, errlen, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

int
bundle_gw_update(struct bundle_gw *g, const struct config *c, struct policy **p,
    uint64_t *version)
{
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	char		 err[600];
	const char	*etag = "";
	int		 rc;

	*p = NULL;
	/* An ETag is asked about only for the bundle on disk, and only at the URL that gave it. */
	if (g->have && strcmp(g->etag_url, c->bundle_url) == 0)
		etag = g->etag;
	g->fetched_etag[0] = '\0';
	if ((rc = gw_fetch(c, etag, g->fetched_etag, sizeof(g->fetched_etag), &buf, &len,
	    err, sizeof(err))) < 0) {
		log_msg(LOG_L_ERROR, "bundle %s: fetch failed: %s: the rules in force "
		    "stay (bundle version %llu)", c->bundle_url, err,
		    (unsigned long long)bundle_gw_version(g));
		return 0;
	}
	if (rc == 1) {
		log_msg(LOG_L_DEBUG, "bundle %s: not modified (version %llu)",
		    c->bundle_url, (unsigned long long)g->committed);
		return 0;
	}
	rc = bundle_gw_take(g, c, buf, len, p, version);
	free(buf);
	return rc;
}

int
bundle_gw_take(struct bundle_gw *g, const struct config *c, const uint8_t *buf,
    size_t len, struct policy **p, uint64_t *version)
{
	struct bundle		*b = NULL;
	struct diag		 dg;
	enum bundle_err		 why;
	uint8_t			 pk[BUNDLE_PK_BYTES];
	uint64_t		 v;
	char			 err[600], msg[800], label[1100], old[NAME_MAX + 1];
	char			*stage = NULL, *oldpath = NULL;
	int			 rc = 0;

	*p = NULL;
	diag_init(&dg);
	if (bundle_key_load_public(c->bundle_key, pk, err, sizeof(err)) != 0) {
		gw_refuse(g, c, err);
		goto out;
	}
	if ((b = bundle_open(buf, len, BUNDLE_MAX_BYTES, pk, &why, err, sizeof(err))) == NULL) {
		gw_refuse(g, c, err);
		goto out;
	}
	v = bundle_version(b);
	if (g->have && v == g->committed &&
	    memcmp(bundle_hash(b), g->hash, sizeof(g->hash)) == 0) {
		log_msg(LOG_L_DEBUG, "bundle %s: version %llu is the one on this gateway",
		    c->bundle_url, (unsigned long long)v);
		gw_etag_taken(g, c);
		goto out;
	}
	if (g->have && !c->bundle_allow_downgrade && v <= g->committed) {
		if (v < g->committed)
			snprintf(msg, sizeof(msg), "version %llu is older than version %llu "
			    "on this gateway (bundle_allow_downgrade is false)",
			    (unsigned long long)v, (unsigned long long)g->committed);
		else
			snprintf(msg, sizeof(msg), "version %llu differs from the version "
			    "%llu on this gateway: a changed rule set needs a higher version",
			    (unsigned long long)v, (unsigned long long)v);
		gw_refuse(g, c, msg);
		goto out;
	}
	if (mkdir(g->dir, 0750) != 0 && errno != EEXIST) {
		snprintf(msg, sizeof(msg), "version %llu: %s: %s", (unsigned long long)v,
		    g->dir, strerror(errno));
		gw_refuse(g, c, msg);
		goto out;
	}
	if (asprintf(&stage, "%s/v%llu.XXXXXX", g->dir, (unsigned long long)v) < 0) {
		stage = NULL;
		goto out;
	}
	if (mkdtemp(stage) == NULL) {
		snprintf(msg, sizeof(msg), "version %llu: %s: %s", (unsigned long long)v,
		    stage, strerror(errno));
		gw_refuse(g, c, msg);
		goto out;
	}
	if (bundle_unpack(b, stage, err, sizeof(err)) != 0 ||
	    gw_keep_raw(stage, buf, len, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "version %llu: unpacking: %s",
		    (unsigned long long)v, err);
		gw_refuse(g, c, msg);
		goto drop;
	}
	if ((*p = bundle_load_rules(stage, &dg)) == NULL) {
		snprintf(label, sizeof(label), "%s@v%llu", c->bundle_url,
		    (unsigned long long)v);
		bundle_diag_relabel(&dg, stage, label);
		diag_each(&dg, gw_log_diag_line, NULL);
		snprintf(msg, sizeof(msg), "version %llu: %zu error%s in its rule set",
		    (unsigned long long)v, diag_count(&dg), diag_count(&dg) == 1 ? "" : "s");
		gw_refuse(g, c, msg);
		goto drop;
	}
	gw_current_target(g, old, sizeof(old));
	if (gw_swap(g, strrchr(stage, '/') + 1, err, sizeof(err)) != 0) {
		gw_refuse(g, c, err);
		policy_unref(*p);
		*p = NULL;
		goto drop;
	}
	if (old[0] != '\0' && gw_is_stage(old) &&
	    strcmp(old, strrchr(stage, '/') + 1) != 0 &&
	    asprintf(&oldpath, "%s/%s", g->dir, old) >= 0)
		(void)bundle_rmtree(oldpath);
	g->have = 1;
	g->committed = v;
	memcpy(g->hash, bundle_hash(b), sizeof(g->hash));
	gw_etag_taken(g, c);
	*version = v;
	log_msg(LOG_L_INFO, "bundle %s: version %llu verified (key %s, %zu files), "
	    "unpacked into %s", c->bundle_url, (unsigned long long)v, bundle_keyid(b),
	    bundle_nfiles(b), stage);
	rc = 1;
	goto out;
 drop:
	if (stage != NULL)
		(void)bundle_rmtree(stage);
 out:
	diag_free(&dg);
	bundle_free(b);
	free(stage);
	free(oldpath);
	return rc;
}
