/* mkseeds: turns frames of real captures into fuzz corpus files (first byte = link type index). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

static const int dlts[] = { 1, 113, 276, 12, 0, 108, 228, 229 };

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	int  n = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUTDIR CAPTURE...\n");
		return 2;
	}
	for (int a = 2; a < argc; a++) {
		pcap_t			*p = pcap_open_offline(argv[a], errbuf);
		struct pcap_pkthdr	*h;
		const u_char		*f;
		int			 i = 0, k, dlt;

		if (p == NULL)
			continue;
		dlt = pcap_datalink(p);
		for (k = 0; k < 8 && dlts[k] != dlt; k++)
			;
		/* The first frames carry the handshakes and ClientHellos worth mutating. */
		while (k < 8 && i < 12 && pcap_next_ex(p, &h, &f) == 1) {
			char	 path[4096];
			FILE	*o;
			unsigned char b = (unsigned char)k;

			if (h->caplen < 60 && i > 0)
				continue;
			snprintf(path, sizeof(path), "%s/seed-%03d", argv[1], n++);
			if ((o = fopen(path, "wb")) == NULL)
				return 1;
			fwrite(&b, 1, 1, o);
			fwrite(f, 1, h->caplen, o);
			fclose(o);
			i++;
		}
		pcap_close(p);
	}
	printf("%d seeds\n", n);
	return 0;
}
