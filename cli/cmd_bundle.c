/* cmd_bundle: keygen, build (check then sign) and verify of the rule bundle; the secret key never leaves IT's machine. */
#include "cmd_bundle.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bundle.h"
#include "cli_usage.h"
#include "diag.h"
#include "policy.h"

static int
bundle_usage(FILE *f)
{
	fputs("usage: hallpass bundle keygen -o KEYFILE\n"
	    "       hallpass [-c DIR] bundle build -k KEYFILE -V VERSION -o FILE [CONFIGDIR]\n"
	    "       hallpass bundle verify -p PUBKEY FILE\n"
	    "\n"
	    "  keygen   writes a new Ed25519 signing key to KEYFILE (mode 0600; keep it\n"
	    "           on IT's machine) and its public half to KEYFILE.pub (for gateways)\n"
	    "  build    checks the rule set in CONFIGDIR (default DIR): rules.d, policy.yaml,\n"
	    "           safesearch.yaml, aup.yaml; never hallpass.yaml; and signs it into\n"
	    "           FILE as version VERSION (1..2^63-1, higher than the one gateways\n"
	    "           run, e.g. $(date -u +%Y%m%d%H%M)); nothing is written on an error\n"
	    "  verify   checks FILE's signature against PUBKEY, its format and its rule set,\n"
	    "           then prints its version and files\n", f);
	return f == stdout ? 0 : CLI_EXIT_USAGE;
}

/* Parsed like bundle_parse parses the header: decimal, no sign, 1..INT64_MAX. */
static int
parse_version(const char *s, uint64_t *v)
{
	char			*end;
	unsigned long long	 u;

	if (s[0] < '1' || s[0] > '9')
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || u > INT64_MAX)
		return -1;
	*v = u;
	return 0;
}

static void
print_diag_line(const char *line, void *arg)
{
	fprintf(arg, "%s\n", line);
}

static int
bundle_keygen_cmd(int argc, char **argv)
{
	const char	*out = NULL;
	char		 err[600];
	int		 ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":o:h")) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			return bundle_usage(stdout);
		default:
			return cli_bad_option("bundle", ch, argv);
		}
	}
	if (out == NULL)
		return cli_usage_error("bundle", "keygen needs -o KEYFILE");
	if (optind != argc)
		return cli_usage_error("bundle", "unexpected argument \"%s\"", argv[optind]);
	if (bundle_keygen(out, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		return 1;
	}
	printf("%s: secret key (keep it on this machine)\n%s.pub: public key (for "
	    "gateways' bundle_key)\n", out, out);
	return 0;
}

/* Writes buf to path through path.tmp and a rename: a web server never serves half a bundle. */
static int
write_atomic(const char *path, const uint8_t *buf, size_t len)
{
	char	*tmp = NULL;
	FILE	*f;
	int	 rc = -1;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -1;
	if ((f = fopen(tmp, "we")) == NULL) {
		fprintf(stderr, "hallpass: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "hallpass: %s: %s\n", tmp, strerror(errno));
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "hallpass: %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	if (rc != 0)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

static int
bundle_build_cmd(const char *dir, int argc, char **argv)
{
	const char	*key = NULL, *out = NULL, *vs = NULL;
	uint8_t		 sk[BUNDLE_SK_BYTES], pk[BUNDLE_PK_BYTES], *buf = NULL;
	char		 id[BUNDLE_KEYID_LEN + 1];
	size_t		 len = 0;
	uint64_t	 version = 0;
	struct bundle	*b = NULL;
	struct policy	*p;
	struct diag	 d;
	char		 err[600];
	int		 ch, rc = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":k:V:o:h")) != -1) {
		switch (ch) {
		case 'k':
			key = optarg;
			break;
		case 'V':
			vs = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			return bundle_usage(stdout);
		default:
			return cli_bad_option("bundle", ch, argv);
		}
	}
	if (key == NULL || out == NULL || vs == NULL)
		return cli_usage_error("bundle", "build needs -k KEYFILE, -V VERSION and -o FILE");
	if (argc - optind > 1)
		return cli_usage_error("bundle", "unexpected argument \"%s\"", argv[optind + 1]);
	if (optind < argc)
		dir = argv[optind];
	if (parse_version(vs, &version) != 0) {
		return cli_usage_error("bundle", "-V %s: the bundle version is a number from 1 "
		    "to %lld", vs, (long long)INT64_MAX);
	}
	/* The secret key is checked first: a build that cannot be signed should say so before the rules do. */
	if (bundle_key_load_secret(key, sk, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		return 1;
	}
	diag_init(&d);
	if ((p = bundle_load_rules(dir, &d)) == NULL) {
		diag_each(&d, print_diag_line, stderr);
		fprintf(stderr, "%s: %zu error%s; no bundle was made\n", dir,
		    diag_count(&d), diag_count(&d) == 1 ? "" : "s");
		goto out;
	}
	policy_unref(p);
	if ((b = bundle_from_dir(dir, version, err, sizeof(err))) == NULL ||
	    bundle_sign(b, sk, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		goto out;
	}
	if (write_atomic(out, buf, len) != 0)
		goto out;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	bundle_key_id(pk, id);
	printf("%s: version %llu, %zu files, %zu bytes, signed by key %s\n", out,
	    (unsigned long long)version, bundle_nfiles(b), len, id);
	rc = 0;
 out:
	sodium_memzero(sk, sizeof(sk));
	diag_free(&d);
	bundle_free(b);
	free(buf);
	return rc;
}

static int
bundle_verify_cmd(int argc, char **argv)
{
	const char	*pub = NULL, *file;
	uint8_t		 pk[BUNDLE_PK_BYTES], *buf = NULL;
	size_t		 len = 0;
	struct bundle	*b = NULL;
	struct diag	 d;
	enum bundle_err	 why;
	const char	*tmp = getenv("TMPDIR");
	char		 err[600];
	int		 ch, rc = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":p:h")) != -1) {
		switch (ch) {
		case 'p':
			pub = optarg;
			break;
		case 'h':
			return bundle_usage(stdout);
		default:
			return cli_bad_option("bundle", ch, argv);
		}
	}
	if (pub == NULL || argc - optind != 1)
		return cli_usage_error("bundle", "verify needs -p PUBKEY and one FILE");
	file = argv[optind];
	diag_init(&d);
	if (bundle_key_load_public(pub, pk, err, sizeof(err)) != 0 ||
	    bundle_read_file(file, BUNDLE_MAX_BYTES, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		goto out;
	}
	if ((b = bundle_open(buf, len, BUNDLE_MAX_BYTES, pk, &why, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: refused: %s\n", file, err);
		goto out;
	}
	if (bundle_check(b, tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", file, &d) != 0) {
		diag_each(&d, print_diag_line, stderr);
		fprintf(stderr, "%s: refused: version %llu is signed but its rule set has "
		    "%zu error%s\n", file, (unsigned long long)bundle_version(b),
		    diag_count(&d), diag_count(&d) == 1 ? "" : "s");
		goto out;
	}
	printf("%s: ok: version %llu, key %s, %zu files\n", file,
	    (unsigned long long)bundle_version(b), bundle_keyid(b), bundle_nfiles(b));
	for (size_t i = 0; i < bundle_nfiles(b); i++) {
		size_t n = 0;

		(void)bundle_file_data(b, i, &n);
		printf("%10zu %s\n", n, bundle_file_path(b, i));
	}
	rc = 0;
 out:
	diag_free(&d);
	bundle_free(b);
	free(buf);
	return rc;
}

int
cmd_bundle(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	/* Options before the action are the command's own (only --help). */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (ch != 'h')
			return cli_bad_option("bundle", ch, argv);
		return bundle_usage(stdout);
	}
	if (argc < 2)
		return cli_usage_error("bundle", "needs an action (keygen, build or verify)");
	if (strcmp(argv[1], "keygen") == 0)
		return bundle_keygen_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "build") == 0)
		return bundle_build_cmd(dir, argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return bundle_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0)
		return bundle_usage(stdout);
	return cli_usage_error("bundle", "unknown action \"%s\" (keygen, build or verify)",
	    argv[1]);
}
