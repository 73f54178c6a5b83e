/* roster: the district's people and devices as imported from the SIS, and the generated roster.csv that holds them. */
#ifndef HALLPASS_ROSTER_H
#define HALLPASS_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define ROSTER_FILE	"roster.csv"

struct roster;

enum roster_role {
	ROSTER_STUDENT = 1,
	ROSTER_GUARDIAN,
};

/* A school (an org of type school) or another org students may belong to. */
struct roster_org {
	char		*id;
	char		*name;
	char		*type;
};

/* A student or a guardian; fields the export left out are NULL. */
struct roster_person {
	char		*id;
	enum roster_role role;
	char		*given, *family;
	char		*school;	/* students: the org id of their school */
	char		*grade;		/* students: IT PR PK TK KG 01-13 PS UG Other */
	char		*email, *phone;	/* guardians: how to reach them */
	char		*lang;		/* guardians: BCP 47 tag, e.g. es */
	char		*relation;	/* guardians: parent, guardian or relative */
	char		**links;	/* students: their guardians' ids */
	size_t		 nlinks;
	size_t		 line;		/* where it was read, for errors */
	const char	*file;
	int		 gone;		/* removed (tobedeleted, or replaced by a bulk file) */
	int		 touched;	/* named by the import under way */
	uint32_t	 aux;		/* the caller's (policy: the snapshot's index) */
};

/*
 * A device of a student: a MAC ("02:00:00:00:10:01", lower case) and/or an
 * address or network ("192.0.2.5", "10.8.0.0/24", "2001:db8::/64"), or a
 * hotspot id (everything behind that hotspot is this student).
 */
struct roster_device {
	char		*student;
	char		*mac, *ip, *hotspot;
	size_t		 line;
	const char	*file;
};

struct roster	*roster_new(void);
void		 roster_free(struct roster *);

/* A string kept as long as the roster (file names for errors). */
const char	*roster_keep(struct roster *, const char *);

/* Finds an org or a person that is not gone; NULL when there is none. */
struct roster_org	*roster_org_find(struct roster *, const char *id);
struct roster_person	*roster_person_find(struct roster *, const char *id);
/* Finds or adds (un-removing it) an org or person by id. NULL: out of memory. */
struct roster_org	*roster_org_get(struct roster *, const char *id);
struct roster_person	*roster_person_get(struct roster *, const char *id);
/* Marks every person (or org) gone, as a bulk file that replaces them all does first. */
void		 roster_clear_people(struct roster *);
void		 roster_clear_orgs(struct roster *);
/* Replaces a student's guardian list. */
int		 roster_set_links(struct roster_person *, char *const *ids, size_t n);
int		 roster_add_link(struct roster_person *student, const char *guardian);

size_t		 roster_norgs(const struct roster *);
const struct roster_org *roster_org_at(const struct roster *, size_t);
/* People in the order they were added, gone ones included (check ->gone). */
size_t		 roster_npeople(const struct roster *);
struct roster_person *roster_person_at(struct roster *, size_t);

/* Devices: the device file replaces them all. */
void		 roster_clear_devices(struct roster *);
int		 roster_add_device(struct roster *, const char *student, const char *mac,
		    const char *ip, const char *hotspot, const char *file, size_t line);
size_t		 roster_ndevices(const struct roster *);
const struct roster_device *roster_device_at(const struct roster *, size_t);
/* Drops devices whose student is gone; returns how many. */
size_t		 roster_prune_devices(struct roster *);

/* Sets *dst to a copy of s (NULL or "" → NULL). 0, or -1 out of memory. */
int		 roster_set(char **dst, const char *s);

/* Fills the roster from a roster.csv; errors go to d as FILE:LINE: why. 0 or -1. */
int		 roster_read(struct roster *, const char *path, struct diag *d);
/* The same for len bytes of buf, named file in errors. */
int		 roster_parse(struct roster *, const char *file, const char *buf,
		    size_t len, struct diag *d);
/* Writes everything not gone as roster.csv to path (sorted by id). 0, or -1 with err set. */
int		 roster_write(struct roster *, const char *path, char *err, size_t errlen);

/* Grades in order; "1" and "K" are read as "01" and "KG". -1 when s is no grade. */
int		 roster_grade_rank(const char *s);
/* The canonical spelling of grade rank r. */
const char	*roster_grade_name(int r);
/* Normalises a MAC written with ':' or '-' or none into "xx:xx:xx:xx:xx:xx"; -1 if invalid. */
int		 roster_mac_norm(const char *s, char out[18]);
/* Checks an address or network and writes its canonical form; -1 with why if invalid. */
int		 roster_ip_norm(const char *s, char *out, size_t outsz, const char **why);
/* 1 when s is a valid id: 1-64 of letters, digits, '.', '_', '-', starting with a letter or digit. */
int		 roster_valid_id(const char *s);

#endif
