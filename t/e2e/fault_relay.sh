#!/usr/bin/env bash
# fault_relay: every file-system call the relay's scheduler makes on the queue
# fails in turn (ENOSPC, EIO, EDQUOT turning with the call): opening the
# queue, the state file's open/write/fsync/rename and the fsync of state/,
# the bounce's commit, the removal's unlinks, retry/ and the sweep.
#
# t/fault/libfault.so is preloaded into relay/relay (a dynamic glibc program)
# and counts the scheduler's calls on the queue only (not its forked worker
# factory and workers). Each point runs on a fresh instance: two messages,
# one to a@, defer@ (451 on the first attempt, so that state is saved) and
# reject@ (550: a bounce is committed to the sender), one to b@, delivered
# by t/sink.py. The scheduler runs with the N-th call failing until the
# queue is empty; if it exits it must restart cleanly without the fault and
# finish. Then: every recipient was delivered at least once (a lost state
# may repeat a delivery, never skip one: at-least-once), the bounce for
# reject@ arrived, every delivered message is whole, and the queue is empty
# (mess/, state/, tmp/ after a sweep). A first clean run counts the calls.
# T_SLOW=1 (make check-slow): each call with each of the three errnos.
. t/lib.sh
t_netns "$@"
t_need relay/relay queue/inject queue/queuectl t/fault/libfault.so
. t/relay.sh
t_tmpdir
sinkport=$(t_free_port)
f=$T_TMP/fault
mkdir -p "$f" && chmod 1777 "$f"
t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink"
errnos=(ENOSPC EIO EDQUOT)
passes=(turn)
[ -n "${T_SLOW:-}" ] && passes=(ENOSPC EIO EDQUOT)
errno_of() { if [ "$1" = turn ]; then echo "${errnos[$(($2 % 3))]}"; else echo "$1"; fi; }
queue_empty() { [ "$(t_queue_count)" -eq 0 ]; }
# delivered ADDR: how many times the sink got ADDR
delivered() { grep -lx "delivered $1" "$T_TMP/sink"/*.env 2>/dev/null | wc -l; }
relay_dead() { ! kill -0 "$T_RELAY_PID" 2>/dev/null; }

# point N|OP#K ERRNO: one run; prints TAP for it
point() {
	local n=$1 err=$2 d=p${1//[^a-z0-9]/-}-$2.test label state what r bad=0 e
	t_instance --route "$d=smtp:[127.0.0.2]:$sinkport" --set 'retry-min 1s' \
		--set 'retry-max 1s' --set "postmaster postmaster@$d" --set 'concurrency 4'
	printf 'Subject: one %s\r\n\r\nfirst message of %s\r\n' "$d" "$d" > "$f/m1"
	printf 'Subject: two %s\r\n\r\nsecond message of %s\r\n' "$d" "$d" > "$f/m2"
	t_inject "s@$d" "a@$d" "defer@$d" "reject@$d" < "$f/m1"
	t_inject "s@$d" "b@$d" < "$f/m2"
	echo "$n $err" > "$f/plan"
	rm -f "$f/log"
	t_bg relay env LD_PRELOAD="$T_ROOT/t/fault/libfault.so" TFAULT_DIR="$T_INST/queue" \
		TFAULT_LOG="$f/log" TFAULT_PLAN="$f/plan" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$T_ROOT/relay/relay" -f
	T_RELAY_PID=$T_LAST_PID
	# until the queue is empty, or the relay gave up (it exits on a queue it cannot open)
	t_wait_for 30 eval 'queue_empty || relay_dead'
	fired=$(grep ' FAIL ' "$f/log" 2>/dev/null | cut -d' ' -f3- | sed "s| FAIL.*||; s|$T_INST/queue/||")
	[ -z "$fired" ] && fired="no such call in this run"
	label="call $n fails with $err ($fired)"
	if relay_dead; then
		wait "$T_RELAY_PID"; r=$?
		echo "# $label: the relay exited $r: $(tail -n1 "$T_TMP/relay.log")"
		t_relay_start
		t_wait_for 30 queue_empty
		what="restarted without the fault: running"
		relay_dead && t_fail "$label: $what" "$(tail -n 5 "$T_TMP/relay.log")" || state=restarted
	else
		state=running
	fi
	t_relay_stop
	"$T_ROOT/queue/queuectl" sweep 0 >/dev/null 2>&1
	what=""
	for r in "a@$d" "defer@$d" "b@$d"; do
		[ "$(delivered "$r")" -ge 1 ] || what="$what $r not delivered;"
	done
	[ "$(delivered "s@$d")" -ge 1 ] || what="$what no bounce to s@$d;"
	for e in $(grep -l "^Subject: [a-z]* $d"$'\r' "$T_TMP/sink"/*.eml 2>/dev/null); do
		case $(grep -m1 '^Subject:' "$e") in
		*one*) tail -c "$(wc -c < "$f/m1")" "$e" | cmp -s - "$f/m1" || bad=$((bad + 1)) ;;
		*two*) tail -c "$(wc -c < "$f/m2")" "$e" | cmp -s - "$f/m2" || bad=$((bad + 1)) ;;
		esac
	done
	[ "$bad" = 0 ] || what="$what $bad deliveries not whole;"
	queue_empty || what="$what mess/ not empty;"
	[ "$(find "$T_INST/queue/state" "$T_INST/queue/tmp" -type f | wc -l)" = 0 ] ||
		what="$what state/ or tmp/ not empty: $(find "$T_INST/queue/state" "$T_INST/queue/tmp" -type f);"
	dups=$(($(delivered "a@$d") + $(delivered "defer@$d") + $(delivered "b@$d") - 3))
	[ "$dups" -gt 0 ] && echo "# $label: $dups repeated deliveries (at-least-once)"
	if [ -z "$what" ]; then
		t_pass "$label: relay $state; every recipient delivered, the bounce sent, queue empty"
	else
		t_fail "$label: relay $state; every recipient delivered, the bounce sent, queue empty" \
			"$what" "$(tail -n 15 "$T_TMP/relay.log")"
	fi
}

point 0 ENOSPC
calls=$(wc -l < "$f/log")
echo "# a clean run: the scheduler makes $calls calls on the queue:"
cut -d' ' -f3- "$f/log" | sed "s|$T_INST/queue/||; s/^/#   /"
[ "$calls" -gt 10 ] && t_pass "the clean run made calls on the queue ($calls)" \
	|| t_fail "the clean run made calls on the queue ($calls)"
# The order of the calls varies from run to run (deliveries finish in any
# order), so a point is the K-th call of one kind (t/fault/fault.c "OP#K").
# make check fails the first 10 opens for reading (the queue's directories
# at start, the first message and state read) and every other call; T_SLOW=1
# every call, each with each errno.
kinds=$(cut -d' ' -f3 "$f/log" | sort | uniq -c | awk '{print $2 ":" $1}')
echo "# calls per kind: $(echo $kinds)"
for pass in "${passes[@]}"; do
	i=0
	for kc in $kinds; do
		max=${kc#*:}
		[ "${kc%:*}" = openat ] && [ -z "${T_SLOW:-}" ] && [ "$max" -gt 10 ] && max=10
		for ((nth = 1; nth <= max; nth++)); do	# (t_relay_stop sets k)
			i=$((i + 1))
			point "${kc%:*}#$nth" "$(errno_of "$pass" "$i")"
		done
	done
done
