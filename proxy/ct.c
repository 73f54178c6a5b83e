/* ct: conntrack DESTROY events (libnetfilter_conntrack): the bytes and life of each finished connection. */
#include "ct.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnfnetlink/libnfnetlink.h>

struct ct {
	struct nfct_handle	*h;
	void			(*cb)(const struct ct_end *, void *);
	void			*arg;
	int			 n;
};

static int
ct_event(enum nf_conntrack_msg_type type, struct nf_conntrack *c, void *data)
{
	struct ct	*ct = data;
	struct ct_end	 e;
	uint8_t		 l3, l4;

	(void)type;
	memset(&e, 0, sizeof(e));
	l3 = nfct_get_attr_u8(c, ATTR_ORIG_L3PROTO);
	l4 = nfct_get_attr_u8(c, ATTR_ORIG_L4PROTO);
	if ((l4 != IPPROTO_TCP && l4 != IPPROTO_UDP) || (l3 != AF_INET && l3 != AF_INET6))
		return NFCT_CB_CONTINUE;
	e.orig.af = l3;
	e.orig.proto = l4;
	e.orig.sport = ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_SRC));
	e.orig.dport = ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_DST));
	if (l3 == AF_INET) {
		uint32_t s = nfct_get_attr_u32(c, ATTR_ORIG_IPV4_SRC);
		uint32_t d = nfct_get_attr_u32(c, ATTR_ORIG_IPV4_DST);

		memcpy(e.orig.src, &s, 4);
		memcpy(e.orig.dst, &d, 4);
	} else {
		const void *s6 = nfct_get_attr(c, ATTR_ORIG_IPV6_SRC);
		const void *d6 = nfct_get_attr(c, ATTR_ORIG_IPV6_DST);

		/* An event without its addresses names no flow of ours. */
		if (s6 == NULL || d6 == NULL)
			return NFCT_CB_CONTINUE;
		memcpy(e.orig.src, s6, 16);
		memcpy(e.orig.dst, d6, 16);
	}
	if (nfct_attr_is_set(c, ATTR_ORIG_COUNTER_BYTES) > 0)
		e.bytes += nfct_get_attr_u64(c, ATTR_ORIG_COUNTER_BYTES);
	if (nfct_attr_is_set(c, ATTR_REPL_COUNTER_BYTES) > 0)
		e.bytes += nfct_get_attr_u64(c, ATTR_REPL_COUNTER_BYTES);
	if (nfct_attr_is_set(c, ATTR_TIMESTAMP_START) > 0)
		e.start_ms = nfct_get_attr_u64(c, ATTR_TIMESTAMP_START) / 1000000;
	if (nfct_attr_is_set(c, ATTR_TIMESTAMP_STOP) > 0)
		e.stop_ms = nfct_get_attr_u64(c, ATTR_TIMESTAMP_STOP) / 1000000;
	ct->n++;
	ct->cb(&e, ct->arg);
	return NFCT_CB_CONTINUE;
}

struct ct *
ct_open(char *err, size_t errlen)
{
	struct ct	*ct;
	int		 fd, fl;

	if ((ct = calloc(1, sizeof(*ct))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ct->h = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_DESTROY)) == NULL) {
		snprintf(err, errlen, "conntrack events: %s", strerror(errno));
		free(ct);
		return NULL;
	}
	/* A burst of closing flows must not overrun the socket: give it room. */
	(void)nfnl_rcvbufsiz(nfct_nfnlh(ct->h), 4u << 20);
	fd = nfct_fd(ct->h);
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "conntrack socket: %s", strerror(errno));
		ct_close(ct);
		return NULL;
	}
	if (nfct_callback_register(ct->h, NFCT_T_DESTROY, ct_event, ct) < 0) {
		snprintf(err, errlen, "conntrack callback: %s", strerror(errno));
		ct_close(ct);
		return NULL;
	}
	return ct;
}

void
ct_close(struct ct *ct)
{
	if (ct == NULL)
		return;
	nfct_close(ct->h);
	free(ct);
}

int
ct_fd(const struct ct *ct)
{
	return nfct_fd(ct->h);
}

int
ct_dispatch(struct ct *ct, void (*cb)(const struct ct_end *, void *), void *arg,
    uint64_t *lost)
{
	ct->cb = cb;
	ct->arg = arg;
	ct->n = 0;
	/* With a non-blocking socket nfct_catch returns once the queue is empty (EAGAIN). */
	if (nfct_catch(ct->h) < 0 && errno == ENOBUFS) {
		(*lost)++;
		return -1;
	}
	return ct->n;
}
