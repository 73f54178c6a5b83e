/* log: hallpassd's leveled log lines on stderr, one line per call, safe from any thread. */
#ifndef HALLPASS_LOG_H
#define HALLPASS_LOG_H

enum log_level { LOG_L_DEBUG = 0, LOG_L_INFO, LOG_L_WARN, LOG_L_ERROR };

void	log_set_level(enum log_level);
int	log_enabled(enum log_level);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
