#ifndef TERN_DKIM_SIGN_H
#define TERN_DKIM_SIGN_H
/*
 * NAME
 *	dkim_sign - DKIM signatures (RFC 6376, RFC 8463) for a queued message,
 *	made in the relay's signer process only (see dkim_agent.h)
 * SYNOPSIS
 *	int dkim_keys_load(const struct config *c, struct dkim_keys *ks,
 *	                   char *err, size_t errlen);
 *	void dkim_keys_free(struct dkim_keys *ks);
 *	int dkim_sign_fd(const struct dkim_keys *ks, int fd, struct str *out,
 *	                 char *note, size_t notelen);
 *	int dkim_from_domain(const char *header, size_t len, char *domain, size_t max);
 * DESCRIPTION
 *	dkim_keys_load() reads the key file of every dkim-sign setting of c
 *	(dkimconf.h). A key file must be a regular file (O_NOFOLLOW) owned by
 *	root or by the caller, with no permission for group or others (mode
 *	0600 or 0400): a key that others can read is refused, since anybody
 *	who read it can sign as the domain. It must hold one PEM private key:
 *	RSA of at least 1024 bits (RFC 8301 §3.2; 2048 is what dkim-keygen(8)
 *	makes) signed rsa-sha256, or Ed25519 signed ed25519-sha256 (RFC 8463).
 *	The PEM text is kept in memory (mlock'ed where allowed) for libopendkim.
 *
 *	dkim_sign_fd() signs the message file (queue(5)) open on fd: its
 *	envelope records are read first (queue_message_load_fd()), and a
 *	message is signed only when
 *	  - its origin is local, submission or relay (mail of this site; mail
 *	    that came from the Internet, forwarded by an alias, is never
 *	    signed, whatever its From: claims), and
 *	  - its header has exactly one From: field with one address whose
 *	    domain (dkim_from_domain()) is a dkim-sign DOMAIN (RFC 5322.From,
 *	    the identity DMARC aligns with, RFC 7489 §3.1).
 *	It then makes one signature per key of that domain (RSA and Ed25519
 *	give two): relaxed/relaxed canonicalization (RFC 6376 §3.4), a t=
 *	time stamp, no l=, and the header fields of RFC 6376 §5.4.1's list
 *	that are present, with From, To, Subject and Date once more in h=
 *	than present (oversigning, §8.15: no such field can be added later
 *	without breaking the signature). The body is read through the SMTP
 *	encoder without dot-stuffing (dataenc_init_unstuffed()), so the
 *	signature covers exactly the lines a worker sends, including the
 *	breaks it inserts into lines over 998 octets.
 *	out receives the DKIM-Signature fields, each ended by CR LF, in the
 *	order of the dkim-sign lines: the worker sends them before the
 *	message.
 *
 *	dkim_from_domain() finds the From: field of a header section (len
 *	bytes, CR LF lines) and writes its address's domain, in lower case,
 *	into domain: the address is the text between the last "<" and the
 *	next ">", or, without angle brackets, the whole value minus
 *	comments; a value with more than one address, a group, or a second
 *	From: field gives no domain.
 * DIAGNOSTICS
 *	dkim_keys_load() returns 0, or -1 with err naming the file and the
 *	problem. dkim_sign_fd() returns 1 when it signed, 0 when the message
 *	is not to be signed (note says why), -1 on an error (note says what;
 *	the caller sends the message unsigned and logs it). dkim_from_domain()
 *	returns 0, or -1 when there is no single From: address with a domain.
 */
#include <stddef.h>

#include "config.h"
#include "str.h"

#define DKIM_SIGN_HEADER_MAX (1u << 20)	/* header section read for From: */
#define DKIM_SIGN_OUT_MAX 8192		/* the signature fields, all keys */

struct dkim_key {
	const char *domain, *selector, *keyfile;	/* the config's strings */
	int alg;			/* DKIM_SIGN_RSASHA256 or _ED25519SHA256 */
	unsigned char *pem;		/* the key file's text, NUL-terminated */
	size_t pemlen;
};

struct dkim_keys {
	struct dkim_key *k;
	size_t n;
	void *lib;			/* DKIM_LIB * */
};

int dkim_keys_load(const struct config *c, struct dkim_keys *ks, char *err, size_t errlen);
void dkim_keys_free(struct dkim_keys *ks);
int dkim_sign_fd(const struct dkim_keys *ks, int fd, struct str *out, char *note,
		 size_t notelen);
int dkim_from_domain(const char *header, size_t len, char *domain, size_t max);

#endif
