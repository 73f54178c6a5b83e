/* fuzz_inspect: libFuzzer on the inspect and hallpassd entry points — link header, classify, judge, the gate's verdicts and answers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "config.h"
#include "gate.h"
#include "judge.h"
#include "linkhdr.h"
#include "policy.h"

/* The first input byte picks the link type, as a capture's header would. */
static const int fuzz_dlts[] = { 1, 113, 276, 12, 0, 108, 228, 229 };

static struct classify	*fuzz_c;
static struct policy	*fuzz_p;
static struct gate	*fuzz_g;
static struct config	 fuzz_cfg;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct classify_config	 cc;
	struct diag		 d;
	const char		*top = getenv("HALLPASS_TOP");
	char			 dir[4096];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/base", top ? top : ".");
	diag_init(&d);
	fuzz_p = policy_load(dir, &d);
	diag_free(&d);
	if (fuzz_p == NULL)
		abort();
	/* Small pools, so eviction and exhaustion paths get exercised too. */
	classify_config_defaults(&cc);
	cc.flows = 64;
	cc.bufs = 8;
	cc.quic_hellos = 4;
	if ((fuzz_c = classify_new(&cc)) == NULL)
		abort();
	/* hallpassd's path too: DNS answers, the DNS map, ports, block answers built (not sent). */
	char		err[256];

	config_defaults(&fuzz_cfg);
	fuzz_cfg.flow_table_size = 64;
	fuzz_cfg.dns_map_size = 64;
	fuzz_cfg.strip_ech = 1;
	fuzz_cfg.strict_https = 1;
	struct snapshot	*snap = snapshot_new(policy_ref(fuzz_p), &fuzz_cfg);

	if (snap == NULL || (fuzz_g = gate_new(snap, NULL, NULL, err, sizeof(err))) == NULL)
		abort();
	snapshot_unref(snap);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t		 now = 1700000000000ull;
	struct classify_result	 r;
	struct judge_in		 in;
	struct judge_out	 o;
	const uint8_t		*ip, *mac;
	size_t			 iplen;

	if (size < 1)
		return 0;
	now += 10;
	if (linkhdr_ip(fuzz_dlts[data[0] % 8], data + 1, size - 1, &ip, &iplen,
	    &mac) != LINKHDR_IP)
		return 0;
	(void)gate_packet(fuzz_g, ip, iplen, iplen, mac, now);
	classify_packet(fuzz_c, ip, iplen, now, &r);
	if (r.status == CLASSIFY_NAME || r.status == CLASSIFY_NONAME) {
		const struct policy_student *st = policy_client_lookup(fuzz_p, mac,
		    r.pkt.af, r.pkt.src);

		/* inspect's judgement: the same judge() as the gate, without a DNS map. */
		judge_in_from(&in, &r);
		in.policy = fuzz_p;
		in.student = st;
		in.cfg = &fuzz_cfg;
		in.now = (time_t)(now / 1000);
		(void)judge(&in, &o);
		classify_done(fuzz_c, &r);
	}
	return 0;
}
