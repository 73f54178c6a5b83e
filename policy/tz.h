/* tz: UTC to IANA-zone wall time and back, without the process-wide TZ, so schedule checks stay pure and thread-safe. */
#ifndef HALLPASS_TZ_H
#define HALLPASS_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;                       /* opaque, immutable after tz_load */
struct tz_tm {
	int	year;	/* e.g. 2026 */
	int	mon;	/* 1..12 */
	int	mday;	/* 1..31 */
	int	hour, min, sec;
	int	wday;	/* 0 = Sunday .. 6 = Saturday */
	int	isdst;
	long	utoff;	/* seconds east of UTC */
};
/* Loads zone NAME (e.g. "America/Chicago", "UTC") from $TZDIR or /usr/share/zoneinfo. Rejects names with "..", a leading '/', or characters outside [A-Za-z0-9/_+-]. Returns NULL and writes a one-line reason into err (e.g. "unknown time zone \"Mars/Base\"") on failure. */
struct tz *tz_load(const char *name, char *err, size_t errlen);
void	tz_free(struct tz *);
const char *tz_name(const struct tz *);
/* Local time for UTC instant t. Pure: no I/O, no allocation, thread-safe. */
void	tz_localtime(const struct tz *, int64_t t, struct tz_tm *out);
/* UTC instant for a local wall time (fields year, mon, mday, hour, min, sec used; wday/isdst/utoff ignored). In a spring-forward gap the time is read with the offset in force before the gap (so 02:30 on a spring-forward day in America/Chicago = 08:30 UTC); in a fall-back overlap the earlier instant is returned. Returns 0, or -1 if fields are out of range. */
int	tz_mktime(const struct tz *, const struct tz_tm *local, int64_t *out);

#endif
