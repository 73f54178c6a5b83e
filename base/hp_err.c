/* hp_err: the one setter for the caller-owned error buffers every module's functions fill. */
#include "hp_err.h"

#include <stdio.h>

void
hp_verrf(char *err, size_t len, const char *fmt, va_list ap)
{
	if (err == NULL || len == 0)
		return;
	vsnprintf(err, len, fmt, ap);
}

void
hp_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	hp_verrf(err, len, fmt, ap);
	va_end(ap);
}
