/* config: hallpass.yaml, the daemon settings of one gateway, validated like every other file. */
#ifndef HALLPASS_CONFIG_H
#define HALLPASS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define CONFIG_MAX_QUEUES	16

enum config_fail { CONFIG_FAIL_OPEN = 0, CONFIG_FAIL_CLOSED };
enum config_dns_block { CONFIG_DNS_NXDOMAIN = 0, CONFIG_DNS_ADDRESS };
enum config_log { CONFIG_LOG_DEBUG = 0, CONFIG_LOG_INFO, CONFIG_LOG_WARN,
	CONFIG_LOG_ERROR };

struct config {
	uint16_t		queues[CONFIG_MAX_QUEUES];
	unsigned		nqueues;
	enum config_fail	fail;		/* no daemon on the queue: --queue-bypass or not */
	enum config_fail	flood;		/* a full queue: the kernel accepts (open) or drops */
	unsigned		queue_maxlen;	/* packets the kernel holds per queue for hallpassd */
	char			database[1024];
	enum config_dns_block	dns_block;
	uint8_t			block_address4[4];
	uint8_t			block_address6[16];
	char			block_page[1024];
	enum config_log		log_level;
	unsigned		retention_days;		/* raw events (and, in the district, block events) */
	unsigned		rollup_retention_days;	/* daily and hourly rollups */
	unsigned		login_retention_days;	/* failed logins */
	unsigned		flow_table_size;
	unsigned		flow_idle_seconds;
	char			resolvers[256];	/* "ADDR,ADDR": c-ares servers; "": resolv.conf */
	int			block_encrypted_dns;	/* DoT/DoQ port 853, DoH by address, the canary */
	int			strict_https;	/* block TLS/QUIC to addresses the client never resolved */
	int			strip_ech;	/* drop the ech parameter from HTTPS/SVCB answers */
	unsigned		dns_map_size;	/* addresses remembered from DNS answers */
	char			ship_to[1024];	/* the district database; "": this gateway does not ship */
	char			gateway_id[65];	/* "": the host name */
	unsigned		ship_interval;	/* seconds between shipments */
	unsigned		ship_backlog_warn;	/* rows waiting before the shipper warns */
	char			metrics_file[1024];	/* Prometheus text file; "": none */
	char			hotspot_id[65];	/* "": not a hotspot of the device file */
	/* The signed rule bundle (docs/bundle.md): "" bundle_url keeps the rules in DIR. */
	char			bundle_url[1024];	/* https:// only */
	char			bundle_key[1024];	/* the district's public key file */
	char			bundle_ca[1024];	/* CA file for bundle_url; "": the system's */
	char			bundle_dir[1024];	/* where bundles are unpacked */
	unsigned		bundle_interval;	/* seconds between fetches; 0: only on HUP */
	int			bundle_allow_downgrade;
	/* The guardians' e-mail (hallpass digest, docs/digest.md); "" mail_smtp_url: no mail. */
	char			mail_smtp_url[512];	/* smtp:// (STARTTLS required) or smtps:// */
	char			mail_from[256];	/* the From: address */
	char			mail_user[256];	/* SMTP AUTH user; "": no AUTH */
	char			mail_password_file[1024];	/* its password, first line */
	char			mail_ca[1024];	/* CA file for the mail server; "": the system's */
	char			mail_key[1024];	/* the unsubscribe links' key (libsodium crypto_auth) */
	char			dashboard_url[1024];	/* the dashboard's public address; "": none */
	char			user[33];	/* hallpassd runs as it after opening; "root" keeps all */
	int			seccomp;	/* hallpassd's system call allow-list (off for debugging) */
};

/* Defaults, then DIR/hallpass.yaml over them if it exists.  -1 with every error in diag. */
int	config_load(struct config *, const char *dir, struct diag *);
void	config_defaults(struct config *);
/*
 * The settings whose value differs between old and new and whose
 * reloadability is reloadable (1: a running daemon applies them; 0: only a
 * restart does), named "key, key" in buf (truncated to len).  Returns how many.
 * The one place that decides what a reload can change.
 */
size_t	config_diff(const struct config *old, const struct config *new,
	    int reloadable, char *buf, size_t len);
/* 1 if a running daemon applies key on reload, 0 if only a restart does, -1 if no such key. */
int	config_reloadable(const char *key);
/* Copies every reloadable setting of src into dst; the others stay as dst has them. */
void	config_apply_reloadable(struct config *dst, const struct config *src);

#endif
