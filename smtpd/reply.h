#ifndef TERN_SMTPD_REPLY_H
#define TERN_SMTPD_REPLY_H
/*
 * NAME
 *	reply - write SMTP replies (RFC 5321 §4.2, RFC 3463 enhanced codes)
 * SYNOPSIS
 *	int reply_send(struct outbuf *o, const char *text);
 *	int reply_sendf(struct outbuf *o, const char *fmt, ...);
 * DESCRIPTION
 *	reply_send() queues text and CRLF on o. Text is "NNN" or "NNN-",
 *	then (except for 220 greetings and EHLO/HELO replies, RFC 2034 §3) an
 *	enhanced status code, then human text. Any CR, LF or other control
 *	byte in text is written as '?', and a reply longer than 510 octets is
 *	cut (RFC 5321 §4.5.3.1.5 allows 512 with the CRLF), so a reply is
 *	always exactly one line. Output is sent by outbuf_flush(), which the
 *	session calls before it waits for input (RFC 2920 §3.1).
 * DIAGNOSTICS
 *	0, or -1 as outbuf_put().
 */
#include "buf.h"

#define REPLY_MAX 510

int reply_send(struct outbuf *o, const char *text);
int reply_sendf(struct outbuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
