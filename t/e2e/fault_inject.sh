#!/usr/bin/env bash
# fault_inject: every file-system call the injector makes on the queue fails
# in turn, with ENOSPC, EIO and EDQUOT, through smtpd and through sendmail;
# where the injector recovers from a fault, every call of its way round fails
# in turn as well.
#
# t/fault/libfault.so (LD_PRELOAD; t/fault/fault.c) counts the injector's
# calls on the queue (open/openat, write, fsync, link/linkat, rename...,
# unlink..., mkdir...) and fails the chosen ones. smtpd and the installed
# inject are static musl programs, which no preload reaches: smtpd's queue
# program is a script that execs t/fault/inject, the same injector linked
# dynamically with glibc, with the shim preloaded.
#
# For every point: SMTP gets a 4xx after the final dot (never 250 unless the
# message is whole in mess/: a fault the injector recovers from is allowed
# and reported) and sendmail exits non-zero (75) unless it was queued whole;
# a message refused is not in mess/ (unless the injector's taking it back
# failed too: then it is there whole, a duplicate at worst). Three messages
# queued before stay; afterwards queuectl lists exactly the accepted ones and
# the relay delivers exactly those, each byte for byte, to a sink. The errno
# turns with the call; T_SLOW=1 (make check-slow) fails each call with each
# of the three.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/queuectl queue/sendmail relay/relay t/fault/inject t/fault/libfault.so
. t/relay.sh
sinkport=$(t_free_port)
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport" --relay-net 127.0.0.1/32 \
	--set 'retry-min 1s' \
	--set 'retry-max 2s'
q=$(t_queue_dir)
f=$T_TMP/fault
mkdir -p "$f/msg" && chmod 1777 "$f"

# the queue program: the dynamic injector with the shim. As root smtpd runs
# as smtpd-user, not the queue's owner: then a copy of the instance's setuid
# injector (t/instance, t/inject-as-owner) runs it, as f/inject.real.
cat > "$f/inject.real" <<EOF
#!/bin/sh
export LD_PRELOAD='$T_ROOT/t/fault/libfault.so' TFAULT_DIR='$q'
export TFAULT_LOG='$f/log' TFAULT_PLAN='$f/plan'
export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
exec '$T_ROOT/t/fault/inject' "\$@"
EOF
chmod 0755 "$f/inject.real"
if [ "$TERN_QUEUE" = "$T_INST/inject" ]; then
	cp -p "$T_INST/inject" "$f/inject"
else
	ln -s "$f/inject.real" "$f/inject"
fi

# make check: the errno turns with the call (ENOSPC, EIO, EDQUOT, ENOSPC...);
# T_SLOW=1: every call with each of the three. (A bigger message only adds
# write calls: a 1 MB one made 86, each a point, 15 minutes.)
lines=1300 passes=(turn)
[ -n "${T_SLOW:-}" ] && passes=(ENOSPC EIO EDQUOT)
errnos=(ENOSPC EIO EDQUOT)
errno_of() { if [ "$1" = turn ]; then echo "${errnos[$(($2 % 3))]}"; else echo "$1"; fi; }
# message TAG: a message (CRLF) whose Subject and last line name TAG, in
# $f/msg/TAG; its body alone in $f/msg/TAG.body (sendmail adds header fields)
message() {
	[ -e "$f/lines" ] || "$T_PY" -c 'import sys
sys.stdout.write(("%s\r\n" % ("x" * 74)) * int(sys.argv[1]))' "$lines" > "$f/lines"
	printf 'start of %s\r\n' "$1" | cat - "$f/lines" > "$f/msg/$1.body"
	printf 'end of %s\r\n' "$1" >> "$f/msg/$1.body"
	printf 'Subject: %s\r\nFrom: s@remote.test\r\n\r\n' "$1" | cat - "$f/msg/$1.body" > "$f/msg/$1"
}
# queued_whole TAG: exactly one file in mess/ holds TAG's message, its body whole
queued_whole() {
	local id n=0 ok=0 size
	size=$(wc -c < "$f/msg/$1.body")
	for id in $(grep -l -F "Subject: $1"$'\r' "$q/mess"/* 2>/dev/null); do
		n=$((n + 1))
		cmp -s <(t_queue_message "${id##*/}" | tail -c "$size") "$f/msg/$1.body" && ok=$((ok + 1))
	done
	[ "$n" = 1 ] && [ "$ok" = 1 ]
}
queued_not() { ! grep -q -F "Subject: $1"$'\r' "$q/mess"/* 2>/dev/null; }

# --- three messages queued before any fault: they must survive all of it ---
for t in before-1 before-2 before-3; do
	message "$t"
	t_inject s@remote.test "$t@remote.test" < "$f/msg/$t"
done
t_is "$(t_queue_count)" 3 "three messages queued before the faults"
accepted=(before-1 before-2 before-3) refused=() failed_ops=()

# points LOG [AFTER]: the calls of a shim log as OP#K (the K-th call of kind
# OP in that run), one a line; with AFTER, only those after the AFTER-th call
points() {
	awk -v after="${2:-0}" '{ k[$3]++; if ($2 > after) print $3 "#" k[$3] }' "$1"
}

# point VIA PLAN ERRNO: one run with the calls of PLAN failing (t/fault/fault.c:
# OP#K[,OP#K]); sets $fired (the calls failed), $nfired (how many), $code
# (SMTP reply after the dot, or sendmail's exit) and keeps the log as $f/last
point() {
	local via=$1 plan=$2 err=$3 tag out
	tag=$via-$(tr -c 'a-z0-9\n' - <<<"$plan")-$err
	echo "$plan $err" > "$f/plan"
	rm -f "$f/log"
	message "$tag"
	if [ "$via" = smtp ]; then
		printf '.\r\n' | cat "$f/msg/$tag" - > "$f/data"
		out=$(t_smtp_chat 127.0.0.1 "$port" 'EHLO c.test' 'MAIL FROM:<s@remote.test>' \
			"RCPT TO:<$tag@remote.test>" DATA "@$f/data" QUIT)
		code=$(t_codes "$out" | awk '{print $6}')
	else
		TERN_QUEUE=$f/inject "$T_ROOT/queue/sendmail" -f s@remote.test "$tag@remote.test" \
			< "$f/msg/$tag" 2>"$f/sendmail.err"
		code=$?
	fi
	touch "$f/log"
	cp "$f/log" "$f/last"
	fired=$(grep ' FAIL ' "$f/log" | cut -d' ' -f2- | sed "s| FAIL.*||; s|$q/||" |
		paste -sd, | sed 's/,/, /g')
	nfired=$(grep -c ' FAIL ' "$f/log")
	check "$via" "$plan" "$err" "$tag"
}

# check VIA PLAN ERRNO TAG: the assertions of one point. A 250 (exit 0) only
# with the message whole in mess/; otherwise 4xx (75) and the message not in
# mess/, unless taking it back failed too (fsync of mess/ failed, then the
# unlink of mess/ID): then it stays, whole, and is delivered (a duplicate
# when the client retries, never a loss).
check() {
	local via=$1 plan=$2 err=$3 tag=$4 ok=0 whole=0 what
	queued_whole "$tag" && whole=1
	if [ "$nfired" = 0 ]; then
		what="$via: no call $plan in this run ($(wc -l < "$f/log") calls)"
		if [ "$via" = smtp ]; then [ "$code" = 250 ] && [ $whole = 1 ] && ok=1
		else [ "$code" = 0 ] && [ $whole = 1 ] && ok=1; fi
		[ $ok = 1 ] && t_pass "$what: accepted and queued whole" \
			|| t_fail "$what: accepted and queued whole" "reply/exit: $code"
		accepted+=("$tag")
		return
	fi
	failed_ops+=($(grep ' FAIL ' "$f/log" | cut -d' ' -f3))
	what="$via: $plan fails with $err ($fired)"
	if { [ "$via" = smtp ] && [ "$code" = 250 ]; } || { [ "$via" = sendmail ] && [ "$code" = 0 ]; }; then
		if [ $whole = 1 ]; then
			t_pass "$what: recovered, queued whole"
			accepted+=("$tag")
		else
			t_fail "$what: accepted but not queued whole" "$(cat "$f/log")"
		fi
		return
	fi
	case $via:$code in
	smtp:4[0-9][0-9]|sendmail:75) ok=1 ;;
	esac
	if [ $ok = 1 ] && queued_not "$tag"; then
		t_pass "$what: $code, nothing queued"
		refused+=("$tag")
	elif [ $ok = 1 ] && [ $whole = 1 ] && grep -q ' unlinkat [^ ]*/mess/[0-9A-Za-z]* FAIL ' "$f/log"; then
		t_pass "$what: $code; taking it back failed: left whole in mess/"
		accepted+=("$tag")
	else
		t_fail "$what: 4xx/75 and nothing queued" "reply/exit: $code" \
			"queued: $(grep -l -F "Subject: $tag" "$q/mess"/* 2>/dev/null)" \
			"$(cat "$f/sendmail.err" 2>/dev/null)"
		refused+=("$tag")
	fi
}

export TERN_QUEUE=$f/inject
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"

# --- the counting run, then every point with each errno --------------------
# A point is the K-th call of a kind (OP#K), so that a run whose pipe brought
# the message in more or fewer reads (more or fewer writes) still fails the
# call meant. Where a run went on after its fault (a cleanup, taking the
# message back, or another way to the same commit), each of those later
# calls fails in turn as well, together with the first.
for via in smtp sendmail; do
	point "$via" "none#0" ENOSPC
	calls=$(wc -l < "$f/last")
	echo "# $via: a clean run makes $calls calls on the queue:"
	cut -d' ' -f3- "$f/last" | sed "s|$q/||; s/^/#   /"
	points "$f/last" > "$f/points"
	for pass in "${passes[@]}"; do
		i=0 missed=
		while read -r p1; do
			i=$((i + 1))
			point "$via" "$p1" "$(errno_of "$pass" "$i")"
			# the number of writes varies with how the pipe splits the
			# message: a write#K past the first may be missing; no other
			case $nfired:$p1 in 0:write#1|0:[!w]*) missed="$missed $p1" ;; esac
			at=$(grep -n ' FAIL ' "$f/last" | head -n1 | cut -d: -f1)
			[ -n "$at" ] || continue
			points "$f/last" "$at" > "$f/later"
			[ -s "$f/later" ] && echo "# $via: after $p1 failed the run went on: failing its $(wc -l < "$f/later") later calls"
			while read -r p2; do
				i=$((i + 1))
				point "$via" "$p1,$p2" "$(errno_of "$pass" "$i")"
			done < "$f/later"
		done < "$f/points"
		[ -z "$missed" ] && t_pass "$via/$pass: each of the clean run's $calls calls failed in turn" \
			|| t_fail "$via/$pass: each of the clean run's $calls calls failed in turn" "not reached:$missed"
	done
done

kinds=$(printf '%s\n' "${failed_ops[@]}" | sort -u | tr '\n' ' ')
echo "# calls failed: $kinds"
for k in open openat 'openat\+w' write fsync linkat renameat2; do
	t_like "$kinds" "(^| )$k " "a failing ${k/\\/} was among the faults"
done

# --- what is queued now: the accepted messages, exactly --------------------
t_is "$(t_queue_count)" "${#accepted[@]}" "mess/ holds exactly the ${#accepted[@]} accepted messages"
for t in before-1 before-2 before-3; do
	queued_whole "$t" && t_pass "$t, queued before the faults, is still there whole" \
		|| t_fail "$t, queued before the faults, is still there whole"
done
list=$("$T_ROOT/queue/queuectl" list 2>&1)
t_like "$list" "^${#accepted[@]} messages\$" "queuectl list counts them"
t_unlike "$list" 'unreadable' "queuectl reads every one"

# --- the relay delivers exactly the accepted messages, byte for byte --------
t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink"
t_relay_start
t_wait_for 60 eval '[ "$(t_queue_count)" = 0 ]' || t_fail "the relay emptied the queue" \
	"$(tail -n 20 "$T_TMP/relay.log")"
t_relay_stop
bad=0 missing=0
for t in "${accepted[@]}"; do
	e=$(grep -l -F "Subject: $t"$'\r' "$T_TMP/sink"/*.eml 2>/dev/null | head -n1)
	if [ -z "$e" ]; then missing=$((missing + 1)); continue; fi
	cmp -s <(tail -c "$(wc -c < "$f/msg/$t.body")" "$e") "$f/msg/$t.body" || bad=$((bad + 1))
done
t_is "$missing" 0 "every accepted message was delivered"
t_is "$bad" 0 "every delivered message is whole, byte for byte"
leaked=0
for t in "${refused[@]}"; do
	grep -q -F "Subject: $t"$'\r' "$T_TMP/sink"/*.eml 2>/dev/null && leaked=$((leaked + 1))
done
t_is "$leaked" 0 "none of the ${#refused[@]} refused messages was delivered"
t_is "$(ls "$T_TMP/sink" | grep -c '\.eml$')" "${#accepted[@]}" "the sink got nothing else"
