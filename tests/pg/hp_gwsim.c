/* hp_gwsim: writes a gateway's activity into its SQLite file through the store API, as hallpassd's writer would — for the shipping tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/*
 * usage: hp_gwsim DB SEED BATCHES [PER_BATCH]
 * Deterministic from SEED; times are pinned (2026-11-02 + offsets), never the
 * clock.  Students s1001..s1005 appear at every gateway: they move between them.
 */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int
main(int argc, char **argv)
{
	static const char *const hosts[] = { "www.khanacademy.org", "bet365.com", "roblox.com",
	    "www.wikipedia.org", "scratch.mit.edu", "www.youtube.com", "pokerstars.com" };
	static const char *const cats[] = { NULL, "gambling", "games", NULL, NULL, "streaming",
	    "gambling" };
	struct store_event	 ev[512];
	char			 err[512], days[512][11], students[512][8];
	struct store		*s;
	uint64_t		 x;
	long			 batches, per;
	const int64_t		 base = 1793577600000LL;	/* 2026-11-02T00:00:00Z */

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: hp_gwsim DB SEED BATCHES [PER_BATCH]\n");
		return 2;
	}
	x = strtoull(argv[2], NULL, 10) * 2654435761u + 1;
	batches = strtol(argv[3], NULL, 10);
	per = argc == 5 ? strtol(argv[4], NULL, 10) : 50;
	if (per < 1 || per > 512 || batches < 0) {
		fprintf(stderr, "hp_gwsim: PER_BATCH 1..512\n");
		return 2;
	}
	if ((s = store_open(argv[1], STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hp_gwsim: %s\n", err);
		return 1;
	}
	for (long b = 0; b < batches; b++) {
		for (long i = 0; i < per; i++) {
			unsigned h = (unsigned)(rnd(&x) % 7), d = (unsigned)(rnd(&x) % 3);
			int hour = (int)(rnd(&x) % 24);

			snprintf(days[i], sizeof(days[i]), "2026-11-%02u", 2 + d);
			snprintf(students[i], sizeof(students[i]), "s100%u",
			    (unsigned)(rnd(&x) % 5) + 1);
			memset(&ev[i], 0, sizeof(ev[i]));
			ev[i].ts_ms = base + (int64_t)d * 86400000 + hour * 3600000LL +
			    (int64_t)(rnd(&x) % 3600000);
			ev[i].day = days[i];
			ev[i].hour = hour;
			ev[i].student = students[i];
			ev[i].client = "02:00:00:00:10:01";
			ev[i].proto = "dns";
			ev[i].host = hosts[h];
			ev[i].category = cats[h];
			ev[i].action = cats[h] != NULL ? "block" : "allow";
			ev[i].reason = cats[h] != NULL ? "category" : NULL;
		}
		if (store_events_insert(s, ev, (size_t)per, err, sizeof(err)) != 0) {
			fprintf(stderr, "hp_gwsim: %s\n", err);
			store_close(s);
			return 1;
		}
		/* Finished flows add bytes and time to the same rollups, as conntrack does. */
		if (store_usage_add(s, days[0], ev[0].hour, students[0], ev[0].host,
		    (int64_t)(rnd(&x) % 100000), (int64_t)(rnd(&x) % 600), err, sizeof(err)) != 0) {
			fprintf(stderr, "hp_gwsim: %s\n", err);
			store_close(s);
			return 1;
		}
	}
	store_close(s);
	return 0;
}
