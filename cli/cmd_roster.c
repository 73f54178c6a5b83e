/* cmd_roster: "hallpass roster import|devices|list", the district's roster from the SIS (docs/roster.md). */
#include "cmd_roster.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_usage.h"
#include "hp_str.h"
#include "oneroster.h"
#include "policy.h"
#include "roster.h"
#include "roster_dev.h"


static void
roster_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] roster import oneroster PATH [-d DEVICES.csv]\n"
	    "       hallpass [-c DIR] roster devices DEVICES.csv\n"
	    "       hallpass [-c DIR] roster list [--school S] [--json]\n", f);
}

struct roster_err_ctx {
	const char	*tmp, *real;
};

/* Errors found in the not-yet-applied file name the file they will be about. */
static void
roster_print_err(const char *line, void *arg)
{
	const struct roster_err_ctx *c = arg;
	size_t n = strlen(c->tmp);
	const char *at;

	while ((at = strstr(line, c->tmp)) != NULL) {
		fprintf(stderr, "%.*s%s (as imported)", (int)(at - line), line, c->real);
		line = at + n;
	}
	fprintf(stderr, "%s\n", line);
}

static void
roster_counts(struct roster *ro, size_t *ns, size_t *ng)
{
	*ns = *ng = 0;
	for (size_t i = 0; i < roster_npeople(ro); i++) {
		const struct roster_person *p = roster_person_at(ro, i);

		if (!p->gone)
			*(p->role == ROSTER_STUDENT ? ns : ng) += 1;
	}
}

/* Writes ro next to DIR/roster.csv, checks it with policy.yaml, renames it over. */
static int
roster_apply(const char *dir, struct roster *ro, struct diag *d)
{
	char			 real[4096], tmp[4200], pol[4200], err[512];
	struct roster_err_ctx	 ec = { tmp, real };
	struct policy		*p;
	struct stat		 st;
	int			 fd;

	snprintf(real, sizeof(real), "%s/%s", dir, ROSTER_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, ROSTER_FILE);
	snprintf(pol, sizeof(pol), "%s/policy.yaml", dir);
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "hallpass: %s: cannot create: %s\n", tmp, strerror(errno));
		return 1;
	}
	/* Readable by whoever reads policy.yaml (the dashboard's group), no more. */
	if (stat(pol, &st) == 0) {
		(void)fchmod(fd, st.st_mode & 0640);
		/* A roster that keeps root's owner is still valid: the reader is told why it cannot read it. */
		if (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) != 0)
			fprintf(stderr, "hallpass: warning: %s: chown like policy.yaml: %s\n",
			    tmp, strerror(errno));
	}
	close(fd);
	if (roster_write(ro, tmp, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		unlink(tmp);
		return 1;
	}
	if ((p = policy_load_roster_file(dir, tmp, d)) == NULL) {
		diag_each(d, roster_print_err, &ec);
		fprintf(stderr, "%s: %zu error%s; nothing was applied\n", real,
		    diag_count(d), diag_count(d) == 1 ? "" : "s");
		unlink(tmp);
		return 1;
	}
	policy_unref(p);
	if (rename(tmp, real) != 0) {
		fprintf(stderr, "hallpass: %s: %s\n", real, strerror(errno));
		unlink(tmp);
		return 1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

/* The roster in force, or an empty one when there is none yet. */
static struct roster *
roster_current(const char *dir, struct diag *d)
{
	struct roster	*ro = roster_new();
	char		 path[4096];

	if (ro == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, ROSTER_FILE);
	if (access(path, F_OK) == 0 && roster_read(ro, path, d) != 0) {
		roster_free(ro);
		return NULL;
	}
	return ro;
}

/* "FILE:LINE: ..." split at its first ":DIGITS:", so errors can be shown in file order. */
static size_t
roster_err_line(const char *m, size_t *flen)
{
	for (const char *c = strchr(m, ':'); c != NULL; c = strchr(c + 1, ':')) {
		const char *e = c + 1;

		while (*e >= '0' && *e <= '9')
			e++;
		if (e > c + 1 && *e == ':') {
			*flen = (size_t)(c - m);
			return strtoul(c + 1, NULL, 10);
		}
	}
	*flen = strlen(m);
	return 0;
}

struct roster_err {
	const char	*msg;
	size_t		 seq;
};

static int
roster_err_cmp(const void *a, const void *b)
{
	const struct roster_err	*x = a, *y = b;
	size_t			 fx, fy, lx = roster_err_line(x->msg, &fx),
				 ly = roster_err_line(y->msg, &fy);
	int			 c = strncmp(x->msg, y->msg, fx < fy ? fx : fy);

	if (c == 0 && fx != fy)
		c = fx < fy ? -1 : 1;
	if (c == 0)
		c = (lx > ly) - (lx < ly);
	/* Same place: keep the order they were found in. */
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
roster_fail(struct diag *d, const char *what)
{
	struct roster_err *v = calloc(d->n + 1, sizeof(*v));

	/* Checks that need every row (who an agent is) come last: show them in line order. */
	if (v != NULL) {
		for (size_t i = 0; i < d->n; i++)
			v[i] = (struct roster_err){ d->msgs[i], i };
		qsort(v, d->n, sizeof(*v), roster_err_cmp);
		for (size_t i = 0; i < d->n; i++)
			fprintf(stderr, "%s\n", v[i].msg);
		if (d->dropped > 0)
			fprintf(stderr, "... and %zu more errors\n", d->dropped);
		free(v);
	} else
		diag_print(d, stderr);
	fprintf(stderr, "%s: %zu error%s; nothing was applied\n", what,
	    diag_count(d), diag_count(d) == 1 ? "" : "s");
	return 1;
}

static int
roster_import(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devices", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*devfile = NULL;
	struct roster	*ro;
	struct diag	 d;
	size_t		 s0, g0, s1, g1, pruned = 0;
	int		 ch, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			devfile = optarg;
			break;
		case 'h':
			roster_usage(stdout);
			return 0;
		default:
			return cli_bad_option("roster", ch, argv);
		}
	}
	if (argc - optind < 1 || strcmp(argv[optind], "oneroster") != 0)
		return cli_usage_error("roster", "import needs a format (oneroster)");
	if (argc - optind != 2)
		return cli_usage_error("roster", argc - optind < 2 ? "import oneroster needs "
		    "a folder or a .zip" : "too many arguments");
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	if ((ro = roster_current(dir, &d)) == NULL) {
		rc = roster_fail(&d, "the roster in force");
		diag_free(&d);
		return rc;
	}
	roster_counts(ro, &s0, &g0);
	(void)oneroster_import(ro, argv[optind + 1], &d);
	if (devfile != NULL)
		(void)roster_dev_load(ro, devfile, &d);
	else
		pruned = roster_prune_devices(ro);
	if (diag_count(&d) > 0) {
		rc = roster_fail(&d, argv[optind + 1]);
		goto out;
	}
	if ((rc = roster_apply(dir, ro, &d)) != 0)
		goto out;
	roster_counts(ro, &s1, &g1);
	printf("%s/%s: %zu students (was %zu), %zu guardians (was %zu), %zu devices",
	    dir, ROSTER_FILE, s1, s0, g1, g0, roster_ndevices(ro));
	if (pruned > 0)
		printf(" (%zu of removed students dropped)", pruned);
	putchar('\n');
out:
	roster_free(ro);
	diag_free(&d);
	return rc;
}

static int
roster_devices(const char *dir, int argc, char **argv)
{
	struct roster	*ro;
	struct diag	 d;
	int		 rc;

	if (argc != 2)
		return cli_usage_error("roster", "devices needs one DEVICES.csv file");
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	if ((ro = roster_current(dir, &d)) == NULL) {
		rc = roster_fail(&d, "the roster in force");
		diag_free(&d);
		return rc;
	}
	if (roster_dev_load(ro, argv[1], &d) != 0 || diag_count(&d) > 0)
		rc = roster_fail(&d, argv[1]);
	else if ((rc = roster_apply(dir, ro, &d)) == 0)
		printf("%s/%s: %zu devices\n", dir, ROSTER_FILE, roster_ndevices(ro));
	roster_free(ro);
	diag_free(&d);
	return rc;
}

/* A JSON string: quotes, backslashes and control bytes escaped (roster.csv is UTF-8 already). */
static void
roster_json(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* One field of the text listing: "-" when empty; a line break or tab from the SIS cannot add a line or a field. */
static void
roster_text(const char *s, const char *sep)
{
	if (s == NULL || *s == '\0')
		putchar('-');
	for (; s != NULL && *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
	fputs(sep, stdout);
}

/* Per student: their devices and guardians, gathered in one walk each. */
struct roster_list {
	const struct policy	*p;
	char			**devs;		/* per student index: "a, b" */
	const struct policy_guardian ***gs;
	size_t			*ngs;
	int			 oom;
};

static void
roster_list_dev(const struct policy_student *st, const char *text, void *arg)
{
	struct roster_list	*l = arg;
	size_t			 i = policy_student_index(st);
	char			*n;

	if (asprintf(&n, "%s%s%s", l->devs[i] ? l->devs[i] : "", l->devs[i] ? "\t" : "",
	    text) < 0) {
		l->oom = 1;
		return;
	}
	free(l->devs[i]);
	l->devs[i] = n;
}

static int
roster_sid_cmp(const void *a, const void *b)
{
	return strcmp(policy_student_id(*(const struct policy_student *const *)a),
	    policy_student_id(*(const struct policy_student *const *)b));
}

static int
roster_list(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*school = NULL;
	const struct policy_student	**order = NULL;
	struct roster_list		 l;
	struct policy			*p;
	struct diag			 d;
	size_t				 ns, i, j;
	int				 ch, json = 0, rc = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			school = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			roster_usage(stdout);
			return 0;
		default:
			return cli_bad_option("roster", ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("roster", "unexpected argument \"%s\"", argv[optind]);
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	if ((p = policy_load_roster(dir, &d)) == NULL) {
		diag_print(&d, stderr);
		diag_free(&d);
		return 1;
	}
	diag_free(&d);
	ns = policy_student_count(p);
	memset(&l, 0, sizeof(l));
	l.p = p;
	l.devs = calloc(ns + 1, sizeof(*l.devs));
	l.gs = calloc(ns + 1, sizeof(*l.gs));
	l.ngs = calloc(ns + 1, sizeof(*l.ngs));
	order = calloc(ns + 1, sizeof(*order));
	if (l.devs == NULL || l.gs == NULL || l.ngs == NULL || order == NULL) {
		fprintf(stderr, "hallpass: out of memory\n");
		rc = 1;
		goto out;
	}
	for (i = 0; i < ns; i++)
		order[i] = policy_student_at(p, i);
	policy_devices_each(p, roster_list_dev, &l);
	for (i = 0; i < policy_guardian_count(p); i++) {
		const struct policy_guardian *g = policy_guardian_at(p, i);

		for (j = 0; j < policy_guardian_nstudents(g); j++) {
			size_t k = policy_student_index(policy_guardian_student(g, j));
			const struct policy_guardian **ng;

			if ((ng = realloc(l.gs[k], (l.ngs[k] + 1) * sizeof(*ng))) == NULL) {
				l.oom = 1;
				continue;
			}
			l.gs[k] = ng;
			ng[l.ngs[k]++] = g;
		}
	}
	qsort(order, ns, sizeof(*order), roster_sid_cmp);
	for (i = 0; i < ns; i++) {
		const struct policy_student *st = order[i];
		size_t k = policy_student_index(st);
		const char *sch = policy_student_school(st);
		const char *sname = policy_student_school_name(st);

		if (school != NULL && (sch == NULL || strcmp(sch, school) != 0) &&
		    (sname == NULL || strcmp(sname, school) != 0))
			continue;
		if (!json) {
			roster_text(policy_student_id(st), "\t");
			roster_text(policy_student_name(st), "\t");
			roster_text(sname ? sname : sch, "\t");
			roster_text(policy_student_grade(st), "\t");
			roster_text(policy_student_group(st), "\t");
			if (l.devs[k] == NULL)
				putchar('-');
			for (char *c = l.devs[k]; c != NULL && *c != '\0'; c++)
				putchar(*c == '\t' ? ';' : *c);
			putchar('\t');
			for (j = 0; j < l.ngs[k]; j++) {
				const char *lang = policy_guardian_language(l.gs[k][j]);

				printf("%s%s%s%s%s", j ? ";" : "", policy_guardian_id(l.gs[k][j]),
				    lang ? " (" : "", lang ? lang : "", lang ? ")" : "");
			}
			printf("%s\n", l.ngs[k] ? "" : "-");
			continue;
		}
		fputs("{\"id\":", stdout);
		roster_json(stdout, policy_student_id(st));
		fputs(",\"name\":", stdout);
		roster_json(stdout, policy_student_name(st));
		fputs(",\"school\":", stdout);
		roster_json(stdout, sch);
		fputs(",\"school_name\":", stdout);
		roster_json(stdout, sname);
		fputs(",\"grade\":", stdout);
		roster_json(stdout, policy_student_grade(st));
		fputs(",\"group\":", stdout);
		roster_json(stdout, policy_student_group(st));
		printf(",\"imported\":%s,\"devices\":[", policy_student_imported(st) ?
		    "true" : "false");
		for (char *c = l.devs[k], *e; c != NULL; c = e ? e + 1 : NULL) {
			if ((e = strchr(c, '\t')) != NULL)
				*e = '\0';
			if (c != l.devs[k])
				putchar(',');
			roster_json(stdout, c);
		}
		fputs("],\"guardians\":[", stdout);
		for (j = 0; j < l.ngs[k]; j++) {
			const struct policy_guardian *g = l.gs[k][j];

			fputs(j ? ",{\"id\":" : "{\"id\":", stdout);
			roster_json(stdout, policy_guardian_id(g));
			fputs(",\"name\":", stdout);
			roster_json(stdout, policy_guardian_name(g));
			fputs(",\"email\":", stdout);
			roster_json(stdout, policy_guardian_email(g));
			fputs(",\"phone\":", stdout);
			roster_json(stdout, policy_guardian_phone(g));
			fputs(",\"language\":", stdout);
			roster_json(stdout, policy_guardian_language(g));
			fputs(",\"relation\":", stdout);
			roster_json(stdout, policy_guardian_relation(g));
			putchar('}');
		}
		fputs("]}\n", stdout);
	}
	if (l.oom) {
		fprintf(stderr, "hallpass: out of memory\n");
		rc = 1;
	}
out:
	for (i = 0; l.devs != NULL && i < ns; i++) {
		free(l.devs[i]);
		free(l.gs[i]);
	}
	free(l.devs);
	free(l.gs);
	free(l.ngs);
	free(order);
	policy_unref(p);
	return rc;
}

int
cmd_roster(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	/* Options before the action are the command's own (only --help). */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (ch != 'h')
			return cli_bad_option("roster", ch, argv);
		roster_usage(stdout);
		return 0;
	}
	if (argc < 2)
		return cli_usage_error("roster", "needs an action (import, devices or list)");
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return roster_import(dir, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "devices") == 0)
		return roster_devices(dir, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return roster_list(dir, argc - 1, argv + 1);
	return cli_usage_error("roster", "unknown action \"%s\" (import, devices or list)",
	    argv[1]);
}
