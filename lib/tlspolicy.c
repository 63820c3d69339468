/*
 * tlspolicy - tls-policy settings of tern.conf(5) (see tlspolicy.h). The
 * configuration reader stores what tlspolicy_parse() reads; the relay's
 * workers ask tlspolicy_find() before each connection.
 */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "str.h"
#include "tlspolicy.h"

static const char *const names[] = {
	[TLS_NONE] = "none", [TLS_MAY] = "may", [TLS_ENCRYPT] = "encrypt",
	[TLS_VERIFY] = "verify", [TLS_DANE] = "dane", [TLS_DANE_ONLY] = "dane-only",
};
#define NNAMES (sizeof names / sizeof names[0])

const char *tlspolicy_name(enum tls_policy p)
{
	return (size_t)p < NNAMES ? names[p] : "?";
}

int tlspolicy_parse(const char *text, struct tls_rule *r, char *err, size_t errlen)
{
	const char *sp = strpbrk(text, " \t");
	const char *pol;
	size_t dlen, i;

	memset(r, 0, sizeof *r);
	if (!sp)
		return str_errorf(err, errlen, "want 'tls-policy DOMAIN POLICY'");
	dlen = (size_t)(sp - text);
	pol = sp + strspn(sp, " \t");
	if (dlen >= sizeof r->domain)
		return str_errorf(err, errlen, "domain longer than 255 bytes");
	memcpy(r->domain, text, dlen);
	if (strcmp(r->domain, "*") != 0 && !addr_domain_valid(r->domain, dlen) &&
	    !addr_literal_valid(r->domain, dlen))
		return str_errorf(err, errlen, "'%s': not a domain, literal or '*'", r->domain);
	for (i = 0; i < NNAMES; i++)
		if (strcmp(pol, names[i]) == 0) {
			r->policy = (enum tls_policy)i;
			return 0;
		}
	return str_errorf(err, errlen, "'%s': not none, may, encrypt, verify, dane or dane-only",
			  pol);
}

enum tls_policy tlspolicy_find(const struct tls_rule *rules, size_t count, const char *domain)
{
	const struct tls_rule *star = NULL;
	size_t i;

	for (i = 0; i < count; i++) {
		if (strcasecmp(rules[i].domain, domain) == 0)
			return rules[i].policy;
		if (!star && strcmp(rules[i].domain, "*") == 0)
			star = &rules[i];
	}
	return star ? star->policy : TLS_MAY;
}
