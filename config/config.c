/* config: one table of keys drives defaults, parsing and validation of hallpass.yaml. */
#include "config.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ycfg.h"

enum config_type {
	CT_QUEUES, CT_ENUM, CT_PATH, CT_ADDR4, CT_ADDR6, CT_URL, CT_UINT,
	CT_RESOLVERS, CT_PGURI, CT_ID, CT_HTTPS, CT_USER, CT_SMTP, CT_MAIL, CT_TEXT
};

static const char *const config_fails[] = { "open", "closed", NULL };
static const char *const config_dnsb[] = { "nxdomain", "address", NULL };
static const char *const config_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const config_bools[] = { "false", "true", NULL };

/*
 * Every setting of hallpass.yaml, once: its key, how it is checked, its
 * default and whether a running hallpassd can apply a change of it.  Loading,
 * defaults and the reload warning all read this table, so a new key cannot be
 * parsed yet forgotten by reload.
 */
struct config_setting {
	const char		*key;
	enum config_type	 type;
	size_t			 off, size;
	const char *const	*words;		/* CT_ENUM */
	long long		 min, max;	/* CT_UINT */
	long long		 def;		/* CT_ENUM, CT_UINT */
	const char		*defs;		/* CT_PATH, CT_ADDR*, CT_URL, CT_RESOLVERS, CT_ID */
	int			 reloadable;
};

#define CF(f)	offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct config_setting config_settings[] = {
	/* Queues are bound once; nqueues follows queues in the struct so both compare. */
	{ "queues", CT_QUEUES, offsetof(struct config, queues),
	    offsetof(struct config, nqueues) + sizeof(unsigned) -
	    offsetof(struct config, queues), NULL, 0, 0, 0, NULL, 0 },
	{ "fail", CT_ENUM, CF(fail), config_fails, 0, 0, CONFIG_FAIL_OPEN, NULL, 1 },
	/*
	 * Separate from fail: a flood is an attacker's to cause, so by default a
	 * full queue drops what it cannot hold (new flows retry) rather than
	 * let it through unjudged.
	 */
	{ "flood", CT_ENUM, CF(flood), config_fails, 0, 0, CONFIG_FAIL_CLOSED, NULL, 1 },
	{ "queue_maxlen", CT_UINT, CF(queue_maxlen), NULL, 16, 1048576, 8192, NULL, 1 },
	{ "database", CT_PATH, CF(database), NULL, 0, 0, 0,
	    "/var/lib/hallpass/hallpass.db", 0 },
	{ "dns_block", CT_ENUM, CF(dns_block), config_dnsb, 0, 0,
	    CONFIG_DNS_NXDOMAIN, NULL, 1 },
	{ "block_address4", CT_ADDR4, CF(block_address4), NULL, 0, 0, 0,
	    "192.0.2.1", 1 },
	{ "block_address6", CT_ADDR6, CF(block_address6), NULL, 0, 0, 0,
	    "2001:db8::1", 1 },
	{ "block_page", CT_URL, CF(block_page), NULL, 0, 0, 0,
	    "http://192.0.2.1/blocked", 1 },
	{ "log_level", CT_ENUM, CF(log_level), config_levels, 0, 0,
	    CONFIG_LOG_INFO, NULL, 1 },
	{ "retention_days", CT_UINT, CF(retention_days), NULL, 1, 3650, 90, NULL, 1 },
	{ "rollup_retention_days", CT_UINT, CF(rollup_retention_days), NULL, 1, 3650, 365,
	    NULL, 1 },
	{ "login_retention_days", CT_UINT, CF(login_retention_days), NULL, 1, 3650, 30,
	    NULL, 1 },
	{ "flow_table_size", CT_UINT, CF(flow_table_size), NULL, 1024, 16777216,
	    65536, NULL, 0 },
	{ "flow_idle_seconds", CT_UINT, CF(flow_idle_seconds), NULL, 10, 86400,
	    300, NULL, 1 },
	{ "resolvers", CT_RESOLVERS, CF(resolvers), NULL, 0, 0, 0, "", 1 },
	{ "block_encrypted_dns", CT_ENUM, CF(block_encrypted_dns), config_bools,
	    0, 0, 1, NULL, 1 },
	{ "strict_https", CT_ENUM, CF(strict_https), config_bools, 0, 0, 0, NULL, 1 },
	{ "strip_ech", CT_ENUM, CF(strip_ech), config_bools, 0, 0, 0, NULL, 1 },
	/* The map is sized once; growing it under live lookups is not worth the risk. */
	{ "dns_map_size", CT_UINT, CF(dns_map_size), NULL, 1024, 16777216, 16384,
	    NULL, 0 },
	/* Read by `hallpass ship`, not the daemon: a change takes effect when the shipper restarts. */
	{ "ship_to", CT_PGURI, CF(ship_to), NULL, 0, 0, 0, "", 0 },
	{ "gateway_id", CT_ID, CF(gateway_id), NULL, 0, 0, 0, "", 0 },
	{ "ship_interval", CT_UINT, CF(ship_interval), NULL, 1, 86400, 60, NULL, 0 },
	{ "ship_backlog_warn", CT_UINT, CF(ship_backlog_warn), NULL, 1, 1000000000,
	    100000, NULL, 0 },
	/* Absent means no metrics; the file is rewritten whole every 15 seconds. */
	{ "metrics_file", CT_PATH, CF(metrics_file), NULL, 0, 0, 0, "", 1 },
	/* Which device file hotspot this gateway is: unmatched clients are that student. */
	{ "hotspot_id", CT_ID, CF(hotspot_id), NULL, 0, 0, 0, "", 1 },
	/* The bundle client reads these afresh on every fetch; only its directory is fixed. */
	{ "bundle_url", CT_HTTPS, CF(bundle_url), NULL, 0, 0, 0, "", 1 },
	{ "bundle_key", CT_PATH, CF(bundle_key), NULL, 0, 0, 0, "", 1 },
	{ "bundle_ca", CT_PATH, CF(bundle_ca), NULL, 0, 0, 0, "", 1 },
	{ "bundle_dir", CT_PATH, CF(bundle_dir), NULL, 0, 0, 0,
	    "/var/lib/hallpass/bundle", 0 },
	{ "bundle_interval", CT_UINT, CF(bundle_interval), NULL, 0, 604800, 3600,
	    NULL, 1 },
	{ "bundle_allow_downgrade", CT_ENUM, CF(bundle_allow_downgrade), config_bools,
	    0, 0, 0, NULL, 1 },
	/* Read by `hallpass digest` and hallpass.cgi on every run, never by the daemon. */
	{ "mail_smtp_url", CT_SMTP, CF(mail_smtp_url), NULL, 0, 0, 0, "", 1 },
	{ "mail_from", CT_MAIL, CF(mail_from), NULL, 0, 0, 0, "", 1 },
	{ "mail_user", CT_TEXT, CF(mail_user), NULL, 0, 0, 0, "", 1 },
	{ "mail_password_file", CT_PATH, CF(mail_password_file), NULL, 0, 0, 0, "", 1 },
	{ "mail_ca", CT_PATH, CF(mail_ca), NULL, 0, 0, 0, "", 1 },
	{ "mail_key", CT_PATH, CF(mail_key), NULL, 0, 0, 0,
	    "/var/lib/hallpass/mail.key", 1 },
	/* Where families reach the dashboard: links in mail, and printed (with the QR code) on their letters. */
	{ "dashboard_url", CT_URL, CF(dashboard_url), NULL, 0, 0, 0, "", 1 },
	/* Privileges are given up once, at start: a reload cannot take them back. */
	{ "user", CT_USER, CF(user), NULL, 0, 0, 0, "hallpass", 0 },
	{ "seccomp", CT_ENUM, CF(seccomp), config_bools, 0, 0, 1, NULL, 0 },
};

#define CONFIG_NSETTINGS	(sizeof(config_settings) / sizeof(config_settings[0]))

_Static_assert(sizeof(enum config_fail) == sizeof(unsigned) &&
    sizeof(enum config_dns_block) == sizeof(unsigned) &&
    sizeof(enum config_log) == sizeof(unsigned) && sizeof(int) == sizeof(unsigned),
    "config_set_uint writes every enum, bool and count as an unsigned");

static void
config_set_uint(struct config *c, const struct config_setting *s, long long v)
{
	unsigned u = (unsigned)v;

	memcpy((char *)c + s->off, &u, sizeof(u));
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
		const struct config_setting	*s = &config_settings[i];
		char				*f = (char *)c + s->off;

		switch (s->type) {
		case CT_QUEUES:
			c->nqueues = 1;
			c->queues[0] = 0;
			break;
		case CT_ENUM:
		case CT_UINT:
			config_set_uint(c, s, s->def);
			break;
		case CT_ADDR4:
			inet_pton(AF_INET, s->defs, f);
			break;
		case CT_ADDR6:
			inet_pton(AF_INET6, s->defs, f);
			break;
		case CT_PATH:
		case CT_URL:
		case CT_HTTPS:
		case CT_RESOLVERS:
		case CT_PGURI:
		case CT_ID:
		case CT_USER:
		case CT_SMTP:
		case CT_MAIL:
		case CT_TEXT:
			snprintf(f, s->size, "%s", s->defs);
			break;
		}
	}
}

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

static void
config_url(struct ycfg *y, yaml_node_t *n, char *dst, size_t dstsz,
    const char *key)
{
	const char *s;

	config_str(y, n, dst, dstsz, key);
	if (strncmp(dst, "http://", 7) != 0 && strncmp(dst, "https://", 8) != 0)
		ycfg_err(y, n, "%s must be an http:// or https:// URL", key);
	for (s = dst; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '"' ||
		    *s == '<' || *s == '>') {
			ycfg_err(y, n, "%s holds a space, quote or control character",
			    key);
			break;
		}
}

/* A district database: libpq's URI form only, so a typo cannot become a local socket's default database. */
static void
config_pguri(struct ycfg *y, yaml_node_t *n, char *dst, size_t dstsz, const char *key)
{
	config_str(y, n, dst, dstsz, key);
	if (dst[0] == '\0')
		return;
	if (strncmp(dst, "postgresql://", 13) != 0 && strncmp(dst, "postgres://", 11) != 0)
		ycfg_err(y, n, "%s must be a postgresql:// URI (or empty: do not ship)", key);
	for (const char *s = dst; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			ycfg_err(y, n, "%s holds a space or control character", key);
			break;
		}
}

/* No space or control character: the value ends up in a protocol line (SMTP, a header). */
static int
config_printable(struct ycfg *y, yaml_node_t *n, const char *v, const char *key)
{
	for (const char *s = v; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			ycfg_err(y, n, "%s holds a space or control character", key);
			return -1;
		}
	return 0;
}

/* An e-mail address as SMTP's MAIL FROM takes it: local@domain, nothing around it. */
static void
config_mail(struct ycfg *y, yaml_node_t *n, char *dst, size_t dstsz, const char *key)
{
	const char *at;

	config_str(y, n, dst, dstsz, key);
	if (dst[0] == '\0' || config_printable(y, n, dst, key) != 0)
		return;
	at = strchr(dst, '@');
	if (at == NULL || at == dst || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strpbrk(dst, "<>()[],;:\\\"") != NULL)
		ycfg_err(y, n, "%s \"%.60s\" is not an e-mail address (user@example.org)",
		    key, dst);
}

/* A gateway's name in the district: it keys every row it ships. */
static void
config_parse(struct config *c, struct ycfg *y, yaml_node_t *n,
    const struct config_setting *st)
{
	char		*f = (char *)c + st->off;
	const char	*s;
	long long	 v;
	int		 e;

	switch (st->type) {
	case CT_QUEUES:
		config_queues(c, y, n);
		break;
	case CT_ENUM:
		if ((e = ycfg_enum(y, n, st->words, st->key)) >= 0)
			config_set_uint(c, st, e);
		break;
	case CT_UINT:
		if (ycfg_int(y, n, st->min, st->max, st->key, &v) == 0)
			config_set_uint(c, st, v);
		break;
	case CT_PATH:
		config_str(y, n, f, st->size, st->key);
		/* database: a SQLite file, or the district's PostgreSQL (libpq parses the URI). */
		if (strcmp(st->key, "database") == 0 &&
		    (strncmp(f, "postgresql://", 13) == 0 ||
		    strncmp(f, "postgres://", 11) == 0))
			break;
		if (f[0] != '/')
			ycfg_err(y, n, "%s must be an absolute path%s", st->key,
			    strcmp(st->key, "database") == 0 ?
			    " or a postgresql:// URI" : "");
		break;
	case CT_ADDR4:
		if ((s = ycfg_str(y, n, st->key)) != NULL && inet_pton(AF_INET, s, f) != 1)
			ycfg_err(y, n, "%s \"%.60s\" is not an IPv4 address", st->key, s);
		break;
	case CT_ADDR6:
		if ((s = ycfg_str(y, n, st->key)) != NULL && inet_pton(AF_INET6, s, f) != 1)
			ycfg_err(y, n, "%s \"%.60s\" is not an IPv6 address", st->key, s);
		break;
	case CT_URL:
		config_url(y, n, f, st->size, st->key);
		break;
	case CT_RESOLVERS:
		config_resolvers(c, y, n);
		break;
	case CT_PGURI:
		config_pguri(y, n, f, st->size, st->key);
		break;
	case CT_ID:
		config_str(y, n, f, st->size, st->key);
		if (!ycfg_valid_id(f))
			ycfg_err(y, n, "%s must be 1-64 letters, digits, '.', '_' or '-'",
			    st->key);
		break;
	case CT_HTTPS:
		/* Rules travel only over a channel that authenticates the server too. */
		config_url(y, n, f, st->size, st->key);
		if (strncmp(f, "http://", 7) == 0)
			ycfg_err(y, n, "%s must be an https:// URL", st->key);
		break;
	case CT_SMTP:
		config_str(y, n, f, st->size, st->key);
		if (f[0] == '\0' || config_printable(y, n, f, st->key) != 0)
			break;
		/* smtp:// always with STARTTLS (libcurl's CURLUSESSL_ALL): never in the clear. */
		if (strncmp(f, "smtp://", 7) != 0 && strncmp(f, "smtps://", 8) != 0)
			ycfg_err(y, n, "%s must be an smtp:// (STARTTLS) or smtps:// URL",
			    st->key);
		break;
	case CT_MAIL:
		config_mail(y, n, f, st->size, st->key);
		break;
	case CT_TEXT:
		config_str(y, n, f, st->size, st->key);
		(void)config_printable(y, n, f, st->key);
		break;
	case CT_USER:
		config_str(y, n, f, st->size, st->key);
		/* The portable user name set (POSIX 3.437), so it is never a path or an option. */
		if (f[0] == '\0' || f[0] == '-' ||
		    strspn(f, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-") != strlen(f))
			ycfg_err(y, n, "%s \"%.60s\" is not a user name", st->key, f);
		break;
	}
}

/* One path: an error when any user on the machine may write it. */
static int
config_mode_ok(const char *path, struct diag *d)
{
	struct stat sb;

	if (stat(path, &sb) != 0 || (sb.st_mode & S_IWOTH) == 0)
		return 0;
	diag_add(d, path, 0, 0, "writable by every user (mode %04o): anyone on this "
	    "machine could change what hallpass allows; chmod o-w %s",
	    (unsigned)(sb.st_mode & 07777), path);
	return -1;
}

/*
 * The configuration decides what children may see, and hallpassd reads it
 * again on every reload: a folder or file any user may write is refused at
 * load, before a word of it counts.  Group write stays allowed (district IT).
 */
static int
config_check_modes(const char *dir, struct diag *d)
{
	static const char *const names[] = { "", "/hallpass.yaml", "/policy.yaml",
	    "/safesearch.yaml", "/aup.yaml", "/rules.d" };
	char		 path[4096];
	struct dirent	*e;
	DIR		*rd;
	int		 rc = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, names[i]);
		rc |= config_mode_ok(path, d);
	}
	snprintf(path, sizeof(path), "%s/rules.d", dir);
	if ((rd = opendir(path)) == NULL)
		return rc;
	while ((e = readdir(rd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/rules.d/%s", dir, e->d_name);
		rc |= config_mode_ok(path, d);
	}
	closedir(rd);
	return rc;
}

int
config_load(struct config *c, const char *dir, struct diag *d)
{
	struct ycfg_key	 k[CONFIG_NSETTINGS];
	struct ycfg	 y;
	yaml_node_t	*url = NULL, *smtp = NULL;
	char		*path = NULL;
	int		 rc;

	config_defaults(c);
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
		k[i].name = config_settings[i].key;
		k[i].required = 0;
		k[i].key = k[i].val = NULL;
	}
	if (config_check_modes(dir, d) != 0)
		return -1;
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
	if (ycfg_map(&y, ycfg_root(&y), k, CONFIG_NSETTINGS, "hallpass.yaml") != 0 &&
	    ycfg_root(&y)->type != YAML_MAPPING_NODE)
		goto out;
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
		if (k[i].val == NULL)
			continue;
		config_parse(c, &y, k[i].val, &config_settings[i]);
		if (strcmp(k[i].name, "bundle_url") == 0)
			url = k[i].val;
		if (strcmp(k[i].name, "mail_smtp_url") == 0)
			smtp = k[i].val;
	}
	if (smtp != NULL && c->mail_smtp_url[0] != '\0' &&
	    (c->mail_from[0] == '\0' || c->dashboard_url[0] == '\0'))
		ycfg_err(&y, smtp, "mail_smtp_url needs mail_from (the sender) and "
		    "dashboard_url (the links in the messages)");
	if (url != NULL && c->bundle_url[0] != '\0' && c->bundle_key[0] == '\0')
		ycfg_err(&y, url, "bundle_url needs bundle_key: the public key its "
		    "bundles are signed with");
 out:
	rc = y.nerr ? -1 : 0;
	ycfg_free(&y);
	free(path);
	return rc;
}

static int
config_differs(const struct config *a, const struct config *b,
    const struct config_setting *s)
{
	const char *fa = (const char *)a + s->off, *fb = (const char *)b + s->off;

	switch (s->type) {
	case CT_PATH:
	case CT_URL:
	case CT_HTTPS:
	case CT_RESOLVERS:
	case CT_PGURI:
	case CT_ID:
	case CT_USER:
	case CT_SMTP:
	case CT_MAIL:
	case CT_TEXT:
		return strcmp(fa, fb) != 0;
	case CT_QUEUES:
		if (a->nqueues != b->nqueues)
			return 1;
		return memcmp(a->queues, b->queues, a->nqueues * sizeof(a->queues[0])) != 0;
	default:
		return memcmp(fa, fb, s->size) != 0;
	}
}

size_t
config_diff(const struct config *old, const struct config *new, int reloadable,
    char *buf, size_t len)
{
	size_t	n = 0, o = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
		const struct config_setting *s = &config_settings[i];

		if (s->reloadable != reloadable || !config_differs(old, new, s))
			continue;
		n++;
		if (o < len) {
			int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", s->key);

			o = w < 0 ? len : o + (size_t)w;
		}
	}
	return n;
}

int
config_reloadable(const char *key)
{
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++)
		if (strcmp(config_settings[i].key, key) == 0)
			return config_settings[i].reloadable;
	return -1;
}

void
config_apply_reloadable(struct config *dst, const struct config *src)
{
	for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
		const struct config_setting *s = &config_settings[i];

		if (s->reloadable)
			memcpy((char *)dst + s->off, (const char *)src + s->off, s->size);
	}
}
