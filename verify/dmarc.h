#ifndef TERN_VERIFY_DMARC_H
#define TERN_VERIFY_DMARC_H
/*
 * NAME
 *	dmarc - DMARC (RFC 7489) for the From: domain with libopendmarc: the
 *	record through vdns, alignment and policy from the library
 * SYNOPSIS
 *	int dmarc_init(const char *public_suffix_list, char *err, size_t errlen);
 *	enum dmarc_policy dmarc_check(struct vdns *dns, const char *ip,
 *	                              const char *from_domain,
 *	                              const char *spf_domain, enum ar_result spf,
 *	                              const struct authres *dkim,
 *	                              enum ar_result *result, const char **reason);
 * DESCRIPTION
 *	dmarc_init() loads the public suffix list (the organizational domain,
 *	RFC 7489 §3.2) once per process.
 *
 *	dmarc_check() fetches the policy record: the TXT of _dmarc.FROM, or
 *	when it has none, of _dmarc.ORG (the organizational domain of FROM,
 *	§6.6.3), hands it to libopendmarc with the SPF result for spf_domain
 *	(the MAIL FROM domain, or the HELO name for the null sender) and the
 *	DKIM results, and gives *result: pass (an aligned SPF pass or DKIM
 *	pass), fail, none (no record), temperror (a DNS failure fetching the
 *	record), permerror (a record libopendmarc refuses, several records).
 * DIAGNOSTICS
 *	The policy to apply: DMARC_ACCEPT, DMARC_REJECT (result fail under
 *	p=reject, or sp=reject for a subdomain, with pct=100), DMARC_TEMPFAIL
 *	(the result could have been such a reject but a DNS failure left it
 *	open: the record's lookup, or a temperror of SPF or DKIM under
 *	p=reject). dmarc_init() returns 0, or -1 with err set.
 */
#include <stddef.h>

#include "authres.h"
#include "vdns.h"

enum dmarc_policy { DMARC_ACCEPT, DMARC_REJECT, DMARC_TEMPFAIL };

int dmarc_init(const char *public_suffix_list, char *err, size_t errlen);
enum dmarc_policy dmarc_check(struct vdns *dns, const char *ip, const char *from_domain,
			      const char *spf_domain, enum ar_result spf,
			      const struct authres *dkim, enum ar_result *result,
			      const char **reason);

#endif
