/*
 * spf - libspf2 with a DNS layer of our own (see spf.h): libspf2's
 * resolv layer would ask the system's resolver through res_query(), which
 * neither obeys the "resolver" setting nor the message's DNS budget.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <spf2/spf.h>

#include "spf.h"
#include "vdns.h"

struct spf_hook {
	struct vdns *dns;
	unsigned queries;	/* every question asked */
	unsigned voids;		/* answers with no records (RFC 7208 §4.6.4) */
	int tempfail;		/* a question failed temporarily */
};

/* A cap on questions of every kind: libspf2's limits are per term. */
#define SPF_QUERY_MAX 60

static SPF_dns_rr_t *spf_answer(SPF_dns_server_t *srv, const char *domain, ns_type type,
				const struct vdns_answer *a)
{
	SPF_dns_rr_t *rr = SPF_dns_rr_new_init(srv, domain, type, 0, NETDB_SUCCESS);
	size_t i;

	if (!rr)
		return NULL;
	for (i = 0; i < a->n; i++) {
		size_t need = type == ns_t_a ? sizeof(struct in_addr) :
			      type == ns_t_aaaa ? sizeof(struct in6_addr) : a->len[i] + 1;
		if (SPF_dns_rr_buf_realloc(rr, (int)i, need) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return NULL;
		}
		memcpy(rr->rr[i], a->rr[i], need);
	}
	rr->num_rr = (int)a->n;
	return rr;
}

/* SPF_dns_lookup_t: one question through vdns, its answer in libspf2's form */
static SPF_dns_rr_t *spf_lookup(SPF_dns_server_t *srv, const char *domain, ns_type type,
				int should_cache)
{
	struct spf_hook *h = srv->hook;
	struct vdns_answer a;
	enum vdns_status st;
	SPF_dns_rr_t *rr;
	int ltype = type == ns_t_a ? LDNS_RR_TYPE_A : type == ns_t_aaaa ? LDNS_RR_TYPE_AAAA :
		    type == ns_t_mx ? LDNS_RR_TYPE_MX : type == ns_t_ptr ? LDNS_RR_TYPE_PTR :
		    type == ns_t_txt ? LDNS_RR_TYPE_TXT : 0;

	(void)should_cache;
	if (!ltype)	/* type SPF (99) is obsolete, RFC 7208 §3.1: nothing */
		return SPF_dns_rr_new_init(srv, domain, type, 0, NO_DATA);
	if (++h->queries > SPF_QUERY_MAX)
		st = VDNS_TEMPFAIL;
	else
		st = vdns_query(h->dns, domain, ltype, &a);
	switch (st) {
	case VDNS_OK:
		rr = spf_answer(srv, domain, type, &a);
		vdns_answer_free(&a);
		return rr ? rr : SPF_dns_rr_new_init(srv, domain, type, 0, TRY_AGAIN);
	case VDNS_NODATA:
	case VDNS_NXDOMAIN:
		if (h->queries > 1)	/* the first is the policy itself */
			h->voids++;
		return SPF_dns_rr_new_init(srv, domain, type, 0,
					   st == VDNS_NODATA ? NO_DATA : HOST_NOT_FOUND);
	default:
		h->tempfail = 1;
		return SPF_dns_rr_new_init(srv, domain, type, 0, TRY_AGAIN);
	}
}

static void spf_log_quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

static enum ar_result spf_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS: return AR_PASS;
	case SPF_RESULT_FAIL: return AR_FAIL;
	case SPF_RESULT_SOFTFAIL: return AR_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return AR_NEUTRAL;
	case SPF_RESULT_NONE: return AR_NONE;
	case SPF_RESULT_TEMPERROR: return AR_TEMPERROR;
	default: return AR_PERMERROR;
	}
}

/*
 * spf_evaluate: check_host() (RFC 7208 §4) for the request's identity.
 * SPF_request_query_mailfrom() would do the same but gives every client
 * in 127.0.0.0/8 or ::1 a "pass" of its own (libspf2's "localhost free
 * ride"): RFC 7208 has no such rule, and a pass there would let any local
 * process claim any domain for DMARC. Local clients that may send as
 * anyone belong in relay-net, which skips the checks.
 */
static SPF_response_t *spf_evaluate(SPF_server_t *server, SPF_request_t *req)
{
	SPF_response_t *resp = SPF_response_new(req);
	SPF_record_t *rec = NULL;
	SPF_errcode_t err;

	if (!resp)
		return NULL;
	req->use_helo = 0;
	req->cur_dom = req->env_from_dp;
	err = SPF_server_get_record(server, req, resp, &rec);
	if (err != SPF_E_SUCCESS) {	/* none, temperror or permerror, set by libspf2 */
		if (rec)
			SPF_record_free(rec);
		SPF_i_done(resp, resp->result, resp->reason, resp->err);
		return resp;
	}
	resp->spf_record_exp = rec;
	SPF_record_interpret(rec, req, resp, 0);
	resp->spf_record_exp = NULL;
	SPF_record_free(rec);
	return resp;
}

/* spf_request: the one question of spf_check() on a ready server */
static enum ar_result spf_request(SPF_server_t *server, struct spf_hook *h, const char *ip,
				  const char *helo, const char *sender, char *reason,
				  size_t reasonlen)
{
	SPF_request_t *req = SPF_request_new(server);
	SPF_response_t *resp;
	enum ar_result r = AR_TEMPERROR;
	const char *comment;

	if (!req)
		return AR_TEMPERROR;
	if ((strchr(ip, ':') ? SPF_request_set_ipv6_str(req, ip) : SPF_request_set_ipv4_str(req, ip))
	    != SPF_E_SUCCESS) {
		SPF_request_free(req);
		return AR_PERMERROR;
	}
	if (helo && helo[0])
		SPF_request_set_helo_dom(req, helo);
	/* RFC 7208 §2.3: the HELO identity is checked as postmaster@HELO,
	 * which is what libspf2 makes of a sender without '@' */
	if (SPF_request_set_env_from(req, sender ? sender : helo) != 0 || !req->env_from_dp) {
		SPF_request_free(req);
		return AR_PERMERROR;
	}
	if ((resp = spf_evaluate(server, req))) {
		r = spf_result(SPF_response_result(resp));
		comment = SPF_response_get_header_comment(resp);
		snprintf(reason, reasonlen, "%s", comment ? comment : "");
		SPF_response_free(resp);
	}
	SPF_request_free(req);
	/* RFC 7208 §4.6.4: more than two void lookups are a permerror */
	if (h->voids > SPF_VOID_MAX && r != AR_TEMPERROR) {
		r = AR_PERMERROR;
		snprintf(reason, reasonlen, "more than %d void lookups", SPF_VOID_MAX);
	}
	if (h->tempfail && r != AR_PASS && r != AR_FAIL)
		r = AR_TEMPERROR;	/* RFC 7208 §2.6.6: a DNS error, not a verdict */
	return r;
}

enum ar_result spf_check(struct vdns *dns, const char *ip, const char *helo,
			 const char *sender, char *reason, size_t reasonlen)
{
	struct spf_hook h = { dns, 0, 0, 0 };
	SPF_dns_server_t *srv = calloc(1, sizeof *srv);
	SPF_server_t *server;
	enum ar_result r;

	reason[0] = '\0';
	if (!srv)
		return AR_TEMPERROR;
	SPF_warning_handler = spf_log_quiet;
	SPF_info_handler = spf_log_quiet;
	SPF_debug_handler = spf_log_quiet;
	srv->lookup = spf_lookup;
	srv->name = "tern";
	srv->hook = &h;
	srv->destroy = NULL;	/* ours: freed below, after the server */
	if (!(server = SPF_server_new_dns(srv, 0))) {
		free(srv);
		return AR_TEMPERROR;
	}
	SPF_server_set_max_dns_mech(server, 10);	/* RFC 7208 §4.6.4 */
	SPF_server_set_max_dns_mx(server, 10);
	SPF_server_set_max_dns_ptr(server, 10);
	r = spf_request(server, &h, ip, helo, sender, reason, reasonlen);
	SPF_server_free(server);
	free(srv);
	return r;
}
