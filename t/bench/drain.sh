#!/usr/bin/env bash
# t/bench/drain.sh - how fast tern's relay empties its queue into a sink,
# against Postfix on the same machine. In a private network namespace:
# BENCH_DRAIN_N (20000) 1 KB messages to b@example.test are queued (tern: by
# queue/inject, four in parallel, before the relay runs; Postfix: by
# smtp-source into its hold queue), example.test is routed to Postfix's
# smtp-sink (tern: 127.0.0.9:25, Postfix: 127.0.0.10:25), then the clock runs
# from starting relay/relay (Postfix: postqueue -f after postsuper -H moved
# the held mail to deferred) until the queue is empty. The run counts only if
# the sink received every message.
#
#	bash t/bench/drain.sh [tern] [postfix]
#
# BENCH_TERN_RELAY=PATH adds "tern-alt": the same run with that relay build.
# "tern-dkim" (a default run beside tern and postfix) is the tern
# run with DKIM signing of client.test (t/instance --dkim: an RSA 2048 and an
# Ed25519 key, so two signatures per message, made by the relay's signer
# process): the cost of signing is the difference to the "tern" row.
# tern runs with destination-concurrency 20 (Postfix's default destination
# concurrency limit), other settings default.
#
# BENCH_QUEUE=N (e.g. 100000): the large-queue run. N messages, written for
# tern straight into the queue by t/bench/qfill.c (the queue library's own
# commit, 8 writers, compiled here and never installed: it skips the
# injector's checks) instead of by inject, which would take most of the run;
# the table then also gives the relay's startup (start to its "ready" line),
# the scheduler's peak RSS and its CPU seconds, which show what the queue's
# size costs per pass.
#
#	BENCH_QUEUE=100000 bash t/bench/drain.sh tern
. t/lib.sh
t_netns "$@"
. t/bench/lib.sh
. t/bench/postfix.sh
t_need relay/relay queue/inject smtp-sink smtp-source postfix

t_tmpdir
N=${BENCH_QUEUE:-${BENCH_DRAIN_N:-20000}}
POLL=0.1
[ "$N" -gt 50000 ] && POLL=1	# listing a huge mess/ ten times a second skews the run
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(tern tern-dkim postfix)
[ -n "${BENCH_TERN_RELAY:-}" ] && servers+=(tern-alt)

# sink_count LOG: messages smtp-sink -c has counted so far.
sink_count() {
	tr '\r' '\n' < "$1" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n1 | grep . || echo 0
}
# sink_sessions LOG: SMTP sessions smtp-sink has counted (connection reuse).
sink_sessions() {
	tr '\r' '\n' < "$1" | sed -n 's/.*sess=\([0-9]*\).*/\1/p' | tail -n1 | grep . || echo 0
}
start_sink() {
	t_bg "sink-$1" smtp-sink -u nobody -c "$1:25" 1000
	t_wait_port "$1" 25 || t_bail "smtp-sink did not listen on $1:25"
}
# wait_empty COUNTFN SECONDS: poll until COUNTFN prints 0.
wait_empty() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$($1)" -eq 0 ] && return 0
		sleep "$POLL"
	done
	return 1
}

# fill_tern: N messages by queue/inject, as the queue user, 4 at a time.
fill_tern() {
	local run=() w per=$((N / 4)) pids=() p rc=0
	[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && run=(setpriv --reuid nobody --regid nogroup --clear-groups)
	{ printf 'From: <a@client.test>\r\nTo: <b@example.test>\r\nSubject: drain\r\n\r\n'
	  head -c 768 /dev/zero | tr '\0' x | fold -w 64 | sed 's/$/\r/'; } > "$T_TMP/msg"
	printf 'Fa@client.test\0Tb@example.test\0\0' > "$T_TMP/env"
	chmod 0644 "$T_TMP/msg" "$T_TMP/env"
	for w in 1 2 3 4; do
		[ $w = 4 ] && per=$((N - 3 * (N / 4)))
		( for ((i = 0; i < per; i++)); do
			"${run[@]}" "$T_ROOT/queue/inject" < "$T_TMP/msg" 1< "$T_TMP/env" 2>/dev/null || exit 1
		  done ) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

# fill_qfill (BENCH_QUEUE): N messages by t/bench/qfill, 8 writers at once.
fill_qfill() {
	local run=() w per=$((N / 8)) pids=() p rc=0
	[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && run=(setpriv --reuid nobody --regid nogroup --clear-groups)
	if [ ! -x "$T_TMP/qfill" ]; then
		${CC:-cc} -O2 -D_GNU_SOURCE -I"$T_ROOT/lib" -I"$T_ROOT" -o "$T_TMP/qfill" \
			"$T_ROOT/t/bench/qfill.c" "$T_ROOT/queue/libqueue.a" "$T_ROOT/lib/libtern.a" ||
			t_bail "cannot build t/bench/qfill.c"
		chmod 0755 "$T_TMP/qfill"
	fi
	for w in 1 2 3 4 5 6 7 8; do
		[ $w = 8 ] && per=$((N - 7 * (N / 8)))
		"${run[@]}" "$T_TMP/qfill" "$T_INST/queue" "$per" a@client.test b@example.test &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

# sched_figures PID START: "startup-seconds peak-RSS-kB CPU-seconds" of the
# relay's scheduler (PID), startup measured from START to its "ready" line.
sched_figures() {
	local st
	st=($(cat "/proc/$1/stat" 2>/dev/null))
	printf '%s %s %s\n' "${READY_SECS:--}" \
		"$(awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null)" \
		"$(awk -v t="${st[13]:-0}" -v s="${st[14]:-0}" -v hz="$(getconf CLK_TCK)" \
			'BEGIN {printf "%.2f", (t + s) / hz}')"
}

# drain_tern LABEL RELAY SINKADDR [t/instance OPTION...]: a fresh instance
# routed to a sink on SINKADDR:25, filled by inject (or qfill: BENCH_QUEUE),
# emptied by RELAY -f.
drain_tern() {
	local label=$1 relay=$2 sink=$3 start secs got i figures=
	shift 3
	start_sink "$sink"
	t_instance --route "example.test=smtp:[$sink]:25" --set 'destination-concurrency 20' "$@"
	if [ -n "${BENCH_QUEUE:-}" ]; then
		fill_qfill || t_fail "$label: every qfill exited 0"
	else
		fill_tern || t_fail "$label: every inject exited 0"
	fi
	t_is "$(t_queue_count)" "$N" "$label: $N messages queued"
	start=$(b_now)
	t_bg "relay-$sink" "$relay" -f
	READY_SECS=
	for ((i = 0; i < 6000; i++)); do
		grep -q 'ready:' "$T_TMP/relay-$sink.log" 2>/dev/null && { READY_SECS=$(b_elapsed "$start"); break; }
		sleep 0.01
	done
	if wait_empty t_queue_count 600; then
		secs=$(b_elapsed "$start")
		t_pass "$label: queue empty"
	else
		t_fail "$label: queue empty" "$(t_queue_count) left" "$(tail -n 5 "$T_TMP/relay-$sink.log")"
		secs=-
	fi
	sleep 0.5
	got=$(sink_count "$T_TMP/sink-$sink.log")
	t_is "$got" "$N" "$label: the sink received all $N"
	[ -n "${BENCH_QUEUE:-}" ] && figures=$(sched_figures "$T_LAST_PID")
	t_kill_tree "$T_LAST_PID"
	sleep 0.5	# sessions are counted when they end
	row "$label" "$(sink_sessions "$T_TMP/sink-$sink.log")" "$N" "$secs" \
		"$(b_rate "$N" "$secs")" $figures >> "$T_TMP/table"
}

b_machine
echo "# drain: $N messages of 1 KB to one destination (smtp-sink)"
if [ -n "${BENCH_QUEUE:-}" ]; then
	row() { printf '%-26s %14s %9s %8s %8s %9s %12s %10s\n' "$1" "$2" "$3" "$4" "$5" "${6:--}" "${7:--}" "${8:--}"; }
	row server sink-sessions messages seconds msgs/s startup-s sched-RSS-kB sched-cpu-s > "$T_TMP/table"
else
	row() { printf '%-26s %14s %9s %8s %8s\n' "$@"; }
	row server sink-sessions messages seconds msgs/s > "$T_TMP/table"
fi
for s in "${servers[@]}"; do
	case $s in
	tern) drain_tern "tern relay" "$T_ROOT/relay/relay" 127.0.0.9 ;;
	tern-alt) drain_tern "tern-alt relay" "$BENCH_TERN_RELAY" 127.0.0.11 ;;
	tern-dkim) drain_tern "tern relay +DKIM 2 sigs" "$T_ROOT/relay/relay" 127.0.0.12 \
		--dkim client.test ;;
	postfix)
		start_sink 127.0.0.10
		b_postfix_setup 2527
		smtp-source -d -l 1024 -s 20 -m "$N" -M client.test -f a@client.test \
			-t b@example.test 127.0.0.1:2527 > "$T_TMP/source.log" 2>&1 ||
			t_fail "postfix: smtp-source" "$(tail -n 5 "$T_TMP/source.log")"
		t_is "$(b_postfix_count)" "$N" "postfix: $N messages held"
		postconf -c "$B_PF_ETC" -e 'relay_transport = relay:[127.0.0.10]:25' \
			'smtpd_end_of_data_restrictions =' || t_bail "postconf"
		postfix -c "$B_PF_ETC" reload >/dev/null 2>&1
		postsuper -c "$B_PF_ETC" -H ALL hold 2>&1 | sed 's/^/# /'
		start=$(b_now)
		postqueue -c "$B_PF_ETC" -f
		if wait_empty b_postfix_count 600; then
			secs=$(b_elapsed "$start")
			t_pass "postfix: queue empty"
		else
			t_fail "postfix: queue empty" "$(b_postfix_count) left" "$(tail -n 5 "$B_PF/maillog")"
			secs=-
		fi
		sleep 0.5
		got=$(sink_count "$T_TMP/sink-127.0.0.10.log")
		t_is "$got" "$N" "postfix: the sink received all $N"
		b_postfix_stop
		sleep 1
		row "postfix qmgr+smtp" "$(sink_sessions "$T_TMP/sink-127.0.0.10.log")" "$N" "$secs" \
			"$(b_rate "$N" "$secs")" >> "$T_TMP/table" ;;
	*) t_bail "unknown server $s" ;;
	esac
done
cat "$T_TMP/table"
