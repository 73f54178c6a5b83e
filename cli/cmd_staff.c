/* cmd_staff: staff accounts for the console (argon2id passwords or one-time setup codes) and the engagement report on the command line. */
#include "cmd_staff.h"

#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aup.h"
#include "auth.h"
#include "auth_staff.h"
#include "cli_usage.h"
#include "config.h"
#include "engage.h"
#include "hp_str.h"
#include "policy.h"
#include "store.h"
#include "store_staff.h"

static void
staff_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] staff add ID --role district_admin|school_staff\n"
	    "           [--school S]... [--setup-code]\n"
	    "       hallpass [-c DIR] staff list [--json]\n"
	    "       hallpass [-c DIR] staff remove ID\n"
	    "       hallpass [-c DIR] staff passwd ID [--setup-code]\n"
	    "\n"
	    "Accounts of the staff console (hallpass.cgi/staff).  A district_admin sees\n"
	    "every school and the audit; school_staff only the students of their schools\n"
	    "(--school, once per school, the roster's org ids).  The password (10-256\n"
	    "characters) is read from standard input, one line; with --setup-code a\n"
	    "one-time code valid 7 days is printed instead, for the person to choose their\n"
	    "password at hallpass.cgi/staff/setup.  A new password ends every session.\n"
	    "Exit status: 0 done, 1 failure (unknown or taken ID), 2 usage error.\n", f);
}

static void
engagement_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] engagement [--school S] [--json|--csv]\n"
	    "       hallpass [-c DIR] engagement --families [--school S] [--group G] [--csv]\n"
	    "\n"
	    "Per school and group of the roster in force: students, families (guardians),\n"
	    "with a current invite, enrolled, who acknowledged the current terms, active\n"
	    "in the last 30 days, never reached (not enrolled).  --families lists the\n"
	    "families never reached with their language and phone, to reach by phone or\n"
	    "on paper.\n"
	    "Exit status: 0 printed, 1 failure, 2 usage error.\n", f);
}

/* The clock; tests pin it with HALLPASS_TEST_NOW_MS (never set in production). */
static int64_t
staff_now_ms(void)
{
	const char	*t = getenv("HALLPASS_TEST_NOW_MS");
	struct timespec	 ts;
	char		*end;
	long long	 v;

	if (t != NULL && *t != '\0') {
		v = strtoll(t, &end, 10);
		if (*end == '\0' && v > 0)
			return (int64_t)v;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct store *
staff_open(const char *dir, const char *sub, struct config *c)
{
	struct diag	 d;
	struct store	*s;
	char		 err[512];
	mode_t		 um;

	diag_init(&d);
	if (config_load(c, dir, &d) != 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return NULL;
	}
	diag_free(&d);
	um = umask(027);
	s = store_open(c->database, STORE_CREATE, err, sizeof(err));
	umask(um);
	if (s == NULL)
		cli_database_error(sub, dir, err);
	return s;
}

/* One line from standard input, without its line end; -1 when there is none. */
static int
staff_read_password(char *buf, size_t len)
{
	size_t	 n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -1;	/* longer than AUTH_PW_MAX */
	buf[n] = '\0';
	return 0;
}

/* Sets the password from standard input, or makes and prints a setup code. */
static int
staff_secret(struct store *s, const char *id, int setup)
{
	char		 pw[AUTH_PW_MAX + 2], hash[STORE_PWHASH_MAX], code[AUTH_INVITE_BUF];
	char		 err[512], when[64];
	uint8_t		 ch[STORE_HASH_LEN];
	int64_t		 now = staff_now_ms(), exp;
	time_t		 et;
	struct tm	 tm;
	int		 rc = 1;

	if (setup) {
		exp = now + (int64_t)AUTH_STAFF_SETUP_DAYS * 86400 * 1000;
		auth_invite_new(code, ch);
		if (store_staff_set_setup(s, id, ch, exp, err, sizeof(err)) != 0) {
			fprintf(stderr, "hallpass: staff: %s\n", err);
			goto out;
		}
		et = (time_t)(exp / 1000);
		gmtime_r(&et, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("setup-code %s\nstaff %s\nexpires %s\n", code, id, when);
		rc = 0;
		goto out;
	}
	if (staff_read_password(pw, sizeof(pw)) == -1 || auth_pw_acceptable(pw) == -1) {
		fprintf(stderr, "hallpass: staff: the password on standard input must be "
		    "one line of %d-%d characters\n", AUTH_PW_MIN, AUTH_PW_MAX);
		goto out;
	}
	if (auth_pw_hash(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "hallpass: staff: crypto_pwhash_str failed (memory?)\n");
		goto out;
	}
	if (store_staff_set_password(s, id, hash, now, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: staff: %s\n", err);
		goto out;
	}
	printf("password set for %s\n", id);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(code, sizeof(code));
	return rc;
}

struct staff_list_arg {
	int	 json, n;
};

static int
staff_list_row(const struct store_staff *a, void *arg)
{
	struct staff_list_arg	*l = arg;
	const char		*state = a->has_password ? "password" :
	    a->has_setup ? "setup-code" : "none";

	if (l->json) {
		fputs(l->n ? ",{\"id\":" : "{\"id\":", stdout);
		hp_json_str(stdout, a->id);
		fputs(",\"role\":", stdout);
		hp_json_str(stdout, a->role);
		fputs(",\"schools\":[", stdout);
		for (const char *p = a->schools; *p != '\0';) {
			size_t	 n = strcspn(p, ",");
			char	 one[80];

			snprintf(one, sizeof(one), "%.*s", (int)(n < 79 ? n : 79), p);
			if (p != a->schools)
				fputc(',', stdout);
			hp_json_str(stdout, one);
			p += n + (p[n] == ',');
		}
		printf("],\"login\":\"%s\"}", state);
	} else
		printf("%-24s %-15s %-10s %s\n", a->id, a->role, state,
		    *a->schools ? a->schools : "*");
	l->n++;
	return 0;
}

/* Warns (only) about a school no student of the roster in force has: a typo, or a roster still to come. */
static void
staff_check_schools(const char *dir, const char *schools)
{
	struct diag	 d;
	struct policy	*p;
	const char	*q;
	size_t		 n;

	diag_init(&d);
	if ((p = policy_load_roster(dir, &d)) == NULL) {
		diag_free(&d);
		return;
	}
	for (q = schools; *q != '\0'; q += n + (q[n] == ',')) {
		size_t	 i, ns = policy_student_count(p);

		n = strcspn(q, ",");
		for (i = 0; i < ns; i++) {
			const char *sch = policy_student_school(policy_student_at(p, i));

			if (sch != NULL && strlen(sch) == n && strncmp(sch, q, n) == 0)
				break;
		}
		if (i == ns)
			fprintf(stderr, "hallpass: staff: warning: no student of the roster "
			    "in force is at school \"%.*s\"\n", (int)n, q);
	}
	policy_unref(p);
	diag_free(&d);
}

int
cmd_staff(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "school", required_argument, NULL, 's' },
		{ "setup-code", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 c;
	struct store	*s = NULL;
	struct staff_list_arg la = { 0, 0 };
	const char	*role = NULL, *act;
	char		 schools[STORE_STAFF_SCHOOLS_MAX] = "", err[512];
	int		 ch, setup = 0, json = 0, rc = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:s:Sjh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		case 's':
			if (strlen(schools) + strlen(optarg) + 2 > sizeof(schools))
				return cli_usage_error("staff", "too many schools");
			{
				size_t	 n = strlen(schools);

				snprintf(schools + n, sizeof(schools) - n, "%s%s",
				    n ? "," : "", optarg);
			}
			break;
		case 'S':
			setup = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			staff_usage(stdout);
			return 0;
		default:
			return cli_bad_option("staff", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage_error("staff", "needs an action (add, list, remove, passwd)");
	act = argv[0];
	if (strcmp(act, "list") == 0) {
		if (argc != 1)
			return cli_usage_error("staff", "list takes no arguments");
		if (role || *schools || setup)
			return cli_usage_error("staff", "list takes only --json");
	} else if (strcmp(act, "add") == 0 || strcmp(act, "remove") == 0 ||
	    strcmp(act, "passwd") == 0) {
		if (argc != 2)
			return cli_usage_error("staff", argc < 2 ? "%s needs an ID" :
			    "too many arguments", act);
		if (!auth_staff_id_ok(argv[1]))
			return cli_usage_error("staff", "ID \"%s\" must be 1-64 letters, "
			    "digits, '.', '_', '@' or '-'", argv[1]);
		if (json)
			return cli_usage_error("staff", "--json is for list");
		if (strcmp(act, "add") != 0 && (role || *schools))
			return cli_usage_error("staff", "--role and --school are for add");
		if (strcmp(act, "remove") == 0 && setup)
			return cli_usage_error("staff", "--setup-code is for add and passwd");
		if (strcmp(act, "add") == 0) {
			if (role == NULL)
				return cli_usage_error("staff", "add needs --role "
				    "district_admin or school_staff");
			if (auth_staff_schools_ok(role, schools, err, sizeof(err)) == -1)
				return cli_usage_error("staff", "%s", err);
		}
	} else
		return cli_usage_error("staff", "unknown action \"%s\" (add, list, "
		    "remove, passwd)", act);
	if (cli_need_dir(dir) != 0)
		return 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "hallpass: libsodium failed to initialise\n");
		return 1;
	}
	if ((s = staff_open(dir, "staff", &c)) == NULL)
		return 1;
	if (strcmp(act, "list") == 0) {
		la.json = json;
		if (json)
			fputs("[", stdout);
		if (store_staff_list(s, staff_list_row, &la, err, sizeof(err)) == -1) {
			fprintf(stderr, "hallpass: staff: %s\n", err);
			goto out;
		}
		if (json)
			fputs("]\n", stdout);
		rc = 0;
	} else if (strcmp(act, "add") == 0) {
		switch (store_staff_add(s, argv[1], role, schools, staff_now_ms(), err,
		    sizeof(err))) {
		case -1:
			fprintf(stderr, "hallpass: staff: %s\n", err);
			goto out;
		case 1:
			fprintf(stderr, "hallpass: staff: \"%s\" already exists (staff "
			    "passwd to change the password, remove then add to change "
			    "the role)\n", argv[1]);
			goto out;
		}
		if (*schools)
			staff_check_schools(dir, schools);
		/* No password yet means no login: the account is useless until one is set. */
		if ((rc = staff_secret(s, argv[1], setup)) != 0) {
			(void)store_staff_remove(s, argv[1], NULL, 0);
			goto out;
		}
		printf("added %s (%s%s%s)\n", argv[1], role, *schools ? ": " : "", schools);
	} else {
		struct store_staff	 a;
		int			 g;

		if ((g = store_staff_get(s, argv[1], &a, NULL, 0, err, sizeof(err))) != 0) {
			if (g == -1)
				fprintf(stderr, "hallpass: staff: %s\n", err);
			else
				fprintf(stderr, "hallpass: staff: no staff account \"%s\"\n",
				    argv[1]);
			goto out;
		}
		if (strcmp(act, "remove") == 0) {
			if (store_staff_remove(s, argv[1], err, sizeof(err)) != 0) {
				fprintf(stderr, "hallpass: staff: %s\n", err);
				goto out;
			}
			printf("removed %s\n", argv[1]);
			rc = 0;
		} else
			rc = staff_secret(s, argv[1], setup);
	}
out:
	store_close(s);
	return rc;
}

/* ---- engagement ---- */

struct engage_text {
	int	 n;
};

static int
engage_family_text(const struct engage_family *f, void *arg)
{
	struct engage_text	*t = arg;

	printf("%-12s %-12s %-16s %-24s %-6s %-18s %-3s %s\n", f->school[0] ? f->school :
	    "-", f->group, f->id, f->name, f->language ? f->language : "-",
	    f->phone ? f->phone : "-", f->invited ? "yes" : "no", f->students);
	t->n++;
	return 0;
}

static void
engage_count_text(const char *school, const char *group, const struct engage_count *c)
{
	printf("%-24s %-14s %8ld %8ld %7ld %8ld %6ld %6ld %13ld\n", school, group,
	    c->students, c->families, c->invited, c->enrolled, c->acked, c->active,
	    c->unreached);
}

int
cmd_engagement(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "families", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 c;
	struct diag	 d;
	struct policy	*p = NULL;
	struct aup	*a = NULL;
	struct store	*s = NULL;
	struct engage	*e = NULL;
	const char	*school = NULL, *group = NULL;
	char		 err[512];
	int		 ch, families = 0, json = 0, csv = 0, rc = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:g:fjch", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			school = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'f':
			families = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
			break;
		case 'h':
			engagement_usage(stdout);
			return 0;
		default:
			return cli_bad_option("engagement", ch, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("engagement", "unexpected argument \"%s\"",
		    argv[optind]);
	if (json && csv)
		return cli_usage_error("engagement", "--json and --csv are exclusive");
	if (families && json)
		return cli_usage_error("engagement", "--families prints text or --csv");
	if (group != NULL && !families)
		return cli_usage_error("engagement", "--group is for --families");
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	if ((p = policy_load_roster(dir, &d)) == NULL || (a = aup_load(dir, &d)) == NULL) {
		diag_print(&d, stderr);
		goto out;
	}
	if ((s = staff_open(dir, "engagement", &c)) == NULL)
		goto out;
	if ((e = engage_build(p, s, a->version, staff_now_ms(), NULL, NULL, school, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "hallpass: engagement: %s\n", err);
		goto out;
	}
	if (families && csv)
		rc = engage_families_csv(e, school, group, engage_put_file, stdout) != 0;
	else if (families) {
		struct engage_text	 t = { 0 };

		printf("%-12s %-12s %-16s %-24s %-6s %-18s %-3s %s\n", "SCHOOL", "GROUP",
		    "GUARDIAN", "NAME", "LANG", "PHONE", "INV", "STUDENTS");
		engage_families(e, school, group, engage_family_text, &t);
		printf("%d famil%s to reach\n", t.n, t.n == 1 ? "y" : "ies");
		rc = 0;
	} else if (csv)
		rc = engage_csv(e, engage_put_file, stdout) != 0;
	else if (json)
		rc = engage_json(e, stdout) != 0;
	else {
		printf("%-24s %-14s %8s %8s %7s %8s %6s %6s %13s\n", "SCHOOL", "GROUP",
		    "STUDENTS", "FAMILIES", "INVITED", "ENROLLED", "ACKED", "ACTIVE",
		    "NEVER_REACHED");
		for (size_t i = 0; i < engage_nrows(e); i++) {
			const struct engage_row *r = engage_row_at(e, i);

			engage_count_text(*r->school ? r->school : "-", r->group, &r->n);
		}
		engage_count_text("TOTAL", "", engage_total(e));
		rc = 0;
	}
	if (fflush(stdout) != 0)
		rc = 1;
out:
	engage_free(e);
	store_close(s);
	aup_free(a);
	policy_unref(p);
	diag_free(&d);
	return rc;
}
