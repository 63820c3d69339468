# t/relay.sh - helpers for the relay's end-to-end tests (bash; source it after
# t/lib.sh): ldns-testns(1) data files, injecting, waiting for results.
#
#	t_dns_answer FILE QTYPE QNAME RR...   answer QTYPE QNAME with the RRs
#	                                      (zone-file lines; none: NODATA)
#	t_dns_rcode FILE QTYPE QNAME RCODE    answer with an error: NXDOMAIN, SERVFAIL...
#	t_dns_sleep FILE QTYPE QNAME SECONDS  answer only after SECONDS (a timeout)
#	t_dns_default FILE RCODE              every query not matched before
#
# Entries are tried first to last, so write t_dns_default last. Names are
# written absolute ("mx1.example.test.").
#
#	t_inject SENDER RCPT... < MESSAGE     queue a message with queue/inject
#	                                      (as nobody when root); prints nothing
#	t_relay_log_wait SECONDS ERE          wait until the relay's log
#	                                      ($T_TMP/relay.log) has a matching line
#	t_sink_wait SECONDS DIR N             wait until DIR holds N messages

t_inject() {
	local env=$T_TMP/inject.env.$$ a run=()
	printf 'F%s\0' "$1" > "$env"; shift
	for a in "$@"; do printf 'T%s\0' "$a" >> "$env"; done
	printf '\0' >> "$env"
	chmod 0644 "$env"
	[ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ] && run=(setpriv --reuid nobody --regid nogroup --clear-groups)
	"${run[@]}" "$T_ROOT/queue/inject" 1< "$env" || t_fail "inject exited $?"
	rm -f "$env"
}

t_relay_log_wait() {
	local secs=$1 re=$2
	t_wait_for "$secs" grep -qE -- "$re" "$T_TMP/relay.log"
}

t_sink_count_() {
	[ "$(ls "$1" 2>/dev/null | grep -c '\.eml$')" -ge "$2" ]
}

t_sink_wait() {
	t_wait_for "$1" t_sink_count_ "$2" "$3"
}

t_dns_entry_() {
	local file=$1 qtype=$2 qname=$3 flags=$4 adjust=$5 rr; shift 5
	{
		echo "ENTRY_BEGIN"
		echo "MATCH opcode qtype qname"
		echo "ADJUST copy_id $adjust"
		echo "REPLY QR RD RA $flags"
		echo "SECTION QUESTION"
		echo "$qname IN $qtype"
		echo "SECTION ANSWER"
		for rr in "$@"; do echo "$rr"; done
		echo "ENTRY_END"
		echo
	} >> "$file"
}

t_dns_answer() {
	local file=$1 qtype=$2 qname=$3; shift 3
	t_dns_entry_ "$file" "$qtype" "$qname" NOERROR "" "$@"
}

t_dns_rcode() {
	t_dns_entry_ "$1" "$2" "$3" "$4" ""
}

t_dns_sleep() {
	t_dns_entry_ "$1" "$2" "$3" NOERROR "sleep=$4"
}

t_dns_default() {
	{
		echo "ENTRY_BEGIN"
		echo "MATCH opcode"
		echo "ADJUST copy_id copy_query"
		echo "REPLY QR RD RA $2"
		echo "ENTRY_END"
	} >> "$1"
}

# t_relay_start: relay/relay -f in the background, log in $T_TMP/relay.log.
# t_relay_stop: SIGTERM to the relay alone and wait (10 s) until it and its
# workers are gone. The workers ignore SIGTERM and end when the scheduler
# closes their pipes, so killing the tree child-first (t_kill_tree at exit)
# would wait 2 s per worker.
t_relay_start() {
	t_bg relay "$T_ROOT/relay/relay" -f
	T_RELAY_PID=$T_LAST_PID
}

t_relay_stop() {
	local kids
	[ -n "${T_RELAY_PID:-}" ] || return 0
	kids=$(pgrep -P "$T_RELAY_PID")
	kill -TERM "$T_RELAY_PID" 2>/dev/null
	t_wait_for 10 eval '! kill -0 '"$T_RELAY_PID"' 2>/dev/null'
	for k in $kids; do t_wait_for 5 eval '! kill -0 '"$k"' 2>/dev/null'; done
	T_RELAY_PID=
}
