#!/usr/bin/env bash
# relay, a server's recipient limit (RFC 5321 §4.5.3.1.10): a sink that takes
# at most 2 recipients per transaction (t/sink.py --max-rcpt 2) answers 452
# 4.5.3 to the RCPTs past them; the relay sends those in further transactions
# at once, on the same connection, with and without PIPELINING. retry-min is
# an hour, so nothing here can arrive through the retry timer. A 452 to the
# first RCPT of a transaction is an ordinary deferral.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
t_start_sink 127.0.0.31:25 "$T_TMP/pipe" --max-rcpt 2
t_start_sink 127.0.0.32:25 "$T_TMP/nopipe" --max-rcpt 2 --no-pipelining
t_start_sink 127.0.0.33:25 "$T_TMP/first" --reply 'full=452 4.5.3 Too many recipients'
t_instance --set 'retry-min 1h' \
	--route 'pipe.test=smtp:[127.0.0.31]:25' --route 'nopipe.test=smtp:[127.0.0.32]:25' \
	--route 'first.test=smtp:[127.0.0.33]:25'

printf 'Subject: five\r\n\r\nfive recipients\r\n' |
	t_inject a@sender.test r1@pipe.test r2@pipe.test r3@pipe.test r4@pipe.test r5@pipe.test
printf 'Subject: five\r\n\r\nfive recipients\r\n' |
	t_inject a@sender.test r1@nopipe.test r2@nopipe.test r3@nopipe.test r4@nopipe.test r5@nopipe.test
printf 'Subject: first\r\n\r\nx\r\n' | t_inject a@sender.test full@first.test ok@first.test
t_relay_start

# envelopes DIR: the "to" lines of each stored transaction, in order
envelopes() {
	local f
	for f in "$1"/1.env "$1"/2.env "$1"/3.env; do
		grep '^to ' "$f" 2>/dev/null | cut -d' ' -f2 | paste -sd' '
	done
}
for d in pipe nopipe; do
	t_sink_wait 20 "$T_TMP/$d" 3
	t_is "$(envelopes "$T_TMP/$d")" "$(printf 'r1@%s.test r2@%s.test\nr3@%s.test r4@%s.test\nr5@%s.test' $d $d $d $d $d)" \
		"$d: five recipients over a limit of two: three transactions of 2, 2 and 1"
	t_is "$(grep -c '> MAIL' "$T_TMP/$d/log")" 3 "$d: three MAIL commands"
	t_is "$(grep -h '^conn ' "$T_TMP/$d"/*.env | sort -u)" "conn 1" "$d: all on the first connection"
	t_is "$(grep -c 'connect$' "$T_TMP/$d/log")" 1 "$d: one connection in all"
	t_relay_log_wait 10 "delivered .*recipient=r5@$d\\.test"
	t_is "$(grep -cE "delivered .*recipient=r[1-5]@$d\\.test" "$T_TMP/relay.log")" 5 \
		"$d: the relay logs all five delivered"
	t_unlike "$(cat "$T_TMP/relay.log")" "deferred.*recipient=r[1-5]@$d\\.test" "$d: none deferred"
done
t_is "$(grep -c 'RCPT TO:<r3@pipe.test>' "$T_TMP/pipe/log")" 2 "pipe: r3 sent twice (refused, then accepted)"

# 452 to the first RCPT: the server has no room at all; an ordinary deferral
t_sink_wait 20 "$T_TMP/first" 1
t_is "$(grep '^to ' "$T_TMP/first/1.env" 2>/dev/null)" "to ok@first.test" "first: ok@ delivered in the one transaction"
t_relay_log_wait 10 'recipient=full@first\.test'
t_like "$(cat "$T_TMP/relay.log")" 'deferred .*recipient=full@first\.test reply=".*452 4\.5\.3' \
	"first: a 452 to the first RCPT is an ordinary deferral"
t_unlike "$(cat "$T_TMP/relay.log")" 'sent again at once.*recipient=full@first\.test' \
	"first: not sent again at once"
sleep 2
t_is "$(grep -c '> MAIL' "$T_TMP/first/log")" 1 "first: no second transaction (the retry waits an hour)"
t_relay_stop
