#ifndef TERN_LOG_H
#define TERN_LOG_H
/*
 * NAME
 *	log - one line per event, to the journal or to stderr
 * SYNOPSIS
 *	void log_init(const char *program);
 *	void log_journal_enable(void);
 *	void log_journal_native_enable(void);
 *	void log_syslog_enable(void);
 *	void log_event(int priority, const struct log_field *fields, const char *fmt, ...);
 *	void log_msg(int priority, const char *fmt, ...);
 *	void log_die(int exitcode, const char *fmt, ...);
 * DESCRIPTION
 *	log_init() names the program (the prefix of every line). Priorities are
 *	syslog's LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG.
 *
 *	log_event() writes the message made from fmt followed by the fields, an
 *	array ended by an entry with key NULL; keys are journal field names,
 *	the LOG_FIELD_* names below, the one list every program logs with (so
 *	that `journalctl QUEUE_ID=...` finds a message in smtpd's, inject's and
 *	the relay's entries alike):
 *	  QUEUE_ID     the message's queue id (queue(5))
 *	  RECEIVED_ID  smtpd's id for the message (the Received: line)
 *	  CLIENT_ADDR, CLIENT_PORT, CLIENT_HOST   the SMTP client (smtpd)
 *	  SENDER, RECIPIENT   envelope addresses (one RECIPIENT per recipient)
 *	  REPLY        the SMTP reply given or received
 *	  SIZE, NRCPT  message size in bytes, number of recipients
 *	  DOMAIN, HOST the destination and the host tried (relay)
 *	  TLS_PROTOCOL, TLS_CIPHER   the session's TLS, when it has one (smtpd)
 *	  UID, USER    the real uid of inject's caller and its user name
 *	  REASON       why a session or handshake failed (smtpd, tlsd)
 *
 *	By default a line goes to stderr as
 *	    program: message key=value key=value
 *	(multilog and syslog-style collectors read that), keys in lower case.
 *	When JOURNAL_STREAM names stderr (systemd connected it to the journal),
 *	the line starts with "<N>" so journald records the priority.
 *	A program that links libsystemd calls log_journal_enable() after
 *	log_init(): then, under JOURNAL_STREAM, events go to sd_journal_send()
 *	with each field as a structured journal field. smtpd and inject, static
 *	musl programs without libsystemd, call log_journal_native_enable()
 *	instead: the same entries, sent by journald's native protocol to
 *	/run/systemd/journal/socket. Either way an event that cannot be sent
 *	is written to stderr as above.
 *
 *	A program that a user runs from a script (inject, sendmail) calls
 *	log_syslog_enable() after those: from then on, an event below LOG_WARNING
 *	(a success report) that no journal takes goes to syslog (LOG_MAIL) and
 *	never to stderr, so that the caller's stderr (and cron's mail) hears only
 *	of errors; errors and warnings still go to stderr (or the journal).
 *
 *	Every value and the formatted message are sanitised: bytes below 0x20,
 *	0x7f and non-UTF-8 never reach the log raw (they are written as \xHH), so
 *	peer data cannot forge log lines.
 *
 *	log_die() logs at LOG_ERR and exits with exitcode.
 */
#include <syslog.h>

#define LOG_FIELD_QUEUE_ID	"QUEUE_ID"
#define LOG_FIELD_RECEIVED_ID	"RECEIVED_ID"
#define LOG_FIELD_CLIENT_ADDR	"CLIENT_ADDR"
#define LOG_FIELD_CLIENT_PORT	"CLIENT_PORT"
#define LOG_FIELD_CLIENT_HOST	"CLIENT_HOST"
#define LOG_FIELD_SENDER	"SENDER"
#define LOG_FIELD_RECIPIENT	"RECIPIENT"
#define LOG_FIELD_REPLY		"REPLY"
#define LOG_FIELD_SIZE		"SIZE"
#define LOG_FIELD_NRCPT		"NRCPT"
#define LOG_FIELD_DOMAIN	"DOMAIN"
#define LOG_FIELD_HOST		"HOST"
#define LOG_FIELD_TLS_PROTOCOL	"TLS_PROTOCOL"
#define LOG_FIELD_TLS_CIPHER	"TLS_CIPHER"
#define LOG_FIELD_REASON	"REASON"
#define LOG_FIELD_UID		"UID"
#define LOG_FIELD_USER		"USER"
#define LOG_FIELD_AUTH_USER	"AUTH_USER"	/* the login after AUTH (or the one tried) */
#define LOG_FIELD_AUTH_MECH	"AUTH_MECH"

struct log_field {
	const char *key;
	const char *value;
};

void log_init(const char *program);
void log_journal_enable(void);
void log_journal_native_enable(void);
void log_syslog_enable(void);
void log_event(int priority, const struct log_field *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_die(int exitcode, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
const char *log_program(void);

#endif
