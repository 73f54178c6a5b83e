/* fwmark: the packet/connection mark bits and chain names shared by hallpassd and "hallpass firewall". */
#ifndef HALLPASS_FWMARK_H
#define HALLPASS_FWMARK_H

/*
 * hallpassd re-injects a decided packet with NF_REPEAT and one of these marks
 * in the packet mark; the HALLPASS chain copies the mark to the connection
 * (CONNMARK --save-mark) so the kernel accepts or drops the rest of the flow
 * without queueing it.  Only the bits in the mask are ours: other software
 * may use the rest of the 32-bit mark.
 */
#define HALLPASS_MARK_MASK	0x30000
#define HALLPASS_MARK_ALLOW	0x10000
#define HALLPASS_MARK_BLOCK	0x20000

/* Table filter: FORWARD rule 1 jumps to HALLPASS; in hotspot mode INPUT rule 1 to HALLPASS_IN (DNS to the gateway itself). */
#define HALLPASS_CHAIN		"HALLPASS"
#define HALLPASS_CHAIN_IN	"HALLPASS_IN"

#endif
