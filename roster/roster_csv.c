/* roster_csv: libcsv driven a line at a time, so every record carries the line it starts on. */
#include "roster_csv.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "hp_str.h"

/* A hostile file cannot make one record take more than this many fields. */
#define ROSTER_CSV_MAXFIELDS	512

struct roster_csv_state {
	const char		*file;
	struct diag		*d;
	roster_csv_row_fn	 cb;
	void			*arg;
	char			*fields[ROSTER_CSV_MAXFIELDS];
	size_t			 nf;
	size_t			 line;		/* the line being fed */
	size_t			 start;		/* the line the current record began on */
	int			 between;	/* no record under way: the next text starts one */
	int			 bad;		/* this record already has an error */
	int			 stop;
	int			 nerr;
};

static void
roster_csv_clear(struct roster_csv_state *s)
{
	for (size_t i = 0; i < s->nf; i++)
		free(s->fields[i]);
	s->nf = 0;
	s->between = 1;
	s->bad = 0;
}

static void
roster_csv_field(void *data, size_t len, void *arg)
{
	struct roster_csv_state	*s = arg;
	char			*f;

	if (s->bad || s->stop)
		return;
	if (s->nf == ROSTER_CSV_MAXFIELDS) {
		diag_add(s->d, s->file, s->start, 0, "more than %d fields in one "
		    "record", ROSTER_CSV_MAXFIELDS);
		s->nerr++;
		s->bad = 1;
		return;
	}
	if (memchr(data, '\0', len) != NULL || !hp_utf8_valid(data, len)) {
		diag_add(s->d, s->file, s->start, 0, "field %zu is not UTF-8 text "
		    "(save the export as UTF-8)", s->nf + 1);
		s->nerr++;
		s->bad = 1;
		return;
	}
	if ((f = malloc(len + 1)) == NULL) {
		s->stop = 1;
		return;
	}
	if (len > 0)
		memcpy(f, data, len);
	f[len] = '\0';
	s->fields[s->nf++] = f;
}

static void
roster_csv_record(int c, void *arg)
{
	struct roster_csv_state *s = arg;
	size_t			 i;

	(void)c;
	for (i = 0; i < s->nf && s->fields[i][0] == '\0'; i++)
		;
	/* Only empty fields (a line of spaces or commas) is a blank line, not a record. */
	if (i == s->nf && !s->bad) {
		roster_csv_clear(s);
		return;
	}
	if (!s->bad && !s->stop && s->cb(s->fields, s->nf, s->start, s->arg) != 0)
		s->stop = 1;
	roster_csv_clear(s);
}

int
roster_csv_parse(const char *file, const char *buf, size_t len,
    roster_csv_row_fn cb, void *arg, struct diag *d)
{
	struct roster_csv_state	 s;
	struct csv_parser	 p;
	size_t			 off = 0;

	memset(&s, 0, sizeof(s));
	s.file = file;
	s.d = d;
	s.cb = cb;
	s.arg = arg;
	s.line = 1;
	s.between = 1;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		diag_add(d, file, 0, 0, "out of memory");
		return -1;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	/* One physical line per csv_parse call: the line count is exact between calls. */
	while (off < len && !s.stop) {
		size_t end = off;

		while (end < len && buf[end] != '\n' &&
		    !(buf[end] == '\r' && (end + 1 >= len || buf[end + 1] != '\n')))
			end++;
		if (end < len)
			end++;
		if (s.between) {
			for (size_t i = off; i < end; i++)
				if (buf[i] != '\r' && buf[i] != '\n' && buf[i] != ' ' &&
				    buf[i] != '\t') {
					s.start = s.line;
					s.between = 0;
					break;
				}
		}
		if (csv_parse(&p, buf + off, end - off, roster_csv_field,
		    roster_csv_record, &s) != end - off) {
			diag_add(d, file, s.line, 0, "%s", csv_strerror(csv_error(&p)));
			s.nerr++;
			break;
		}
		off = end;
		s.line++;
	}
	/*
	 * libcsv outside strict mode closes a quote left open at the end, which
	 * would swallow the rest of the file into one field: its public state
	 * (FIELD_BEGUN, 2, inside a quoted field) says so before csv_fini.
	 */
	if (!s.stop && p.pstate == 2 && p.quoted) {
		diag_add(d, file, s.start, 0, "a quoted field is never closed");
		s.nerr++;
		s.stop = 1;
	}
	if (!s.stop && csv_fini(&p, roster_csv_field, roster_csv_record, &s) != 0) {
		diag_add(d, file, s.start, 0, "%s", csv_strerror(csv_error(&p)));
		s.nerr++;
	}
	roster_csv_clear(&s);
	csv_free(&p);
	if (s.stop && s.nerr == 0) {
		diag_add(d, file, s.start, 0, "out of memory");
		s.nerr++;
	}
	return s.nerr ? -1 : 0;
}
