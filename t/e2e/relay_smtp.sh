#!/usr/bin/env bash
# relay, the SMTP client end to end (RFC 5321, 2920, 1870, 6152, 6531): routes
# in tern.conf send each test domain to its own sink (t/sink.py) on
# 127.0.0.x; messages go inject -> queue -> relay/relay -> sink. Checks the
# exact bytes the sink stored (CRLF only, dot-stuffing undone by the sink),
# the commands it saw, and the per-recipient replies the relay logged.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
t_start_sink 127.0.0.21:25 "$T_TMP/mixed"
t_start_sink 127.0.0.22:25 "$T_TMP/size" --size 1000
t_start_sink 127.0.0.23:25 "$T_TMP/utf8" --no-smtputf8
t_start_sink 127.0.0.24:25 "$T_TMP/helo" --no-ehlo
t_start_sink 127.0.0.25:2525 "$T_TMP/smart"
t_start_sink 127.0.0.26:25 "$T_TMP/nopipe" --no-pipelining --no-8bitmime
t_start_sink 127.0.0.27:25 "$T_TMP/bounce"
t_instance --set 'retry-min 1h' --set 'concurrency 5' \
	--route 'mixed.test=smtp:[127.0.0.21]:25' --route 'size.test=smtp:[127.0.0.22]:25' \
	--route 'utf8.test=smtp:[127.0.0.23]:25' --route 'helo.test=smtp:[127.0.0.24]:25' \
	--route 'nopipe.test=smtp:[127.0.0.26]:25' --route 'sender.test=smtp:[127.0.0.27]:25' \
	--route '*=smtp:[127.0.0.25]:2525'

# a body with every kind of line break and leading dots
printf 'Subject: mixed\r\n\r\nline1\nline2\r.dot after bare CR\r\n.leading\n..two\r\n.\r\nlast\xc3\xa9 no EOL' > "$T_TMP/mixed.msg"
printf 'Subject: mixed\r\n\r\nline1\r\nline2\r\n.dot after bare CR\r\n.leading\r\n..two\r\n.\r\nlast\xc3\xa9 no EOL\r\n' > "$T_TMP/mixed.want"
t_inject a@sender.test ok1@mixed.test reject@mixed.test always-defer@mixed.test ok2@mixed.test < "$T_TMP/mixed.msg"
{ printf 'Subject: big\r\n\r\n'; for i in $(seq 1 40); do printf '%060d\r\n' "$i"; done; } | t_inject a@sender.test u@size.test
printf 'Subject: utf8\r\n\r\nx\r\n' | t_inject a@sender.test 'jürgen@utf8.test'
printf 'Subject: helo\r\n\r\nx\r\n' | t_inject a@sender.test u@helo.test
printf 'Subject: smart\r\n\r\nx\r\n' | t_inject a@sender.test u@elsewhere.test
printf 'Subject: nopipe\r\n\r\n7-bit\r\n' | t_inject a@sender.test n1@nopipe.test reject@nopipe.test n2@nopipe.test
t_relay_start

# --- mixed per-recipient results in one pipelined transaction ---------------------
t_sink_wait 20 "$T_TMP/mixed" 1
t_file_is "$T_TMP/mixed/1.eml" "$T_TMP/mixed.want" "body arrives CRLF-only, dots intact, bare CR/LF turned into CRLF"
env=$(cat "$T_TMP/mixed/1.env" 2>/dev/null)
t_is "$(grep -E '^(to|delivered) ' <<<"$env")" "$(printf 'to ok1@mixed.test\nto ok2@mixed.test\ndelivered ok1@mixed.test\ndelivered ok2@mixed.test')" \
	"one transaction: the two good recipients accepted and delivered"
t_like "$env" '^pipelined 1$' "PIPELINING: MAIL came with the RCPTs and DATA in the same write"
t_like "$env" '^mail-options .*BODY=8BITMIME' "8-bit body: BODY=8BITMIME"
t_like "$env" '^mail-options .*SIZE=[0-9]+' "SIZE= given on MAIL"
t_is "$(grep -c '> MAIL' "$T_TMP/mixed/log")" 1 "exactly one MAIL for four recipients"
t_relay_log_wait 10 'recipient=always-defer@mixed\.test'
log=$(cat "$T_TMP/relay.log")
t_like "$log" 'delivered .*recipient=ok1@mixed\.test reply=".*250 2\.0\.0' "ok1: 250"
t_like "$log" 'delivered .*recipient=ok2@mixed\.test reply=".*250 2\.0\.0' "ok2: 250"
t_like "$log" 'failed .*recipient=reject@mixed\.test reply=".*550 5\.1\.1 no such user' "reject: 550 5.1.1 with the server's text"
t_like "$log" 'deferred .*recipient=always-defer@mixed\.test reply=".*451 4\.3\.0' "always-defer: 451 4.3.0 deferred"

# --- SIZE refusal, SMTPUTF8 refusal, HELO fallback, smarthost, no PIPELINING -----
verdict() {	# RCPT REPLY-ERE DESC
	t_relay_log_wait 15 "recipient=$1 reply=\"?$2"
	t_like "$(cat "$T_TMP/relay.log")" "recipient=$1 reply=\"?$2" "$3"
	t_unlike "$(cat "$T_TMP/relay.log")" "recipient=$1 reply=\"?.* said" "$3: made here, no remote MTA named"
}
verdict 'u@size\.test' '552 5\.3\.4' "message larger than the server's SIZE: 552 5.3.4 locally"
t_unlike "$(cat "$T_TMP/size/log")" '> MAIL' "SIZE refusal: no MAIL was sent"
verdict 'jürgen@utf8\.test' '553 5\.6\.7' "UTF-8 envelope, no SMTPUTF8 offered: 553 5.6.7"
t_unlike "$(cat "$T_TMP/utf8/log")" '> MAIL' "SMTPUTF8 refusal: no MAIL was sent"
t_sink_wait 10 "$T_TMP/helo" 1
t_like "$(cat "$T_TMP/helo/log")" '^1> HELO mx\.example\.test$' "EHLO refused: HELO fallback, with our host name"
t_like "$(cat "$T_TMP/helo/1.env" 2>/dev/null)" '^delivered u@helo\.test$' "HELO fallback: delivered"
t_sink_wait 10 "$T_TMP/smart" 1
t_like "$(cat "$T_TMP/smart/1.env" 2>/dev/null)" '^delivered u@elsewhere\.test$' "default route: smarthost on port 2525"
t_sink_wait 10 "$T_TMP/nopipe" 1
env=$(cat "$T_TMP/nopipe/1.env" 2>/dev/null)
t_like "$env" '^pipelined 0$' "no PIPELINING offered: one command at a time"
t_is "$(grep -E '^delivered ' <<<"$env")" "$(printf 'delivered n1@nopipe.test\ndelivered n2@nopipe.test')" \
	"no PIPELINING: good recipients delivered around the rejected one"

# --- the bounce for the permanent failures reaches the sender ---------------------
t_sink_wait 20 "$T_TMP/bounce" 3
dsn=$(cat "$T_TMP"/bounce/*.eml 2>/dev/null | tr -d '\r')
t_like "$dsn" '^Diagnostic-Code: smtp; 550 5\.1\.1 no such user' "DSN carries the remote 550 5.1.1 reply"
t_like "$dsn" '^Status: 5\.3\.4' "DSN for the SIZE refusal"
t_like "$dsn" '^Status: 5\.6\.7' "DSN for the SMTPUTF8 refusal"
t_relay_stop
