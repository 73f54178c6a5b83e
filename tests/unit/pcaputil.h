/* pcaputil: the IP packets of a pcap/pcapng file (libpcap, any common link type) and MANIFEST.tsv rows, for tests. */
#ifndef HALLPASS_PCAPUTIL_H
#define HALLPASS_PCAPUTIL_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not every libpcap names these. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

/* Called per IP packet: caplen bytes captured out of wirelen. */
typedef void	(*pcaputil_fn)(const uint8_t *ip, size_t caplen, size_t wirelen,
		    void *arg);

/* The captures directory: $HALLPASS_TOP/../shared/captures, else ../../shared/captures. */
static inline const char *
pcaputil_dir(void)
{
	static char	 dir[1024];
	const char	*top = getenv("HALLPASS_TOP");

	if (top != NULL && *top != '\0')
		snprintf(dir, sizeof(dir), "%s/../shared/captures", top);
	else
		snprintf(dir, sizeof(dir), "../../shared/captures");
	return dir;
}

/*
 * Strips the link header of one frame; returns the offset of the IP header
 * and the ethertype-like protocol, or -1 for a frame that holds no IP.
 */
static inline long
pcaputil_link(int dlt, const uint8_t *f, size_t caplen)
{
	size_t		 off;
	unsigned	 et;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -1;
		off = 12;
		et = (unsigned)(f[off] << 8 | f[off + 1]);
		/* 802.1Q, 802.1ad and old QinQ tags, any depth */
		while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			off += 4;
			if (caplen < off + 2)
				return -1;
			et = (unsigned)(f[off] << 8 | f[off + 1]);
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		et = (unsigned)(f[14] << 8 | f[15]);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		et = (unsigned)(f[0] << 8 | f[1]);
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		/* The family is in the capturing host's byte order: go by the IP version. */
		if (caplen < 5)
			return -1;
		return (f[4] >> 4) == 4 || (f[4] >> 4) == 6 ? 4 : -1;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 0;
	default:
		return -1;
	}
	if (et != 0x0800 && et != 0x86dd)
		return -1;
	return off <= caplen ? (long)off : -1;
}

/* Calls fn for every IP packet of path; the number of packets fed, or -1 if it cannot be read. */
static inline long
pcaputil_each(const char *path, pcaputil_fn fn, void *arg)
{
	char			 err[PCAP_ERRBUF_SIZE];
	pcap_t			*p;
	struct pcap_pkthdr	*h;
	const u_char		*f;
	long			 n = 0, off;
	int			 dlt, r;

	if ((p = pcap_open_offline(path, err)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	dlt = pcap_datalink(p);
	while ((r = pcap_next_ex(p, &h, &f)) == 1) {
		if ((off = pcaputil_link(dlt, f, h->caplen)) < 0 ||
		    h->len < (size_t)off)
			continue;
		fn(f + off, h->caplen - (size_t)off, h->len - (size_t)off, arg);
		n++;
	}
	pcap_close(p);
	return r == -2 ? n : -1;
}

/* MANIFEST.tsv: file, proto, names (comma-separated), notes. */
struct pcaputil_row {
	char	 file[128];
	char	 proto[64];
	char	*names;		/* comma-separated, may be "" */
	char	*notes;
	char	*line;
};

/* Finds file's row in MANIFEST.tsv; row->line must be freed. */
static inline int
pcaputil_manifest(const char *file, struct pcaputil_row *row)
{
	char	 path[1200], *line = NULL, *f[4], *s;
	size_t	 cap = 0;
	FILE	*fp;
	int	 found = -1;

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", pcaputil_dir());
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		s = line;
		for (int i = 0; i < 4; i++)
			f[i] = strsep(&s, "\t");
		if (f[3] == NULL || strcmp(f[0], file) != 0)
			continue;
		snprintf(row->file, sizeof(row->file), "%s", f[0]);
		snprintf(row->proto, sizeof(row->proto), "%s", f[1]);
		row->names = f[2];
		row->notes = f[3];
		row->line = line;
		found = 0;
		break;
	}
	fclose(fp);
	if (found == -1)
		free(line);
	return found;
}

/* Reads the number just before what in the manifest notes, -1 if absent. */
static inline int
pcaputil_count(const char *notes, const char *what)
{
	const char	*p = strstr(notes, what), *q;

	if (p == NULL)
		return -1;
	for (q = p; q > notes && q[-1] == ' '; q--)
		;
	if (q == notes || q[-1] < '0' || q[-1] > '9')
		return -1;
	while (q > notes && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return atoi(q);
}

/* Whether name is one of the comma-separated list. */
static inline int
pcaputil_listed(const char *list, const char *name)
{
	size_t	 n = strlen(name), l;

	for (const char *s = list; *s != '\0'; s += l + (s[l] == ',')) {
		l = strcspn(s, ",");
		if (l == n && strncmp(s, name, n) == 0)
			return 1;
	}
	return 0;
}

#endif
