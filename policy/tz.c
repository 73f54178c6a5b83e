/* tz: TZif (RFC 8536) loader and pure UTC/local-time conversion for schedule evaluation. */
#include "tz.h"
#include "hp_err.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TZ_NAMEMAX	255
#define TZ_FILEMAX	(1024 * 1024)	/* real zones are a few KiB; bigger is not a zone */
#define TZ_FOOTMAX	255		/* real footers are under 64 bytes */
#define TZ_DEFDIR	"/usr/share/zoneinfo"
#define TZ_HDRLEN	44
/*
 * Instants are clamped to +-2^55 s (about a billion years) so every year
 * fits an int and no intermediate sum can overflow int64_t.
 */
#define TZ_TMAX		((int64_t)1 << 55)
#define TZ_YEARMAX	1200000000
/* Wider than any offset we accept, so tz_mktime's answer lies within L +- this. */
#define TZ_WINDOW	((int64_t)30 * 3600)
/* RFC 8536 section 3.2 range; anything outside is a corrupt file. */
#define TZ_UTOFFMIN	(-89999L)
#define TZ_UTOFFMAX	93599L

struct tz_type {
	long	utoff;
	int	isdst;
};

struct tz_trans {
	int64_t	at;
	int	type;
};

/* A POSIX rule date: Jn, n or Mm.w.d, and a local time that may be negative or past 24h (TZif v3+). */
struct tz_rdate {
	int	kind;		/* 'J', 'n' or 'M' */
	int	n, m, w, d;
	long	secs;
};

struct tz_rule {
	long		stdoff;	/* seconds east of UTC */
	long		dstoff;
	int		hasdst;
	struct tz_rdate	start, end;
};

struct tz_rtrans {
	int64_t	at;
	int	isdst;
};

struct tz_hdr {
	int		version;
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

struct tz {
	char		name[TZ_NAMEMAX + 1];
	struct tz_type	types[256];	/* type indices are one byte */
	int		ntypes;
	int		hasrule;
	struct tz_rule	rule;
	size_t		ntrans;
	struct tz_trans	trans[];
};

/* Names go into one-line messages, so anything unprintable must not reach the log. */
static void
tz_safename(const char *name, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		buf[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
	buf[i] = '\0';
}

static int64_t
tz_floordiv(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
tz_isleap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
tz_mdays(int64_t y, int m)
{
	static const int	 md[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && tz_isleap(y) ? 29 : md[m - 1];
}

/* Hinnant's days_from_civil: proleptic Gregorian, exact for every clamped year. */
static int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = tz_floordiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = tz_floordiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 1970-01-01 was a Thursday. */
static int
tz_wday(int64_t days)
{
	return (int)(days - 7 * tz_floordiv(days + 4, 7) + 4);
}

static int64_t
tz_year_of(int64_t t)
{
	int64_t	 y;
	int	 m, d;

	tz_civil_from_days(tz_floordiv(t, 86400), &y, &m, &d);
	return y;
}

/* Local wall-clock seconds (as if UTC) at which rule date r falls in year y. */
static int64_t
tz_rdate_local(const struct tz_rdate *r, int64_t y)
{
	int64_t	 days;
	int	 day, mdays;

	switch (r->kind) {
	case 'J':
		/* Jn never counts 29 February, so March 1 is always J60. */
		days = tz_days_from_civil(y, 1, 1) + r->n - 1 +
		    (tz_isleap(y) && r->n >= 60);
		break;
	case 'n':
		days = tz_days_from_civil(y, 1, 1) + r->n;
		break;
	default:
		days = tz_days_from_civil(y, r->m, 1);
		day = (r->d - tz_wday(days) + 7) % 7 + (r->w - 1) * 7;
		mdays = tz_mdays(y, r->m);
		while (day >= mdays)
			day -= 7;	/* w == 5 means "last" */
		days += day;
		break;
	}
	return days * 86400 + r->secs;
}

/*
 * Rule transitions of years y-1..y+2 in time order.  Four years so that an
 * instant in year y has one on each side even with week-long rule times; the
 * sort is stable so that, on a tie, the later year's transition comes last
 * (this makes "EST5EDT,0/0,J365/25" permanent DST, as intended).
 */
static size_t
tz_rule_trans(const struct tz_rule *r, int64_t y, struct tz_rtrans *tr)
{
	struct tz_rtrans	 x;
	int64_t			 yy;
	size_t			 n = 0, i, j;

	for (yy = y - 1; yy <= y + 2; yy++) {
		/* The start is given in standard time, the end in DST. */
		tr[n].at = tz_rdate_local(&r->start, yy) - r->stdoff;
		tr[n++].isdst = 1;
		tr[n].at = tz_rdate_local(&r->end, yy) - r->dstoff;
		tr[n++].isdst = 0;
	}
	for (i = 1; i < n; i++) {
		x = tr[i];
		for (j = i; j > 0 && tr[j - 1].at > x.at; j--)
			tr[j] = tr[j - 1];
		tr[j] = x;
	}
	return n;
}

static void
tz_rule_info(const struct tz_rule *r, int64_t t, long *utoff, int *isdst)
{
	struct tz_rtrans	 tr[8];
	size_t			 i, n;
	int			 dst;

	if (!r->hasdst) {
		*utoff = r->stdoff;
		*isdst = 0;
		return;
	}
	n = tz_rule_trans(r, tz_year_of(t), tr);
	dst = !tr[0].isdst;
	for (i = 0; i < n && tr[i].at <= t; i++)
		dst = tr[i].isdst;
	*utoff = dst ? r->dstoff : r->stdoff;
	*isdst = dst;
}

static int
tz_rule_next(const struct tz_rule *r, int64_t t, int64_t *next)
{
	struct tz_rtrans	 tr[8];
	size_t			 i, n;

	if (!r->hasdst)
		return 0;
	n = tz_rule_trans(r, tz_year_of(t), tr);
	for (i = 0; i < n; i++) {
		if (tr[i].at > t) {
			*next = tr[i].at;
			return 1;
		}
	}
	return 0;
}

/* Offset in force at t; RFC 8536 3.2 says which of table, type 0 or footer rules. */
static void
tz_info(const struct tz *tz, int64_t t, long *utoff, int *isdst)
{
	const struct tz_type	*ty;
	size_t			 lo, hi, mid;

	if (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1].at) {
		if (tz->hasrule) {
			tz_rule_info(&tz->rule, t, utoff, isdst);
			return;
		}
		ty = &tz->types[tz->ntrans == 0 ? 0 :
		    tz->trans[tz->ntrans - 1].type];
	} else if (t < tz->trans[0].at) {
		ty = &tz->types[0];
	} else {
		/* Invariant: trans[lo].at <= t < trans[hi].at. */
		lo = 0;
		hi = tz->ntrans - 1;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (tz->trans[mid].at <= t)
				lo = mid;
			else
				hi = mid;
		}
		ty = &tz->types[tz->trans[lo].type];
	}
	*utoff = ty->utoff;
	*isdst = ty->isdst;
}

/* First transition strictly after t, from the table or else the footer rule. */
static int
tz_next(const struct tz *tz, int64_t t, int64_t *next)
{
	size_t	 lo, hi, mid;

	if (tz->ntrans > 0 && t < tz->trans[tz->ntrans - 1].at) {
		lo = 0;
		hi = tz->ntrans - 1;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (tz->trans[mid].at > t)
				hi = mid;
			else
				lo = mid + 1;
		}
		*next = tz->trans[lo].at;
		return 1;
	}
	if (tz->hasrule)
		return tz_rule_next(&tz->rule, t, next);
	return 0;
}

void
tz_localtime(const struct tz *tz, int64_t t, struct tz_tm *out)
{
	int64_t	 lt, days, secs, y;
	long	 utoff;
	int	 isdst, m, d;

	if (t > TZ_TMAX)
		t = TZ_TMAX;
	if (t < -TZ_TMAX)
		t = -TZ_TMAX;
	tz_info(tz, t, &utoff, &isdst);
	lt = t + utoff;
	days = tz_floordiv(lt, 86400);
	secs = lt - days * 86400;
	tz_civil_from_days(days, &y, &m, &d);
	out->year = (int)y;
	out->mon = m;
	out->mday = d;
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs / 60 % 60);
	out->sec = (int)(secs % 60);
	out->wday = tz_wday(days);
	out->isdst = isdst;
	out->utoff = utoff;
}

int
tz_mktime(const struct tz *tz, const struct tz_tm *lt, int64_t *out)
{
	int64_t	 l, cur, cand, nx = 0, probe;
	long	 off, prevoff, noff = 0;
	int	 isdst, has;

	if (lt->year < -TZ_YEARMAX || lt->year > TZ_YEARMAX ||
	    lt->mon < 1 || lt->mon > 12 ||
	    lt->mday < 1 || lt->mday > tz_mdays(lt->year, lt->mon) ||
	    lt->hour < 0 || lt->hour > 23 || lt->min < 0 || lt->min > 59 ||
	    lt->sec < 0 || lt->sec > 59)
		return -1;
	l = tz_days_from_civil(lt->year, lt->mon, lt->mday) * 86400 +
	    lt->hour * 3600 + lt->min * 60 + lt->sec;

	/*
	 * Walk the offset segments from well before l in time order; the
	 * first segment whose local span reaches l holds the earliest
	 * answer, and if l falls short of its local start, l was skipped
	 * and is read with the previous segment's offset.
	 */
	cur = l - TZ_WINDOW;
	tz_info(tz, cur, &off, &isdst);
	prevoff = off;
	for (;;) {
		has = 0;
		probe = cur;
		while (probe <= l + TZ_WINDOW && tz_next(tz, probe, &nx)) {
			tz_info(tz, nx, &noff, &isdst);
			if (noff != off) {
				has = 1;
				break;
			}
			probe = nx;	/* same offset: not a real boundary */
		}
		cand = l - off;
		if (cand < cur) {
			*out = l - prevoff;
			return 0;
		}
		if (!has || cand < nx) {
			*out = cand;
			return 0;
		}
		prevoff = off;
		off = noff;
		cur = nx;
	}
}

static int
tz_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
tz_isalpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
tz_pnum(const char **sp, int min, int max, int *v)
{
	const char	*s = *sp;
	int		 n = 0;

	if (!tz_isdigit(*s))
		return -1;
	while (tz_isdigit(*s)) {
		n = n * 10 + (*s++ - '0');
		if (n > max)
			return -1;
	}
	if (n < min)
		return -1;
	*v = n;
	*sp = s;
	return 0;
}

/* Abbreviations are only checked, never kept: schedules need offsets, not names. */
static int
tz_pname(const char **sp)
{
	const char	*s = *sp;
	size_t		 n = 0;

	if (*s == '<') {
		for (s++; tz_isalpha(*s) || tz_isdigit(*s) ||
		    *s == '+' || *s == '-'; s++)
			n++;
		if (*s++ != '>')
			return -1;
	} else {
		for (; tz_isalpha(*s); s++)
			n++;
	}
	if (n < 3)
		return -1;
	*sp = s;
	return 0;
}

/* [+-]hh[:mm[:ss]]; maxh is 24 for offsets and 167 for v3+ rule times. */
static int
tz_phms(const char **sp, int maxh, long *secs)
{
	const char	*s = *sp;
	int		 neg = 0, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (tz_pnum(&s, 0, maxh, &h) == -1)
		return -1;
	if (*s == ':') {
		s++;
		if (tz_pnum(&s, 0, 59, &m) == -1)
			return -1;
		if (*s == ':') {
			s++;
			if (tz_pnum(&s, 0, 59, &sec) == -1)
				return -1;
		}
	}
	*secs = (long)h * 3600 + m * 60 + sec;
	if (neg)
		*secs = -*secs;
	*sp = s;
	return 0;
}

static int
tz_prdate(const char **sp, struct tz_rdate *r)
{
	const char	*s = *sp;

	if (*s == 'J') {
		s++;
		r->kind = 'J';
		if (tz_pnum(&s, 1, 365, &r->n) == -1)
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = 'M';
		if (tz_pnum(&s, 1, 12, &r->m) == -1 || *s++ != '.' ||
		    tz_pnum(&s, 1, 5, &r->w) == -1 || *s++ != '.' ||
		    tz_pnum(&s, 0, 6, &r->d) == -1)
			return -1;
	} else {
		r->kind = 'n';
		if (tz_pnum(&s, 0, 365, &r->n) == -1)
			return -1;
	}
	r->secs = 2 * 3600;
	if (*s == '/') {
		s++;
		if (tz_phms(&s, 167, &r->secs) == -1)
			return -1;
	}
	*sp = s;
	return 0;
}

/* POSIX TZ string with the RFC 8536 extensions, as found in TZif footers. */
static int
tz_prule(const char *s, struct tz_rule *r)
{
	long	 off;

	memset(r, 0, sizeof(*r));
	if (tz_pname(&s) == -1 || tz_phms(&s, 24, &off) == -1)
		return -1;
	r->stdoff = -off;	/* POSIX counts west of UTC */
	if (*s == '\0')
		return 0;
	if (tz_pname(&s) == -1)
		return -1;
	r->hasdst = 1;
	r->dstoff = r->stdoff + 3600;
	if (*s != ',' && *s != '\0') {
		if (tz_phms(&s, 24, &off) == -1)
			return -1;
		r->dstoff = -off;
	}
	if (*s == '\0') {
		/* POSIX leaves a rule-less DST zone to us; glibc uses US rules. */
		r->start.kind = r->end.kind = 'M';
		r->start.m = 3;
		r->start.w = 2;
		r->end.m = 11;
		r->end.w = 1;
		r->start.secs = r->end.secs = 2 * 3600;
		return 0;
	}
	if (*s++ != ',' || tz_prdate(&s, &r->start) == -1 ||
	    *s++ != ',' || tz_prdate(&s, &r->end) == -1 || *s != '\0')
		return -1;
	return 0;
}

static uint32_t
tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

static int
tz_phdr(const unsigned char *p, size_t len, size_t off, struct tz_hdr *h,
    const char **why)
{
	if (len - off < TZ_HDRLEN) {
		*why = "truncated header";
		return -1;
	}
	p += off;
	if (memcmp(p, "TZif", 4) != 0) {
		*why = "bad magic";
		return -1;
	}
	if (p[4] == 0)
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '4')
		h->version = p[4] - '0';
	else {
		*why = "unsupported version";
		return -1;
	}
	h->isutcnt = tz_be32(p + 20);
	h->isstdcnt = tz_be32(p + 24);
	h->leapcnt = tz_be32(p + 28);
	h->timecnt = tz_be32(p + 32);
	h->typecnt = tz_be32(p + 36);
	h->charcnt = tz_be32(p + 40);
	return 0;
}

/* 64-bit arithmetic: counts are attacker-sized uint32s and must not wrap. */
static uint64_t
tz_datalen(const struct tz_hdr *h, uint64_t tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
	    h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	    h->isutcnt;
}

static struct tz *
tz_parse(const unsigned char *p, size_t len, const char **why)
{
	struct tz_hdr	 h;
	struct tz	*tz;
	const unsigned char *d, *idx, *ti, *flags;
	char		 foot[TZ_FOOTMAX + 1];
	uint64_t	 dlen;
	size_t		 off, i, tsize, flen, end;
	int32_t		 utoff;

	if (tz_phdr(p, len, 0, &h, why) == -1)
		return NULL;
	dlen = tz_datalen(&h, 4);
	if (dlen > len - TZ_HDRLEN) {
		*why = "truncated data";
		return NULL;
	}
	off = TZ_HDRLEN;
	tsize = 4;
	if (h.version >= 2) {
		/* The 32-bit block is only for old readers: skip to the 64-bit one. */
		off += (size_t)dlen;
		if (tz_phdr(p, len, off, &h, why) == -1)
			return NULL;
		if (h.version < 2) {
			*why = "second header has version 1";
			return NULL;
		}
		off += TZ_HDRLEN;
		tsize = 8;
		dlen = tz_datalen(&h, 8);
		if (dlen > len - off) {
			*why = "truncated data";
			return NULL;
		}
	}
	if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
	    (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
	    (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
		*why = "inconsistent counts";
		return NULL;
	}
	if (h.leapcnt != 0) {
		/* right/ zones count leap seconds in t; hallpass gets POSIX time. */
		*why = "leap-second zones are not supported";
		return NULL;
	}

	d = p + off;
	idx = d + (size_t)h.timecnt * tsize;
	ti = idx + h.timecnt;
	flags = ti + (size_t)h.typecnt * 6 + h.charcnt +
	    (size_t)h.leapcnt * (tsize + 4);
	end = off + (size_t)dlen;

	if ((tz = calloc(1, sizeof(*tz) +
	    (size_t)h.timecnt * sizeof(tz->trans[0]))) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	tz->ntrans = h.timecnt;
	tz->ntypes = (int)h.typecnt;
	for (i = 0; i < h.timecnt; i++) {
		tz->trans[i].at = tsize == 8 ? tz_be64(d + i * 8) :
		    (int32_t)tz_be32(d + i * 4);
		if (i > 0 && tz->trans[i].at <= tz->trans[i - 1].at) {
			*why = "transitions out of order";
			goto bad;
		}
		if (idx[i] >= h.typecnt) {
			*why = "bad type index";
			goto bad;
		}
		tz->trans[i].type = idx[i];
	}
	for (i = 0; i < h.typecnt; i++) {
		utoff = (int32_t)tz_be32(ti + i * 6);
		if (utoff < TZ_UTOFFMIN || utoff > TZ_UTOFFMAX ||
		    ti[i * 6 + 4] > 1 || ti[i * 6 + 5] >= h.charcnt) {
			*why = "bad local time type";
			goto bad;
		}
		tz->types[i].utoff = utoff;
		tz->types[i].isdst = ti[i * 6 + 4];
	}
	for (i = 0; i < h.isstdcnt; i++) {
		if (flags[i] > 1) {
			*why = "bad standard/wall indicator";
			goto bad;
		}
	}
	for (i = 0; i < h.isutcnt; i++) {
		/* RFC 8536: a UT indicator demands the standard indicator. */
		if (flags[h.isstdcnt + i] > 1 ||
		    (flags[h.isstdcnt + i] == 1 && flags[i] != 1)) {
			*why = "bad UT/local indicator";
			goto bad;
		}
	}

	if (h.version == 1) {
		if (end != len) {
			*why = "trailing data";
			goto bad;
		}
		return tz;
	}
	/* Footer: '\n' TZ-string '\n', and nothing after it. */
	if (end >= len || p[end] != '\n' || p[len - 1] != '\n' ||
	    len - end < 2) {
		*why = "bad footer";
		goto bad;
	}
	flen = len - end - 2;
	if (flen > TZ_FOOTMAX) {
		*why = "footer too long";
		goto bad;
	}
	for (i = 0; i < flen; i++) {
		if (p[end + 1 + i] < 0x20 || p[end + 1 + i] >= 0x7f) {
			*why = "bad footer";
			goto bad;
		}
		foot[i] = (char)p[end + 1 + i];
	}
	foot[flen] = '\0';
	if (flen > 0) {
		if (tz_prule(foot, &tz->rule) == -1) {
			*why = "bad footer TZ string";
			goto bad;
		}
		tz->hasrule = 1;
	}
	return tz;
bad:
	free(tz);
	return NULL;
}

static int
tz_validname(const char *name)
{
	const char	*s;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL ||
	    strlen(name) > TZ_NAMEMAX)
		return 0;
	for (s = name; *s != '\0'; s++) {
		if (!tz_isalpha(*s) && !tz_isdigit(*s) && *s != '/' &&
		    *s != '_' && *s != '+' && *s != '-')
			return 0;
	}
	return 1;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	struct stat	 st;
	struct tz	*tz;
	unsigned char	*buf;
	const char	*dir, *why = NULL;
	char		 path[PATH_MAX], safe[80];
	size_t		 len = 0, cap;
	ssize_t		 n;
	int		 fd, r, e;

	if (name == NULL)
		name = "";
	tz_safename(name, safe, sizeof(safe));
	if (!tz_validname(name)) {
		hp_errf(err, errlen, "invalid time zone name \"%s\"", safe);
		return NULL;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = TZ_DEFDIR;
	r = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= sizeof(path)) {
		hp_errf(err, errlen, "time zone \"%s\": path too long", safe);
		return NULL;
	}
	/* O_NONBLOCK so a FIFO planted in TZDIR cannot hang the load. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			hp_errf(err, errlen, "unknown time zone \"%s\"", safe);
		else
			hp_errf(err, errlen, "time zone \"%s\": %s", safe,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		hp_errf(err, errlen, "unknown time zone \"%s\"", safe);
		return NULL;
	}
	if (st.st_size > TZ_FILEMAX) {
		close(fd);
		hp_errf(err, errlen, "time zone \"%s\": file too large", safe);
		return NULL;
	}
	/* One spare byte tells us if the file grew after fstat. */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		close(fd);
		hp_errf(err, errlen, "time zone \"%s\": out of memory", safe);
		return NULL;
	}
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			close(fd);
			free(buf);
			hp_errf(err, errlen, "time zone \"%s\": %s", safe,
			    strerror(e));
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len == cap) {
		free(buf);
		hp_errf(err, errlen, "time zone \"%s\": file changed while "
		    "being read", safe);
		return NULL;
	}
	tz = tz_parse(buf, len, &why);
	free(buf);
	if (tz == NULL) {
		hp_errf(err, errlen, "time zone \"%s\": corrupt TZif file (%s)",
		    safe, why);
		return NULL;
	}
	memcpy(tz->name, name, strlen(name) + 1);
	return tz;
}

void
tz_free(struct tz *tz)
{
	free(tz);
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}
