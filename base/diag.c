/* diag: collects configuration errors as formatted lines; the caller decides where they go. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}

size_t
diag_count(const struct diag *d)
{
	return d->n + d->dropped;
}

void
diag_each(const struct diag *d, void (*cb)(const char *, void *), void *arg)
{
	char more[64];

	for (size_t i = 0; i < d->n; i++)
		cb(d->msgs[i], arg);
	if (d->dropped) {
		snprintf(more, sizeof(more), "... and %zu more errors", d->dropped);
		cb(more, arg);
	}
}

static void
diag_print_line(const char *line, void *arg)
{
	fprintf(arg, "%s\n", line);
}

void
diag_print(const struct diag *d, FILE *f)
{
	diag_each(d, diag_print_line, f);
}

void
diag_add(struct diag *d, const char *file, size_t line, size_t col,
    const char *fmt, ...)
{
	char	 msg[1024], *s;
	va_list	 ap;
	int	 len;

	if (d->n >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		len = asprintf(&s, "%s:%zu:%zu: %s", file, line, col, msg);
	else
		len = asprintf(&s, "%s: %s", file, msg);
	if (len < 0) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t	 ncap = d->cap ? d->cap * 2 : 8;
		char	**nm = realloc(d->msgs, ncap * sizeof(*nm));

		if (nm == NULL) {
			free(s);
			d->dropped++;
			return;
		}
		d->msgs = nm;
		d->cap = ncap;
	}
	d->msgs[d->n++] = s;
}
