#!/usr/bin/env bash
# queue_origin: the "o" record of queue(5). smtpd tells the queue program who
# its client is (TERN_CLIENT_IP, _HELO, _AUTH, _RELAY); inject records where
# the message came from: submission (AUTH), relay (relay-net), smtp (anyone
# else), local (sendmail, a local inject caller). (An installed, setuid
# injector believes smtpd's variables only from smtpd-user; a test instance's
# injector is not setuid, so that rule is not reachable here: inject(8).)
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd queue/inject queue/sendmail checkpw/checkpw swaks systemd-socket-activate openssl
t_instance --submission alice:secret --set 'auth-failure-delay 0' --relay-net 127.0.0.2/32
. "$T_ROOT/t/relay.sh"

# origin_of ID: the "o" record's text of a queued message
origin_of() {
	t_queue_envelope "$1" | sed -n 's/^o//p'
}
# newest: the id of the message queued last
newest() {
	t_queue_ids | tail -n1
}

t_start_smtpd_sa 127.0.0.1 2525
t_bg sa-2587 systemd-socket-activate --accept --inetd -l 127.0.0.1:2587 \
	-E TERN_CONFDIR -E TERN_QUEUE "$T_ROOT/smtpd/smtpd" -s
t_wait_port 127.0.0.1 2587 || t_bail "no listener on 2587"
printf 'From: alice@example.test\r\nSubject: origin\r\n\r\nhello\r\n' > "$T_TMP/msg"

out=$(swaks --server 127.0.0.1:2525 --helo client.test --from a@client.test \
	--to b@example.test --data "@$T_TMP/msg" 2>&1)
t_like "$out" '<-  250 2\.0\.0' "an Internet client: queued"
t_is "$(origin_of "$(newest)")" smtp "an Internet client's message: origin smtp"

out=$(swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --helo client.test \
	--from a@example.test --to b@far.test --data "@$T_TMP/msg" 2>&1)
t_like "$out" '<-  250 2\.0\.0' "a client in relay-net relays: queued"
t_is "$(origin_of "$(newest)")" relay "a relay-net client's message: origin relay"

out=$(swaks --server 127.0.0.1:2587 --tls --helo client.test --from alice@example.test \
	--to friend@far.test --auth PLAIN --auth-user alice --auth-password secret \
	--data "@$T_TMP/msg" 2>&1)
t_like "$out" '<~  250 2\.0\.0' "an authenticated client: queued"
t_is "$(origin_of "$(newest)")" submission "an authenticated client's message: origin submission"

"$T_ROOT/queue/sendmail" -f alice@example.test b@example.test < "$T_TMP/msg" ||
	t_fail "sendmail exited $?"
t_is "$(origin_of "$(newest)")" local "sendmail: origin local"

