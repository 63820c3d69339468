/*
 * dkim_sign - keys and signatures for the relay's DKIM signer (see
 * dkim_sign.h). libopendkim computes the signatures (relaxed/relaxed,
 * rsa-sha256, ed25519-sha256); OpenSSL only checks the key files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opendkim/dkim.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "queue/queue.h"
#include "relay/dataenc.h"
#include "relay/dkim_sign.h"

#define KEY_FILE_MAX 65536

/*
 * RFC 6376 §5.4.1: the fields a signer SHOULD sign when present, and
 * Message-ID and the MIME fields besides; §8.15: From, To, Subject and
 * Date are oversigned, so that a second one cannot be added.
 */
static const char *const sign_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date", "resent-from",
	"resent-to", "resent-cc", "in-reply-to", "references", "list-id", "list-help",
	"list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
	"message-id", "mime-version", "content-type", "content-transfer-encoding", NULL
};
static const char *const oversign_headers[] = { "from", "to", "subject", "date", NULL };

/* ---- keys ---- */

/* The key type and size of PEM text p: the signing algorithm, or -1 with err. */
static int key_algorithm(const unsigned char *p, size_t n, const char *path, char *err,
			 size_t errlen)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	int alg = -1, bits;

	if (!k)
		snprintf(err, errlen, "dkim-sign key %s: no PEM private key in it", path);
	else if (EVP_PKEY_base_id(k) == EVP_PKEY_ED25519)
		alg = DKIM_SIGN_ED25519SHA256;
	else if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA)
		snprintf(err, errlen, "dkim-sign key %s: neither RSA nor Ed25519 (RFC 8463)", path);
	else if ((bits = EVP_PKEY_bits(k)) < 1024)
		snprintf(err, errlen, "dkim-sign key %s: RSA of %d bits; RFC 8301 wants at "
			 "least 1024 (2048 recommended)", path, bits);
	else
		alg = DKIM_SIGN_RSASHA256;
	EVP_PKEY_free(k);
	BIO_free(b);
	return alg;
}

/* Open path and check it may hold a key: 0 with *fd, or -1 with err. */
static int key_open(const char *path, int *fd, char *err, size_t errlen)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (*fd < 0)
		return str_errorf(err, errlen, "dkim-sign key %s: %s", path, strerror(errno));
	if (fstat(*fd, &st) < 0) {
		str_errorf(err, errlen, "dkim-sign key %s: fstat: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		str_errorf(err, errlen, "dkim-sign key %s: not a regular file", path);
	} else if (st.st_mode & 077) {
		str_errorf(err, errlen, "dkim-sign key %s: mode %04o: group or others may read "
			   "it; a DKIM key must be readable by its owner only (chmod 600)", path,
			   (unsigned)(st.st_mode & 07777));
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		str_errorf(err, errlen, "dkim-sign key %s: owned by uid %u: a DKIM key must "
			   "belong to root", path, (unsigned)st.st_uid);
	} else if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX) {
		str_errorf(err, errlen, "dkim-sign key %s: %lld bytes: not a key file", path,
			   (long long)st.st_size);
	} else {
		return 0;
	}
	close(*fd);
	*fd = -1;
	return -1;
}

static int key_load(const struct dkim_signer *s, struct dkim_key *k, char *err, size_t errlen)
{
	unsigned char *buf;
	ssize_t r;
	size_t n = 0;
	int fd;

	if (key_open(s->keyfile, &fd, err, errlen) < 0)
		return -1;
	if (!(buf = calloc(1, KEY_FILE_MAX + 1))) {
		close(fd);
		return str_errorf(err, errlen, "dkim-sign key %s: out of memory", s->keyfile);
	}
	mlock(buf, KEY_FILE_MAX + 1);	/* best effort: keep the key out of swap */
	while (n < KEY_FILE_MAX && (r = read(fd, buf + n, KEY_FILE_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	k->domain = s->domain;
	k->selector = s->selector;
	k->keyfile = s->keyfile;
	k->pem = buf;
	k->pemlen = n;
	if ((k->alg = key_algorithm(buf, n, s->keyfile, err, errlen)) < 0)
		return -1;
	return 0;
}

int dkim_keys_load(const struct config *c, struct dkim_keys *ks, char *err, size_t errlen)
{
	DKIM_LIB *lib;
	size_t i;

	memset(ks, 0, sizeof *ks);
	if (!c->ndkim_signers)
		return 0;
	if (!(ks->k = calloc(c->ndkim_signers, sizeof *ks->k)))
		return str_errorf(err, errlen, "dkim-sign: out of memory");
	for (i = 0; i < c->ndkim_signers; i++) {
		ks->n = i + 1;
		if (key_load(&c->dkim_signers[i], &ks->k[i], err, errlen) < 0)
			goto fail;
	}
	lib = dkim_init(NULL, NULL);
	ks->lib = lib;
	if (!lib || !dkim_libfeature(lib, DKIM_FEATURE_ED25519) ||
	    /* libopendkim takes the list itself (a char **), its size that of a pointer */
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, (void *)sign_headers,
			 sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, (void *)oversign_headers,
			 sizeof(char **)) != DKIM_STAT_OK) {
		str_errorf(err, errlen, "dkim-sign: libopendkim will not start (or lacks Ed25519)");
		goto fail;
	}
	return 0;
fail:
	dkim_keys_free(ks);
	return -1;
}

void dkim_keys_free(struct dkim_keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (ks->k[i].pem) {
			OPENSSL_cleanse(ks->k[i].pem, KEY_FILE_MAX + 1);
			free(ks->k[i].pem);
		}
	free(ks->k);
	if (ks->lib)
		dkim_close(ks->lib);
	memset(ks, 0, sizeof *ks);
}

/* ---- RFC 5322.From ---- */

/* The end of the field starting at p (its last CR LF excluded, folds included). */
static size_t field_end(const char *h, size_t len, size_t p)
{
	for (;;) {
		const char *lf = memchr(h + p, '\n', len - p);

		if (!lf)
			return len;
		p = (size_t)(lf - h) + 1;
		/* RFC 5322 §2.2.3: a line starting with WSP continues the field */
		if (p >= len || (h[p] != ' ' && h[p] != '\t'))
			return p;
	}
}

/* The unfolded value of the one From: field into v; -1 if none or two. */
static int from_value(const char *h, size_t len, char *v, size_t max)
{
	size_t p = 0, e, n = 0, i, found = 0;

	while (p < len && !(h[p] == '\r' || h[p] == '\n')) {
		e = field_end(h, len, p);
		if (e - p >= 5 && strncasecmp(h + p, "from", 4) == 0) {
			i = p + 4;
			while (i < e && (h[i] == ' ' || h[i] == '\t'))
				i++;
			if (i < e && h[i] == ':') {
				if (found++)
					return -1;	/* RFC 5322 §3.6: exactly one */
				for (i++, n = 0; i < e; i++)
					if (h[i] != '\r' && h[i] != '\n' && n + 1 < max)
						v[n++] = h[i];
			}
		}
		p = e;
	}
	v[n] = '\0';
	return found ? 0 : -1;
}

/*
 * Remove comments (RFC 5322 §3.2.2) outside quoted strings; -1 when the
 * value has a second address (a comma) or a group (a colon) outside
 * quotes and angle brackets.
 */
static int from_simplify(char *v)
{
	size_t r, w = 0, depth = 0;
	int quoted = 0, angle = 0;

	for (r = 0; v[r]; r++) {
		char c = v[r];

		if (c == '\\' && v[r + 1] && (quoted || depth)) {
			if (!depth) {
				v[w++] = c;
				v[w++] = v[r + 1];
			}
			r++;
			continue;
		}
		if (!quoted && c == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth) {
			if (c == ')')
				depth--;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && c == '<')
			angle = 1;
		else if (!quoted && c == '>')
			angle = 0;
		else if (!quoted && !angle && (c == ',' || c == ':' || c == ';'))
			return -1;
		v[w++] = c;
	}
	v[w] = '\0';
	return quoted || depth ? -1 : 0;
}

int dkim_from_domain(const char *header, size_t len, char *domain, size_t max)
{
	char v[1024], *addr, *at, *end;
	size_t n, i;

	if (from_value(header, len, v, sizeof v) < 0 || from_simplify(v) < 0)
		return -1;
	addr = strrchr(v, '<');
	if (addr) {
		addr++;
		if (!(end = strchr(addr, '>')))
			return -1;
		*end = '\0';
	} else {
		addr = v;
	}
	if (!(at = strrchr(addr, '@')))
		return -1;
	at++;
	n = strcspn(at, " \t");
	if (at[n + strspn(at + n, " \t")] != '\0' || n == 0 || n >= max)
		return -1;
	for (i = 0; i < n; i++) {
		char c = at[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return -1;
		domain[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	domain[n] = '\0';
	return 0;
}

/* ---- signing ---- */

/* The header section of the message on fd (msglen bytes) into h; -1 on a read error. */
static int header_read(int fd, unsigned long long msglen, struct str *h)
{
	char buf[16384];
	unsigned long long off = 0;
	ssize_t r;

	while (off < msglen && h->len < DKIM_SIGN_HEADER_MAX) {
		size_t want = msglen - off < sizeof buf ? (size_t)(msglen - off) : sizeof buf;

		r = pread(fd, buf, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (str_append(h, buf, (size_t)r) < 0)
			return -1;
		off += (unsigned long long)r;
		if (memmem(h->s, h->len, "\n\r\n", 3) || memmem(h->s, h->len, "\n\n", 2))
			break;
	}
	return 0;
}

/* Feed the message, as a worker encodes it but without dot-stuffing, to each handle. */
static int body_feed(int fd, unsigned long long msglen, DKIM **d, size_t nd)
{
	static char in[65536], out[DATAENC_OUT_MAX(sizeof in)];
	unsigned long long off = 0;
	struct dataenc e;
	size_t o, i;
	ssize_t r;

	dataenc_init_unstuffed(&e);
	while (off < msglen) {
		size_t want = msglen - off < sizeof in ? (size_t)(msglen - off) : sizeof in;

		r = pread(fd, in, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (unsigned long long)r;
		o = dataenc_chunk(&e, in, (size_t)r, out);
		for (i = 0; i < nd; i++)
			if (o && dkim_chunk(d[i], (unsigned char *)out, o) != DKIM_STAT_OK)
				return -1;
	}
	o = dataenc_end(&e, out);
	for (i = 0; i < nd; i++)
		if ((o && dkim_chunk(d[i], (unsigned char *)out, o) != DKIM_STAT_OK) ||
		    dkim_chunk(d[i], NULL, 0) != DKIM_STAT_OK ||
		    dkim_eom(d[i], NULL) != DKIM_STAT_OK)
			return -1;
	return 0;
}

/* "DKIM-Signature: " and the value, every line break CR LF, then CR LF. */
static int signature_put(DKIM *d, struct str *out)
{
	static const char name[] = "DKIM-Signature: ";
	unsigned char *v = NULL;
	size_t n = 0, i;

	if (dkim_getsighdr_d(d, sizeof name - 1, &v, &n) != DKIM_STAT_OK || !v)
		return -1;
	if (str_appendz(out, name) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] == '\r')
			continue;
		if (v[i] == '\n' && str_appendc(out, '\r') < 0)
			return -1;
		if (str_appendc(out, (char)v[i]) < 0)
			return -1;
	}
	return str_append(out, "\r\n", 2);
}

/* Whether origin o is this site's mail (queue(5) "o", inject(8)). */
static int origin_trusted(enum message_origin o)
{
	return o == QUEUE_ORIGIN_LOCAL || o == QUEUE_ORIGIN_SUBMISSION || o == QUEUE_ORIGIN_RELAY;
}

/* Sign with each key of domain; 1, or -1 with note. */
static int sign_with_keys(const struct dkim_keys *ks, const char *domain, int fd,
			  unsigned long long msglen, struct str *out, char *note, size_t notelen)
{
	DKIM *d[CONFIG_DKIM_MAX];
	DKIM_STAT st;
	size_t i, nd = 0;
	int r = -1;

	for (i = 0; i < ks->n && nd < CONFIG_DKIM_MAX; i++) {
		if (strcmp(ks->k[i].domain, domain) != 0)
			continue;
		d[nd] = dkim_sign(ks->lib, (const unsigned char *)"tern", NULL, ks->k[i].pem,
				  (const unsigned char *)ks->k[i].selector,
				  (const unsigned char *)ks->k[i].domain, DKIM_CANON_RELAXED,
				  DKIM_CANON_RELAXED, ks->k[i].alg, -1, &st);
		if (!d[nd]) {
			snprintf(note, notelen, "libopendkim: %s (key %s)", dkim_getresultstr(st),
				 ks->k[i].keyfile);
			goto out;
		}
		nd++;
	}
	if (body_feed(fd, msglen, d, nd) < 0) {
		snprintf(note, notelen, "reading or hashing the message failed%s%s",
			 nd ? ": " : "", nd && dkim_geterror(d[0]) ? dkim_geterror(d[0]) : "");
		goto out;
	}
	for (i = 0; i < nd; i++)
		if (signature_put(d[i], out) < 0 || out->len > DKIM_SIGN_OUT_MAX) {
			snprintf(note, notelen, "libopendkim made no signature: %s",
				 dkim_geterror(d[i]) ? dkim_geterror(d[i]) : "unknown error");
			goto out;
		}
	snprintf(note, notelen, "signed for %s with %zu key%s", domain, nd, nd == 1 ? "" : "s");
	r = 1;
out:
	for (i = 0; i < nd; i++)
		dkim_free(d[i]);
	return r;
}

int dkim_sign_fd(const struct dkim_keys *ks, int fd, struct str *out, char *note,
		 size_t notelen)
{
	struct queue_message m;
	struct str h = STR_INIT(DKIM_SIGN_HEADER_MAX + 65536);
	char domain[256];
	size_t i;
	int r = 0;

	note[0] = '\0';
	if (queue_message_load_fd(fd, &m) < 0) {
		snprintf(note, notelen, "not a queue file: %s", strerror(errno));
		return -1;
	}
	if (!origin_trusted(m.origin)) {
		snprintf(note, notelen, "origin %s: not signed",
			 m.origin == QUEUE_ORIGIN_UNKNOWN ? "unknown" : queue_origin_name(m.origin));
	} else if (header_read(fd, m.size, &h) < 0) {
		snprintf(note, notelen, "reading the header failed");
		r = -1;
	} else if (dkim_from_domain(h.s ? h.s : "", h.len, domain, sizeof domain) < 0) {
		snprintf(note, notelen, "no single From: address: not signed");
	} else {
		for (i = 0; i < ks->n && strcmp(ks->k[i].domain, domain) != 0; i++)
			;
		if (i == ks->n)
			snprintf(note, notelen, "From: domain %s has no dkim-sign key", domain);
		else
			r = sign_with_keys(ks, domain, fd, m.size, out, note, notelen);
	}
	str_free(&h);
	queue_message_free(&m);
	return r;
}
