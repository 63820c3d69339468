/*
 * envelope - the qmail-queue envelope (see envelope.h, qmail-queue(8)):
 *	"F" sender NUL, ("T" recipient NUL)+, NUL
 *
 * envelope_decode() takes one straight path: first the framing of all len
 * bytes (every record typed and NUL-terminated, one final NUL, nothing
 * after it), then every address, then the copy. There is no branch that
 * accepts what an earlier check refused (OpenSMTPD's CVE-2020-7247 was such a fallback).
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "envelope.h"

int envelope_encode(struct str *out, const char *sender,
		    const char *const *rcpt, size_t nrcpt)
{
	size_t mark = out->len, i;

	if (str_appendc(out, 'F') < 0 || str_append(out, sender, strlen(sender) + 1) < 0)
		goto fail;
	for (i = 0; i < nrcpt; i++)
		if (str_appendc(out, 'T') < 0 ||
		    str_append(out, rcpt[i], strlen(rcpt[i]) + 1) < 0)
			goto fail;
	if (str_appendc(out, '\0') < 0)
		goto fail;
	return 0;
fail:
	str_truncate(out, mark);	/* all or nothing, like str_append() */
	return -1;
}

/* Count the T records after the F record; ENVELOPE_FORMAT on any framing fault. */
static enum envelope_result envelope_frame(const char *p, size_t len, size_t *nrcpt)
{
	const char *nul;
	size_t pos;

	*nrcpt = 0;
	if (len == 0 || p[0] != 'F')
		return ENVELOPE_FORMAT;
	nul = memchr(p, '\0', len);
	if (!nul)
		return ENVELOPE_FORMAT;
	pos = (size_t)(nul - p) + 1;
	for (;;) {
		if (pos >= len)
			return ENVELOPE_FORMAT;	/* no final NUL */
		if (p[pos] == '\0')
			break;
		if (p[pos] != 'T')
			return ENVELOPE_FORMAT;
		nul = memchr(p + pos, '\0', len - pos);
		if (!nul)
			return ENVELOPE_FORMAT;
		pos = (size_t)(nul - p) + 1;
		(*nrcpt)++;
	}
	if (pos + 1 != len || *nrcpt == 0)
		return ENVELOPE_FORMAT;	/* trailing bytes, or no recipient */
	return ENVELOPE_OK;
}

static int has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * One address of the envelope: a mailbox as addr_parse_mailbox() takes it.
 * The sender too: the relay writes it into "MAIL FROM:<...>" and mails
 * bounces to it, so "a@b> NOTIFY=..." or "a b" must never reach the queue.
 */
static enum envelope_result envelope_check_address(const char *r)
{
	size_t n = strlen(r);
	struct addr a;

	if (n == 0 || has_control(r, n))
		return ENVELOPE_BAD_ADDRESS;
	if (n > ADDR_PATH_MAX)
		return ENVELOPE_ADDRESS_TOO_LONG;
	switch (addr_parse_mailbox(r, n, ADDR_UTF8, &a)) {
	case ADDR_OK:
		return ENVELOPE_OK;
	case ADDR_LOCAL_TOO_LONG:
	case ADDR_DOMAIN_TOO_LONG:
	case ADDR_PATH_TOO_LONG:
		return ENVELOPE_ADDRESS_TOO_LONG;
	default:
		return ENVELOPE_BAD_ADDRESS;	/* includes a recipient without a domain */
	}
}

enum envelope_result envelope_decode(const char *p, size_t len, struct envelope *e)
{
	enum envelope_result r;
	size_t nrcpt, i, pos;

	memset(e, 0, sizeof *e);
	r = envelope_frame(p, len, &nrcpt);
	if (r != ENVELOPE_OK)
		return r;
	/* framing holds: every record is a NUL-terminated C string within p */
	/* the null sender "" (RFC 5321 §4.5.5) or a mailbox */
	r = p[1] ? envelope_check_address(p + 1) : ENVELOPE_OK;
	pos = strlen(p) + 1;
	for (i = 0; r == ENVELOPE_OK && i < nrcpt; i++) {
		r = envelope_check_address(p + pos + 1);
		pos += strlen(p + pos) + 1;
	}
	if (r != ENVELOPE_OK)
		return r;
	e->mem = malloc(len);
	e->rcpt = calloc(nrcpt, sizeof *e->rcpt);
	if (!e->mem || !e->rcpt) {
		envelope_free(e);
		return ENVELOPE_NOMEM;
	}
	memcpy(e->mem, p, len);
	e->sender = e->mem + 1;
	pos = strlen(e->mem) + 1;
	for (i = 0; i < nrcpt; i++) {
		e->rcpt[i] = e->mem + pos + 1;
		pos += strlen(e->mem + pos) + 1;
	}
	e->nrcpt = nrcpt;
	return ENVELOPE_OK;
}

void envelope_free(struct envelope *e)
{
	free(e->mem);
	free(e->rcpt);
	memset(e, 0, sizeof *e);
}
