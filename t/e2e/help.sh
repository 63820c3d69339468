#!/usr/bin/env bash
# help: every program of the build (the makefile's PROGRAMS, which make check
# passes as T_PROGRAMS; by hand, the PROGRAMS += lines of */build.mk) answers
# --help with its usage on standard output, nothing on standard error, exit 0,
# without a configuration (a fresh machine) and without reading its input.
# A program added to PROGRAMS is covered without touching this test.
. t/lib.sh
t_netns "$@"
t_tmpdir
progs=${T_PROGRAMS:-$(sed -n 's/^PROGRAMS *+= *//p' */build.mk)}
t_like "$progs" 'smtpd/smtpd' "the list of programs holds smtpd (it is not empty)"
for p in $progs; do
	t_need "$p"
	out=$(TERN_CONFDIR=$T_TMP/none timeout 10 "$T_ROOT/$p" --help < /dev/null 2> "$T_TMP/err")
	t_is "$?" 0 "$p --help: exit 0"
	t_like "$out" "^usage: ${p##*/}" "$p --help: usage on standard output"
	t_like "$out" '--help' "$p --help: the usage lists --help too"
	t_is "$(cat "$T_TMP/err")" "" "$p --help: nothing on standard error"
	t_unlike "$("$T_ROOT/$p" --help 2>&1 > /dev/full; echo "rc=$?")" '^rc=0$' \
		"$p --help: a failed write of the usage is no success"
done

# A wrong option: the usage on standard error, a failing exit.
for p in smtpd/smtpd relay/relay queue/queuectl; do
	out=$(TERN_CONFDIR=$T_TMP/none "$T_ROOT/$p" -Z 2>&1 > /dev/null < /dev/null); rc=$?
	t_unlike "$rc" '^0$' "$p -Z: fails"
	t_like "$out" "usage: ${p##*/}" "$p -Z: the usage on standard error"
done
out=$(TERN_CONFDIR=$T_TMP/none "$T_ROOT/queue/sendmail" -Z 2>&1 < /dev/null)
t_is "$?" 64 "sendmail -Z: EX_USAGE"
t_like "$out" '^sendmail: unknown option -Z \(sendmail --help lists them\)$' "sendmail -Z: says where the options are"

# A missing configuration names the file and the fix.
out=$(TERN_CONFDIR=$T_TMP/none "$T_ROOT/queue/queuectl" list 2>&1)
t_like "$out" "$T_TMP/none/tern.conf: cannot open: No such file or directory \(tern refuses to run without it: create it \(tern.conf\(5\)\)" \
	"a missing tern.conf: the file and the fix"
