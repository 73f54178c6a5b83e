/* snapshot: policy + effective settings as one immutable, reference-counted unit for the daemon's reload. */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct snapshot {
	unsigned	 refs;
	struct policy	*policy;
	struct config	 cfg;
	char		 applied[512];
	char		 restart[512];
};

struct snapshot *
snapshot_new(struct policy *p, const struct config *c)
{
	struct snapshot *s;

	if (p == NULL || (s = calloc(1, sizeof(*s))) == NULL) {
		policy_unref(p);
		return NULL;
	}
	s->refs = 1;
	s->policy = p;
	s->cfg = *c;
	return s;
}

struct snapshot *
snapshot_load(const char *dir, const struct snapshot *cur, struct diag *dg)
{
	struct policy	*p;
	struct config	*c;
	struct snapshot	*s;
	int		 bad;

	/* struct config holds fixed arrays: too big for a loader thread's stack habits. */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	p = policy_load(dir, dg);
	bad = config_load(c, dir, dg) != 0;
	if (p == NULL || bad || diag_count(dg) > 0) {
		policy_unref(p);
		free(c);
		return NULL;
	}
	if (cur == NULL) {
		s = snapshot_new(p, c);
		free(c);
		return s;
	}
	if ((s = snapshot_new(p, &cur->cfg)) == NULL) {
		free(c);
		return NULL;
	}
	(void)config_diff(&cur->cfg, c, 1, s->applied, sizeof(s->applied));
	(void)config_diff(&cur->cfg, c, 0, s->restart, sizeof(s->restart));
	config_apply_reloadable(&s->cfg, c);
	free(c);
	return s;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	if (s != NULL)
		s->refs++;
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	policy_unref(s->policy);
	free(s);
}

struct policy *
snapshot_policy(const struct snapshot *s)
{
	return s->policy;
}

const struct config *
snapshot_config(const struct snapshot *s)
{
	return &s->cfg;
}

const char *
snapshot_changes(const struct snapshot *s, int reloadable)
{
	return reloadable ? s->applied : s->restart;
}
