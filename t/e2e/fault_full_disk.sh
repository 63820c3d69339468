#!/usr/bin/env bash
# fault_full_disk: the queue on a real file system that fills up: a 4 MB
# tmpfs mounted in the test's own mount namespace (t_netns) as queue-dir.
#  1. three messages queued, the relay stopped; a file fills what is left;
#  2. SMTP gets 4xx after the final dot (a 100 kB and a 1-line message) and
#     sendmail exits 75, with nothing new in mess/ and no tmp/ leftovers; the
#     three stay whole (queuectl lists them);
#  3. the relay, started on the full disk: each message has a recipient that
#     is deferred once, whose state cannot be saved (ENOSPC): the attempt is
#     repeated, the relay runs on;
#  4. the file is removed: the queue empties, the three were delivered
#     whole (at least once), none of the refused ones was, and new mail is
#     accepted (250) and delivered.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject queue/queuectl queue/sendmail relay/relay
. t/relay.sh
sinkport=$(t_free_port)
t_tmpdir
disk=$T_TMP/disk
mkdir -p "$disk"
mount -t tmpfs -o size=4m,mode=0755 tern-full "$disk" || t_bail "cannot mount a tmpfs"
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" --relay-net 127.0.0.1/32 \
	--route "d1.test=smtp:[127.0.0.2]:$sinkport" --route "d2.test=smtp:[127.0.0.2]:$sinkport" \
	--route "d3.test=smtp:[127.0.0.2]:$sinkport" \
	--set 'retry-min 1s' --set 'retry-max 1s' --set "queue-dir $disk/queue"
q=$disk/queue
for d in tmp mess state retry; do mkdir -p "$q/$d"; done
chmod 0700 "$q" "$q"/*
[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && chown -R nobody: "$q"
qcount() { ls "$q/mess" | wc -l; }
"$T_PY" -c 'import sys; sys.stdout.write(("%s\r\n" % ("y" * 74)) * 1300)' > "$T_TMP/lines"
# msg TAG: a 100 kB message naming TAG, in $T_TMP/TAG
msg() { { printf 'Subject: %s\r\n\r\n' "$1"; cat "$T_TMP/lines"; printf 'end of %s\r\n' "$1"; } > "$T_TMP/$1"; }
smtp_send() {	# TAG FILE [RCPT]: the final reply code after the dot
	local rcpt=() codes
	printf '.\r\n' | cat "$2" - > "$T_TMP/data"
	[ -n "${3:-}" ] && rcpt=("RCPT TO:<$3>")
	codes=$(t_codes "$(t_smtp_chat 127.0.0.1 "$port" 'EHLO c.test' 'MAIL FROM:<s@remote.test>' \
		"RCPT TO:<$1@remote.test>" ${rcpt[@]+"${rcpt[@]}"} DATA "@$T_TMP/data" QUIT)")
	awk '{print $(NF - 1)}' <<<"$codes"
}
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"

# --- 1. three messages, then a full disk ---------------------------------------
# each also to defer@dN.test (451 on the first attempt: state to save)
for t in before-1 before-2; do
	msg "$t"
	t_is "$(smtp_send "$t" "$T_TMP/$t" "defer@d${t#before-}.test")" 250 "$t accepted before the disk is full"
done
msg before-3
t_inject s@remote.test before-3@remote.test defer@d3.test < "$T_TMP/before-3"
t_is "$(qcount)" 3 "three messages queued"
dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
avail=$(df -k --output=avail "$disk" | tail -n1 | tr -d ' ')
t_is "$avail" 0 "the queue's file system is full"

# --- 2. refused while full ---------------------------------------------------------
msg full-big
r=$(smtp_send full-big "$T_TMP/full-big")
t_like "$r" '^4[0-9][0-9]$' "SMTP, 100 kB on a full disk: $r after the dot"
printf 'Subject: full-small\r\n\r\none line\r\n' > "$T_TMP/full-small"
r=$(smtp_send full-small "$T_TMP/full-small")
t_like "$r" '^4[0-9][0-9]$' "SMTP, one line on a full disk: $r after the dot"
msg full-sendmail
"$T_ROOT/queue/sendmail" -f s@remote.test full-sendmail@remote.test < "$T_TMP/full-sendmail" 2>"$T_TMP/sm.err"
t_is "$?" 75 "sendmail on a full disk exits 75 (EX_TEMPFAIL)"
t_like "$(cat "$T_TMP/sm.err")" 'disk full' "sendmail says why"
t_is "$(qcount)" 3 "nothing new in mess/"
t_is "$(ls -A "$q/tmp" | wc -l)" 0 "no tmp/ leftovers"
list=$("$T_ROOT/queue/queuectl" list 2>&1)
t_like "$list" '^3 messages$' "queuectl lists the three"
t_unlike "$list" 'unreadable' "each of them readable"

# --- 3. the relay on the full disk ----------------------------------------------
t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink"
t_relay_start
t_relay_log_wait 20 'deferred .*defer@d' || t_fail "the relay tried defer@ on the full disk"
t_relay_log_wait 20 'No space left' && t_pass "the relay could not save defer@'s state (ENOSPC)" \
	|| t_fail "the relay could not save defer@'s state (ENOSPC)" "$(tail -n 5 "$T_TMP/relay.log")"
sleep 2	# retries (retry-min 1s) on the full disk; nothing here may end the relay
kill -0 "$T_RELAY_PID" 2>/dev/null && t_pass "the relay runs on on the full disk" \
	|| t_fail "the relay runs on on the full disk" "$(tail -n 5 "$T_TMP/relay.log")"

# --- 4. space again ------------------------------------------------------------------
rm -f "$disk/filler"
t_wait_for 30 eval '[ "$(qcount)" = 0 ]' && t_pass "the relay emptied the queue once there was space" \
	|| t_fail "the relay emptied the queue once there was space" "$(tail -n 10 "$T_TMP/relay.log")"
for t in before-1 before-2 before-3; do
	e=$(grep -l -F "Subject: $t"$'\r' "$T_TMP/sink"/*.eml 2>/dev/null | head -n1)
	n=$(($(wc -c < "$T_TMP/lines") + ${#t} + 9))	# the lines and "end of TAG\r\n"
	[ -n "$e" ] && cmp -s <(tail -c "$n" "$e") <(tail -c "$n" "$T_TMP/$t") \
		&& t_pass "$t, queued before the disk filled, delivered whole" \
		|| t_fail "$t, queued before the disk filled, delivered whole" "${e:-not in the sink}"
done
for d in 1 2 3; do
	t_is "$(grep -lx "delivered defer@d$d.test" "$T_TMP/sink"/*.env 2>/dev/null | wc -l)" 1 \
		"defer@d$d.test delivered once (451, then 250)"
done
t_is "$(grep -l -E 'Subject: full-' "$T_TMP/sink"/*.eml 2>/dev/null | wc -l)" 0 \
	"none of the refused messages was delivered"
msg after
t_is "$(smtp_send after "$T_TMP/after")" 250 "with space again, SMTP gets 250"
t_wait_for 20 eval '[ "$(grep -l -F "Subject: after" "$T_TMP/sink"/*.eml 2>/dev/null | wc -l)" = 1 ]' \
	&& t_pass "and the message is delivered" || t_fail "and the message is delivered"
t_relay_stop
