/* snapshot: policy + effective settings as one immutable, reference-counted unit for the daemon's reload. */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct snapshot {
	unsigned	 refs;
	struct policy	*policy;
	struct config	 cfg;
	struct home	*home;		/* guardians' controls: read apart from the rules, kept across reloads */
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
snapshot_over(struct policy *p, const struct config *file, const struct snapshot *cur)
{
	struct snapshot *s;

	if (cur == NULL)
		return snapshot_new(p, file);
	if ((s = snapshot_new(p, &cur->cfg)) == NULL)
		return NULL;
	s->home = home_ref(cur->home);
	(void)config_diff(&cur->cfg, file, 1, s->applied, sizeof(s->applied));
	(void)config_diff(&cur->cfg, file, 0, s->restart, sizeof(s->restart));
	config_apply_reloadable(&s->cfg, file);
	return s;
}

struct snapshot *
snapshot_load(const char *dir, const struct snapshot *cur, struct diag *dg)
{
	struct config	 c;
	struct policy	*p = policy_load(dir, dg);
	struct snapshot	*s;
	int		 bad = config_load(&c, dir, dg) != 0;

	if (p == NULL || bad || diag_count(dg) > 0) {
		policy_unref(p);
		return NULL;
	}
	/* Over a snapshot in force, only what a running daemon may change comes from the file. */
	s = snapshot_over(p, &c, cur);
	return s;
}

struct snapshot *
snapshot_with_home(const struct snapshot *cur, struct home *h)
{
	struct snapshot *s;

	if ((s = snapshot_new(policy_ref(cur->policy), &cur->cfg)) == NULL) {
		home_unref(h);
		return NULL;
	}
	s->home = h;
	return s;
}

const struct home *
snapshot_home(const struct snapshot *s)
{
	return s->home;
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
	home_unref(s->home);
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
