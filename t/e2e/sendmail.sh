#!/usr/bin/env bash
# sendmail: the sendmail(1) interface end to end into a private instance:
# -t (To/Cc/Bcc, Bcc removed), -f, -F, -i/-oi and the "." line, LF/CR to
# CRLF, added Date:/Message-ID:/From:, sysexits codes, max-message-size and
# max-recipients with the reason, -bp and mailq, -bs;
# quiet on success (nothing on stdout or stderr, as cron wants), the queued
# event in syslog.
. t/lib.sh
t_netns "$@"
t_need queue/sendmail queue/inject queue/queuectl
t_instance
t_syslog_start
q=$(t_queue_dir)
sm=$T_ROOT/queue/sendmail

body_of() {
	"$T_PY" - "$q/mess/$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
n = int(d[-32:][11:31])
sys.stdout.buffer.write(d[:n])
EOF
}
rcpts_of() {
	"$T_PY" - "$q/mess/$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
n = int(d[-32:][11:31])
for r in d[n:-32].split(b"\0"):
    if r[:1] in (b"F", b"T"):
        print(r.decode())
EOF
}
tail_repr() {	# ID N: the last N bytes of the queued body, as a Python bytes repr
	"$T_PY" -c 'import sys; d = open(sys.argv[1], "rb").read(); n = int(d[-32:][11:31]); print(repr(d[:n][-int(sys.argv[2]):]))' "$q/mess/$1" "$2"
}
last_id() { ls -tr "$q/mess" | tail -n1; }

# --- -t: recipients from To, Cc, Bcc; Bcc removed; missing headers added
printf 'To: Joe <joe@example.test>, "a b" <ab@example.test>\nCc: team: c1@example.test, c2 (x) @example.test;\nBcc: hidden@example.test,\n  hidden2\nSubject: t1\n\nline one\n' \
	| "$sm" -t -f sender@example.org -F 'Ann "Q" Smith' 2>>"$T_TMP/err"
t_is "$?" 0 "-t: exit 0"
id=$(last_id)
t_is "$(rcpts_of "$id" | tr '\n' ' ')" "Fsender@example.org Tjoe@example.test Tab@example.test Tc1@example.test Tc2@example.test Thidden@example.test Thidden2@mx.example.test " \
	"-t: envelope from -f; recipients from To, Cc, Bcc (unqualified gets @hostname)"
b=$(body_of "$id")
t_unlike "$b" '^Bcc:|hidden' "-t: Bcc header removed with its continuation"
t_like "$b" $'^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}\r$' "Date: added (RFC 5322 form)"
t_like "$b" $'^Message-ID: <[^@ ]+@mx\\.example\\.test>\r$' "Message-ID: added @hostname"
t_like "$b" $'^From: "Ann \\\\"Q\\\\" Smith" <sender@example\\.org>\r$' "From: added with -F as a quoted phrase"
t_like "$b" $'^Subject: t1\r$' "existing header kept, CRLF"
t_like "$b" $'^line one\r$' "body LF became CRLF"
t_is "$(printf '%s' "$b" | grep -c $'\r$')" "$(printf '%s\n' "$b" | wc -l)" "every line ends in CRLF"

# --- existing Date/From/Message-ID are kept, not doubled; args are recipients
printf 'From: me@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <x@y>\n\nhi\n' \
	| "$sm" bob@example.test carol 2>>"$T_TMP/err"
t_is "$?" 0 "recipients as arguments: exit 0"
id=$(last_id)
b=$(body_of "$id")
t_is "$b" $'From: me@example.org\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nhi\r' \
	"headers present are kept as they are, nothing added"
t_is "$(rcpts_of "$id" | tr '\n' ' ')" "Froot@mx.example.test Tbob@example.test Tcarol@mx.example.test " \
	"default sender login@hostname; unqualified argument gets @hostname"

# --- quiet on success: not a byte on stdout or stderr; inject's event in syslog
out=$(printf 'Subject: quiet\n\nshh\n' | "$sm" quiet@example.test 2>&1)
t_is "$?" 0 "from a script: exit 0"
t_is "$out" "" "from a script: nothing on stdout or stderr"
id=$(last_id)
t_like "$(t_syslog_wait "inject\[[0-9]+\]: queued queue_id=$id ")" \
	"^<22>.* inject\[[0-9]+\]: queued queue_id=$id .*sender=root@mx\.example\.test nrcpt=1" \
	"the queued event is in syslog (facility mail, info) with the queue id"

# --- the "." line: ends input without -i, data with -i / -oi; lone CR
printf 'Subject: d\n\nbefore\n.\nafter\n' | "$sm" d@example.test
t_is "$(tail_repr "$(last_id)" 9)" "b'\\nbefore\\r\\n'" "without -i a line \".\" ends the input"
printf 'Subject: d\n\nbefore\n.\nafter\n' | "$sm" -i d@example.test
t_is "$(tail_repr "$(last_id)" 18)" "b'before\\r\\n.\\r\\nafter\\r\\n'" "-i: the \".\" line is data"
printf 'Subject: d\n\n.\n..x\r\nold\rmac\n' | "$sm" -oi d@example.test
t_is "$(tail_repr "$(last_id)" 22)" "b'\\r\\n\\r\\n.\\r\\n..x\\r\\nold\\r\\nmac\\r\\n'" "-oi: same; CRLF kept, lone CR made CRLF, no dot-stuffing stored"
printf 'no headers at all\n' | "$sm" d@example.test
t_like "$(body_of "$(last_id)")" $'^From: (root <root@mx\\.example\\.test>|root@mx\\.example\\.test)\r$' "headerless input gets headers"
t_like "$(body_of "$(last_id)")" $'\r\n\r\nno headers at all\r$' "and the text stays the body"

# --- exit codes (sysexits.h)
n_before=$(ls "$q/mess" | wc -l)
printf 'Subject: x\n\n' | "$sm" 2>"$T_TMP/e"; t_is "$?" 64 "no recipients: EX_USAGE"
printf 'Subject: x\n\n' | "$sm" -t 2>"$T_TMP/e"; t_is "$?" 64 "-t without To/Cc/Bcc: EX_USAGE"
printf 'x\n' | "$sm" 'bad address@@x' 2>"$T_TMP/e"; t_is "$?" 65 "invalid recipient: EX_DATAERR"
t_like "$(cat "$T_TMP/e")" '^sendmail: invalid recipient address' "and says so"
printf 'x\n' | "$sm" -q 2>/dev/null; t_is "$?" 64 "unknown option: EX_USAGE"
printf 'x\n' | TERN_CONFDIR=$T_TMP/none "$sm" a@example.test 2>/dev/null; t_is "$?" 78 "missing configuration: EX_CONFIG"
printf 'x\n' | TERN_QUEUE=$T_TMP/no-injector "$sm" a@example.test 2>"$T_TMP/e"; t_is "$?" 69 "injector missing: EX_UNAVAILABLE"
# the one table (queue_client.h): 11-40 and 91 permanent, the rest temporary
for pair in "53 75" "91 65" "11 65" "81 75" "31 69" "12 69" "40 69" "41 75" "55 75" "100 75"; do
	set -- $pair
	printf '#!/bin/sh\ncat >/dev/null; cat <&1 >/dev/null 2>&1; exit %s\n' "$1" > "$T_TMP/fake$1"
	chmod +x "$T_TMP/fake$1"
	printf 'x\n' | TERN_QUEUE=$T_TMP/fake$1 "$sm" a@example.test 2>"$T_TMP/e"
	t_is "$?" "$2" "injector exit $1 gives sysexits $2"
done
t_like "$(cat "$T_TMP/e")" '^sendmail: .*\(exit 100\) .*try again later$' "a temporary failure says to try again"
printf '#!/bin/sh\nexit 31\n' > "$T_TMP/fake31b"; chmod +x "$T_TMP/fake31b"
printf 'x\n' | TERN_QUEUE=$T_TMP/fake31b "$sm" a@example.test 2>"$T_TMP/e"
t_like "$(cat "$T_TMP/e")" '^sendmail: message permanently refused by the queue .*5\.3\.0.*refused permanently$' \
	"a permanent one says so, with the queue program's status"
# the queue program gets a fixed environment, not the caller's
printf '#!/bin/sh\ncat >/dev/null; cat <&1 >/dev/null; env > "%s/qenv"\n' "$T_TMP" > "$T_TMP/envdump"
chmod +x "$T_TMP/envdump"
printf 'x\n' | LEAKME=1 TERN_QUEUE=$T_TMP/envdump "$sm" a@example.test 2>"$T_TMP/e"
t_is "$?" 0 "a queue program that exits 0 after the envelope: queued"
t_unlike "$(cat "$T_TMP/qenv")" '^LEAKME=' "the caller's environment does not reach the queue program"
t_like "$(cat "$T_TMP/qenv")" "^TERN_CONFDIR=$TERN_CONFDIR\$" "... but TERN_CONFDIR does (sendmail is not setuid)"
t_like "$(cat "$T_TMP/qenv")" '^PATH=/usr/local/bin:/usr/bin:/bin$' "... and a fixed PATH"
t_is "$(ls "$q/mess" | wc -l)" "$n_before" "no failed run queued anything"

# --- max-message-size and max-recipients, with the reason on stderr
main_inst=$T_INST main_conf=$TERN_CONFDIR
t_instance --set 'max-message-size 1M' --set 'max-recipients 3' >/dev/null
lq=$(t_queue_dir)
{ printf 'Subject: big\n\n'; head -c 5000000 /dev/zero | tr '\0' 'z' | fold -w 76; } > "$T_TMP/5M"
"$sm" big@example.test < "$T_TMP/5M" 2>"$T_TMP/e"
t_is "$?" 65 "a 5 MB message with max-message-size 1M: EX_DATAERR"
t_is "$(cat "$T_TMP/e")" "sendmail: message exceeds max-message-size 1M; not queued" "... and says why"
printf 'Subject: x\n\nx\n' | "$sm" a@example.test b@example.test c@example.test d@example.test 2>"$T_TMP/e"
t_is "$?" 65 "4 recipients with max-recipients 3: EX_DATAERR"
t_is "$(cat "$T_TMP/e")" "sendmail: 4 recipients, more than max-recipients 3; not queued" "... and says why"
t_is "$(ls "$lq/mess" | wc -l)" 0 "neither was queued"
head -c 1000000 "$T_TMP/5M" | "$sm" a@example.test b@example.test c@example.test 2>"$T_TMP/e"
t_is "$?" 0 "within both limits: queued"
t_is "$(ls "$lq/mess" | wc -l)" 1 "... once"
export TERN_INSTANCE=$main_inst TERN_CONFDIR=$main_conf
T_INST=$main_inst
printf 'x\n' | "$sm" -oem -odi -odb -v -em -B 8BITMIME -N never a@example.test 2>/dev/null
t_is "$?" 0 "common ignored flags are accepted"

# --- -bp and mailq
list=$("$sm" -bp)
t_like "$list" "^$(last_id) [0-9]+[smhd] [0-9]+ <root@mx\\.example\\.test>\$" "-bp lists the queue"
t_like "$list" '^  pending a@example\.test attempts=0 next=now reply=-$' "-bp shows each recipient's state"
ln -sf "$sm" "$T_TMP/mailq"
# The age column may tick between two listings: compared without it (its
# form is checked above).
# (An id may end in a letter; a later retry time ticks as well.)
no_age() { sed -E 's/^([0-9A-Za-z]+) [0-9]+[smhd] /\1 AGE /; s/ next=in [0-9]+[smhd] / next=in T /'; }
t_is "$("$T_TMP/mailq" | no_age)" "$(no_age <<<"$list")" "mailq (argv[0]) is the same listing"
t_is "$(queue/queuectl list | no_age)" "$(no_age <<<"$list")" "queuectl list is the same listing"

# --- -bs: SMTP on stdin, as a relay client
if [ -x smtpd/smtpd ]; then
	n_before=$(ls "$q/mess" | wc -l)
	out=$(printf 'HELO local\r\nMAIL FROM:<u@example.org>\r\nRCPT TO:<far@elsewhere.example>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' \
		| TERN_SMTPD=$T_ROOT/smtpd/smtpd "$sm" -bs 2>"$T_TMP/bs.err")
	t_like "$out" '^250 .*' "-bs: smtpd answers on stdout"
	t_unlike "$out" '^5[0-9][0-9] ' "-bs: relaying allowed (RELAYCLIENT), nothing refused"
	t_is "$(ls "$q/mess" | wc -l)" "$((n_before + 1))" "-bs: the message was queued"
	t_like "$(rcpts_of "$(last_id)")" '^Tfar@elsewhere\.example$' "-bs: to the outside recipient"
else
	t_skip "-bs" "smtpd/smtpd not built"
fi
