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
}

enum config_key {
	CK_QUEUES, CK_FAIL, CK_DATABASE, CK_DNS_BLOCK, CK_ADDR4, CK_ADDR6,
	CK_BLOCK_PAGE, CK_LOG_LEVEL, CK_RETENTION, CK_FLOWS, CK_IDLE, CK_N
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
		{ "flow_idle_seconds", 0, NULL, NULL },
	};
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
 out:
	rc = y.nerr ? -1 : 0;
	ycfg_free(&y);
	free(path);
	return rc;
}
