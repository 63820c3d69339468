#!/usr/bin/env bash
# submission_smarthost: the whole authenticated path of a hosted setup. A
# mail client submits with swaks (STARTTLS, then AUTH PLAIN) to smtpd -s,
# started per connection by systemd-socket-activate with exactly the
# command t/instance prints as "# smtpd submission:" (what
# tern-submission@.service runs); the relay hands the message to a
# smarthost on port 587 that requires STARTTLS and AUTH (t/sink.py), with
# the certificate verified against a test CA and the credentials from
# relay-auth-file. The smarthost sees TLS, the relay's login, and the
# Received: line smtpd wrote for the submitting user (ESMTPSA).
. t/lib.sh
. t/relay.sh
. t/tls.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd checkpw/checkpw relay/relay queue/inject swaks \
	systemd-socket-activate ldns-testns openssl
t_tmpdir
c=$T_TMP/certs
mkdir -p "$c"
t_tls_ca "$c" ca
t_tls_cert "$c" smart ca smart.test

z=$T_TMP/zone
: > "$z"
t_dns_answer "$z" A smart.test. "smart.test. IN A 127.0.0.41"
t_dns_default "$z" NOERROR
t_start_dns 127.0.0.53 53 "$z"
t_start_sink 127.0.0.41:587 "$T_TMP/smart" --tls-cert "$c/smart.pem" \
	--tls-key "$c/smart.key" --require-tls --auth 'relay:s3cret'

printf 'smtp:[smart.test]:587 relay s3cret\n' > "$T_TMP/auth"
chmod 600 "$T_TMP/auth"
out=$("$T_ROOT/t/instance" "$T_TMP/inst" --submission alice:secret --dns 127.0.0.53:53 \
	--route 'far.test=smtp:[smart.test]:587' --set "tls-ca-file $c/ca.pem" \
	--set 'tls-policy far.test verify' --set "relay-auth-file $T_TMP/auth") ||
	t_bail "t/instance failed"
eval "$out"
T_INST=$T_TMP/inst
cmd=$(printf '%s\n' "$out" | sed -n 's/^# smtpd submission: //p')
t_like "$cmd" 'smtpd -s$' "t/instance prints the submission command"
# shellcheck disable=SC2086
t_bg sa systemd-socket-activate --accept --inetd -l 127.0.0.1:2587 $cmd
t_wait_port 127.0.0.1 2587 || t_bail "no submission listener"

printf 'From: alice@example.test\r\nSubject: via the smarthost\r\n\r\nhello\r\n' > "$T_TMP/msg"
sw=$(swaks --server 127.0.0.1:2587 --tls --auth PLAIN --auth-user alice \
	--auth-password secret --helo client.test --from alice@example.test \
	--to bob@far.test --data "@$T_TMP/msg" 2>&1)
t_like "$sw" '^<~  235 2\.7\.0 ' "swaks: STARTTLS and AUTH PLAIN accepted"
t_like "$sw" '^<~  250 2\.0\.0 Ok: queued as ' "swaks: relayed for the authenticated user"

export TERN_DNS_TIMEOUT=2
t_relay_start
t_sink_wait 20 "$T_TMP/smart" 1
env1=$(cat "$T_TMP/smart/1.env" 2>/dev/null)
t_like "$env1" '^tls TLSv1\.[23] ' "smarthost: the relay used STARTTLS"
t_like "$env1" '^auth relay$' "smarthost: the relay authenticated as relay"
t_like "$env1" 'bob@far\.test' "smarthost: the recipient"
eml=$(tr -d '\r' < "$T_TMP/smart/1.eml" 2>/dev/null)
t_like "$eml" 'with ESMTPSA' "Received: says ESMTPSA (TLS and AUTH, RFC 3848)"
t_like "$eml" 'Authenticated sender: alice' "Received: names the submitting user"
t_like "$eml" '^Subject: via the smarthost$' "the message arrived whole"
t_relay_log_wait 20 'recipient=bob@far\.test reply=' >/dev/null
t_like "$(grep 'recipient=bob@far\.test' "$T_TMP/relay.log")" \
	'^relay: delivered .*verified=trusted' "relay log: delivered, certificate verified"
