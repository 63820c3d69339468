#!/usr/bin/env bash
# relay_load - N messages to 20 domains (routes to 20 sinks on 127.0.0.11-30)
# delivered exactly once each within the concurrency limits; then N more
# with the relay killed by SIGKILL in the middle and restarted: every
# recipient delivered at least once, none lost. N is 200 in make check,
# 1,000 with T_SLOW=1 (make check-slow), or RELAY_LOAD_N.
. t/lib.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
port=$(t_free_port)
N=200
[ -n "${T_SLOW:-}" ] && N=1000
N=${RELAY_LOAD_N:-$N}
routes=()
for d in $(seq 0 19); do
	t_start_sink "127.0.0.$((11 + d)):$port" "$T_TMP/sink$d"
	routes+=(--route "d$d.test=smtp:[127.0.0.$((11 + d))]:$port")
done
t_instance "${routes[@]}" --set 'concurrency 10' --set 'destination-concurrency 2' \
	--set 'retry-min 1s' --set 'retry-max 2s'

# queue_batch TAG: N messages; message i to u<TAG>-i@d(i%20).test, every 10th
# also to v<TAG>-i in the same domain (one transaction) and w<TAG>-i in the next.
# Prints every recipient, one a line, to $T_TMP/TAG.rcpts.
queue_batch() {
	local tag=$1 i d env
	: > "$T_TMP/$tag.rcpts"
	printf 'Subject: load\r\n\r\nload test\r\n' > "$T_TMP/m"
	for ((i = 0; i < N; i++)); do
		d=$((i % 20))
		env="Fs@example.test\\0Tu$tag-$i@d$d.test\\0"
		echo "u$tag-$i@d$d.test" >> "$T_TMP/$tag.rcpts"
		if ((i % 10 == 0)); then
			env+="Tv$tag-$i@D$d.TEST\\0Tw$tag-$i@d$(((d + 1) % 20)).test\\0"
			echo "v$tag-$i@D$d.TEST" >> "$T_TMP/$tag.rcpts"
			echo "w$tag-$i@d$(((d + 1) % 20)).test" >> "$T_TMP/$tag.rcpts"
		fi
		printf "$env\\0" > "$T_TMP/e"
		"$T_ROOT/queue/inject" < "$T_TMP/m" 1< "$T_TMP/e" 2>/dev/null || t_bail "inject $i failed"
	done
}
# delivered TAG: each delivered recipient of batch TAG with its count
delivered() { cat "$T_TMP"/sink*/*.env | sed -n "s/^delivered \\(.*$1-.*\\)/\\1/p" | sort | uniq -c; }
queue_empty() { [ "$(t_queue_count)" -eq 0 ]; }
count_delivered() { [ "$(delivered "$1" | wc -l)" -ge "$2" ]; }

# --- 1. exactly once, within the limits ----------------------------------------
queue_batch a
total=$(wc -l < "$T_TMP/a.rcpts")
t_is "$(t_queue_count)" "$N" "$N messages queued"
t_bg relay1 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
t_wait_for 20 grep -q 'ready:' "$T_TMP/relay1.log"
workers=$(pgrep -c -f "$T_ROOT/relay/relay")
t_is "$workers" 12 "scheduler + factory + concurrency (10) workers"
if t_wait_for 100 queue_empty; then t_pass "queue drained"
else t_fail "queue drained" "$(t_queue_count) left; $(tail -n 5 "$T_TMP/relay1.log")"; fi
got=$(delivered a)
t_is "$(wc -l <<<"$got")" "$total" "every recipient delivered ($total)"
t_is "$(awk '$1 != 1' <<<"$got" | wc -l)" 0 "none delivered twice"
t_is "$(sort "$T_TMP/a.rcpts" | tr 'A-Z' 'a-z' | sort)" "$(awk '{print $2}' <<<"$got" | tr 'A-Z' 'a-z' | sort)" \
	"exactly the queued recipients"
# one transaction for v and u of the same message (same domain, any case)
t_is "$(grep -l '^to va-0@D0.TEST$' "$T_TMP"/sink0/*.env | xargs grep -c '^to ')" 2 \
	"recipients of one message and domain share one transaction"
maxconn=0 maxtx=0
for d in $(seq 0 19); do
	m=$(awk '$1 == "max-sessions" {print $2}' "$T_TMP/sink$d/concurrency")
	((m > maxconn)) && maxconn=$m
	m=$(awk '$1 == "max-transactions" {print $2}' "$T_TMP/sink$d/concurrency")
	((m > maxtx)) && maxtx=$m
done
((maxconn <= 10)) && t_pass "no sink saw more than concurrency connections at once ($maxconn)" \
	|| t_fail "at most 10 connections per sink" "max $maxconn"
((maxtx >= 1 && maxtx <= 2)) \
	&& t_pass "no sink saw more than destination-concurrency (2) transactions at once ($maxtx)" \
	|| t_fail "at most 2 transactions per sink" "max $maxtx"
reused=$(cat "$T_TMP"/sink*/*.env | grep -c '^conn ')
conns=$(cat "$T_TMP"/sink*/log | grep -c ' connect$')
((conns < reused)) && t_pass "connections are reused ($conns connections for $reused transactions)" \
	|| t_fail "connections are reused" "$conns connections, $reused transactions"
kill -TERM "$relay"; wait "$relay"

# --- 2. SIGKILL in the middle, restart: at least once, none lost ------------------
queue_batch b
total=$(wc -l < "$T_TMP/b.rcpts")
t_bg relay2 "$T_ROOT/relay/relay" -f
relay=$T_LAST_PID
t_wait_for 60 count_delivered b $((total / 3)) || t_fail "a third delivered before the kill"
kill -KILL "$relay"
before=$(delivered b | wc -l)
no_relay() { ! pgrep -f "$T_ROOT/relay/relay" >/dev/null; }
t_wait_for 20 no_relay \
	&& t_pass "workers and factory exit when the scheduler dies" \
	|| t_fail "workers and factory exit when the scheduler dies" "$(pgrep -af relay/relay)"
((before < total)) && t_pass "killed mid-run ($before of $total delivered)" || t_skip "the run ended before the kill"
t_bg relay3 "$T_ROOT/relay/relay" -f
if t_wait_for 100 queue_empty; then t_pass "restarted relay drained the queue"
else t_fail "restarted relay drained the queue" "$(t_queue_count) left"; fi
got=$(delivered b)
t_is "$(wc -l <<<"$got")" "$total" "every recipient delivered at least once after the restart"
t_is "$(sort "$T_TMP/b.rcpts" | tr 'A-Z' 'a-z' | sort)" "$(awk '{print $2}' <<<"$got" | tr 'A-Z' 'a-z' | sort)" \
	"none lost: exactly the queued recipients"
echo "# duplicates after SIGKILL (allowed, at-least-once): $(awk '$1 > 1' <<<"$got" | wc -l)"
kill -TERM "$T_LAST_PID"; wait "$T_LAST_PID"
t_is "$?" 0 "SIGTERM after the run: exit 0"
