/* dash_notify: a guardian's e-mail choices (summary weekly/daily/none, blocked-category alerts) and the unsubscribe link that needs no login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_unsub.h"
#include "dash.h"
#include "store_notify.h"

static void
dash_notify_form(struct dash *d, const struct store_notify_prefs *pr,
    const char *msg_key, int saved)
{
	static const char *const opt[] = { "weekly", "daily", "none" };
	const char	*email = policy_guardian_email(d->guardian), *a[1];
	char		 buf[512], n[16];

	dash_page_head(d, dash_t(d, "notify.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "notify.title"));
	cgi_out_raw(d->out, "</h1>");
	if (msg_key != NULL) {
		cgi_out_raw(d->out, "<p class=\"error\" role=\"alert\">");
		cgi_out_html(d->out, dash_t(d, msg_key));
		cgi_out_raw(d->out, "</p>");
	} else if (saved) {
		cgi_out_raw(d->out, "<p class=\"notice\" role=\"status\" id=\"saved\">");
		cgi_out_html(d->out, dash_t(d, "notify.saved"));
		cgi_out_raw(d->out, "</p>");
	}
	cgi_out_raw(d->out, "<p id=\"notify-to\">");
	if (email != NULL && *email != '\0') {
		a[0] = email;
		i18n_fmt(d->lang, buf, sizeof(buf), "notify.to", 1, a);
		cgi_out_html(d->out, buf);
	} else
		cgi_out_html(d->out, dash_t(d, "notify.noemail"));
	cgi_out_raw(d->out, "</p><section><form method=\"post\" action=\"");
	dash_href(d, "notify");
	cgi_out_raw(d->out, "\">");
	dash_csrf_field(d);
	cgi_out_raw(d->out, "<fieldset style=\"border:0;padding:0;margin:0\"><legend "
	    "style=\"font-weight:600;margin:.75rem 0 .25rem\">");
	cgi_out_html(d->out, dash_t(d, "notify.digest"));
	cgi_out_raw(d->out, "</legend>");
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "notify.%s", opt[i]);
		cgi_out_raw(d->out, "<div style=\"display:flex;align-items:center;gap:.5rem;"
		    "margin:.25rem 0\"><input type=\"radio\" name=\"digest\" "
		    "style=\"width:1.5rem;height:1.5rem;flex:none\" id=\"digest-");
		cgi_out_raw(d->out, opt[i]);
		cgi_out_raw(d->out, "\" value=\"");
		cgi_out_raw(d->out, opt[i]);
		cgi_out_raw(d->out, (int)pr->digest == i ? "\" checked>" : "\">");
		cgi_out_raw(d->out, "<label style=\"display:inline;font-weight:400;margin:0\" "
		    "for=\"digest-");
		cgi_out_raw(d->out, opt[i]);
		cgi_out_raw(d->out, "\">");
		cgi_out_html(d->out, dash_t(d, buf));
		cgi_out_raw(d->out, "</label></div>");
	}
	cgi_out_raw(d->out, "</fieldset><fieldset style=\"border:0;padding:0;margin:1rem 0 0\">"
	    "<legend style=\"font-weight:600;margin:.75rem 0 .25rem\">");
	cgi_out_html(d->out, dash_t(d, "notify.alerts"));
	cgi_out_raw(d->out, "</legend><label for=\"threshold\" style=\"font-weight:400\">");
	cgi_out_html(d->out, dash_t(d, "notify.threshold"));
	snprintf(n, sizeof(n), "%d", pr->alert_threshold);
	cgi_out_raw(d->out, "</label><input id=\"threshold\" name=\"threshold\" "
	    "type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"1000\" required "
	    "value=\"");
	cgi_out_raw(d->out, n);
	cgi_out_raw(d->out, "\"></fieldset><p><button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "notify.save"));
	cgi_out_raw(d->out, "</button></p></form></section>");
	dash_page_foot(d);
}

void
dash_notify_get(struct dash *d)
{
	struct store_notify_prefs	 pr;

	if (store_notify_prefs_get(d->st, d->sess.guardian_id, &pr, d->err,
	    sizeof(d->err)) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	dash_notify_form(d, &pr, NULL, cgi_kv_get(&d->req->query, "saved") != NULL);
}

void
dash_notify_post(struct dash *d)
{
	struct store_notify_prefs	 pr;
	const char			*dg = cgi_kv_get(&d->req->form, "digest");
	const char			*th = cgi_kv_get(&d->req->form, "threshold");
	char				*end = NULL, detail[64];
	long				 t = -1;
	int				 k = store_notify_digest_parse(dg);

	if (th != NULL && *th != '\0')
		t = strtol(th, &end, 10);
	if (k < 0 || end == NULL || *end != '\0' || t < 0 ||
	    t > STORE_NOTIFY_THRESHOLD_MAX) {
		if (store_notify_prefs_get(d->st, d->sess.guardian_id, &pr, d->err,
		    sizeof(d->err)) == -1) {
			dash_error(d, 500, "err.server");
			return;
		}
		d->out->status = 400;
		dash_notify_form(d, &pr, "notify.bad", 0);
		return;
	}
	pr.digest = (enum store_notify_digest)k;
	pr.alert_threshold = (int)t;
	if (store_notify_prefs_set(d->st, d->sess.guardian_id, &pr, d->now_ms, d->err,
	    sizeof(d->err)) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	snprintf(detail, sizeof(detail), "digest=%s alert_threshold=%ld",
	    store_notify_digest_name(pr.digest), t);
	(void)store_audit(d->st, d->now_ms, d->sess.guardian_id, "notify-prefs", detail,
	    NULL, 0);
	dash_redirect(d, "notify?saved=1");
}

/* The guardian a link's token names, if genuine and still in the roster; NULL after a 403 page. */
static const struct policy_guardian *
dash_unsub_who(struct dash *d, const char **tok)
{
	const struct policy_guardian	*g;
	char				 gid[160];

	*tok = cgi_kv_get(&d->req->query, "t");
	if (*tok == NULL)
		*tok = cgi_kv_get(&d->req->form, "t");
	if (!d->have_unsub_key || *tok == NULL ||
	    auth_unsub_verify(d->unsub_key, *tok, gid, sizeof(gid)) == -1 ||
	    (g = policy_guardian_find(d->pol, gid)) == NULL) {
		dash_error(d, 403, "err.unsub");
		return NULL;
	}
	return g;
}

void
dash_unsub_get(struct dash *d)
{
	const struct policy_guardian	*g;
	const char			*tok, *a[1], *email;
	char				 buf[512];

	if ((g = dash_unsub_who(d, &tok)) == NULL)
		return;
	email = policy_guardian_email(g);
	dash_page_head(d, dash_t(d, "unsub.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "unsub.title"));
	cgi_out_raw(d->out, "</h1><p>");
	a[0] = email != NULL ? email : "";
	i18n_fmt(d->lang, buf, sizeof(buf), "unsub.confirm", 1, a);
	cgi_out_html(d->out, buf);
	/* A GET never changes anything: mail scanners follow links. */
	cgi_out_raw(d->out, "</p><form method=\"post\" action=\"");
	dash_href(d, "unsubscribe?t=");
	cgi_out_urlenc(d->out, tok);
	cgi_out_raw(d->out, "\"><input type=\"hidden\" name=\"t\" value=\"");
	cgi_out_html(d->out, tok);
	cgi_out_raw(d->out, "\"><button type=\"submit\">");
	cgi_out_html(d->out, dash_t(d, "unsub.button"));
	cgi_out_raw(d->out, "</button></form>");
	dash_page_foot(d);
}

/* The page's button and RFC 8058's one-click POST (List-Unsubscribe=One-Click) both land here. */
void
dash_unsub_post(struct dash *d)
{
	const struct policy_guardian	*g;
	struct store_notify_prefs	 pr;
	const char			*tok;

	if ((g = dash_unsub_who(d, &tok)) == NULL)
		return;
	pr.digest = STORE_NOTIFY_NONE;
	pr.alert_threshold = 0;
	pr.updated_ms = d->now_ms;
	if (store_notify_prefs_set(d->st, policy_guardian_id(g), &pr, d->now_ms, d->err,
	    sizeof(d->err)) == -1) {
		dash_error(d, 500, "err.server");
		return;
	}
	(void)store_audit(d->st, d->now_ms, policy_guardian_id(g), "unsubscribe",
	    "digest=none alert_threshold=0", NULL, 0);
	dash_page_head(d, dash_t(d, "unsub.title"));
	cgi_out_raw(d->out, "<h1>");
	cgi_out_html(d->out, dash_t(d, "unsub.title"));
	cgi_out_raw(d->out, "</h1><p class=\"notice\" role=\"status\" id=\"unsubscribed\">");
	cgi_out_html(d->out, dash_t(d, "unsub.done"));
	cgi_out_raw(d->out, "</p>");
	dash_page_foot(d);
}
