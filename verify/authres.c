/*
 * authres - one Authentication-Results: header field (RFC 8601 §2.2) from
 * mailauth's results (see authres.h).
 */
#include <string.h>

#include "authres.h"
#include "str.h"

const char *authres_name(enum ar_result r)
{
	static const char *const name[] = {
		"none", "none", "pass", "fail", "softfail", "neutral", "temperror", "permerror",
	};

	return (size_t)r < sizeof name / sizeof name[0] ? name[r] : "permerror";
}

/* RFC 5322 §3.2.3 atext, and '.' and '@' for dot-atoms and mailboxes */
static int value_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~.@", c));
}

static int printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return 0;
	return 1;
}

/*
 * " ptype.property=value": RFC 8601 §2.2 pvalue, a token-ish value or a
 * quoted-string (RFC 5322 §3.2.4: '"' and '\\' escaped).
 */
static int append_prop(struct str *o, const char *prop, const char *v)
{
	size_t i, plain = 1;

	if (!v || !*v || !printable(v))
		return 0;
	for (i = 0; v[i]; i++)
		if (!value_char((unsigned char)v[i]))
			plain = 0;
	if (plain)
		return str_appendf(o, " %s=%s", prop, v);
	if (str_appendf(o, " %s=\"", prop) < 0)
		return -1;
	for (i = 0; v[i]; i++)
		if ((v[i] == '"' || v[i] == '\\' ? str_appendc(o, '\\') : 0) < 0 ||
		    str_appendc(o, v[i]) < 0)
			return -1;
	return str_appendc(o, '"');
}

/* " (comment)": parentheses and backslashes in it are dropped */
static int append_comment(struct str *o, const char *c)
{
	size_t i;

	if (!c || !*c || !printable(c))
		return 0;
	if (str_appendz(o, " (") < 0)
		return -1;
	for (i = 0; c[i]; i++)
		if (!strchr("()\\", c[i]) && str_appendc(o, c[i]) < 0)
			return -1;
	return str_appendc(o, ')');
}

/* ";CRLF TAB method=result": the separator before each resinfo */
static int append_method(struct str *o, int *first, const char *method, enum ar_result r)
{
	int e = str_appendz(o, ";\r\n\t");

	*first = 0;
	return e < 0 ? -1 : str_appendf(o, "%s=%s", method, authres_name(r));
}

static int format_dkim(const struct authres *r, struct str *o, int *first)
{
	size_t i;

	if (r->dkim_none == AR_NONE)
		return append_method(o, first, "dkim", AR_NONE);
	for (i = 0; i < r->ndkim; i++) {
		const struct ar_dkim *d = &r->dkim[i];
		if (append_method(o, first, "dkim", d->result) < 0 ||
		    append_comment(o, d->reason) < 0 ||
		    append_prop(o, "header.d", d->domain) < 0 ||
		    append_prop(o, "header.s", d->selector) < 0 ||
		    append_prop(o, "header.b", d->b) < 0)
			return -1;
	}
	return 0;
}

int authres_format(const struct authres *r, struct str *o)
{
	int first = 1;

	if (str_appendf(o, "Authentication-Results: %s", r->authserv_id) < 0)
		return -1;
	if (r->auth_user && (append_method(o, &first, "auth", AR_PASS) < 0 ||
			     append_prop(o, "smtp.auth", r->auth_user) < 0))
		return -1;
	if (r->spf_mailfrom != AR_UNCHECKED &&
	    (append_method(o, &first, "spf", r->spf_mailfrom) < 0 ||
	     append_prop(o, "smtp.mailfrom", r->mailfrom) < 0))
		return -1;
	if (r->spf_helo != AR_UNCHECKED &&
	    (append_method(o, &first, "spf", r->spf_helo) < 0 ||
	     append_prop(o, "smtp.helo", r->helo) < 0))
		return -1;
	if (format_dkim(r, o, &first) < 0)
		return -1;
	if (r->dmarc != AR_UNCHECKED &&
	    (append_method(o, &first, "dmarc", r->dmarc) < 0 ||
	     append_comment(o, r->dmarc_reason) < 0 ||
	     append_prop(o, "header.from", r->from_domain) < 0))
		return -1;
	if (first && str_appendz(o, "; none") < 0)	/* RFC 8601 §2.2 no-result */
		return -1;
	return str_appendz(o, "\r\n");
}
