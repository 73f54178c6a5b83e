/* linkhdr: Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1/v2, raw IP and BSD loopback. */
#include "linkhdr.h"

/* libpcap's DLT_ numbers, spelled here so this file needs no pcap headers (the fuzzer links it alone). */
#define LH_DLT_NULL		0
#define LH_DLT_EN10MB		1
#define LH_DLT_RAW		12
#define LH_DLT_RAW_BSD		14
#define LH_DLT_RAW_LT		101
#define LH_DLT_LOOP		108
#define LH_DLT_LINUX_SLL	113
#define LH_DLT_IPV4		228
#define LH_DLT_IPV6		229
#define LH_DLT_LINUX_SLL2	276

static uint16_t
lh_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static enum linkhdr_result
lh_ethertype(uint16_t type, const uint8_t *p, size_t len, const uint8_t **ip,
    size_t *iplen)
{
	if (type != 0x0800 && type != 0x86dd)
		return LINKHDR_NOT_IP;
	*ip = p;
	*iplen = len;
	return LINKHDR_IP;
}

enum linkhdr_result
linkhdr_ip(int dlt, const uint8_t *f, size_t len, const uint8_t **ip,
    size_t *iplen, const uint8_t **mac)
{
	size_t		off;
	uint16_t	type;
	uint32_t	fam;

	if (mac != NULL)
		*mac = NULL;
	switch (dlt) {
	case LH_DLT_EN10MB:
		if (len < 14)
			return LINKHDR_SHORT;
		if (mac != NULL)
			*mac = f + 6;
		type = lh_be16(f + 12);
		off = 14;
		/* Up to two VLAN tags (802.1ad outer, 802.1Q inner). */
		for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
			if (len < off + 4)
				return LINKHDR_SHORT;
			type = lh_be16(f + off + 2);
			off += 4;
		}
		return lh_ethertype(type, f + off, len - off, ip, iplen);
	case LH_DLT_LINUX_SLL:
		if (len < 16)
			return LINKHDR_SHORT;
		if (mac != NULL && lh_be16(f + 4) == 1 && lh_be16(f + 2) == 6)
			*mac = f + 6;
		return lh_ethertype(lh_be16(f + 14), f + 16, len - 16, ip, iplen);
	case LH_DLT_LINUX_SLL2:
		if (len < 20)
			return LINKHDR_SHORT;
		if (mac != NULL && lh_be16(f + 8) == 1 && f[11] == 6)
			*mac = f + 12;
		return lh_ethertype(lh_be16(f), f + 20, len - 20, ip, iplen);
	case LH_DLT_NULL:
	case LH_DLT_LOOP:
		if (len < 4)
			return LINKHDR_SHORT;
		/* DLT_NULL is in the capturing host's order: accept either. */
		fam = (uint32_t)f[0] | (uint32_t)f[1] << 8 | (uint32_t)f[2] << 16 |
		    (uint32_t)f[3] << 24;
		if (fam > 0xffff)
			fam = (uint32_t)f[3] | (uint32_t)f[2] << 8 | (uint32_t)f[1] << 16 |
			    (uint32_t)f[0] << 24;
		if (fam != 2 && fam != 24 && fam != 28 && fam != 30)
			return LINKHDR_NOT_IP;
		*ip = f + 4;
		*iplen = len - 4;
		return LINKHDR_IP;
	case LH_DLT_RAW:
	case LH_DLT_RAW_BSD:
	case LH_DLT_RAW_LT:
	case LH_DLT_IPV4:
	case LH_DLT_IPV6:
		if (len < 1)
			return LINKHDR_SHORT;
		if ((f[0] >> 4) != 4 && (f[0] >> 4) != 6)
			return LINKHDR_NOT_IP;
		*ip = f;
		*iplen = len;
		return LINKHDR_IP;
	default:
		return LINKHDR_UNKNOWN;
	}
}

const char *
linkhdr_strerror(enum linkhdr_result r)
{
	switch (r) {
	case LINKHDR_IP:
		return "ip";
	case LINKHDR_NOT_IP:
		return "not IP";
	case LINKHDR_SHORT:
		return "frame shorter than its link header";
	default:
		return "unknown link type";
	}
}
