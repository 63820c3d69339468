#!/usr/bin/env bash
# relay over LMTP (RFC 2033) end to end: routes lmtp:unix:/path and
# lmtp:[host]:port to t/sink.py --lmtp; one message to several recipients
# gets one reply per recipient after the final dot, each logged as such.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject
t_tmpdir
mkdir -p "$T_TMP/sock" && chmod 0755 "$T_TMP/sock"
"$T_PY" "$T_ROOT/t/sink.py" --lmtp --unix "$T_TMP/sock/lmtp" --dir "$T_TMP/unix" \
	--ready "$T_TMP/unix.ready" --reply 'full=452 4.2.2 mailbox full' > "$T_TMP/sink-unix.log" 2>&1 &
T_PIDS+=("$!")
t_wait_for 10 test -e "$T_TMP/unix.ready" || t_bail "LMTP unix sink not ready"
t_start_sink 127.0.0.31:2424 "$T_TMP/tcp" --lmtp
t_start_sink 127.0.0.32:25 "$T_TMP/bounce"
t_instance --set 'retry-min 1h' --set 'concurrency 5' \
	--route "unix.test=lmtp:unix:$T_TMP/sock/lmtp" --route 'tcp.test=lmtp:[127.0.0.31]:2424' \
	--route 'sender.test=smtp:[127.0.0.32]:25'

printf 'Subject: lmtp\r\n\r\n.dot\r\nper recipient\r\n' > "$T_TMP/m"
printf 'Subject: lmtp\r\n\r\n.dot\r\nper recipient\r\n' > "$T_TMP/m.want"
t_inject a@sender.test a@unix.test reject@unix.test full@unix.test b@unix.test < "$T_TMP/m"
t_inject a@sender.test c@tcp.test < "$T_TMP/m"
t_relay_start

t_sink_wait 20 "$T_TMP/unix" 1
t_file_is "$T_TMP/unix/1.eml" "$T_TMP/m.want" "LMTP over a unix socket: the message byte for byte"
env=$(cat "$T_TMP/unix/1.env" 2>/dev/null)
t_like "$env" '^proto LMTP$' "spoken: LMTP"
t_like "$(cat "$T_TMP/unix/log")" '^1> LHLO mx\.example\.test$' "LHLO with our host name"
t_is "$(grep '^delivered ' <<<"$env")" "$(printf 'delivered a@unix.test\ndelivered b@unix.test')" \
	"one transaction, two recipients delivered"
t_relay_log_wait 10 'recipient=b@unix\.test'
log=$(cat "$T_TMP/relay.log")
t_like "$log" 'delivered .*recipient=a@unix\.test reply=".*250 2\.0\.0 a@unix\.test delivered' "a: its own 250"
t_like "$log" 'delivered .*recipient=b@unix\.test reply=".*250 2\.0\.0 b@unix\.test delivered' "b: its own 250"
t_like "$log" 'failed .*recipient=reject@unix\.test reply=".*550 5\.1\.1' "reject: 550 5.1.1 after the dot"
t_like "$log" 'deferred .*recipient=full@unix\.test reply=".*452 4\.2\.2 mailbox full' "full: 452 4.2.2 after the dot"
t_sink_wait 20 "$T_TMP/tcp" 1
t_like "$(cat "$T_TMP/tcp/1.env" 2>/dev/null)" '^delivered c@tcp\.test$' "LMTP over TCP (lmtp:[127.0.0.31]:2424)"
t_relay_stop
