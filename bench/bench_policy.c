/*
 * bench_policy: load time, memory per domain and lookup speed of the policy
 * engine on a generated million-domain rule set, each against a reference
 * measured in the same process (libyaml parsing alone; bsearch exact match).
 *
 * Usage: bench_policy [-n DOMAINS] [-q LOOKUPS] [-j JSON] [-k]
 * Exit status: 0 when the run completed and every decision was right (targets
 * missed are reported as MISS, not as failure), 1 on a wrong decision or error.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "policy.h"

#define NCATS		8
#define NBLOCKED	4		/* the group blocks cat0..cat3 */
#define BATCH		64		/* lookups per clock reading */
#define NAME_MAX_GEN	128		/* generated names are far shorter */
#define QUERY_AVG_MAX	64		/* query buffer bytes per query */

/* Targets from the issue, on the 2-core reference machine. */
#define TARGET_LOAD_S		2.0
#define TARGET_BYTES_PER_DOM	64.0
#define TARGET_MEDIAN_NS	1000.0

static char	 tmpdir[64];

/* ---- deterministic generator ---- */

struct rng {
	uint64_t	s;
};

static uint64_t
rng_next(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static const char *const words[] = {
	"ads", "ad", "track", "tracker", "analytics", "stats", "metric", "pixel",
	"click", "bet", "casino", "poker", "slots", "game", "games", "play", "win",
	"lucky", "free", "best", "top", "cheap", "deal", "shop", "store", "news",
	"daily", "media", "video", "tube", "stream", "live", "chat", "social",
	"match", "cloud", "cdn", "web", "host", "site", "page", "link", "go", "app",
	"apps", "mobile", "data", "info", "online", "digital", "smart", "tech",
	"soft", "secure", "fast", "quick", "mega", "super", "hyper", "global",
	"world", "city", "star", "sun", "moon", "blue", "red", "green", "black",
	"gold", "silver", "cash", "money", "loan", "credit", "crypto", "coin",
	"trade", "market", "promo", "offer", "bonus", "prize", "spin", "jackpot",
	"sport", "score", "team", "fan", "club", "music", "radio", "tv", "film",
	"movie", "photo", "pic", "cam", "vpn", "proxy", "unblock", "mirror", "file",
	"share", "torrent", "download", "load", "box", "hub", "zone", "spot",
	"point", "base", "lab", "labs", "works", "group", "press", "post", "mail",
	"push", "notify", "alert", "serve", "server", "tag", "sync", "beacon", "log",
	"event", "insight", "reach", "audience", "target", "banner", "popup", "pop",
	"redirect", "traffic", "lead", "affiliate", "partner", "network",
	"exchange", "bid", "rtb", "smart", "prime", "max", "pro", "plus", "one",
	"zen", "nova", "pixel", "wave", "flow", "sky", "fire", "ice", "rock",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

static const char *const subs[] = {
	"www", "m", "ads", "ad", "cdn", "static", "img", "api", "track", "stats",
	"pixel", "t", "s", "go", "click", "events", "log", "metrics", "secure",
	"mail", "app", "media", "assets", "content", "data", "sync", "tag",
	"beacon", "srv", "edge", "play", "news", "shop", "login", "analytics",
	"images", "video", "js", "tr", "px",
};
#define NSUBS	(sizeof(subs) / sizeof(subs[0]))

/* Top-level domains with rough blocklist weights. */
static const struct {
	const char	*tld;
	unsigned	 weight;
} tlds[] = {
	{ "com", 400 }, { "net", 90 }, { "org", 50 }, { "info", 40 }, { "ru", 40 },
	{ "de", 30 }, { "xyz", 30 }, { "top", 30 }, { "io", 20 }, { "online", 20 },
	{ "site", 20 }, { "biz", 20 }, { "co.uk", 20 }, { "cn", 20 }, { "club", 10 },
	{ "fr", 10 }, { "nl", 10 }, { "pl", 10 }, { "br", 10 }, { "com.br", 10 },
	{ "in", 10 }, { "jp", 10 }, { "it", 10 }, { "es", 10 }, { "us", 10 },
	{ "co", 10 }, { "me", 10 }, { "tv", 10 }, { "cc", 10 }, { "eu", 10 },
	{ "ca", 10 }, { "com.au", 10 }, { "store", 10 }, { "live", 10 },
	{ "app", 10 }, { "pro", 10 }, { "ws", 5 }, { "icu", 10 }, { "vip", 5 },
};
#define NTLDS	(sizeof(tlds) / sizeof(tlds[0]))

static unsigned tld_total;

static size_t
put(char *b, size_t n, const char *s)
{
	size_t l = strlen(s);

	memcpy(b + n, s, l);
	return n + l;
}

static size_t
put_syllables(struct rng *r, char *b, size_t n, unsigned count)
{
	static const char cons[] = "bcdfghjklmnprstvwz", vow[] = "aeiou";

	for (unsigned i = 0; i < count; i++) {
		b[n++] = cons[rng_below(r, sizeof(cons) - 1)];
		b[n++] = vow[rng_below(r, sizeof(vow) - 1)];
	}
	return n;
}

static size_t
put_digits(struct rng *r, char *b, size_t n, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		b[n++] = (char)('0' + rng_below(r, 10));
	return n;
}

static size_t
put_alnum(struct rng *r, char *b, size_t n, unsigned count)
{
	static const char an[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	b[n++] = an[rng_below(r, 26)];		/* a letter first */
	for (unsigned i = 1; i < count; i++)
		b[n++] = an[rng_below(r, sizeof(an) - 1)];
	return n;
}

/* The registrable label: "bestcasino", "free-games", "kotaru", "slots247", "x7k2m9q". */
static size_t
gen_sld(struct rng *r, char *b, size_t n)
{
	uint32_t k = rng_below(r, 100);

	if (k < 35) {
		n = put(b, n, words[rng_below(r, NWORDS)]);
		n = put(b, n, words[rng_below(r, NWORDS)]);
	} else if (k < 50) {
		n = put(b, n, words[rng_below(r, NWORDS)]);
		b[n++] = '-';
		n = put(b, n, words[rng_below(r, NWORDS)]);
	} else if (k < 70) {
		n = put_syllables(r, b, n, 3 + rng_below(r, 3));
	} else if (k < 80) {
		n = put(b, n, words[rng_below(r, NWORDS)]);
		n = put_digits(r, b, n, 1 + rng_below(r, 4));
	} else if (k < 90) {
		n = put(b, n, words[rng_below(r, NWORDS)]);
		n = put_syllables(r, b, n, 1 + rng_below(r, 2));
	} else {
		n = put_alnum(r, b, n, 6 + rng_below(r, 10));
	}
	return n;
}

/* A label below the registrable one: "cdn", "img3", "tavo", "a8x0k". */
static size_t
gen_sub(struct rng *r, char *b, size_t n)
{
	uint32_t k = rng_below(r, 100);

	if (k < 50)
		n = put(b, n, subs[rng_below(r, NSUBS)]);
	else if (k < 65) {
		n = put(b, n, subs[rng_below(r, NSUBS)]);
		n = put_digits(r, b, n, 1 + rng_below(r, 2));
	} else if (k < 80)
		n = put_syllables(r, b, n, 2 + rng_below(r, 2));
	else
		n = put_alnum(r, b, n, 4 + rng_below(r, 8));
	return n;
}

/* One name of 1-3 labels plus a TLD into b (NAME_MAX_GEN bytes); returns its length. */
static size_t
gen_domain(struct rng *r, char *b)
{
	uint32_t	k = rng_below(r, 100), w;
	unsigned	nsub = k < 35 ? 0 : k < 80 ? 1 : 2;
	size_t		n = 0, i;

	for (unsigned j = 0; j < nsub; j++) {
		n = gen_sub(r, b, n);
		b[n++] = '.';
	}
	n = gen_sld(r, b, n);
	b[n++] = '.';
	w = rng_below(r, tld_total);
	for (i = 0; i < NTLDS - 1 && w >= tlds[i].weight; i++)
		w -= tlds[i].weight;
	n = put(b, n, tlds[i].tld);
	b[n] = '\0';
	return n;
}

/* ---- the bench's own name set: big buffers are mmap'd, so malloc's heap is untouched ---- */

struct nameset {
	char		*arena;
	size_t		 len, cap;
	uint32_t	*off;		/* name i at arena + off[i] */
	size_t		 n, maxn;
	uint32_t	*slots;		/* index + 1, 0 empty */
	size_t		 mask;
};

static void *
map(size_t sz)
{
	void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "bench_policy: mmap %zu bytes: %s\n", sz,
		    strerror(errno));
		exit(1);
	}
	return p;
}

static uint64_t
name_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static void
set_init(struct nameset *s, size_t maxn)
{
	size_t nslots = 1;

	while (nslots < 2 * maxn)
		nslots *= 2;
	s->maxn = maxn;
	s->cap = maxn * 40 + NAME_MAX_GEN;	/* virtual; only touched pages count */
	s->arena = map(s->cap);
	s->off = map(maxn * sizeof(*s->off));
	s->slots = map(nslots * sizeof(*s->slots));
	s->mask = nslots - 1;
	s->len = s->n = 0;
}

/* The slot for name: empty, or holding it. */
static uint32_t *
set_slot(const struct nameset *s, const char *name, size_t len)
{
	size_t i = (size_t)name_hash(name, len) & s->mask;

	for (;; i = (i + 1) & s->mask) {
		uint32_t *sl = &s->slots[i];
		const char *e;

		if (*sl == 0)
			return sl;
		e = s->arena + s->off[*sl - 1];
		if (strncmp(e, name, len) == 0 && e[len] == '\0')
			return sl;
	}
}

static int
set_has(const struct nameset *s, const char *name, size_t len)
{
	return *set_slot(s, name, len) != 0;
}

/* Adds name unless present; returns 1 if added. */
static int
set_add(struct nameset *s, const char *name, size_t len)
{
	uint32_t *sl = set_slot(s, name, len);

	if (*sl != 0)
		return 0;
	if (s->n == s->maxn || s->len + len + 1 > s->cap) {
		fprintf(stderr, "bench_policy: name set full\n");
		exit(1);
	}
	memcpy(s->arena + s->len, name, len + 1);
	s->off[s->n] = (uint32_t)s->len;
	s->len += len + 1;
	*sl = (uint32_t)++s->n;
	return 1;
}

static const char *
set_name(const struct nameset *s, size_t i)
{
	return s->arena + s->off[i];
}

/* ---- measurement helpers ---- */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t
rss_bytes(void)
{
	FILE		*fp = fopen("/proc/self/statm", "r");
	unsigned long	 size, res = 0;

	if (fp == NULL || fscanf(fp, "%lu %lu", &size, &res) != 2) {
		fprintf(stderr, "bench_policy: cannot read /proc/self/statm\n");
		exit(1);
	}
	fclose(fp);
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- config directory ---- */

static void
cleanup(void)
{
	char path[128];

	if (tmpdir[0] == '\0')
		return;
	for (int c = 0; c < NCATS; c++) {
		snprintf(path, sizeof(path), "%s/rules.d/cat%d.yaml", tmpdir, c);
		(void)unlink(path);
	}
	snprintf(path, sizeof(path), "%s/rules.d", tmpdir);
	(void)rmdir(path);
	snprintf(path, sizeof(path), "%s/policy.yaml", tmpdir);
	(void)unlink(path);
	if (rmdir(tmpdir) != 0)
		fprintf(stderr, "bench_policy: cannot remove %s: %s\n", tmpdir,
		    strerror(errno));
	tmpdir[0] = '\0';
}

static FILE *
open_w(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		fprintf(stderr, "bench_policy: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fp;
}

static void
close_w(FILE *fp, const char *path)
{
	if (ferror(fp) || fclose(fp) != 0) {
		fprintf(stderr, "bench_policy: writing %s failed\n", path);
		exit(1);
	}
}

/* Generates ndom unique names into s and the rule files; returns the total name bytes. */
static size_t
write_config(struct nameset *s, size_t ndom)
{
	FILE		*cat[NCATS], *fp;
	char		 path[128], name[NAME_MAX_GEN];
	struct rng	 r = { 20240601u };
	size_t		 bytes = 0;

	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/hallpass-bench.XXXXXX",
	    t != NULL && *t != '\0' && strlen(t) < 32 ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "bench_policy: mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/rules.d", tmpdir);
	if (mkdir(path, 0700) != 0) {
		fprintf(stderr, "bench_policy: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (int c = 0; c < NCATS; c++) {
		snprintf(path, sizeof(path), "%s/rules.d/cat%d.yaml", tmpdir, c);
		cat[c] = open_w(path);
		fprintf(cat[c], "category: cat%d\ndescription: Benchmark category %d\n"
		    "domains:\n", c, c);
	}
	while (s->n < ndom) {
		size_t len = gen_domain(&r, name);

		if (!set_add(s, name, len))
			continue;	/* a duplicate: draw again */
		fprintf(cat[(s->n - 1) % NCATS], "  - %s\n", name);
		bytes += len;
	}
	for (int c = 0; c < NCATS; c++) {
		snprintf(path, sizeof(path), "%s/rules.d/cat%d.yaml", tmpdir, c);
		close_w(cat[c], path);
	}
	snprintf(path, sizeof(path), "%s/policy.yaml", tmpdir);
	fp = open_w(path);
	fprintf(fp, "timezone: UTC\ndefault_group: std\ngroups:\n  std:\n"
	    "    block: [");
	for (int c = 0; c < NBLOCKED; c++)
		fprintf(fp, "%scat%d", c ? ", " : "", c);
	fprintf(fp, "]\nstudents:\n  s1:\n    name: Bench\n    group: std\n");
	close_w(fp, path);
	return bytes;
}

/* Parses every YAML file of the config with libyaml's event parser, doing nothing with the events. */
static uint64_t
yaml_parse_only(void)
{
	char		 path[128];
	uint64_t	 t0 = now_ns();

	for (int c = 0; c <= NCATS; c++) {
		yaml_parser_t	 yp;
		yaml_event_t	 ev;
		FILE		*fp;
		int		 done = 0;

		if (c < NCATS)
			snprintf(path, sizeof(path), "%s/rules.d/cat%d.yaml", tmpdir, c);
		else
			snprintf(path, sizeof(path), "%s/policy.yaml", tmpdir);
		if ((fp = fopen(path, "rb")) == NULL || !yaml_parser_initialize(&yp)) {
			fprintf(stderr, "bench_policy: %s: cannot parse\n", path);
			exit(1);
		}
		yaml_parser_set_input_file(&yp, fp);
		while (!done) {
			if (!yaml_parser_parse(&yp, &ev)) {
				fprintf(stderr, "bench_policy: %s: YAML error\n", path);
				exit(1);
			}
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&yp);
		fclose(fp);
	}
	return now_ns() - t0;
}

/* ---- queries ---- */

struct queries {
	char		*buf;
	uint32_t	*off;
	uint8_t		*len;
	size_t		 n;
};

static void
queries_alloc(struct queries *q, size_t n)
{
	q->n = n;
	q->buf = malloc(n * QUERY_AVG_MAX);
	q->off = malloc(n * sizeof(*q->off));
	q->len = malloc(n);
	if (q->buf == NULL || q->off == NULL || q->len == NULL) {
		fprintf(stderr, "bench_policy: out of memory for queries\n");
		exit(1);
	}
}

/* Room for one more query at pos, or exit: average lengths are far below QUERY_AVG_MAX. */
static void
queries_room(const struct queries *q, size_t pos)
{
	if (pos + 2 * NAME_MAX_GEN > q->n * QUERY_AVG_MAX) {
		fprintf(stderr, "bench_policy: query buffer full\n");
		exit(1);
	}
}

static void
queries_free(struct queries *q)
{
	free(q->buf);
	free(q->off);
	free(q->len);
}

/* Listed names, a third of them with one or two extra leading labels (www.x.com). */
static void
make_hits(struct queries *q, const struct nameset *s, size_t n)
{
	struct rng	r = { 77u };
	size_t		pos = 0;

	queries_alloc(q, n);
	for (size_t i = 0; i < n; i++) {
		const char	*d = set_name(s, rng_below(&r, (uint32_t)s->n));
		uint32_t	 k = rng_below(&r, 100);
		unsigned	 extra = k < 50 ? 0 : k < 85 ? 1 : 2;
		size_t		 l = 0;
		char		*b = q->buf + pos;

		queries_room(q, pos);
		for (unsigned j = 0; j < extra; j++) {
			l = put(b, l, j == 0 && rng_below(&r, 2) ? "www" :
			    subs[rng_below(&r, NSUBS)]);
			b[l++] = '.';
		}
		l = put(b, l, d);
		b[l] = '\0';
		q->off[i] = (uint32_t)pos;
		q->len[i] = (uint8_t)l;
		pos += l + 1;
	}
}

/* Names from the same generator (another seed) that neither are nor lie below a listed name. */
static void
make_misses(struct queries *q, const struct nameset *s, size_t n)
{
	struct rng	r = { 99991u };
	size_t		pos = 0, i = 0;

	queries_alloc(q, n);
	while (i < n) {
		char	*b = q->buf + pos;
		size_t	 l;
		int	 listed = 0;

		queries_room(q, pos);
		l = gen_domain(&r, b);

		for (const char *at = b; at != NULL && !listed; ) {
			listed = set_has(s, at, l - (size_t)(at - b));
			if ((at = strchr(at, '.')) != NULL)
				at++;
		}
		if (listed)
			continue;
		q->off[i] = (uint32_t)pos;
		q->len[i] = (uint8_t)l;
		pos += l + 1;
		i++;
	}
}

struct lat {
	double		 per_s, median_ns, p99_ns, mean_ns;
};

static void
lat_summary(struct lat *o, uint64_t *batch_ns, size_t nb, uint64_t total)
{
	qsort(batch_ns, nb, sizeof(*batch_ns), cmp_u64);
	o->median_ns = (double)batch_ns[nb / 2] / BATCH;
	o->p99_ns = (double)batch_ns[nb - 1 - nb / 100] / BATCH;
	o->mean_ns = (double)total / (double)(nb * BATCH);
	o->per_s = (double)(nb * BATCH) * 1e9 / (double)total;
}

/* policy_decide over every query, timed per batch; counts wrong answers. */
static size_t
bench_decide(const struct policy *p, const struct policy_student *st,
    const struct queries *q, int want_hit, uint64_t *batch_ns, struct lat *o)
{
	struct policy_decision	d;
	size_t			nb = q->n / BATCH, bad = 0;
	uint64_t		total = 0;
	const time_t		when = 1717408800;	/* a Monday, 10:00 UTC */

	for (size_t i = 0; i < q->n && i < 65536; i++)	/* warm up */
		policy_decide(p, st, q->buf + q->off[i], q->len[i], NULL, when, &d);
	for (size_t b = 0; b < nb; b++) {
		uint64_t t0 = now_ns(), t1;

		for (size_t i = b * BATCH; i < (b + 1) * BATCH; i++) {
			policy_decide(p, st, q->buf + q->off[i], q->len[i], NULL,
			    when, &d);
			if (want_hit) {
				/* cat0..cat3 are blocked, the rest allowed */
				int blocked = d.category != NULL &&
				    d.category[3] - '0' < NBLOCKED;

				bad += d.category == NULL ||
				    d.action != (blocked ? POLICY_BLOCK : POLICY_ALLOW);
			} else
				bad += d.category != NULL || d.action != POLICY_ALLOW;
		}
		t1 = now_ns();
		batch_ns[b] = t1 - t0;
		total += t1 - t0;
	}
	lat_summary(o, batch_ns, nb, total);
	return bad;
}

/* The reference: exact match of the same query strings by bsearch in a sorted array. */
static size_t
bench_bsearch(const char **sorted, size_t n, const struct queries *q,
    uint64_t *batch_ns, struct lat *o)
{
	size_t		nb = q->n / BATCH, found = 0;
	uint64_t	total = 0;

	for (size_t i = 0; i < q->n && i < 65536; i++) {
		const char *key = q->buf + q->off[i];

		found += bsearch(&key, sorted, n, sizeof(*sorted), cmp_str) != NULL;
	}
	found = 0;
	for (size_t b = 0; b < nb; b++) {
		uint64_t t0 = now_ns(), t1;

		for (size_t i = b * BATCH; i < (b + 1) * BATCH; i++) {
			const char *key = q->buf + q->off[i];

			found += bsearch(&key, sorted, n, sizeof(*sorted),
			    cmp_str) != NULL;
		}
		t1 = now_ns();
		batch_ns[b] = t1 - t0;
		total += t1 - t0;
	}
	lat_summary(o, batch_ns, nb, total);
	return found;
}

static const char *
verdict(int ok)
{
	return ok ? "PASS" : "MISS";
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_policy [-n domains] [-q lookups] [-j json] [-k]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	size_t			 ndom = 1000000, nq = 2000000, namebytes;
	size_t			 rss0, rss1, heap0, heap1, bad_hit, bad_miss;
	const char		*json = NULL;
	int			 keep = 0, ch;
	struct nameset		 set;
	struct diag		 diag;
	struct policy		*p;
	struct policy_stats	 st;
	const struct policy_student *stu;
	uint64_t		 t0, load_ns, yaml_ns, *batch_ns;
	struct queries		 hits, misses;
	struct lat		 lh, lm, rh, rm;
	const char		**sorted;

	while ((ch = getopt(argc, argv, "n:q:j:k")) != -1) {
		switch (ch) {
		case 'n':
			ndom = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			nq = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			json = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		default:
			usage();
		}
	}
	if (ndom < 1000 || ndom > 50000000 || nq < 100 * BATCH)
		usage();
	nq -= nq % BATCH;
	for (size_t i = 0; i < NTLDS; i++)
		tld_total += tlds[i].weight;

	/* 1. Generate the config (the name set lives in mmap'd memory, outside malloc's heap). */
	set_init(&set, ndom);
	namebytes = write_config(&set, ndom);

	/* 2. Load and compile, with RSS and heap before and after. */
	diag_init(&diag);
	rss0 = rss_bytes();
	heap0 = heap_in_use();
	t0 = now_ns();
	p = policy_load(tmpdir, &diag);
	load_ns = now_ns() - t0;
	rss1 = rss_bytes();
	heap1 = heap_in_use();
	if (p == NULL) {
		fprintf(stderr, "bench_policy: policy_load failed:\n");
		for (size_t i = 0; i < diag.n && i < 10; i++)
			fprintf(stderr, "  %s\n", diag.msgs[i]);
		diag_free(&diag);
		return 1;
	}
	diag_free(&diag);
	policy_stats(p, &st);
	if (st.domains != ndom || st.categories != NCATS) {
		fprintf(stderr, "bench_policy: loaded %zu domains in %zu categories, "
		    "generated %zu in %d\n", st.domains, st.categories, ndom, NCATS);
		return 1;
	}
	if ((stu = policy_student_find(p, "s1")) == NULL) {
		fprintf(stderr, "bench_policy: student s1 not found\n");
		return 1;
	}

	/* 3. Reference: libyaml's event parser alone over the same files. */
	yaml_ns = yaml_parse_only();

	/* 4. Lookups, then the bsearch reference over the same queries. */
	make_hits(&hits, &set, nq);
	make_misses(&misses, &set, nq);
	if ((batch_ns = malloc(nq / BATCH * sizeof(*batch_ns))) == NULL ||
	    (sorted = malloc(set.n * sizeof(*sorted))) == NULL) {
		fprintf(stderr, "bench_policy: out of memory\n");
		return 1;
	}
	bad_hit = bench_decide(p, stu, &hits, 1, batch_ns, &lh);
	bad_miss = bench_decide(p, stu, &misses, 0, batch_ns, &lm);
	for (size_t i = 0; i < set.n; i++)
		sorted[i] = set_name(&set, i);
	qsort(sorted, set.n, sizeof(*sorted), cmp_str);
	(void)bench_bsearch(sorted, set.n, &hits, batch_ns, &rh);
	if (bench_bsearch(sorted, set.n, &misses, batch_ns, &rm) != 0) {
		fprintf(stderr, "bench_policy: a miss query is listed\n");
		return 1;
	}

	/* 5. Report. */
	double load_s = (double)load_ns / 1e9, yaml_s = (double)yaml_ns / 1e9;
	double grow = rss1 > rss0 ? (double)(rss1 - rss0) : 0.0;
	double heap = heap1 > heap0 ? (double)(heap1 - heap0) : 0.0;
	double bpd = grow / (double)st.domains, hpd = heap / (double)st.domains;
	int ok_load = load_s <= TARGET_LOAD_S, ok_mem = bpd <= TARGET_BYTES_PER_DOM;
	int ok_hit = lh.median_ns <= TARGET_MEDIAN_NS;
	int ok_miss = lm.median_ns <= TARGET_MEDIAN_NS;

	printf("policy engine, %zu domains (%zu categories, avg %.1f chars), "
	    "%zu lookups each, 1 thread\n", st.domains, st.categories,
	    (double)namebytes / (double)ndom, nq);
	printf("  %-16s %7.2f s             target <= %.0f s     %s  "
	    "= %.2f x libyaml parse alone (%.2f s)\n", "load+compile", load_s,
	    TARGET_LOAD_S, verdict(ok_load), load_s / yaml_s, yaml_s);
	printf("  %-16s %7.1f bytes/domain  target <= %.0f      %s  "
	    "RSS +%.1f MB; heap in use %.1f bytes/domain\n", "memory", bpd,
	    TARGET_BYTES_PER_DOM, verdict(ok_mem), grow / 1e6, hpd);
	printf("  %-16s %7.2f M/s  median %.3f us  p99 %.3f us  "
	    "target median <= 1 us  %s  = %.2f x bsearch exact match (median %.3f us)\n",
	    "lookup, hits", lh.per_s / 1e6, lh.median_ns / 1e3, lh.p99_ns / 1e3,
	    verdict(ok_hit), lh.median_ns / rh.median_ns, rh.median_ns / 1e3);
	printf("  %-16s %7.2f M/s  median %.3f us  p99 %.3f us  "
	    "target median <= 1 us  %s  = %.2f x bsearch exact match (median %.3f us)\n",
	    "lookup, misses", lm.per_s / 1e6, lm.median_ns / 1e3, lm.p99_ns / 1e3,
	    verdict(ok_miss), lm.median_ns / rm.median_ns, rm.median_ns / 1e3);
	if (bad_hit || bad_miss)
		printf("  WRONG DECISIONS: %zu hits, %zu misses\n", bad_hit, bad_miss);

	if (json != NULL) {
		FILE *fp = open_w(json);

		fprintf(fp, "{\n  \"bench\": \"policy\",\n  \"domains\": %zu,\n"
		    "  \"categories\": %zu,\n  \"avg_domain_chars\": %.2f,\n"
		    "  \"lookups\": %zu,\n  \"batch\": %d,\n",
		    st.domains, st.categories, (double)namebytes / (double)ndom, nq,
		    BATCH);
		fprintf(fp, "  \"load\": { \"seconds\": %.4f, \"yaml_parse_seconds\": %.4f, "
		    "\"x_yaml_parse\": %.3f, \"target_seconds\": %.1f, \"pass\": %s },\n",
		    load_s, yaml_s, load_s / yaml_s, TARGET_LOAD_S,
		    ok_load ? "true" : "false");
		fprintf(fp, "  \"memory\": { \"rss_growth_bytes\": %.0f, "
		    "\"bytes_per_domain\": %.2f, \"heap_bytes_per_domain\": %.2f, "
		    "\"target_bytes_per_domain\": %.0f, \"pass\": %s },\n",
		    grow, bpd, hpd, TARGET_BYTES_PER_DOM, ok_mem ? "true" : "false");
		for (int k = 0; k < 2; k++) {
			const struct lat *l = k ? &lm : &lh, *r = k ? &rm : &rh;

			fprintf(fp, "  \"%s\": { \"per_second\": %.0f, \"median_ns\": %.1f, "
			    "\"p99_ns\": %.1f, \"mean_ns\": %.1f, \"wrong\": %zu, "
			    "\"bsearch_median_ns\": %.1f, \"x_bsearch\": %.3f, "
			    "\"target_median_ns\": %.0f, \"pass\": %s }%s\n",
			    k ? "misses" : "hits", l->per_s, l->median_ns, l->p99_ns,
			    l->mean_ns, k ? bad_miss : bad_hit, r->median_ns,
			    l->median_ns / r->median_ns, TARGET_MEDIAN_NS,
			    (k ? ok_miss : ok_hit) ? "true" : "false", k ? "" : ",");
		}
		fprintf(fp, "}\n");
		close_w(fp, json);
	}

	if (keep) {
		fprintf(stderr, "bench_policy: kept %s\n", tmpdir);
		tmpdir[0] = '\0';
	}
	free(sorted);
	free(batch_ns);
	queries_free(&hits);
	queries_free(&misses);
	policy_unref(p);
	return bad_hit || bad_miss ? 1 : 0;
}
