/* oneroster: reads a district's OneRoster CSV export (v1.0, v1.1, v1.2; a folder or a .zip) into a roster. */
#ifndef HALLPASS_ONEROSTER_H
#define HALLPASS_ONEROSTER_H

#include <stddef.h>

#include "diag.h"
#include "roster.h"

/*
 * Applies the export at path (a folder, or a .zip holding the CSV files at
 * any depth) to r, which holds the roster in force: a bulk file replaces
 * what it covers, a delta file updates it (manifest.csv says which; without
 * one every file is bulk).  Every bad row is added to d as FILE:LINE: why.
 * Returns 0, or -1 when anything was wrong (r is then half-applied: throw it
 * away).
 */
int	oneroster_import(struct roster *r, const char *path, struct diag *d);

/*
 * The same for CSV files already in memory (tests, the fuzzer): name is the
 * file's name ("users.csv"), file the name for errors.
 */
struct oneroster_file {
	const char	*name;
	const char	*file;
	const char	*buf;
	size_t		 len;
};
int	oneroster_import_files(struct roster *r, const struct oneroster_file *files,
	    size_t n, struct diag *d);

#endif
