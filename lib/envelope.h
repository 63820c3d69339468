#ifndef TERN_ENVELOPE_H
#define TERN_ENVELOPE_H
/*
 * NAME
 *	envelope - the qmail-queue envelope: F sender NUL (T recipient NUL)* NUL
 * SYNOPSIS
 *	int envelope_encode(struct str *out, const char *sender,
 *	                    const char *const *rcpt, size_t nrcpt);
 *	enum envelope_result envelope_decode(const char *p, size_t len, struct envelope *e);
 *	void envelope_free(struct envelope *e);
 * DESCRIPTION
 *	The envelope inject reads on fd 1 (qmail-queue(8), inject(8)):
 *	"F" sender NUL, then "T" recipient NUL for each recipient, then one NUL.
 *	envelope_encode() appends that to out.
 *	envelope_decode() parses exactly len bytes; e->sender and e->rcpt[i]
 *	point into a private copy freed by envelope_free(). At least one recipient
 *	is required. Every recipient, and the sender unless it is empty (the
 *	null sender), must be a Mailbox as addr_parse_mailbox() (flag
 *	ADDR_UTF8) accepts it: local part, "@", domain or address literal; no
 *	CR, LF or control bytes; at most 64/255/254 octets.
 * DIAGNOSTICS
 *	ENVELOPE_OK; ENVELOPE_FORMAT (missing F, missing T, bad terminators,
 *	trailing bytes: qmail-queue exit 91); ENVELOPE_ADDRESS_TOO_LONG (exit 11);
 *	ENVELOPE_BAD_ADDRESS (exit 91); ENVELOPE_NOMEM (exit 51).
 *	envelope_encode() returns 0 or -1 as str_append().
 */
#include <stddef.h>
#include "str.h"

#define ENVELOPE_MAX (4u << 20)	/* bytes of envelope inject accepts */

enum envelope_result {
	ENVELOPE_OK,
	ENVELOPE_FORMAT,
	ENVELOPE_ADDRESS_TOO_LONG,
	ENVELOPE_BAD_ADDRESS,
	ENVELOPE_NOMEM,
};

struct envelope {
	char *sender;
	char **rcpt;
	size_t nrcpt;
	char *mem;
};

int envelope_encode(struct str *out, const char *sender,
		    const char *const *rcpt, size_t nrcpt);
enum envelope_result envelope_decode(const char *p, size_t len, struct envelope *e);
void envelope_free(struct envelope *e);

#endif
