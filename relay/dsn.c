/* dsn - bounce composition; see dsn.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "relay/dsn.h"
#include "relay/hdrscan.h"

#define DSN_HEADER_MAX (256u << 10)
#define DSN_SAID " said: "

void dsn_date(long long t, char out[40])
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	/* a time gmtime_r() cannot represent (a corrupt queue or state file) */
	if (!gmtime_r(&tt, &tm)) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wday[tm.tm_wday],
		 tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

int dsn_boundary(char out[DSN_BOUNDARY_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i, got = 0;

	while (got < sizeof rnd) {	/* blocks only before the kernel's pool is ready */
		ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	memcpy(out, "=_tern.", 7);
	for (i = 0; i < sizeof rnd; i++) {
		out[7 + 2 * i] = hex[rnd[i] >> 4];
		out[8 + 2 * i] = hex[rnd[i] & 15];
	}
	out[7 + 2 * sizeof rnd] = '\0';
	return 0;
}

/* Appends z with every byte outside printable ASCII as '?'. */
static int dsn_put_ascii(struct str *out, const char *z)
{
	for (; *z; z++) {
		unsigned char c = (unsigned char)*z;

		if (str_appendc(out, c < 0x20 || c > 0x7e ? '?' : (char)c) < 0)
			return -1;
	}
	return 0;
}

int dsn_reply_format(struct str *out, const char *remote_mta, int code,
		     const char *enhanced, const char *text)
{
	if (remote_mta && *remote_mta &&
	    (str_appendz(out, remote_mta) < 0 || str_appendz(out, DSN_SAID) < 0))
		return -1;
	if (str_appendu(out, (unsigned)code) < 0)
		return -1;
	if (enhanced && *enhanced &&
	    (str_appendc(out, ' ') < 0 || str_appendz(out, enhanced) < 0))
		return -1;
	if (text && *text && (str_appendc(out, ' ') < 0 || str_appendz(out, text) < 0))
		return -1;
	return 0;
}

/*
 * The enhanced code after "NNN " in diag, if it is one (RFC 3463 §2:
 * digits class "." subject "." detail, the class that of the reply). The length is checked before anything past diag is looked at:
 * a bare "550" is a whole reply.
 */
static int dsn_status_of(const char *diag, char status[16])
{
	const char *p;
	size_t n, i;
	int dots = 0;

	if (strnlen(diag, 4) < 4 || diag[3] != ' ')
		return -1;
	p = diag + 4;
	n = strcspn(p, " ");
	if (n < 5 || n > 11 || p[0] != diag[0] || p[0] < '0' || p[0] > '9' ||
	    p[1] != '.' || p[n - 1] == '.')
		return -1;
	for (i = 1; i < n; i++) {
		if (p[i] == '.' && p[i - 1] == '.')
			return -1;
		if (p[i] == '.')
			dots++;
		else if (p[i] < '0' || p[i] > '9')
			return -1;
	}
	if (dots != 2)
		return -1;
	memcpy(status, p, n);
	status[n] = '\0';
	return 0;
}

void dsn_reply_parse(const char *reply, char *mta, size_t mtalen,
		     const char **diagnostic, char status[16])
{
	const char *said = strstr(reply, DSN_SAID);
	size_t hostlen = said ? (size_t)(said - reply) : 0;

	mta[0] = '\0';
	/* Only our own prefix counts: a host name has no spaces and comes first. */
	if (said && hostlen > 0 && hostlen < mtalen && !memchr(reply, ' ', hostlen)) {
		memcpy(mta, reply, hostlen);
		mta[hostlen] = '\0';
		reply = said + strlen(DSN_SAID);
	}
	*diagnostic = reply;
	if (dsn_status_of(reply, status) == 0)
		return;
	strcpy(status, reply[0] == '4' ? "4.0.0" : "5.0.0");
}

static int dsn_put_human(struct str *out, const struct dsn *d)
{
	size_t i;

	if (str_appendf(out, "This is the mail system at host %s.\r\n\r\n", d->hostname) < 0)
		return -1;
	if (*d->orig_sender == '\0') {
		if (str_appendz(out, "A message with the null sender (a bounce or other "
			"notification) could not be\r\ndelivered. It is reported to the "
			"postmaster only, never bounced.\r\n\r\n") < 0)
			return -1;
	} else if (str_appendz(out, "I'm sorry to have to inform you that your message "
			"could not be delivered\r\nto one or more recipients. "
			"It is attached below.\r\n\r\n") < 0) {
		return -1;
	}
	for (i = 0; i < d->nrcpt; i++) {
		char mta[256], status[16];
		const char *diag;

		dsn_reply_parse(d->rcpt[i].reply, mta, sizeof mta, &diag, status);
		if (str_appendc(out, '<') < 0 || dsn_put_ascii(out, d->rcpt[i].address) < 0 ||
		    str_appendz(out, ">: ") < 0 || dsn_put_ascii(out, diag) < 0 ||
		    str_appendz(out, "\r\n") < 0)
			return -1;
	}
	return 0;
}

static int dsn_put_status(struct str *out, const struct dsn *d)
{
	char date[40];
	size_t i;

	dsn_date(d->arrival, date);
	/* RFC 3464 §2.2: per-message fields, then a blank line before each recipient */
	if (str_appendf(out, "Reporting-MTA: dns; %s\r\nX-Tern-Queue-ID: %s\r\n"
			"Arrival-Date: %s\r\n", d->hostname, d->queue_id, date) < 0)
		return -1;
	for (i = 0; i < d->nrcpt; i++) {
		char mta[256], status[16];
		const char *diag;

		dsn_reply_parse(d->rcpt[i].reply, mta, sizeof mta, &diag, status);
		if (str_appendz(out, "\r\nFinal-Recipient: rfc822; ") < 0 ||
		    dsn_put_ascii(out, d->rcpt[i].address) < 0 ||
		    str_appendf(out, "\r\nAction: failed\r\nStatus: %s\r\n", status) < 0)
			return -1;
		if (*mta && (str_appendz(out, "Remote-MTA: dns; ") < 0 ||
			     dsn_put_ascii(out, mta) < 0 || str_appendz(out, "\r\n") < 0))
			return -1;
		if (*diag && (str_appendz(out, "Diagnostic-Code: smtp; ") < 0 ||
			      dsn_put_ascii(out, diag) < 0 || str_appendz(out, "\r\n") < 0))
			return -1;
		if (d->rcpt[i].last_try > 0) {
			dsn_date(d->rcpt[i].last_try, date);
			if (str_appendf(out, "Last-Attempt-Date: %s\r\n", date) < 0)
				return -1;
		}
	}
	return 0;
}

/* Appends p[0..n) with every line ending made CRLF. */
static int dsn_put_crlf(struct str *out, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r') && str_appendc(out, '\r') < 0)
			return -1;
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			continue;	/* a bare CR is dropped, never a line break */
		if (str_appendc(out, p[i]) < 0)
			return -1;
	}
	if (n > 0 && p[n - 1] != '\n')
		return str_appendz(out, "\r\n");
	return 0;
}

/* Up to max bytes of the body at off, cut after the last whole line. */
static int dsn_put_body(struct str *out, int fd, unsigned long long off,
			unsigned long long len, unsigned long long max)
{
	struct str body = STR_INIT(0);
	char chunk[8192];
	size_t keep;
	int r = -1;

	while (off < len && body.len < max) {
		unsigned long long left = len - off, room = max - body.len;
		size_t want = sizeof chunk;
		ssize_t n;

		if (left < want)
			want = (size_t)left;
		if (room < want)
			want = (size_t)room;
		n = pread(fd, chunk, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (str_append(&body, chunk, (size_t)n) < 0)
			goto out;
		off += (unsigned long long)n;
	}
	keep = body.len;
	if (off < len)
		while (keep > 0 && body.s[keep - 1] != '\n')
			keep--;
	r = dsn_put_crlf(out, body.s ? body.s : "", keep);
out:
	str_free(&body);
	return r;
}

static int dsn_put_original(struct str *out, const struct dsn *d, int fd,
			    unsigned long long len)
{
	struct str hdr = STR_INIT(DSN_HEADER_MAX + 8192);
	unsigned long long body_off;
	int r = -1;

	if (hdrscan_read(fd, len, DSN_HEADER_MAX, &hdr, &body_off) < 0)
		goto out;
	if (str_appendz(out, d->body_max ?
			"Content-Type: message/rfc822\r\n"
			"Content-Description: Undelivered message\r\n\r\n" :
			"Content-Type: text/rfc822-headers\r\n"
			"Content-Description: Undelivered message headers\r\n\r\n") < 0 ||
	    dsn_put_crlf(out, hdr.s ? hdr.s : "", hdr.len) < 0)
		goto out;
	if (d->body_max && (str_appendz(out, "\r\n") < 0 ||
			    dsn_put_body(out, fd, body_off, len, d->body_max) < 0))
		goto out;
	r = 0;
out:
	str_free(&hdr);
	return r;
}

int dsn_compose(struct str *out, const struct dsn *d, int fd, unsigned long long len)
{
	char date[40];

	dsn_date(d->now, date);
	if (str_appendf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n",
			d->hostname) < 0 ||
	    str_appendz(out, "To: <") < 0 || dsn_put_ascii(out, d->to) < 0 ||
	    str_appendf(out, ">\r\nSubject: %s\r\nDate: %s\r\n"
			"Message-ID: <%s.dsn@%s>\r\nAuto-Submitted: auto-replied\r\n"
			"MIME-Version: 1.0\r\n"
			"Content-Type: multipart/report; report-type=delivery-status;\r\n"
			"\tboundary=\"%s\"\r\n\r\n"
			"This is a MIME-encapsulated message.\r\n\r\n",
			*d->orig_sender ? "Undelivered Mail Returned to Sender" :
			"Postmaster notice: undeliverable notification",
			date, d->queue_id, d->hostname, d->boundary) < 0)
		return -1;
	if (str_appendf(out, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
			"Content-Description: Notification\r\n\r\n", d->boundary) < 0 ||
	    dsn_put_human(out, d) < 0 ||
	    str_appendf(out, "\r\n--%s\r\nContent-Type: message/delivery-status\r\n"
			"Content-Description: Delivery report\r\n\r\n", d->boundary) < 0 ||
	    dsn_put_status(out, d) < 0 ||
	    str_appendf(out, "\r\n--%s\r\n", d->boundary) < 0 ||
	    dsn_put_original(out, d, fd, len) < 0 ||
	    str_appendf(out, "\r\n--%s--\r\n", d->boundary) < 0)
		return -1;
	return 0;
}
