/* cmd_student: everything held about one student as JSON (export), or all of it deleted (forget); both audited. */
#include "cmd_student.h"

#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_usage.h"
#include "config.h"
#include "hp_str.h"
#include "policy.h"
#include "store.h"
#include "store_dash.h"


static void
student_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] student export ID [--reason TEXT]\n"
	    "       hallpass [-c DIR] student forget ID --yes [--reason TEXT]\n"
	    "  export: everything held about the student (roster entry, guardians, events,\n"
	    "  daily and hourly rollups) as one JSON document on standard output;\n"
	    "  forget: deletes the student's events and rollups from the database.\n"
	    "  Both are written to the audit trail first.\n", f);
}

static int64_t
student_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct student_out {
	FILE	*f;
	int	 first;
};

static void
student_sep(struct student_out *o)
{
	fputs(o->first ? "\n    " : ",\n    ", o->f);
	o->first = 0;
}

static int
student_event(const struct store_event *e, void *arg)
{
	struct student_out *o = arg;

	student_sep(o);
	fprintf(o->f, "{\"ts_ms\":%" PRId64 ",\"day\":", e->ts_ms);
	hp_json_str(o->f, e->day);
	fprintf(o->f, ",\"hour\":%d,\"client\":", e->hour);
	hp_json_str(o->f, e->client);
	fputs(",\"proto\":", o->f);
	hp_json_str(o->f, e->proto);
	fputs(",\"host\":", o->f);
	hp_json_str(o->f, e->host);
	fputs(",\"category\":", o->f);
	hp_json_str(o->f, e->category);
	fputs(",\"action\":", o->f);
	hp_json_str(o->f, e->action);
	fputs(",\"rule\":", o->f);
	hp_json_str(o->f, e->rule);
	fputs(",\"reason\":", o->f);
	hp_json_str(o->f, e->reason);
	fputc('}', o->f);
	return 0;
}

static int
student_daily(const struct store_ship_daily *r, void *arg)
{
	struct student_out *o = arg;

	student_sep(o);
	fputs("{\"day\":", o->f);
	hp_json_str(o->f, r->day);
	fputs(",\"host\":", o->f);
	hp_json_str(o->f, r->host);
	fputs(",\"category\":", o->f);
	hp_json_str(o->f, r->category);
	fprintf(o->f, ",\"visits\":%" PRId64 ",\"blocked\":%" PRId64 ",\"bytes\":%" PRId64
	    ",\"seconds\":%" PRId64 "}", r->visits, r->blocked, r->bytes, r->seconds);
	return 0;
}

static int
student_hourly(const struct store_ship_hourly *r, void *arg)
{
	struct student_out *o = arg;

	student_sep(o);
	fputs("{\"day\":", o->f);
	hp_json_str(o->f, r->day);
	fprintf(o->f, ",\"hour\":%d,\"visits\":%" PRId64 ",\"blocked\":%" PRId64 ",\"bytes\":%"
	    PRId64 ",\"seconds\":%" PRId64 "}", r->hour, r->visits, r->blocked, r->bytes,
	    r->seconds);
	return 0;
}

/* The roster's side: name, group and the guardians linked to the student. */
static void
student_roster(FILE *f, const struct policy *p, const char *id)
{
	const struct policy_student	*st = policy_student_find(p, id);
	int				 first = 1;

	fputs("  \"student\": {\"id\":", f);
	hp_json_str(f, id);
	fputs(",\"in_roster\":", f);
	fputs(st != NULL ? "true" : "false", f);
	fputs(",\"name\":", f);
	hp_json_str(f, st != NULL ? policy_student_name(st) : NULL);
	fputs(",\"group\":", f);
	hp_json_str(f, st != NULL ? policy_student_group(st) : NULL);
	fputs(",\"guardians\":[", f);
	for (size_t i = 0; st != NULL && i < policy_guardian_count(p); i++) {
		const struct policy_guardian *g = policy_guardian_at(p, i);

		for (size_t j = 0; j < policy_guardian_nstudents(g); j++) {
			if (policy_guardian_student(g, j) != st)
				continue;
			fputs(first ? "{\"id\":" : ",{\"id\":", f);
			hp_json_str(f, policy_guardian_id(g));
			fputs(",\"name\":", f);
			hp_json_str(f, policy_guardian_name(g));
			fputs(",\"email\":", f);
			hp_json_str(f, policy_guardian_email(g));
			fputc('}', f);
			first = 0;
		}
	}
	fputs("]},\n", f);
}

static int
student_export(struct store *s, const struct policy *p, const char *id, char *err,
    size_t errlen)
{
	struct store_filter	f;
	struct student_out	o = { stdout, 1 };

	fputs("{\n", stdout);
	student_roster(stdout, p, id);
	fputs("  \"events\": [", stdout);
	memset(&f, 0, sizeof(f));
	f.student = id;
	if (store_events_query(s, &f, student_event, &o, err, errlen) < 0)
		return -1;
	fputs("\n  ],\n  \"usage_daily\": [", stdout);
	o.first = 1;
	if (store_student_rollups(s, id, student_daily, NULL, &o, err, errlen) < 0)
		return -1;
	fputs("\n  ],\n  \"usage_hourly\": [", stdout);
	o.first = 1;
	if (store_student_rollups(s, id, NULL, student_hourly, &o, err, errlen) < 0)
		return -1;
	fputs("\n  ]\n}\n", stdout);
	return 0;
}

int
cmd_student(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*reason = NULL, *verb, *id;
	struct config	 c;
	struct diag	 dg;
	struct policy	*p = NULL;
	struct store	*s = NULL;
	struct passwd	*pw;
	char		 err[512], actor[96], detail[512];
	int		 ch, yes = 0, rc = 1;
	int64_t		 n;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:yr:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'y': yes = 1; break;
		case 'r': reason = optarg; break;
		case 'h':
			student_usage(stdout);
			return 0;
		default:
			return cli_bad_option("student", ch, argv);
		}
	}
	/* Options may also follow the ID. */
	if (argc - optind < 2)
		return cli_usage_error("student", argc == optind ? "needs an action (export "
		    "or forget)" : "%s needs a student ID", argv[optind]);
	verb = argv[optind];
	id = argv[optind + 1];
	optind += 2;
	while ((ch = getopt_long(argc, argv, ":yr:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'y': yes = 1; break;
		case 'r': reason = optarg; break;
		case 'h':
			student_usage(stdout);
			return 0;
		default:
			return cli_bad_option("student", ch, argv);
		}
	}
	if (strcmp(verb, "export") != 0 && strcmp(verb, "forget") != 0)
		return cli_usage_error("student", "unknown action \"%s\" (export or forget)",
		    verb);
	if (optind != argc)
		return cli_usage_error("student", "unexpected argument \"%s\"", argv[optind]);
	if (strcmp(verb, "forget") == 0 && !yes)
		return cli_usage_error("student", "forget deletes every event and rollup of "
		    "%s for good: add --yes", id);
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&dg);
	if (config_load(&c, dir, &dg) != 0 || (p = policy_load_roster(dir, &dg)) == NULL) {
		diag_print(&dg, stderr);
		diag_free(&dg);
		goto out;
	}
	diag_free(&dg);
	if ((s = store_open(c.database, 0, err, sizeof(err))) == NULL)
		goto fail;
	pw = getpwuid(getuid());
	snprintf(actor, sizeof(actor), "cli:%s", pw != NULL ? pw->pw_name : "?");
	snprintf(detail, sizeof(detail), "student=%s reason=%s", id,
	    reason != NULL && *reason ? reason : "(none given)");
	if (store_audit(s, student_now_ms(), actor, strcmp(verb, "export") == 0 ?
	    "student.export" : "student.forget", detail, err, sizeof(err)) == -1)
		goto fail;
	if (strcmp(verb, "export") == 0) {
		if (student_export(s, p, id, err, sizeof(err)) == -1)
			goto fail;
	} else {
		if ((n = store_student_forget(s, id, err, sizeof(err))) < 0)
			goto fail;
		snprintf(detail, sizeof(detail), "student=%s rows=%" PRId64, id, n);
		if (store_audit(s, student_now_ms(), actor, "student.forgotten", detail, err,
		    sizeof(err)) == -1)
			goto fail;
		printf("forgot %s: %" PRId64 " events and rollup rows deleted from %s\n", id, n,
		    c.database);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "hallpass student %s: %s\n", verb, err);
out:
	store_close(s);
	policy_unref(p);
	return rc;
}
