#!/usr/bin/env bash
# relay, outbound TLS end to end (RFC 3207 STARTTLS, RFC 4954 AUTH): sinks
# (t/sink.py) with and without STARTTLS on 127.0.0.x, named in DNS
# (ldns-testns) so that SNI and the certificate check use host names;
# certificates from a test CA made here with the openssl CLI. One domain per
# case, each routed to its own sink, under each tls-policy: none, may,
# encrypt, verify (name match, name mismatch, untrusted CA); may when the
# handshake fails (plaintext on a new connection); a smarthost that requires
# AUTH, with good and bad credentials, and one that offers no STARTTLS
# (AUTH never goes in plaintext).
. t/lib.sh
. t/relay.sh
. t/tls.sh
t_netns "$@"
t_need relay/relay queue/inject ldns-testns openssl
t_tmpdir
c=$T_TMP/certs
mkdir -p "$c"
t_tls_ca "$c" ca
t_tls_ca "$c" otherca
t_tls_cert "$c" may ca mx.may.test
t_tls_cert "$c" none ca mx.none.test
t_tls_cert "$c" vok ca mx.vok.test
t_tls_cert "$c" vname ca wrong.name.test
t_tls_cert "$c" vca otherca mx.vca.test
t_tls_cert "$c" enc self mx.enc.test
t_tls_cert "$c" smart ca smart.test
t_tls_cert "$c" broken ca mx.broken.test

z=$T_TMP/zone
: > "$z"
n=30
for h in mx.plain mx.may mx.none mx.encplain mx.vok mx.vname mx.vca mx.enc mx.broken \
	smart smartbad smartplain; do
	n=$((n + 1))
	t_dns_answer "$z" A "$h.test." "$h.test. IN A 127.0.0.$n"
	eval "ip_${h//[.]/_}=127.0.0.$n"
done
t_dns_default "$z" NOERROR
t_start_dns 127.0.0.53 53 "$z"

tls() { echo --tls-cert "$c/$1.pem" --tls-key "$c/$1.key"; }
# shellcheck disable=SC2046,SC2154
{
t_start_sink "$ip_mx_plain:25" "$T_TMP/plain"
t_start_sink "$ip_mx_may:25" "$T_TMP/may" $(tls may)
t_start_sink "$ip_mx_none:25" "$T_TMP/none" $(tls none)
t_start_sink "$ip_mx_encplain:25" "$T_TMP/encplain"
t_start_sink "$ip_mx_vok:25" "$T_TMP/vok" $(tls vok)
t_start_sink "$ip_mx_vname:25" "$T_TMP/vname" $(tls vname)
t_start_sink "$ip_mx_vca:25" "$T_TMP/vca" $(tls vca)
t_start_sink "$ip_mx_enc:25" "$T_TMP/enc" $(tls enc)
t_start_sink "$ip_mx_broken:25" "$T_TMP/broken" $(tls broken) --tls-max 1.1
t_start_sink "$ip_smart:587" "$T_TMP/smart" $(tls smart) --require-tls --auth 'relay:s3cret pass'
t_start_sink "$ip_smartbad:587" "$T_TMP/smartbad" $(tls smart) --require-tls --auth 'relay:other'
t_start_sink "$ip_smartplain:587" "$T_TMP/smartplain" --auth 'relay:s3cret pass'
t_start_sink 127.0.0.60:25 "$T_TMP/bounce"
}
printf '# smarthost credentials\nsmtp:[smart.test]:587 relay s3cret pass\n' > "$T_TMP/auth"
printf 'smtp:[SMARTBAD.test]:587 relay s3cret pass\nsmtp:[smartplain.test]:587 relay s3cret pass\n' >> "$T_TMP/auth"
chmod 600 "$T_TMP/auth"
routes=()
for d in plain may none encplain vok vname vca enc broken; do
	routes+=(--route "$d.test=smtp:[mx.$d.test]:25")
done
t_instance --dns 127.0.0.53:53 --set 'retry-min 1h' "${routes[@]}" \
	--route 'auth.test=smtp:[smart.test]:587' --route 'authbad.test=smtp:[smartbad.test]:587' \
	--route 'authplain.test=smtp:[smartplain.test]:587' --route 'sender.test=smtp:[127.0.0.60]:25' \
	--set "tls-ca-file $c/ca.pem" --set 'tls-policy none.test none' \
	--set 'tls-policy encplain.test encrypt' --set 'tls-policy vok.test verify' \
	--set 'tls-policy vname.test verify' --set 'tls-policy vca.test verify' \
	--set 'tls-policy enc.test encrypt' --set "relay-auth-file $T_TMP/auth"
export TERN_DNS_TIMEOUT=2
msg() { printf 'Subject: %s\r\n\r\nbody of %s\r\n' "$1" "$1"; }
for d in plain may none encplain vok vname vca enc broken auth authbad authplain; do
	msg "$d" | t_inject a@sender.test "u@$d.test"
done
msg rejected | t_inject a@sender.test reject@may.test
t_relay_start

outcome() {	# DOMAIN ERE: wait for the relay's line about u@DOMAIN, print it
	t_relay_log_wait 20 "recipient=u@$1\\.test reply=" >/dev/null
	grep -E "recipient=u@$1\\.test reply=" "$T_TMP/relay.log"
}
delivered() {	# DOMAIN DIR TLS-ERE DESC
	t_sink_wait 20 "$T_TMP/$2" 1
	t_like "$(cat "$T_TMP/$2"/1.env 2>/dev/null)" "^tls $3" "$4: the sink saw tls $3"
	t_like "$(outcome "$1")" "^relay: delivered " "$4: delivered"
}
deferred() {	# DOMAIN DIR REPLY-ERE DESC
	t_like "$(outcome "$1")" "^relay: deferred .*reply=\"$3" "$4"
	t_is "$(ls "$T_TMP/$2" | grep -c '\.eml$')" 0 "$4: nothing delivered"
}

delivered plain plain none "may, no STARTTLS offered: plaintext"
t_unlike "$(outcome plain)" "\\(TLS " "plaintext: the reply carries no TLS note"
delivered may may 'TLSv1\.[23] ' "may, STARTTLS offered"
t_like "$(outcome may)" 'said: 250 .*\(TLS TLSv1\.3 [A-Z0-9_]+ verified=trusted\)' \
	"may: the logged reply names protocol, cipher and verification (trusted: the tls-ca-file CA)"
t_like "$(cat "$T_TMP/may/log")" '^1> STARTTLS$' "may: STARTTLS sent"
# (the sink numbers the TLS session as a connection of its own)
t_is "$(grep -c '> EHLO' "$T_TMP/may/log")" "$((2 * $(grep -c '> STARTTLS' "$T_TMP/may/log")))" \
	"may: EHLO again after each handshake (RFC 3207 §4.2)"
delivered none none none "none: plaintext although STARTTLS is offered"
t_unlike "$(cat "$T_TMP/none/log")" 'STARTTLS' "none: no STARTTLS sent"
deferred encplain encplain '451 4\.7\.4 mx\.encplain\.test: TLS is required, but STARTTLS is not offered' \
	"encrypt, no STARTTLS offered: deferred 451 4.7.4, no plaintext fallback"
delivered vok vok 'TLSv1\.[23] ' "verify, chain and name good"
t_like "$(outcome vok)" 'verified=trusted\)' "verify: verified=trusted"
deferred vname vname '451 4\.7\.5 mx\.vname\.test: TLS certificate verification failed \(verify\)' \
	"verify, certificate for another name: deferred 451 4.7.5"
deferred vca vca '451 4\.7\.5 mx\.vca\.test: TLS certificate verification failed \(verify\)' \
	"verify, certificate from an untrusted CA: deferred 451 4.7.5"
t_unlike "$(cat "$T_TMP/vca/log")" '> MAIL' "verify failed: no MAIL sent"
delivered enc enc 'TLSv1\.[23] ' "encrypt, self-signed certificate"
t_like "$(outcome enc)" 'verified=untrusted\)' "encrypt: verified=untrusted"
delivered broken broken none "may, handshake fails: delivered in plaintext on a new connection"
t_like "$(cat "$T_TMP/broken/log")" '^1> STARTTLS$' "may, broken TLS: STARTTLS was tried first"
t_like "$(cat "$T_TMP/broken/1.env")" '^conn 2$' "may, broken TLS: the plaintext delivery is the second connection"

delivered auth smart 'TLSv1\.[23] ' "smarthost: STARTTLS"
t_like "$(cat "$T_TMP/smart/1.env")" '^auth relay$' "smarthost: authenticated as relay (a password with a blank)"
t_like "$(cat "$T_TMP/smart/log")" 'auth (PLAIN|LOGIN) relay' "smarthost: AUTH PLAIN or LOGIN"
deferred authbad smartbad '451 4\.7\.8 smartbad\.test said after AUTH: 535 5\.7\.8' \
	"smarthost, wrong password: deferred 451 4.7.8 with the server's 535"
deferred authplain smartplain '451 4\.7\.4 smartplain\.test: TLS is required, but STARTTLS is not offered' \
	"credentials for a smarthost without STARTTLS: deferred, AUTH never in plaintext"
t_unlike "$(cat "$T_TMP/smartplain/log")" 'AUTH|auth ' "no AUTH was sent in plaintext"

# a permanent failure over TLS: the bounce's Diagnostic-Code names the TLS
t_sink_wait 20 "$T_TMP/bounce" 1
dsn=$(cat "$T_TMP"/bounce/*.eml 2>/dev/null | tr -d '\r')
t_like "$dsn" '^Diagnostic-Code: smtp; 550 5\.1\.1 no such user \(TLS TLSv1\.3 [A-Z0-9_]+ verified=trusted\)' \
	"the DSN's Diagnostic-Code carries protocol, cipher and verification"
t_like "$dsn" '^Remote-MTA: dns; mx\.may\.test' "the DSN names the remote MTA"
t_relay_stop

# the relay refuses to start with an auth file others can read
chmod 644 "$T_TMP/auth"
t_like "$("$T_ROOT/relay/relay" -1 2>&1)" 'relay-auth-file .*/auth: readable or writable by group or others' \
	"an auth file readable by others: the relay does not start"
