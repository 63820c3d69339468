/*
 * checks - what mailauth checks for a message and what its policy makes
 * of the results (see checks.h).
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "checks.h"
#include "dkimv.h"
#include "dmarc.h"
#include "msghdr.h"
#include "queue_client.h"
#include "spf.h"

/* the domain of the one From: field: 1, 0 (none usable), -1 (several) */
static int checks_from(const char *msg, size_t len, char *dom, size_t domlen)
{
	struct msghdr_field f;
	size_t end = msghdr_end(msg, len), pos = 0;
	int n = 0, r = 0;

	while (msghdr_next(msg, end, &pos, &f))
		if (msghdr_is(&f, "From")) {
			if (++n > 1)
				return -1;	/* RFC 5322 §3.6: exactly one */
			r = msghdr_from_domain(f.value, f.valuelen, dom, domlen);
		}
	return r;
}

/* SPF of HELO and MAIL FROM; the MAIL FROM result decides the policy */
static void checks_spf(const struct checks_input *in, struct vdns *dns,
		       struct checks_output *o, const char **spf_domain)
{
	struct authres *ar = &o->ar;
	int helo_ok = in->helo && addr_domain_valid(in->helo, strlen(in->helo)) &&
		      strchr(in->helo, '.');
	char reason[200];
	const char *at;

	*spf_domain = NULL;
	if (helo_ok) {
		ar->spf_helo = spf_check(dns, in->ip, in->helo, NULL, reason, sizeof reason);
		ar->helo = in->helo;
	}
	if (in->sender && in->sender[0]) {
		snprintf(o->mailfrom, sizeof o->mailfrom, "%s", in->sender);
	} else if (helo_ok) {	/* RFC 7208 §2.4: the null sender is postmaster@HELO */
		snprintf(o->mailfrom, sizeof o->mailfrom, "postmaster@%s", in->helo);
	} else {
		return;
	}
	ar->mailfrom = o->mailfrom;
	ar->spf_mailfrom = spf_check(dns, in->ip, helo_ok ? in->helo : NULL, o->mailfrom,
				     o->spf_reason, sizeof o->spf_reason);
	at = strrchr(o->mailfrom, '@');
	*spf_domain = at ? at + 1 : NULL;
}

static int checks_dmarc(const struct checks_input *in, struct vdns *dns,
			struct checks_output *o, const char *spf_domain)
{
	struct authres *ar = &o->ar;
	enum dmarc_policy pol;
	int r = checks_from(in->msg, in->len, o->from_domain, sizeof o->from_domain);

	if (r <= 0) {	/* RFC 7489 §6.6.1 */
		ar->dmarc = AR_PERMERROR;
		ar->dmarc_reason = r < 0 ? "several From: mailboxes" : "no From: domain";
		return 0;
	}
	ar->from_domain = o->from_domain;
	pol = dmarc_check(dns, in->ip, o->from_domain, spf_domain, ar->spf_mailfrom, ar,
			  &ar->dmarc, &ar->dmarc_reason);
	if (!in->dmarc_reject || pol == DMARC_ACCEPT)
		return 0;
	snprintf(o->why, sizeof o->why, "DMARC %s for %s (%s)", authres_name(ar->dmarc),
		 o->from_domain, ar->dmarc_reason ? ar->dmarc_reason : "");
	return pol == DMARC_REJECT ? QUEUE_EXIT_DMARC_REJECT : QUEUE_EXIT_DMARC_TEMPFAIL;
}

int checks_run(const struct checks_input *in, struct vdns *dns, struct checks_output *o)
{
	struct authres *ar = &o->ar;
	const char *spf_domain;
	int tempfail = 0;

	memset(o, 0, sizeof *o);
	ar->authserv_id = in->authserv_id;
	if (in->auth) {
		ar->auth_user = in->auth;
		return 0;
	}
	if (in->relay || !in->ip || !dns)
		return 0;
	checks_spf(in, dns, o, &spf_domain);
	if (in->spf_reject && ar->spf_mailfrom == AR_FAIL) {
		snprintf(o->why, sizeof o->why, "SPF fail for %s", o->mailfrom);
		return QUEUE_EXIT_SPF_FAIL;	/* RFC 7208 §8.4 */
	}
	if (in->spf_reject && ar->spf_mailfrom == AR_TEMPERROR) {
		snprintf(o->why, sizeof o->why, "SPF temperror for %s", o->mailfrom);
		return QUEUE_EXIT_SPF_TEMPFAIL;	/* RFC 7208 §8.6 */
	}
	if (dkimv_check(dns, in->msg, in->len, ar, &tempfail) < 0)
		ar->dkim_none = AR_UNCHECKED;
	return checks_dmarc(in, dns, o, spf_domain);
}
