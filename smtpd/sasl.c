/*
 * sasl - PLAIN and LOGIN responses (see sasl.h). Pure functions on a line
 * the session already bounded; the buffers holding a password are wiped by
 * the caller with sasl_credentials_clear() or explicit_bzero().
 */
#include <string.h>
#include <strings.h>

#include "sasl.h"

enum sasl_mech sasl_mech_parse(const char *name, size_t len)
{
	if (len == 5 && strncasecmp(name, "PLAIN", 5) == 0)
		return SASL_PLAIN;
	if (len == 5 && strncasecmp(name, "LOGIN", 5) == 0)
		return SASL_LOGIN;
	return SASL_UNKNOWN;
}

/* RFC 4648 §4 alphabet: the value of ch, or -1. */
static int base64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* One quantum of 4 characters, the last one of the input when last is set. */
static int base64_quantum(const char *q, int last, unsigned char bytes[3], size_t *n)
{
	int v[4], i, pad = 0;

	for (i = 0; i < 4; i++) {
		v[i] = base64_value(q[i]);
		if (v[i] < 0 && !(q[i] == '=' && last && i >= 2))
			return -1;
		if (q[i] == '=')
			pad++;
		else if (pad)	/* "=" then data: "ab=c" */
			return -1;
	}
	bytes[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
	bytes[1] = pad < 2 ? (unsigned char)((v[1] & 15) << 4 | v[2] >> 2) : 0;
	bytes[2] = pad < 1 ? (unsigned char)((v[2] & 3) << 6 | v[3]) : 0;
	/* §3.5: the bits a padded quantum leaves over must be zero */
	if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
		return -1;
	*n = (size_t)(3 - pad);
	return 0;
}

enum sasl_result sasl_base64_decode(const char *in, size_t len, char *out, size_t outmax,
				    size_t *outlen)
{
	unsigned char b[3];
	size_t i, n, o = 0;

	*outlen = 0;
	if (outmax)
		out[0] = '\0';
	if (len == 1 && in[0] == '*')	/* RFC 4954 §4 */
		return SASL_CANCEL;
	if (len == 1 && in[0] == '=')	/* the empty initial response */
		return SASL_OK;
	if (len == 0 || len % 4)
		return SASL_BAD_BASE64;
	if (outmax == 0)
		return SASL_TOO_LONG;
	for (i = 0; i < len; i += 4) {
		if (base64_quantum(in + i, i + 4 == len, b, &n) < 0)
			return SASL_BAD_BASE64;
		if (n >= outmax - o)	/* room for the NUL too: o + n < outmax */
			return SASL_TOO_LONG;
		memcpy(out + o, b, n);
		o += n;
	}
	out[o] = '\0';
	*outlen = o;
	return SASL_OK;
}

enum sasl_result sasl_plain_decode(const char *in, size_t len, struct sasl_credentials *c)
{
	char buf[3 * SASL_LINE_MAX / 4 + 1];
	const char *authzid, *user, *pass, *nul1, *nul2;
	size_t n, ulen, plen;
	enum sasl_result r;

	memset(c, 0, sizeof *c);
	r = sasl_base64_decode(in, len, buf, sizeof buf, &n);
	if (r != SASL_OK) {
		explicit_bzero(buf, sizeof buf);
		return r;
	}
	authzid = buf;
	nul1 = memchr(buf, '\0', n);
	nul2 = nul1 ? memchr(nul1 + 1, '\0', n - (size_t)(nul1 + 1 - buf)) : NULL;
	r = SASL_BAD_CREDENTIALS;
	if (!nul2)
		goto out;
	user = nul1 + 1;
	pass = nul2 + 1;
	ulen = (size_t)(nul2 - user);
	plen = n - (size_t)(pass - buf);
	if (ulen == 0 || ulen > SASL_USER_MAX || plen == 0 || plen > SASL_PASSWORD_MAX ||
	    memchr(pass, '\0', plen))
		goto out;
	/* RFC 4616 §2: an authzid is a request to act as someone else */
	if (nul1 != authzid && (strcmp(authzid, user) != 0))
		goto out;
	memcpy(c->user, user, ulen);
	memcpy(c->password, pass, plen);
	r = SASL_OK;
out:
	explicit_bzero(buf, sizeof buf);
	return r;
}

enum sasl_result sasl_login_field(const char *in, size_t len, char *out, size_t outmax)
{
	size_t n;
	enum sasl_result r = sasl_base64_decode(in, len, out, outmax, &n);

	if (r == SASL_TOO_LONG)
		r = SASL_BAD_CREDENTIALS;	/* longer than any user or password */
	if (r == SASL_OK && (n == 0 || memchr(out, '\0', n)))
		r = SASL_BAD_CREDENTIALS;
	if (r != SASL_OK && outmax)
		explicit_bzero(out, outmax);
	return r;
}

int sasl_login_valid(const char *login)
{
	size_t i;

	for (i = 0; login[i]; i++) {
		char ch = login[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("._-+@=", ch)))
			return 0;
	}
	return i > 0 && i <= SASL_USER_MAX;
}

void sasl_credentials_clear(struct sasl_credentials *c)
{
	explicit_bzero(c, sizeof *c);
}
