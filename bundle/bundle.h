/* bundle: the signed rule bundle — one versioned file carrying a config directory's rule set, signed with Ed25519 (docs/bundle.md). */
#ifndef HALLPASS_BUNDLE_H
#define HALLPASS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct policy;

#define BUNDLE_FORMAT		1
/* A million-domain rule set is ~20 MiB of YAML: a bundle ten times that is not a rule set. */
#define BUNDLE_MAX_BYTES	((size_t)256 << 20)
/* rules.d files (policy_load's own limit) plus policy.yaml, safesearch.yaml and aup.yaml. */
#define BUNDLE_MAX_FILES	4099
#define BUNDLE_PATH_MAX		200
#define BUNDLE_PK_BYTES		32
#define BUNDLE_SK_BYTES		64
#define BUNDLE_KEYID_LEN	16	/* hex characters */
#define BUNDLE_HASH_BYTES	32
/* The name a gateway keeps the signed file under, beside the files it unpacked. */
#define BUNDLE_RAW_NAME		"hallpass.bundle"

/* Why a bundle was refused; bundle_strerror names each. */
enum bundle_err {
	BUNDLE_OK = 0,
	BUNDLE_E_OVERSIZE,	/* longer than the limit */
	BUNDLE_E_NOT_BUNDLE,	/* no "hallpass-bundle" header */
	BUNDLE_E_FORMAT,	/* a format version this hallpass does not read */
	BUNDLE_E_TRUNCATED,	/* ends inside the header, an entry or the signature */
	BUNDLE_E_MALFORMED,	/* a header or entry line that does not follow the format */
	BUNDLE_E_PATH,		/* absolute, "..", NUL, or not a rule-set file */
	BUNDLE_E_DUPLICATE,	/* the same file twice */
	BUNDLE_E_ORDER,		/* entries not in byte order of their names */
	BUNDLE_E_MISSING,	/* no policy.yaml */
	BUNDLE_E_UNSIGNED,	/* ends where its signature line should start */
	BUNDLE_E_TRAILING,	/* bytes after the signature line */
	BUNDLE_E_OTHER_KEY,	/* signed by a key whose id is not ours */
	BUNDLE_E_SIGNATURE,	/* the signature does not match: tampered */
	BUNDLE_E_NOMEM,
};

const char	*bundle_strerror(enum bundle_err);

struct bundle;		/* a parsed bundle: version, key id, files */

/* Key files (text, one line of hex each); the key id is derived from the public key. */
int	bundle_keygen(const char *path, char *err, size_t errlen);	/* path 0600, path.pub 0644 */
int	bundle_key_load_public(const char *path, uint8_t pk[BUNDLE_PK_BYTES],
	    char *err, size_t errlen);
/* Refuses a secret key file others can read. */
int	bundle_key_load_secret(const char *path, uint8_t sk[BUNDLE_SK_BYTES],
	    char *err, size_t errlen);
void	bundle_key_id(const uint8_t pk[BUNDLE_PK_BYTES], char id[BUNDLE_KEYID_LEN + 1]);

/*
 * Reads dir's rule set (rules.d/ *.yaml, policy.yaml, safesearch.yaml and
 * aup.yaml when present; never hallpass.yaml) into a new, unsigned bundle.
 */
struct bundle	*bundle_from_dir(const char *dir, uint64_t version, char *err, size_t errlen);
/* The signed file: *out is malloc'd, the caller frees it. */
int	bundle_sign(const struct bundle *, const uint8_t sk[BUNDLE_SK_BYTES],
	    uint8_t **out, size_t *outlen, char *err, size_t errlen);

/*
 * Checks buf (len bytes, at most max) is a bundle in format BUNDLE_FORMAT
 * signed by pk, and parses it.  The bundle points into buf: buf must outlive
 * it.  NULL with *why and err set on any refusal.
 */
struct bundle	*bundle_open(const uint8_t *buf, size_t len, size_t max,
		    const uint8_t pk[BUNDLE_PK_BYTES], enum bundle_err *why,
		    char *err, size_t errlen);
/* The structure alone, signature unchecked: for the fuzzer and for reading a bundle already verified. */
struct bundle	*bundle_parse(const uint8_t *buf, size_t len, size_t max,
		    enum bundle_err *why, char *err, size_t errlen);
void		 bundle_free(struct bundle *);

uint64_t	 bundle_version(const struct bundle *);
const char	*bundle_keyid(const struct bundle *);
/* BLAKE2b of the whole signed file, to tell two bundles of one version apart. */
const uint8_t	*bundle_hash(const struct bundle *);
size_t		 bundle_nfiles(const struct bundle *);
const char	*bundle_file_path(const struct bundle *, size_t i);
const uint8_t	*bundle_file_data(const struct bundle *, size_t i, size_t *len);

/* Reads all of path, a regular file of at most max bytes, into a new buffer *out (the caller frees it). */
int	bundle_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen,
	    char *err, size_t errlen);

/* Writes the files into dir (which exists and is empty), creating rules.d/. */
int	bundle_unpack(const struct bundle *, const char *dir, char *err, size_t errlen);
/* rm -rf of a directory bundle_unpack filled (no symlinks followed). */
int	bundle_rmtree(const char *dir);

/*
 * The one check of a rule set a bundle carries: policy_load and aup_load on
 * dir, as `hallpass rules check` does without hallpass.yaml.  The snapshot,
 * or NULL with every error in diag.
 */
struct policy	*bundle_load_rules(const char *dir, struct diag *);
/*
 * Unpacks b into a fresh directory under parent, runs bundle_load_rules on
 * it and removes it; error paths read "label:rules.d/x.yaml:3:5: ...".
 * 0 when the rule set loads, -1 with the errors in diag.
 */
int	bundle_check(const struct bundle *, const char *parent, const char *label,
	    struct diag *);
/* Rewrites each message's leading "dir/" into "label:". */
void	bundle_diag_relabel(struct diag *, const char *dir, const char *label);

#endif
