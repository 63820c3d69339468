#!/usr/bin/env bash
# one_id: one id per message, from the 250 reply to the bounce (queue(5),
# smtpd(8)). A message sent through smtpd (its injector run as smtpd-user
# would run it) is known by the id in "250 ... queued as ID": queuectl show
# ID finds it, its Received: line says "id ID", inject's syslog event has
# queue_id=ID, the relay's delivery log names ID, and the bounce for its
# failed recipient carries X-Tern-Queue-ID: ID. A second message with a
# taken id is refused (temporary), never renamed. A local caller of inject
# that sets no id gets one made by the queue (sendmail's path).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject queue/queuectl relay/relay
. t/relay.sh
t_tmpdir
t_syslog_start
sinkport=$(t_free_port)
t_start_sink "127.0.0.2:$sinkport" "$T_TMP/sink" --reply 'bad=550 5.1.1 no such user'
t_instance --route "remote.test=smtp:[127.0.0.2]:$sinkport"

out=$(printf 'EHLO client.test\r\nMAIL FROM:<s@remote.test>\r\nRCPT TO:<ok@remote.test>\r\nRCPT TO:<bad@remote.test>\r\nDATA\r\nSubject: one id\r\n\r\nbody\r\n.\r\nQUIT\r\n' |
	RELAYCLIENT= REMOTE_ADDR=127.0.0.1 "$T_ROOT/smtpd/smtpd" 2> "$T_TMP/smtpd.err" | tr -d '\r')
id=$(sed -nE 's/^250 2\.0\.0 Ok: queued as ([A-Za-z0-9]+)$/\1/p' <<<"$out")
t_like "$id" '^[0-9A-F]{24,32}$' "the 250 reply names the id (letters and digits: a queue id)"
t_is "$(t_queue_ids)" "$id" "the queue holds the message under that id"
show=$("$T_ROOT/queue/queuectl" show "$id" 2>&1)
t_is "$?" 0 "queuectl show ID (the id from the reply) finds it"
t_like "$show" '^Subject: one id' "... and shows the message"
t_like "$show" "id $id" "its Received: line carries the same id"
t_like "$(t_syslog_wait "queued queue_id=$id ")" "received_id=$id " \
	"inject's event: queue_id and received_id are the reply's id"
t_like "$(cat "$T_TMP/smtpd.err")" "message accepted received_id=$id " "smtpd logs the id"

# the id is taken: inject refuses to queue a second message under it
printf 'Subject: again\r\n\r\nx\r\n' | TERN_RECEIVED_ID=$id "$T_ROOT/queue/inject" \
	1< <(printf 'Fa@remote.test\0Tok@remote.test\0\0') 2> "$T_TMP/inject.err"
t_is "$?" 61 "a second message with the same id: temporary failure (61)"
t_like "$(cat "$T_TMP/inject.err")" "queue id $id is taken" "... saying why"
t_is "$(t_queue_ids)" "$id" "... and the first message is alone, untouched"
t_like "$("$T_ROOT/queue/queuectl" show "$id")" '^Subject: one id' "... still the first one"

timeout 60 "$T_ROOT/relay/relay" -1 > "$T_TMP/relay.log" 2>&1
t_is "$?" 0 "relay -1 delivered everything and exited"
t_like "$(cat "$T_TMP/relay.log")" "delivered queue_id=$id recipient=ok@remote\\.test " \
	"the relay's delivery log names the id"
t_like "$(cat "$T_TMP/relay.log")" "failed queue_id=$id recipient=bad@remote\\.test " \
	"... and its failure log"
dsn=$(grep -lx 'delivered s@remote.test' "$T_TMP/sink"/*.env 2>/dev/null | head -n1)
t_ok "the bounce reached the sender" test -n "$dsn"
t_like "$(cat "${dsn%.env}.eml" 2>/dev/null | tr -d '\r')" "^X-Tern-Queue-ID: $id\$" "the bounce (DSN) names the id"

# a caller that brings no id: the queue makes one (sendmail, a user)
printf 'Subject: no id\r\n\r\nx\r\n' | "$T_ROOT/queue/inject" 1< <(printf 'Fa@remote.test\0Tok@remote.test\0\0')
t_is "$?" 0 "inject without TERN_RECEIVED_ID queues"
t_like "$(t_queue_ids)" '^[0-9A-F]{17,39}$' "... under an id the queue made"
