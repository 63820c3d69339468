#ifndef TERN_TLSCHECK_H
#define TERN_TLSCHECK_H
/*
 * NAME
 *	tlscheck - have tlsd check the tls-certificate pairs
 * SYNOPSIS
 *	int tlscheck_run(const struct config *c, const char *confdir,
 *	                 char *err, size_t errlen);
 * DESCRIPTION
 *	smtpd and queuectl link no TLS library, so they cannot read a
 *	certificate. tlscheck_run() runs c->tls_program with -n (tlsd(8)),
 *	which loads every pair as a connection would and prints what is
 *	wrong ("tlsd: FILE: problem") on the inherited stderr. The program
 *	gets PATH and, when confdir is not NULL, TERN_CONFDIR=confdir; it is
 *	waited for. Nothing is run when no tls-certificate is configured.
 * DIAGNOSTICS
 *	0 when there is nothing to check or every pair is good; -1 with err
 *	set ("PROGRAM -n: cannot run: why" or "PROGRAM -n: exit N").
 */
#include <stddef.h>

#include "config.h"

int tlscheck_run(const struct config *c, const char *confdir, char *err, size_t errlen);

#endif
