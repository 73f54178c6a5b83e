/* log: leveled log lines on stderr, one line per call, safe from any thread. */
#ifndef HALLPASS_LOG_H
#define HALLPASS_LOG_H

enum log_level { LOG_L_DEBUG = 0, LOG_L_INFO, LOG_L_WARN, LOG_L_ERROR };

/* The program name each line carries; "hallpassd" until set. name must outlive all logging. */
void	log_set_name(const char *name);
void	log_set_level(enum log_level);
int	log_enabled(enum log_level);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* As OpenBSD's log.h: log_warn appends ": strerror(errno)", log_warnx does not. */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
