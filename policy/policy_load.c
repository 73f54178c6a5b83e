/* policy_load: policy.yaml (groups, schedules, roster) and the snapshot's life cycle. */
#include "policy_impl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostname.h"
#include "ycfg.h"

uint32_t
policy_list_new(struct policy *p, enum policy_list_kind kind, uint32_t owner,
    const char *file)
{
	struct policy_list *nl;

	if ((p->nlists & (p->nlists + 1)) == 0 || p->lists == NULL) {
		size_t cap = p->nlists ? (p->nlists + 1) * 2 : 64;

		if ((nl = realloc(p->lists, cap * sizeof(*nl))) == NULL)
			return UINT32_MAX;
		p->lists = nl;
	}
	p->lists[p->nlists] = (struct policy_list){ (uint8_t)kind, owner, file };
	return (uint32_t)p->nlists++;
}

int
policy_category_find(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->ncategories; i++)
		if (p->categories[i].name != NULL &&
		    strcmp(p->categories[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
policy_group_find(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->ngroups; i++)
		if (strcmp(p->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A list of host names (allow or deny) into the domain table under list id. */
static void
policy_hostlist(struct policy *p, struct ycfg *y, yaml_node_t *n,
    uint32_t list, const char *what)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, what, &items);

	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = ycfg_node(y, items[i]);
		const char	*s = ycfg_str(y, it, what), *why;
		char		 norm[HOSTNAME_BUFSZ];

		if (s == NULL)
			continue;
		if (hostname_normalize(s, strlen(s), norm, &why) ==
		    HOSTNAME_INVALID) {
			ycfg_err(y, it, "\"%.80s\" is not a valid host name: %s", s,
			    why);
			continue;
		}
		if (domtab_add(p->domains, norm, strlen(norm), list,
		    (uint32_t)ycfg_line(it)) != 0)
			ycfg_err(y, it, "out of memory");
	}
}

/* `block:` — a list of categories or `all` (also accepted as a lone value). */
static int
policy_blocks(struct policy *p, struct ycfg *y, yaml_node_t *n,
    uint64_t **set, struct policy_catref **refs, size_t *nrefs, int *all,
    uint32_t *all_line, const char *what)
{
	yaml_node_item_t	*items;
	int			 count;

	*set = calloc(POLICY_CATSET_WORDS, sizeof(uint64_t));
	if (*set == NULL)
		return -1;
	if (n == NULL)
		return 0;
	if (n->type == YAML_SCALAR_NODE && !ycfg_is_null(n)) {
		if (strcmp((const char *)n->data.scalar.value, "all") == 0) {
			*all = 1;
			*all_line = (uint32_t)ycfg_line(n);
			return 0;
		}
		ycfg_err(y, n, "%s must be a list of categories or the word all",
		    what);
		return -1;
	}
	if ((count = ycfg_seq(y, n, what, &items)) < 0)
		return -1;
	if (count > 0 && (*refs = calloc((size_t)count, sizeof(**refs))) == NULL)
		return -1;
	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = ycfg_node(y, items[i]);
		const char	*s = ycfg_str(y, it, "a category");
		int		 c;

		if (s == NULL)
			continue;
		if (strcmp(s, "all") == 0) {
			*all = 1;
			*all_line = (uint32_t)ycfg_line(it);
			continue;
		}
		if ((c = policy_category_find(p, s)) < 0) {
			/* Roster-only never read rules.d: no category can be known or wrong. */
			if (p->roster_only)
				continue;
			ycfg_err(y, it, "unknown category \"%.80s\" (no rules.d/%.80s.yaml)",
			    s, s);
			continue;
		}
		if (policy_catset_has(*set, (uint32_t)c)) {
			ycfg_err(y, it, "category \"%s\" listed twice", s);
			continue;
		}
		(*set)[c >> 6] |= 1ull << (c & 63);
		(*refs)[(*nrefs)++] = (struct policy_catref){ (uint32_t)c,
		    (uint32_t)ycfg_line(it) };
	}
	return 0;
}

/* "HH:MM" 24-hour; "24:00" only where allow24. Minutes after midnight, or -1. */
static int
policy_hhmm(const char *s, int allow24)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h == 24 && m == 0 && allow24)
		return 24 * 60;
	if (h > 23)
		return -1;
	return h * 60 + m;
}

static const char *const policy_daynames[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static int
policy_days(struct ycfg *y, yaml_node_t *n, uint8_t *days)
{
	yaml_node_item_t	*items;
	int			 count, rc = 0;

	*days = 0;
	if (n->type == YAML_SCALAR_NODE && !ycfg_is_null(n) &&
	    strcmp((const char *)n->data.scalar.value, "all") == 0) {
		*days = 0x7f;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && !ycfg_is_null(n)) {
		ycfg_err(y, n, "days must be a list of mon, tue, wed, thu, fri, "
		    "sat, sun, or the word all");
		return -1;
	}
	if ((count = ycfg_seq(y, n, "days", &items)) < 0)
		return -1;
	if (count == 0) {
		ycfg_err(y, n, "days must name at least one day");
		return -1;
	}
	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = ycfg_node(y, items[i]);
		int		 d = ycfg_enum(y, it, policy_daynames, "a day");

		if (d < 0) {
			rc = -1;
			continue;
		}
		if (*days & (1u << d)) {
			ycfg_err(y, it, "day \"%s\" listed twice", policy_daynames[d]);
			rc = -1;
		}
		*days |= (uint8_t)(1u << d);
	}
	return rc;
}

static void
policy_schedules(struct policy *p, struct ycfg *y, yaml_node_t *n,
    struct policy_group *g)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "schedules", &items);

	if (count <= 0)
		return;
	if ((g->schedules = calloc((size_t)count, sizeof(*g->schedules))) == NULL)
		return;
	for (int i = 0; i < count; i++) {
		struct policy_schedule	*s = &g->schedules[g->nschedules];
		yaml_node_t		*it = ycfg_node(y, items[i]);
		struct ycfg_key		 k[] = {
			{ "name", 1, NULL, NULL }, { "days", 1, NULL, NULL },
			{ "from", 1, NULL, NULL }, { "to", 1, NULL, NULL },
			{ "block", 1, NULL, NULL },
		};
		const char		*name, *from, *to;
		uint32_t		 block_all_line;
		int			 f = -1, t = -1;

		if (ycfg_map(y, it, k, 5, "a schedule") != 0 && k[0].val == NULL)
			continue;
		g->nschedules++;
		s->line = (uint32_t)ycfg_line(it);
		if (k[0].val != NULL &&
		    (name = ycfg_str(y, k[0].val, "name")) != NULL) {
			s->name = strdup(name);
			for (size_t j = 0; j + 1 < g->nschedules; j++)
				if (g->schedules[j].name != NULL &&
				    strcmp(g->schedules[j].name, name) == 0)
					ycfg_err(y, k[0].val, "schedule \"%s\" defined "
					    "twice in group %s (first at line %u)", name,
					    g->name, g->schedules[j].line);
		}
		if (k[1].val != NULL)
			(void)policy_days(y, k[1].val, &s->days);
		if (k[2].val != NULL && (from = ycfg_str(y, k[2].val, "from")) != NULL &&
		    (f = policy_hhmm(from, 0)) < 0)
			ycfg_err(y, k[2].val, "from must be a time HH:MM from 00:00 "
			    "to 23:59, not \"%.40s\"", from);
		if (k[3].val != NULL && (to = ycfg_str(y, k[3].val, "to")) != NULL &&
		    (t = policy_hhmm(to, 1)) < 0)
			ycfg_err(y, k[3].val, "to must be a time HH:MM from 00:00 "
			    "to 24:00, not \"%.40s\"", to);
		if (f >= 0 && t >= 0 && f == t)
			ycfg_err(y, k[3].val, "from and to are the same time: "
			    "the window would be empty");
		s->from = (uint16_t)(f < 0 ? 0 : f);
		s->to = (uint16_t)(t < 0 ? 0 : t);
		(void)policy_blocks(p, y, k[4].val, &s->blocks, &s->refs, &s->nrefs,
		    &s->block_all, &block_all_line, "block");
	}
}

static const struct policy_group *
policy_group_of(const struct policy *p, const struct policy_student *st)
{
	uint32_t g = st != NULL ? st->group : p->default_group;

	return g < p->ngroups ? &p->groups[g] : NULL;
}

size_t
policy_schedule_count(const struct policy *p, const struct policy_student *st)
{
	const struct policy_group *g = policy_group_of(p, st);

	return g != NULL ? g->nschedules : 0;
}

int
policy_schedule_at(const struct policy *p, const struct policy_student *st,
    size_t i, struct policy_window *w)
{
	const struct policy_group *g = policy_group_of(p, st);

	if (g == NULL || i >= g->nschedules)
		return -1;
	w->name = g->schedules[i].name;
	w->days = g->schedules[i].days;
	w->from = g->schedules[i].from;
	w->to = g->schedules[i].to;
	return 0;
}

int
policy_window_covers(const struct policy_window *w, int wday, int minute)
{
	int yday = (wday + 6) % 7;

	if (wday < 0 || wday > 6 || w->from == w->to)
		return 0;
	if (w->from < w->to)
		return (w->days >> wday & 1) && minute >= w->from && minute < w->to;
	return ((w->days >> wday & 1) && minute >= w->from) ||
	    ((w->days >> yday & 1) && minute < w->to);
}

/* block_ports: "udp/51820", "tcp/1194" or a bare port (both protocols). */
static void
policy_ports(struct ycfg *y, yaml_node_t *n, struct policy_group *g)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "block_ports", &items);

	if (count < 0)
		return;
	if (count > POLICY_MAX_PORTS) {
		ycfg_err(y, n, "block_ports lists at most %d ports", POLICY_MAX_PORTS);
		return;
	}
	for (int i = 0; i < count; i++) {
		yaml_node_t	*it = ycfg_node(y, items[i]);
		const char	*s = ycfg_str(y, it, "a port");
		uint32_t	 proto = 0;
		char		*end;
		unsigned long	 port;

		if (s == NULL)
			continue;
		if (strncmp(s, "udp/", 4) == 0)
			proto = 17, s += 4;
		else if (strncmp(s, "tcp/", 4) == 0)
			proto = 6, s += 4;
		port = strtoul(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || port < 1 || port > 65535) {
			ycfg_err(y, it, "block_ports entry \"%.40s\" must be a port 1-65535, "
			    "optionally prefixed udp/ or tcp/", ycfg_str(y, it, "a port"));
			continue;
		}
		g->port_lines[g->nports] = (uint32_t)ycfg_line(it);
		g->ports[g->nports++] = proto << 16 | (uint32_t)port;
	}
}

static void
policy_groups(struct policy *p, struct ycfg *y, yaml_node_t *n)
{
	size_t np;

	if (n->type != YAML_MAPPING_NODE) {
		ycfg_err(y, n, "groups must be a mapping of group names to groups");
		return;
	}
	np = ycfg_map_len(n);
	if (np == 0) {
		ycfg_err(y, n, "groups must define at least one group");
		return;
	}
	if ((p->groups = calloc(np, sizeof(*p->groups))) == NULL)
		return;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t		*kn, *v;
		struct policy_group	*g = &p->groups[p->ngroups];
		const char		*id;
		struct ycfg_key		 k[] = {
			{ "block", 0, NULL, NULL }, { "allow", 0, NULL, NULL },
			{ "deny", 0, NULL, NULL }, { "safe_search", 0, NULL, NULL },
			{ "schedules", 0, NULL, NULL }, { "block_ports", 0, NULL, NULL },
		};
		static const char *const ss[] = { "off", "moderate", "strict", NULL };
		char what[120];

		ycfg_map_pair(y, n, i, &kn, &v);
		if ((id = ycfg_str(y, kn, "a group name")) == NULL)
			continue;
		if (!ycfg_valid_id(id)) {
			ycfg_err(y, kn, "group name \"%.80s\" must be 1-64 letters, "
			    "digits, '.', '_' or '-'", id);
			continue;
		}
		if (policy_group_find(p, id) >= 0) {
			ycfg_err(y, kn, "group \"%s\" defined twice", id);
			continue;
		}
		g->name = strdup(id);
		g->line = (uint32_t)ycfg_line(kn);
		p->ngroups++;
		snprintf(what, sizeof(what), "group %s", id);
		if (ycfg_is_null(v)) {
			(void)policy_blocks(p, y, NULL, &g->blocks, &g->refs,
			    &g->nrefs, &g->block_all, &g->block_all_line, "block");
			g->allow_list = policy_list_new(p, PLIST_GROUP_ALLOW,
			    (uint32_t)(g - p->groups), p->policy_file);
			g->deny_list = policy_list_new(p, PLIST_GROUP_DENY,
			    (uint32_t)(g - p->groups), p->policy_file);
			continue;
		}
		(void)ycfg_map(y, v, k, 6, what);
		(void)policy_blocks(p, y, k[0].val, &g->blocks, &g->refs, &g->nrefs,
		    &g->block_all, &g->block_all_line, "block");
		g->allow_list = policy_list_new(p, PLIST_GROUP_ALLOW,
		    (uint32_t)(g - p->groups), p->policy_file);
		g->deny_list = policy_list_new(p, PLIST_GROUP_DENY,
		    (uint32_t)(g - p->groups), p->policy_file);
		if (k[1].val != NULL)
			policy_hostlist(p, y, k[1].val, g->allow_list, "allow");
		if (k[2].val != NULL)
			policy_hostlist(p, y, k[2].val, g->deny_list, "deny");
		if (k[3].val != NULL) {
			int e = ycfg_enum(y, k[3].val, ss, "safe_search");
			g->safe_search = e < 0 ? POLICY_SS_OFF : (enum policy_safesearch)e;
		}
		if (k[4].val != NULL)
			policy_schedules(p, y, k[4].val, g);
		if (k[5].val != NULL)
			policy_ports(y, k[5].val, g);
	}
}

static int
policy_parse_mac(const char *s, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";

	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *hi = strchr(hex, s[i * 3]), *lo = strchr(hex, s[i * 3 + 1]);

		if (s[i * 3] == '\0' || s[i * 3 + 1] == '\0' || hi == NULL ||
		    lo == NULL || (i < 5 && s[i * 3 + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)((((hi - hex) & 15) << 4) | ((lo - hex) & 15));
	}
	return 0;
}

static int
policy_devcmp_mac(const void *a, const void *b)
{
	const struct policy_device *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int
policy_devcmp_ip(const void *a, const void *b)
{
	const struct policy_device *x = a, *y = b;
	int c = (x->af > y->af) - (x->af < y->af);

	if (c == 0)
		c = memcmp(x->addr, y->addr, 16);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void
policy_devices(struct ycfg *y, yaml_node_t *n, uint32_t student,
    struct policy_device **all, size_t *nall)
{
	yaml_node_item_t	*items;
	int			 count = ycfg_seq(y, n, "devices", &items);

	for (int i = 0; i < count; i++) {
		yaml_node_t		*it = ycfg_node(y, items[i]);
		struct ycfg_key		 k[] = { { "mac", 0, NULL, NULL },
					    { "ip", 0, NULL, NULL } };
		struct policy_device	 d;
		struct policy_device	*nd;
		const char		*s;

		memset(&d, 0, sizeof(d));
		if (ycfg_map(y, it, k, 2, "a device") != 0)
			continue;
		if (k[0].val == NULL && k[1].val == NULL) {
			ycfg_err(y, it, "a device needs a mac, an ip, or both");
			continue;
		}
		d.student = student;
		d.line = (uint32_t)ycfg_line(it);
		d.col = (uint32_t)ycfg_col(it);
		d.file = y->file;
		if (k[0].val != NULL && (s = ycfg_str(y, k[0].val, "mac")) != NULL) {
			if (policy_parse_mac(s, d.mac) != 0)
				ycfg_err(y, k[0].val, "\"%.40s\" is not a MAC address "
				    "like 02:00:00:00:10:01", s);
			else
				d.has_mac = 1;
		}
		if (k[1].val != NULL && (s = ycfg_str(y, k[1].val, "ip")) != NULL) {
			if (inet_pton(AF_INET, s, d.addr) == 1)
				d.af = AF_INET;
			else if (inet_pton(AF_INET6, s, d.addr) == 1)
				d.af = AF_INET6;
			if (d.af == 0)
				ycfg_err(y, k[1].val, "\"%.60s\" is not an IPv4 or "
				    "IPv6 address", s);
			else
				d.has_ip = 1;
		}
		if (!d.has_mac && !d.has_ip)
			continue;
		if ((nd = realloc(*all, (*nall + 1) * sizeof(*nd))) == NULL)
			continue;
		*all = nd;
		nd[(*nall)++] = d;
	}
}

static const char *
policy_mac_str(const uint8_t *m, char *buf, size_t sz)
{
	snprintf(buf, sz, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	return buf;
}

/* Where the first of two clashing devices is: "line" in the same file, else its file. */
static const char *
policy_where(const struct policy_device *d, const struct policy_device *first)
{
	return d->file == first->file ? "line " : first->file;
}

/* Sorts devices into the MAC and address indexes; a MAC or address used twice is an error. */
static void
policy_device_index(struct policy *p, struct ycfg *y, struct policy_device *all,
    size_t n)
{
	char	 a[INET6_ADDRSTRLEN];
	size_t	 i;

	p->devmac = calloc(n + 1, sizeof(*p->devmac));
	p->devip = calloc(n + 1, sizeof(*p->devip));
	if (p->devmac == NULL || p->devip == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (all[i].has_mac)
			p->devmac[p->ndevmac++] = all[i];
		/* An address is an index key only when no MAC must match too. */
		if (all[i].has_ip && !all[i].has_mac && all[i].prefix == 0)
			p->devip[p->ndevip++] = all[i];
	}
	qsort(p->devmac, p->ndevmac, sizeof(*p->devmac), policy_devcmp_mac);
	/* The packet path's lookup: one probe, mostly, whatever the roster's size. */
	for (p->nmacslots = 16; p->nmacslots < 2 * p->ndevmac; p->nmacslots *= 2)
		;
	if ((p->macslots = calloc(p->nmacslots, sizeof(*p->macslots))) == NULL)
		return;
	for (i = 0; i < p->ndevmac; i++) {
		uint64_t key = policy_mac_key(p->devmac[i].mac) + 1;
		size_t h = policy_mac_hash(key, p->nmacslots);

		/* A MAC listed twice is an error above; the first keeps the slot. */
		while (p->macslots[h].key != 0 && p->macslots[h].key != key)
			h = (h + 1) & (p->nmacslots - 1);
		if (p->macslots[h].key == 0)
			p->macslots[h] = (struct policy_macslot){ key, (uint32_t)i };
	}
	for (i = 1; i < p->ndevmac; i++)
		if (memcmp(p->devmac[i].mac, p->devmac[i - 1].mac, 6) == 0)
			diag_add(y->diag, p->devmac[i].file, p->devmac[i].line,
			    p->devmac[i].col, "MAC %s already belongs to student %s (%s%s%u)",
			    policy_mac_str(p->devmac[i].mac, a, sizeof(a)),
			    p->students[p->devmac[i - 1].student].id,
			    policy_where(&p->devmac[i], &p->devmac[i - 1]),
			    p->devmac[i].file == p->devmac[i - 1].file ? "" : ":",
			    p->devmac[i - 1].line), y->nerr++;
	/* Addresses: every device that names one, MAC or not, must not share it. */
	struct policy_device *ips = calloc(n + 1, sizeof(*ips));
	size_t nips = 0;

	if (ips == NULL)
		return;
	for (i = 0; i < n; i++)
		if (all[i].has_ip && all[i].prefix == 0)
			ips[nips++] = all[i];
	qsort(ips, nips, sizeof(*ips), policy_devcmp_ip);
	for (i = 1; i < nips; i++)
		if (ips[i].af == ips[i - 1].af &&
		    memcmp(ips[i].addr, ips[i - 1].addr, 16) == 0) {
			inet_ntop(ips[i].af, ips[i].addr, a, sizeof(a));
			diag_add(y->diag, ips[i].file, ips[i].line, ips[i].col,
			    "address %s already belongs to student %s (%s%s%u)", a,
			    p->students[ips[i - 1].student].id,
			    policy_where(&ips[i], &ips[i - 1]),
			    ips[i].file == ips[i - 1].file ? "" : ":", ips[i - 1].line);
			y->nerr++;
		}
	free(ips);
	qsort(p->devip, p->ndevip, sizeof(*p->devip), policy_devcmp_ip);
	if (policy_net_index(p, all, n, y->diag) != 0)
		diag_add(y->diag, y->file, 0, 0, "out of memory");
}

static int
policy_valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || strlen(s) > 254)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' ||
		    *s == '"' || *s == ',' || *s == 0x7f)
			return 0;
	return at[1] != '.' && at[strlen(at) - 1] != '.';
}

/*
 * roster.csv's students first, then policy.yaml's: an id the roster has is an
 * exception there (every key optional, each one wins), any other id a
 * hand-written student.
 */
static void
policy_students(struct policy *p, struct ycfg *y, yaml_node_t *n, struct roster *ro)
{
	struct policy_device	*devs = NULL;
	size_t			 ndevs = 0, np = 0, nimp;
	uint8_t			*seen = NULL;

	if (n != NULL && n->type != YAML_MAPPING_NODE) {
		if (!ycfg_is_null(n))
			ycfg_err(y, n, "students must be a mapping of student ids "
			    "to students");
		n = NULL;
	}
	if (n != NULL)
		np = ycfg_map_len(n);
	nimp = policy_roster_count(ro, ROSTER_STUDENT);
	if ((p->students = calloc(nimp + np + 1, sizeof(*p->students))) == NULL ||
	    (seen = calloc(nimp + 1, 1)) == NULL) {
		ycfg_err(y, n, "out of memory");
		free(seen);
		return;
	}
	if (ro != NULL && (policy_roster_students(p, ro) != 0 ||
	    policy_sort_students(p) != 0)) {
		ycfg_err(y, n, "out of memory");
		free(seen);
		return;
	}
	for (size_t i = 0; i < np; i++) {
		yaml_node_t		*kn, *v;
		struct policy_student	*s = &p->students[p->nstudents];
		const struct policy_student *imp;
		const char		*id, *str;
		int			 exc;
		struct ycfg_key		 k[] = {
			{ "name", 1, NULL, NULL }, { "group", 1, NULL, NULL },
			{ "devices", 0, NULL, NULL }, { "allow", 0, NULL, NULL },
			{ "deny", 0, NULL, NULL }, { "school", 0, NULL, NULL },
			{ "grade", 0, NULL, NULL },
		};
		char what[120];
		int g;

		ycfg_map_pair(y, n, i, &kn, &v);
		if ((id = ycfg_str(y, kn, "a student id")) == NULL)
			continue;
		if (!ycfg_valid_id(id)) {
			ycfg_err(y, kn, "student id \"%.80s\" must be 1-64 letters, "
			    "digits, '.', '_' or '-'", id);
			continue;
		}
		/* The roster's students are sorted; policy.yaml's are few and searched in turn. */
		imp = policy_student_find(p, id);
		exc = imp != NULL && imp->index < nimp;
		if (exc && seen[imp->index]++) {
			ycfg_err(y, kn, "student \"%s\" defined twice", id);
			continue;
		}
		for (size_t j = nimp; !exc && j < p->nstudents; j++)
			if (strcmp(p->students[j].id, id) == 0) {
				ycfg_err(y, kn, "student \"%s\" defined twice", id);
				id = NULL;
				break;
			}
		if (id == NULL)
			continue;
		if (exc) {
			s = &p->students[imp->index];
			k[0].required = k[1].required = 0;
		} else {
			s->id = strdup(id);
			s->index = (uint32_t)p->nstudents;
			s->owner = p;
			p->nstudents++;
		}
		s->allow_list = policy_list_new(p, PLIST_STUDENT_ALLOW, s->index,
		    p->policy_file);
		s->deny_list = policy_list_new(p, PLIST_STUDENT_DENY, s->index,
		    p->policy_file);
		snprintf(what, sizeof(what), "student %s", id);
		if (ycfg_map(y, v, k, 7, what) != 0 && v->type != YAML_MAPPING_NODE)
			continue;
		if (k[0].val != NULL && (str = ycfg_str(y, k[0].val, "name")) != NULL) {
			free(s->name);
			s->name = strdup(str);
		}
		if (k[5].val != NULL && (str = ycfg_str(y, k[5].val, "school")) != NULL) {
			free(s->school);
			free(s->school_name);
			s->school_name = NULL;
			s->school = strdup(str);
		}
		if (k[6].val != NULL && (str = ycfg_str(y, k[6].val, "grade")) != NULL) {
			free(s->grade);
			s->grade = NULL;
			if (roster_grade_rank(str) < 0)
				ycfg_err(y, k[6].val, "\"%.20s\" is not a grade (IT PR PK "
				    "TK KG 01-13 PS UG Other)", str);
			else
				s->grade = strdup(roster_grade_name(roster_grade_rank(str)));
		}
		/* A new school or grade regroups by the rules; a group: written here beats both. */
		if (exc && (k[5].val != NULL || k[6].val != NULL))
			policy_regroup(p, s);
		if (k[1].val != NULL && (str = ycfg_str(y, k[1].val, "group")) != NULL) {
			if ((g = policy_group_find(p, str)) < 0)
				ycfg_err(y, k[1].val, "unknown group \"%.80s\"", str);
			else
				s->group = (uint32_t)g;
		}
		if (k[2].val != NULL)
			policy_devices(y, k[2].val, s->index, &devs, &ndevs);
		if (k[3].val != NULL)
			policy_hostlist(p, y, k[3].val, s->allow_list, "allow");
		if (k[4].val != NULL)
			policy_hostlist(p, y, k[4].val, s->deny_list, "deny");
	}
	free(seen);
	if (policy_sort_students(p) != 0)
		return;
	if (ro != NULL && policy_roster_devices(p, ro, p->roster_file, &devs, &ndevs,
	    y->diag) != 0)
		ycfg_err(y, n, "out of memory");
	policy_device_index(p, y, devs, ndevs);
	free(devs);
}

/* roster.csv's guardians first, then policy.yaml's: an id the roster has is overridden key by key. */
static void
policy_guardians(struct policy *p, struct ycfg *y, yaml_node_t *n, struct roster *ro)
{
	size_t np = 0, nimp = policy_roster_count(ro, ROSTER_GUARDIAN);
	uint8_t *seen;

	if (n != NULL && n->type != YAML_MAPPING_NODE) {
		if (!ycfg_is_null(n))
			ycfg_err(y, n, "guardians must be a mapping of guardian ids "
			    "to guardians");
		n = NULL;
	}
	if (n != NULL)
		np = ycfg_map_len(n);
	if ((p->guardians = calloc(nimp + np + 1, sizeof(*p->guardians))) == NULL)
		return;
	if ((seen = calloc(nimp + 1, 1)) == NULL ||
	    (ro != NULL && policy_roster_guardians(p, ro) != 0)) {
		ycfg_err(y, n, "out of memory");
		free(seen);
		return;
	}
	for (size_t i = 0; i < np; i++) {
		yaml_node_t		*kn, *v;
		struct policy_guardian	*g = &p->guardians[p->nguardians];
		const struct policy_guardian *imp;
		const struct policy_student **ns;
		const char		*id, *str;
		struct ycfg_key		 k[] = {
			/* No e-mail is fine: such a family signs in with a name or phone it chose. */
			{ "name", 1, NULL, NULL }, { "email", 0, NULL, NULL },
			{ "students", 1, NULL, NULL }, { "phone", 0, NULL, NULL },
			{ "language", 0, NULL, NULL },
		};
		yaml_node_item_t	*items;
		int			 count;
		char			 what[120];

		ycfg_map_pair(y, n, i, &kn, &v);
		if ((id = ycfg_str(y, kn, "a guardian id")) == NULL)
			continue;
		if (!ycfg_valid_id(id)) {
			ycfg_err(y, kn, "guardian id \"%.80s\" must be 1-64 letters, "
			    "digits, '.', '_' or '-'", id);
			continue;
		}
		if ((imp = policy_guardian_find(p, id)) != NULL &&
		    (!imp->imported || seen[imp - p->guardians]++)) {
			ycfg_err(y, kn, "guardian \"%s\" defined twice", id);
			continue;
		}
		if (imp != NULL) {
			/* An imported guardian: what is written here wins, students are added. */
			g = &p->guardians[imp - p->guardians];
			k[0].required = k[2].required = 0;
		} else {
			g->id = strdup(id);
			p->nguardians++;
		}
		snprintf(what, sizeof(what), "guardian %s", id);
		if (ycfg_map(y, v, k, 5, what) != 0 && v->type != YAML_MAPPING_NODE)
			continue;
		if (k[0].val != NULL && (str = ycfg_str(y, k[0].val, "name")) != NULL) {
			free(g->name);
			g->name = strdup(str);
		}
		if (k[1].val != NULL && (str = ycfg_str(y, k[1].val, "email")) != NULL) {
			if (!policy_valid_email(str))
				ycfg_err(y, k[1].val, "\"%.80s\" is not an email "
				    "address", str);
			else {
				free(g->email);
				g->email = strdup(str);
			}
		}
		if (k[3].val != NULL && (str = ycfg_str(y, k[3].val, "phone")) != NULL) {
			free(g->phone);
			g->phone = strdup(str);
		}
		if (k[4].val != NULL && (str = ycfg_str(y, k[4].val, "language")) != NULL) {
			free(g->lang);
			g->lang = strdup(str);
		}
		if (k[2].val == NULL ||
		    (count = ycfg_seq(y, k[2].val, "students", &items)) < 0)
			continue;
		if (count == 0 && imp == NULL) {
			ycfg_err(y, k[2].val, "a guardian needs at least one student");
			continue;
		}
		ns = realloc(g->students, (g->nstudents + (size_t)count + 1) *
		    sizeof(*g->students));
		if (ns == NULL)
			continue;
		g->students = ns;
		for (int j = 0; j < count; j++) {
			yaml_node_t *it = ycfg_node(y, items[j]);
			const struct policy_student *s;

			if ((str = ycfg_str(y, it, "a student id")) == NULL)
				continue;
			if ((s = policy_student_find(p, str)) == NULL) {
				ycfg_err(y, it, "unknown student \"%.80s\"", str);
				continue;
			}
			for (size_t m = 0; m < g->nstudents; m++)
				if (g->students[m] == s) {
					/* Already linked by the roster: nothing to add. */
					if (imp == NULL)
						ycfg_err(y, it, "student \"%s\" listed "
						    "twice", str);
					s = NULL;
					break;
				}
			if (s != NULL)
				g->students[g->nstudents++] = s;
		}
	}
	free(seen);
	if (policy_sort_guardians(p) != 0)
		ycfg_err(y, n, "out of memory");
}

int
policy_main_load(struct policy *p, const char *dir, struct diag *d)
{
	struct ycfg	 y;
	yaml_node_t	*root;
	char		 err[256];
	const char	*s;
	struct ycfg_key	 k[] = {
		{ "timezone", 1, NULL, NULL }, { "default_group", 1, NULL, NULL },
		{ "groups", 1, NULL, NULL }, { "students", 0, NULL, NULL },
		{ "guardians", 0, NULL, NULL }, { "group_rules", 0, NULL, NULL },
	};
	struct roster	*ro = NULL;
	int		 g, rc;

	if (asprintf(&p->policy_file, "%s/policy.yaml", dir) < 0) {
		p->policy_file = NULL;
		return -1;
	}
	if (ycfg_load(&y, p->policy_file, p->policy_file, d) != 0) {
		ycfg_free(&y);
		return -1;
	}
	root = ycfg_root(&y);
	(void)ycfg_map(&y, root, k, 6, "policy.yaml");
	if (k[0].val != NULL && (s = ycfg_str(&y, k[0].val, "timezone")) != NULL &&
	    (p->tz = tz_load(s, err, sizeof(err))) == NULL)
		ycfg_err(&y, k[0].val, "%s", err);
	if (k[2].val != NULL)
		policy_groups(p, &y, k[2].val);
	if (k[1].val != NULL &&
	    (s = ycfg_str(&y, k[1].val, "default_group")) != NULL) {
		if ((g = policy_group_find(p, s)) < 0)
			ycfg_err(&y, k[1].val, "unknown group \"%.80s\"", s);
		else {
			p->default_group = (uint32_t)g;
			p->default_group_name = p->groups[g].name;
		}
	}
	if (k[5].val != NULL)
		policy_grouprules(p, &y, k[5].val);
	/* The generated roster, when there is one, under policy.yaml's exceptions. */
	if (p->roster_file == NULL && asprintf(&p->roster_file, "%s/%s", dir,
	    ROSTER_FILE) < 0)
		p->roster_file = NULL;
	if (p->roster_file != NULL && access(p->roster_file, F_OK) == 0) {
		if ((ro = roster_new()) == NULL || roster_read(ro, p->roster_file, d) != 0)
			y.nerr++;
	} else {
		free(p->roster_file);
		p->roster_file = NULL;
	}
	/* Without the roster, policy.yaml's exceptions would all read as incomplete students. */
	if (y.nerr == 0 || ro == NULL) {
		policy_students(p, &y, k[3].val, ro);
		policy_guardians(p, &y, k[4].val, ro);
	}
	roster_free(ro);
	rc = y.nerr ? -1 : 0;
	ycfg_free(&y);
	return rc;
}

static void
policy_free(struct policy *p)
{
	size_t i, j;

	for (i = 0; i < p->ncategories; i++) {
		struct policy_category *c = &p->categories[i];

		free(c->name);
		free(c->description);
		free(c->file);
		for (j = 0; j < c->npatterns; j++) {
			pcre2_code_free(c->patterns[j].code);
			free(c->patterns[j].text);
		}
		free(c->patterns);
	}
	free(p->categories);
	for (i = 0; i < p->nurls; i++) {
		free(p->urls[i].path);
		free(p->urls[i].text);
	}
	free(p->urls);
	for (i = 0; i < p->ngroups; i++) {
		struct policy_group *g = &p->groups[i];

		free(g->name);
		free(g->blocks);
		free(g->refs);
		for (j = 0; j < g->nschedules; j++) {
			free(g->schedules[j].name);
			free(g->schedules[j].blocks);
			free(g->schedules[j].refs);
		}
		free(g->schedules);
	}
	free(p->groups);
	for (i = 0; i < p->nstudents; i++) {
		free(p->students[i].id);
		free(p->students[i].name);
		free(p->students[i].school);
		free(p->students[i].school_name);
		free(p->students[i].grade);
	}
	free(p->students);
	free(p->sorder);
	for (i = 0; i < p->nguardians; i++) {
		free(p->guardians[i].id);
		free(p->guardians[i].name);
		free(p->guardians[i].email);
		free(p->guardians[i].phone);
		free(p->guardians[i].lang);
		free(p->guardians[i].relation);
		free(p->guardians[i].students);
	}
	free(p->guardians);
	free(p->gorder);
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < p->rules[i].nschools; j++)
			free(p->rules[i].schools[j]);
		free(p->rules[i].schools);
	}
	free(p->rules);
	for (i = 0; i < p->nhotspots; i++)
		free(p->hotspots[i].id);
	free(p->hotspots);
	free(p->devnet);
	free(p->netgroups);
	free(p->roster_file);
	for (i = 0; i < p->nengines; i++) {
		free(p->engines[i].id);
		for (j = 0; j < 3; j++)
			free(p->engines[i].target[j]);
	}
	free(p->engines);
	free(p->devmac);
	free(p->macslots);
	free(p->devip);
	free(p->lists);
	domtab_free(p->domains);
	domtab_free(p->urlhosts);
	domtab_free(p->sshosts);
	pcre2_match_context_free(p->mctx);
	tz_free(p->tz);
	free(p->policy_file);
	free(p->safesearch_file);
	free(p->dir);
	free(p);
}

static struct policy *
policy_load_mode(const char *dir, int roster_only, const char *roster,
    struct diag *d)
{
	struct policy	*p;
	size_t		 before = diag_count(d);
	int		 bad = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	atomic_init(&p->refs, 1);
	p->roster_only = roster_only;
	p->dir = strdup(dir);
	if (roster != NULL && (p->roster_file = strdup(roster)) == NULL) {
		diag_add(d, dir, 0, 0, "out of memory");
		policy_free(p);
		return NULL;
	}
	p->domains = domtab_new();
	p->urlhosts = domtab_new();
	p->sshosts = domtab_new();
	p->mctx = pcre2_match_context_create(NULL);
	if (p->dir == NULL || p->domains == NULL || p->urlhosts == NULL ||
	    p->sshosts == NULL || p->mctx == NULL) {
		diag_add(d, dir, 0, 0, "out of memory");
		policy_free(p);
		return NULL;
	}
	/* Host names are at most 253 bytes, but a careless pattern can still backtrack hard. */
	pcre2_set_match_limit(p->mctx, 100000);
	if (!roster_only)
		bad |= policy_rules_load(p, dir, d);
	else if (policy_rules_names(p, dir) != 0) {
		diag_add(d, dir, 0, 0, "out of memory");
		bad = 1;
	}
	bad |= policy_main_load(p, dir, d);
	if (!roster_only)
		bad |= policy_safesearch_load(p, dir, d);
	if (!bad && diag_count(d) == before) {
		if (domtab_build(p->domains) != 0 || domtab_build(p->urlhosts) != 0 ||
		    domtab_build(p->sshosts) != 0) {
			diag_add(d, dir, 0, 0, "out of memory");
			bad = 1;
		}
	}
	if (bad || diag_count(d) != before) {
		policy_free(p);
		return NULL;
	}
	return p;
}

struct policy *
policy_load(const char *dir, struct diag *d)
{
	return policy_load_mode(dir, 0, NULL, d);
}

struct policy *
policy_load_roster(const char *dir, struct diag *d)
{
	return policy_load_mode(dir, 1, NULL, d);
}

struct policy *
policy_load_roster_file(const char *dir, const char *roster, struct diag *d)
{
	return policy_load_mode(dir, 1, roster, d);
}

struct policy *
policy_ref(struct policy *p)
{
	atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return p;
}

void
policy_unref(struct policy *p)
{
	if (p != NULL &&
	    atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
		policy_free(p);
}
