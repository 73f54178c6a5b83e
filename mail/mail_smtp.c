/* mail_smtp: SMTP submission with libcurl — TLS always (CURLUSESSL_ALL), the server's certificate verified, no other protocol. */
#include "mail_smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "hp_err.h"

struct smtp_src {
	const char	*p;
	size_t		 left;
};

static size_t
smtp_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct smtp_src	*s = arg;
	size_t		 n = size * nmemb;

	if (n > s->left)
		n = s->left;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return n;
}

int
mail_smtp_send(const struct mail_smtp *c, const char *from, const char *to,
    const char *msg, size_t len, char *err, size_t errlen)
{
	struct curl_slist	*rcpt = NULL;
	struct smtp_src		 src = { msg, len };
	char			 f[320], t[320], ebuf[CURL_ERROR_SIZE];
	CURL			*h;
	CURLcode		 rc;
	long			 code = 0;

	if (c->url == NULL || *c->url == '\0') {
		hp_errf(err, errlen, "no mail_smtp_url is set");
		return -1;
	}
	if ((h = curl_easy_init()) == NULL) {
		hp_errf(err, errlen, "libcurl failed to start");
		return -1;
	}
	snprintf(f, sizeof(f), "<%s>", from);
	snprintf(t, sizeof(t), "<%s>", to);
	if ((rcpt = curl_slist_append(NULL, t)) == NULL) {
		curl_easy_cleanup(h);
		hp_errf(err, errlen, "out of memory");
		return -1;
	}
	ebuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS or nothing: a server that does not offer it fails the send. */
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca != NULL && *c->ca != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
	if (c->user != NULL && *c->user != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, f);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &src);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		hp_errf(err, errlen, "%s: %s (last reply %ld)", c->url,
		    ebuf[0] ? ebuf : curl_easy_strerror(rc), code);
		return -1;
	}
	return 0;
}
