/*
 * received - the Received: trace line (see received.h).
 * A reader tracing a forged message relies on the client's HELO name, its
 * reverse name and its address; only the first is the client's to choose,
 * and it is sanitised so it cannot pass for the other two.
 */
#include <string.h>
#include <time.h>

#include "received.h"

/* Letters, digits and the bytes of extra are kept; the rest become '?'. */
static void received_sanitise(char *dst, size_t dstlen, const char *src, const char *extra)
{
	size_t i;

	if (!dstlen)
		return;
	for (i = 0; src[i] && i + 1 < dstlen; i++) {
		char ch = src[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || (ch && strchr(extra, ch));
		dst[i] = ok ? ch : '?';
	}
	dst[i] = '\0';
}

const char *received_protocol(int esmtp, int smtputf8, int tls, int auth)
{
	static const char *const names[2][4] = {
		{ "ESMTP", "ESMTPA", "ESMTPS", "ESMTPSA" },
		{ "UTF8SMTP", "UTF8SMTPA", "UTF8SMTPS", "UTF8SMTPSA" },
	};

	if (!esmtp)
		return "SMTP";
	return names[!!smtputf8][(tls ? 2 : 0) + (auth ? 1 : 0)];
}

/*
 * A recipient written into the "for" clause as it is: no quoted local part
 * and nothing but atext (RFC 5322 §3.2.3), ".", "@", the brackets and
 * colons of an address literal, and UTF-8 (RFC 6531). A quoted local part
 * may hold "<>;()" and spaces, and "x>; by forged.example ..." would read
 * as a trace clause of its own: such a recipient is left out.
 */
int received_for_safe(const char *rcpt)
{
	const char *p;

	if (rcpt[0] == '"')
		return 0;
	for (p = rcpt; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (!(ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("!#$%&'*+-/=?^_`{|}~.@[]:", ch)))
			return 0;
	}
	return 1;
}

void received_sanitise_helo(char *dst, size_t dstlen, const char *helo)
{
	received_sanitise(dst, dstlen, helo, ".-:[]_");
}

int received_format(struct str *out, const struct received_info *r)
{
	char helo[256], tcpinfo[320], date[64], using[200], user[256];
	struct tm tm;

	received_sanitise_helo(helo, sizeof helo, r->helo);
	if (client_format(r->client, tcpinfo, sizeof tcpinfo) < 0)
		strcpy(tcpinfo, "unknown");
	/* RFC 5322 §3.3 date-time; strftime in the C locale gives English names */
	if (!localtime_r(&r->when, &tm) ||
	    !strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm))
		strcpy(date, "Thu, 01 Jan 1970 00:00:00 +0000");
	if (str_appendf(out, "Received: from %s (%s)\r\n", helo[0] ? helo : "unknown",
			tcpinfo) < 0)
		return -1;
	if (r->tls && tls_state_format(r->tls, using, sizeof using) == 0 &&
	    str_appendf(out, "\t(%s)\r\n", using) < 0)
		return -1;
	if (r->auth_user && r->auth_user[0]) {
		/* the characters a login may have (sasl.h): no "()" or CRLF */
		received_sanitise(user, sizeof user, r->auth_user, "._-+@=");
		if (str_appendf(out, "\t(Authenticated sender: %s)\r\n", user) < 0)
			return -1;
	}
	if (str_appendf(out, "\tby %s (tern) with %s id %s", r->hostname, r->protocol,
			r->id) < 0)
		return -1;
	if (r->rcpt && received_for_safe(r->rcpt) &&
	    str_appendf(out, "\r\n\tfor <%s>", r->rcpt) < 0)
		return -1;
	return str_appendf(out, ";\r\n\t%s\r\n", date);
}
