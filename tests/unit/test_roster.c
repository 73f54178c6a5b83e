/* test_roster: the CSV reader's line numbers, the OneRoster import's bulk and delta rules, roster.csv round trips, and the snapshot's lookups by network, hotspot and group rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "oneroster.h"
#include "policy.h"
#include "roster.h"
#include "roster_csv.h"
#include "roster_dev.h"
#include "testutil.h"

struct rows {
	size_t	 n;
	size_t	 lines[16];
	char	 first[16][64];
	size_t	 nf[16];
};

static int
rows_cb(char **f, size_t nf, size_t line, void *arg)
{
	struct rows *r = arg;

	if (r->n < 16) {
		r->lines[r->n] = line;
		r->nf[r->n] = nf;
		snprintf(r->first[r->n], sizeof(r->first[0]), "%s", f[0]);
	}
	r->n++;
	return 0;
}

static void
test_csv_lines(void **state)
{
	/* BOM, CRLF, a quoted CRLF inside a field, a blank line, a lone-CR line end. */
	static const char buf[] = "\xef\xbb\xbf" "a,b\r\n\"x\r\ny\",2\r\n\r\nz,3\rw,4\n";
	struct rows	 r = { 0 };
	struct diag	 d;

	(void)state;
	diag_init(&d);
	assert_int_equal(roster_csv_parse("t.csv", buf, sizeof(buf) - 1, rows_cb, &r, &d), 0);
	assert_int_equal((int)r.n, 4);
	assert_string_equal(r.first[0], "a");
	assert_int_equal((int)r.lines[0], 1);
	assert_string_equal(r.first[1], "x\r\ny");
	assert_int_equal((int)r.lines[1], 2);
	assert_int_equal((int)r.lines[2], 5);
	assert_string_equal(r.first[3], "w");
	assert_int_equal((int)r.lines[3], 6);
	diag_free(&d);
}

static void
test_csv_errors(void **state)
{
	struct rows	 r = { 0 };
	struct diag	 d;

	(void)state;
	diag_init(&d);
	assert_int_equal(roster_csv_parse("t.csv", "a,b\nc,\"open\nmore\n", 17, rows_cb,
	    &r, &d), -1);
	assert_int_equal((int)diag_count(&d), 1);
	assert_string_equal(d.msgs[0], "t.csv:2: a quoted field is never closed");
	diag_free(&d);
	diag_init(&d);
	memset(&r, 0, sizeof(r));
	assert_int_equal(roster_csv_parse("t.csv", "a,b\n\xff,1\n", 9, rows_cb, &r, &d), -1);
	assert_string_equal(d.msgs[0], "t.csv:2: field 1 is not UTF-8 text (save the export as UTF-8)");
	assert_int_equal((int)r.n, 1);
	diag_free(&d);
}

static void
test_norms(void **state)
{
	char		 m[18], ip[64];
	const char	*why;

	(void)state;
	assert_int_equal(roster_mac_norm("02-AB-00-00-10-0f", m), 0);
	assert_string_equal(m, "02:ab:00:00:10:0f");
	assert_int_equal(roster_mac_norm("02ab0000100f", m), 0);
	assert_string_equal(m, "02:ab:00:00:10:0f");
	assert_int_equal(roster_mac_norm("02:ab-00:00:10:0f", m), -1);
	assert_int_equal(roster_mac_norm("02:ab:00:00:10", m), -1);
	assert_int_equal(roster_mac_norm("02:ab:00:00:10:0f:", m), -1);
	assert_int_equal(roster_ip_norm("10.8.0.0/16", ip, sizeof(ip), &why), 0);
	assert_string_equal(ip, "10.8.0.0/16");
	assert_int_equal(roster_ip_norm("2001:DB8:0::1", ip, sizeof(ip), &why), 0);
	assert_string_equal(ip, "2001:db8::1");
	assert_int_equal(roster_ip_norm("192.0.2.7/32", ip, sizeof(ip), &why), 0);
	assert_string_equal(ip, "192.0.2.7");
	assert_int_equal(roster_ip_norm("10.8.0.1/16", ip, sizeof(ip), &why), -1);
	assert_int_equal(roster_ip_norm("10.8.0.0/33", ip, sizeof(ip), &why), -1);
	assert_int_equal(roster_ip_norm("10.8.0.0/", ip, sizeof(ip), &why), -1);
	assert_int_equal(roster_grade_rank("K"), roster_grade_rank("KG"));
	assert_string_equal(roster_grade_name(roster_grade_rank("7")), "07");
	assert_int_equal(roster_grade_rank("14"), -1);
	assert_true(roster_grade_rank("PK") < roster_grade_rank("KG"));
}

#define ORGS "sourcedId,name,type\nsch-1,One,school\nsch-2,Two,school\n"
#define USERS_HEAD "sourcedId,status,role,givenName,familyName,orgSourcedIds,agentSourcedIds,grades\n"

static int
import(struct roster *r, const char *manifest, const char *orgs, const char *users,
    struct diag *d)
{
	struct oneroster_file	 f[3];
	size_t			 n = 0;

	if (manifest != NULL)
		f[n++] = (struct oneroster_file){ "manifest.csv", "manifest.csv",
		    manifest, strlen(manifest) };
	if (orgs != NULL)
		f[n++] = (struct oneroster_file){ "orgs.csv", "orgs.csv", orgs,
		    strlen(orgs) };
	f[n++] = (struct oneroster_file){ "users.csv", "users.csv", users, strlen(users) };
	return oneroster_import_files(r, f, n, d);
}

static size_t
live(struct roster *r)
{
	size_t n = 0;

	for (size_t i = 0; i < roster_npeople(r); i++)
		n += !roster_person_at(r, i)->gone;
	return n;
}

static void
test_bulk_delta(void **state)
{
	struct roster		*r = roster_new();
	struct roster_person	*p;
	struct diag		 d;
	int			 rc;

	(void)state;
	diag_init(&d);
	assert_int_equal(import(r, NULL, ORGS, USERS_HEAD
	    "s1,active,student,A,B,sch-1,p1,03\n"
	    "s2,active,student,C,D,sch-2,,10\n"
	    "s3,tobedeleted,student,E,F,sch-1,,03\n"
	    "p1,active,parent,G,H,sch-1,,\n", &d), 0);
	assert_int_equal((int)diag_count(&d), 0);
	assert_int_equal((int)live(r), 3);
	assert_non_null(p = roster_person_find(r, "s1"));
	assert_string_equal(p->school, "sch-1");
	assert_string_equal(p->grade, "03");
	assert_int_equal((int)p->nlinks, 1);
	assert_null(roster_person_find(r, "s3"));
	/* A delta changes what it names and keeps the rest. */
	rc = import(r, "propertyName,value\nfile.users,delta\nfile.orgs,absent\n",
	    ORGS, USERS_HEAD "s2,tobedeleted,student,C,D,sch-2,,10\n"
	    "s4,active,student,I,J,sch-2,,KG\n", &d);
	assert_int_equal(rc, 0);
	assert_int_equal((int)live(r), 3);
	assert_null(roster_person_find(r, "s2"));
	assert_non_null(roster_person_find(r, "s1"));
	assert_string_equal(roster_person_find(r, "s4")->grade, "KG");
	/* A bulk file replaces everyone. */
	assert_int_equal(import(r, NULL, ORGS, USERS_HEAD "s9,,student,K,L,sch-1,,01\n", &d), 0);
	assert_int_equal((int)live(r), 1);
	assert_non_null(roster_person_find(r, "s9"));
	/* The manifest names a file the export does not have. */
	assert_int_equal(import(r, "propertyName,value\nfile.roles,bulk\n", ORGS,
	    USERS_HEAD "s9,,student,K,L,sch-1,,01\n", &d), -1);
	assert_string_equal(d.msgs[0], "manifest.csv: manifest lists roles.csv as bulk "
	    "but the export has no such file");
	roster_free(r);
	diag_free(&d);
}

static void
test_import_errors(void **state)
{
	struct roster	*r = roster_new();
	struct diag	 d;

	(void)state;
	diag_init(&d);
	/* No role column and no roles.csv; and a missing required column. */
	assert_int_equal(import(r, NULL, ORGS, "sourcedId,givenName,familyName\ns1,A,B\n",
	    &d), -1);
	assert_string_equal(d.msgs[0], "users.csv:1: no role column and no roles.csv: "
	    "who is a student cannot be known");
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(import(r, NULL, "sourcedId,type\nx,school\n", USERS_HEAD, &d), -1);
	assert_string_equal(d.msgs[0], "orgs.csv:1: no name column in the header");
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(import(r, NULL, ORGS, USERS_HEAD
	    "s1,active,student,A,B,sch-1,s2,03\ns2,active,student,C,D,sch-1,,03\n", &d), -1);
	assert_string_equal(d.msgs[0], "users.csv:2: agentSourcedIds names \"s2\", which "
	    "is not a parent, guardian or relative");
	roster_free(r);
	diag_free(&d);
}

static void
test_roundtrip(void **state)
{
	struct roster		*r = roster_new(), *r2 = roster_new();
	struct diag		 d;
	char			 err[256], path[] = "/tmp/hallpass-roster.XXXXXX";
	int			 fd = mkstemp(path);
	static const char	 devs[] = "student,ip,mac,hotspot\ns1,10.0.0.0/8,,\n"
	    "s1,,02:00:00:00:00:01,\ns1,,,hs-1\n";

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	diag_init(&d);
	assert_int_equal(import(r, NULL, ORGS, USERS_HEAD
	    "s1,,student,\"Ana, \"\"Jr\"\"\",B,sch-1,p1,03\np1,,parent,G,H,,,\n", &d), 0);
	assert_int_equal(roster_dev_parse(r, "dev.csv", devs, sizeof(devs) - 1, &d), 0);
	assert_int_equal(roster_write(r, path, err, sizeof(err)), 0);
	assert_int_equal(roster_read(r2, path, &d), 0);
	assert_int_equal((int)diag_count(&d), 0);
	assert_string_equal(roster_person_find(r2, "s1")->given, "Ana, \"Jr\"");
	assert_string_equal(roster_person_find(r2, "s1")->links[0], "p1");
	assert_int_equal((int)roster_ndevices(r2), 3);
	assert_string_equal(roster_device_at(r2, 0)->ip, "10.0.0.0/8");
	assert_string_equal(roster_device_at(r2, 2)->hotspot, "hs-1");
	unlink(path);
	roster_free(r);
	roster_free(r2);
	diag_free(&d);
}

/* A config dir with policy.yaml and roster.csv; the snapshot's lookups. */
static const char policy_yaml[] =
    "timezone: UTC\n"
    "default_group: standard\n"
    "groups:\n  standard: {}\n  little: {}\n  middle: {}\n  special: {}\n"
    "group_rules:\n"
    "  - school: sch-1\n    grades: [PK-02, \"04\"]\n    group: little\n"
    "  - grades: 06-08\n    group: middle\n"
    "students:\n"
    "  s3:\n    group: special\n"
    "  s9:\n    name: Hand\n    group: standard\n    devices:\n      - ip: 10.1.2.3\n"
    "guardians:\n  p1:\n    email: p1@example.org\n    students: [s9]\n";

static const char roster_csv[] =
    "hallpass-roster,1\n"
    "org,sch-1,One,school\n"
    "student,s1,A,B,sch-1,01\n"
    "student,s2,C,D,sch-1,03\n"
    "student,s3,E,F,sch-2,07\n"
    "student,s4,G,H,sch-2,04\n"
    "guardian,p1,I,J,,555-0100-000,es,parent\n"
    "link,s1,p1\n"
    "device,s1,,10.1.0.0/16,\n"
    "device,s2,,10.1.2.0/24,\n"
    "device,s4,,2001:db8::/32,\n"
    "device,s3,,,hs-7\n"
    "device,s3,02:00:00:00:aa:01,,\n"
    "device,s4,02:00:00:00:aa:02,10.9.9.9,\n";

static void
test_snapshot(void **state)
{
	char			*dir = testutil_confdir();
	struct diag		 d;
	struct policy		*p;
	const struct policy_guardian *g;
	uint8_t			 a[16];

	(void)state;
	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, "policy.yaml", policy_yaml), 0);
	assert_int_equal(testutil_write(dir, "roster.csv", roster_csv), 0);
	diag_init(&d);
	p = policy_load(dir, &d);
	assert_non_null(p);
	/* Group rules: school and grade list, grade range, else the default; exceptions win. */
	assert_string_equal(policy_student_group(policy_student_find(p, "s1")), "little");
	assert_string_equal(policy_student_group(policy_student_find(p, "s2")), "standard");
	assert_string_equal(policy_student_group(policy_student_find(p, "s3")), "special");
	assert_string_equal(policy_student_group(policy_student_find(p, "s4")), "standard");
	assert_string_equal(policy_student_school_name(policy_student_find(p, "s1")), "One");
	/* Exact address, then the longest network. */
	inet_pton(AF_INET, "10.1.2.3", a);
	assert_string_equal(policy_student_id(policy_client_lookup(p, NULL, AF_INET, a)), "s9");
	inet_pton(AF_INET, "10.1.2.4", a);
	assert_string_equal(policy_student_id(policy_client_lookup(p, NULL, AF_INET, a)), "s2");
	inet_pton(AF_INET, "10.1.3.4", a);
	assert_string_equal(policy_student_id(policy_client_lookup(p, NULL, AF_INET, a)), "s1");
	inet_pton(AF_INET, "10.2.0.1", a);
	assert_null(policy_client_lookup(p, NULL, AF_INET, a));
	inet_pton(AF_INET6, "2001:db8:1::5", a);
	assert_string_equal(policy_student_id(policy_client_lookup(p, NULL, AF_INET6, a)), "s4");
	assert_string_equal(policy_student_id(policy_hotspot_student(p, "hs-7")), "s3");
	/* By MAC; a MAC paired with an address needs both. */
	assert_string_equal(policy_student_id(policy_client_lookup(p,
	    (const uint8_t *)"\x02\0\0\0\xaa\x01", AF_INET, a)), "s3");
	inet_pton(AF_INET, "10.9.9.9", a);
	assert_string_equal(policy_student_id(policy_client_lookup(p,
	    (const uint8_t *)"\x02\0\0\0\xaa\x02", AF_INET, a)), "s4");
	inet_pton(AF_INET, "10.9.9.8", a);
	assert_null(policy_client_lookup(p, (const uint8_t *)"\x02\0\0\0\xaa\x02",
	    AF_INET, a));
	assert_null(policy_client_lookup(p, (const uint8_t *)"\x02\0\0\0\xaa\x03",
	    AF_INET, a));
	assert_null(policy_hotspot_student(p, "hs-8"));
	/* An imported guardian overridden by policy.yaml: e-mail added, students added. */
	assert_non_null(g = policy_guardian_find(p, "p1"));
	assert_string_equal(policy_guardian_email(g), "p1@example.org");
	assert_string_equal(policy_guardian_language(g), "es");
	assert_int_equal((int)policy_guardian_nstudents(g), 2);
	policy_unref(p);
	/* The CGI's roster-only load sees the same roster. */
	assert_non_null(p = policy_load_roster(dir, &d));
	assert_int_equal((int)policy_student_count(p), 5);
	policy_unref(p);
	/* A broken roster.csv fails the load with its position. */
	assert_int_equal(testutil_write(dir, "roster.csv", "hallpass-roster,1\nstudent,s1\n"), 0);
	assert_null(policy_load(dir, &d));
	assert_true(diag_count(&d) == 1);
	assert_non_null(strstr(d.msgs[0], "/roster.csv:2: a student row has 2 fields"));
	diag_free(&d);
	/* A file that is not a roster at all: one error, the rest not read. */
	diag_init(&d);
	assert_int_equal(testutil_write(dir, "roster.csv", "name,grade\nAna,03\n"), 0);
	assert_null(policy_load(dir, &d));
	assert_true(diag_count(&d) == 1);
	assert_non_null(strstr(d.msgs[0], "/roster.csv:1: not a hallpass roster"));
	diag_free(&d);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_lines),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_norms),
		cmocka_unit_test(test_bulk_delta),
		cmocka_unit_test(test_import_errors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
