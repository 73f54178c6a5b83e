/* test_home: guardians' controls at home — the decision (pause, bedtime, categories) at pinned times, the refusals to loosen, judge's reason, and the store's table on SQLite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "config.h"
#include "home.h"
#include "judge.h"
#include "policy.h"
#include "snapshot.h"
#include "store_home.h"

#define CONF	"../rules"	/* America/Chicago; elementary's bedtime 21:30-06:30 block all, secondary's 23:00-06:00 */

static struct policy	*pol, *roster;
static char		 err[512];

static int
setup(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	pol = policy_load(CONF, &d);
	roster = policy_load_roster(CONF, &d);
	diag_free(&d);
	return pol != NULL && roster != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	policy_unref(pol);
	policy_unref(roster);
	return 0;
}

static time_t
at(const char *local)
{
	time_t t;

	assert_int_equal(policy_parse_local(pol, local, &t), 0);
	return t;
}

static void
control(struct home_control *c, const char *student)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->student, sizeof(c->student), "%s", student);
	snprintf(c->guardian, sizeof(c->guardian), "g1");
	c->bed_from = c->bed_to = -1;
}

static void
test_pause(void **state)
{
	struct home_control	 c;
	time_t			 t = at("2026-11-23 20:00");
	char			 why[128];

	(void)state;
	control(&c, "s1002");
	assert_int_equal(home_decide(&c, pol, NULL, t), HOME_R_NONE);
	c.pause_until_ms = ((int64_t)t + 30 * 60) * 1000;
	assert_int_equal(home_decide(&c, pol, NULL, t), HOME_R_PAUSE);
	assert_int_equal(home_decide(&c, pol, "games", t + 29 * 60 + 59), HOME_R_PAUSE);
	/* It lifts on the minute it was set to, not a second later. */
	assert_int_equal(home_decide(&c, pol, NULL, t + 30 * 60), HOME_R_NONE);
	home_why(&c, pol, HOME_R_PAUSE, NULL, why, sizeof(why));
	assert_string_equal(why, "paused by guardian until 20:30");
	assert_string_equal(home_reason_name(HOME_R_PAUSE), "guardian-pause");
	assert_null(home_reason_name(HOME_R_NONE));
}

static void
test_bedtime_and_categories(void **state)
{
	struct home_control	 c;
	char			 why[128];

	(void)state;
	control(&c, "s1002");
	c.bed_from = 20 * 60;
	c.bed_to = 6 * 60 + 30;
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-23 19:59")), HOME_R_NONE);
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-23 20:00")), HOME_R_BEDTIME);
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-24 02:00")), HOME_R_BEDTIME);
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-24 06:29")), HOME_R_BEDTIME);
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-24 06:30")), HOME_R_NONE);
	home_why(&c, pol, HOME_R_BEDTIME, NULL, why, sizeof(why));
	assert_string_equal(why, "guardian's bedtime 20:00-06:30");

	assert_int_equal(home_set_category(&c, "games", 1), 0);
	assert_int_equal(home_set_category(&c, "streaming", 1), 0);
	assert_int_equal(home_set_category(&c, "games", 1), 0);
	assert_string_equal(c.categories, "games,streaming");
	assert_int_equal(home_decide(&c, pol, "games", at("2026-11-23 12:00")), HOME_R_CATEGORY);
	assert_int_equal(home_decide(&c, pol, "gam", at("2026-11-23 12:00")), HOME_R_NONE);
	assert_int_equal(home_decide(&c, pol, "social", at("2026-11-23 12:00")), HOME_R_NONE);
	assert_int_equal(home_decide(&c, pol, NULL, at("2026-11-23 12:00")), HOME_R_NONE);
	home_why(&c, pol, HOME_R_CATEGORY, "games", why, sizeof(why));
	assert_string_equal(why, "blocked at home by guardian: games");
	assert_int_equal(home_set_category(&c, "games", 0), 0);
	assert_string_equal(c.categories, "streaming");
	assert_int_equal(home_set_category(&c, "streaming", 0), 0);
	assert_string_equal(c.categories, "");
}

/* What would loosen the district's policy is refused, with a code the dashboard and the audit use. */
static void
test_refusals(void **state)
{
	const struct policy_student	*ana, *mateo;
	struct home_control		 c;
	const char			*code = NULL;
	int				 to, from, dto;

	(void)state;
	/* Roster-only, like the dashboard: categories come from rules.d's file names. */
	assert_non_null(ana = policy_student_find(roster, "s1001"));
	assert_non_null(mateo = policy_student_find(roster, "s1002"));
	assert_true(home_category_count(roster) >= 10);
	control(&c, "s1001");

	assert_int_equal(home_check_pause(14, &code, err, sizeof(err)), -1);
	assert_string_equal(code, "bad-minutes");
	assert_int_equal(home_check_pause(241, &code, err, sizeof(err)), -1);
	assert_int_equal(home_check_pause(15, &code, err, sizeof(err)), 0);
	assert_int_equal(home_check_pause(240, &code, err, sizeof(err)), 0);

	assert_int_equal(home_district_night(roster, ana, &from, &dto), 0);
	assert_int_equal(from, 21 * 60 + 30);
	assert_int_equal(dto, 6 * 60 + 30);
	/* Later than the district's 21:30, even past midnight: refused. */
	assert_int_equal(home_check_bedtime(roster, ana, 22 * 60, -1, &to, &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "later-bedtime");
	assert_non_null(strstr(err, "later than the district's bedtime 21:30"));
	assert_int_equal(home_check_bedtime(roster, ana, 30, -1, &to, &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "later-bedtime");
	/* Ending before the district's morning shortens the night: refused. */
	assert_int_equal(home_check_bedtime(roster, ana, 20 * 60, 6 * 60, &to, &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "later-bedtime");
	/* Earlier, to the district's morning or later: fine. */
	assert_int_equal(home_check_bedtime(roster, ana, 20 * 60, -1, &to, &code, err,
	    sizeof(err)), 0);
	assert_int_equal(to, 6 * 60 + 30);
	assert_int_equal(home_check_bedtime(roster, ana, 21 * 60 + 30, 7 * 60, &to, &code,
	    err, sizeof(err)), 0);
	assert_int_equal(to, 7 * 60);
	assert_int_equal(home_check_bedtime(roster, mateo, 22 * 60 + 30, -1, &to, &code,
	    err, sizeof(err)), 0);
	assert_int_equal(to, 6 * 60);
	assert_int_equal(home_check_bedtime(roster, ana, 20 * 60, 20 * 60, &to, &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "bad-time");
	assert_int_equal(home_parse_time("20:30"), 20 * 60 + 30);
	assert_int_equal(home_parse_time("24:00"), -1);
	assert_int_equal(home_parse_time("7:30"), -1);
	assert_int_equal(home_parse_time("07:60"), -1);

	/* Gambling is the district's: a guardian can never unblock it. */
	assert_true(home_district_blocks(roster, ana, "gambling"));
	assert_false(home_district_blocks(roster, ana, "games"));
	assert_int_equal(home_check_unblock(roster, ana, &c, "gambling", &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "district-blocks");
	assert_int_equal(home_check_unblock(roster, ana, &c, "games", &code, err,
	    sizeof(err)), -1);
	assert_string_equal(code, "not-blocked");
	assert_int_equal(home_check_block(roster, &c, "gamez", &code, err, sizeof(err)), -1);
	assert_string_equal(code, "unknown-category");
	assert_int_equal(home_check_block(roster, &c, "games", &code, err, sizeof(err)), 0);
	assert_int_equal(home_set_category(&c, "games", 1), 0);
	assert_int_equal(home_check_unblock(roster, ana, &c, "games", &code, err,
	    sizeof(err)), 0);
}

/* judge: a guardian's control is a block with its own reason; the district's own block keeps its reason. */
static void
test_judge(void **state)
{
	struct home_control	 c;
	struct home		*h;
	struct judge_in		 in;
	struct judge_out	 o;
	struct config		 cfg;
	const uint8_t		 dst[4] = { 192, 0, 2, 80 };

	(void)state;
	config_defaults(&cfg);
	control(&c, "s1002");
	assert_int_equal(home_set_category(&c, "games", 1), 0);
	assert_non_null(h = home_new(&c, 1));
	assert_int_equal(home_count(h), 1);
	assert_null(home_find(h, "s1001"));
	memset(&in, 0, sizeof(in));
	in.proto = CLASSIFY_P_TLS;
	in.l4 = PKT_PROTO_TCP;
	in.dport = 443;
	in.af = AF_INET;
	in.dst = dst;
	in.policy = pol;
	in.cfg = &cfg;
	in.student = policy_student_find(pol, "s1002");
	/* A Sunday noon: no school hours, no bedtime, games allowed by the district. */
	in.now = at("2026-11-22 12:00");
	in.name = "www.minecraft.net";
	assert_int_equal(judge(&in, &o), 0);
	assert_int_equal(o.action, POLICY_ALLOW);
	in.home = home_find(h, "s1002");
	assert_non_null(in.home);
	assert_int_equal(judge(&in, &o), 0);
	assert_int_equal(o.action, POLICY_BLOCK);
	assert_int_equal(o.home, HOME_R_CATEGORY);
	assert_string_equal(o.note, "guardian-category");
	assert_int_equal(o.answer, JUDGE_A_RST);
	/* The district blocks gambling itself: its reason, not the guardian's. */
	in.name = "www.bet365.com";
	assert_int_equal(judge(&in, &o), 0);
	assert_int_equal(o.action, POLICY_BLOCK);
	assert_int_equal(o.home, HOME_R_NONE);
	assert_null(o.note);
	assert_int_equal(o.d.reason, POLICY_R_CATEGORY_BLOCKED);
	/* A pause blocks every name, the school's too. */
	c.pause_until_ms = ((int64_t)in.now + 900) * 1000;
	home_unref(h);
	assert_non_null(h = home_new(&c, 1));
	in.home = home_find(h, "s1002");
	in.name = "www.khanacademy.org";
	assert_int_equal(judge(&in, &o), 0);
	assert_int_equal(o.action, POLICY_BLOCK);
	assert_string_equal(o.note, "guardian-pause");
	in.now += 900;
	assert_int_equal(judge(&in, &o), 0);
	assert_int_equal(o.action, POLICY_ALLOW);
	assert_null(o.note);
	home_unref(h);
}

static int
take(const struct store_home *r, void *arg)
{
	char *out = arg;

	snprintf(out + strlen(out), 512 - strlen(out), "%s/%s/%lld/%d/%d/%s;", r->student,
	    r->guardian, (long long)r->pause_until_ms, r->bed_from, r->bed_to,
	    r->categories);
	return 0;
}

static void
test_store(void **state)
{
	char			 dir[] = "/tmp/test_home.XXXXXX", path[128], got[512];
	struct store		*s;
	struct store_home	 a = { "s1001", "g1", 5000, -1, -1, "games", 1 };
	struct store_home	 b = { "s1002", "g1", 0, 1200, 390, "", 2 };
	struct store_home	 bad = { "s1003", "g1", 0, 1440, -1, "", 3 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.db", dir);
	assert_non_null(s = store_open(path, STORE_CREATE, err, sizeof(err)));
	assert_int_equal(store_home_set(s, &a, err, sizeof(err)), 0);
	assert_int_equal(store_home_set(s, &b, err, sizeof(err)), 0);
	assert_int_equal(store_home_set(s, &bad, err, sizeof(err)), -1);
	got[0] = '\0';
	assert_int_equal(store_home_list(s, NULL, take, got, err, sizeof(err)), 2);
	assert_string_equal(got, "s1001/g1/5000/-1/-1/games;s1002/g1/0/1200/390/;");
	/* Set again: replaced, not added. */
	a.categories = "games,social";
	assert_int_equal(store_home_set(s, &a, err, sizeof(err)), 0);
	got[0] = '\0';
	assert_int_equal(store_home_list(s, "s1001", take, got, err, sizeof(err)), 1);
	assert_string_equal(got, "s1001/g1/5000/-1/-1/games,social;");
	/* The shipper's copy replaces the whole table in one go. */
	assert_int_equal(store_home_replace(s, &b, 1, err, sizeof(err)), 0);
	got[0] = '\0';
	assert_int_equal(store_home_list(s, NULL, take, got, err, sizeof(err)), 1);
	assert_string_equal(got, "s1002/g1/0/1200/390/;");
	/* A bad row rejects the copy whole: the last good one stays. */
	assert_int_equal(store_home_replace(s, &bad, 1, err, sizeof(err)), -1);
	got[0] = '\0';
	assert_int_equal(store_home_list(s, NULL, take, got, err, sizeof(err)), 1);
	store_close(s);
	/* Read-only (hallpassd's loader) reads; it cannot write. */
	assert_non_null(s = store_open(path, STORE_RDONLY, err, sizeof(err)));
	assert_int_equal(store_home_list(s, NULL, take, got, err, sizeof(err)), 1);
	assert_int_equal(store_home_set(s, &a, err, sizeof(err)), -1);
	store_close(s);
	snprintf(got, sizeof(got), "rm -rf %s", dir);
	assert_int_equal(system(got), 0);
}


/* The loader's swap: same rules and settings, new controls; a rules reload keeps the controls in force. */
static void
test_snapshot(void **state)
{
	struct home_control	 c;
	struct snapshot		*s0, *s1, *s2;
	struct config		 cfg;
	struct home		*h;

	(void)state;
	config_defaults(&cfg);
	control(&c, "s1001");
	c.pause_until_ms = 1;
	assert_non_null(s0 = snapshot_new(policy_ref(pol), &cfg));
	assert_null(snapshot_home(s0));
	assert_non_null(h = home_new(&c, 1));
	assert_non_null(s1 = snapshot_with_home(s0, h));
	assert_ptr_equal(snapshot_policy(s1), snapshot_policy(s0));
	assert_ptr_equal(snapshot_home(s1), h);
	assert_string_equal(snapshot_changes(s1, 1), "");
	assert_non_null(s2 = snapshot_over(policy_ref(pol), &cfg, s1));
	assert_ptr_equal(snapshot_home(s2), h);
	snapshot_unref(s0);
	snapshot_unref(s1);
	assert_non_null(home_find(snapshot_home(s2), "s1001"));
	snapshot_unref(s2);
	/* Equal content, equal digest; any change, another one. */
	assert_non_null(h = home_new(&c, 1));
	{
		struct home *h2 = home_new(&c, 1);

		assert_non_null(h2);
		assert_true(home_digest(h) == home_digest(h2));
		home_unref(h2);
		c.bed_from = 1200;
		c.bed_to = 390;
		assert_non_null(h2 = home_new(&c, 1));
		assert_true(home_digest(h) != home_digest(h2));
		home_unref(h2);
	}
	home_unref(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_bedtime_and_categories),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
