#ifndef TERN_SMTPD_TLS_CONTROL_H
#define TERN_SMTPD_TLS_CONTROL_H
/*
 * NAME
 *	tls_control - the lines smtpd and tlsd exchange on the control socket
 * SYNOPSIS
 *	enum tls_control_kind tls_control_parse(const char *line, size_t len,
 *	                                        struct tls_control_msg *m);
 *	int tls_control_format(char *out, size_t outlen,
 *	                       enum tls_control_kind kind, const char *text);
 * DESCRIPTION
 *	After STARTTLS, smtpd starts tlsd(8) with a control socket on fd 4.
 *	Every message is one line of at most TLS_CONTROL_LINE_MAX bytes with
 *	its LF, and each side waits for the other's answer, so that no two
 *	messages are ever in flight in one direction:
 *
 *	    tlsd  -> smtpd  "ready"            certificates and keys loaded
 *	    tlsd  -> smtpd  "error TEXT"       they could not be (454 4.7.0)
 *	    smtpd -> tlsd   "start"            the 220 is out, the network is
 *	                                       tlsd's: do the handshake
 *	    tlsd  -> smtpd  "ok PROTOCOL CIPHER BITS"
 *	                                       e.g. "ok TLSv1.3
 *	                                       TLS_AES_256_GCM_SHA384 256/256"
 *	    tlsd  -> smtpd  "fail TEXT"        the handshake failed
 *
 *	tls_control_parse() takes one line (with or without its LF) and
 *	returns its kind; for TLS_CONTROL_OK, m->tls is filled and checked by
 *	tls_state_set(); for ERROR and FAIL, m->text holds TEXT (at most
 *	TLS_CONTROL_LINE_MAX bytes; log_event() sanitises it when logged).
 *
 *	tls_control_format() writes the line for kind (LF included, NUL
 *	terminated): "ready\n", "start\n", or the kind's word, a space and text
 *	(for OK: "PROTOCOL CIPHER BITS") and LF; text must not hold LF.
 * DIAGNOSTICS
 *	tls_control_parse() returns TLS_CONTROL_BAD for an unknown word, a
 *	word without its argument or with one it must not have, a NUL, CR or
 *	LF inside the line, or an "ok" whose facts tls_state_set() refuses.
 *	tls_control_format() returns the length written, or -1 when out is too
 *	small or text holds a LF.
 */
#include <stddef.h>

#include "tls_state.h"

#define TLS_CONTROL_LINE_MAX 256

enum tls_control_kind {
	TLS_CONTROL_READY, TLS_CONTROL_ERROR, TLS_CONTROL_START, TLS_CONTROL_OK,
	TLS_CONTROL_FAIL, TLS_CONTROL_BAD,
};

struct tls_control_msg {
	enum tls_control_kind kind;
	struct smtpd_tls tls;			/* TLS_CONTROL_OK */
	char text[TLS_CONTROL_LINE_MAX + 1];	/* ERROR, FAIL */
};

enum tls_control_kind tls_control_parse(const char *line, size_t len, struct tls_control_msg *m);
int tls_control_format(char *out, size_t outlen, enum tls_control_kind kind, const char *text);

#endif
