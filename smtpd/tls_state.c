/*
 * tls_state - the TLS facts tlsd hands smtpd (see tls_state.h). One
 * checker for both ways they arrive (environment, control descriptor), so
 * both refuse the same things.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_state.h"

static int token_valid(const char *v)
{
	size_t n = strnlen(v, TLS_STATE_TOKEN_MAX + 1), i;

	if (n == 0 || n > TLS_STATE_TOKEN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || strchr("._-+", v[i])))
			return 0;
	return 1;
}

/* 1 to 5 digits, 1..65535; *end is the first byte after them */
static int bits_number(const char *v, unsigned *out, const char **end)
{
	unsigned x = 0;
	size_t i;

	for (i = 0; i < 5 && v[i] >= '0' && v[i] <= '9'; i++)
		x = x * 10 + (unsigned)(v[i] - '0');
	if (i == 0 || x == 0 || x > 65535 || (v[i] >= '0' && v[i] <= '9'))
		return -1;
	*out = x;
	*end = v + i;
	return 0;
}

static int bits_parse(const char *v, unsigned *bits, unsigned *alg_bits)
{
	const char *end;

	if (bits_number(v, bits, &end) < 0)
		return -1;
	*alg_bits = *bits;
	if (*end == '\0')
		return 0;
	if (*end != '/' || bits_number(end + 1, alg_bits, &end) < 0)
		return -1;
	return *end == '\0' ? 0 : -1;
}

int tls_state_set(struct smtpd_tls *t, const char *protocol, const char *cipher,
		  const char *bits)
{
	memset(t, 0, sizeof *t);
	if (!protocol || !cipher || !bits || !token_valid(protocol) || !token_valid(cipher) ||
	    bits_parse(bits, &t->bits, &t->alg_bits) < 0) {
		memset(t, 0, sizeof *t);
		return -1;
	}
	strcpy(t->protocol, protocol);
	strcpy(t->cipher, cipher);
	t->active = 1;
	return 0;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int tls_state_from_env(struct smtpd_tls *t)
{
	const char *p = env_nonempty("TERN_TLS_PROTOCOL"), *c = env_nonempty("TERN_TLS_CIPHER"),
		   *b = env_nonempty("TERN_TLS_BITS");

	memset(t, 0, sizeof *t);
	if (!p && !c && !b)
		return 0;
	return tls_state_set(t, p, c, b) == 0 ? 1 : -1;
}

int tls_state_format(const struct smtpd_tls *t, char *out, size_t outlen)
{
	int n;

	if (!t->active)
		return -1;
	n = snprintf(out, outlen, "using %s with cipher %s (%u/%u bits)", t->protocol,
		     t->cipher, t->bits, t->alg_bits);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
