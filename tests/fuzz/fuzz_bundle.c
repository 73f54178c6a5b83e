/* fuzz_bundle: libFuzzer on the bundle parser — the structure alone, then the signature check, with one fixed key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* tests/fixtures/bundle/fuzz-key.pub, whose secret half was destroyed: the seed bundles carry its signatures. */
static const uint8_t fuzz_pk[BUNDLE_PK_BYTES] = {
	0x53, 0xaa, 0x56, 0x88, 0x88, 0x26, 0x3f, 0xf2, 0xa5, 0x84, 0xe2, 0x4d,
	0x47, 0xfe, 0xfe, 0x34, 0x58, 0xd3, 0x9c, 0x58, 0x56, 0x8f, 0x63, 0x09,
	0x96, 0xc3, 0x53, 0xc0, 0x3e, 0xf9, 0xf5, 0x3a,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle	*b;
	enum bundle_err	 why;
	char		 err[512];

	if ((b = bundle_parse(data, size, 1 << 20, &why, err, sizeof(err))) != NULL) {
		/* Whatever parsed must stay inside the input. */
		for (size_t i = 0; i < bundle_nfiles(b); i++) {
			size_t		 n = 0;
			const uint8_t	*p = bundle_file_data(b, i, &n);

			if (p < data || p + n > data + size || bundle_file_path(b, i) == NULL)
				abort();
		}
		bundle_free(b);
	} else if (why == BUNDLE_OK || err[0] == '\0')
		abort();
	b = bundle_open(data, size, 1 << 20, fuzz_pk, &why, err, sizeof(err));
	bundle_free(b);
	return 0;
}
