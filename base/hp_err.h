/* hp_err: the one setter for the caller-owned error buffers every module's functions fill. */
#ifndef HALLPASS_HP_ERR_H
#define HALLPASS_HP_ERR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats into err (at most len bytes, always NUL-terminated, cut when longer).
 * err may be NULL or len 0: callers that do not want the message pass that.
 */
void	hp_errf(char *err, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	hp_verrf(char *err, size_t len, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#endif
