#!/usr/bin/env bash
# relay_bounce - bounces end to end: a 5xx gives an RFC 3464 DSN at the
# sender's sink (null envelope sender, multipart/report, the right Status,
# Remote-MTA and Diagnostic-Code, the original headers); queue-lifetime expiry
# gives a 4.4.7 bounce; a failed null-sender message goes to the postmaster
# (null sender again), and is never bounced to anyone else. A bare "550" with
# no text (RFC 5321 §4.2 allows it) gives a DSN with Status 5.0.0.
. t/lib.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
port=$(t_free_port)

inject() {
	local sender=$1 r env; shift
	env=$(printf 'F%s\\0' "$sender"; for r in "$@"; do printf 'T%s\\0' "$r"; done; printf '\\0')
	printf 'Subject: bounce test %s\r\nX-Marker: %s\r\n\r\nbody line\r\n' "$*" "$*" > "$T_TMP/m"
	printf "$env" > "$T_TMP/e"
	"$T_ROOT/queue/inject" < "$T_TMP/m" 1< "$T_TMP/e" || t_bail "inject failed"
}
queue_empty() { [ "$(t_queue_count)" -eq 0 ]; }
# dsn_for RCPT SENDER: the .eml at the senders' sink, delivered to SENDER, that reports RCPT
dsn_for() {
	local f
	for f in $(grep -lx "delivered $2" "$T_TMP/senders"/*.env 2>/dev/null); do
		f=${f%.env}.eml
		grep -q "^Final-Recipient: rfc822; $1"$'\r'"\$" "$f" && { echo "$f"; return; }
	done
}

t_start_sink "127.0.0.2:$port" "$T_TMP/remote" --raw-reply bare=550
t_start_sink "127.0.0.3:$port" "$T_TMP/senders"
t_instance --route "remote.test=smtp:[127.0.0.2]:$port" \
	--route "sender.test=smtp:[127.0.0.3]:$port" \
	--set 'retry-min 1s' --set 'retry-max 1s' --set 'queue-lifetime 4s' \
	--set 'postmaster postmaster@sender.test' --set 'bounce-body-max 0'

inject alice@sender.test reject@remote.test ok@remote.test
inject bob@sender.test always-defer@remote.test
inject '' reject@remote.test
inject carol@sender.test bare@remote.test
t_bg relay "$T_ROOT/relay/relay" -f
if t_wait_for 40 queue_empty; then t_pass "queue drained (deliveries, bounces, notices)"
else t_fail "queue drained" "$(tail -n 30 "$T_TMP/relay.log")"; fi

# --- 5xx -> DSN at the sender's sink ---------------------------------------
f=$(dsn_for reject@remote.test alice@sender.test)
[ -n "$f" ] && t_pass "a DSN for reject@remote.test arrived" || t_fail "a DSN for reject@remote.test arrived" "$(ls "$T_TMP/senders")"
env=${f%.eml}.env
t_like "$(cat "$env")" '^from $' "the DSN has the null envelope sender"
t_like "$(cat "$env")" '^delivered alice@sender.test$' "the DSN goes to the original sender"
msg=$(tr -d '\r' < "$f")
t_like "$msg" '^From: Mail Delivery System <MAILER-DAEMON@mx\.example\.test>$' "From: MAILER-DAEMON@hostname"
t_like "$msg" '^Content-Type: multipart/report; report-type=delivery-status;$' "multipart/report; report-type=delivery-status"
t_like "$msg" '^Content-Type: message/delivery-status$' "a message/delivery-status part"
t_like "$msg" '^Reporting-MTA: dns; mx\.example\.test$' "Reporting-MTA"
t_like "$msg" '^Arrival-Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' "Arrival-Date"
t_like "$msg" '^Action: failed$' "Action: failed"
t_like "$msg" '^Status: 5\.1\.1$' "Status: 5.1.1 from the remote reply"
t_like "$msg" '^Remote-MTA: dns; ' "Remote-MTA"
t_like "$msg" '^Diagnostic-Code: smtp; 550 5\.1\.1 ' "Diagnostic-Code: smtp; the reply"
t_like "$msg" '^Content-Type: text/rfc822-headers$' "the original headers (bounce-body-max 0)"
t_like "$msg" '^X-Marker: reject@remote.test ok@remote.test$' "the original's header is quoted"
t_unlike "$msg" '^body line$' "no original body with bounce-body-max 0"
t_is "$(grep -c '^Final-Recipient' <<<"$msg")" 1 "only the failed recipient is reported"
t_is "$(grep -lx 'delivered ok@remote.test' "$T_TMP/remote"/*.env | wc -l)" 1 "the other recipient was delivered once"

# --- MIME boundaries: 128 random bits each (getrandom), never the same twice
bounds=$(cat "$T_TMP/senders"/*.eml | tr -d '\r' | sed -n 's/^\tboundary="\(.*\)"$/\1/p')
t_is "$(grep -cE '^=_tern\.[0-9a-f]{32}$' <<<"$bounds")" 4 "each notice's boundary is =_tern. and 32 hex digits"
t_is "$(sort -u <<<"$bounds" | wc -l)" 4 "no two boundaries are the same"

# --- a bare "550" (no text) -> DSN with the class's status ------------------------
f=$(dsn_for bare@remote.test carol@sender.test)
[ -n "$f" ] && t_pass "bare 550: a DSN arrived" || t_fail "bare 550: a DSN arrived" "$(tail -n 20 "$T_TMP/relay.log")"
msg=$(tr -d '\r' < "${f:-/dev/null}")
t_like "$msg" '^Status: 5\.0\.0$' "bare 550: Status 5.0.0"
t_like "$msg" '^Diagnostic-Code: smtp; 550$' "bare 550: Diagnostic-Code is the bare reply"
t_like "$msg" '^<bare@remote\.test>: 550$' "bare 550: the text part names it"
t_like "$msg" '^Remote-MTA: dns; ' "bare 550: Remote-MTA"

# --- lifetime expiry -> 4.4.7 -------------------------------------------------
f=$(dsn_for always-defer@remote.test bob@sender.test)
[ -n "$f" ] && t_pass "expiry: a DSN for always-defer@remote.test arrived" || t_fail "expiry: a DSN arrived"
msg=$(tr -d '\r' < "${f:-/dev/null}")
t_like "$msg" '^Status: 4\.4\.7$' "expiry: Status 4.4.7"
t_like "$msg" '^Diagnostic-Code: smtp; 451 4\.4\.7 message expired in the queue; last reply: .*451' \
	"expiry: the last remote reply is kept in the diagnostic"
t_like "$(cat "${f%.eml}.env")" '^delivered bob@sender.test$' "expiry: to the original sender"
n=$(grep -c '> RCPT TO:<always-defer@remote.test>' "$T_TMP/remote/log")
[ "$n" -ge 2 ] && t_pass "expiry: several attempts were made first ($n)" || t_fail "expiry: several attempts ($n)"

# --- null sender: postmaster notice, never a bounce to the world ----------------
pm=$(grep -lx 'delivered postmaster@sender.test' "$T_TMP/senders"/*.env)
t_is "$(wc -w <<<"$pm")" 1 "a failed null-sender message gives one postmaster notice"
t_like "$(cat "$pm")" '^from $' "the postmaster notice has the null sender"
t_like "$(tr -d '\r' < "${pm%.env}.eml")" '^Subject: Postmaster notice' "it says what it is"
t_is "$(cat "$T_TMP/senders"/*.env | grep -c '^delivered ')" 4 "nothing else was sent to senders (3 DSNs + 1 notice)"
t_like "$(cat "$T_TMP/relay.log")" 'postmaster notice queued \(null sender\)' "the notice is logged"
kill -TERM "$T_LAST_PID"
