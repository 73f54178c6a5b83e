/* policy_impl: the snapshot's internals, shared by the loaders and the decision, hidden from callers. */
#ifndef HALLPASS_POLICY_IMPL_H
#define HALLPASS_POLICY_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdatomic.h>
#include <stdint.h>

#include "diag.h"
#include "domtab.h"
#include "policy.h"
#include "roster.h"
#include "ycfg.h"
#include "tz.h"

/* Category bit sets are arrays of this many words; 4096 categories is far beyond UT1's ~70. */
#define POLICY_MAX_CATEGORIES	4096
#define POLICY_CATSET_WORDS	((POLICY_MAX_CATEGORIES + 63) / 64)

#define POLICY_MAX_PORTS	32

enum policy_list_kind {
	PLIST_CATEGORY = 0,
	PLIST_GROUP_ALLOW,
	PLIST_GROUP_DENY,
	PLIST_STUDENT_ALLOW,
	PLIST_STUDENT_DENY,
};

struct policy_list {
	uint8_t		 kind;
	uint32_t	 owner;		/* category, group or student index */
	const char	*file;
};

struct policy_pattern {
	pcre2_code	*code;
	char		*text;
	uint32_t	 line;
};

struct policy_category {
	char			*name;
	char			*description;
	char			*file;
	struct policy_pattern	*patterns;
	size_t			 npatterns;
};

struct policy_urlrule {
	uint32_t	 category;
	uint32_t	 line;
	char		*path;		/* prefix, starts with '/' */
	size_t		 pathlen;
	char		*text;		/* as written, for explain */
};

/* Where a category block was written, so explain can point at it. */
struct policy_catref {
	uint32_t	 category;
	uint32_t	 line;
};

struct policy_schedule {
	char		*name;
	uint8_t		 days;		/* bit 0 = Sunday .. bit 6 = Saturday */
	uint16_t	 from, to;	/* minutes after local midnight; to may be < from */
	uint32_t	 line;
	int		 block_all;
	uint64_t	*blocks;	/* category bit set */
	struct policy_catref *refs;
	size_t		 nrefs;
};

struct policy_group {
	char			*name;
	uint32_t		 line;
	int			 block_all;
	uint32_t		 block_all_line;
	uint64_t		*blocks;
	struct policy_catref	*refs;
	size_t			 nrefs;
	enum policy_safesearch	 safe_search;
	uint32_t		 allow_list, deny_list;
	struct policy_schedule	*schedules;
	size_t			 nschedules;
	/* block_ports: proto (6, 17 or 0 for both) << 16 | port, line for explain */
	uint32_t		 ports[POLICY_MAX_PORTS];
	uint32_t		 port_lines[POLICY_MAX_PORTS];
	size_t			 nports;
};

struct policy_student {
	char		*id;
	char		*name;
	char		*school;	/* roster.csv: the school's org id, its name and the grade */
	char		*school_name;
	char		*grade;
	int		 imported;	/* from roster.csv (policy.yaml may still add exceptions) */
	uint32_t	 group;
	uint32_t	 index;
	uint32_t	 allow_list, deny_list;
	const struct policy *owner;
};

struct policy_guardian {
	char		*id;
	char		*name;
	char		*email;
	char		*phone, *lang, *relation;
	int		 imported;
	const struct policy_student **students;
	size_t		 nstudents;
};

/* A device: MAC and/or address (or a network, prefix > 0); with both, both must match. */
struct policy_device {
	uint8_t		 has_mac, has_ip, af, prefix;
	uint8_t		 mac[6];
	uint8_t		 addr[16];
	uint32_t	 student;
	uint32_t	 line, col;
	const char	*file;
};

/* Networks of one family and prefix length: one slice of devnet, searched after masking. */
struct policy_netgroup {
	uint8_t		 af, prefix;
	size_t		 start, end;
};

/* A hotspot id: everything behind that hotspot is this student. */
struct policy_hotspot {
	char		*id;
	uint32_t	 student;
	uint32_t	 line;
	const char	*file;
};

/* group_rules: the group of an imported student by school and/or grade; first match wins. */
struct policy_grouprule {
	char		**schools;	/* org ids or school names; none: any school */
	size_t		 nschools;
	uint32_t	 grades;	/* bit per roster_grade_rank; 0: any grade */
	uint32_t	 group;
	uint32_t	 line;
};

struct policy_engine {
	char		*id;
	char		*target[3];	/* indexed by enum policy_safesearch */
};

struct policy {
	atomic_int		 refs;
	char			*dir;
	char			*policy_file;
	char			*roster_file;	/* DIR/roster.csv, or the file policy_load_roster_file was given */
	struct tz		*tz;
	char			*default_group_name;
	uint32_t		 default_group;
	int			 roster_only;	/* policy_load_roster: no rules.d, no decisions */

	struct policy_category	*categories;
	size_t			 ncategories;
	struct policy_list	*lists;
	size_t			 nlists;
	struct domtab		*domains;	/* pairs: list id, line */
	struct domtab		*urlhosts;	/* pairs: url rule index, line */
	struct policy_urlrule	*urls;
	size_t			 nurls;
	size_t			 npatterns;
	pcre2_match_context	*mctx;

	struct policy_group	*groups;
	size_t			 ngroups;
	struct policy_student	*students;	/* in file order */
	size_t			 nstudents;
	uint32_t		*sorder;	/* student indexes sorted by id */
	size_t			 nsorder;	/* while loading, students past these are unsorted */
	struct policy_guardian	*guardians;	/* roster.csv's, then policy.yaml's */
	size_t			 nguardians;
	uint32_t		*gorder;	/* guardian indexes sorted by id */
	size_t			 ngorder;
	struct policy_grouprule	*rules;
	size_t			 nrules;
	struct policy_device	*devmac;	/* devices with a MAC, sorted by MAC */
	struct policy_macslot	*macslots;	/* open addressing: MAC -> devmac index */
	size_t			 nmacslots;	/* a power of two, at least twice ndevmac */
	size_t			 ndevmac;
	struct policy_device	*devip;		/* devices with only an address, sorted */
	size_t			 ndevip;
	struct policy_device	*devnet;	/* networks: by family, longest prefix first, address */
	size_t			 ndevnet;
	struct policy_netgroup	*netgroups;
	size_t			 nnetgroups;
	struct policy_hotspot	*hotspots;	/* sorted by id */
	size_t			 nhotspots;

	struct domtab		*sshosts;	/* pairs: engine index, line */
	struct policy_engine	*engines;
	size_t			 nengines;
	char			*safesearch_file;
};

/* Loaders, each adding its errors to diag; -1 if any. */
int	policy_rules_load(struct policy *, const char *dir, struct diag *);
int	policy_main_load(struct policy *, const char *dir, struct diag *);
/* Roster-only: the category names rules.d's file names give, nothing else. */
int	policy_rules_names(struct policy *, const char *dir);
/* policy_roster.c: roster.csv in the snapshot (see there). */
struct roster;
void	policy_grouprules(struct policy *, struct ycfg *, yaml_node_t *);
int	policy_sort_students(struct policy *);
int	policy_sort_guardians(struct policy *);
size_t	policy_roster_count(struct roster *, enum roster_role);
int	policy_roster_students(struct policy *, struct roster *);
void	policy_regroup(struct policy *, struct policy_student *);
int	policy_roster_devices(struct policy *, struct roster *, const char *file,
	    struct policy_device **all, size_t *nall, struct diag *);
int	policy_net_index(struct policy *, const struct policy_device *all, size_t n,
	    struct diag *);
const struct policy_student *policy_net_lookup(const struct policy *, int af,
	    const void *addr);
int	policy_roster_guardians(struct policy *, struct roster *);
/* Masks addr (16 bytes) to prefix bits of an af address. */
void	policy_mask(uint8_t *addr, int af, unsigned prefix);
int	policy_safesearch_load(struct policy *, const char *dir, struct diag *);
/* rules/safesearch.yaml as built in (policy_ss_builtin.c): used when DIR has no safesearch.yaml. */
extern const char	policy_safesearch_builtin[];
extern const size_t	policy_safesearch_builtin_len;
#define POLICY_SAFESEARCH_BUILTIN	"(built-in safesearch.yaml)"
/* Appends a list; returns its id or UINT32_MAX. */
uint32_t policy_list_new(struct policy *, enum policy_list_kind, uint32_t owner,
	    const char *file);
int	policy_category_find(const struct policy *, const char *);
int	policy_group_find(const struct policy *, const char *);

/* One slot of the MAC table: the MAC as a number plus one (0: empty), its device. */
struct policy_macslot {
	uint64_t	 key;
	uint32_t	 dev;
};

static inline size_t
policy_mac_hash(uint64_t key, size_t nslots)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (nslots - 1);
}

/* A MAC as a number that sorts like memcmp of its 6 bytes. */
static inline uint64_t
policy_mac_key(const uint8_t *m)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	    (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

static inline int
policy_catset_has(const uint64_t *set, uint32_t c)
{
	return set != NULL && (set[c >> 6] >> (c & 63)) & 1;
}

#endif
