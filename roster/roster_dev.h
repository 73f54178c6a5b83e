/* roster_dev: the device file that says which MAC, address, network or hotspot is which student. */
#ifndef HALLPASS_ROSTER_DEV_H
#define HALLPASS_ROSTER_DEV_H

#include <stddef.h>

#include "diag.h"
#include "roster.h"

/*
 * Parses a device file (CSV with a header naming student and any of mac, ip,
 * hotspot, in any order; other columns are ignored) named file in errors,
 * and replaces r's devices with it.  Every row must name a student of r and
 * a MAC and/or an address or network, or a hotspot alone.  Every bad row is
 * added to d as FILE:LINE: why; returns 0, or -1 (r's devices are then
 * half-replaced).
 */
int	roster_dev_parse(struct roster *r, const char *file, const char *buf,
	    size_t len, struct diag *d);
/* The same, reading path. */
int	roster_dev_load(struct roster *r, const char *path, struct diag *d);

#endif
