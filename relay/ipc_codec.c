/* ipc_codec - the job and result payloads; see ipc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relay/ipc.h"

int ipc_job_encode(struct str *s, uint64_t jobid, const struct deliver_job *j)
{
	size_t i;

	if (j->nrcpt == 0 || j->nrcpt > DELIVER_RCPT_MAX)
		return errno = E2BIG, -1;
	if (ipc_put_u64(s, jobid) < 0 || ipc_put_u64(s, j->body_len) < 0 ||
	    ipc_put_u32(s, (uint32_t)(j->utf8 != 0)) < 0 ||
	    ipc_put_u32(s, (uint32_t)(j->eightbit + 1)) < 0 ||	/* 0 unknown, 1 no, 2 yes */
	    ipc_put_str(s, j->queue_id) < 0 || ipc_put_str(s, j->domain) < 0 ||
	    ipc_put_str(s, j->sender) < 0 || ipc_put_u32(s, (uint32_t)j->nrcpt) < 0)
		return -1;
	for (i = 0; i < j->nrcpt; i++)
		if (ipc_put_str(s, j->rcpt[i]) < 0)
			return -1;
	return 0;
}

int ipc_job_decode(const char *p, size_t len, uint64_t *jobid,
		   struct deliver_job *j, const char ***rcptmem)
{
	struct ipc_dec d;
	const char **rcpt;
	uint32_t n, i, eightbit;

	*rcptmem = NULL;
	j->prefix = NULL;	/* the worker's own: never from the scheduler */
	j->prefix_len = 0;
	ipc_dec_init(&d, p, len);
	*jobid = ipc_get_u64(&d);
	j->body_len = ipc_get_u64(&d);
	j->utf8 = (int)ipc_get_u32(&d);
	eightbit = ipc_get_u32(&d);
	j->eightbit = eightbit == 2 ? 1 : eightbit == 1 ? 0 : -1;	/* else unknown */
	j->queue_id = ipc_get_str(&d, 255);
	j->domain = ipc_get_str(&d, 255);
	j->sender = ipc_get_str(&d, 1024);
	n = ipc_get_u32(&d);
	j->body_fd = -1;
	if (d.err || n == 0 || n > DELIVER_RCPT_MAX)
		return errno = EPROTO, -1;
	rcpt = calloc(n, sizeof *rcpt);
	if (!rcpt)
		return -1;
	for (i = 0; i < n; i++)
		rcpt[i] = ipc_get_str(&d, 1024);
	if (d.err || d.off != len) {
		free(rcpt);
		return errno = EPROTO, -1;
	}
	j->rcpt = rcpt;
	j->nrcpt = n;
	*rcptmem = rcpt;
	return 0;
}

int ipc_result_encode(struct str *s, uint64_t jobid, size_t nrcpt,
		      const struct deliver_result *r)
{
	size_t i;

	if (ipc_put_u64(s, jobid) < 0 ||
	    ipc_put_u32(s, (uint32_t)(r->destination_failed != 0)) < 0 ||
	    ipc_put_str(s, r->remote_mta) < 0 || ipc_put_str(s, r->tls) < 0 ||
	    ipc_put_u32(s, (uint32_t)nrcpt) < 0)
		return -1;
	for (i = 0; i < nrcpt; i++)
		if (ipc_put_u32(s, (uint32_t)r->rcpt[i].code) < 0 ||
		    ipc_put_u32(s, (uint32_t)(r->rcpt[i].again != 0)) < 0 ||
		    ipc_put_str(s, r->rcpt[i].enhanced) < 0 ||
		    ipc_put_str(s, r->rcpt[i].text) < 0)
			return -1;
	return 0;
}

/* Copies untrusted text, bounded, with every control byte made a space. */
static void ipc_copy_text(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	dst[i] = '\0';
}

/* A host name, an address, or an address literal: nothing else is kept. */
static int ipc_hostlike(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-_:[]", *s))
			return 0;
	return 1;
}

/* A TLS description (tls_describe()): protocol and cipher names, "=". */
static int ipc_tlslike(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-_=+/ ", *s))
			return 0;
	return 1;
}

/* RFC 3463 §2: class "." subject "." detail, class 2, 4 or 5. */
static int ipc_enhanced_valid(const char *s)
{
	size_t i, digits = 0, dots = 0;

	if (*s == '\0')
		return 1;
	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.') {
			if (digits == 0)
				return 0;
			dots++;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			digits++;
		} else {
			return 0;
		}
	}
	return dots == 2 && digits > 0;
}

int ipc_result_decode(const char *p, size_t len, uint64_t jobid, size_t nrcpt,
		      struct deliver_result *r)
{
	struct ipc_dec d;
	const char *mta, *tls;
	size_t i;

	ipc_dec_init(&d, p, len);
	if (ipc_get_u64(&d) != jobid)
		return errno = EPROTO, -1;
	r->destination_failed = ipc_get_u32(&d) != 0;
	mta = ipc_get_str(&d, sizeof r->remote_mta - 1);
	tls = ipc_get_str(&d, sizeof r->tls - 1);
	if (d.err || ipc_get_u32(&d) != nrcpt)
		return errno = EPROTO, -1;
	ipc_copy_text(r->remote_mta, sizeof r->remote_mta, ipc_hostlike(mta) ? mta : "");
	ipc_copy_text(r->tls, sizeof r->tls, *r->remote_mta && ipc_tlslike(tls) ? tls : "");
	for (i = 0; i < nrcpt; i++) {
		uint32_t code = ipc_get_u32(&d), again = ipc_get_u32(&d);
		const char *enh = ipc_get_str(&d, sizeof r->rcpt[i].enhanced - 1);
		const char *text = ipc_get_str(&d, DELIVER_TEXT_MAX - 1);

		if (d.err || code < 200 || code > 599)
			return errno = EPROTO, -1;
		r->rcpt[i].code = (int)code;
		r->rcpt[i].again = again != 0 && code / 100 == 4;
		ipc_copy_text(r->rcpt[i].enhanced, sizeof r->rcpt[i].enhanced,
			      ipc_enhanced_valid(enh) && enh[0] == "0123456789"[code / 100] ? enh : "");
		ipc_copy_text(r->rcpt[i].text, sizeof r->rcpt[i].text, text);
	}
	if (d.off != len)
		return errno = EPROTO, -1;
	return 0;
}
