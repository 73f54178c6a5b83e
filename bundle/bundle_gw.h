/* bundle_gw: the gateway's side of the signed rule bundle — fetch (libcurl, HTTPS), verify, refuse or unpack and swap. */
#ifndef HALLPASS_BUNDLE_GW_H
#define HALLPASS_BUNDLE_GW_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct policy;
struct bundle_gw;

/*
 * The client for the bundles under dir (hallpass.yaml's bundle_dir), on the
 * main thread before any other starts (it initialises libcurl).  Reads the
 * bundle on disk, if any, checking it against pubkey (NULL: unchecked).
 * Never fails for a missing or unreadable bundle (logged: the daemon starts
 * from its own rules); NULL only when out of memory.
 */
struct bundle_gw *bundle_gw_new(const char *dir, const char *pubkey);
void		 bundle_gw_free(struct bundle_gw *);

/*
 * Where the rules come from under cfg: DIR/current when cfg names a
 * bundle_url and a verified bundle is on disk, else NULL (the daemon's own
 * configuration directory).  bundle_gw_committed is that bundle's version.
 */
const char	*bundle_gw_rules_dir(const struct bundle_gw *, const struct config *);
uint64_t	 bundle_gw_committed(const struct bundle_gw *);

/*
 * One fetch of cfg->bundle_url, on the loader thread (one at a time):
 * downloads it (HTTPS, peer verified, cfg->bundle_ca if set), checks the
 * signature with cfg->bundle_key, refuses a version older than the one on
 * disk (or the same version with other content) unless
 * cfg->bundle_allow_downgrade, unpacks it into a fresh directory, loads the
 * whole rule set from it and only then makes it DIR/current with one
 * rename.  Returns 1 with the new snapshot in *p and its version in
 * *version; 0 when there is nothing new to apply (the same bundle, a fetch
 * that failed, a bundle refused: each logged in one line, the rules in force
 * stay).
 */
int		 bundle_gw_update(struct bundle_gw *, const struct config *,
		    struct policy **p, uint64_t *version);

/* bundle_gw_update after the download: buf (len bytes) is what bundle_url served. */
int		 bundle_gw_take(struct bundle_gw *, const struct config *,
		    const uint8_t *buf, size_t len, struct policy **p, uint64_t *version);

/* The packet thread applied version (0: the daemon's own rules): logs "bundle version N in force". */
void		 bundle_gw_set_in_force(struct bundle_gw *, uint64_t version);
/* The version in force, from any thread (health, counters): 0 when none. */
uint64_t	 bundle_gw_version(const struct bundle_gw *);

#endif
