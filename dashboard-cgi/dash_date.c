/* dash_date: calendar arithmetic without the C library's time zone state (Howard Hinnant's civil-day algorithms). */
#include "dash_date.h"

#include <string.h>

/* By hand: the compiler cannot prove snprintf's "%04d" fits, and the fields are already in range. */
static void
dash_day_format(int y, int m, int d, char s[11])
{
	unsigned	 uy = (unsigned)(y < 0 ? 0 : y) % 10000, um = (unsigned)m % 100,
			 ud = (unsigned)d % 100;

	s[0] = (char)('0' + uy / 1000);
	s[1] = (char)('0' + uy / 100 % 10);
	s[2] = (char)('0' + uy / 10 % 10);
	s[3] = (char)('0' + uy % 10);
	s[4] = '-';
	s[5] = (char)('0' + um / 10);
	s[6] = (char)('0' + um % 10);
	s[7] = '-';
	s[8] = (char)('0' + ud / 10);
	s[9] = (char)('0' + ud % 10);
	s[10] = '\0';
}

int64_t
dash_days_from_civil(int y, int m, int d)
{
	int64_t	 yy = y - (m <= 2);
	int64_t	 era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t	 yoe = yy - era * 400;
	int64_t	 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
dash_day_from_n(int64_t n, struct dash_day *out)
{
	int64_t	 z = n + 719468;
	int64_t	 era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t	 doe = z - era * 146097;
	int64_t	 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t	 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t	 mp = (5 * doy + 2) / 153;

	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = (int)(yoe + era * 400 + (out->m <= 2));
	out->n = n;
	/* 1970-01-01 was a Thursday. */
	out->wday = (int)(((n % 7) + 7 + 4) % 7);
	dash_day_format(out->y, out->m, out->d, out->s);
}

void
dash_day_from_ymd(int y, int m, int d, struct dash_day *out)
{
	dash_day_from_n(dash_days_from_civil(y, m, d), out);
}

int
dash_day_parse(const char *s, struct dash_day *out)
{
	struct dash_day	 t;
	int		 v[8];

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0, j = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v[j++] = s[i] - '0';
	}
	t.y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
	t.m = v[4] * 10 + v[5];
	t.d = v[6] * 10 + v[7];
	if (t.y < 2000 || t.y > 2199 || t.m < 1 || t.m > 12 || t.d < 1 || t.d > 31)
		return -1;
	/* Round trip: 2026-02-30 comes back as March and is refused. */
	dash_day_from_ymd(t.y, t.m, t.d, out);
	if (out->y != t.y || out->m != t.m || out->d != t.d)
		return -1;
	return 0;
}
