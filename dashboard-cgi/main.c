/* hallpass.cgi: the parent dashboard as a CGI/1.1 program — parse, validate, open the store, render, answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "aup.h"
#include "cgi_out.h"
#include "cgi_req.h"
#include "config.h"
#include "dash.h"
#include "auth.h"
#include "auth_unsub.h"
#include "log.h"
#include "i18n.h"
#include "policy.h"
#include "store.h"
#include "tz.h"

#define DEFAULT_CONFIG	"/etc/hallpass"
/* make install sets it to where it installs dashboard-cgi/lang (PREFIX/share/hallpass/lang). */
#ifndef HALLPASS_LANG_DIR
#define HALLPASS_LANG_DIR	"/usr/local/share/hallpass/lang"
#endif
#define DEFAULT_LANG	HALLPASS_LANG_DIR
/* Where the argon2 slots' lock files live (HALLPASS_RUNDIR): writable by the web server's user. */
#define DEFAULT_RUNDIR	"/run/hallpass"

static const char *
main_getenv(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static void
main_log_line(const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "hallpass.cgi: %s\n", line);
}

static void
main_log_diag(const struct diag *dg)
{
	diag_each(dg, main_log_line, NULL);
}

/* Before anything is loaded there is no language: a fixed, plain answer. */
static void
main_fail(int status, const char *why)
{
	fprintf(stderr, "hallpass.cgi: %s\n", why);
	printf("Status: %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n%d %s\n", status, cgi_status_text(status),
	    status, cgi_status_text(status));
}

int
main(void)
{
	struct cgi_req	 req;
	struct cgi_out	 out;
	struct config	 cfg;
	struct diag	 dg;
	struct i18n	 i18n;
	struct dash	 d;
	struct timeval	 tv;
	const char	*confdir, *langdir;
	char		 err[512];
	int		 status, rc = 0, have_i18n = 0;

	memset(&d, 0, sizeof(d));
	memset(&req, 0, sizeof(req));
	diag_init(&dg);
	log_set_name("hallpass.cgi");
	if ((confdir = getenv("HALLPASS_CONFIG")) == NULL || *confdir == '\0')
		confdir = DEFAULT_CONFIG;
	if ((langdir = getenv("HALLPASS_LANG")) == NULL || *langdir == '\0')
		langdir = DEFAULT_LANG;

	/* Parse first: a hostile request is refused before any file or database is opened. */
	status = cgi_req_parse(&req, main_getenv, NULL, stdin, err, sizeof(err));
	if (status != 0) {
		main_fail(status, err);
		goto out;
	}
	if (auth_init() == -1) {
		main_fail(500, "libsodium failed to initialise");
		goto out;
	}
	if (i18n_load(&i18n, langdir, err, sizeof(err)) == -1) {
		main_fail(500, err);
		goto out;
	}
	have_i18n = 1;
	if (config_load(&cfg, confdir, &dg) == -1 ||
	    (d.pol = policy_load_roster(confdir, &dg)) == NULL ||
	    (d.aup = aup_load(confdir, &dg)) == NULL) {
		main_log_diag(&dg);
		main_fail(500, "configuration errors (see above)");
		goto out;
	}
	if ((d.tz = tz_load(policy_timezone(d.pol), err, sizeof(err))) == NULL ||
	    (d.st = store_open(cfg.database, 0, err, sizeof(err))) == NULL) {
		main_fail(503, err);
		goto out;
	}
	/*
	 * Children's activity through a handle that cannot write.  With SQLite it
	 * is a second open of the file, which costs nothing; a second PostgreSQL
	 * connection costs a backend start per request (~20 ms, the district
	 * bench's p95), so there the one connection reads, and the district's
	 * grants are what keep the dashboard's role from writing activity.
	 */
	if (strcmp(store_backend(d.st), "sqlite") == 0 &&
	    (d.act = store_open(cfg.database, STORE_RDONLY, err, sizeof(err))) == NULL) {
		main_fail(503, err);
		goto out;
	}
	gettimeofday(&tv, NULL);
	d.now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if ((d.rundir = getenv("HALLPASS_RUNDIR")) == NULL || *d.rundir == '\0')
		d.rundir = DEFAULT_RUNDIR;
	d.i18n = &i18n;
	d.periods[AUP_RETENTION_DAYS] = (long)cfg.retention_days;
	d.periods[AUP_ROLLUP_RETENTION_DAYS] = (long)cfg.rollup_retention_days;
	d.periods[AUP_LOGIN_RETENTION_DAYS] = (long)cfg.login_retention_days;
	/* Made by `hallpass digest`; without it no unsubscribe link can be genuine. */
	d.have_unsub_key = auth_unsub_key_load(cfg.mail_key, 0, d.unsub_key, NULL, 0) == 0;
	cgi_out_init(&out);
	if (dash_handle(&d, &req, &out) == -1)
		fprintf(stderr, "hallpass.cgi: %s %s: %s\n",
		    req.method == CGI_POST ? "POST" : "GET", req.path,
		    d.err[0] ? d.err : "error");
	if (cgi_out_write(&out, stdout, req.method == CGI_HEAD) == -1)
		rc = 1;
	cgi_out_free(&out);
out:
	store_close(d.act);
	store_close(d.st);
	tz_free(d.tz);
	aup_free(d.aup);
	policy_unref(d.pol);
	if (have_i18n)
		i18n_free(&i18n);
	diag_free(&dg);
	cgi_req_free(&req);
	return rc;
}
