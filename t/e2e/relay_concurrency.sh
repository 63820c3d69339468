#!/usr/bin/env bash
# relay_concurrency - the relay's two concurrency limits, seen from the sinks
# (t/sink.py writes DIR/concurrency: the most sessions and transactions it had
# open at once; --data-delay holds each transaction open so that concurrent
# ones overlap).
# Sections 1-4 queue N messages each: 30 in make check, 60 with T_SLOW=1
# (make check-slow).
#  1. destination-concurrency 3, concurrency 10, N messages to one domain:
#     the sink never has more than 3 sessions or transactions at once, and it
#     does have 3 transactions at once (so the limit is neither exceeded nor
#     stuck at 1).
#  2. concurrency 4, destination-concurrency 10, N messages to 6 domains
#     routed to one sink on 6 addresses: never more than 4 transactions at
#     once across all of them, and 4 at once at some point; never more than
#     4 sessions either, idle ones kept for reuse included (a worker holds at
#     most one connection, deliver.h).
#  3. a destination is the next hop (relay(8)): a.test and b.test routed to
#     one smarthost, destination-concurrency 3, concurrency 10, N messages
#     alternating: never more than 3 sessions (busy or idle) nor transactions
#     at once at the smarthost, 3 transactions at some point, and a kept
#     connection carries mail of both domains.
#  4. the same smarthost beside c.test routed to a second sink, concurrency 4,
#     destination-concurrency 3, N messages a, b, c in turn: workers switch
#     between the two, closing an idle connection before opening one to the
#     other; neither sink ever sees more than 3 sessions at once.
#  5. head-of-line blocking: concurrency 2 (a cap of 72 messages in memory),
#     destination-concurrency 1, 80 messages to slow.test (its sink holds each
#     transaction 30 s) loaded by a running relay, then 10 to fast.test: all
#     10 are delivered while slow.test's first transaction is still open (the
#     cap, filled by slow.test's messages, used to keep them waiting until a
#     slow.test delivery made room).
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
port=$(t_free_port)
N=30
[ -n "${T_SLOW:-}" ] && N=60	# a multiple of 6

conc() {	# DIR KEY: a value of DIR/concurrency
	awk -v k="$2" '$1 == k {print $2}' "$1/concurrency" 2>/dev/null
}
delivered() { cat "$1"/*.env 2>/dev/null | grep -c '^delivered '; }
# ended DIR: wait (5 s) until the sink has no session open: relay -1 exits
# before its workers have sent QUIT on the connections they kept.
ended() {
	t_wait_for 5 eval '[ "$(conc "'"$1"'" sessions):$(conc "'"$1"'" transactions)" = 0:0 ]'
}

# run_relay: relay -1 delivers everything queued and exits (or 60 s pass)
run_relay() {
	timeout 60 "$T_ROOT/relay/relay" -1 > "$T_TMP/$1.log" 2>&1
	t_is "$?" 0 "$1: relay -1 drained the queue and exited 0"
}

# --- 1. destination-concurrency --------------------------------------------------
t_start_sink "127.0.0.41:$port" "$T_TMP/one" --data-delay 0.05
t_instance --route "one.test=smtp:[127.0.0.41]:$port" \
	--set 'concurrency 10' --set 'destination-concurrency 3'
for ((i = 0; i < N; i++)); do
	printf 'Subject: one %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@one.test" 2>/dev/null
done
t_is "$(t_queue_count)" "$N" "one: $N messages queued for one domain"
run_relay one
t_is "$(delivered "$T_TMP/one")" "$N" "one: all $N delivered"
ended "$T_TMP/one"
t_is "$(conc "$T_TMP/one" sessions):$(conc "$T_TMP/one" transactions)" "0:0" \
	"one: the sink's counts end at 0 (every session and transaction seen to its end)"
ms=$(conc "$T_TMP/one" max-sessions)
mt=$(conc "$T_TMP/one" max-transactions)
echo "# one domain: max $ms sessions, $mt transactions at once"
[ -n "$ms" ] && ((ms <= 3)) && t_pass "one: never more than destination-concurrency (3) sessions at once ($ms)" \
	|| t_fail "one: at most 3 sessions at once" "max-sessions $ms"
t_is "$mt" 3 "one: 3 transactions at once, never more (destination-concurrency 3 of concurrency 10)"

# --- 2. concurrency across domains -----------------------------------------------
listen=() routes=()
for d in 2 3 4 5 6; do listen+=(--listen "127.0.0.5$d:$port"); done
for d in 1 2 3 4 5 6; do routes+=(--route "d$d.test=smtp:[127.0.0.5$d]:$port"); done
t_start_sink "127.0.0.51:$port" "$T_TMP/many" "${listen[@]}" --data-delay 0.05
t_instance "${routes[@]}" --set 'concurrency 4' --set 'destination-concurrency 10'
for ((i = 0; i < N; i++)); do
	printf 'Subject: many %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@d$((i % 6 + 1)).test" 2>/dev/null
done
t_is "$(t_queue_count)" "$N" "many: $N messages queued for 6 domains"
run_relay many
t_is "$(delivered "$T_TMP/many")" "$N" "many: all $N delivered"
t_is "$(sed -n 's/^delivered u[0-9]*@//p' "$T_TMP"/many/*.env | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" \
	"$(for d in 1 2 3 4 5 6; do printf '%d d%d.test ' $((N / 6)) "$d"; done)" "many: $((N / 6)) to each domain"
t_is "$(conc "$T_TMP/many" transactions)" 0 "many: every transaction seen to its end"
mt=$(conc "$T_TMP/many" max-transactions)
echo "# 6 domains: max $(conc "$T_TMP/many" max-sessions) sessions, $mt transactions at once"
t_is "$mt" 4 "many: 4 transactions at once across 6 domains, never more (concurrency 4)"
ended "$T_TMP/many"
t_is "$(conc "$T_TMP/many" sessions)" 0 "many: every session seen to its end"
ms=$(conc "$T_TMP/many" max-sessions)
[ -n "$ms" ] && ((ms <= 4)) && t_pass "many: never more than concurrency (4) sessions at once, idle ones included ($ms)" \
	|| t_fail "many: at most 4 sessions at once" "max-sessions $ms"

# --- 3. two domains, one smarthost: one destination -------------------------------
t_start_sink "127.0.0.61:$port" "$T_TMP/smart" --data-delay 0.05
t_instance --route "a.test=smtp:[127.0.0.61]:$port" --route "B.test=smtp:[127.0.0.61]:$port" \
	--set 'concurrency 10' --set 'destination-concurrency 3'
for ((i = 0; i < N; i++)); do
	d=a; ((i % 2)) && d=b
	printf 'Subject: smart %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@$d.test" 2>/dev/null
done
t_is "$(t_queue_count)" "$N" "smart: $N messages queued for a.test and b.test"
run_relay smart
t_is "$(sed -n 's/^delivered u[0-9]*@//p' "$T_TMP"/smart/*.env | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" \
	"$((N / 2)) a.test $((N / 2)) b.test " "smart: all delivered, $((N / 2)) to each domain"
ended "$T_TMP/smart"
t_is "$(conc "$T_TMP/smart" sessions):$(conc "$T_TMP/smart" transactions)" "0:0" \
	"smart: every session and transaction seen to its end"
ms=$(conc "$T_TMP/smart" max-sessions)
mt=$(conc "$T_TMP/smart" max-transactions)
echo "# a.test + b.test via one smarthost: max $ms sessions, $mt transactions at once"
[ -n "$ms" ] && ((ms <= 3)) && t_pass "smart: never more than destination-concurrency (3) sessions at once for both domains, idle ones included ($ms)" \
	|| t_fail "smart: at most 3 sessions at once for both domains" "max-sessions $ms"
t_is "$mt" 3 "smart: 3 transactions at once, never more: the two domains share one limit"
both=$(for f in "$T_TMP"/smart/*.env; do
	printf '%s %s\n' "$(sed -n 's/^conn //p' "$f")" "$(sed -n 's/^delivered u[0-9]*@//p' "$f")"
done | sort -u | awk '{n[$1]++} END {for (c in n) if (n[c] > 1) k++; print k + 0}')
[ "$both" -gt 0 ] && t_pass "smart: a kept connection carried mail of both domains ($both connections)" \
	|| t_fail "smart: a kept connection carried mail of both domains" "$(grep -h '^conn\|^delivered' "$T_TMP"/smart/*.env | head -n 20)"

# --- 4. workers switching between two next hops ------------------------------------
t_start_sink "127.0.0.63:$port" "$T_TMP/sw-smart" --data-delay 0.05
t_start_sink "127.0.0.64:$port" "$T_TMP/sw-other" --data-delay 0.05
t_instance --route "a.test=smtp:[127.0.0.63]:$port" --route "b.test=smtp:[127.0.0.63]:$port" \
	--route "c.test=smtp:[127.0.0.64]:$port" \
	--set 'concurrency 4' --set 'destination-concurrency 3'
for ((i = 0; i < N; i++)); do
	d=(a b c)
	printf 'Subject: switch %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@${d[i % 3]}.test" 2>/dev/null
done
t_is "$(t_queue_count)" "$N" "switch: $N messages queued for a.test, b.test and c.test"
run_relay switch
t_is "$(delivered "$T_TMP/sw-smart"):$(delivered "$T_TMP/sw-other")" "$((2 * N / 3)):$((N / 3))" \
	"switch: $((2 * N / 3)) delivered through the smarthost, $((N / 3)) to the other sink"
for sink in sw-smart sw-other; do
	ms=$(conc "$T_TMP/$sink" max-sessions)
	echo "# $sink: max $ms sessions, $(conc "$T_TMP/$sink" max-transactions) transactions at once," \
		"$(grep -c ' connect$' "$T_TMP/$sink/log") connections in all"
	[ -n "$ms" ] && ((ms <= 3)) && t_pass "switch: $sink never had more than 3 sessions at once ($ms)" \
		|| t_fail "switch: $sink had at most 3 sessions at once" "max-sessions $ms"
done

# --- 5. one slow destination does not hold up the others ---------------------------
t_start_sink "127.0.0.71:$port" "$T_TMP/slow" --data-delay 30
slow_pid=$T_LAST_PID
t_start_sink "127.0.0.72:$port" "$T_TMP/fast"
t_instance --route "slow.test=smtp:[127.0.0.71]:$port" --route "fast.test=smtp:[127.0.0.72]:$port" \
	--set 'concurrency 2' --set 'destination-concurrency 1'
for ((i = 0; i < 80; i++)); do
	printf 'Subject: slow %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@slow.test" 2>/dev/null
done
t_relay_start
t_wait_for 20 eval '[ "$(conc "$T_TMP/slow" transactions)" = 1 ]' \
	&& t_pass "hol: slow.test's first transaction is open" \
	|| t_fail "hol: slow.test's first transaction is open" "$(cat "$T_TMP/slow/concurrency" 2>&1)"
for ((i = 0; i < 10; i++)); do
	printf 'Subject: fast %d\r\n\r\nx\r\n' "$i" | t_inject s@example.test "u$i@fast.test" 2>/dev/null
done
t_sink_wait 20 "$T_TMP/fast" 10
t_is "$(ls "$T_TMP/fast" | grep -c '\.eml$')" 10 \
	"hol: all 10 fast.test messages delivered with 72 slow.test ones (the cap) in memory"
# the sink stores a message before its delay, and answers after it
t_is "$(ls "$T_TMP/slow" | grep -c '\.eml$'):$(conc "$T_TMP/slow" transactions)" 1:1 \
	"hol: meanwhile slow.test had its first message, still unanswered: fast.test did not wait for it"
kill "$slow_pid"	# its open transaction fails: the relay stops without the grace
t_relay_stop
