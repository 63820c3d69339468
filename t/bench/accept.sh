#!/usr/bin/env bash
# t/bench/accept.sh - how fast tern accepts mail durably, against Postfix on
# the same machine. In a private network namespace: one tern instance with
# smtpd started per connection by systemd-socket-activate --accept and by
# tcpserver, and a private Postfix (t/bench/postfix.sh; every message held in
# its queue). Postfix's smtp-source sends 1 KB messages (-l 1024) over 20 and
# over 1 parallel sessions, with a new connection per message and with
# connection reuse (-d). Each run is sized for about BENCH_SECONDS (10) from a
# warm-up; messages/s is from wall time, and a run counts only if every
# message is in the queue afterwards (tern: files in mess/; Postfix: files
# in hold/), so the figures are for durably accepted mail.
#
#	bash t/bench/accept.sh [SERVER...]     SERVER: tern-sa tern-tcpserver postfix
#
# BENCH_SESSIONS ("20 1"), BENCH_REUSE ("no yes") choose the runs;
# BENCH_TERN_QUEUE=PATH adds a "tern-sa+PATH" row set with smtpd using that
# injector (to compare injector builds).
. t/lib.sh
t_netns "$@"
. t/bench/lib.sh
. t/bench/postfix.sh
t_need smtpd/smtpd queue/inject smtp-source systemd-socket-activate tcpserver postfix

servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(tern-sa tern-tcpserver postfix)
[ -n "${BENCH_TERN_QUEUE:-}${BENCH_TERN_SMTPD:-}" ] && servers+=(tern-sa-alt)
t_instance
for s in "${servers[@]}"; do
	case $s in
	tern-sa) t_start_smtpd_sa 127.0.0.1 2525 ;;
	tern-tcpserver) t_start_smtpd_tcpserver 127.0.0.1 2526 ;;
	tern-sa-alt)
		t_bg smtpd-sa-alt systemd-socket-activate --accept --inetd -l 127.0.0.1:2528 \
			-E TERN_CONFDIR -E "TERN_QUEUE=${BENCH_TERN_QUEUE:-$TERN_QUEUE}" \
			"${BENCH_TERN_SMTPD:-$T_ROOT/smtpd/smtpd}"
		t_wait_port 127.0.0.1 2528 || t_bail "tern-sa-alt did not listen" ;;
	postfix) b_postfix_setup 2527 ;;
	*) t_bail "unknown server $s" ;;
	esac
done

port_of() {
	case $1 in tern-sa) echo 2525 ;; tern-tcpserver) echo 2526 ;; postfix) echo 2527 ;; tern-sa-alt) echo 2528 ;; esac
}
count_of() {
	case $1 in postfix) b_postfix_count ;; *) t_queue_count ;; esac
}
# clear_queue SERVER: empty the queue between runs (nothing delivers it) by
# moving the files aside, not deleting them: ext4 without a journal (as on
# this kind of machine) skips inodes freed in the last minutes when it
# allocates new ones (fs/ext4/ialloc.c, recently_deleted()), so thousands of
# deletions would slow whichever run comes next. Everything goes at exit.
clear_queue() {
	local attic="$T_TMP/attic-$1"
	mkdir -p "$attic"
	case $1 in
	postfix) find "$B_PF_SPOOL/hold" -type f -exec mv -t "$attic" {} + ;;
	*) find "$T_INST/queue/mess" -type f -exec mv -t "$attic" {} + ;;
	esac
}
# send SERVER SESSIONS REUSE COUNT: smtp-source; prints the wall seconds.
send() {
	local port opt=() start
	port=$(port_of "$1")
	[ "$3" = yes ] && opt=(-d)
	start=$(b_now)
	smtp-source "${opt[@]}" -l 1024 -s "$2" -m "$4" -M client.test -f a@client.test \
		-t b@example.test "127.0.0.1:$port" > "$T_TMP/source.log" 2>&1 || return 1
	b_elapsed "$start"
}

b_machine
echo "# accept: 1 KB messages (smtp-source -l 1024), about ${BENCH_SECONDS} s a run"
b_row server sessions reuse messages seconds msgs/s > "$T_TMP/table"
# servers innermost: each configuration is measured for every server one
# after the other, so a change in the machine's state (other work, the file
# system's recently freed inodes) skews all of them alike
for sessions in ${BENCH_SESSIONS:-20 1}; do
	for reuse in ${BENCH_REUSE:-no yes}; do
		for s in "${servers[@]}"; do
			clear_queue "$s"
			warm=$((sessions * 20)); [ $warm -lt 200 ] && warm=200
			if ! secs=$(send "$s" "$sessions" "$reuse" $warm); then
				t_fail "$s -s $sessions reuse=$reuse: warm-up" "$(tail -n 5 "$T_TMP/source.log")"
				continue
			fi
			n=$(b_calibrate "$(b_rate $warm "$secs")")
			clear_queue "$s"
			before=$(count_of "$s")
			if ! secs=$(send "$s" "$sessions" "$reuse" "$n"); then
				t_fail "$s -s $sessions reuse=$reuse: smtp-source exited non-zero" \
					"$(tail -n 5 "$T_TMP/source.log")"
				continue
			fi
			got=$(( $(count_of "$s") - before ))
			t_is "$got" "$n" "$s, $sessions sessions, reuse $reuse: all $n messages queued"
			b_row "$s" "$sessions" "$reuse" "$n" "$secs" "$(b_rate "$n" "$secs")" >> "$T_TMP/table"
		done
	done
done
clear_queue tern-sa
b_postfix_stop
cat "$T_TMP/table"
