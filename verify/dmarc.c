/*
 * dmarc - RFC 7489 with libopendmarc (see dmarc.h). libopendmarc's own
 * record lookup (opendmarc_policy_query_dmarc) uses the system's resolver;
 * the record is fetched here through vdns and stored with
 * opendmarc_policy_store_dmarc().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/param.h>

#include <opendmarc/dmarc.h>

#include "dmarc.h"
#include "vdns.h"

/* exported by libopendmarc (its public suffix lookup) but not in dmarc.h */
extern int opendmarc_get_tld(u_char *domain, u_char *tld, size_t tld_len);

int dmarc_init(const char *public_suffix_list, char *err, size_t errlen)
{
	static OPENDMARC_LIB_T lib;

	memset(&lib, 0, sizeof lib);
	lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	if (snprintf((char *)lib.tld_source_file, sizeof lib.tld_source_file, "%s",
		     public_suffix_list) >= (int)sizeof lib.tld_source_file ||
	    opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
		snprintf(err, errlen, "public-suffix-list %s: cannot be read", public_suffix_list);
		return -1;
	}
	return 0;
}

/*
 * dmarc_record: the record for domain (RFC 7489 §6.6.3): *rec malloc'ed,
 * *org set when it came from the organizational domain.
 */
static enum vdns_status dmarc_record(struct vdns *dns, const char *domain, char **rec,
				     char *org, size_t orglen, int *from_org)
{
	char name[300];
	enum vdns_status st;

	*from_org = 0;
	org[0] = '\0';
	snprintf(name, sizeof name, "_dmarc.%s", domain);
	st = vdns_txt(dns, name, "v=DMARC1", rec);
	if (st != VDNS_NODATA && st != VDNS_NXDOMAIN)
		return st;
	if (opendmarc_get_tld((u_char *)(uintptr_t)domain, (u_char *)org, orglen) != 0 ||
	    !org[0] || strcasecmp(org, domain) == 0)
		return st;
	*from_org = 1;
	snprintf(name, sizeof name, "_dmarc.%s", org);
	return vdns_txt(dns, name, "v=DMARC1", rec);
}

static int dmarc_spf_outcome(enum ar_result spf)
{
	return spf == AR_PASS ? DMARC_POLICY_SPF_OUTCOME_PASS :
	       spf == AR_TEMPERROR ? DMARC_POLICY_SPF_OUTCOME_TMPFAIL :
	       spf == AR_NONE || spf == AR_UNCHECKED ? DMARC_POLICY_SPF_OUTCOME_NONE :
	       DMARC_POLICY_SPF_OUTCOME_FAIL;
}

static void dmarc_store_auth(DMARC_POLICY_T *p, const char *spf_domain, enum ar_result spf,
			     const struct authres *r)
{
	size_t i;

	if (spf_domain && spf_domain[0])
		opendmarc_policy_store_spf(p, (u_char *)(uintptr_t)spf_domain, dmarc_spf_outcome(spf),
					   DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
	for (i = 0; i < r->ndkim; i++) {
		const struct ar_dkim *d = &r->dkim[i];
		int out = d->result == AR_PASS ? DMARC_POLICY_DKIM_OUTCOME_PASS :
			  d->result == AR_TEMPERROR ? DMARC_POLICY_DKIM_OUTCOME_TMPFAIL :
			  DMARC_POLICY_DKIM_OUTCOME_FAIL;
		if (d->domain[0])
			opendmarc_policy_store_dkim(p, (u_char *)(uintptr_t)d->domain,
						    (u_char *)(uintptr_t)d->selector, out, NULL);
	}
}

/* did a temporary failure of SPF or DKIM decide a fail? */
static int dmarc_auth_tempfail(enum ar_result spf, const struct authres *r)
{
	size_t i;

	if (spf == AR_TEMPERROR)
		return 1;
	for (i = 0; i < r->ndkim; i++)
		if (r->dkim[i].result == AR_TEMPERROR)
			return 1;
	return 0;
}

/* the verdict of a parsed record: result, and the policy to apply */
static enum dmarc_policy dmarc_verdict(DMARC_POLICY_T *p, enum ar_result spf,
				       const struct authres *r, enum ar_result *result,
				       const char **reason)
{
	int pct = 100, policy = opendmarc_get_policy_to_enforce(p);

	opendmarc_policy_fetch_pct(p, &pct);
	switch (policy) {
	case DMARC_POLICY_PASS:
		*result = AR_PASS;
		return DMARC_ACCEPT;
	case DMARC_POLICY_REJECT:
		*result = AR_FAIL;
		*reason = "p=reject";
		/* RFC 7489 §6.6.4: pct below 100 applies the policy to a
		 * sample; tern does not sample and accepts */
		if (pct < 100 && pct >= 0) {
			*reason = "p=reject pct<100";
			return DMARC_ACCEPT;
		}
		return dmarc_auth_tempfail(spf, r) ? DMARC_TEMPFAIL : DMARC_REJECT;
	case DMARC_POLICY_QUARANTINE:
		*result = AR_FAIL;
		*reason = "p=quarantine";
		return DMARC_ACCEPT;
	case DMARC_POLICY_NONE:
		*result = AR_FAIL;
		*reason = "p=none";
		return DMARC_ACCEPT;
	default:
		*result = AR_NONE;
		return DMARC_ACCEPT;
	}
}

enum dmarc_policy dmarc_check(struct vdns *dns, const char *ip, const char *from_domain,
			      const char *spf_domain, enum ar_result spf,
			      const struct authres *r, enum ar_result *result, const char **reason)
{
	char *rec = NULL, org[256];
	int from_org;
	enum vdns_status st;
	enum dmarc_policy pol;
	DMARC_POLICY_T *p;

	*reason = NULL;
	st = dmarc_record(dns, from_domain, &rec, org, sizeof org, &from_org);
	if (st != VDNS_OK) {
		*result = st == VDNS_TEMPFAIL ? AR_TEMPERROR :
			  st == VDNS_PERMERROR ? AR_PERMERROR : AR_NONE;
		if (st == VDNS_PERMERROR)
			*reason = "more than one record";
		/* the policy is unknown: it could have been a reject */
		return st == VDNS_TEMPFAIL ? DMARC_TEMPFAIL : DMARC_ACCEPT;
	}
	p = opendmarc_policy_connect_init((u_char *)(uintptr_t)ip, strchr(ip, ':') != NULL);
	if (!p || opendmarc_policy_store_from_domain(p, (u_char *)(uintptr_t)from_domain) !=
	    DMARC_PARSE_OKAY ||
	    opendmarc_policy_store_dmarc(p, (u_char *)rec, (u_char *)(uintptr_t)from_domain,
					 from_org ? (u_char *)org : NULL) != DMARC_PARSE_OKAY) {
		*result = AR_PERMERROR;
		*reason = "record not understood";
		pol = DMARC_ACCEPT;
	} else {
		dmarc_store_auth(p, spf_domain, spf, r);
		pol = dmarc_verdict(p, spf, r, result, reason);
	}
	if (p)
		opendmarc_policy_connect_shutdown(p);
	free(rec);
	return pol;
}
