#ifndef TERN_VERIFY_SPF_H
#define TERN_VERIFY_SPF_H
/*
 * NAME
 *	spf - SPF (RFC 7208) of the HELO and MAIL FROM identities with
 *	libspf2, its DNS through vdns
 * SYNOPSIS
 *	enum ar_result spf_check(struct vdns *dns, const char *ip,
 *	                         const char *helo, const char *sender,
 *	                         char *reason, size_t reasonlen);
 * DESCRIPTION
 *	spf_check() evaluates the SPF policy for the client address ip
 *	(IPv4 or IPv6 text) and one identity: the MAIL FROM sender when it is
 *	not NULL (RFC 7208 §2.4), else the HELO name helo (§2.3). Every DNS
 *	question goes through dns (vdns.h: the configured resolver, timeouts,
 *	the message's budget), none through the system's resolver. libspf2
 *	counts the DNS mechanisms (at most 10, §4.6.4) and the names of an mx
 *	or ptr (10 each); the void lookups (an answer with no records) are
 *	counted here: more than 2 make the result permerror (§4.6.4). A DNS
 *	failure on the way is temperror (§2.6.6).
 * DIAGNOSTICS
 *	AR_NONE, AR_NEUTRAL, AR_PASS, AR_FAIL, AR_SOFTFAIL, AR_TEMPERROR,
 *	AR_PERMERROR; reason gets libspf2's comment when there is one.
 */
#include <stddef.h>

#include "authres.h"
#include "vdns.h"

#define SPF_VOID_MAX 2

enum ar_result spf_check(struct vdns *dns, const char *ip, const char *helo,
			 const char *sender, char *reason, size_t reasonlen);

#endif
