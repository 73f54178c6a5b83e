/* config: one table of keys drives defaults, parsing and validation of hallpass.yaml. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ycfg.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->nqueues = 1;
	c->queues[0] = 0;
	c->fail = CONFIG_FAIL_OPEN;
	snprintf(c->database, sizeof(c->database), "/var/lib/hallpass/hallpass.db");
	c->dns_block = CONFIG_DNS_NXDOMAIN;
	inet_pton(AF_INET, "192.0.2.1", c->block_address4);
	inet_pton(AF_INET6, "2001:db8::1", c->block_address6);
	snprintf(c->block_page, sizeof(c->block_page), "http://192.0.2.1/blocked");
	c->log_level = CONFIG_LOG_INFO;
	c->retention_days = 90;
	c->flow_table_size = 65536;
	c->flow_idle_seconds = 300;
	c->block_encrypted_dns = 1;
	c->dns_map_size = 16384;
}

enum config_key {
	CK_QUEUES, CK_FAIL, CK_DATABASE, CK_DNS_BLOCK, CK_ADDR4, CK_ADDR6,
	CK_BLOCK_PAGE, CK_LOG_LEVEL, CK_RETENTION, CK_FLOWS, CK_IDLE, CK_RESOLVERS,
	CK_ENCDNS, CK_STRICT, CK_ECH, CK_DNSMAP, CK_N
};

static void
config_queues(struct config *c, struct ycfg *y, yaml_node_t *n)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "queues", &items);
	long long		 v;

	if (count < 0)
		return;
	if (count == 0 || count > CONFIG_MAX_QUEUES) {
		ycfg_err(y, n, "queues must list 1 to %d queue numbers",
		    CONFIG_MAX_QUEUES);
		return;
	}
	c->nqueues = 0;
	for (int i = 0; i < count; i++) {
		yaml_node_t *it = ycfg_node(y, items[i]);

		if (ycfg_int(y, it, 0, 65535, "a queue number", &v) != 0)
			continue;
		for (unsigned j = 0; j < c->nqueues; j++)
			if (c->queues[j] == v) {
				ycfg_err(y, it, "queue %lld listed twice", v);
				v = -1;
			}
		if (v >= 0)
			c->queues[c->nqueues++] = (uint16_t)v;
	}
}

static void
config_str(struct ycfg *y, yaml_node_t *n, char *dst, size_t dstsz,
    const char *what)
{
	const char *s = ycfg_str(y, n, what);

	if (s == NULL)
		return;
	if (strlen(s) >= dstsz) {
		ycfg_err(y, n, "%s is longer than %zu characters", what, dstsz - 1);
		return;
	}
	memcpy(dst, s, strlen(s) + 1);
}

/* A list of resolver addresses, kept as c-ares' "ADDR,ADDR" form. */
static void
config_resolvers(struct config *c, struct ycfg *y, yaml_node_t *n)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "resolvers", &items);
	uint8_t			 a[16];
	size_t			 o = 0;

	if (count < 0)
		return;
	if (count > 4) {
		ycfg_err(y, n, "resolvers lists at most 4 addresses");
		return;
	}
	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = ycfg_node(y, items[i]);
		const char	*s = ycfg_str(y, it, "a resolver address");

		if (s == NULL)
			continue;
		if (inet_pton(AF_INET, s, a) != 1 && inet_pton(AF_INET6, s, a) != 1) {
			ycfg_err(y, it, "resolver \"%.60s\" is not an IP address", s);
			continue;
		}
		/* c-ares wants IPv6 servers in brackets only with a port; plain is fine. */
		o += (size_t)snprintf(c->resolvers + o, sizeof(c->resolvers) - o, "%s%s",
		    o ? "," : "", s);
		if (o >= sizeof(c->resolvers))
			o = sizeof(c->resolvers) - 1;
	}
}

int
config_load(struct config *c, const char *dir, struct diag *d)
{
	static const char *const fails[] = { "open", "closed", NULL };
	static const char *const dnsb[] = { "nxdomain", "address", NULL };
	static const char *const levels[] = { "debug", "info", "warn", "error", NULL };
	struct ycfg_key	 k[CK_N] = {
		{ "queues", 0, NULL, NULL }, { "fail", 0, NULL, NULL },
		{ "database", 0, NULL, NULL }, { "dns_block", 0, NULL, NULL },
		{ "block_address4", 0, NULL, NULL }, { "block_address6", 0, NULL, NULL },
		{ "block_page", 0, NULL, NULL }, { "log_level", 0, NULL, NULL },
		{ "retention_days", 0, NULL, NULL }, { "flow_table_size", 0, NULL, NULL },
		{ "flow_idle_seconds", 0, NULL, NULL }, { "resolvers", 0, NULL, NULL },
		{ "block_encrypted_dns", 0, NULL, NULL }, { "strict_https", 0, NULL, NULL },
		{ "strip_ech", 0, NULL, NULL }, { "dns_map_size", 0, NULL, NULL },
	};
	static const char *const bools[] = { "false", "true", NULL };
	struct ycfg	 y;
	char		*path = NULL;
	const char	*s;
	long long	 v;
	int		 e, rc;

	config_defaults(c);
	if (asprintf(&path, "%s/hallpass.yaml", dir) < 0)
		return -1;
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;	/* every key has a default */
	}
	if (ycfg_load(&y, path, path, d) != 0) {
		ycfg_free(&y);
		free(path);
		return -1;
	}
	if (ycfg_map(&y, ycfg_root(&y), k, CK_N, "hallpass.yaml") != 0 &&
	    ycfg_root(&y)->type != YAML_MAPPING_NODE)
		goto out;
	if (k[CK_QUEUES].val)
		config_queues(c, &y, k[CK_QUEUES].val);
	if (k[CK_FAIL].val && (e = ycfg_enum(&y, k[CK_FAIL].val, fails, "fail")) >= 0)
		c->fail = (enum config_fail)e;
	if (k[CK_DATABASE].val) {
		config_str(&y, k[CK_DATABASE].val, c->database, sizeof(c->database),
		    "database");
		if (c->database[0] != '/')
			ycfg_err(&y, k[CK_DATABASE].val, "database must be an "
			    "absolute path");
	}
	if (k[CK_DNS_BLOCK].val &&
	    (e = ycfg_enum(&y, k[CK_DNS_BLOCK].val, dnsb, "dns_block")) >= 0)
		c->dns_block = (enum config_dns_block)e;
	if (k[CK_ADDR4].val && (s = ycfg_str(&y, k[CK_ADDR4].val,
	    "block_address4")) != NULL && inet_pton(AF_INET, s, c->block_address4) != 1)
		ycfg_err(&y, k[CK_ADDR4].val, "block_address4 \"%.60s\" is not an "
		    "IPv4 address", s);
	if (k[CK_ADDR6].val && (s = ycfg_str(&y, k[CK_ADDR6].val,
	    "block_address6")) != NULL && inet_pton(AF_INET6, s, c->block_address6) != 1)
		ycfg_err(&y, k[CK_ADDR6].val, "block_address6 \"%.60s\" is not an "
		    "IPv6 address", s);
	if (k[CK_BLOCK_PAGE].val) {
		config_str(&y, k[CK_BLOCK_PAGE].val, c->block_page,
		    sizeof(c->block_page), "block_page");
		if (strncmp(c->block_page, "http://", 7) != 0 &&
		    strncmp(c->block_page, "https://", 8) != 0)
			ycfg_err(&y, k[CK_BLOCK_PAGE].val, "block_page must be an "
			    "http:// or https:// URL");
		for (s = c->block_page; *s != '\0'; s++)
			if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '"' ||
			    *s == '<' || *s == '>') {
				ycfg_err(&y, k[CK_BLOCK_PAGE].val, "block_page holds a "
				    "space, quote or control character");
				break;
			}
	}
	if (k[CK_LOG_LEVEL].val &&
	    (e = ycfg_enum(&y, k[CK_LOG_LEVEL].val, levels, "log_level")) >= 0)
		c->log_level = (enum config_log)e;
	if (k[CK_RETENTION].val && ycfg_int(&y, k[CK_RETENTION].val, 1, 3650,
	    "retention_days", &v) == 0)
		c->retention_days = (unsigned)v;
	if (k[CK_FLOWS].val && ycfg_int(&y, k[CK_FLOWS].val, 1024, 16777216,
	    "flow_table_size", &v) == 0)
		c->flow_table_size = (unsigned)v;
	if (k[CK_IDLE].val && ycfg_int(&y, k[CK_IDLE].val, 10, 86400,
	    "flow_idle_seconds", &v) == 0)
		c->flow_idle_seconds = (unsigned)v;
	if (k[CK_RESOLVERS].val)
		config_resolvers(c, &y, k[CK_RESOLVERS].val);
	if (k[CK_ENCDNS].val &&
	    (e = ycfg_enum(&y, k[CK_ENCDNS].val, bools, "block_encrypted_dns")) >= 0)
		c->block_encrypted_dns = e;
	if (k[CK_STRICT].val &&
	    (e = ycfg_enum(&y, k[CK_STRICT].val, bools, "strict_https")) >= 0)
		c->strict_https = e;
	if (k[CK_ECH].val && (e = ycfg_enum(&y, k[CK_ECH].val, bools, "strip_ech")) >= 0)
		c->strip_ech = e;
	if (k[CK_DNSMAP].val && ycfg_int(&y, k[CK_DNSMAP].val, 1024, 16777216,
	    "dns_map_size", &v) == 0)
		c->dns_map_size = (unsigned)v;
 out:
	rc = y.nerr ? -1 : 0;
	ycfg_free(&y);
	free(path);
	return rc;
}
