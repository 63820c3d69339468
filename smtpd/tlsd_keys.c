/*
 * tlsd_keys - load and check the certificate/key pairs (see tlsd_keys.h).
 * Every problem names its file: tlsd -n, smtpd -n and queuectl check all
 * print these messages for the administrator.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "str.h"
#include "tlsd_keys.h"

/* A read-only memory BIO over the whole file (at most 1 MB). */
static BIO *keys_file(const char *path, char *err, size_t errlen)
{
	char buf[8192];
	BIO *b;
	ssize_t n;
	size_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		str_errorf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (!(b = BIO_new(BIO_s_mem()))) {
		close(fd);
		str_errorf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (total += (size_t)n) > (1U << 20) || BIO_write(b, buf, (int)n) != n) {
			str_errorf(err, errlen, "%s: %s", path,
				   n < 0 ? strerror(errno) : "larger than 1 MB or out of memory");
			BIO_free(b);
			close(fd);
			return NULL;
		}
	}
	close(fd);
	OPENSSL_cleanse(buf, sizeof buf);
	return b;
}

static const char *keys_type_name(int type)
{
	return type == EVP_PKEY_RSA ? "RSA" : type == EVP_PKEY_EC ? "ECDSA" : NULL;
}

/* The chain file: the server's certificate, then its chain. */
static int keys_use_chain(SSL_CTX *ctx, const char *path, X509 **leaf, char *err, size_t errlen)
{
	BIO *b = keys_file(path, err, errlen);
	X509 *x;
	int r = 0;

	if (!b)
		return -1;
	if (!(*leaf = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		BIO_free(b);
		return str_errorf(err, errlen, "%s: no PEM certificate", path);
	}
	if (SSL_CTX_use_certificate(ctx, *leaf) != 1)
		r = str_errorf(err, errlen, "%s: certificate refused by OpenSSL (%s)", path,
			       ERR_reason_error_string(ERR_peek_last_error()));
	while (r == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			r = str_errorf(err, errlen, "%s: chain certificate refused", path);
		}
	ERR_clear_error();	/* the end of the file is "no start line" */
	BIO_free(b);
	return r;
}

static int keys_use_key(SSL_CTX *ctx, const char *path, X509 *leaf, char *err, size_t errlen)
{
	BIO *b = keys_file(path, err, errlen);
	EVP_PKEY *k;
	int r = 0;

	if (!b)
		return -1;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!k)
		return str_errorf(err, errlen, "%s: no PEM private key (or it is encrypted)", path);
	if (X509_check_private_key(leaf, k) != 1)
		r = str_errorf(err, errlen, "%s: key does not match the certificate", path);
	else if (SSL_CTX_use_PrivateKey(ctx, k) != 1)
		r = str_errorf(err, errlen, "%s: key refused by OpenSSL", path);
	EVP_PKEY_free(k);
	return r;
}

static int keys_use_pair(SSL_CTX *ctx, const struct config_tls_certificate *p,
			 int *have, char *err, size_t errlen)
{
	X509 *leaf = NULL;
	int type, r;

	if (keys_use_chain(ctx, p->chain, &leaf, err, errlen) < 0) {
		X509_free(leaf);
		return -1;
	}
	type = EVP_PKEY_get_base_id(X509_get0_pubkey(leaf));
	if (!keys_type_name(type))
		r = str_errorf(err, errlen, "%s: the key is neither RSA nor ECDSA", p->chain);
	else if (have[type == EVP_PKEY_EC])
		r = str_errorf(err, errlen, "%s: a second %s certificate (one of each type)",
			       p->chain, keys_type_name(type));
	else
		r = keys_use_key(ctx, p->key, leaf, err, errlen);
	if (r == 0)
		have[type == EVP_PKEY_EC] = 1;
	X509_free(leaf);
	return r;
}

SSL_CTX *tlsd_keys_context(const struct config *c, char *err, size_t errlen)
{
	int have[2] = { 0, 0 };
	SSL_CTX *ctx;
	size_t i;

	if (!c->ntls_certs) {
		str_errorf(err, errlen, "no tls-certificate configured");
		return NULL;
	}
	if (!(ctx = SSL_CTX_new(TLS_server_method()))) {
		str_errorf(err, errlen, "SSL_CTX_new: out of memory");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);	/* one connection per run */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	for (i = 0; i < c->ntls_certs; i++)
		if (keys_use_pair(ctx, &c->tls_certs[i], have, err, errlen) < 0) {
			SSL_CTX_free(ctx);
			return NULL;
		}
	return ctx;
}
