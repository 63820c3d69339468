#!/usr/bin/env bash
# log_journal: smtpd and inject log to the journal with structured fields
# (log.h, smtpd(8), inject(8)) through journald's native protocol, without libsystemd
# (lib/log_journal_native.c). A private /run (tmpfs, in this test's mount
# namespace) holds a stand-in journald: a Python datagram socket at
# /run/systemd/journal/socket that stores what it receives. Checks: under
# JOURNAL_STREAM (naming smtpd's stderr) each event is one datagram of
# KEY=value lines with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the event's
# fields, nothing goes to stderr, and every datagram is well formed; inject
# run by smtpd (a clean environment: no JOURNAL_STREAM) logs to syslog, not stderr; a
# non-setuid inject with JOURNAL_STREAM sends its QUEUE_ID the same way;
# without journald the events fall back to "<N>smtpd: ..." lines on stderr;
# without JOURNAL_STREAM nothing is sent to the socket. The relay (linked
# with libsystemd: sd_journal_sendv(), the same socket) sends its delivery
# events with the same field names (log.h): QUEUE_ID, RECIPIENT, REPLY.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject relay/relay
t_instance
mount -t tmpfs tmpfs /run || t_bail "cannot mount a private /run"
t_syslog_start
mkdir -p /run/systemd/journal
jdir=$T_TMP/journal; mkdir -p "$jdir"

# journald_start: the stand-in journald; each datagram becomes $jdir/N.
journald_start() {
	"$T_PY" - "$jdir" <<'EOF' &
import os, socket, sys
d = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
os.chmod("/run/systemd/journal/socket", 0o666)   # as journald's: smtpd sends after dropping root
open(os.path.join(d, "ready"), "w").close()
n = 0
while True:
    data = s.recv(65536)
    n += 1
    with open(os.path.join(d, ".%d" % n), "wb") as f:   # whole before it counts
        f.write(data)
    os.rename(os.path.join(d, ".%d" % n), os.path.join(d, str(n)))
EOF
	journald_pid=$!
	t_wait_for 60 test -e "$jdir/ready" && return 0
	t_bail "stand-in journald did not start"
}
journald_stop() {
	kill "$journald_pid" 2>/dev/null; wait "$journald_pid" 2>/dev/null
	rm -f /run/systemd/journal/socket "$jdir/ready" "$jdir"/[0-9]* "$jdir"/.[0-9]*
}
# count: datagrams stored so far (the stand-in stores each a moment after
# the sender is done; journald_stop forgets them).
count() { ls "$jdir" | grep -vc ready; }
# journal_sync: send a datagram of our own and wait until it is stored: the
# socket keeps datagrams in order, so everything a program that has exited
# sent is stored by then. Prints the marker's file name.
journal_sync() {
	local n=$(($(count) + 1)) m
	m="MESSAGE=sync $n"
	"$T_PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode() + b"\n", "/run/systemd/journal/socket")' "$m"
	t_wait_for 60 eval 'grep -lx -- "$m" "$jdir"/[0-9]* >/dev/null 2>&1' ||
		t_bail "stand-in journald stored no sync datagram"
	grep -lx -- "$m" "$jdir"/[0-9]* | head -n1
}
# malformed: the datagrams that are not KEY=value lines (a valid name, no
# control byte in a value), one file name per line.
malformed() {
	for f in $(ls "$jdir" | grep -v ready); do
		"$T_PY" -c 'import re, sys
d = open(sys.argv[1], "rb").read()
ok = d.endswith(b"\n") and all(re.fullmatch(rb"[A-Z][A-Z0-9_]{0,63}=[^\x00-\x1f\x7f]*", l) for l in d[:-1].split(b"\n"))
print("" if ok else sys.argv[1])' "$jdir/$f"
	done | grep .
}
# entries: every datagram received so far, separated by "--".
entries() { for f in $(ls "$jdir" | grep -v ready | sort -n); do cat "$jdir/$f"; echo --; done; }

# run_smtpd ERRFILE [VAR=VALUE...]: one session on a pipe, stderr to ERRFILE,
# JOURNAL_STREAM naming ERRFILE (unless JOURNAL_STREAM= is given).
run_smtpd() {
	local err=$1; shift
	: > "$err"
	printf 'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: j\r\n\r\nbody\r\n.\r\nQUIT\r\n' |
		env REMOTE_ADDR=192.0.2.7 REMOTE_PORT=4711 JOURNAL_STREAM="$(stat -c %d:%i "$err")" "$@" \
		"$T_ROOT/smtpd/smtpd" > "$T_TMP/smtpd.out" 2>> "$err"
}

# --- smtpd, journald present ------------------------------------------------------
journald_start
run_smtpd "$T_TMP/smtpd1.err"
journal_sync >/dev/null	# connect, message accepted, then the marker
t_like "$(cat "$T_TMP/smtpd.out")" '250 2\.0\.0 Ok: queued as' "the message was queued"
e=$(entries)
t_like "$e" '^MESSAGE=message accepted' "smtpd's 'message accepted' event reached the journal socket"
acc=$(printf '%s\n' "$e" | awk '/^MESSAGE=message accepted/{on=1} on{print} /^--$/{if(on)exit}')
t_like "$acc" '^PRIORITY=6$' "PRIORITY is LOG_INFO (6)"
t_like "$acc" '^SYSLOG_IDENTIFIER=smtpd$' "SYSLOG_IDENTIFIER=smtpd"
t_like "$acc" '^CLIENT_ADDR=192\.0\.2\.7$' "CLIENT_ADDR is a structured field"
t_like "$acc" '^SENDER=a@client\.test$' "SENDER is a structured field"
t_like "$acc" '^RECIPIENT=b@example\.test$' "RECIPIENT is a structured field"
t_like "$acc" '^RECEIVED_ID=[0-9A-F]+$' "RECEIVED_ID is a structured field"
t_like "$acc" '^REPLY=250 2\.0\.0 Ok: queued as' "REPLY is a structured field"
bad=$(malformed)
t_is "$bad" "" "every datagram is KEY=value lines (valid names, no control byte in a value)"
smtpd_lines=$(grep -c '^<\?[0-9]*>\?smtpd:' "$T_TMP/smtpd1.err")
t_is "$smtpd_lines" 0 "with journald there, smtpd writes no log line to stderr"
t_unlike "$(cat "$T_TMP/smtpd1.err")" '^inject: ' \
	"inject (run by smtpd with a clean environment) writes nothing to stderr on success"
t_like "$(t_syslog_wait 'inject\[[0-9]+\]: queued queue_id=')" 'received_id=[0-9A-F]+ ' \
	"... it logs to syslog (where journald also listens under systemd)"

# --- inject on its own (not setuid) under JOURNAL_STREAM ---------------------------
: > "$T_TMP/inject.err"
printf 'Subject: direct\r\n\r\nx\r\n' | JOURNAL_STREAM="$(stat -c %d:%i "$T_TMP/inject.err")" \
	"$T_ROOT/queue/inject" 1< <(printf 'Fa@client.test\0Tb@example.test\0\0') 2>> "$T_TMP/inject.err"
t_is "$?" 0 "inject exits 0"
journal_sync >/dev/null
t_like "$(entries)" '^QUEUE_ID=[0-9A-Fa-z]+$' "inject's QUEUE_ID is a structured field"
t_is "$(cat "$T_TMP/inject.err")" "" "inject writes nothing to stderr then"

# --- no JOURNAL_STREAM: nothing to the socket -----------------------------------------
before=$(count)
run_smtpd "$T_TMP/smtpd2.err" JOURNAL_STREAM=
t_is "$(basename "$(journal_sync)")" "$((before + 1))" \
	"without JOURNAL_STREAM smtpd sends nothing to journald (the next datagram is ours)"
t_like "$(cat "$T_TMP/smtpd2.err")" '^smtpd: message accepted ' "... and logs plain lines to stderr"
journald_stop

# --- journald gone: fall back to stderr with the priority prefix ------------------------
run_smtpd "$T_TMP/smtpd3.err"
t_like "$(cat "$T_TMP/smtpd3.err")" '^<6>smtpd: message accepted .*client_addr=192\.0\.2\.7' \
	"without a journal socket, events go to stderr as <6>smtpd: lines"
t_like "$(cat "$T_TMP/smtpd.out")" '250 2\.0\.0 Ok: queued as' "... and the session is unaffected"

# --- the relay: libsystemd's sd_journal_sendv(), the same fields (log.h) ------------
journald_start
sinkport=$(t_free_port)
t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink"
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport"
printf 'Subject: r\r\n\r\nrelay me\r\n' |
	"$T_ROOT/queue/inject" 1< <(printf 'Fa@client.test\0Tok@remote.test\0\0') 2>/dev/null
id=$(t_queue_ids | tail -n1)
: > "$T_TMP/relay.err"
JOURNAL_STREAM="$(stat -c %d:%i "$T_TMP/relay.err")" timeout 60 "$T_ROOT/relay/relay" -1 2>> "$T_TMP/relay.err"
t_is "$?" 0 "relay -1 delivered the queue and exited 0"
journal_sync >/dev/null	# relay -1 has exited: its entries are all in
del=$(for f in $(ls "$jdir" | grep -v ready | sort -n); do
	grep -q '^MESSAGE=delivered' "$jdir/$f" && cat "$jdir/$f"; done)
t_like "$del" '^SYSLOG_IDENTIFIER=relay$' "the relay's 'delivered' event reached the journal socket"
t_like "$del" '^PRIORITY=6$' "... PRIORITY is LOG_INFO (6)"
t_like "$del" "^QUEUE_ID=$id\$" "... QUEUE_ID is a structured field, the queue id"
t_like "$del" '^RECIPIENT=ok@remote\.test$' "... RECIPIENT is a structured field"
t_like "$del" '^REPLY=127\.0\.0\.2 said: 250 ' "... REPLY is the remote server's reply"
t_like "$del" "^MESSAGE=delivered queue_id=$id recipient=ok@remote\\.test reply=\"127\\.0\\.0\\.2 said: 250 " \
	"... MESSAGE holds the same as the stderr line"
t_unlike "$(cat "$T_TMP/relay.err")" '^(<[0-9]>)?relay: delivered' \
	"with the journal there, the relay writes its events there, not to stderr"
bad=$(malformed)
t_is "$bad" "" "the relay's datagrams are KEY=value lines too"
journald_stop
