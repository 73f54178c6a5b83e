/* fuzz_yaml: libFuzzer on every YAML file hallpass loads — hallpass.yaml, policy.yaml, a rules.d file, safesearch.yaml, aup.yaml, a dashboard language. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aup.h"
#include "config.h"
#include "i18n.h"
#include "policy.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A copy of the test fixtures: each input replaces one file in it, then that file's loader runs. */
static char	 fuzz_dir[64];
static char	 fuzz_lang[96];

static const char *const fuzz_files[] = {
	"hallpass.yaml", "policy.yaml", "rules.d/fuzz.yaml", "safesearch.yaml", "aup.yaml",
	"lang/en.yaml",
};
#define FUZZ_NFILES	(sizeof(fuzz_files) / sizeof(fuzz_files[0]))
static char	*fuzz_orig[FUZZ_NFILES];	/* the fixture's bytes, NULL: no such file */
static size_t	 fuzz_origlen[FUZZ_NFILES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*top = getenv("HALLPASS_TOP");
	char		 cmd[512];

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/hallpass-fuzz-yaml.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_lang, sizeof(fuzz_lang), "%s/lang", fuzz_dir);
	snprintf(cmd, sizeof(cmd), "cp -r %s/tests/fixtures/base/. %s && mkdir -p %s",
	    top != NULL ? top : ".", fuzz_dir, fuzz_lang);
	if (system(cmd) != 0)
		abort();
	for (size_t i = 0; i < FUZZ_NFILES; i++) {
		char	 path[160];
		FILE	*f;
		long	 n;

		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, fuzz_files[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) != 0 || (fuzz_orig[i] = malloc((size_t)n + 1)) == NULL ||
		    fread(fuzz_orig[i], 1, (size_t)n, f) != (size_t)n)
			abort();
		fuzz_origlen[i] = (size_t)n;
		fclose(f);
	}
	return 0;
}

/* Puts back what the last input replaced, so each input meets the fixtures plus itself. */
static void
fuzz_restore(size_t which, const char *path)
{
	FILE *f;

	if (fuzz_orig[which] == NULL) {
		(void)unlink(path);	/* a file the fixtures do not have */
		return;
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(fuzz_orig[which], 1, fuzz_origlen[which], f);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 path[160], err[512];
	size_t		 which;
	FILE		*f;
	struct diag	 d;

	if (size == 0)
		return 0;
	which = data[0] % FUZZ_NFILES;
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, fuzz_files[which]);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	diag_init(&d);
	switch (which) {
	case 0: {
		struct config c;

		(void)config_load(&c, fuzz_dir, &d);
		break;
	}
	case 4:
		aup_free(aup_load(fuzz_dir, &d));
		break;
	case 5: {
		struct i18n i;

		/* Only en.yaml: the loader's own "en must exist" path is covered too when it is bad. */
		if (i18n_load(&i, fuzz_lang, err, sizeof(err)) == 0)
			i18n_free(&i);
		break;
	}
	default:
		policy_unref(policy_load(fuzz_dir, &d));
		break;
	}
	diag_free(&d);
	fuzz_restore(which, path);
	return 0;
}
