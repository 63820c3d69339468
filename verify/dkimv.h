#ifndef TERN_VERIFY_DKIMV_H
#define TERN_VERIFY_DKIMV_H
/*
 * NAME
 *	dkimv - DKIM (RFC 6376) verification of a whole message with
 *	libopendkim, keys looked up through vdns
 * SYNOPSIS
 *	int dkimv_check(struct vdns *dns, const char *msg, size_t len,
 *	                struct authres *r, int *tempfail);
 * DESCRIPTION
 *	dkimv_check() verifies every DKIM-Signature of the message msg (len
 *	bytes, header and body, CRLF or LF line ends) and records up to
 *	AR_DKIM_MAX of them in r->dkim (result, d=, s=, the first 8
 *	characters of b=, RFC 6008), or r->dkim_none = AR_NONE when there is
 *	none. The keys (selector._domainkey.domain TXT, RFC 6376 §3.6.2) are
 *	asked through dns, never the system's resolver. A key that cannot be
 *	fetched for a temporary DNS failure makes that signature temperror
 *	(§6.1.2) and sets *tempfail; no key (NXDOMAIN, no TXT) is permerror;
 *	a signature whose header or body hash fails is fail (§6.1.3).
 * DIAGNOSTICS
 *	0, or -1 when libopendkim could not be set up (then nothing is
 *	recorded and the caller leaves DKIM out of its header).
 */
#include <stddef.h>

#include "authres.h"
#include "vdns.h"

int dkimv_check(struct vdns *dns, const char *msg, size_t len, struct authres *r,
		int *tempfail);

#endif
