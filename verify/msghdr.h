#ifndef TERN_VERIFY_MSGHDR_H
#define TERN_VERIFY_MSGHDR_H
/*
 * NAME
 *	msghdr - walk a message's header section (RFC 5322 §2.2) and read the
 *	two fields mailauth needs: From: and Authentication-Results:
 * SYNOPSIS
 *	size_t msghdr_end(const char *m, size_t len);
 *	int msghdr_next(const char *m, size_t end, size_t *pos, struct msghdr_field *f);
 *	int msghdr_is(const struct msghdr_field *f, const char *name);
 *	int msghdr_authserv_id(const char *v, size_t len, char *id, size_t idlen);
 *	int msghdr_from_domain(const char *v, size_t len, char *dom, size_t domlen);
 * DESCRIPTION
 *	The message is untrusted bytes: every function reads only inside the
 *	given length, never writes outside its output, and takes one straight
 *	path (a field it cannot read is reported as such, never guessed).
 *	Lines end in CRLF or LF.
 *
 *	msghdr_end() is the offset of the empty line that ends the header
 *	section (len when there is none: all header).
 *
 *	msghdr_next() gives the field at *pos (< end) and moves *pos past it
 *	and its continuation lines (RFC 5322 §2.2.3 folding): f->start and
 *	f->stop delimit the whole field with its line breaks, f->name the
 *	field name (f->namelen 0 for a line without a colon or with a
 *	blank before it: not a field, kept as it is), f->value what follows
 *	the colon up to the last line break. Returns 1, or 0 at end.
 *
 *	msghdr_is() compares the field name with name, ignoring case.
 *
 *	msghdr_authserv_id() reads the authserv-id at the start of an
 *	Authentication-Results: value (RFC 8601 §2.2: after CFWS, a token
 *	or quoted-string, RFC 2045 value) into id: 1, or 0 when there is none
 *	or it does not fit.
 *
 *	msghdr_from_domain() reads the domain of the one mailbox of a From:
 *	value (RFC 5322 §3.6.2, §3.4: comments removed, "name <addr>" or
 *	addr), lowercased, into dom: 1; 0 when there is no usable domain
 *	(no '@', a domain that is not letters, digits, '-' and '.', too
 *	long); -1 when the field names more than one mailbox (RFC 7489
 *	§6.6.1).
 */
#include <stddef.h>

struct msghdr_field {
	size_t start, stop;		/* the whole field in m */
	const char *name;
	size_t namelen;
	const char *value;
	size_t valuelen;
};

size_t msghdr_end(const char *m, size_t len);
int msghdr_next(const char *m, size_t end, size_t *pos, struct msghdr_field *f);
int msghdr_is(const struct msghdr_field *f, const char *name);
int msghdr_authserv_id(const char *v, size_t len, char *id, size_t idlen);
int msghdr_from_domain(const char *v, size_t len, char *dom, size_t domlen);

#endif
