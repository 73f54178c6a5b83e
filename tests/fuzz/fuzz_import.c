/* fuzz_import: libFuzzer on the blocklist importers `hallpass import` runs on downloaded lists (hosts files, AdBlock filters). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_result	 r;
	FILE			*in, *errs, *out;

	char			*copy;

	if (size < 2 || (copy = malloc(size - 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	errs = fopen("/dev/null", "w");
	out = fopen("/dev/null", "w");
	/* The first byte picks the format; the rest is the list. */
	if ((in = fmemopen(copy, size - 1, "r")) != NULL) {
		import_result_init(&r);
		if (data[0] & 1)
			(void)import_adblock(in, "fuzz.txt", &r, errs);
		else
			(void)import_hosts(in, "fuzz.txt", &r, errs);
		if (out != NULL)
			(void)import_write_yaml(out, "fuzz", "fuzzed list", "fuzz.txt", &r);
		import_result_free(&r);
		fclose(in);
	}
	if (errs != NULL)
		fclose(errs);
	if (out != NULL)
		fclose(out);
	free(copy);
	return 0;
}
