/* store_impl: the store handle and helpers shared by store.c and store_dash.c, hidden from callers. */
#ifndef HALLPASS_STORE_IMPL_H
#define HALLPASS_STORE_IMPL_H

#include <sqlite3.h>
#include <stddef.h>

/* Room for store.c's statements (checked there at compile time) and the dashboard's. */
#define STORE_ST_MAX		32
#define STORE_DASH_ST_MAX	32

struct store {
	sqlite3		*db;
	char		*path;
	int		 flags;
	int		 in_query;	/* a query's statement is mid-step: its callback is running */
	sqlite3_stmt	*st[STORE_ST_MAX];	/* prepared on first use: the CGI never compiles the writer's */
	sqlite3_stmt	*dst[STORE_DASH_ST_MAX];	/* store_dash.c's, also prepared on first use */
};

/* Copies SQLite's message (with the path and what was being done) into err. */
void	store_dberr(const struct store *, char *, size_t, const char *what);
void	store_stmt_done(sqlite3_stmt *);
int	store_run(struct store *, sqlite3_stmt *, const char *what, char *, size_t);
int	store_begin(struct store *, char *, size_t);
int	store_commit(struct store *, char *, size_t);
void	store_rollback(struct store *);
int	store_bind_text(sqlite3_stmt *, int, const char *);
int	store_writable(const struct store *, const char *fn, char *, size_t);
/* Finalizes store_dash.c's statements; store_close calls it. */
void	store_dash_finalize(struct store *);

#endif
