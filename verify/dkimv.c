/*
 * dkimv - DKIM verification with libopendkim (see dkimv.h). The key lookup
 * is ours (dkim_set_key_lookup): libopendkim's own would use the system's
 * resolver. Nothing of the message is copied; it is fed in chunks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <opendkim/dkim.h>

#include "dkimv.h"
#include "vdns.h"

static struct vdns *key_dns;	/* the lookup callback's resolver (one message at a time) */
static int key_tempfail;

/* DKIM key lookup: the TXT record at selector._domainkey.domain (RFC 6376 §3.6.2.1) */
static DKIM_CBSTAT dkimv_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	char name[600];
	struct vdns_answer a;
	enum vdns_status st;
	size_t n;

	(void)dkim;
	if (!sel || !dom || snprintf(name, sizeof name, "%s._domainkey.%s", sel, dom) >=
	    (int)sizeof name)
		return DKIM_CBSTAT_NOTFOUND;
	st = vdns_query(key_dns, name, LDNS_RR_TYPE_TXT, &a);
	if (st == VDNS_TEMPFAIL) {
		key_tempfail = 1;
		return DKIM_CBSTAT_TRYAGAIN;
	}
	if (st != VDNS_OK)
		return DKIM_CBSTAT_NOTFOUND;
	n = strlen(a.rr[0]);	/* RFC 6376 §3.6.2.2: several records: any one */
	if (n + 1 > buflen) {
		vdns_answer_free(&a);
		return DKIM_CBSTAT_ERROR;
	}
	memcpy(buf, a.rr[0], n + 1);
	vdns_answer_free(&a);
	return DKIM_CBSTAT_CONTINUE;
}

/* the result and a comment for one signature */
static enum ar_result dkimv_sig_result(DKIM_SIGINFO *sig, const char **reason)
{
	int err = dkim_sig_geterror(sig);

	*reason = NULL;
	if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) && dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH)
		return AR_PASS;
	if (err == DKIM_SIGERROR_KEYFAIL) {
		*reason = "key lookup failed";
		return AR_TEMPERROR;
	}
	if (err == DKIM_SIGERROR_NOKEY) {
		*reason = "no key";
		return AR_PERMERROR;
	}
	if (!(dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) ||
	    (err != DKIM_SIGERROR_OK && err != DKIM_SIGERROR_BADSIG)) {
		*reason = dkim_sig_geterrorstr(err);
		return AR_PERMERROR;
	}
	if (dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH) {
		*reason = "body hash did not verify";
		return AR_FAIL;
	}
	*reason = "signature did not verify";
	return AR_FAIL;
}

static void dkimv_record(DKIM *dkim, DKIM_SIGINFO *sig, struct ar_dkim *d)
{
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	const char *sel = (const char *)dkim_sig_getselector(sig);
	size_t blen = sizeof d->b;

	d->result = dkimv_sig_result(sig, &d->reason);
	snprintf(d->domain, sizeof d->domain, "%s", dom ? dom : "");
	snprintf(d->selector, sizeof d->selector, "%s", sel ? sel : "");
	d->b[0] = '\0';
	/* RFC 6008 §4: the first 8 characters of b= (unique among the signatures here) */
	if (dkim_get_sigsubstring(dkim, sig, d->b, &blen) != DKIM_STAT_OK)
		d->b[0] = '\0';
	d->b[sizeof d->b - 1] = '\0';
	if (strlen(d->b) > 8)
		d->b[8] = '\0';
}

/* feed the message: libopendkim wants CRLF, FIXCRLF mends bare LFs */
static DKIM_STAT dkimv_feed(DKIM *dkim, const char *msg, size_t len)
{
	size_t off = 0, n;
	DKIM_STAT st = DKIM_STAT_OK;

	while (off < len && (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)) {
		n = len - off < 65536 ? len - off : 65536;
		st = dkim_chunk(dkim, (u_char *)(uintptr_t)(msg + off), n);
		off += n;
	}
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		st = dkim_chunk(dkim, NULL, 0);
	return st;
}

static DKIM_LIB *dkimv_lib(void)
{
	static DKIM_LIB *lib;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF | DKIM_LIBFLAGS_BADSIGHANDLES;

	if (lib)
		return lib;
	if (!(lib = dkim_init(NULL, NULL)))
		return NULL;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);
	dkim_set_key_lookup(lib, dkimv_key_lookup);
	return lib;
}

int dkimv_check(struct vdns *dns, const char *msg, size_t len, struct authres *r, int *tempfail)
{
	DKIM_LIB *lib = dkimv_lib();
	DKIM_STAT st;
	DKIM *dkim;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, i;

	r->ndkim = 0;
	r->dkim_none = AR_UNCHECKED;
	if (!lib || !(dkim = dkim_verify(lib, (const u_char *)"tern", NULL, &st)))
		return -1;
	key_dns = dns;
	key_tempfail = 0;
	st = dkimv_feed(dkim, msg, len);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_BADSIG || st == DKIM_STAT_CANTVRFY ||
	    st == DKIM_STAT_NOKEY || st == DKIM_STAT_KEYFAIL)
		dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs <= 0)
		r->dkim_none = AR_NONE;	/* RFC 8601 §2.7.1: no signature */
	for (i = 0; i < nsigs && r->ndkim < AR_DKIM_MAX; i++)
		dkimv_record(dkim, sigs[i], &r->dkim[r->ndkim++]);
	dkim_free(dkim);
	*tempfail = key_tempfail;
	key_dns = NULL;
	return 0;
}
