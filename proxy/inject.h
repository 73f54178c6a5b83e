/* inject: sends the packets forge builds, through raw sockets, with the addresses already in their IP headers. */
#ifndef HALLPASS_INJECT_H
#define HALLPASS_INJECT_H

#include <stddef.h>
#include <stdint.h>

struct inject;

/* Opens the IPv4 and IPv6 raw sockets (needs CAP_NET_RAW).  NULL with err filled on failure. */
struct inject	*inject_new(char *err, size_t errlen);
void		 inject_free(struct inject *);
/* Sends one whole IP packet (v4 or v6 by its first nibble).  0, or -errno. */
int		 inject_send(struct inject *, const uint8_t *pkt, size_t len);

#endif
