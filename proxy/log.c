/* log: hallpassd's leveled log lines on stderr, one line per call, safe from any thread. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int log_level = LOG_L_INFO;

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

void
log_msg(enum log_level l, const char *fmt, ...)
{
	static const char	*names[] = { "debug", "info", "warn", "error" };
	char			 line[1024], ts[32];
	struct timespec		 now;
	struct tm		 tm;
	va_list			 ap;

	if (!log_enabled(l))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line: stdio locks the stream, so threads never interleave. */
	fprintf(stderr, "%s.%03ldZ hallpassd %s: %s\n", ts, now.tv_nsec / 1000000,
	    names[l], line);
}
