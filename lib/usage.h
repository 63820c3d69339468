#ifndef TERN_USAGE_H
#define TERN_USAGE_H
/*
 * NAME
 *	usage - the --help answer every program gives, and its misuse exit
 * SYNOPSIS
 *	void usage_help(int argc, char **argv, const char *text);
 *	void usage_die(int exitcode, const char *text);
 * DESCRIPTION
 *	text is a program's usage: its synopsis line(s), then one line per option
 *	or command saying what it does, then the manual page to read; it ends in
 *	a newline.
 *
 *	usage_help() looks at the arguments before the first "--": when one is
 *	"--help", it writes text to standard output and exits 0 (it exits 1 if
 *	that write fails, so that "prog --help > /dev/full" is not a success).
 *	Programs call it first, before the configuration is read, so --help
 *	works on a machine where tern is not configured yet.
 *
 *	usage_die() writes text to standard error, prefixed with the program's
 *	name (log_program()) on its first line, and exits exitcode: the answer to
 *	a wrong option or a missing argument.
 */

void usage_help(int argc, char **argv, const char *text);
void usage_die(int exitcode, const char *text) __attribute__((noreturn));

#endif
