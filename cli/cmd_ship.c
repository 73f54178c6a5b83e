/* cmd_ship: "hallpass ship" runs ship_pass on hallpass.yaml's database and ship_to, once or every ship_interval seconds. */
#include "cmd_ship.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_usage.h"
#include "config.h"
#include "hp_str.h"
#include "log.h"
#include "ship.h"
#include "store.h"

/* While the district stays unreachable, the warning repeats this often (ms). */
#define SHIP_WARN_EVERY_MS	(10LL * 60 * 1000)

static volatile sig_atomic_t ship_stop, ship_now;

static void
ship_signal(int sig)
{
	if (sig == SIGHUP)
		ship_now = 1;
	else
		ship_stop = 1;
}

static void
ship_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] ship [--once] [--batch N]\n"
	    "  sends this gateway's block events, rollups and health to ship_to (hallpass.yaml);\n"
	    "  without --once it keeps running, every ship_interval seconds (SIGHUP: now)\n", f);
}

static int64_t
ship_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's messages span lines; a log line must not. */
static void
ship_flatten(char *s)
{
	char *r, *w = s;

	for (r = s; *r != '\0'; r++) {
		char c = (unsigned char)*r < ' ' ? ' ' : *r;

		if (c == ' ' && w > s && w[-1] == ' ')
			continue;
		*w++ = c;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* Sleeps up to secs, waking early for a signal. */
static void
ship_sleep(unsigned secs)
{
	for (unsigned i = 0; i < secs * 10 && !ship_stop && !ship_now; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

int
cmd_ship(const char *dir, int argc, char **argv)
{
	struct config		 c;
	struct diag		 dg;
	struct ship_config	 sc;
	struct ship_stats	 st;
	struct ship		*s;
	struct sigaction	 sa;
	char			 err[512], host[64];
	int			 ch, once = 0, rc = 0, down = 0;
	long			 batch = 0;
	int64_t			 down_since = 0, warned = 0;
	char			*end;

	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ob:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			once = 1;
			break;
		case 'b':
			errno = 0;
			batch = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || batch < 1 || batch > 100000)
				return cli_usage_error("ship", "--batch must be 1-100000, "
				    "not \"%s\"", optarg);
			break;
		case 'h':
			ship_usage(stdout);
			return 0;
		default:
			return cli_bad_option("ship", ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("ship", "unexpected argument \"%s\"", argv[optind]);
	if (cli_need_dir(dir) != 0)
		return 1;
	log_set_name("hallpass ship");
	diag_init(&dg);
	if (config_load(&c, dir, &dg) != 0) {
		diag_print(&dg, stderr);
		diag_free(&dg);
		return 1;
	}
	diag_free(&dg);
	if (c.ship_to[0] == '\0') {
		fprintf(stderr, "hallpass ship: %s/hallpass.yaml sets no ship_to: this gateway "
		    "does not ship (set ship_to: postgresql://...)\n", dir);
		return 1;
	}
	if (c.gateway_id[0] == '\0') {
		if (gethostname(host, sizeof(host) - 1) != 0)
			hp_strlcpy(host, "gateway", sizeof(host));
		host[sizeof(host) - 1] = '\0';
	} else {
		hp_strlcpy(host, c.gateway_id, sizeof(host));
	}
	memset(&sc, 0, sizeof(sc));
	sc.local = c.database;
	sc.district = c.ship_to;
	sc.gateway = host;
	sc.batch = (size_t)batch;
	if ((s = ship_new(&sc, err, sizeof(err))) == NULL) {
		log_msg(LOG_L_ERROR, "%s", err);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ship_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (!ship_stop) {
		int64_t now = ship_now_ms();

		ship_now = 0;
		if (ship_pass(s, now, 0, &st, err, sizeof(err)) == 0) {
			if (down)
				log_info("district reachable again after %" PRId64 " s",
				    (now - down_since) / 1000);
			down = 0;
			log_msg(st.sent > 0 || once ? LOG_L_INFO : LOG_L_DEBUG, "gateway %s: shipped %"
			    PRId64 " block events, %" PRId64 " daily and %" PRId64 " hourly "
			    "rollups (%" PRId64 " rows sent in %d batches); %" PRId64
			    " rows wait; %" PRId64 " guardian controls copied", host,
			    st.events, st.daily, st.hourly, st.sent, st.batches, st.backlog,
			    st.home);
		} else {
			/* Keep filtering, keep the backlog: the local database holds it until the district is back. */
			ship_flatten(err);
			if (!down || now - warned >= SHIP_WARN_EVERY_MS) {
				log_warnx("gateway %s: cannot ship: %s; %" PRId64 " rows wait in "
				    "%s%s", host, err, st.backlog, c.database, down ?
				    " (still)" : "");
				warned = now;
			}
			if (!down)
				down_since = now;
			down = 1;
			rc = 1;
		}
		if (st.backlog > (int64_t)c.ship_backlog_warn)
			log_warnx("gateway %s: %" PRId64 " rows wait to ship (over "
			    "ship_backlog_warn %u): the oldest go when retention_days "
			    "passes", host, st.backlog, c.ship_backlog_warn);
		if (once)
			break;
		rc = 0;
		ship_sleep(c.ship_interval);
	}
	ship_free(s);
	return rc;
}

static void
gw_time(char *buf, size_t len, int64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		hp_strlcpy(buf, "-", len);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Gateway ids and versions are checked where they are set; printed as they are, never raw controls. */
static void
gw_str(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0') {
		fputc('-', f);
		return;
	}
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < ' ' || *s == '"' || *s == '\\' ? '?' : *s, f);
}

static int
gw_print(const struct store_gateway_health *h, void *arg)
{
	const int	*json = arg;
	char		 last[32], upd[32];

	gw_time(last, sizeof(last), h->last_packet_ms);
	gw_time(upd, sizeof(upd), h->updated_ms);
	if (*json) {
		fputs("{\"gateway\":\"", stdout);
		gw_str(stdout, h->gateway);
		fputs("\",\"rules_version\":", stdout);
		if (h->rules_version != NULL) {
			fputc('"', stdout);
			gw_str(stdout, h->rules_version);
			fputc('"', stdout);
		} else {
			fputs("null", stdout);
		}
		printf(",\"last_packet\":\"%s\",\"queue_drops\":%" PRId64 ",\"fail_open_events\":%"
		    PRId64 ",\"backlog\":%" PRId64 ",\"reported\":\"%s\"}\n", last,
		    h->queue_drops, h->fail_open_events, h->backlog, upd);
	} else {
		gw_str(stdout, h->gateway);
		fputs("\trules ", stdout);
		gw_str(stdout, h->rules_version);
		printf("\tlast packet %s\tqueue drops %" PRId64 "\tfail-open %" PRId64
		    "\tbacklog %" PRId64 "\treported %s\n", last, h->queue_drops,
		    h->fail_open_events, h->backlog, upd);
	}
	return 0;
}

int
cmd_gateways(const char *dir, int argc, char **argv)
{
	struct config	 c;
	struct diag	 dg;
	struct store	*st;
	char		 err[512];
	int		 ch, json = 0, rc = 0;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs("usage: hallpass [-c DIR] gateways [--json]\n"
			    "  every gateway that ships to this district database, with its rules\n"
			    "  version, last packet, queue drops, fail-open events and backlog\n", stdout);
			return 0;
		default:
			return cli_bad_option("gateways", ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("gateways", "unexpected argument \"%s\"", argv[optind]);
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&dg);
	if (config_load(&c, dir, &dg) != 0) {
		diag_print(&dg, stderr);
		diag_free(&dg);
		return 1;
	}
	diag_free(&dg);
	if ((st = store_open(c.database, STORE_RDONLY, err, sizeof(err))) == NULL) {
		cli_database_error("gateways", dir, err);
		return 1;
	}
	if (store_gateway_health_list(st, gw_print, &json, err, sizeof(err)) == -1) {
		fprintf(stderr, "hallpass gateways: %s\n", err);
		rc = 1;
	}
	store_close(st);
	return rc;
}
