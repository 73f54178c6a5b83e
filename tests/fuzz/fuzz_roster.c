/* fuzz_roster: libFuzzer target for the OneRoster import, the device file and roster.csv, which read files a district's SIS wrote. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oneroster.h"
#include "roster.h"
#include "roster_dev.h"

static const char fuzz_orgs[] = "sourcedId,name,type\nsch-1,One,school\n";
static const char fuzz_roster[] = "hallpass-roster,1\nstudent,s1,A,B,,01\n";

/*
 * The first byte picks the reader; for the import the rest is up to five
 * files separated by NUL bytes: users, orgs, roles, demographics, manifest.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "users.csv", "orgs.csv", "roles.csv",
		"demographics.csv", "manifest.csv" };
	struct oneroster_file	 f[5];
	struct roster		*r;
	struct diag		 d;
	const char		*p, *end;
	size_t			 n = 0;

	if (size < 1 || (r = roster_new()) == NULL)
		return 0;
	diag_init(&d);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	switch (data[0] % 3) {
	case 0:
		while (p <= end && n < 5) {
			const char *z = memchr(p, '\0', (size_t)(end - p));
			size_t len = z != NULL ? (size_t)(z - p) : (size_t)(end - p);

			f[n] = (struct oneroster_file){ names[n], names[n], p, len };
			n++;
			p += len + 1;
		}
		if (n == 1) {
			f[n] = (struct oneroster_file){ "orgs.csv", "orgs.csv", fuzz_orgs,
			    sizeof(fuzz_orgs) - 1 };
			n++;
		}
		if (oneroster_import_files(r, f, n, &d) == 0) {
			/* Devices against whatever students the input made. */
			static const char devs[] = "student,mac,ip,hotspot\ns1,,10.0.0.0/8,\n";

			(void)roster_dev_parse(r, "devices.csv", devs, sizeof(devs) - 1, &d);
		}
		break;
	case 1:
		(void)roster_parse(r, "roster.csv", fuzz_roster, sizeof(fuzz_roster) - 1, &d);
		(void)roster_dev_parse(r, "devices.csv", p, (size_t)(end - p), &d);
		break;
	default:
		(void)roster_parse(r, "roster.csv", p, (size_t)(end - p), &d);
		break;
	}
	diag_free(&d);
	roster_free(r);
	return 0;
}
