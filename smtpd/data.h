#ifndef TERN_SMTPD_DATA_H
#define TERN_SMTPD_DATA_H
/*
 * NAME
 *	data - read one DATA body (RFC 5321 §4.1.4, §4.5.2) and stream it out
 * SYNOPSIS
 *	enum buf_result data_read(struct inbuf *in, struct outbuf *out,
 *	                          unsigned long long max_size,
 *	                          const struct data_pace *pace, struct data_result *r);
 * DESCRIPTION
 *	data_read() consumes client bytes from in up to and including the end
 *	of data, and writes the message as it is to be queued to out while
 *	nothing is wrong with it. Bytes after the end of data stay in in, for
 *	the next (pipelined) command. Memory use does not depend on the size of
 *	the message.
 *
 *	End of data is only CR LF "." CR LF: a line holding only "." that
 *	follows a CRLF line end (or starts the data). Nothing else ends it —
 *	not "." after a bare LF, not "." ended by a bare LF, not a bare CR
 *	(SMTP smuggling, smtpd(8)).
 *
 *	A line break is CRLF or a bare LF; either is written as CRLF. A leading
 *	"." on a line after CRLF (or at the start) is removed (§4.5.2
 *	dot-unstuffing). A "." after a bare LF is kept: that is no line start
 *	for SMTP (only CRLF ends a line, §2.3.8), so it can be neither stuffing
 *	nor an end of data; once the LF is CRLF, the relay stuffs it.
 *
 *	r->size counts the octets of the message as queued. Once one of these
 *	is seen, writing stops but reading goes on to the end of data:
 *	  r->too_big    size over max_size (RFC 1870, §4.5.3.1.9)
 *	  r->bare_cr    a CR not followed by LF (RFC 5321 §2.3.8)
 *	  r->nul        a NUL octet (RFC 5322 §2.1 and §3.5 allow none; C
 *	                string filters downstream would see the text end there)
 *	  r->long_line  a line of more than 998 octets before its line break
 *	                (§4.5.3.1.6: 1000 with the CRLF)
 *	  r->write_failed  out refused data (errno in r->write_errno)
 *	r->bare_lf counts the bare LF line breaks (normalised, not refused).
 *
 *	The client's pace is bounded by a budget of time spent waiting for it
 *	(a token bucket): it starts at pace->budget_ms (data-timeout), each wait
 *	spends what it lasted, and each n bytes received earn n / min_rate
 *	seconds back, never above budget_ms. When the budget is spent, or at
 *	the absolute pace->deadline_ms (the session's; 0: none), the data ends
 *	in BUF_TIMEOUT. So no single wait exceeds data-timeout, and a client
 *	slower on average than min_rate bytes per second is cut within
 *	budget_ms / (1 - its rate / min_rate), however it spaces its bytes.
 *	min_rate 0 refills the budget on every read (each wait bounded alone).
 *	Time spent writing to out does not count against the client. This
 *	replaces in's deadline; the caller restores its own afterwards.
 * DIAGNOSTICS
 *	BUF_OK once the end of data was read; BUF_EOF, BUF_TIMEOUT or BUF_ERROR
 *	as inbuf_fill() when the client vanished or was too slow first.
 */
#include "buf.h"

#define DATA_LINE_MAX 998	/* octets of text, without the CRLF */

struct data_result {
	unsigned long long size;
	unsigned long long bare_lf;
	int too_big;
	int bare_cr;
	int nul;
	int long_line;
	int write_failed;
	int write_errno;
};

struct data_pace {
	unsigned long long min_rate;	/* bytes per second; 0: none */
	int budget_ms;			/* the budget's start and cap */
	long long deadline_ms;		/* clock_ms() scale; 0: none */
};

enum buf_result data_read(struct inbuf *in, struct outbuf *out,
			  unsigned long long max_size, const struct data_pace *pace,
			  struct data_result *r);

#endif
