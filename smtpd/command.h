#ifndef TERN_SMTPD_COMMAND_H
#define TERN_SMTPD_COMMAND_H
/*
 * NAME
 *	command - split an SMTP command line and parse MAIL/RCPT arguments
 * SYNOPSIS
 *	void command_parse(const char *line, size_t len, struct command *c);
 *	int command_path_arg(const struct command *c, const char *prefix,
 *	                     const char **path, size_t *len);
 *	enum param_result command_mail_params(const char *s, size_t len,
 *	                                      struct mail_params *p);
 * DESCRIPTION
 *	command_parse() takes one command line without its CRLF and finds the
 *	verb (case-insensitive, RFC 5321 §2.4) and its argument (after one or
 *	more spaces; c->arg is "" when there is none). c->verb is CMD_UNKNOWN
 *	for anything not in RFC 5321 §4.1, STARTTLS (RFC 3207) or AUTH (RFC
 *	4954), and CMD_NOT_IMPLEMENTED for known extensions tern does not offer
 *	(BDAT, ETRN, TURN, ATRN, SEND, SOML, SAML).
 *
 *	command_path_arg() checks that the argument starts with prefix
 *	("FROM:" or "TO:", any case) and sets *path to what follows, after any
 *	spaces (a common client slip that RFC 5321 §4.1.2 does not allow but
 *	that is unambiguous). Returns 0, or -1 when the prefix is missing.
 *
 *	command_mail_params() parses the MAIL parameters after the path,
 *	s[0..len) (which must be empty or start with a space): SIZE=digits
 *	(RFC 1870), BODY=7BIT or BODY=8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
 *	AUTH=<> or AUTH=xtext (RFC 4954 §5, xtext of RFC 3461 §4), each at
 *	most once. AUTH= is checked and then ignored: it is the client's word,
 *	trusted for nothing (§5 lets a server drop it).
 * DIAGNOSTICS
 *	PARAM_OK; PARAM_SYNTAX (501 5.5.4: malformed, a duplicate, a bad
 *	value); PARAM_UNSUPPORTED (504 5.5.4: BODY=BINARYMIME); PARAM_UNKNOWN
 *	(555 5.5.4: a parameter not offered, RFC 5321 §4.1.1.11).
 */
#include <stddef.h>

enum command_verb {
	CMD_HELO, CMD_EHLO, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_RSET, CMD_NOOP,
	CMD_QUIT, CMD_VRFY, CMD_EXPN, CMD_HELP, CMD_STARTTLS, CMD_AUTH, CMD_NOT_IMPLEMENTED, CMD_UNKNOWN,
};

struct command {
	enum command_verb verb;
	const char *arg;
	size_t arglen;
};

enum param_result { PARAM_OK, PARAM_SYNTAX, PARAM_UNSUPPORTED, PARAM_UNKNOWN };

struct mail_params {
	int has_size;
	unsigned long long size;	/* ULLONG_MAX when it overflowed */
	int has_body;
	int body_8bitmime;
	int smtputf8;
	int has_auth;		/* AUTH= given (and ignored) */
};

void command_parse(const char *line, size_t len, struct command *c);
int command_path_arg(const struct command *c, const char *prefix,
		     const char **path, size_t *len);
enum param_result command_mail_params(const char *s, size_t len, struct mail_params *p);

#endif
