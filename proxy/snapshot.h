/* snapshot: what hallpassd has in force — the policy and the effective settings, built together off the packet thread and swapped whole. */
#ifndef HALLPASS_SNAPSHOT_H
#define HALLPASS_SNAPSHOT_H

#include <stddef.h>

#include "config.h"
#include "diag.h"
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
/* Takes over the caller's reference to p. */
struct snapshot	*snapshot_new(struct policy *p, const struct config *c);
struct snapshot	*snapshot_ref(struct snapshot *);
void		 snapshot_unref(struct snapshot *);

struct policy		*snapshot_policy(const struct snapshot *);
const struct config	*snapshot_config(const struct snapshot *);
/*
 * The settings that differ from the snapshot this one was loaded over:
 * reloadable 1, those applied; 0, those changed in the file that wait for a
 * restart.  "" when none.
 */
const char	*snapshot_changes(const struct snapshot *, int reloadable);

#endif
