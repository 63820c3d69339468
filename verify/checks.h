#ifndef TERN_VERIFY_CHECKS_H
#define TERN_VERIFY_CHECKS_H
/*
 * NAME
 *	checks - mailauth's decision for one message: which checks run, their
 *	results, and whether the policy refuses it
 * SYNOPSIS
 *	int checks_run(const struct checks_input *in, struct vdns *dns,
 *	               struct checks_output *out);
 * DESCRIPTION
 *	checks_run() fills out->ar (authres.h) for the message in->msg:
 *	  - an authenticated client (in->auth): auth=pass, nothing checked;
 *	  - a relay client (in->relay) or no client address (a local
 *	    submission): nothing checked ("none");
 *	  - else SPF of the HELO name when it is a domain (RFC 7208 §2.3) and
 *	    of the MAIL FROM (§2.4; for the null sender, postmaster@HELO),
 *	    DKIM of every signature, and DMARC for the domain of the one From:
 *	    field (RFC 7489 §6.6.1: none or several From: fields or mailboxes
 *	    are permerror, and DMARC is not applied).
 *	Policy (tern.conf(5)): with spf-reject, an SPF fail of the MAIL FROM
 *	is refused (QUEUE_EXIT_SPF_FAIL), an SPF temperror deferred
 *	(QUEUE_EXIT_SPF_TEMPFAIL); with dmarc-reject, a DMARC fail under
 *	p=reject is refused (QUEUE_EXIT_DMARC_REJECT) and one left open by a
 *	DNS failure deferred (QUEUE_EXIT_DMARC_TEMPFAIL). out->why says what
 *	for the log.
 * DIAGNOSTICS
 *	0 (accept: forward the message with out->ar), or the exit code of
 *	the refusal (queue_client.h).
 */
#include <stddef.h>

#include "authres.h"
#include "vdns.h"

struct checks_input {
	const char *ip, *helo, *sender, *auth;
	int relay;
	const char *msg;
	size_t len;
	const char *authserv_id;
	int spf_reject, dmarc_reject;
};

struct checks_output {
	struct authres ar;
	char mailfrom[600];	/* the MAIL FROM identity SPF checked */
	char from_domain[256];
	char spf_reason[200];
	char why[1024];
};

int checks_run(const struct checks_input *in, struct vdns *dns, struct checks_output *out);

#endif
