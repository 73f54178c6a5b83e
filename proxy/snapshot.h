/* snapshot: what hallpassd has in force — the policy and the effective settings, built together off the packet thread and swapped whole. */
#ifndef HALLPASS_SNAPSHOT_H
#define HALLPASS_SNAPSHOT_H

#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "home.h"
#include "policy.h"

/*
 * A snapshot never changes once built, so the loader thread may read the one
 * in force while the packet thread uses it.  References are taken and dropped
 * on the packet thread only (the loader hands its new snapshot over whole).
 */
struct snapshot;

/*
 * Reads hallpass.yaml and the rules under dir into a new snapshot.  With cur,
 * the effective settings are cur's with only the reloadable ones taken from
 * the file (config.c's table says which); the names of the settings that
 * changed are kept for the log (snapshot_changes).  NULL when anything is
 * wrong: every problem is in dg, and an empty dg means out of memory.
 */
struct snapshot	*snapshot_load(const char *dir, const struct snapshot *cur,
		    struct diag *dg);
/*
 * snapshot_load with the rules already loaded (p, taken over: the signed
 * bundle's, docs/bundle.md) and hallpass.yaml already read (file): the
 * effective settings and the change lists as snapshot_load makes them.
 */
struct snapshot	*snapshot_over(struct policy *p, const struct config *file,
		    const struct snapshot *cur);
/*
 * cur's policy and settings with guardians' controls h (taken over): what
 * the loader swaps in when the controls in the database changed.  No change
 * lists.  NULL when out of memory (h is dropped).
 */
struct snapshot	*snapshot_with_home(const struct snapshot *cur, struct home *h);
/* Takes over the caller's reference to p. */
struct snapshot	*snapshot_new(struct policy *p, const struct config *c);
struct snapshot	*snapshot_ref(struct snapshot *);
void		 snapshot_unref(struct snapshot *);

struct policy		*snapshot_policy(const struct snapshot *);
const struct config	*snapshot_config(const struct snapshot *);
/* The guardians' controls in force (NULL: none read yet); snapshot_over keeps cur's. */
const struct home	*snapshot_home(const struct snapshot *);
/*
 * The settings that differ from the snapshot this one was loaded over:
 * reloadable 1, those applied; 0, those changed in the file that wait for a
 * restart.  "" when none.
 */
const char	*snapshot_changes(const struct snapshot *, int reloadable);

#endif
