/* roster_dev: the device file that says which MAC, address, network or hotspot is which student. */
#include "roster_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "roster_csv.h"

enum { DEV_STUDENT, DEV_MAC, DEV_IP, DEV_HOTSPOT, DEV_NCOLS };

struct roster_dev_ctx {
	struct roster	*r;
	struct diag	*d;
	const char	*file;
	int		 col[DEV_NCOLS];
	size_t		 nheader;
	int		 header_done, skip, nerr;
};

/* Header names, with the aliases districts' spreadsheets use. */
static int
roster_dev_colname(const char *s)
{
	static const char *const names[][3] = {
		{ "student", "studentSourcedId", "sourcedId" },
		{ "mac", "macAddress", "mac_address" },
		{ "ip", "address", "cidr" },
		{ "hotspot", "hotspotId", "hotspot_id" },
	};

	for (int i = 0; i < DEV_NCOLS; i++)
		for (int j = 0; j < 3; j++)
			if (strcasecmp(s, names[i][j]) == 0)
				return i;
	return -1;
}

static int
roster_dev_row(char **f, size_t nf, size_t line, void *arg)
{
	struct roster_dev_ctx	*c = arg;
	struct roster_person	*p;
	const char		*sid, *mac, *ip, *hs, *why;
	char			 nmac[18], nip[64];

#define DEV_ERR(...) do { diag_add(c->d, c->file, line, 0, __VA_ARGS__); c->nerr++; } while (0)
	if (c->skip)
		return 0;
	if (!c->header_done) {
		c->header_done = 1;
		c->nheader = nf;
		for (int k = 0; k < DEV_NCOLS; k++)
			c->col[k] = -1;
		for (size_t i = 0; i < nf; i++) {
			int k = roster_dev_colname(f[i]);

			if (k >= 0 && c->col[k] < 0)
				c->col[k] = (int)i;
		}
		if (c->col[DEV_STUDENT] < 0 || (c->col[DEV_MAC] < 0 &&
		    c->col[DEV_IP] < 0 && c->col[DEV_HOTSPOT] < 0)) {
			DEV_ERR("the header must name a student column and at least "
			    "one of mac, ip, hotspot");
			c->skip = 1;
		}
		return 0;
	}
	if (nf != c->nheader) {
		DEV_ERR("%zu fields where the header has %zu", nf, c->nheader);
		return 0;
	}
	sid = f[c->col[DEV_STUDENT]];
	mac = c->col[DEV_MAC] >= 0 ? f[c->col[DEV_MAC]] : "";
	ip = c->col[DEV_IP] >= 0 ? f[c->col[DEV_IP]] : "";
	hs = c->col[DEV_HOTSPOT] >= 0 ? f[c->col[DEV_HOTSPOT]] : "";
	if ((p = roster_person_find(c->r, sid)) == NULL || p->role != ROSTER_STUDENT) {
		DEV_ERR("student \"%.80s\" is not in the roster", sid);
		return 0;
	}
	if (*mac == '\0' && *ip == '\0' && *hs == '\0') {
		DEV_ERR("a device needs a mac, an ip, or a hotspot");
		return 0;
	}
	if (*hs != '\0' && (*mac != '\0' || *ip != '\0')) {
		DEV_ERR("a hotspot stands for everything behind it: give it alone, "
		    "without mac or ip");
		return 0;
	}
	if (*hs != '\0' && !roster_valid_id(hs)) {
		DEV_ERR("hotspot id \"%.80s\" must be 1-64 letters, digits, '.', '_' "
		    "or '-'", hs);
		return 0;
	}
	if (*mac != '\0' && roster_mac_norm(mac, nmac) != 0) {
		DEV_ERR("\"%.40s\" is not a MAC address like 02:00:00:00:10:01", mac);
		return 0;
	}
	if (*ip != '\0' && roster_ip_norm(ip, nip, sizeof(nip), &why) != 0) {
		DEV_ERR("\"%.60s\": %s", ip, why);
		return 0;
	}
	if (*ip != '\0' && *mac != '\0' && strchr(nip, '/') != NULL) {
		DEV_ERR("a network cannot be paired with a MAC: give the device's "
		    "own address, or the network alone");
		return 0;
	}
	return roster_add_device(c->r, sid, *mac ? nmac : NULL, *ip ? nip : NULL,
	    *hs ? hs : NULL, c->file, line);
#undef DEV_ERR
}

int
roster_dev_parse(struct roster *r, const char *file, const char *buf, size_t len,
    struct diag *d)
{
	struct roster_dev_ctx c;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.d = d;
	if ((c.file = roster_keep(r, file)) == NULL)
		return -1;
	roster_clear_devices(r);
	if (roster_csv_parse(c.file, buf, len, roster_dev_row, &c, d) != 0)
		c.nerr++;
	if (!c.header_done) {
		diag_add(d, c.file, 0, 0, "the file is empty (a header line is needed)");
		c.nerr++;
	}
	return c.nerr ? -1 : 0;
}

int
roster_dev_load(struct roster *r, const char *path, struct diag *d)
{
	FILE		*f = fopen(path, "rb");
	struct stat	 st;
	char		*buf;
	size_t		 len;
	int		 rc;

	if (f == NULL) {
		diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		diag_add(d, path, 0, 0, "not a regular file");
		fclose(f);
		return -1;
	}
	len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	rc = roster_dev_parse(r, path, buf, len, d);
	free(buf);
	return rc;
}
