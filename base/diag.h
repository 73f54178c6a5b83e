/* diag: a caller-owned list of "FILE:LINE:COLUMN: message" errors, so every problem is reported at once. */
#ifndef HALLPASS_DIAG_H
#define HALLPASS_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* Enough for every error a careless edit can make without letting a hostile file eat memory. */
#define DIAG_MAX 1000

struct diag {
	char	**msgs;
	size_t	  n;
	size_t	  cap;
	size_t	  dropped;	/* errors past DIAG_MAX, counted not stored */
};

void	diag_init(struct diag *);
void	diag_free(struct diag *);
/* line and col are 1-based; 0 means "the whole file". */
void	diag_add(struct diag *, const char *file, size_t line, size_t col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t	diag_count(const struct diag *);
/*
 * Calls cb with each message, then with "... and N more errors" when some
 * were dropped: the one walk every printer (stderr, the daemon's log, the
 * CGI's error log) shares.
 */
void	diag_each(const struct diag *, void (*cb)(const char *line, void *), void *arg);
/* diag_each onto f, a line each. */
void	diag_print(const struct diag *, FILE *f);

#endif
