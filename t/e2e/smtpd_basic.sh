#!/usr/bin/env bash
# smtpd end to end on loopback, smtpd under systemd-socket-activate --accept
# (and tcpserver): EHLO extensions, messages from Python smtplib and swaks queued
# byte for byte (Received line + body, dot-unstuffing), PIPELINING batches
# answered in order, relay denial and the two ways to allow relaying
# (RELAYCLIENT, relay-net).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject swaks systemd-socket-activate tcpserver
t_instance
port=2525
t_start_smtpd_sa 127.0.0.1 $port

# check_received FILE RID RCPT PROTO DESC: FILE (a queued message) starts
# with exactly the Received: field smtpd/received.h documents (RFC 5321 §4.4):
#	Received: from client.test ([127.0.0.1])
#		by mx.example.test (tern) with PROTO id RID
#		for <RCPT>;               (only when RCPT is not empty)
#		Thu, 01 Jan 1970 00:00:00 +0000
# (the date checked for its RFC 5322 form); the rest goes to FILE.rest.
check_received() {
	local f=$1 rid=$2 rcpt=$3 proto=$4 desc=$5 diag
	if diag=$("$T_PY" - "$f" "$rid" "$rcpt" "$proto" <<'EOF'
import re, sys
path, rid, rcpt, proto = sys.argv[1:5]
data = open(path, "rb").read()
pat = (b"Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n"
       b"\tby mx\\.example\\.test \\(tern\\) with " + re.escape(proto.encode()) +
       b" id " + re.escape(rid.encode()) +
       (b"\r\n\tfor <" + re.escape(rcpt.encode()) + b">" if rcpt else b"") +
       b";\r\n\t(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
       b"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 2[0-9]{3} "
       b"[0-2][0-9]:[0-5][0-9]:[0-6][0-9] [-+][0-9]{4}\r\n")
m = re.match(pat, data)
if not m:
    sys.stdout.write("got: " + repr(data[:300]))
    sys.exit(1)
open(path + ".rest", "wb").write(data[m.end():])
EOF
	); then
		t_pass "$desc: Received field exactly: HELO, [127.0.0.1], by, $proto, id $rid${rcpt:+, for <$rcpt>}, date"
	else
		t_fail "$desc: Received field exactly as smtpd/received.h says" "$diag"
		: > "$f.rest"
	fi
}

# --- EHLO -----------------------------------------------------------------
out=$(t_smtp_chat 127.0.0.1 $port 'EHLO client.test' 'QUIT' | tr -d '\r')
t_like "$out" '^220 mx\.example\.test' "greeting names the configured hostname"
for ext in PIPELINING 'SIZE [0-9]+' 8BITMIME ENHANCEDSTATUSCODES SMTPUTF8; do
	t_like "$out" "^250[- ]$ext\$" "EHLO offers $ext"
done
t_like "$out" '^221 ' "QUIT gets 221"

# --- smtplib: exact bytes, dot-unstuffing ----------------------------------
printf 'From: a@client.test\r\nTo: b@example.test\r\nSubject: dots\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n.\r\n. space\r\nlast line\r\n' > "$T_TMP/msg1"

# smtplib_check PORT LABEL: send msg1 with Python smtplib to 127.0.0.1:PORT
# and check the queued copy byte for byte.
smtplib_check() {
	local port=$1 label=$2 reply rid id
	reply=$("$T_PY" - "$port" "$T_TMP/msg1" <<'EOF'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test", timeout=30)
s.ehlo("client.test")
s.mail("a@client.test")
s.rcpt("b@example.test")
code, text = s.data(open(sys.argv[2], "rb").read())
print(code, text.decode())
s.quit()
EOF
	)
	t_like "$reply" '^250 2\.0\.0 .*queued as [A-Za-z0-9.-]+' "$label: DATA gets 250 2.0.0 queued as ID"
	rid=$(sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p' <<<"$reply")
	id=$(t_queue_find_rid "$rid")
	t_ok "$label: a queued message carries the reply's id ($rid) in its i record" test -n "$id"
	[ -n "$id" ] || return
	t_queue_message "$id" > "$T_TMP/q1"
	check_received "$T_TMP/q1" "$rid" b@example.test ESMTP "$label"
	t_file_is "$T_TMP/q1.rest" "$T_TMP/msg1" "$label: queued body is the client's message, dot-unstuffed, byte for byte"
	t_is "$(t_queue_envelope "$id" | grep -E '^[FT]')" "Fa@client.test
Tb@example.test" "$label: envelope sender and recipient"
}
smtplib_check $port "smtplib via systemd-socket-activate"
t_start_smtpd_tcpserver 127.0.0.1 2530
smtplib_check 2530 "smtplib via tcpserver"

# --- swaks -------------------------------------------------------------------
# swaks sends a --data file as is when it ends with the "." line itself.
printf 'From: c@client.test\r\nSubject: swaks\r\n\r\nhello from swaks\r\n.dot\r\n' > "$T_TMP/msg2"
printf '.\r\n' | cat "$T_TMP/msg2" - > "$T_TMP/msg2.swaks"
before=$(t_queue_count)
out=$(swaks --server 127.0.0.1:$port --helo client.test --from c@client.test \
	--to 'D@Example.Test' --data "@$T_TMP/msg2.swaks" --pipeline 2>&1)
t_like "$out" '<[-~] +250 2\.0\.0 .*queued as' "swaks (pipelining): 250 queued"
t_is "$(t_queue_count)" $((before + 1)) "swaks: one more message in the queue"
rid=$(sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p' <<<"$out" | head -n1)
id=$(t_queue_find_rid "$rid")
if [ -n "$id" ]; then
	t_queue_message "$id" > "$T_TMP/q2"
	check_received "$T_TMP/q2" "$rid" D@Example.Test ESMTP "swaks"
	t_file_is "$T_TMP/q2.rest" "$T_TMP/msg2" "swaks: queued body byte for byte"
else
	t_fail "swaks: message with id $rid found in the queue"
fi

# --- HELO (not EHLO): protocol SMTP --------------------------------------------
out=$(t_smtp_batches 127.0.0.1 $port 4 $'HELO client.test\r\nMAIL FROM:<h@client.test>\r\nRCPT TO:<e@example.test>\r\nDATA\r\n' 2 $'Subject: helo\r\n\r\nbody\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "HELO session: replies"
rid=$(tr -d '\r' <<<"$out" | sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p')
id=$(t_queue_find_rid "$rid")
if [ -n "$id" ]; then
	t_queue_message "$id" > "$T_TMP/q3"
	check_received "$T_TMP/q3" "$rid" e@example.test SMTP "HELO"
	printf 'Subject: helo\r\n\r\nbody\r\n' > "$T_TMP/msg3"
	t_file_is "$T_TMP/q3.rest" "$T_TMP/msg3" "HELO: queued body byte for byte"
else
	t_fail "HELO: message with id '$rid' found in the queue"
fi

# --- PIPELINING (RFC 2920): batches, replies in order ----------------------------
before=$(t_queue_count)
out=$(t_smtp_batches 127.0.0.1 $port \
	6 $'EHLO client.test\r\nMAIL FROM:<p@client.test>\r\nRCPT TO:<one@example.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<two@example.test>\r\nDATA\r\n' \
	6 $'Subject: pipelined\r\n\r\nfirst\r\n.\r\nMAIL FROM:<q@client.test>\r\nRCPT TO:<three@example.test>\r\nRSET\r\nNOOP\r\nMAIL FROM:<r@client.test>\r\n' \
	3 $'RCPT TO:<four@example.test>\r\nDATA\r\nSubject: second\r\n\r\nsecond\r\n.\r\nQUIT\r\n')
t_is "$(t_codes "$out")" "220 250 250 250 550 250 354 250 250 250 250 250 250 250 354 250 221" \
	"pipelined batches: one reply per command, in order (550 for the foreign recipient)"
t_like "$out" $'^550 5\\.7\\.1 ' "pipelined: foreign recipient refused with 550 5.7.1"
t_is "$(t_queue_count)" $((before + 2)) "pipelined: two messages queued"
rids=$(tr -d '\r' <<<"$out" | sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p')
set -- $rids
if [ $# -eq 2 ]; then
	e1=$(t_queue_envelope "$(t_queue_find_rid "$1")" | grep -E '^[FT]')
	e2=$(t_queue_envelope "$(t_queue_find_rid "$2")" | grep -E '^[FT]')
	t_is "$e1" "Fp@client.test
Tone@example.test
Ttwo@example.test" "pipelined: first envelope (refused recipient left out)"
	t_is "$e2" "Fr@client.test
Tfour@example.test" "pipelined: second envelope (RSET dropped q@ and three@)"
else
	t_fail "pipelined: two queued-as ids in the replies" "$out"
fi

# --- relay denial and allowing ---------------------------------------------------
deny=$(t_smtp_batches 127.0.0.1 $port 3 $'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<x@elsewhere.test>\r\n' 0 $'QUIT\r\n')
t_like "$deny" $'^550 5\\.7\\.1 ' "no relay networks, no RELAYCLIENT: foreign recipient gets 550 5.7.1"
deny=$(t_smtp_batches 127.0.0.1 $port 3 $'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<x@example.test.evil.test>\r\n' 0 $'QUIT\r\n')
t_like "$deny" $'^550 5\\.7\\.1 ' "a domain that only starts with an accepted one is foreign"
deny=$(t_smtp_batches 127.0.0.1 $port 3 $'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<x@[127.0.0.1]>\r\n' 0 $'QUIT\r\n')
t_like "$deny" $'^550 5\\.7\\.1 ' "an address literal is foreign unless listed"

relay_session() {
	t_smtp_batches 127.0.0.1 "$1" 4 $'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<x@elsewhere.test>\r\nDATA\r\n' 2 $'Subject: relay\r\n\r\nrelayed\r\n.\r\nQUIT\r\n'
}
t_start_smtpd_sa 127.0.0.1 2526 RELAYCLIENT=
out=$(relay_session 2526)
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "RELAYCLIENT set: foreign recipient accepted and queued"

t_instance --relay-net 10.0.0.0/8 --relay-net 127.0.0.0/30 --relay-net ::1/128
t_start_smtpd_sa 127.0.0.1 2527
out=$(relay_session 2527)
t_is "$(t_codes "$out")" "220 250 250 250 354 250 221" "client in relay-net 127.0.0.0/30: foreign recipient accepted"
t_is "$(t_queue_count)" 1 "relay-net instance: one message queued"

t_instance --relay-net 127.0.0.2/32 --relay-net ::1/128
t_start_smtpd_sa 127.0.0.1 2528
out=$(relay_session 2528)
t_like "$out" $'^550 5\\.7\\.1 ' "client outside relay-net 127.0.0.2/32: 550 5.7.1"
t_is "$(t_queue_count)" 0 "outside relay-net: nothing queued"

# A configuration smtpd cannot load: one exact 421 line to the client (RFC 5321
# §3.8), exit 1, the problem with file and line in the log, nothing queued.
t_instance --set 'max-recipients none'
out=$(printf 'EHLO client.test\r\n' | "$T_ROOT/smtpd/smtpd" 2>"$T_TMP/badconf.err" | od -An -c | tr -s ' \n' ' ')
t_is "$out" "$(printf '421 4.3.0 Service not available: configuration error\r\n' | od -An -c | tr -s ' \n' ' ')" \
	"bad configuration: exactly one 421 4.3.0 line"
t_like "$(cat "$T_TMP/badconf.err")" "configuration: $T_INST/etc/tern\\.conf:[0-9]+: max-recipients: 'none': not a number" \
	"bad configuration: the log names file, line and problem"
printf 'EHLO client.test\r\n' | "$T_ROOT/smtpd/smtpd" >/dev/null 2>&1
t_is "$?" 1 "bad configuration: smtpd exits 1"
