/* linkhdr: find the IP packet inside a captured frame, for the link types real captures use. */
#ifndef HALLPASS_LINKHDR_H
#define HALLPASS_LINKHDR_H

#include <stddef.h>
#include <stdint.h>

enum linkhdr_result {
	LINKHDR_IP = 0,		/* *ip points at an IPv4 or IPv6 header */
	LINKHDR_NOT_IP,		/* ARP, LLDP, other ethertypes: nothing to classify */
	LINKHDR_SHORT,		/* the frame ends inside the link header */
	LINKHDR_UNKNOWN,	/* a link type this reader does not know */
};

/*
 * dlt is libpcap's DLT_ value.  On LINKHDR_IP, *ip and *iplen give the IP
 * packet and *mac (may be NULL) the sender's MAC when the link has one.
 * Never reads past caplen.
 */
enum linkhdr_result linkhdr_ip(int dlt, const uint8_t *frame, size_t caplen,
	    const uint8_t **ip, size_t *iplen, const uint8_t **mac);
const char	*linkhdr_strerror(enum linkhdr_result);

#endif
