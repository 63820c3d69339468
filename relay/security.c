/* security - TLS level, DANE outcome and credentials per target; see security.h. */
#include <stdio.h>
#include <string.h>

#include "relay/security.h"

enum tls_policy security_policy(const struct config *c, const struct auth_table *auth,
				const char *domain, const char *key)
{
	enum tls_policy p = config_tls_policy_for(c, domain);

	if (authfile_find(auth, key) && p < TLS_ENCRYPT)
		p = TLS_ENCRYPT;	/* never a password in plaintext */
	return p;
}

int security_met(const struct smtp_conn *s, enum tls_policy level)
{
	enum tls_verified v = tls_verified(s->tls);

	switch (level) {
	case TLS_NONE: case TLS_MAY:
		return 1;
	case TLS_ENCRYPT:
		return v != TLS_V_NONE;
	case TLS_VERIFY:
		return v == TLS_V_TRUSTED || v == TLS_V_DANE;
	default:
		return v == TLS_V_DANE;
	}
}

void security_init(struct security *x, const struct config *c, const struct auth_table *auth)
{
	memset(x, 0, sizeof *x);
	x->cfg = c;
	x->auth = auth;
}

void security_end(struct security *x)
{
	dane_free(&x->set);
	dns_close(x->dns);
	x->dns = NULL;
}

/* RFC 7672 for target t: sec->level from the TLSA verdict; 0 or -1 (why set). */
static int security_dane(struct security *x, enum tls_policy policy, const struct mx_target *t,
			 struct smtp_security *sec, struct reply *why)
{
	char err[300], text[REPLY_TEXT_MAX + DNS_NAME_MAX + 300];

	if (!x->dns && !(x->dns = dns_open_dnssec(x->cfg->dnssec_resolver, err, sizeof err))) {
		reply_set(why, 451, "4.3.5", err);
		return -1;
	}
	dane_free(&x->set);
	switch (dane_lookup(x->dns, t, &x->set, err, sizeof err)) {
	case DANE_AUTH:
		sec->level = TLS_DANE;
		sec->tlsa = x->set.r;
		sec->ntlsa = x->set.n;
		return 0;
	case DANE_ENCRYPT:	/* RFC 7672 §2.2: TLS, unauthenticated */
		if (policy == TLS_DANE) {
			sec->level = TLS_ENCRYPT;
			return 0;
		}
		break;
	case DANE_NONE:
		if (policy == TLS_DANE) {
			sec->level = TLS_MAY;
			return 0;
		}
		break;
	case DANE_DEFER:
		break;
	}
	snprintf(text, sizeof text, "%s: %s", t->host, err);
	reply_set(why, 451, "4.7.5", text);
	return -1;
}

int security_for(struct security *x, const char *domain, const struct mx_plan *p, size_t i,
		 struct smtp_security *sec, struct reply *why)
{
	const struct auth_entry *a = authfile_find(x->auth, p->key);
	enum tls_policy policy = security_policy(x->cfg, x->auth, domain, p->key);

	memset(sec, 0, sizeof *sec);
	sec->ca_file = x->cfg->tls_ca_file;
	sec->level = p->lmtp ? TLS_NONE : policy;
	if (a) {
		sec->user = a->user;
		sec->password = a->password;
	}
	if (sec->level != TLS_DANE && sec->level != TLS_DANE_ONLY)
		return 0;
	if (security_dane(x, policy, &p->t[i], sec, why) < 0)
		return -1;
	if (a && sec->level < TLS_ENCRYPT)
		sec->level = TLS_ENCRYPT;
	return 0;
}
