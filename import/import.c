/* import: readers for third-party block lists and the YAML writer for the rule sets they become. */
#include "import.h"
#include "hostname.h"
#include "hp_str.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

/* Longest piece of an offending line quoted back in a report; the rest adds nothing. */
#define IMPORT_QUOTE_MAX	60

typedef int (*import_line_fn)(const char *src, size_t lineno, char *s,
    size_t len, struct import_result *r, FILE *errs);

void
import_result_init(struct import_result *r)
{
	memset(r, 0, sizeof(*r));
}

static void
import_list_free(struct import_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
import_result_free(struct import_result *r)
{
	import_list_free(&r->domains);
	import_list_free(&r->urls);
	memset(r, 0, sizeof(*r));
}

static int
import_list_add(struct import_list *l, const char *s, size_t len)
{
	char	*copy;

	if (l->n == l->cap) {
		size_t	  ncap = l->cap ? l->cap * 2 : 256;
		char	**nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	if ((copy = strndup(s, len)) == NULL)
		return -1;
	l->v[l->n++] = copy;
	return 0;
}

static int
import_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort + unique once per import instead of a lookup per line: O(n log n) whatever the input order. */
static void
import_list_finish(struct import_list *l, size_t *dups)
{
	size_t	 i, o;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), import_strcmp);
	for (i = 1, o = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[o - 1]) == 0) {
			free(l->v[i]);
			(*dups)++;
		} else
			l->v[o++] = l->v[i];
	}
	l->n = o;
}

static void
import_finish(struct import_result *r)
{
	import_list_finish(&r->domains, &r->duplicates);
	import_list_finish(&r->urls, &r->duplicates);
}

int
import_utf8_valid(const char *s, size_t len)
{
	return hp_utf8_valid(s, len);
}

/* Quotes input back to a terminal: control bytes could rewrite the screen, so they become '?'. */
static void
import_quote(char *buf, size_t bufsz, const char *s, size_t len)
{
	size_t	 i, o = 0;

	for (i = 0; i < len && o + 4 < bufsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o >= IMPORT_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[o] = '\0';
}

static void import_bad(struct import_result *, FILE *, const char *, size_t,
    const char *, ...) __attribute__((format(printf, 5, 6)));

static void
import_bad(struct import_result *r, FILE *errs, const char *src,
    size_t lineno, const char *fmt, ...)
{
	va_list	 ap;

	r->bad++;
	if (errs == NULL || r->reported >= IMPORT_REPORT_MAX)
		return;
	r->reported++;
	fprintf(errs, "%s:%zu: ", src, lineno);
	va_start(ap, fmt);
	vfprintf(errs, fmt, ap);
	va_end(ap);
	fputc('\n', errs);
}

static void
import_bad_name(struct import_result *r, FILE *errs, const char *src,
    size_t lineno, const char *what, const char *s, size_t len,
    const char *why)
{
	char	 q[IMPORT_QUOTE_MAX + 8];

	import_quote(q, sizeof(q), s, len);
	import_bad(r, errs, src, lineno, "bad %s '%s': %s", what, q,
	    why ? why : "invalid");
}

static int
import_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Shared line loop: counts lines, drops a UTF-8 BOM and the line ending
 * (CRLF files come from Windows editors), trims blanks, skips empty lines,
 * and refuses NUL bytes, which would silently truncate every later check.
 */
static int
import_lines(FILE *in, const char *src, struct import_result *r, FILE *errs,
    import_line_fn fn)
{
	char	*line = NULL, *s;
	size_t	 cap = 0, lineno = 0, len;
	ssize_t	 n;
	int	 rc = 0;

	errno = 0;
	while ((n = getline(&line, &cap, in)) != -1) {
		lineno++;
		r->lines++;
		s = line;
		len = (size_t)n;
		if (lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if (memchr(s, '\0', len) != NULL) {
			import_bad(r, errs, src, lineno, "NUL byte in line");
			continue;
		}
		while (len > 0 && (s[len - 1] == '\n' || import_space(s[len - 1])))
			len--;
		while (len > 0 && import_space(*s)) {
			s++;
			len--;
		}
		if (len == 0)
			continue;
		s[len] = '\0';
		if (fn(src, lineno, s, len, r, errs) == -1) {
			if (errs != NULL)
				fprintf(errs, "%s:%zu: out of memory\n", src,
				    lineno);
			rc = -1;
			break;
		}
		errno = 0;
	}
	/* getline also stops on ENOMEM without setting the error flag; only EOF means done. */
	if (rc == 0 && (ferror(in) || !feof(in))) {
		if (errs != NULL)
			fprintf(errs, "%s: read error: %s\n", src,
			    strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	import_finish(r);
	return rc;
}

/* ---- hosts ---- */

/*
 * Names every stock hosts file maps to itself; blocking them would break the
 * machine, not a site.  "ip6-*" only as a single label (ip6-localhost,
 * ip6-allnodes, ...), so a real "ip6-foo.example" is still imported.
 */
static int
import_hosts_local(const char *name)
{
	static const char *const local[] = {
		"localhost", "localhost.localdomain", "local", "broadcasthost",
	};

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strcmp(name, local[i]) == 0)
			return 1;
	return strncmp(name, "ip6-", 4) == 0 && strchr(name, '.') == NULL;
}

static size_t
import_token(const char *s, size_t len, size_t *pos, const char **tok)
{
	size_t	 i = *pos, start;

	while (i < len && import_space(s[i]))
		i++;
	start = i;
	while (i < len && !import_space(s[i]))
		i++;
	*pos = i;
	*tok = s + start;
	return i - start;
}

static int
import_hosts_line(const char *src, size_t lineno, char *s, size_t len,
    struct import_result *r, FILE *errs)
{
	char	 norm[HOSTNAME_BUFSZ];
	const char *tok, *why, *hash;
	size_t	 pos = 0, tlen, alen, names = 0;
	enum hostname_kind kind;
	int	 badline = 0;

	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	if ((tlen = import_token(s, len, &pos, &tok)) == 0)
		return 0;

	/* A zone suffix (fe80::1%lo0 in macOS-style headers) is still an address. */
	alen = tlen;
	for (size_t i = 0; i < tlen; i++)
		if (tok[i] == '%') {
			alen = i;
			break;
		}
	kind = hostname_normalize(tok, alen, norm, &why);
	if (kind == HOSTNAME_NAME) {
		const char *next;

		/* A bare name per line: the "domains only" lists many hosts projects also ship. */
		if (import_token(s, len, &pos, &next) != 0) {
			import_bad_name(r, errs, src, lineno, "address", tok,
			    tlen, "first field is not an IP address");
			return 0;
		}
		if (import_hosts_local(norm)) {
			r->skipped++;
			return 0;
		}
		return import_list_add(&r->domains, norm, strlen(norm));
	}
	if (kind == HOSTNAME_INVALID) {
		import_bad_name(r, errs, src, lineno, "address", tok, tlen, why);
		return 0;
	}

	/*
	 * Any address counts, not just 0.0.0.0 and 127.0.0.1: lists that send
	 * blocked names to a block page still mean "block these names".
	 */
	while ((tlen = import_token(s, len, &pos, &tok)) != 0) {
		names++;
		kind = hostname_normalize(tok, tlen, norm, &why);
		if (kind == HOSTNAME_NAME && import_hosts_local(norm)) {
			r->skipped++;
		} else if (kind == HOSTNAME_IPV4 && strcmp(norm, "0.0.0.0") == 0) {
			r->skipped++;
		} else if (kind == HOSTNAME_NAME) {
			if (import_list_add(&r->domains, norm, strlen(norm)) == -1)
				return -1;
		} else if (!badline) {
			/* One report per line; the line's good names are still kept. */
			badline = 1;
			import_bad_name(r, errs, src, lineno, "host name", tok,
			    tlen, kind == HOSTNAME_INVALID ? why :
			    "an address where a host name belongs");
		}
	}
	if (names == 0)
		import_bad(r, errs, src, lineno, "address without host names");
	return 0;
}

int
import_hosts(FILE *in, const char *srcname, struct import_result *r,
    FILE *errs)
{
	return import_lines(in, srcname, r, errs, import_hosts_line);
}

/* ---- Adblock ---- */

/*
 * Options accepted on "||domain^$...": they only say in which context
 * (first/third party, priority, case) a request is blocked, never which
 * kinds of resource, so blocking the whole domain is the same rule or a
 * stricter one - right for a school filter.  Everything else ($script,
 * $~image, $domain=, $badfilter, $redirect=, $dnsrewrite=, ...) narrows or
 * changes the rule, which a plain domain entry would silently widen: those
 * rules are counted as unsupported.
 */
static int
import_adblock_option_ok(const char *opt, size_t len)
{
	static const char *const ok[] = {
		"third-party", "~third-party", "first-party", "~first-party",
		"3p", "~3p", "1p", "~1p", "strict3p", "strict1p",
		"important", "all", "match-case",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == len && strncasecmp(opt, ok[i], len) == 0)
			return 1;
	return 0;
}

static int
import_adblock_line(const char *src, size_t lineno, char *s, size_t len,
    struct import_result *r, FILE *errs)
{
	static const char *const cosmetic[] = {
		"##", "#@", "#?#", "#$#", "#%#", "$$", "$@$",
	};
	char	 norm[HOSTNAME_BUFSZ];
	const char *why, *p, *opt;
	size_t	 dlen, i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			import_bad(r, errs, src, lineno,
			    "control character in rule");
			return 0;
		}
	if (s[0] == '!')
		return 0;
	if (s[0] == '[') {
		if (s[len - 1] == ']')
			return 0;	/* [Adblock Plus 2.0] and friends */
		import_bad(r, errs, src, lineno, "unterminated '[' header");
		return 0;
	}
	if (strncmp(s, "@@", 2) == 0) {
		r->unsupported++;	/* exceptions: a rule set only blocks */
		return 0;
	}
	for (i = 0; i < sizeof(cosmetic) / sizeof(cosmetic[0]); i++)
		if (strstr(s, cosmetic[i]) != NULL) {
			r->unsupported++;	/* page content, not requests */
			return 0;
		}
	if (s[0] == '#')
		return 0;	/* uBlock-style comment; "##" was caught above */
	if (strncmp(s, "||", 2) != 0) {
		r->unsupported++;	/* URL patterns, "|http" anchors, /regex/ */
		return 0;
	}

	p = s + 2;
	dlen = strcspn(p, "^$/*|:?");
	switch (p[dlen]) {
	case '^':
		break;
	case '*':
	case '/':
	case ':':
	case '?':
		r->unsupported++;	/* wildcards, paths, ports, queries */
		return 0;
	default:
		if (dlen == 0) {
			import_bad(r, errs, src, lineno,
			    "'||' without a domain");
			return 0;
		}
		if (hostname_normalize(p, dlen, norm, &why) ==
		    HOSTNAME_INVALID) {
			import_bad_name(r, errs, src, lineno, "domain", p,
			    dlen, why);
			return 0;
		}
		/* "||ads.example" also matches "ads.example.net": not a domain rule. */
		r->unsupported++;
		return 0;
	}
	if (dlen == 0) {
		import_bad(r, errs, src, lineno, "'||' without a domain");
		return 0;
	}
	if (hostname_normalize(p, dlen, norm, &why) == HOSTNAME_INVALID) {
		import_bad_name(r, errs, src, lineno, "domain", p, dlen, why);
		return 0;
	}
	p += dlen + 1;
	if (*p == '|')
		p++;	/* "^|": the separator is the end anyway */
	if (*p == '$') {
		for (opt = p + 1;; opt += dlen + 1) {
			dlen = strcspn(opt, ",");
			if (dlen == 0) {
				import_bad(r, errs, src, lineno,
				    "empty option after '$'");
				return 0;
			}
			if (!import_adblock_option_ok(opt, dlen)) {
				r->unsupported++;
				return 0;
			}
			if (opt[dlen] == '\0')
				break;
		}
	} else if (*p != '\0') {
		r->unsupported++;	/* "||example.com^path" */
		return 0;
	}
	return import_list_add(&r->domains, norm, strlen(norm));
}

int
import_adblock(FILE *in, const char *srcname, struct import_result *r,
    FILE *errs)
{
	return import_lines(in, srcname, r, errs, import_adblock_line);
}

/* ---- UT1 / squidGuard ---- */

static int
import_ut1_domain(const char *src, size_t lineno, char *s, size_t len,
    struct import_result *r, FILE *errs)
{
	char	 norm[HOSTNAME_BUFSZ];
	const char *why;

	if (s[0] == '#')
		return 0;
	/* squidGuard reads ".example.com" as example.com and below, which is what every entry means. */
	if (s[0] == '.' && len > 1) {
		s++;
		len--;
	}
	if (hostname_normalize(s, len, norm, &why) == HOSTNAME_INVALID) {
		import_bad_name(r, errs, src, lineno, "domain", s, len, why);
		return 0;
	}
	return import_list_add(&r->domains, norm, strlen(norm));
}

static int
import_ut1_url(const char *src, size_t lineno, char *s, size_t len,
    struct import_result *r, FILE *errs)
{
	char	 norm[HOSTNAME_BUFSZ + 2], *url, *host;
	const char *why, *slash, *path;
	size_t	 hlen, plen, nlen, i;
	enum hostname_kind kind;
	int	 rc;

	if (s[0] == '#')
		return 0;
	if ((slash = memchr(s, '/', len)) == NULL) {
		import_bad_name(r, errs, src, lineno, "url", s, len,
		    "no '/path' after the host (a bare host belongs in domains)");
		return 0;
	}
	hlen = (size_t)(slash - s);
	kind = hostname_normalize(s, hlen, norm + 1, &why);
	if (kind == HOSTNAME_INVALID) {
		import_bad_name(r, errs, src, lineno, "url host", s, hlen, why);
		return 0;
	}
	path = slash;
	plen = len - hlen;
	for (i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)path[i];

		/* The path is matched as written, so it must be one printable token. */
		if (c <= 0x20 || c == 0x7f) {
			import_bad_name(r, errs, src, lineno, "url", s, len,
			    "space or control character in the path");
			return 0;
		}
	}
	if (!hp_utf8_valid(path, plen)) {
		import_bad_name(r, errs, src, lineno, "url", s, len,
		    "path is not valid UTF-8");
		return 0;
	}
	/* "::1/x" would be ambiguous; URLs bracket IPv6 hosts. */
	host = norm + 1;
	if (kind == HOSTNAME_IPV6) {
		host = norm;
		norm[0] = '[';
		nlen = strlen(norm);
		norm[nlen++] = ']';
		norm[nlen] = '\0';
	}
	nlen = strlen(host);
	if ((url = malloc(nlen + plen + 1)) == NULL)
		return -1;
	memcpy(url, host, nlen);
	memcpy(url + nlen, path, plen);
	url[nlen + plen] = '\0';
	rc = import_list_add(&r->urls, url, nlen + plen);
	free(url);
	return rc;
}

/* "gambling/" as typed by shell completion should not give "gambling//domains" in reports. */
static char *
import_path_join(const char *dir, const char *name)
{
	size_t	 dlen = strlen(dir);
	char	*path;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (asprintf(&path, "%.*s/%s", (int)dlen, dir, name) < 0)
		return NULL;
	return path;
}

static int
import_ut1_file(const char *dir, const char *name, import_line_fn fn,
    struct import_result *r, FILE *errs, int *found)
{
	char	*path;
	FILE	*f;
	int	 rc;

	if ((path = import_path_join(dir, name)) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: out of memory\n", dir);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc == -1 && errs != NULL)
			fprintf(errs, "%s: %s\n", path, strerror(errno));
		free(path);
		return rc;
	}
	*found = 1;
	rc = import_lines(f, path, r, errs, fn);
	fclose(f);
	free(path);
	return rc;
}

int
import_ut1_dir(const char *dir, struct import_result *r, FILE *errs)
{
	struct stat st;
	struct dirent *de;
	DIR	*d;
	int	 found = 0;

	if (stat(dir, &st) == -1) {
		if (errs != NULL)
			fprintf(errs, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (errs != NULL)
			fprintf(errs, "%s: not a directory (ut1 wants the "
			    "category folder)\n", dir);
		return -1;
	}
	if (import_ut1_file(dir, "domains", import_ut1_domain, r, errs,
	    &found) == -1 ||
	    import_ut1_file(dir, "urls", import_ut1_url, r, errs, &found) == -1)
		return -1;
	if (!found) {
		if (errs != NULL)
			fprintf(errs, "%s: neither a 'domains' nor a 'urls' "
			    "file\n", dir);
		return -1;
	}
	/* Regular expressions match in ways a domain list cannot; say so rather than drop them silently. */
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char	*path;

			if (strstr(de->d_name, "expression") == NULL ||
			    errs == NULL ||
			    (path = import_path_join(dir, de->d_name)) == NULL)
				continue;
			fprintf(errs, "%s: not imported: regular expressions "
			    "are not supported\n", path);
			free(path);
		}
		closedir(d);
	}
	return 0;
}

/* ---- YAML ---- */

static int
import_emit_scalar(yaml_emitter_t *em, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1, style))
		return -1;
	return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int
import_emit_list(yaml_emitter_t *em, const char *key,
    const struct import_list *l)
{
	yaml_event_t ev;

	if (import_emit_scalar(em, key, YAML_PLAIN_SCALAR_STYLE) == -1)
		return -1;
	if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_SEQUENCE_STYLE) || !yaml_emitter_emit(em, &ev))
		return -1;
	/* Plain when YAML allows it; libyaml quotes anything that would not read back the same. */
	for (size_t i = 0; i < l->n; i++)
		if (import_emit_scalar(em, l->v[i], YAML_PLAIN_SCALAR_STYLE) == -1)
			return -1;
	if (!yaml_sequence_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(em, &ev))
		return -1;
	return 0;
}

/* A comment is one line of valid UTF-8 or the whole file stops parsing. */
static void
import_write_comment(FILE *out, const char *c)
{
	const unsigned char *s = (const unsigned char *)c;
	size_t	 i = 0, len = strlen(c), n;

	fputs("# ", out);
	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			fputc('?', out);
			i++;
			continue;
		}
		if (s[i] < 0x80) {
			fputc(s[i++], out);
			continue;
		}
		if ((n = hp_utf8_seqlen(c + i, len - i)) > 1) {
			fwrite(c + i, 1, n, out);
			i += n;
		} else {
			fputc('?', out);
			i++;
		}
	}
	fputc('\n', out);
}

int
import_write_yaml(FILE *out, const char *category, const char *description,
    const char *comment, const struct import_result *r)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int	 rc = -1;

	if (comment != NULL)
		import_write_comment(out, comment);
	if (!yaml_emitter_initialize(&em))
		return -1;
	yaml_emitter_set_output_file(&em, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);	/* long descriptions stay on one line */
	yaml_emitter_set_break(&em, YAML_LN_BREAK);

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE) || !yaml_emitter_emit(&em, &ev))
		goto out;
	if (import_emit_scalar(&em, "category", YAML_PLAIN_SCALAR_STYLE) == -1 ||
	    import_emit_scalar(&em, category, YAML_PLAIN_SCALAR_STYLE) == -1 ||
	    import_emit_scalar(&em, "description", YAML_PLAIN_SCALAR_STYLE) == -1 ||
	    import_emit_scalar(&em, description,
	    YAML_DOUBLE_QUOTED_SCALAR_STYLE) == -1)
		goto out;
	if (import_emit_list(&em, "domains", &r->domains) == -1)
		goto out;
	if (r->urls.n > 0 && import_emit_list(&em, "urls", &r->urls) == -1)
		goto out;
	if (!yaml_mapping_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_stream_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_emitter_flush(&em))
		goto out;
	rc = fflush(out) == 0 && !ferror(out) ? 0 : -1;
out:
	yaml_emitter_delete(&em);
	return rc;
}
