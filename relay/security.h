#ifndef TERN_SECURITY_H
#define TERN_SECURITY_H
/*
 * NAME
 *	security - the TLS and AUTH a delivery connection must have (runs in a
 *	delivery worker)
 * SYNOPSIS
 *	enum tls_policy security_policy(const struct config *c,
 *	                                const struct auth_table *auth,
 *	                                const char *domain, const char *key);
 *	int security_met(const struct smtp_conn *s, enum tls_policy level);
 *	void security_init(struct security *x, const struct config *c,
 *	                   const struct auth_table *auth);
 *	int security_for(struct security *x, const char *domain, const struct mx_plan *p,
 *	                 size_t i, struct smtp_security *sec, struct reply *why);
 *	void security_end(struct security *x);
 * DESCRIPTION
 *	security_policy() is the tls-policy of domain, raised to encrypt when
 *	auth holds credentials for the destination key (never a password in
 *	plaintext). security_met() says whether an open connection satisfies
 *	level (a kept connection is reused only then).
 *
 *	security_for() fills sec for the i-th target of plan p: the level
 *	(none for LMTP), the CA file, the credentials, and for the dane
 *	policies the outcome of RFC 7672 (dane.h): DANE_AUTH gives level
 *	TLS_DANE with the usable TLSA records (valid until the next call or
 *	security_end()); DANE_ENCRYPT gives encrypt; DANE_NONE gives may
 *	(dane) or a deferral (dane-only). It returns 0, or -1 with why set
 *	to a 451 4.7.5 (TLSA lookup failure, dane-only without usable
 *	records) or 451 4.3.5 (the dnssec-resolver cannot be used): that
 *	target must not be tried. security_end() frees what the calls kept
 *	(the DNSSEC resolver, opened once per plan, and the records).
 * DIAGNOSTICS
 *	See security_for().
 */
#include <stddef.h>

#include "config.h"
#include "relay/authfile.h"
#include "relay/dane.h"
#include "relay/mx.h"
#include "relay/reply.h"
#include "relay/smtp_client.h"

struct security {
	const struct config *cfg;
	const struct auth_table *auth;
	struct dns *dns;		/* dns_open_dnssec(), on first need */
	struct dane_set set;
};

enum tls_policy security_policy(const struct config *c, const struct auth_table *auth,
				const char *domain, const char *key);
int security_met(const struct smtp_conn *s, enum tls_policy level);
void security_init(struct security *x, const struct config *c, const struct auth_table *auth);
int security_for(struct security *x, const char *domain, const struct mx_plan *p, size_t i,
		 struct smtp_security *sec, struct reply *why);
void security_end(struct security *x);

#endif
