#!/usr/bin/env bash
# `make run` (t/run-instance) end to end, in a private directory: it starts
# smtpd (systemd-socket-activate on 127.0.0.1:2525), the sink and the relay;
# the swaks command it prints delivers a message to ./run/delivered/1.eml;
# its swaks --tls command gets the same through STARTTLS, with ESMTPS in the
# Received: line; its submission command (127.0.0.1:2587, smtpd -s: STARTTLS
# and AUTH as demo) too, with ESMTPSA and the login; Ctrl-C (SIGINT) stops every process it started.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd queue/inject relay/relay checkpw/checkpw swaks openssl \
	systemd-socket-activate
t_tmpdir
export RUN_DIR=$T_TMP/run
# A background job of a script starts with SIGINT ignored (and bash cannot
# trap a signal ignored on entry): restore it, as a terminal's foreground has it.
t_bg run-instance "$T_PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' t/run-instance
runpid=$T_LAST_PID
t_ok "run-instance prints its banner" t_wait_for 20 grep -q 'Ctrl-C stops everything' "$T_TMP/run-instance.log"
cmd=$(grep -E '^ +swaks --server ' "$T_TMP/run-instance.log" | grep -v -e ' --*tls ' | sed 's/^ *//')
tlscmd=$(grep -E '^ +swaks --server .* --tls ' "$T_TMP/run-instance.log" | sed 's/^ *//')
subcmd=$(grep -E '^ +swaks --server .* -au ' "$T_TMP/run-instance.log" | sed 's/^ *//')
t_is "$cmd" "swaks --server 127.0.0.1:2525 --from you@example.test --to someone@demo.test" "it prints the swaks command"
out=$($cmd 2>&1)
t_like "$out" '<- +250 2\.0\.0 .*queued as' "the printed swaks command gets 250 queued"
t_ok "the delivered copy appears in run/delivered/1.eml" t_wait_for 30 test -e "$RUN_DIR/delivered/1.eml"
if [ -e "$RUN_DIR/delivered/1.eml" ]; then
	t_like "$(head -n1 "$RUN_DIR/delivered/1.eml" | tr -d '\r')" '^Received: from [^ ]+ \(\[127\.0\.0\.1\]\)$' "delivered copy starts with smtpd's Received line"
	t_like "$(cat "$RUN_DIR/delivered/1.env")" '^to someone@demo\.test$' "delivered to someone@demo.test"
fi
t_is "$tlscmd" "swaks --server 127.0.0.1:2525 --tls --from you@example.test --to someone@demo.test" \
	"it prints the swaks --tls command"
out=$($tlscmd 2>&1)
t_like "$out" '<~ +250 2\.0\.0 .*queued as' "the printed swaks --tls command gets 250 queued over TLS"
t_ok "the message sent over TLS is delivered to run/delivered/2.eml" t_wait_for 30 test -e "$RUN_DIR/delivered/2.eml"
t_like "$(tr -d '\r' < "$RUN_DIR/delivered/2.eml" 2>/dev/null)" '^	by mx\.example\.test \(tern\) with ESMTPS id ' \
	"its Received: line says ESMTPS"
t_is "$subcmd" \
	"swaks --server 127.0.0.1:2587 -tls -au demo -ap demo --from you@example.test --to someone@demo.test" \
	"it prints the submission command (swaks -tls -au -ap)"
out=$($subcmd 2>&1)
t_like "$out" '<~ +235 2\.7\.0 Authentication successful' "the printed submission command authenticates (235)"
t_like "$out" '<~ +250 2\.0\.0 .*queued as' "the printed submission command gets 250 queued"
t_ok "the submitted message is delivered to run/delivered/3.eml" t_wait_for 30 test -e "$RUN_DIR/delivered/3.eml"
t_like "$(tr -d '\r' < "$RUN_DIR/delivered/3.eml" 2>/dev/null)" \
	$'^\t\\(Authenticated sender: demo\\)\n\tby mx\\.example\\.test \\(tern\\) with ESMTPSA id ' \
	"its Received: line names the login and says ESMTPSA"
kill -INT "$runpid"
t_ok "SIGINT: run-instance exits" t_wait_for 10 sh -c "! kill -0 $runpid 2>/dev/null"
left=$(pgrep -a -f 'smtpd/smtpd|smtpd/tlsd|t/sink.py|relay/relay|systemd-socket-activate' | grep -v pgrep)
t_is "$left" "" "SIGINT: no smtpd, sink, relay or launcher left running"
