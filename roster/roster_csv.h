/* roster_csv: libcsv driven a line at a time, so every record carries the line it starts on. */
#ifndef HALLPASS_ROSTER_CSV_H
#define HALLPASS_ROSTER_CSV_H

#include <stddef.h>

#include "diag.h"

/*
 * Called once per record (the header included) with its nf fields, each
 * NUL-terminated, and the 1-based line the record starts on.  Returns 0, or
 * -1 to stop the parse (out of memory).
 */
typedef int (*roster_csv_row_fn)(char **fields, size_t nf, size_t line, void *arg);

/*
 * Parses len bytes of buf (a UTF-8 BOM is skipped; CRLF, LF or CR ends a
 * line; fields may be quoted and hold commas and line breaks) as CSV named
 * file in errors.  Blank lines are skipped.  A field that is not valid UTF-8
 * or holds a NUL byte, or a quote left open at the end, is added to d as
 * FILE:LINE: why.  Returns 0, or -1 when anything was wrong.
 */
int	roster_csv_parse(const char *file, const char *buf, size_t len,
	    roster_csv_row_fn cb, void *arg, struct diag *d);

#endif
