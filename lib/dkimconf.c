/* dkimconf - parse "dkim-sign DOMAIN SELECTOR KEYFILE" (see dkimconf.h). */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dkimconf.h"
#include "str.h"

/* One label: letters, digits, inner hyphens, 1..63 (RFC 1035 §2.3.1). */
static size_t label_len(const char *p)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	       (p[n] >= '0' && p[n] <= '9') || p[n] == '-')
		n++;
	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	return n;
}

int dkimconf_selector_valid(const char *sel)
{
	const char *p = sel;
	size_t n;

	if (strlen(sel) > DKIMCONF_SELECTOR_MAX)
		return 0;
	for (;;) {
		if (!(n = label_len(p)))
			return 0;
		p += n;
		if (*p == '\0')
			return 1;
		if (*p++ != '.')
			return 0;
	}
}

/* The next blank-separated word of *v, as a new string; NULL if none. */
static char *word_take(const char **v)
{
	const char *p = *v + strspn(*v, " \t");
	size_t n = strcspn(p, " \t");

	*v = p + n;
	return n ? strndup(p, n) : NULL;
}

int dkimconf_parse(const char *v, struct dkim_signer *s, char *err, size_t errlen)
{
	char *p;

	s->domain = word_take(&v);
	s->selector = word_take(&v);
	s->keyfile = word_take(&v);
	if (!s->domain || !s->selector || !s->keyfile || v[strspn(v, " \t")]) {
		dkimconf_free(s);
		return str_errorf(err, errlen, "want DOMAIN SELECTOR KEYFILE");
	}
	if (!addr_domain_valid(s->domain, strlen(s->domain))) {
		str_errorf(err, errlen, "'%s': not a domain name", s->domain);
		goto fail;
	}
	if (!dkimconf_selector_valid(s->selector)) {
		str_errorf(err, errlen, "selector '%s': want letters, digits, hyphens and dots "
			   "(at most %d)", s->selector, DKIMCONF_SELECTOR_MAX);
		goto fail;
	}
	if (s->keyfile[0] != '/' || strlen(s->keyfile) >= 4096) {
		str_errorf(err, errlen, "'%s': not an absolute path", s->keyfile);
		goto fail;
	}
	for (p = s->domain; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
fail:
	dkimconf_free(s);
	return -1;
}

void dkimconf_free(struct dkim_signer *s)
{
	free(s->domain);
	free(s->selector);
	free(s->keyfile);
	s->domain = s->selector = s->keyfile = NULL;
}
