/* digest: guardians' summary e-mails and blocked-category alerts — what is due, in their language, sent once (docs/digest.md). */
#ifndef HALLPASS_DIGEST_H
#define HALLPASS_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum digest_what { DIGEST_BOTH = 0, DIGEST_ONLY_SUMMARIES, DIGEST_ONLY_ALERTS };

/* Alerts are never sent from this local hour to DIGEST_QUIET_TO (the policy's timezone). */
#define DIGEST_QUIET_FROM	21
#define DIGEST_QUIET_TO		7

struct digest_opts {
	const char	*dir;		/* the configuration directory */
	const char	*langdir;	/* the dashboard's languages (lang/TAG.yaml) */
	const char	*guardian;	/* NULL: every guardian */
	int		 period;	/* -1: each guardian's choice; else only that store_notify_digest */
	enum digest_what what;
	int		 dry_run;	/* print the messages to out; send and record nothing */
	int64_t		 now_ms;
	FILE		*out;		/* one line per guardian and message; dry-run messages */
};

struct digest_stats {
	unsigned	 sent, skipped, deferred;
};

/*
 * One run: every summary and alert due now, each sent and then recorded in
 * the store's sent log, so a message the server accepted is never sent
 * again and one it did not is tried again on the next run.  Returns 0 when
 * everything due went out, 1 when some were deferred (the mail server was
 * unreachable or refused: see stderr), -1 on a configuration or store error
 * (why in err).
 */
int	digest_run(const struct digest_opts *, struct digest_stats *, char *err,
	    size_t errlen);

#endif
