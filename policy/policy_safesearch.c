/* policy_safesearch: safesearch.yaml, the search hosts whose answers are rewritten to the engine's safe host. */
#include "policy_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostname.h"
#include "ycfg.h"

static char *
safesearch_target(struct ycfg *y, yaml_node_t *n, const char *what)
{
	const char	*s = ycfg_str(y, n, what), *why;
	char		 norm[HOSTNAME_BUFSZ];

	if (s == NULL)
		return NULL;
	if (hostname_normalize(s, strlen(s), norm, &why) != HOSTNAME_NAME) {
		ycfg_err(y, n, "%s \"%.80s\" is not a host name%s%s", what, s,
		    why ? ": " : "", why ? why : "");
		return NULL;
	}
	return strdup(norm);
}

struct safesearch_seen {
	char		**hosts;
	uint32_t	 *lines;
	size_t		  n;
};

/* Engines list tens of hosts: a linear scan is plenty. */
static int
safesearch_seen(struct safesearch_seen *s, const char *h, uint32_t line,
    struct ycfg *y, yaml_node_t *it)
{
	char		**nh;
	uint32_t	 *nl;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->hosts[i], h) == 0) {
			ycfg_err(y, it, "host %s is already listed at line %u", h,
			    s->lines[i]);
			return 1;
		}
	if ((nh = realloc(s->hosts, (s->n + 1) * sizeof(*nh))) == NULL)
		return 0;
	s->hosts = nh;
	if ((nl = realloc(s->lines, (s->n + 1) * sizeof(*nl))) == NULL)
		return 0;
	s->lines = nl;
	if ((nh[s->n] = strdup(h)) == NULL)
		return 0;
	nl[s->n++] = line;
	return 0;
}

static void
safesearch_engines(struct policy *p, struct ycfg *y, yaml_node_t *n)
{
	struct safesearch_seen	 seenbuf = { NULL, NULL, 0 }, *seen = &seenbuf;
	size_t			 np;

	if (n->type != YAML_MAPPING_NODE) {
		ycfg_err(y, n, "engines must be a mapping of engine names to engines");
		return;
	}
	np = ycfg_map_len(n);
	if ((p->engines = calloc(np + 1, sizeof(*p->engines))) == NULL)
		return;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t		*kn, *v;
		struct policy_engine	*e = &p->engines[p->nengines];
		struct ycfg_key		 k[] = {
			{ "hosts", 1, NULL, NULL }, { "moderate", 1, NULL, NULL },
			{ "strict", 1, NULL, NULL },
		};
		yaml_node_item_t	*items;
		const char		*id;
		char			 what[120];
		int			 count;

		ycfg_map_pair(y, n, i, &kn, &v);
		if ((id = ycfg_str(y, kn, "an engine name")) == NULL)
			continue;
		if (!ycfg_valid_id(id)) {
			ycfg_err(y, kn, "engine name \"%.80s\" must be 1-64 letters, "
			    "digits, '.', '_' or '-'", id);
			continue;
		}
		for (size_t j = 0; j < p->nengines; j++)
			if (strcmp(p->engines[j].id, id) == 0) {
				ycfg_err(y, kn, "engine \"%s\" defined twice", id);
				id = NULL;
				break;
			}
		if (id == NULL)
			continue;
		e->id = strdup(id);
		p->nengines++;
		snprintf(what, sizeof(what), "engine %s", id);
		if (ycfg_map(y, v, k, 3, what) != 0 && v->type != YAML_MAPPING_NODE)
			continue;
		if (k[1].val != NULL)
			e->target[POLICY_SS_MODERATE] =
			    safesearch_target(y, k[1].val, "moderate");
		if (k[2].val != NULL)
			e->target[POLICY_SS_STRICT] =
			    safesearch_target(y, k[2].val, "strict");
		if (k[0].val == NULL ||
		    (count = ycfg_seq(y, k[0].val, "hosts", &items)) < 0)
			continue;
		for (int j = 0; j < count; j++) {
			yaml_node_t	*it = ycfg_node(y, items[j]);
			char		*h = safesearch_target(y, it, "host");

			if (h == NULL)
				continue;
			/* The same host twice would make the answer depend on order. */
			if (safesearch_seen(seen, h, (uint32_t)ycfg_line(it), y, it)) {
				free(h);
				continue;
			}
			if (domtab_add(p->sshosts, h, strlen(h),
			    (uint32_t)(p->nengines - 1), (uint32_t)ycfg_line(it)) != 0)
				ycfg_err(y, it, "out of memory");
			free(h);
		}
	}
	for (size_t i = 0; i < seen->n; i++)
		free(seen->hosts[i]);
	free(seen->hosts);
	free(seen->lines);
}

void
policy_safesearch_targets(const struct policy *p, void (*cb)(const char *, void *),
    void *arg)
{
	for (size_t i = 0; i < p->nengines; i++) {
		const char *m = p->engines[i].target[POLICY_SS_MODERATE];
		const char *st = p->engines[i].target[POLICY_SS_STRICT];

		if (m != NULL)
			cb(m, arg);
		if (st != NULL && (m == NULL || strcmp(m, st) != 0))
			cb(st, arg);
	}
}

int
policy_safesearch_load(struct policy *p, const char *dir, struct diag *d)
{
	struct ycfg	 y;
	struct ycfg_key	 k[] = { { "engines", 1, NULL, NULL } };
	int		 rc, builtin = 0;

	if (asprintf(&p->safesearch_file, "%s/safesearch.yaml", dir) < 0) {
		p->safesearch_file = NULL;
		return -1;
	}
	if (access(p->safesearch_file, F_OK) != 0) {
		/* Optional: without one, a group that asks for safe search gets the engines hallpass ships. */
		for (size_t i = 0; i < p->ngroups; i++)
			if (p->groups[i].safe_search != POLICY_SS_OFF)
				builtin = 1;
		if (!builtin)
			return 0;
		free(p->safesearch_file);
		if ((p->safesearch_file = strdup(POLICY_SAFESEARCH_BUILTIN)) == NULL)
			return -1;
		rc = ycfg_load_mem(&y, policy_safesearch_builtin,
		    policy_safesearch_builtin_len, p->safesearch_file, d);
	} else
		rc = ycfg_load(&y, p->safesearch_file, p->safesearch_file, d);
	if (rc != 0) {
		ycfg_free(&y);
		return -1;
	}
	if (ycfg_map(&y, ycfg_root(&y), k, 1, "safesearch.yaml") == 0)
		safesearch_engines(p, &y, k[0].val);
	rc = y.nerr ? -1 : 0;
	ycfg_free(&y);
	return rc;
}
