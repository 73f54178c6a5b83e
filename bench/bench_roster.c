/*
 * bench_roster: a generated district (50,000 students, 80,000 guardians, a
 * device each) imported with the real `hallpass roster import` (wall time,
 * peak RSS from wait4), then the snapshot's load time and
 * policy_client_lookup speed with that roster against the small fixture;
 * then the engagement report (staff/engage.c) over that roster and a SQLite
 * database where 40% of the guardians are enrolled (median of 7, target
 * under 200 ms).
 *
 * Usage: bench_roster -x HALLPASS [-n STUDENTS] [-g GUARDIANS] [-j JSON] [-k]
 * Exit status: 0 when the import succeeded and every lookup found its
 * student, 1 otherwise.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engage.h"
#include "policy.h"
#include "store.h"

extern char **environ;

#define NSCHOOLS	60
#define NBATCH		64

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift: the same district every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const char *const given[] = { "Ana", "Ben", "Chen", "Dara", "Eli", "Fatima",
	"Gus", "Hana", "Ivan", "Jia", "Kofi", "Lucía", "Mateo", "Nia", "Omar", "Priya" };
static const char *const family[] = { "Garcia", "Okafor", "Nguyen", "Smith", "Kim",
	"Haddad", "Kowalski", "Díaz", "O'Brien", "Mensah", "Rossi", "Tanaka" };
static const char *const langs[] = { "", "", "", "es", "es", "vi", "Spanish", "so",
	"ar", "zh" };
static const char *const grades[] = { "KG", "01", "02", "03", "04", "05", "06", "07",
	"08", "09", "10", "11", "12" };

#define PICK(a, s) a[rnd(s) % (sizeof(a) / sizeof(*a))]

static int
gen(const char *dir, size_t ns, size_t ng)
{
	char	 p[4096];
	FILE	*f;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t	 i;

	snprintf(p, sizeof(p), "%s/export", dir);
	if (mkdir(p, 0755) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/export/orgs.csv", dir);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fputs("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
	    "dist,active,2026-07-01,Bench Unified,district,BU,\n", f);
	for (i = 0; i < NSCHOOLS; i++)
		fprintf(f, "sch-%zu,active,2026-07-01,\"School %zu, Campus %c\",school,S%zu,dist\n",
		    i, i, (char)('A' + i % 3), i);
	fclose(f);
	snprintf(p, sizeof(p), "%s/export/users.csv", dir);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fputs("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
	    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
	    "agentSourcedIds,grades,password\n", f);
	for (i = 0; i < ns; i++) {
		/* Guardian ids: two for most students, one for a few, shared by siblings. */
		size_t g1 = i * ng / ns, g2 = (g1 + 1) % ng;
		char agents[64];

		if (i % 5)
			snprintf(agents, sizeof(agents), "gua-%06zu,gua-%06zu", g1, g2);
		else
			snprintf(agents, sizeof(agents), "gua-%06zu", g1);
		fprintf(f, "stu-%06zu,active,2026-08-01T08:00:00Z,true,sch-%zu,student,"
		    "u%zu,,%s,%s,,%zu,,,,\"%s\",%s,\n", i, i % NSCHOOLS, i,
		    PICK(given, &s), PICK(family, &s), i, agents, PICK(grades, &s));
	}
	for (i = 0; i < ng; i++) {
		unsigned r = (unsigned)(rnd(&s) % 3);

		fprintf(f, "gua-%06zu,active,2026-08-01T08:00:00Z,true,,%s,g%zu,,%s,%s,,,"
		    "%s%s%s,,%s,,,\n", i, r == 0 ? "parent" : r == 1 ? "guardian" : "relative",
		    i, PICK(given, &s), PICK(family, &s), i % 4 ? "g" : "",
		    i % 4 ? "x" : "", i % 4 ? "@example.org" : "",
		    i % 3 ? "555-010-1234" : "");
	}
	fclose(f);
	snprintf(p, sizeof(p), "%s/export/demographics.csv", dir);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fputs("sourcedId,status,dateLastModified,birthDate,sex,primaryLanguage\n", f);
	for (i = 0; i < ng; i++)
		fprintf(f, "gua-%06zu,active,2026-08-01,,,%s\n", i, PICK(langs, &s));
	fclose(f);
	snprintf(p, sizeof(p), "%s/devices.csv", dir);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fputs("student,mac,ip,hotspot\n", f);
	for (i = 0; i < ns; i++) {
		/* One student in ten has a network (their family's own router), the rest a MAC. */
		if (i % 10 == 9)
			fprintf(f, "stu-%06zu,,10.%zu.%zu.0/24,\n", i, 64 + (i / 10 >> 8),
			    i / 10 & 255);
		else
			fprintf(f, "stu-%06zu,02:01:%02zx:%02zx:%02zx:01,,\n", i, (i >> 16) & 255,
			    (i >> 8) & 255, i & 255);
	}
	fclose(f);
	return 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The engagement report on the big roster: guardians gua-NNNNNN get, in
 * turn, an account (4 in 10), an acknowledgement (3 in 10), a login in the
 * last 30 days (1 in 4) and a current invite (3 in 10 of the rest).
 * Returns the median of 7 builds in ns, 0 on error.
 */
static uint64_t
cpu_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* *cpu gets the median CPU time: on a loaded machine the wall time mostly measures the others. */
static uint64_t
engagement(const char *dir, const struct policy *p, size_t ng, struct engage_count *tot,
    uint64_t *cpu)
{
	const int64_t	 now = 1795446000000LL, day = 86400000LL;
	char		 db[300], err[512], id[32];
	struct store	*st;
	sqlite3		*h;
	sqlite3_stmt	*acc, *ack, *aud, *inv;
	uint64_t	 t[7], c[7], t0, c0;
	uint8_t		 code[32];

	snprintf(db, sizeof(db), "%s/eng.db", dir);
	if ((st = store_open(db, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_roster: %s\n", err);
		return 0;
	}
	/* Seeded with plain SQL in one transaction: the store's one-row calls would take minutes. */
	if (sqlite3_open(db, &h) != SQLITE_OK || sqlite3_exec(h, "BEGIN", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO guardian_accounts VALUES (?1, 'x', 0, 0)", -1,
	    &acc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO aup_acks VALUES (?1, 1, 0)", -1, &ack,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO audit (ts_ms, actor, action) VALUES (?2, ?1,"
	    " 'login')", -1, &aud, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO guardian_invites VALUES (?3, ?1, 0, ?2, NULL)",
	    -1, &inv, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_roster: %s\n", sqlite3_errmsg(h));
		return 0;
	}
	for (size_t i = 0; i < ng; i++) {
		sqlite3_stmt	*todo[2] = { NULL, NULL };

		snprintf(id, sizeof(id), "gua-%06zu", i);
		if (i % 10 < 4) {
			todo[0] = acc;
			if (i % 10 < 3)
				todo[1] = ack;
		} else if (i % 10 < 7)
			todo[0] = inv;
		for (int k = 0; k < 2 && todo[k] != NULL; k++) {
			sqlite3_bind_text(todo[k], 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(todo[k], 2, now + 7 * day);
			memset(code, 0, sizeof(code));
			memcpy(code, &i, sizeof(i));
			sqlite3_bind_blob(todo[k], 3, code, sizeof(code), SQLITE_TRANSIENT);
			if (sqlite3_step(todo[k]) != SQLITE_DONE)
				return 0;
			sqlite3_reset(todo[k]);
		}
		if (i % 4 == 0) {
			sqlite3_bind_text(aud, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(aud, 2, now - (int64_t)(i % 60) * day);
			if (sqlite3_step(aud) != SQLITE_DONE)
				return 0;
			sqlite3_reset(aud);
		}
	}
	sqlite3_finalize(acc);
	sqlite3_finalize(ack);
	sqlite3_finalize(aud);
	sqlite3_finalize(inv);
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	sqlite3_close(h);
	for (int r = 0; r < 7; r++) {
		struct engage	*e;

		t0 = now_ns();
		c0 = cpu_ns();
		if ((e = engage_build(p, st, 1, now, NULL, NULL, NULL, err, sizeof(err))) ==
		    NULL) {
			fprintf(stderr, "bench_roster: %s\n", err);
			return 0;
		}
		c[r] = cpu_ns() - c0;
		t[r] = now_ns() - t0;
		*tot = *engage_total(e);
		engage_free(e);
	}
	store_close(st);
	qsort(t, 7, sizeof(t[0]), u64_cmp);
	qsort(c, 7, sizeof(c[0]), u64_cmp);
	*cpu = c[3];
	return t[3];
}

/* Runs argv, returning its wall time and filling ru. */
static int
run(char *const argv[], uint64_t *ns, struct rusage *ru)
{
	pid_t		 pid;
	int		 st;
	uint64_t	 t0 = now_ns();

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (wait4(pid, &st, 0, ru) != pid)
		return -1;
	*ns = now_ns() - t0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Median ns per lookup over batches of NBATCH, for the MACs of students 0..n-1 (or a miss). */
static double
lookups(const struct policy *p, size_t n, size_t q, int hit, int *bad)
{
	size_t		 nb = q / NBATCH, k = 0;
	uint64_t	*t = calloc(nb + 1, sizeof(*t)), s = 12345;
	double		 med;

	for (size_t b = 0; b < nb; b++) {
		uint8_t	 macs[NBATCH][6];
		uint64_t t0;

		for (size_t j = 0; j < NBATCH; j++) {
			size_t i = n ? rnd(&s) % n : 0;

			if (i % 10 == 9)
				i--;	/* those have a network, not a MAC */
			macs[j][0] = hit ? 2 : 0x0e;
			macs[j][1] = 1;
			macs[j][2] = (uint8_t)(i >> 16);
			macs[j][3] = (uint8_t)(i >> 8);
			macs[j][4] = (uint8_t)i;
			macs[j][5] = 1;
		}
		t0 = now_ns();
		for (size_t j = 0; j < NBATCH; j++) {
			uint8_t a4[4] = { 10, 99, (uint8_t)j, 1 };
			const struct policy_student *st = policy_client_lookup(p, macs[j],
			    AF_INET, a4);

			if ((st != NULL) != hit)
				(*bad)++;
		}
		t[k++] = now_ns() - t0;
	}
	qsort(t, k, sizeof(*t), cmp_u64);
	med = k ? (double)t[k / 2] / NBATCH : 0;
	free(t);
	return med;
}

static int
usage(void)
{
	fprintf(stderr, "usage: bench_roster -x HALLPASS [-n STUDENTS] [-g GUARDIANS] "
	    "[-j JSON] [-k]\n");
	return 1;
}

int
main(int argc, char **argv)
{
	const char	*hallpass = NULL, *json = NULL;
	size_t		 ns = 50000, ng = 80000, q = 2000000;
	int		 ch, keep = 0, bad = 0;
	char		 dir[] = "/tmp/hallpass-bench-roster.XXXXXX", conf[256], cmd[1024];
	char		 exp[256], dev[256];
	struct rusage	 ru;
	uint64_t	 gen_ns, imp_ns, load_ns, t0;
	struct diag	 d;
	struct policy	*big, *small;
	double		 mbig, msmall, mmiss;
	uint64_t	 eng_ns, eng_cpu = 0;
	struct engage_count ec;

	while ((ch = getopt(argc, argv, "x:n:g:j:k")) != -1) {
		switch (ch) {
		case 'x': hallpass = optarg; break;
		case 'n': ns = strtoul(optarg, NULL, 10); break;
		case 'g': ng = strtoul(optarg, NULL, 10); break;
		case 'j': json = optarg; break;
		case 'k': keep = 1; break;
		default: return usage();
		}
	}
	if (hallpass == NULL || ns == 0 || ng == 0 || mkdtemp(dir) == NULL)
		return usage();
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(cmd, sizeof(cmd), "cp -r tests/fixtures/base %s", conf);
	if (system(cmd) != 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "%s/policy.yaml", conf);
	{
		/* The fixture's groups with group rules for the generated schools. */
		FILE *f = fopen(cmd, "w");

		if (f == NULL)
			return 1;
		fputs("timezone: America/Chicago\ndefault_group: standard\ngroups:\n"
		    "  standard:\n    block: [gambling]\n  elementary:\n"
		    "    block: [gambling, social]\n  middle:\n    block: [gambling, games]\n"
		    "group_rules:\n  - grades: KG-05\n    group: elementary\n"
		    "  - school: [sch-1, sch-2, sch-3]\n    grades: 06-08\n    group: middle\n",
		    f);
		fclose(f);
	}
	t0 = now_ns();
	if (gen(dir, ns, ng) != 0) {
		fprintf(stderr, "bench_roster: cannot write the export: %s\n", strerror(errno));
		return 1;
	}
	gen_ns = now_ns() - t0;
	snprintf(exp, sizeof(exp), "%s/export", dir);
	snprintf(dev, sizeof(dev), "%s/devices.csv", dir);
	{
		char *av[] = { (char *)hallpass, (char *)"-c", conf, (char *)"roster",
			(char *)"import", (char *)"oneroster", exp, (char *)"-d", dev, NULL };

		if (run(av, &imp_ns, &ru) != 0) {
			fprintf(stderr, "bench_roster: the import failed\n");
			return 1;
		}
	}
	diag_init(&d);
	t0 = now_ns();
	big = policy_load(conf, &d);
	load_ns = now_ns() - t0;
	small = policy_load("tests/fixtures/base", &d);
	if (big == NULL || small == NULL) {
		diag_print(&d, stderr);
		return 1;
	}
	if (policy_student_count(big) != ns) {
		fprintf(stderr, "bench_roster: %zu students loaded, %zu generated\n",
		    policy_student_count(big), ns);
		return 1;
	}
	mbig = lookups(big, ns, q, 1, &bad);
	mmiss = lookups(big, ns, q, 0, &bad);
	{
		/* The small fixture (3 students): the same misses, so only the roster's size differs. */
		int b2 = 0;

		msmall = lookups(small, 0, q, 0, &b2);
	}
	memset(&ec, 0, sizeof(ec));
	if ((eng_ns = engagement(dir, big, ng, &ec, &eng_cpu)) == 0) {
		fprintf(stderr, "bench_roster: the engagement report failed\n");
		return 1;
	}
	printf("roster: %zu students, %zu guardians, %zu devices (generated in %.1f s)\n",
	    ns, ng, ns, (double)gen_ns / 1e9);
	printf("  %-28s %8.2f s   peak RSS %.1f MB   user %.2f s sys %.2f s\n",
	    "hallpass roster import", (double)imp_ns / 1e9, (double)ru.ru_maxrss / 1024,
	    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	printf("  %-28s %8.2f s\n", "policy_load with the roster", (double)load_ns / 1e9);
	printf("  %-28s %8.1f ns   (hits by MAC, median of %d-lookup batches)\n",
	    "client lookup, 50k roster", mbig, NBATCH);
	printf("  %-28s %8.1f ns   (no such MAC or address)\n", "client lookup, misses", mmiss);
	printf("  %-28s %8.1f ns   (tests/fixtures/base, 3 students)\n",
	    "client lookup, small roster", msmall);
	printf("  %-28s %8.1f ms   %s (target < 200 ms; median of 7, SQLite; CPU %.1f ms; "
	    "%ld families, %ld enrolled, %ld never reached)\n", "engagement report",
	    (double)eng_ns / 1e6, eng_ns < 200000000ULL ? "ok" : "MISS",
	    (double)eng_cpu / 1e6, ec.families, ec.enrolled, ec.unreached);
	if (json != NULL) {
		FILE *f = fopen(json, "w");

		if (f != NULL) {
			fprintf(f, "{\n  \"bench\": \"roster\",\n  \"students\": %zu,\n"
			    "  \"guardians\": %zu,\n  \"import_s\": %.3f,\n"
			    "  \"import_peak_rss_mb\": %.1f,\n  \"load_s\": %.3f,\n"
			    "  \"lookup_hit_ns\": %.1f,\n  \"lookup_miss_ns\": %.1f,\n"
			    "  \"lookup_small_ns\": %.1f,\n  \"engagement_ms\": %.1f,\n"
			    "  \"engagement_cpu_ms\": %.1f\n}\n", ns, ng, (double)imp_ns / 1e9,
			    (double)ru.ru_maxrss / 1024, (double)load_ns / 1e9, mbig, mmiss,
			    msmall, (double)eng_ns / 1e6, (double)eng_cpu / 1e6);
			fclose(f);
		}
	}
	policy_unref(big);
	policy_unref(small);
	diag_free(&d);
	if (keep)
		printf("kept %s\n", dir);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)system(cmd);
	}
	if (bad) {
		fprintf(stderr, "bench_roster: %d wrong lookups\n", bad);
		return 1;
	}
	return 0;
}
