#!/usr/bin/env bash
# smtpd ⇄ injector (the qmail-queue protocol, inject(8)) end to end, with
# fake injectors in TERN_QUEUE: what smtpd hands over (message on fd 0 with the
# Received line first, envelope on fd 1 as F sender \0 T rcpt \0 ... \0), and
# every failure mapped to a 4xx/5xx with nothing queued: temporary exit codes
# (51-81) → 451, permanent (11, 31, 91) → 554, death by a signal → 451.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd systemd-socket-activate
t_instance
session=$'EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n'
body=$'Subject: fake\r\n\r\nto the fake injector\r\n..dot\r\n.\r\nQUIT\r\n'

# run_with NAME MODE PORT: start smtpd with TERN_QUEUE=fake injector NAME
# (t_fakequeue MODE) on PORT and run one message through it; prints the replies.
run_with() {
	t_fakequeue "$1" "$2"
	TERN_QUEUE=$T_TMP/$1 t_start_smtpd_sa 127.0.0.1 "$3"
	t_smtp_batches 127.0.0.1 "$3" -30 5 "$session" 2 "$body"
}

# --- exit 0: the bytes handed over ------------------------------------------------
out=$(run_with fq0 exit:0 2600)
t_is "$(t_codes "$out")" "220 250 250 250 250 354 250 221" "injector exits 0: 250"
printf 'Fa@client.test\0Tb@example.test\0Tc@example.test\0\0' > "$T_TMP/env.want"
t_file_is "$T_TMP/fq/fq0.env" "$T_TMP/env.want" "envelope on fd 1: F, T, T records and the final NUL, exactly"
"$T_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"Subject: fake")
sys.stdout.buffer.write(d[i:] if d.startswith(b"Received: ") and i > 0 else b"NO RECEIVED LINE FIRST\n" + d)' \
	"$T_TMP/fq/fq0.msg" > "$T_TMP/fq0.rest"
printf 'Subject: fake\r\n\r\nto the fake injector\r\n.dot\r\n' > "$T_TMP/msg.want"
t_file_is "$T_TMP/fq0.rest" "$T_TMP/msg.want" "message on fd 0: a Received: line, then the data dot-unstuffed"

# --- failures ---------------------------------------------------------------------
port=2601
for case in 'exit:71 451' 'exit:51 451' 'exit:81 451' 'exit:91 554' 'exit:31 554' 'exit:11 554' 'kill 451' 'exit:100 451' 'noread:71 451'; do
	set -- $case
	mode=$1 want=$2
	name=fq$port
	out=$(run_with "$name" "$mode" $port)
	t_is "$(t_codes "$out")" "220 250 250 250 250 354 $want 221" "injector $mode: $want after the data, then the session goes on"
	t_unlike "$out" '^250 2\.0\.0' "injector $mode: never 250 for the message"
	port=$((port + 1))
done
t_is "$(t_queue_count)" 0 "nothing in the instance's queue"

# --- a hanging injector is killed after data-timeout: 451 ----------------------------
t_instance --set 'data-timeout 2s'
out=$(run_with fqhang hang 2650)
t_is "$(t_codes "$out")" "220 250 250 250 250 354 451 221" "injector hangs: killed after data-timeout 2s, 451"
t_ok "the hung injector is gone" t_wait_for 5 sh -c '! pgrep -x sleep >/dev/null'

# --- the real injector refuses: nothing queued -------------------------------------
t_instance
t_start_smtpd_sa 127.0.0.1 2700
chmod 0500 "$T_INST/queue/tmp"
chown root: "$T_INST/queue/tmp"
out=$(t_smtp_batches 127.0.0.1 2700 -30 5 "$session" 2 "$body")
t_like "$(t_codes "$out")" "^220 250 250 250 250 354 4[0-9][0-9] 221$" "real injector cannot write tmp/: 4xx"
t_is "$(ls -A "$T_INST/queue/mess" | wc -l)" 0 "real injector cannot write: nothing queued"
