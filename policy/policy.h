/* policy: the public API of libhallpass-policy — load a config directory into a snapshot, then decide. */
#ifndef HALLPASS_POLICY_H
#define HALLPASS_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"

struct policy;			/* an immutable compiled snapshot */
struct policy_student;		/* a roster entry inside a snapshot */
struct policy_guardian;

enum policy_action {
	POLICY_ALLOW = 0,
	POLICY_BLOCK,
	POLICY_SAFESEARCH,	/* allow, but answer with the engine's safe-search host */
};

/* Why a decision came out as it did, in precedence order (docs/config.md). */
enum policy_reason {
	POLICY_R_DEFAULT = 0,		/* no rule matched: allowed */
	POLICY_R_STUDENT_DENY,
	POLICY_R_STUDENT_ALLOW,
	POLICY_R_GROUP_DENY,
	POLICY_R_SCHEDULE,
	POLICY_R_GROUP_ALLOW,
	POLICY_R_CATEGORY_BLOCKED,
	POLICY_R_BLOCK_ALL,		/* the group blocks everything not allowed */
	POLICY_R_CATEGORY_ALLOWED,	/* in a category the group does not block */
	POLICY_R_SAFESEARCH,
};

enum policy_safesearch {
	POLICY_SS_OFF = 0,
	POLICY_SS_MODERATE,
	POLICY_SS_STRICT,
};

struct policy_decision {
	enum policy_action	 action;
	enum policy_reason	 reason;
	const char		*category;	/* category the host is in, or NULL */
	const char		*rule_file;	/* where the name matched: list entry or pattern */
	unsigned		 rule_line;
	const char		*matched;	/* the entry or pattern that matched, or NULL */
	const char		*policy_file;	/* where the policy applied: block entry or schedule */
	unsigned		 policy_line;
	const char		*group;		/* the group whose policy applied */
	const char		*schedule;	/* for POLICY_R_SCHEDULE */
	const char		*rewrite;	/* for POLICY_SAFESEARCH: the engine's target host */
	int			 host_valid;	/* 0 if the host was not a valid name or IP literal */
};

/*
 * Loads every DIR/rules.d YAML file, DIR/policy.yaml, DIR/roster.csv (the SIS
 * import, when there is one: docs/roster.md) and DIR/safesearch.yaml into a
 * new snapshot with a reference count of one.  On any error returns NULL and
 * adds every problem found to diag as "FILE:LINE:COLUMN: message".
 */
struct policy	*policy_load(const char *dir, struct diag *);
/*
 * Loads only DIR/policy.yaml (time zone, groups, schedules, students,
 * guardians) for programs that need the roster but never decide, such as
 * hallpass.cgi: rules.d and safesearch.yaml are not read, so a category a
 * group blocks is not checked against rules.d and is left out.  The snapshot
 * supports the roster accessors (policy_student_*, policy_client_lookup,
 * policy_guardian_*), policy_timezone, policy_default_group,
 * policy_parse_local and policy_local_day; policy_decide,
 * policy_category_domains, policy_safesearch_targets and policy_stats
 * answer as if rules.d were empty and must not be relied on.
 */
struct policy	*policy_load_roster(const char *dir, struct diag *);
/*
 * policy_load_roster with roster (a roster.csv) read in place of
 * DIR/roster.csv: how `hallpass roster import` checks what it is about to
 * apply against policy.yaml.
 */
struct policy	*policy_load_roster_file(const char *dir, const char *roster,
		    struct diag *);
/* Snapshots are shared between threads: the last unref frees. */
struct policy	*policy_ref(struct policy *);
void		 policy_unref(struct policy *);

/*
 * Decides for student (NULL: the default group) and host (len bytes, any
 * case, maybe a trailing dot or an IP literal), with an optional URL path
 * (plain HTTP) at UTC instant now.  Pure: no I/O, no allocation after a
 * thread's first call, safe to call from many threads on one snapshot.
 * The strings in out point into the snapshot.
 */
void	policy_decide(const struct policy *, const struct policy_student *,
	    const char *host, size_t len, const char *path, time_t now,
	    struct policy_decision *out);
/* Plain-words reason for IT ("gambling is blocked for group elementary"). */
void	policy_decision_why(const struct policy_decision *, char *buf, size_t);
const char *policy_action_name(enum policy_action);
const char *policy_reason_name(enum policy_reason);

/* Roster. */
const struct policy_student *policy_student_find(const struct policy *, const char *id);
/*
 * By MAC (6 bytes, may be NULL) first, then by address (af AF_INET/AF_INET6,
 * may be NULL), then by the longest network holding the address.
 */
const struct policy_student *policy_client_lookup(const struct policy *,
	    const uint8_t *mac, int af, const void *addr);
/* The student a hotspot id stands for (everything behind it), or NULL. */
const struct policy_student *policy_hotspot_student(const struct policy *,
	    const char *hotspot);
/*
 * Calls cb once per device with its student and the device as text ("mac
 * 02:00:00:00:10:01", "mac ... ip 192.0.2.5", "ip 10.8.0.0/24", "hotspot
 * hs-17"), in no particular order.
 */
void		 policy_devices_each(const struct policy *,
		    void (*cb)(const struct policy_student *, const char *, void *),
		    void *arg);
/* DIR/roster.csv when the snapshot read one, else NULL. */
const char	*policy_roster_file(const struct policy *);
const char	*policy_student_id(const struct policy_student *);
const char	*policy_student_name(const struct policy_student *);
const char	*policy_student_group(const struct policy_student *);
/* From roster.csv (NULL for a student only in policy.yaml, or left out by the SIS). */
const char	*policy_student_school(const struct policy_student *);	/* org id */
const char	*policy_student_school_name(const struct policy_student *);
const char	*policy_student_grade(const struct policy_student *);
/* The student's i for policy_student_at. */
size_t		 policy_student_index(const struct policy_student *);
/* 1 when the student came from roster.csv (policy.yaml may add exceptions). */
int		 policy_student_imported(const struct policy_student *);
size_t		 policy_student_count(const struct policy *);
const struct policy_student *policy_student_at(const struct policy *, size_t);

const struct policy_guardian *policy_guardian_find(const struct policy *, const char *id);
const char	*policy_guardian_id(const struct policy_guardian *);
const char	*policy_guardian_name(const struct policy_guardian *);
const char	*policy_guardian_email(const struct policy_guardian *);	/* may be NULL */
const char	*policy_guardian_phone(const struct policy_guardian *);	/* may be NULL */
const char	*policy_guardian_language(const struct policy_guardian *);	/* BCP 47, or NULL */
const char	*policy_guardian_relation(const struct policy_guardian *);	/* parent, guardian, relative */
size_t		 policy_guardian_nstudents(const struct policy_guardian *);
const struct policy_student *policy_guardian_student(const struct policy_guardian *, size_t);
size_t		 policy_guardian_count(const struct policy *);
const struct policy_guardian *policy_guardian_at(const struct policy *, size_t);

const char	*policy_timezone(const struct policy *);
const char	*policy_default_group(const struct policy *);
/*
 * The schedules of a student's group (NULL: the default group), in
 * policy.yaml order, for showing them; policy_decide applies them itself.
 * Strings point into the snapshot.  Available from policy_load_roster too.
 */
struct policy_window {
	const char	*name;
	uint8_t		 days;		/* bit 0 = Sunday .. bit 6 = Saturday */
	uint16_t	 from, to;	/* minutes after local midnight; to < from crosses midnight */
};
size_t		 policy_schedule_count(const struct policy *, const struct policy_student *);
/* Fills *w with schedule i; -1 when there is no such schedule. */
int		 policy_schedule_at(const struct policy *, const struct policy_student *,
		    size_t i, struct policy_window *w);
/*
 * 1 if local weekday wday (0 = Sunday) at minute (0-1439 after local
 * midnight) is inside w, the way policy_decide counts it: a window that
 * crosses midnight belongs to the day it starts.  Else 0.
 */
int		 policy_window_covers(const struct policy_window *, int wday, int minute);

/* Converts local wall time "YYYY-MM-DD HH:MM" in the policy's time zone to UTC. */
int		 policy_parse_local(const struct policy *, const char *, time_t *);
/* The local day ("YYYY-MM-DD", day[11]) and hour (0-23) of UTC instant t in the policy's time zone. */
void		 policy_local_day(const struct policy *, time_t t, char day[11], int *hour);

/*
 * Calls cb with every domain listed in category (a rules.d category name), in
 * no particular order.  Returns the number of domains, or -1 when there is no
 * such category.
 */
long		 policy_category_domains(const struct policy *, const char *category,
		    void (*cb)(const char *domain, void *), void *arg);

/*
 * 1 if the group of student (NULL: the default group) lists proto (6 TCP, 17
 * UDP) and port in block_ports, with *line set to the entry's line; else 0.
 */
int		 policy_port_blocked(const struct policy *, const struct policy_student *,
		    int proto, uint16_t port, unsigned *line);
/* The file policy_port_blocked's line is in (policy.yaml). */
const char	*policy_file(const struct policy *);

/* Calls cb with every safe-search target host (each once per engine and level). */
void		 policy_safesearch_targets(const struct policy *,
		    void (*cb)(const char *host, void *), void *arg);

/* Statistics for benchmarks and `rules check`. */
struct policy_stats {
	size_t	categories, domains, patterns, urls, groups, students, guardians;
};
void	policy_stats(const struct policy *, struct policy_stats *);

#endif
