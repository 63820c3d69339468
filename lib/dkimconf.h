#ifndef TERN_DKIMCONF_H
#define TERN_DKIMCONF_H
/*
 * NAME
 *	dkimconf - the dkim-sign setting of tern.conf: which domain signs with
 *	which selector and key file
 * SYNOPSIS
 *	int dkimconf_parse(const char *v, struct dkim_signer *s, char *err, size_t errlen);
 *	int dkimconf_selector_valid(const char *sel);
 *	void dkimconf_free(struct dkim_signer *s);
 * DESCRIPTION
 *	A value is "DOMAIN SELECTOR KEYFILE", blank-separated: DOMAIN a domain
 *	name (RFC 5321 §4.1.2, stored in lower case), SELECTOR one or more
 *	dot-separated labels of letters, digits and inner hyphens (RFC 6376
 *	§3.1: sub-domains of _domainkey.DOMAIN), KEYFILE an absolute path.
 *	Only the relay's signer reads the key (relay(8)); its type (RSA or
 *	Ed25519) comes from the file, so two lines for one domain, one per key
 *	type, give each message two signatures.
 *	dkimconf_parse() fills s with new strings (dkimconf_free() frees them).
 * DIAGNOSTICS
 *	dkimconf_parse() returns 0, or -1 with err saying what is wrong.
 */
#include <stddef.h>

#define DKIMCONF_SELECTOR_MAX 63

struct dkim_signer {
	char *domain;		/* lower case */
	char *selector;
	char *keyfile;		/* absolute */
};

int dkimconf_parse(const char *v, struct dkim_signer *s, char *err, size_t errlen);
int dkimconf_selector_valid(const char *sel);
void dkimconf_free(struct dkim_signer *s);

#endif
