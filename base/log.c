/* log: leveled log lines on stderr, one line per call, safe from any thread. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int log_level = LOG_L_INFO;
static const char *_Atomic log_name = "hallpassd";

static void log_vmsg(enum log_level, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

void
log_set_name(const char *name)
{
	atomic_store(&log_name, name);
}

void
log_set_level(enum log_level l)
{
	atomic_store(&log_level, (int)l);
}

int
log_enabled(enum log_level l)
{
	return (int)l >= atomic_load(&log_level);
}

/* suffix (may be NULL) is taken before formatting, so errno is the caller's, not vsnprintf's. */
static void
log_vmsg(enum log_level l, const char *suffix, const char *fmt, va_list ap)
{
	static const char	*names[] = { "debug", "info", "warn", "error" };
	char			 line[1024], ts[32];
	struct timespec		 now;
	struct tm		 tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One fprintf per line: stdio locks the stream, so threads never interleave. */
	fprintf(stderr, "%s.%03ldZ %s %s: %s%s%s\n", ts, now.tv_nsec / 1000000,
	    atomic_load(&log_name), names[l], line, suffix != NULL ? ": " : "",
	    suffix != NULL ? suffix : "");
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	va_list	 ap;

	if (!log_enabled(l))
		return;
	va_start(ap, fmt);
	log_vmsg(l, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char		 ebuf[128];
	const char	*es;
	int		 saved = errno;
	va_list		 ap;

	if (!log_enabled(LOG_L_WARN))
		return;
	/* strerror_r, not strerror: this may run on any thread (GNU's returns the text to use). */
	es = strerror_r(saved, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	log_vmsg(LOG_L_WARN, es, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_enabled(LOG_L_WARN))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_L_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_enabled(LOG_L_INFO))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_L_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_enabled(LOG_L_DEBUG))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_L_DEBUG, NULL, fmt, ap);
	va_end(ap);
}
