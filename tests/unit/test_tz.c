/* test_tz: tz.c against glibc as an oracle, DST edge cases, footer rules and corrupt TZif files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"

#define T1990	631152000LL
#define T2060	2840140800LL
#define T2400	13569465600LL
#define T1850	(-3786825600LL)

static char	 tmpdir[64];

/* glibc only re-reads a zone when TZ changes, so every fixture gets a new name. */
static void
oracle_zone(const char *tzval)
{
	assert_int_equal(setenv("TZ", tzval, 1), 0);
	tzset();
}

static int
same_tm(const struct tz_tm *a, const struct tm *b)
{
	return a->year == b->tm_year + 1900 && a->mon == b->tm_mon + 1 &&
	    a->mday == b->tm_mday && a->hour == b->tm_hour &&
	    a->min == b->tm_min && a->sec == b->tm_sec &&
	    a->wday == b->tm_wday && a->isdst == (b->tm_isdst > 0) &&
	    a->utoff == b->tm_gmtoff;
}

static int
same_wall(const struct tz_tm *a, const struct tz_tm *b)
{
	return a->year == b->year && a->mon == b->mon && a->mday == b->mday &&
	    a->hour == b->hour && a->min == b->min && a->sec == b->sec;
}

/* Compares one instant with glibc (TZ already set); prints the first few mismatches. */
static int
check_one(const struct tz *z, const char *label, int64_t t, int *nbad)
{
	struct tz_tm	 ours;
	struct tm	 theirs;
	time_t		 tt = (time_t)t;

	tz_localtime(z, t, &ours);
	assert_non_null(localtime_r(&tt, &theirs));
	if (same_tm(&ours, &theirs))
		return 1;
	if ((*nbad)++ < 10)
		print_error("%s t=%lld: ours %04d-%02d-%02d %02d:%02d:%02d "
		    "w%d dst%d %ld, glibc %04d-%02d-%02d %02d:%02d:%02d "
		    "w%d dst%d %ld\n", label, (long long)t, ours.year,
		    ours.mon, ours.mday, ours.hour, ours.min, ours.sec,
		    ours.wday, ours.isdst, ours.utoff, theirs.tm_year + 1900,
		    theirs.tm_mon + 1, theirs.tm_mday, theirs.tm_hour,
		    theirs.tm_min, theirs.tm_sec, theirs.tm_wday,
		    theirs.tm_isdst, (long)theirs.tm_gmtoff);
	return 0;
}

/*
 * tz_mktime(tz_localtime(t)) must give t, or the earlier instant of an
 * overlap (up to a day: Pacific/Apia repeated 4 July 1892).
 */
static void
check_roundtrip(const struct tz *z, const char *label, int64_t t, int *nbad)
{
	struct tz_tm	 lt, back;
	int64_t		 r;

	tz_localtime(z, t, &lt);
	if (tz_mktime(z, &lt, &r) != 0) {
		if ((*nbad)++ < 10)
			print_error("%s t=%lld: tz_mktime failed\n", label,
			    (long long)t);
		return;
	}
	if (r == t)
		return;
	tz_localtime(z, r, &back);
	if (r > t || t - r > 26 * 3600 || !same_wall(&lt, &back)) {
		if ((*nbad)++ < 10)
			print_error("%s t=%lld: round trip gave %lld\n", label,
			    (long long)t, (long long)r);
	}
}

static long
oracle_off(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	localtime_r(&tt, &tm);
	return tm.tm_gmtoff * 2 + (tm.tm_isdst > 0);
}

/*
 * Sweeps [from, to) in odd steps against glibc; where the offset changes
 * between samples, bisects with glibc to the exact transition and checks
 * either side of it, so every transition in the range is hit to the second.
 */
static void
sweep(const struct tz *z, const char *label, int64_t from, int64_t to,
    int64_t step, int *nbad, int *ntrans)
{
	int64_t	 t, prev = from, lo, hi, mid;
	long	 prevoff = oracle_off(from), off;

	for (t = from; t < to; t += step) {
		check_one(z, label, t, nbad);
		check_roundtrip(z, label, t, nbad);
		off = oracle_off(t);
		if (off != prevoff) {
			lo = prev;
			hi = t;
			while (hi - lo > 1) {
				mid = lo + (hi - lo) / 2;
				if (oracle_off(mid) == prevoff)
					lo = mid;
				else
					hi = mid;
			}
			check_one(z, label, hi - 1, nbad);
			check_one(z, label, hi, nbad);
			check_one(z, label, hi + 1, nbad);
			check_roundtrip(z, label, hi - 1, nbad);
			check_roundtrip(z, label, hi, nbad);
			(*ntrans)++;
		}
		prev = t;
		prevoff = off;
	}
}

static const char *oracle_zones[] = {
	"America/Chicago", "Europe/Paris", "Australia/Lord_Howe",
	"Asia/Kolkata", "America/Sao_Paulo", "UTC", "Pacific/Apia",
	"America/Nuuk",		/* footer with v3 negative rule time */
	"Europe/Dublin",	/* negative DST in the footer */
	"America/New_York", "Asia/Tehran", "Pacific/Chatham",
};

static void
test_oracle(void **state)
{
	struct tz	*z;
	char		 err[256];
	size_t		 i;
	int		 nbad = 0, ntrans;

	(void)state;
	unsetenv("TZDIR");
	for (i = 0; i < sizeof(oracle_zones) / sizeof(oracle_zones[0]); i++) {
		z = tz_load(oracle_zones[i], err, sizeof(err));
		if (z == NULL)
			fail_msg("%s: %s", oracle_zones[i], err);
		assert_string_equal(tz_name(z), oracle_zones[i]);
		oracle_zone(oracle_zones[i]);
		ntrans = 0;
		sweep(z, oracle_zones[i], T1990, T2060, 3 * 3600 + 7, &nbad,
		    &ntrans);
		/* Past 2037 fat files end too, so this is footer against footer. */
		sweep(z, oracle_zones[i], T2060, T2400, 86400 * 3 + 13, &nbad,
		    &ntrans);
		sweep(z, oracle_zones[i], T1850, T1990, 86400 + 11, &nbad,
		    &ntrans);
		if (strcmp(oracle_zones[i], "UTC") != 0 &&
		    strcmp(oracle_zones[i], "Asia/Kolkata") != 0)
			assert_true(ntrans > 0);
		tz_free(z);
	}
	assert_int_equal(nbad, 0);
}

static struct tz *
load_ok(const char *name)
{
	struct tz	*z;
	char		 err[256];

	z = tz_load(name, err, sizeof(err));
	if (z == NULL)
		fail_msg("%s: %s", name, err);
	return z;
}

static void
expect_local(const struct tz *z, int64_t t, int y, int mo, int d, int h,
    int mi, int s, int wday, int isdst, long utoff)
{
	struct tz_tm	 lt;

	tz_localtime(z, t, &lt);
	assert_int_equal(lt.year, y);
	assert_int_equal(lt.mon, mo);
	assert_int_equal(lt.mday, d);
	assert_int_equal(lt.hour, h);
	assert_int_equal(lt.min, mi);
	assert_int_equal(lt.sec, s);
	assert_int_equal(lt.wday, wday);
	assert_int_equal(lt.isdst, isdst);
	assert_int_equal(lt.utoff, utoff);
}

static int64_t
mk(const struct tz *z, int y, int mo, int d, int h, int mi, int s)
{
	struct tz_tm	 lt;
	int64_t		 t = 0;

	memset(&lt, 0, sizeof(lt));
	lt.year = y;
	lt.mon = mo;
	lt.mday = d;
	lt.hour = h;
	lt.min = mi;
	lt.sec = s;
	lt.wday = 5;		/* ignored */
	lt.isdst = 1;		/* ignored */
	lt.utoff = 12345;	/* ignored */
	assert_int_equal(tz_mktime(z, &lt, &t), 0);
	return t;
}

static void
test_chicago_2026(void **state)
{
	struct tz	*z;

	(void)state;
	unsetenv("TZDIR");
	z = load_ok("America/Chicago");
	/* Spring forward 2026-03-08. */
	expect_local(z, 1772956799, 2026, 3, 8, 1, 59, 59, 0, 0, -21600);
	expect_local(z, 1772956800, 2026, 3, 8, 3, 0, 0, 0, 1, -18000);
	/* Fall back 2026-11-01: 01:00-01:59 happens twice. */
	expect_local(z, 1793516399, 2026, 11, 1, 1, 59, 59, 0, 1, -18000);
	expect_local(z, 1793516400, 2026, 11, 1, 1, 0, 0, 0, 0, -21600);

	assert_int_equal(mk(z, 2026, 3, 8, 1, 59, 59), 1772956799);
	assert_int_equal(mk(z, 2026, 3, 8, 3, 0, 0), 1772956800);
	/* Gap: read with the offset before it (CST). */
	assert_int_equal(mk(z, 2026, 3, 8, 2, 30, 0), 1772958600);
	assert_int_equal(mk(z, 2026, 3, 8, 2, 0, 0), 1772956800);
	/* Overlap: the earlier (CDT) instant. */
	assert_int_equal(mk(z, 2026, 11, 1, 1, 30, 0), 1793514600);
	assert_int_equal(mk(z, 2026, 11, 1, 1, 0, 0), 1793512800);
	assert_int_equal(mk(z, 2026, 11, 1, 0, 59, 59), 1793512799);
	assert_int_equal(mk(z, 2026, 11, 1, 2, 0, 0), 1793520000);
	tz_free(z);
}

static void
test_lord_howe(void **state)
{
	struct tz	*z;

	(void)state;
	unsetenv("TZDIR");
	z = load_ok("Australia/Lord_Howe");
	/* 30-minute gap 02:00-02:30 on 2026-10-04, overlap 01:30-02:00 on 04-05. */
	assert_int_equal(mk(z, 2026, 10, 4, 2, 15, 0), 1791042300);
	assert_int_equal(mk(z, 2026, 4, 5, 1, 45, 0), 1775313900);
	expect_local(z, 1775313900, 2026, 4, 5, 1, 45, 0, 0, 1, 39600);
	expect_local(z, 1775313900 + 1800, 2026, 4, 5, 1, 45, 0, 0, 0, 37800);
	tz_free(z);
}

/* Chicago's file ends its table in 2037; these instants come from the footer alone. */
static void
test_year_2100(void **state)
{
	struct tz	*z;

	(void)state;
	unsetenv("TZDIR");
	z = load_ok("America/Chicago");
	expect_local(z, 4118126400, 2100, 7, 1, 7, 0, 0, 4, 1, -18000);
	expect_local(z, 4103697600, 2100, 1, 15, 6, 0, 0, 5, 0, -21600);
	expect_local(z, 4108694399, 2100, 3, 14, 1, 59, 59, 0, 0, -21600);
	expect_local(z, 4108694400, 2100, 3, 14, 3, 0, 0, 0, 1, -18000);
	expect_local(z, 4129253999, 2100, 11, 7, 1, 59, 59, 0, 1, -18000);
	expect_local(z, 4129254000, 2100, 11, 7, 1, 0, 0, 0, 0, -21600);
	assert_int_equal(mk(z, 2100, 3, 14, 2, 30, 0), 4108694400 + 1800);
	assert_int_equal(mk(z, 2100, 11, 7, 1, 30, 0), 4129254000 - 1800);
	tz_free(z);
}

static void
test_mktime_range(void **state)
{
	struct tz	*z;
	struct tz_tm	 lt;
	int64_t		 t = 42;

	(void)state;
	unsetenv("TZDIR");
	z = load_ok("Europe/Paris");
	memset(&lt, 0, sizeof(lt));
	lt.year = 2026;
	lt.mon = 2;
	lt.mday = 29;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.mday = 28;
	assert_int_equal(tz_mktime(z, &lt, &t), 0);
	lt.year = 2028;
	lt.mday = 29;
	assert_int_equal(tz_mktime(z, &lt, &t), 0);
	lt.mon = 13;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.mon = 4;
	lt.mday = 31;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.mday = 1;
	lt.hour = 24;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.hour = 0;
	lt.min = 60;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.min = 0;
	lt.sec = -1;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.sec = 0;
	lt.mday = 0;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	lt.mday = 1;
	lt.year = 2000000000;
	assert_int_equal(tz_mktime(z, &lt, &t), -1);
	/* Extremes must neither crash nor overflow. */
	tz_localtime(z, INT64_MAX, &lt);
	tz_localtime(z, INT64_MIN, &lt);
	assert_int_equal(tz_mktime(z, &lt, &t), 0);
	tz_free(z);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = {
		"../etc/passwd", "/etc/passwd", "America/../../etc/passwd",
		"", "Bad Name", "America/Chicago\n", "Europe/Paris;rm",
		"a.b", "America/Chicago\\",
	};
	char	 err[128], big[600];
	size_t	 i;

	(void)state;
	unsetenv("TZDIR");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(tz_load(bad[i], err, sizeof(err)));
		assert_non_null(strstr(err, "invalid time zone name"));
		assert_null(strchr(err, '\n'));
	}
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(tz_load(big, err, sizeof(err)));
	assert_null(tz_load(NULL, err, sizeof(err)));
	assert_null(tz_load("Mars/Base", NULL, 0));
	assert_null(tz_load("Mars/Base", err, sizeof(err)));
	assert_string_equal(err, "unknown time zone \"Mars/Base\"");
	/* A directory is not a zone. */
	assert_null(tz_load("America", err, sizeof(err)));
	assert_string_equal(err, "unknown time zone \"America\"");
	assert_null(tz_load("America/Chicago/x", err, sizeof(err)));
	assert_string_equal(err, "unknown time zone \"America/Chicago/x\"");
	/* A short buffer truncates, never overflows. */
	assert_null(tz_load("Mars/Base", err, 8));
	assert_int_equal(strlen(err), 7);
	/* right/ zones count leap seconds; refused rather than silently off. */
	if (access("/usr/share/zoneinfo/right/America/Chicago", R_OK) == 0) {
		assert_null(tz_load("right/America/Chicago", err,
		    sizeof(err)));
		assert_non_null(strstr(err, "leap"));
	}
}

/* Fixture files. */

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_tz.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (setenv("TZDIR", tmpdir, 1) != 0)
		return -1;
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	unsetenv("TZDIR");
	nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
write_fixture(const char *name, const void *data, size_t len)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *
read_real(const char *name, size_t *len)
{
	char		 path[256];
	unsigned char	*buf;
	FILE		*f;

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	assert_true(*len > 44);
	return buf;
}

struct tzb {
	unsigned char	buf[16384];
	size_t		len;
};

static void
put8(struct tzb *b, unsigned v)
{
	assert_true(b->len < sizeof(b->buf));
	b->buf[b->len++] = (unsigned char)v;
}

static void
put32(struct tzb *b, uint32_t v)
{
	put8(b, v >> 24);
	put8(b, (v >> 16) & 0xff);
	put8(b, (v >> 8) & 0xff);
	put8(b, v & 0xff);
}

static void
put64(struct tzb *b, int64_t v)
{
	put32(b, (uint32_t)((uint64_t)v >> 32));
	put32(b, (uint32_t)v);
}

static void
puthdr(struct tzb *b, int version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt)
{
	int	 i;

	put8(b, 'T');
	put8(b, 'Z');
	put8(b, 'i');
	put8(b, 'f');
	put8(b, version == 1 ? 0 : (unsigned)('0' + version));
	for (i = 0; i < 15; i++)
		put8(b, 0);
	put32(b, 0);		/* isutcnt */
	put32(b, 0);		/* isstdcnt */
	put32(b, 0);		/* leapcnt */
	put32(b, timecnt);
	put32(b, typecnt);
	put32(b, charcnt);
}

/*
 * A TZif file with the given transitions and types; for v2+ a slim-style
 * empty-ish v1 block, the 64-bit data and the footer, as zic -b slim writes.
 */
static void
build(struct tzb *b, int version, const int64_t *at, const unsigned char *idx,
    size_t n, const long *utoff, const int *isdst, size_t ntypes,
    const char *footer)
{
	size_t	 i;

	b->len = 0;
	if (version >= 2) {
		puthdr(b, version, 0, 1, 1);
		put32(b, 0);
		put8(b, 0);
		put8(b, 0);
		put8(b, 0);
	}
	puthdr(b, version, (uint32_t)n, (uint32_t)ntypes, 4);
	for (i = 0; i < n; i++) {
		if (version >= 2)
			put64(b, at[i]);
		else
			put32(b, (uint32_t)at[i]);
	}
	for (i = 0; i < n; i++)
		put8(b, idx[i]);
	for (i = 0; i < ntypes; i++) {
		put32(b, (uint32_t)utoff[i]);
		put8(b, (unsigned)isdst[i]);
		put8(b, 0);
	}
	put8(b, 'Z');
	put8(b, 'Z');
	put8(b, 'Z');
	put8(b, 0);
	if (version >= 2) {
		put8(b, '\n');
		for (i = 0; footer[i] != '\0'; i++)
			put8(b, (unsigned char)footer[i]);
		put8(b, '\n');
	}
}

/*
 * A slim file: one transition in 2007, then only the footer, as Debian
 * may ship.  glibc reads the same file, so it is the oracle here too.
 */
static void
test_slim_footer(void **state)
{
	static const int64_t	 at[] = { 1173600000 };	/* 2007-03-11 08:00Z */
	static const unsigned char idx[] = { 1 };
	static const long	 off[] = { -21600, -18000 };
	static const int	 dst[] = { 0, 1 };
	struct tzb		*b = malloc(sizeof(*b));
	struct tz		*z, *real;
	struct tz_tm		 a, c;
	int64_t			 t;
	int			 nbad = 0, ntrans = 0;

	(void)state;
	assert_non_null(b);
	build(b, 2, at, idx, 1, off, dst, 2, "CST6CDT,M3.2.0,M11.1.0");
	write_fixture("SlimChicago", b->buf, b->len);
	assert_true(b->len < 200);
	z = load_ok("SlimChicago");
	oracle_zone("SlimChicago");
	sweep(z, "SlimChicago", 1173600000, T2060, 3 * 3600 + 7, &nbad,
	    &ntrans);
	sweep(z, "SlimChicago", T2060, T2400, 86400 + 7, &nbad, &ntrans);
	assert_true(ntrans > 700);
	assert_int_equal(nbad, 0);
	expect_local(z, 4108694400, 2100, 3, 14, 3, 0, 0, 0, 1, -18000);
	assert_int_equal(mk(z, 2100, 3, 14, 2, 30, 0), 4108694400 + 1800);

	/* Same answers as the fat system file wherever both speak. */
	unsetenv("TZDIR");
	real = load_ok("America/Chicago");
	setenv("TZDIR", tmpdir, 1);
	for (t = 1173600000; t < T2400; t += 86400 * 5 + 3607) {
		tz_localtime(z, t, &a);
		tz_localtime(real, t, &c);
		assert_true(same_wall(&a, &c));
		assert_int_equal(a.utoff, c.utoff);
	}
	tz_free(real);
	tz_free(z);
	free(b);
}

/* The same, but written by zic itself in slim form, if zic is installed. */
static void
test_zic_slim(void **state)
{
	static const char src[] =
	    "Rule US 1967 2006 - Oct lastSun 2:00 0 S\n"
	    "Rule US 1967 1973 - Apr lastSun 2:00 1:00 D\n"
	    "Rule US 1974 only - Jan 6 2:00 1:00 D\n"
	    "Rule US 1975 only - Feb lastSun 2:00 1:00 D\n"
	    "Rule US 1976 1986 - Apr lastSun 2:00 1:00 D\n"
	    "Rule US 1987 2006 - Apr Sun>=1 2:00 1:00 D\n"
	    "Rule US 2007 max - Mar Sun>=8 2:00 1:00 D\n"
	    "Rule US 2007 max - Nov Sun>=1 2:00 0 S\n"
	    "Zone Test/ZicSlim -6:00 US C%sT\n";
	char		 cmd[512], path[256];
	struct tz	*z;
	int		 nbad = 0, ntrans = 0;
	struct stat	 st;

	(void)state;
	if (access("/usr/sbin/zic", X_OK) != 0)
		skip();
	write_fixture("src", src, sizeof(src) - 1);
	snprintf(cmd, sizeof(cmd), "/usr/sbin/zic -b slim -d %s %s/src",
	    tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/Test/ZicSlim", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	z = load_ok("Test/ZicSlim");
	oracle_zone("Test/ZicSlim");
	sweep(z, "Test/ZicSlim", T1990, T2060, 3 * 3600 + 7, &nbad, &ntrans);
	sweep(z, "Test/ZicSlim", T2060, T2400, 86400 + 7, &nbad, &ntrans);
	assert_int_equal(nbad, 0);
	assert_true(ntrans > 700);
	expect_local(z, 4118126400, 2100, 7, 1, 7, 0, 0, 4, 1, -18000);
	tz_free(z);
}

/*
 * Footer-only behaviour for each POSIX TZ form.  One transition at the
 * epoch into the footer's standard type; after it glibc, given the same
 * string as TZ, is the oracle.
 */
static void
test_footer_forms(void **state)
{
	static const struct {
		const char	*footer;
		long		 stdoff;
		int		 version;
	} f[] = {
		{ "EST5EDT,M3.2.0/2,M11.1.0/2", -18000, 2 },
		{ "<+0330>-3:30", 12600, 2 },
		{ "<-03>3", -10800, 3 },
		{ "AAA3BBB,J60/2,J300/2", -10800, 2 },
		{ "AAA3BBB,59/2,299/2", -10800, 2 },
		{ "AAA3BBB,J1/4,J365/20", -10800, 3 },
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, 3 },
		{ "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800, 4 },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, 3 },
		{ "CET-1CEST,M3.5.0,M10.5.0/3", 3600, 2 },
		{ "IST-1GMT0,M10.5.0,M3.5.0/1", 3600, 2 },
		{ "XXX-5:45", 20700, 2 },
		{ "<-0130>1:30<-0030>,M3.5.0/-1:30,M10.5.0/26", -5400, 3 },
		{ "AAA4BBB3,M4.1.3/49,M9.5.6/-25", -14400, 3 },
	};
	static const int64_t	 at[] = { 0 };
	static const unsigned char idx[] = { 0 };
	static const int	 dst[] = { 0 };
	struct tzb		*b = malloc(sizeof(*b));
	struct tz		*z;
	char			 name[32];
	long			 off[1];
	size_t			 i;
	int			 nbad = 0, ntrans;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		off[0] = f[i].stdoff;
		build(b, f[i].version, at, idx, 1, off, dst, 1, f[i].footer);
		snprintf(name, sizeof(name), "Foot%zu", i);
		write_fixture(name, b->buf, b->len);
		z = load_ok(name);
		oracle_zone(f[i].footer);
		ntrans = 0;
		sweep(z, f[i].footer, 86400, T2060, 6 * 3600 + 7, &nbad,
		    &ntrans);
		if (strchr(f[i].footer, ',') != NULL)
			assert_true(ntrans > 100);
		else
			assert_int_equal(ntrans, 0);
		tz_free(z);
	}
	assert_int_equal(nbad, 0);
	free(b);
}

/* zic's year-round DST trick, which glibc 2.36 gets wrong, so checked by hand. */
static void
test_permanent_dst(void **state)
{
	static const int64_t	 at[] = { 0 };
	static const unsigned char idx[] = { 0 };
	static const long	 off[] = { -18000 };
	static const int	 dst[] = { 0 };
	struct tzb		*b = malloc(sizeof(*b));
	struct tz		*z;
	struct tz_tm		 lt;
	int64_t			 t, r;

	(void)state;
	assert_non_null(b);
	build(b, 3, at, idx, 1, off, dst, 1, "EST5EDT,0/0,J365/25");
	write_fixture("PermDST", b->buf, b->len);
	z = load_ok("PermDST");
	for (t = 86400 * 30; t < T2400; t += 3600 * 7 + 1) {
		tz_localtime(z, t, &lt);
		assert_int_equal(lt.isdst, 1);
		assert_int_equal(lt.utoff, -14400);
		assert_int_equal(tz_mktime(z, &lt, &r), 0);
		assert_int_equal(r, t);
	}
	/* Around New Year, where the rule's end and next start coincide. */
	for (t = 4102444800 - 86400; t < 4102444800 + 86400; t += 61) {
		tz_localtime(z, t, &lt);
		assert_int_equal(lt.utoff, -14400);
	}
	tz_free(z);
	free(b);
}

static void
test_versions(void **state)
{
	/* 1990-04-01 and 1990-10-28 transitions, 32-bit v1 data, no footer. */
	static const int64_t	 at[] = { 638956800, 657097200 };
	static const unsigned char idx[] = { 1, 0 };
	static const long	 off[] = { -21600, -18000 };
	static const int	 dst[] = { 0, 1 };
	struct tzb		*b = malloc(sizeof(*b));
	struct tz		*z;
	char			 name[16];
	int			 v;

	(void)state;
	assert_non_null(b);
	build(b, 1, at, idx, 2, off, dst, 2, "");
	write_fixture("V1", b->buf, b->len);
	z = load_ok("V1");
	expect_local(z, 638956799, 1990, 4, 1, 1, 59, 59, 0, 0, -21600);
	expect_local(z, 638956800, 1990, 4, 1, 3, 0, 0, 0, 1, -18000);
	/* Without a footer the last type stays in force. */
	expect_local(z, 4118126400, 2100, 7, 1, 6, 0, 0, 4, 0, -21600);
	tz_free(z);
	for (v = 2; v <= 4; v++) {
		/* An empty footer also means "last type forever". */
		build(b, v, at, idx, 2, off, dst, 2, "");
		snprintf(name, sizeof(name), "V%d", v);
		write_fixture(name, b->buf, b->len);
		z = load_ok(name);
		expect_local(z, 638956800, 1990, 4, 1, 3, 0, 0, 0, 1, -18000);
		expect_local(z, 4118126400, 2100, 7, 1, 6, 0, 0, 4, 0, -21600);
		tz_free(z);
	}
	/* No transitions: RFC 8536 says the footer governs all time. */
	build(b, 2, NULL, NULL, 0, off, dst, 1, "CST6CDT,M3.2.0,M11.1.0");
	write_fixture("NoTrans", b->buf, b->len);
	z = load_ok("NoTrans");
	expect_local(z, 1772956800, 2026, 3, 8, 3, 0, 0, 0, 1, -18000);
	expect_local(z, 0, 1969, 12, 31, 18, 0, 0, 3, 0, -21600);
	tz_free(z);
	free(b);
}

static void
expect_corrupt(const char *name, const void *data, size_t len)
{
	char	 err[256];

	write_fixture(name, data, len);
	err[0] = '\0';
	assert_null(tz_load(name, err, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

static void
use_zone(const struct tz *z)
{
	struct tz_tm	 lt;
	int64_t		 t, r;

	for (t = -T2400; t < T2400; t += 86400 * 997 + 3599) {
		tz_localtime(z, t, &lt);
		assert_true(lt.mon >= 1 && lt.mon <= 12);
		assert_true(lt.hour >= 0 && lt.hour <= 23);
		assert_int_equal(tz_mktime(z, &lt, &r), 0);
	}
}

static void
test_corrupt(void **state)
{
	unsigned char	*real, *copy, *big;
	size_t		 len, i, j, n;
	struct tz	*z;
	struct tzb	*b = malloc(sizeof(*b));
	static const int64_t	 at[] = { 100, 50 };
	static const unsigned char idx[] = { 0, 1 }, badidx[] = { 0, 7 };
	static const long	 off[] = { 0, 3600 }, badoff[] = { 0, 200000 };
	static const int	 dst[] = { 0, 1 }, baddst[] = { 0, 2 };
	uint32_t		 seed = 12345;
	char			 err[256];
	int			 loaded = 0;

	(void)state;
	assert_non_null(b);
	real = read_real("America/Chicago", &len);
	copy = malloc(len);
	assert_non_null(copy);

	write_fixture("Good", real, len);
	z = load_ok("Good");
	tz_free(z);

	/* Every proper prefix is a corrupt file. */
	for (i = 0; i < len; i++)
		expect_corrupt("Trunc", real, i);
	assert_null(tz_load("Trunc", err, sizeof(err)));
	assert_non_null(strstr(err, "corrupt"));
	assert_non_null(strstr(err, "Trunc"));

	/* Trailing junk after the footer. */
	memcpy(copy, real, len);
	write_fixture("Trail", copy, len);
	{
		unsigned char	*t2 = malloc(len + 1);

		assert_non_null(t2);
		memcpy(t2, real, len);
		t2[len] = 'x';
		expect_corrupt("Trail", t2, len + 1);
		free(t2);
	}

	/* Header counts blown up to 2^32-1, each in turn, in both headers. */
	for (j = 20; j < 44; j += 4) {
		memcpy(copy, real, len);
		memset(copy + j, 0xff, 4);
		expect_corrupt("Counts", copy, len);
	}
	/* Bad magic, bad version. */
	memcpy(copy, real, len);
	copy[0] = 'X';
	expect_corrupt("Magic", copy, len);
	memcpy(copy, real, len);
	copy[4] = '9';
	expect_corrupt("Version", copy, len);

	/* Hand-built semantic errors. */
	build(b, 2, at, idx, 2, off, dst, 2, "UTC0");
	expect_corrupt("Order", b->buf, b->len);
	build(b, 2, at + 1, badidx + 1, 1, off, dst, 2, "UTC0");
	expect_corrupt("Index", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, badoff, dst, 2, "UTC0");
	expect_corrupt("Offset", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, baddst, 2, "UTC0");
	expect_corrupt("Dst", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 0, "UTC0");
	expect_corrupt("NoTypes", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,M13.2.0,M11.1.0");
	expect_corrupt("Footer1", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "C6");
	expect_corrupt("Footer2", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,M3.2.0");
	expect_corrupt("Footer3", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST25");
	expect_corrupt("Footer4", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,J0,J365");
	expect_corrupt("Footer5", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,M3.2.0/168,M11.1.0");
	expect_corrupt("Footer6", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,M3.2.0,M11.1.0 x");
	expect_corrupt("Footer7", b->buf, b->len);
	build(b, 2, at + 1, idx, 1, off, dst, 2, "CST6CDT,M3.2.0,M11.1.0");
	b->buf[b->len - 1] = 'x';	/* footer missing its final newline */
	expect_corrupt("Footer8", b->buf, b->len);

	/* Over the size cap. */
	big = calloc(1, 1024 * 1024 + 1);
	assert_non_null(big);
	memcpy(big, real, len);
	write_fixture("Big", big, 1024 * 1024 + 1);
	assert_null(tz_load("Big", err, sizeof(err)));
	assert_non_null(strstr(err, "too large"));
	free(big);

	/* A FIFO must not hang the load. */
	{
		char	 path[256];

		snprintf(path, sizeof(path), "%s/Fifo", tmpdir);
		assert_int_equal(mkfifo(path, 0600), 0);
		assert_null(tz_load("Fifo", err, sizeof(err)));
	}

	/*
	 * Random byte flips: whatever loads must then convert without
	 * tripping the sanitizers.
	 */
	for (n = 0; n < 2000; n++) {
		memcpy(copy, real, len);
		for (j = 0; j < 1 + n % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] ^= (unsigned char)(1u <<
			    ((seed >> 4) % 8));
		}
		write_fixture("Flip", copy, len);
		if ((z = tz_load("Flip", err, sizeof(err))) != NULL) {
			loaded++;
			use_zone(z);
			tz_free(z);
		} else
			assert_non_null(strstr(err, "corrupt"));
	}
	assert_true(loaded > 0);	/* flips in unused bytes are harmless */
	free(real);
	free(copy);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_chicago_2026),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_year_2100),
		cmocka_unit_test(test_mktime_range),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test_setup_teardown(test_slim_footer, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_zic_slim, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_footer_forms, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_permanent_dst, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_versions, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_corrupt, setup_dir,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
