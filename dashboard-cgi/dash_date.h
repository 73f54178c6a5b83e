/* dash_date: proleptic Gregorian day arithmetic for "YYYY-MM-DD" — validation, day numbers, weekdays. */
#ifndef HALLPASS_DASH_DATE_H
#define HALLPASS_DASH_DATE_H

#include <stdint.h>

struct dash_day {
	int	y, m, d;
	int	wday;		/* 0 = Sunday */
	int64_t	n;		/* days since 1970-01-01 */
	char	s[11];		/* "YYYY-MM-DD" */
};

/* Parses exactly "YYYY-MM-DD", a real calendar date in 2000..2199; 0 or -1. */
int	dash_day_parse(const char *, struct dash_day *);
void	dash_day_from_n(int64_t n, struct dash_day *);
void	dash_day_from_ymd(int y, int m, int d, struct dash_day *);
int64_t	dash_days_from_civil(int y, int m, int d);

#endif
