#!/usr/bin/env bash
# relay, DANE for SMTP (RFC 7672) end to end with real DNSSEC on loopback: a
# zone dane.test signed here (ldns-keygen, ldns-signzone) and an unsigned
# zone insecure.test, both served by nsd on 127.0.0.54; unbound on
# 127.0.0.53 validates with dane.test's trust anchor and is the relay's
# resolver and dnssec-resolver; tls-policy * dane. Sinks (t/sink.py) on
# 127.0.0.x with certificates made by the openssl CLI. Cases, one domain
# each: a DANE-EE(3) SPKI match (the certificate's name does not matter),
# a mismatch, a DANE-TA(2) match and one whose certificate names another
# host, only unusable (PKIX-EE) records (mandatory TLS, no STARTTLS:
# deferred), no TLSA (secure denial: may), a TLSA RRset that fails
# validation (deferred), an unsigned zone with a bogus TLSA (ignored: may),
# and dane-only without TLSA (deferred).
. t/lib.sh
. t/relay.sh
. t/tls.sh
. t/dnssec.sh
t_netns "$@"
t_need relay/relay queue/inject openssl nsd unbound ldns-keygen ldns-signzone
t_tmpdir
c=$T_TMP/certs d=$T_TMP/dns
mkdir -p "$c" "$d"
t_tls_ca "$c" ca
t_tls_cert "$c" ee self not-the-mx-name.invalid
t_tls_cert "$c" ta ca mx.ta.dane.test
t_tls_cert "$c" taname ca wrong.name.test
t_tls_cert "$c" ins self mx.ins.insecure.test
spki=$(openssl x509 -in "$c/ee.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -d' ' -f1)
cadigest=$(openssl x509 -in "$c/ca.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
zeros=0000000000000000000000000000000000000000000000000000000000000000

cat > "$d/dane.test.zone" <<Z
\$ORIGIN dane.test.
\$TTL 300
@ IN SOA ns.dane.test. admin.dane.test. 1 3600 600 86400 300
@ IN NS ns.dane.test.
ns IN A 127.0.0.54
ee IN MX 10 mx.ee
mx.ee IN A 127.0.0.41
_25._tcp.mx.ee IN TLSA 3 1 1 $spki
bad IN MX 10 mx.bad
mx.bad IN A 127.0.0.42
_25._tcp.mx.bad IN TLSA 3 1 1 $zeros
ta IN MX 10 mx.ta
mx.ta IN A 127.0.0.43
_25._tcp.mx.ta IN TLSA 2 0 1 $cadigest
taname IN MX 10 mx.taname
mx.taname IN A 127.0.0.44
_25._tcp.mx.taname IN TLSA 2 0 1 $cadigest
pkix IN MX 10 mx.pkix
mx.pkix IN A 127.0.0.45
_25._tcp.mx.pkix IN TLSA 1 1 1 $spki
notlsa IN MX 10 mx.notlsa
mx.notlsa IN A 127.0.0.46
bogus IN MX 10 mx.bogus
mx.bogus IN A 127.0.0.47
_25._tcp.mx.bogus IN TLSA 3 1 1 $(printf 'ab%.0s' $(seq 32))
only IN MX 10 mx.only
mx.only IN A 127.0.0.48
Z
t_zone_sign "$d" dane.test dane.test.zone
# after signing: a TLSA RRset whose data no longer matches its signature
sed -i "s/$(printf 'ab%.0s' $(seq 32))/$(printf 'cd%.0s' $(seq 32))/I" "$d/dane.test.zone.signed"
t_like "$(grep -c "$(printf 'cd%.0s' $(seq 32))" "$d/dane.test.zone.signed")" '^1$' "the bogus TLSA record was altered"
cat > "$d/insecure.test.zone" <<Z
\$ORIGIN insecure.test.
\$TTL 300
@ IN SOA ns.dane.test. admin.dane.test. 1 3600 600 86400 300
@ IN NS ns.dane.test.
ins IN MX 10 mx.ins
mx.ins IN A 127.0.0.49
_25._tcp.mx.ins IN TLSA 3 1 1 $zeros
Z
t_start_nsd "$d" 127.0.0.54 dane.test=dane.test.zone.signed insecure.test=insecure.test.zone
t_start_unbound "$d" 127.0.0.53 127.0.0.54 "$d/dane.test.ds" dane.test insecure.test
ad=$(drill -D @127.0.0.53 MX ee.dane.test 2>&1)
t_like "$ad" ';; flags: qr.* ad' "unbound validates dane.test (AD set)"
t_unlike "$(drill -D @127.0.0.53 MX ins.insecure.test 2>&1 | grep '^;; flags')" ' ad' \
	"insecure.test is not validated (no AD)"

tls() { echo --tls-cert "$c/$1.pem" --tls-key "$c/$1.key"; }
# shellcheck disable=SC2046
{
t_start_sink 127.0.0.41:25 "$T_TMP/ee" $(tls ee)
t_start_sink 127.0.0.42:25 "$T_TMP/bad" $(tls ee)
t_start_sink 127.0.0.43:25 "$T_TMP/ta" $(tls ta)
t_start_sink 127.0.0.44:25 "$T_TMP/taname" $(tls taname)
t_start_sink 127.0.0.45:25 "$T_TMP/pkix"
t_start_sink 127.0.0.46:25 "$T_TMP/notlsa"
t_start_sink 127.0.0.47:25 "$T_TMP/bogus" $(tls ee)
t_start_sink 127.0.0.48:25 "$T_TMP/only" $(tls ee)
t_start_sink 127.0.0.49:25 "$T_TMP/ins" $(tls ins)
}
t_instance --dns 127.0.0.53:53 --set 'retry-min 1h' --set 'dnssec-resolver 127.0.0.53:53' \
	--set 'tls-policy * dane' --set 'tls-policy only.dane.test dane-only'
export TERN_DNS_TIMEOUT=3
msg() { printf 'Subject: %s\r\n\r\nbody of %s\r\n' "$1" "$1"; }
for x in ee bad ta taname pkix notlsa bogus only; do
	msg "$x" | t_inject a@sender.test "u@$x.dane.test"
done
msg ins | t_inject a@sender.test u@ins.insecure.test
t_relay_start

outcome() {	# DOMAIN: wait for the relay's line about u@DOMAIN, print it
	t_relay_log_wait 30 "recipient=u@${1//./\\.} reply=" >/dev/null
	grep -E "recipient=u@${1//./\\.} reply=" "$T_TMP/relay.log"
}
delivered() {	# DOMAIN DIR TLS-ERE VERIFIED DESC
	t_sink_wait 30 "$T_TMP/$2" 1
	t_like "$(cat "$T_TMP/$2"/1.env 2>/dev/null)" "^tls $3" "$5: the sink saw tls $3"
	t_like "$(outcome "$1")" "^relay: delivered .*said: 250 .*$4" "$5: delivered, $4"
}
deferred() {	# DOMAIN DIR REPLY-ERE DESC
	t_like "$(outcome "$1")" "^relay: deferred .*reply=\"$3" "$4"
	t_is "$(ls "$T_TMP/$2" | grep -c '\.eml$')" 0 "$4: nothing delivered"
}

delivered ee.dane.test ee 'TLSv1\.[23] ' 'verified=dane\)' \
	"DANE-EE 3 1 1 matches (the certificate names another host: no name check)"
deferred bad.dane.test bad '451 4\.7\.5 mx\.bad\.dane\.test: TLS certificate verification failed \(dane\)' \
	"DANE-EE record that does not match: deferred 451 4.7.5"
delivered ta.dane.test ta 'TLSv1\.[23] ' 'verified=dane\)' "DANE-TA 2 0 1 of the issuing CA matches"
deferred taname.dane.test taname '451 4\.7\.5 mx\.taname\.dane\.test: TLS certificate verification failed \(dane\)' \
	"DANE-TA matches but the certificate names another host: deferred"
deferred pkix.dane.test pkix '451 4\.7\.4 mx\.pkix\.dane\.test: TLS is required, but STARTTLS is not offered' \
	"only PKIX-EE (unusable) TLSA: TLS mandatory; a server without STARTTLS is deferred"
delivered notlsa.dane.test notlsa none '' "no TLSA (validated denial): may, plaintext to a server without STARTTLS"
t_unlike "$(outcome notlsa.dane.test)" '\(TLS ' "no TLSA: no TLS note"
deferred bogus.dane.test bogus '451 4\.7\.5 mx\.bogus\.dane\.test: TLSA lookup for _25\._tcp\.mx\.bogus\.dane\.test failed' \
	"TLSA RRset failing validation (SERVFAIL): deferred 451 4.7.5"
deferred only.dane.test only '451 4\.7\.5 mx\.only\.dane\.test: no DNSSEC-validated TLSA records' \
	"dane-only without TLSA: deferred"
delivered ins.insecure.test ins 'TLSv1\.[23] ' 'verified=untrusted\)' \
	"unsigned zone: its (mismatching) TLSA is ignored, may with STARTTLS"
t_relay_stop
