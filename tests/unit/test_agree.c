/* test_agree: every capture through `hallpass inspect` and through hallpassd's gate gives the same decisions, flow by flow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <libgen.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "enforce.h"
#include "gate.h"
#include "linkhdr.h"
#include "pcaputil.h"
#include "policy.h"


static char	agree_hallpass[1024];	/* the hallpass binary beside this test's build */

/* A set of "proto host action" lines. */
struct agree_set {
	char	**v;
	size_t	  n, cap;
};

static void
set_add(struct agree_set *s, const char *proto, const char *host, const char *action)
{
	char line[600];

	snprintf(line, sizeof(line), "%s %s %s", proto, host, action);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], line) == 0)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n] = strdup(line);
	assert_non_null(s->v[s->n]);
	s->n++;
}

static int
set_has(const struct agree_set *s, const char *line)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], line) == 0)
			return 1;
	return 0;
}

static void
set_free(struct agree_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The string value of key in one line of inspect --json ("" for null or absent); 1 if present and not null. */
static int
json_field(const char *line, const char *key, char *buf, size_t sz)
{
	char		 pat[64];
	const char	*p;
	size_t		 o = 0;

	buf[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(line, pat)) == NULL)
		return 0;
	for (p += strlen(pat); *p != '\0' && *p != '"' && o + 1 < sz; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;	/* names with escapes compare by their escaped bytes on both sides alike is not needed: rare */
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return 1;
}

/* What the gate records through its sink: one "proto host action" per decision. */
static int
agree_record(void *ctx, const struct activity_rec *r)
{
	struct agree_set *s = ctx;

	if (r->kind == ACTIVITY_EVENT)
		set_add(s, r->proto, r->host, r->action);
	return 0;
}

/* hallpassd's side: every IP packet of the capture through gate_packet, in order, at its own time. */
static void
agree_daemon(struct policy *p, const struct config *cfg, const char *path,
    struct agree_set *out)
{
	char			 err[PCAP_ERRBUF_SIZE];
	struct enforce_sink	 sink = { NULL, agree_record, out };
	struct gate		*g;
	struct pcap_pkthdr	*h;
	const u_char		*frame;
	pcap_t			*pc;
	int			 dlt;

	struct snapshot *snap = snapshot_new(policy_ref(p), cfg);
	assert_non_null(snap);
	g = gate_new(snap, NULL, NULL, err, sizeof(err));
	snapshot_unref(snap);
	assert_non_null(g);
	gate_set_sink(g, &sink);
	pc = pcap_open_offline(path, err);
	assert_non_null(pc);
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &frame) == 1) {
		const uint8_t	*ip, *mac;
		size_t		 iplen;
		uint64_t	 ms = (uint64_t)h->ts.tv_sec * 1000 +
		    (uint64_t)h->ts.tv_usec / 1000;

		if (linkhdr_ip(dlt, frame, h->caplen, &ip, &iplen, &mac) != LINKHDR_IP)
			continue;
		(void)gate_packet(g, ip, iplen, h->len > h->caplen ?
		    iplen + (h->len - h->caplen) : iplen, mac, ms);
	}
	pcap_close(pc);
	gate_free(g);
}

/* inspect's side: the CLI itself, --json, each line's judged host (the name, the DNS map's, or the address). */
static void
agree_inspect(const char *dir, const char *path, struct agree_set *all,
    struct agree_set *named)
{
	char	 cmd[3000], line[8192], proto[16], name[300], dst[64], action[16];
	char	 judged[300];
	FILE	*f;
	int	 have_name;

	snprintf(cmd, sizeof(cmd), "'%s' -c %s inspect --json '%s' 2>/dev/null",
	    agree_hallpass, dir, path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_true(json_field(line, "proto", proto, sizeof(proto)));
		assert_true(json_field(line, "action", action, sizeof(action)));
		assert_true(json_field(line, "dst", dst, sizeof(dst)));
		have_name = json_field(line, "name", name, sizeof(name));
		if (json_field(line, "judged", judged, sizeof(judged)))
			set_add(all, proto, judged, action);
		else
			set_add(all, proto, have_name ? name : dst, action);
		/* A named flow is one hallpassd decides too (a nameless one may only have left the table). */
		if (have_name)
			set_add(named, proto, json_field(line, "judged", judged,
			    sizeof(judged)) ? judged : name, action);
	}
	assert_int_equal(pclose(f), 0);
}

/* Every capture through both sides with config dir; at least minblocks blocks must be compared. */
static void
agree_run(const char *dir, size_t minblocks)
{
	char			 path[1200], mpath[1200], *line = NULL, *file;
	struct policy		*p;
	struct config		 cfg;
	struct diag		 d;
	struct agree_set	 dm = { 0 }, all = { 0 }, named = { 0 };
	size_t			 cap = 0, ncap = 0, blocks = 0, decisions = 0;
	FILE			*mf;
	struct stat		 st;

	snprintf(mpath, sizeof(mpath), "%s/MANIFEST.tsv", pcaputil_dir());
	if ((mf = fopen(mpath, "r")) == NULL) {
		skip();
		return;
	}
	diag_init(&d);
	p = policy_load(dir, &d);
	assert_non_null(p);
	assert_int_equal(config_load(&cfg, dir, &d), 0);
	diag_free(&d);
	/* The same table sizes inspect uses, so no flow is evicted on one side only. */
	cfg.flow_table_size = 16384;
	while (getline(&line, &cap, mf) > 0) {
		line[strcspn(line, "\t\r\n")] = '\0';
		file = line;
		if (strcmp(file, "file") == 0 || *file == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/pcap/%s", pcaputil_dir(), file);
		if (stat(path, &st) != 0)
			continue;
		agree_daemon(p, &cfg, path, &dm);
		agree_inspect(dir, path, &all, &named);
		for (size_t i = 0; i < dm.n; i++) {
			if (!set_has(&all, dm.v[i]))
				print_error("# %s: hallpassd decided \"%s\", inspect did not\n",
				    file, dm.v[i]);
			assert_true(set_has(&all, dm.v[i]));
			blocks += strstr(dm.v[i], " block") != NULL;
		}
		for (size_t i = 0; i < named.n; i++) {
			if (!set_has(&dm, named.v[i]))
				print_error("# %s: inspect decided \"%s\", hallpassd did not\n",
				    file, named.v[i]);
			assert_true(set_has(&dm, named.v[i]));
		}
		decisions += dm.n;
		ncap++;
		set_free(&dm);
		set_free(&all);
		set_free(&named);
	}
	free(line);
	fclose(mf);
	policy_unref(p);
	print_message("# %s: %zu captures, %zu decisions, %zu blocks agree\n", dir, ncap, decisions,
	    blocks);
	/* A comparison of nothing proves nothing: the captures must hold decisions and blocks. */
	assert_true(ncap > 10);
	assert_true(decisions > 100);
	assert_true(blocks >= minblocks);
}

static void
test_agree_base(void **state)
{
	(void)state;
	agree_run("fixtures/base", 1);
}

/* Blocks by category and the gate's own rules (strict HTTPS, encrypted DNS) on the same captures. */
static void
test_agree_blocking(void **state)
{
	(void)state;
	agree_run("fixtures/agree", 10);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree_base),
		cmocka_unit_test(test_agree_blocking),
	};
	const char	*env = getenv("HALLPASS");
	char		 self[1024];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	if (env != NULL && *env != '\0')
		snprintf(agree_hallpass, sizeof(agree_hallpass), "%s", env);
	else
		/* build/X/tests/test_agree → build/X/hallpass */
		snprintf(agree_hallpass, sizeof(agree_hallpass), "%s/../hallpass", dirname(self));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
