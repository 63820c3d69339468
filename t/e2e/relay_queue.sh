#!/usr/bin/env bash
# relay_queue - the relay scheduler end to end: a 4xx then success on retry
# (short retry-min), the state written after the attempt, queuectl retry making
# a deferred message go now, relay -n, SIGHUP with a broken configuration,
# SIGTERM exiting 0. Messages are injected with queue/inject and delivered to
# t/sink.py on 127.0.0.2 through a route.
. t/lib.sh
t_netns "$@"
t_need relay/relay queue/inject queue/queuectl
t_tmpdir
sinkport=$(t_free_port)

# inject SENDER RCPT...: queue a message (qmail-queue protocol) and print its id
inject() {
	local sender=$1 r env; shift
	env=$(printf 'F%s\\0' "$sender"; for r in "$@"; do printf 'T%s\\0' "$r"; done; printf '\\0')
	printf 'Subject: test %s\r\nMessage-ID: <%s@t>\r\n\r\nhello %s\r\n' "$*" "$RANDOM$RANDOM" "$*" > "$T_TMP/m"
	printf "$env" > "$T_TMP/e"
	"$T_ROOT/queue/inject" < "$T_TMP/m" 1< "$T_TMP/e" || t_bail "inject failed"
	t_queue_ids | tail -n1
}
delivered_to() { grep -lx "delivered $1" "$2"/*.env 2>/dev/null | wc -l; }
queue_empty() { [ "$(t_queue_count)" -eq 0 ]; }

t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink"

# --- 1. 4xx, then success on the retry ------------------------------------
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" \
	--set 'retry-min 1s' --set 'retry-max 2s' --set 'concurrency 3'
out=$("$T_ROOT/relay/relay" -n 2>&1)
t_like "$out" '^retry-min 1s$' "relay -n prints the effective configuration"
t_like "$out" '^concurrency 3$' "relay -n: concurrency"

id=$(inject s@example.test defer@remote.test)
t_bg relay1 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
if t_wait_for 20 queue_empty; then t_pass "deferred message delivered and removed"
else t_fail "deferred message delivered and removed" "$(cat "$T_TMP/relay1.log")"; fi
t_is "$(grep -c '> RCPT TO:<defer@remote.test>' "$T_TMP/sink/log")" 2 "two attempts: 451, then 250"
t_is "$(delivered_to defer@remote.test "$T_TMP/sink")" 1 "delivered exactly once"
t_like "$(cat "$T_TMP/relay1.log")" "deferred .*queue_id=$id .*451 4\.3\.0" "the 4xx is logged with the queue id"
t_like "$(cat "$T_TMP/relay1.log")" "delivered .*queue_id=$id .*recipient=defer@remote.test" "the delivery is logged"
eml=$(grep -lx "delivered defer@remote.test" "$T_TMP/sink"/*.env); eml=${eml%.env}.eml
t_like "$(cat "$eml")" 'hello defer@remote.test' "the body arrived"

# --- 2. SIGHUP with a broken configuration keeps the old one ---------------
cp "$TERN_CONFDIR/tern.conf" "$T_TMP/good.conf"
echo 'concurrency many' >> "$TERN_CONFDIR/tern.conf"
kill -HUP "$relay"
t_wait_for 10 grep -q 'keeping the old configuration' "$T_TMP/relay1.log"
t_like "$(cat "$T_TMP/relay1.log")" 'SIGHUP: keeping the old configuration: .*tern.conf:[0-9]+:' \
	"SIGHUP with a bad file: old configuration kept, file and line named"
cp "$T_TMP/good.conf" "$TERN_CONFDIR/tern.conf"
kill -HUP "$relay"
t_wait_for 10 grep -q 'configuration reloaded' "$T_TMP/relay1.log"
t_like "$(cat "$T_TMP/relay1.log")" 'configuration reloaded' "SIGHUP with a good file reloads"
kill -0 "$relay" 2>/dev/null && t_pass "relay still running after SIGHUPs" || t_fail "relay still running after SIGHUPs"
id=$(inject s@example.test after-hup@remote.test)
t_wait_for 20 queue_empty
t_is "$(delivered_to after-hup@remote.test "$T_TMP/sink")" 1 "delivery works with the reloaded workers"

# --- 3. SIGTERM: exit 0 ------------------------------------------------------
kill -TERM "$relay"
wait "$relay"; rc=$?
t_is "$rc" 0 "SIGTERM: relay exits 0"
t_is "$(pgrep -c -f "$T_ROOT/relay/relay" || true)" 0 "workers and factory are gone too"

# --- 4. queuectl retry makes a deferred message go now ------------------------
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" --route "other.test=smtp:[127.0.0.2]:$sinkport" \
	--set 'retry-min 1h' --set 'retry-max 2h'
id=$(inject s@example.test defer@other.test)
n0=$(grep -c '> RCPT TO:<defer@other.test>' "$T_TMP/sink/log")
t_bg relay2 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
attempts() { [ "$(grep -c '> RCPT TO:<defer@other.test>' "$T_TMP/sink/log")" -ge "$1" ]; }
t_wait_for 20 attempts $((n0 + 1)) || t_fail "first attempt made"
t_wait_for 10 test -s "$T_INST/queue/state/$id"
t_like "$("$T_ROOT/queue/queuectl" show "$id" 2>&1)" '451' "queuectl shows the deferral from the state file"
t_is "$(t_queue_count)" 1 "still queued: next try in an hour"
"$T_ROOT/queue/queuectl" retry "$id" || t_fail "queuectl retry ran"
if t_wait_for 20 queue_empty; then t_pass "queuectl retry: the deferred message went at once"
else t_fail "queuectl retry: the deferred message went at once" "$(tail -n 20 "$T_TMP/relay2.log")"; fi
t_is "$(delivered_to defer@other.test "$T_TMP/sink")" 1 "delivered once"

# --- 5. a restart does not stampede: next-try comes from the state ----------
id=$(inject s@example.test always-defer@remote.test)
t_wait_for 20 test -s "$T_INST/queue/state/$id"
kill -TERM "$relay"; wait "$relay"
n1=$(grep -c '> RCPT TO:<always-defer@remote.test>' "$T_TMP/sink/log")
t_bg relay3 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
t_wait_for 10 grep -q 'ready:' "$T_TMP/relay3.log"
sleep 2
t_is "$(grep -c '> RCPT TO:<always-defer@remote.test>' "$T_TMP/sink/log")" "$n1" \
	"after a restart the deferred message waits for its persisted next try"
kill -TERM "$relay"; wait "$relay"

# --- 6. sd_notify, privileges, a worker that dies is replaced -------------------
"$T_PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
out = open(sys.argv[2], "a")
while True:
    out.write(s.recv(4096).decode() + "\n"); out.flush()
' "$T_TMP/notify.sock" "$T_TMP/notify.out" &
T_PIDS+=($!)
t_wait_for 10 test -S "$T_TMP/notify.sock"
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" --set 'concurrency 3'
NOTIFY_SOCKET=$T_TMP/notify.sock t_bg relay4 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
t_wait_for 10 grep -q '^READY=1$' "$T_TMP/notify.out"
t_like "$(cat "$T_TMP/notify.out")" '^READY=1$' "sd_notify READY=1 after the first scan"
t_wait_for 10 grep -q '^STATUS=' "$T_TMP/notify.out"
t_like "$(cat "$T_TMP/notify.out")" '^STATUS=queue [0-9]+, in flight [0-9]+, deferred [0-9]+$' "sd_notify STATUS"
factory=$(pgrep -P "$relay" | head -n1)
workers() { pgrep -P "$factory" | sort; }
has3() { [ "$(workers | wc -l)" -eq 3 ]; }
t_wait_for 10 has3
t_is "$(workers | wc -l)" 3 "the factory made concurrency (3) workers"
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_is "$(ps -o user= -p "$relay")" nobody "the scheduler runs as queue-user"
	t_is "$(ps -o user= -p "$factory")" bin "the factory runs as relay-user (bin: t/instance)"
	t_is "$(ps -o user= -p "$(workers | head -n1)" )" bin "workers run as relay-user"
else
	t_skip "privilege drops need real root"
fi
victim=$(workers | head -n1)
kill -KILL "$victim"
gone() { ! workers | grep -qx "$victim"; }
t_wait_for 10 gone
t_wait_for 10 has3
t_is "$(workers | wc -l)" 3 "a killed worker is replaced"
t_like "$(cat "$T_TMP/relay4.log")" "worker $victim exited" "the worker's death is logged"
id=$(inject s@example.test after-kill@remote.test)
t_wait_for 20 queue_empty
t_is "$(delivered_to after-kill@remote.test "$T_TMP/sink")" 1 "deliveries go on with the new worker"
kill -TERM "$relay"; wait "$relay"
