#!/usr/bin/env bash
# smtpd ⇄ inject -S, the session protocol (inject(8)): one injector for all
# the messages of an SMTP session. Several messages in one session each get
# their own queue id, and each 250 comes only once its file is committed in
# mess/; an ABORT (a refused message) keeps the injector; an injector killed
# in the middle of a message gives 451 for that message and the next one is
# queued by a new injector; a queue program not named inject (a qmail-queue
# filter) still gets the classic protocol once per message, its attributes
# in its environment. inject -S driven directly: frames it refuses (unknown
# type, a length past its bound, an ATTR after DATA, a malformed attribute,
# a truncated frame) end it with the classic exit code and nothing queued;
# smtpd going silent ends it with 52; the end of input between messages is
# exit 0.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject systemd-socket-activate
t_instance --set 'data-timeout 2s'
real=$TERN_QUEUE
w=$T_TMP/w
mkdir -p "$w/session" "$w/filter" && chmod 0777 "$w" "$w/session" "$w/filter"

# a wrapper named inject (session protocol) and one named filter (classic):
# each logs its pid, arguments and attributes, then becomes the real injector
for name in session/inject filter/filter; do
	cat > "$w/$name" <<EOF
#!/bin/sh
echo "\$\$ \$* rid=\${TERN_RECEIVED_ID:-none}" >> '$w/${name%%/*}.log'
echo \$\$ > '$w/${name%%/*}.pid'
exec '$real' "\$@"
EOF
	chmod 0755 "$w/$name"
done

# client PORT SCRIPT...: an SMTP client in Python; SCRIPT steps, one per
# argument: "msg TAG" sends one transaction and prints its final reply and
# whether mess/ held the id of a 250 at the moment the 250 arrived; "kill
# TAG" sends half a message, SIGKILLs the injector (its pid from the
# wrapper), then ends the data; "nul TAG" sends a message with a NUL byte.
client() {
	local port=$1; shift
	"$T_PY" - "$port" "$T_INST/queue/mess" "$w/session.pid" "$@" <<'EOF'
import os, signal, socket, sys, time
port, mess, pidfile, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
s = socket.create_connection(("127.0.0.1", port), timeout=60)
f = s.makefile("rb")
def reply():
    text = b""
    while True:
        l = f.readline()
        if not l:
            return text.decode("latin-1")
        text += l
        if len(l) < 4 or l[3:4] != b"-":
            return text.decode("latin-1")
def cmd(line):
    s.sendall(line.encode() + b"\r\n")
    return reply()
reply()
cmd("EHLO client.test")
for step in steps:
    what, tag = step.split(" ", 1)
    cmd("MAIL FROM:<a@client.test>")
    cmd("RCPT TO:<%s@example.test>" % tag)
    cmd("DATA")
    head = ("Subject: %s\r\n\r\n" % tag).encode() + b"line\r\n" * 50
    if what == "nul":
        head += b"a\0b\r\n"
    s.sendall(head)
    if what == "kill":
        time.sleep(0.2)      # the injector has the first part; not a timing assertion
        os.kill(int(open(pidfile).read()), signal.SIGKILL)
    s.sendall(b"end\r\n.\r\n")
    r = reply().strip()
    committed = "-"
    if r.startswith("250 "):
        committed = "committed" if os.path.exists(os.path.join(mess, r.split()[-1])) else "NOT-IN-MESS"
    print(tag, r.split()[0], committed, r.split()[-1])
cmd("QUIT")
EOF
}

# --- several messages, one injector -------------------------------------------------
port=$(t_free_port)
TERN_QUEUE=$w/session/inject t_start_smtpd_sa 127.0.0.1 "$port"
out=$(client "$port" "msg m1" "msg m2" "msg m3")
t_is "$(awk '{print $2, $3}' <<<"$out" | paste -sd,)" "250 committed,250 committed,250 committed" \
	"three messages in one session: each 250 only with its file in mess/"
ids=$(awk '{print $4}' <<<"$out" | sort -u | wc -l)
t_is "$ids" 3 "each message has its own queue id"
t_is "$(wc -l < "$w/session.log")" 1 "one injector served the session"
t_like "$(cat "$w/session.log")" '^[0-9]+ -S rid=none$' "started as inject -S, without TERN_RECEIVED_ID in its environment"
for id in $(awk '{print $4}' <<<"$out"); do
	t_is "$(t_queue_envelope "$id" | grep '^i')" "i$id" "the ATTR frame carried TERN_RECEIVED_ID: $id is both the received and the queue id"
done

# --- a refused message (ABORT) keeps the injector --------------------------------------
rm -f "$w/session.log"
out=$(client "$port" "msg a1" "nul a2" "msg a3")
t_is "$(awk '{print $1, $2, $3}' <<<"$out" | paste -sd,)" "a1 250 committed,a2 554 -,a3 250 committed" \
	"a message with a NUL is refused in the middle of a session, the next one is queued"
t_is "$(wc -l < "$w/session.log")" 1 "the refused message did not cost an injector"
t_is "$(grep -l 'Subject: a2' "$T_INST/queue/mess"/* 2>/dev/null | wc -l)" 0 "nothing of the refused message is queued"

# --- the injector killed in the middle of a message -------------------------------------
rm -f "$w/session.log"
out=$(client "$port" "msg k1" "kill k2" "msg k3")
t_is "$(awk '{print $1, $2, $3}' <<<"$out" | paste -sd,)" "k1 250 committed,k2 451 -,k3 250 committed" \
	"injector killed during a message: 451 for it, the next message is queued"
t_is "$(wc -l < "$w/session.log")" 2 "a new injector for the message after the kill"
t_is "$(grep -l 'Subject: k2' "$T_INST/queue/mess"/* 2>/dev/null | wc -l)" 0 "nothing of the interrupted message is queued"
t_is "$(ls "$T_INST/queue/tmp" | wc -l)" 0 "and nothing of it is left in tmp/"

# --- a foreign queue program: the classic protocol, once per message --------------------
port=$(t_free_port)
TERN_QUEUE=$w/filter/filter t_start_smtpd_sa 127.0.0.1 "$port"
out=$(client "$port" "msg f1" "msg f2")
t_is "$(awk '{print $2, $3}' <<<"$out" | paste -sd,)" "250 committed,250 committed" \
	"a qmail-queue filter in TERN_QUEUE: both messages queued"
t_is "$(wc -l < "$w/filter.log")" 2 "the filter ran once per message"
t_is "$(grep -c -- ' -S ' "$w/filter.log")" 0 "the filter never got -S"
t_is "$(awk '{print $2}' "$w/filter.log" | paste -sd,)" "$(awk '{print "rid=" $4}' <<<"$out" | paste -sd,)" \
	"the filter's environment holds each message's TERN_RECEIVED_ID"

# --- inject -S driven directly: refused frames ------------------------------------------
# frames NAME PYEXPR: run inject -S with the frames of PYEXPR (f(type, payload)
# makes one) on fd 0; print its exit code, then each REPLY as "code id".
frames() {
	"$T_PY" - "$real" "$2" <<'EOF'
import struct, subprocess, sys
def f(t, p=b""):
    return t.encode() + struct.pack(">I", len(p)) + p
env = b"Fa@client.test\0Tb@example.test\0\0"
stream = eval(sys.argv[2])
p = subprocess.run([sys.argv[1], "-S"], input=stream, stdout=subprocess.PIPE, timeout=60)
print(p.returncode)
out = p.stdout
while len(out) >= 5:
    n = struct.unpack(">I", out[1:5])[0]
    body = out[5:5 + n]
    print(out[0:1].decode(), body[0], body[1:].split(b"\0")[0].decode())
    out = out[5 + n:]
EOF
}
before=$(t_queue_count)
out=$(frames ok 'f("A", b"TERN_X=1") + f("M", b"Subject: d1\r\n\r\nx\r\n") + f("E", env) + f("M", b"Subject: d2\r\n\r\ny\r\n") + f("E", env)')
t_like "$(head -1 <<<"$out")" '^0$' "two messages, then the end of input: exit 0"
t_is "$(grep -c '^R 0 [0-9A-Za-z]' <<<"$out")" 2 "a REPLY with code 0 and a queue id for each"
t_is "$(t_queue_count)" $((before + 2)) "both are in mess/"
for case in \
	'91|f("Z", b"x")|an unknown frame type' \
	'91|b"M\xff\xff\xff\xff"|a DATA length past its bound' \
	'91|f("X", b"x")|an ABORT with a payload' \
	'91|f("M", b"x") + f("A", b"TERN_X=1")|an ATTR after DATA' \
	'91|f("A", b"tern_x=1")|a malformed attribute' \
	'91|f("A", b"TERN_X=a\rb")|an attribute with a CR' \
	'91|f("R", b"\0a\0b")|a REPLY sent to inject' \
	'91|f("M", b"Subject: e\r\n\r\n") + f("E", b"Fa@client.test\0\0")|an envelope without a recipient' \
	'54|f("M", b"Subject: t\r\n\r\nxyz")[:-2]|a truncated frame' \
	'54|f("M", b"Subject: t\r\n\r\nxyz")|the end of input in the middle of a message'; do
	IFS='|' read -r want stream what <<<"$case"
	before=$(t_queue_count)
	out=$(frames bad "$stream")
	t_is "$(head -1 <<<"$out")" "$want" "inject -S refuses $what: exit $want"
	t_is "$(t_queue_count)" "$before" "  and queues nothing"
done
t_is "$(ls "$T_INST/queue/tmp" | wc -l)" 0 "no refused message left anything in tmp/"

# smtpd silent in the middle of a message: data-timeout (2s) ends it with 52
out=$("$T_PY" - "$real" <<'EOF'
import struct, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "-S"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"M" + struct.pack(">I", 3) + b"abc")
p.stdin.flush()
print(p.wait(timeout=60))
EOF
)
t_is "$out" 52 "inject -S exits 52 when smtpd goes silent in a message"
