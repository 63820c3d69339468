#ifndef TERN_SMTPD_TLSD_KEYS_H
#define TERN_SMTPD_TLSD_KEYS_H
/*
 * NAME
 *	tlsd_keys - tlsd's server context: TLS 1.2 and 1.3, certificates and keys
 * SYNOPSIS
 *	SSL_CTX *tlsd_keys_context(const struct config *c, char *err, size_t errlen);
 * DESCRIPTION
 *	tlsd_keys_context() makes a new server SSL_CTX that speaks only TLS 1.2
 *	and 1.3 (SSL_CTX_set_min_proto_version), refuses renegotiation and
 *	compression, and holds every tls-certificate pair of c: for each, the
 *	first certificate of CHAIN-FILE is the server's and the rest are its
 *	chain; KEY-FILE's key must match it (X509_check_private_key). The key
 *	must be RSA or ECDSA, each type at most once (OpenSSL keeps one
 *	certificate per key type and chooses by what the client offers).
 *	Both files are opened with O_CLOEXEC and read through a BIO, every
 *	time: a renewed certificate is used by the next connection.
 * DIAGNOSTICS
 *	The context, or NULL with err set to "FILE: problem" (cannot open:
 *	strerror; no certificate; no private key; key does not match the
 *	certificate; a second RSA or ECDSA pair; ...) or to "no tls-certificate
 *	configured".
 */
#include <stddef.h>
#include <openssl/ssl.h>

#include "config.h"

SSL_CTX *tlsd_keys_context(const struct config *c, char *err, size_t errlen);

#endif
