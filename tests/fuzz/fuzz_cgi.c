/* fuzz_cgi: libFuzzer on hallpass.cgi's request parsing — the environment a web server hands over (method, path, query, cookies, headers) and the POST body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input is these variables' values, NUL-separated, then the body. */
static const char *const fuzz_env_names[] = {
	"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_COOKIE", "CONTENT_TYPE",
	"CONTENT_LENGTH", "HTTP_HOST", "HTTP_ORIGIN", "HTTP_ACCEPT_LANGUAGE", "REMOTE_ADDR",
	"SCRIPT_NAME",
};
#define FUZZ_NENV	(sizeof(fuzz_env_names) / sizeof(fuzz_env_names[0]))

struct fuzz_env {
	const char	*val[FUZZ_NENV];	/* NULL: unset */
};

static const char *
fuzz_getenv(void *arg, const char *name)
{
	const struct fuzz_env *e = arg;

	for (size_t i = 0; i < FUZZ_NENV; i++)
		if (strcmp(fuzz_env_names[i], name) == 0)
			return e->val[i];
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env	 e;
	struct cgi_req	 r;
	struct cgi_kv	 kv;
	char		*copy, *p, *end, err[256];
	FILE		*body;
	size_t		 i;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(&e, 0, sizeof(e));
	p = copy;
	end = copy + size;
	for (i = 0; i < FUZZ_NENV && p < end; i++) {
		/* An empty field leaves the variable unset: a server may omit any of them. */
		e.val[i] = *p != '\0' ? p : NULL;
		p += strlen(p) + 1;
	}
	if (p > end)
		p = end;
	/* The body is what remains, read through a FILE as the CGI reads stdin. */
	body = fmemopen(p, (size_t)(end - p) + 1, "r");
	memset(&r, 0, sizeof(r));
	(void)cgi_req_parse(&r, fuzz_getenv, &e, body, err, sizeof(err));
	cgi_req_free(&r);
	if (body != NULL)
		fclose(body);
	/* The pieces on their own as well, on the raw bytes up to the first NUL. */
	memset(&kv, 0, sizeof(kv));
	(void)cgi_parse_form(&kv, copy, strlen(copy), err, sizeof(err));
	cgi_kv_free(&kv);
	memset(&kv, 0, sizeof(kv));
	(void)cgi_parse_cookies(&kv, copy, err, sizeof(err));
	cgi_kv_free(&kv);
	free(copy);
	return 0;
}
