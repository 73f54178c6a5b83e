/* engage: the engagement report — which families (guardians) of each school and group the district reaches, joined from the roster in force and the database. */
#ifndef HALLPASS_ENGAGE_H
#define HALLPASS_ENGAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"
#include "store.h"

#define ENGAGE_ACTIVE_DAYS	30

/*
 * A family is a guardian of the roster, counted in every school and group
 * where they have a student (once in a total).  Definitions (docs/staff.md):
 * invited: an enrolment code unused and unexpired; enrolled: has a dashboard
 * account; acknowledged: enrolled and accepted the current terms; active:
 * logged in or enrolled in the last 30 days; never reached: not enrolled.
 */
struct engage_count {
	long	students, families, invited, enrolled, acked, active, unreached;
};

struct engage_row {
	const char		*school;	/* org id, "" for students without one */
	const char		*school_name;	/* the roster's name, else the id */
	const char		*group;
	struct engage_count	 n;
};

/* A family to reach: a guardian not enrolled, with their students in the row. */
struct engage_family {
	const char	*id, *name, *language, *phone, *email, *relation;
	const char	*school, *school_name, *group;
	const char	*students;	/* names, "; "-separated */
	int		 invited;
};

struct engage;

/*
 * Builds the report at now_ms for terms version aup_version.  Students
 * count when in_scope(school, arg) says 1 (NULL: every school) and, with
 * only_school, are of that school.  NULL with err set on failure.
 */
struct engage	*engage_build(const struct policy *, struct store *, long aup_version,
		    int64_t now_ms, int (*in_scope)(const char *school, void *),
		    void *scope_arg, const char *only_school, char *err, size_t errlen);
void		 engage_free(struct engage *);
/* Rows by school id ("" last), then group. */
size_t		 engage_nrows(const struct engage *);
const struct engage_row *engage_row_at(const struct engage *, size_t);
const struct engage_count *engage_total(const struct engage *);
/*
 * The families to reach (never reached) of school and group (either NULL:
 * any), row by row; cb returns nonzero to stop.  Returns how many were
 * passed.
 */
size_t		 engage_families(const struct engage *, const char *school,
		    const char *group, int (*cb)(const struct engage_family *, void *),
		    void *arg);

/* Output: put(bytes, n, arg) receives the text; a nonzero return stops and is returned. */
typedef int	(*engage_put)(const char *, size_t, void *);
/*
 * One CSV field, quoted (libcsv): a value a spreadsheet would run as a
 * formula (starting with = @ tab or CR, or + - not followed by a digit,
 * space or '(') is prefixed with an apostrophe.
 */
int	engage_csv_cell(const char *, engage_put, void *);
int	engage_csv(const struct engage *, engage_put, void *);
int	engage_families_csv(const struct engage *, const char *school,
	    const char *group, engage_put, void *);
int	engage_json(const struct engage *, FILE *);
/* The FILE* put for the CLI. */
int	engage_put_file(const char *, size_t, void *);

#endif
