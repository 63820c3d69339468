#ifndef TERN_VERIFY_VDNS_H
#define TERN_VERIFY_VDNS_H
/*
 * NAME
 *	vdns - mailauth's DNS questions (TXT, A, AAAA, MX, PTR) through ldns,
 *	with a deadline and a budget for the whole message
 * SYNOPSIS
 *	struct vdns *vdns_open(const char *resolver, unsigned budget_s,
 *	                       char *err, size_t errlen);
 *	void vdns_close(struct vdns *v);
 *	enum vdns_status vdns_query(struct vdns *v, const char *name, int type,
 *	                            struct vdns_answer *a);
 *	void vdns_answer_free(struct vdns_answer *a);
 *	enum vdns_status vdns_txt(struct vdns *v, const char *name,
 *	                          const char *prefix, char **record);
 * DESCRIPTION
 *	vdns_open() makes the resolver of the "resolver" setting with
 *	resolver_new() (lib/resolver.h); each query waits 5 seconds and is
 *	tried twice, or less when the budget is nearly spent. budget_s bounds all the queries of one vdns together: once
 *	it is spent every further query is VDNS_TEMPFAIL at once, so a message
 *	whose checks meet a dead name server costs at most that long.
 *
 *	vdns_query() asks for the records of type (an LDNS_RR_TYPE_ value) of
 *	name and gives, in a->rr[0..a->n-1], the RDATA of every answer record
 *	of that type as text in the form SPF and DKIM want it: TXT strings
 *	concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2), A and AAAA as 4 or
 *	16 raw bytes (a->len[i]), MX the exchange and PTR the target as a
 *	name without the trailing dot. At most VDNS_RR_MAX records.
 *	A CNAME chain the resolver followed is accepted as it is.
 *
 *	vdns_txt() gives the one TXT record of name that starts with prefix
 *	(case-insensitively; "v=DMARC1" for RFC 7489 §6.6.3): VDNS_OK with
 *	*record malloc'ed, VDNS_NODATA when none does, VDNS_PERMERROR when
 *	more than one does.
 * DIAGNOSTICS
 *	VDNS_OK, VDNS_NODATA (the name exists, no record of the type),
 *	VDNS_NXDOMAIN, VDNS_TEMPFAIL (timeout, SERVFAIL, a malformed answer,
 *	the budget spent), VDNS_PERMERROR (vdns_txt: several records).
 *	vdns_open() returns NULL with err set.
 */
#include <stddef.h>

#define VDNS_RR_MAX 64

enum vdns_status { VDNS_OK, VDNS_NODATA, VDNS_NXDOMAIN, VDNS_TEMPFAIL, VDNS_PERMERROR };

struct vdns_answer {
	size_t n;
	char *rr[VDNS_RR_MAX];	/* NUL-terminated (A/AAAA: raw, len bytes) */
	size_t len[VDNS_RR_MAX];
};

struct vdns;

struct vdns *vdns_open(const char *resolver, unsigned budget_s, char *err, size_t errlen);
void vdns_close(struct vdns *v);
enum vdns_status vdns_query(struct vdns *v, const char *name, int type, struct vdns_answer *a);
void vdns_answer_free(struct vdns_answer *a);
enum vdns_status vdns_txt(struct vdns *v, const char *name, const char *prefix, char **record);

#endif
