#!/usr/bin/env bash
# relay_sigterm - SIGTERM with deliveries in flight (relay(8) SIGNALS: take no
# new jobs, let jobs in flight finish for up to 10 seconds, exit 0; an
# abandoned delivery is repeated later). A sink holds transactions open with
# --data-delay (it stores the message, then waits before its reply to the
# final dot); concurrency 3, six messages, SIGTERM once three are open.
#  1. the sink answers within the grace (3 s): the relay waits for the three,
#     records them delivered and exits 0; restarted, it delivers the other
#     three; every recipient exactly once.
#  2. the sink answers after the grace (60 s): the relay abandons the three
#     and exits 0 at the end of the grace; restarted against a prompt sink it
#     delivers all six: every recipient at least once, nothing lost.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
port=$(t_free_port)
N=6
GRACE=10	# relay(8), SCHED_GRACE_MS

conc() { awk -v k="$2" '$1 == k {print $2}' "$1/concurrency" 2>/dev/null; }
open_tx() { [ "$(conc "$1" transactions)" = "$2" ]; }
stored() { [ "$(ls "$1" 2>/dev/null | grep -c '\.eml$')" -ge "$2" ]; }
queue_empty() { [ "$(t_queue_count)" -eq 0 ]; }
# times RCPT was delivered, over the sink directories given
ndeliv() {
	local r=$1 d; shift
	for d in "$@"; do cat "$d"/*.env 2>/dev/null; done | grep -cx "delivered $r"
}
gone() { ! kill -0 "$1" 2>/dev/null; }

# sigterm LOG: SIGTERM to the relay; it must exit 0 within the grace (and a
# margin for the workers' sockets to close); prints the seconds it took
sigterm() {
	local pid=$T_RELAY_PID t0 t1 rc
	t0=$(date +%s%N)
	kill -TERM "$pid"
	if t_wait_for $((GRACE + 5)) gone "$pid"; then
		wait "$pid"; rc=$?
	else
		kill -KILL "$pid"; wait "$pid"; rc=timeout
	fi
	t1=$(date +%s%N)
	T_RELAY_PID=
	t_is "$rc" 0 "$1: exit status 0 after SIGTERM, within the ${GRACE} s grace"
	echo "# $1: exited $(( (t1 - t0) / 1000000 )) ms after SIGTERM"
}

msgs() {	# DOMAIN: queue N messages, one recipient each
	local i
	for ((i = 0; i < N; i++)); do
		printf 'Subject: m%d\r\n\r\nbody %d\r\n' "$i" "$i" | t_inject s@example.test "u$i@$1" 2>/dev/null
	done
	t_is "$(t_queue_count)" "$N" "$1: $N messages queued"
}

# --- 1. in-flight transactions finish within the grace --------------------------
t_start_sink "127.0.0.61:$port" "$T_TMP/quick" --data-delay 3
t_instance --route "quick.test=smtp:[127.0.0.61]:$port" --set 'retry-min 1h' \
	--set 'concurrency 3' --set 'destination-concurrency 3'
msgs quick.test
t_relay_start
t_wait_for 20 open_tx "$T_TMP/quick" 3 || t_fail "quick: three transactions open" \
	"$(cat "$T_TMP/quick/concurrency" 2>/dev/null)"
sigterm quick
t_like "$(cat "$T_TMP/relay.log")" 'stopping: 3 deliveries in flight' \
	"quick: the relay stopped with three deliveries in flight"
t_unlike "$(cat "$T_TMP/relay.log")" 'abandoned' "quick: none abandoned: they finished in the grace"
t_is "$(ndeliv 'u[0-5]@quick\.test' "$T_TMP/quick")" 3 "quick: three delivered before the exit, no new job taken"
t_is "$(t_queue_count)" 3 "quick: their results were recorded: three messages left"
t_bg relay-quick2 "$T_ROOT/relay/relay" -f
T_RELAY_PID=$T_LAST_PID
t_wait_for 30 queue_empty || t_fail "quick: the restarted relay emptied the queue" \
	"$(tail -n 20 "$T_TMP/relay-quick2.log")"
all=1
for ((i = 0; i < N; i++)); do
	n=$(ndeliv "u$i@quick.test" "$T_TMP/quick")
	[ "$n" = 1 ] || { all=0; echo "# u$i@quick.test delivered $n times"; }
done
t_is "$all" 1 "quick: every recipient delivered exactly once across the restart"
t_relay_stop

# --- 2. transactions outlast the grace: abandoned, then repeated -----------------
t_start_sink "127.0.0.62:$port" "$T_TMP/slow" --data-delay 60
slow=$T_LAST_PID
t_instance --route "slow.test=smtp:[127.0.0.62]:$port" --set 'retry-min 1h' \
	--set 'concurrency 3' --set 'destination-concurrency 3'
msgs slow.test
t_relay_start
# the sink stores a message before its delayed reply: three stored, three open
t_wait_for 20 stored "$T_TMP/slow" 3
t_wait_for 5 open_tx "$T_TMP/slow" 3 || t_fail "slow: three transactions open" \
	"$(cat "$T_TMP/slow/concurrency" 2>/dev/null)"
sigterm slow
t_like "$(cat "$T_TMP/relay.log")" '3 deliveries abandoned; they will be repeated' \
	"slow: the three unanswered deliveries were abandoned at the end of the grace"
t_is "$(t_queue_count)" "$N" "slow: nothing was recorded delivered: all $N still queued"
t_unlike "$(cat "$T_TMP/relay.log")" 'failed|bounce' "slow: no recipient failed"
kill "$slow"; wait "$slow" 2>/dev/null
t_start_sink "127.0.0.62:$port" "$T_TMP/prompt"
t_bg relay-slow2 "$T_ROOT/relay/relay" -f
T_RELAY_PID=$T_LAST_PID
t_wait_for 30 queue_empty || t_fail "slow: the restarted relay emptied the queue" \
	"$(tail -n 20 "$T_TMP/relay-slow2.log")"
all=1
for ((i = 0; i < N; i++)); do
	n=$(ndeliv "u$i@slow.test" "$T_TMP/slow" "$T_TMP/prompt")
	[ "$n" -ge 1 ] || { all=0; echo "# u$i@slow.test never delivered"; }
done
t_is "$all" 1 "slow: every recipient delivered at least once across the restart (nothing lost)"
t_is "$(ndeliv 'u[0-5]@slow\.test' "$T_TMP/prompt")" "$N" \
	"slow: the abandoned three were repeated with the three never started"
t_relay_stop
