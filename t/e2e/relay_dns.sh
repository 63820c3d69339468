#!/usr/bin/env bash
# relay, next hop by DNS (RFC 5321 §5.1, RFC 7505) end to end: ldns-testns on
# 127.0.0.53:53 answers from a scripted data file, sinks (t/sink.py) listen on
# 127.0.0.x:25, messages go inject -> queue -> relay/relay -> sink. Checks
# which sink got what, and the reply the relay logged for every verdict it
# made itself (null MX, NXDOMAIN, SERVFAIL, loop, DNS timeout).
# IPv6: an exchange's AAAA records are tried before its A records. ::1 is
# the only IPv6 loopback address and it is this host's, so an MX at ::1 is a
# loop; mail goes to a sink on [::1] through a route to a host name
# (smtp:[host]: its AAAA and A, not checked for loops), and a host whose AAAA
# is ::1 with nothing listening falls back to its A record.
# Loops: an MX named like this host, or at one of its addresses. In this
# network namespace the interface addresses are 127.0.0.1 and ::1 only (the
# rest of 127.0.0.0/8 is routed to lo but is no interface address, which is
# why sinks listen on 127.0.0.x, x > 1), plus the self-address setting.
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay queue/inject ldns-testns
t_tmpdir
t_is "$(ip -o addr show | awk '{print $4}' | sort | tr '\n' ' ')" "127.0.0.1/8 ::1/128 " \
	"the namespace's own addresses: 127.0.0.1 and ::1 only"

z=$T_TMP/zone
: > "$z"
# MX order: mx1 (preference 10) is down, mx2 (20) takes the mail
t_dns_answer "$z" MX order.test. "order.test. IN MX 20 mx2.order.test." "order.test. IN MX 10 mx1.order.test."
t_dns_answer "$z" A mx1.order.test. "mx1.order.test. IN A 127.0.0.11"
t_dns_answer "$z" A mx2.order.test. "mx2.order.test. IN A 127.0.0.12"
# null MX, NXDOMAIN, SERVFAIL, an MX that is this host
t_dns_answer "$z" MX nullmx.test. "nullmx.test. IN MX 0 ."
t_dns_rcode "$z" MX nx.test. NXDOMAIN
t_dns_rcode "$z" MX servfail.test. SERVFAIL
t_dns_answer "$z" MX loop.test. "loop.test. IN MX 10 mx.example.test."
# MX hosts that are this host by address: an interface's, a self-address's;
# the domain's own address under implicit MX
t_dns_answer "$z" MX loopaddr.test. "loopaddr.test. IN MX 10 mail.loopaddr.test."
t_dns_answer "$z" A mail.loopaddr.test. "mail.loopaddr.test. IN A 127.0.0.1"
t_dns_answer "$z" MX natself.test. "natself.test. IN MX 10 mail.natself.test."
t_dns_answer "$z" A mail.natself.test. "mail.natself.test. IN A 127.0.0.20"
t_dns_answer "$z" A implicitself.test. "implicitself.test. IN A 127.0.0.1"
# RFC 5321 §5.1: this host at preference 10 drops the peer of equal
# preference (127.0.0.18, a sink) and the worse one (also 127.0.0.18); only
# the better one (5, down) is left, so the mail is deferred, not delivered
t_dns_answer "$z" MX drop.test. "drop.test. IN MX 5 down.drop.test." \
	"drop.test. IN MX 10 self.drop.test." "drop.test. IN MX 10 peer.drop.test." \
	"drop.test. IN MX 20 far.drop.test."
t_dns_answer "$z" A down.drop.test. "down.drop.test. IN A 127.0.0.19"
t_dns_answer "$z" A self.drop.test. "self.drop.test. IN A 127.0.0.1"
t_dns_answer "$z" A peer.drop.test. "peer.drop.test. IN A 127.0.0.18"
t_dns_answer "$z" A far.drop.test. "far.drop.test. IN A 127.0.0.18"
# implicit MX: no MX records, the domain's own address
t_dns_answer "$z" A implicit.test. "implicit.test. IN A 127.0.0.13"
# CNAME: the exchange's A query is answered by a CNAME, then its target's A
t_dns_answer "$z" MX cname.test. "cname.test. IN MX 5 mail.cname.test."
t_dns_answer "$z" A mail.cname.test. "mail.cname.test. IN CNAME real.cname.test."
t_dns_answer "$z" A real.cname.test. "real.cname.test. IN A 127.0.0.14"
# the bounces' destination
t_dns_answer "$z" A sender.test. "sender.test. IN A 127.0.0.16"
# IPv6: an MX whose only address is ::1 (this host: a loop); a routed host
# with only an AAAA (::1, a sink); one with AAAA ::1 (port closed) and an A
# (127.0.0.21, a sink); the bounce for the loop goes to sender6.test's sink
t_dns_answer "$z" MX v6loop.test. "v6loop.test. IN MX 10 mx.v6loop.test."
t_dns_answer "$z" AAAA mx.v6loop.test. "mx.v6loop.test. IN AAAA ::1"
t_dns_answer "$z" AAAA mx.v6.test. "mx.v6.test. IN AAAA ::1"
t_dns_answer "$z" AAAA mx.fallback6.test. "mx.fallback6.test. IN AAAA ::1"
t_dns_answer "$z" A mx.fallback6.test. "mx.fallback6.test. IN A 127.0.0.21"
t_dns_answer "$z" A sender6.test. "sender6.test. IN A 127.0.0.17"
# the slow one, asked last
t_dns_sleep "$z" MX slow.test. 8
t_dns_default "$z" NOERROR

t_start_dns 127.0.0.53 53 "$z"
t_start_sink 127.0.0.12:25 "$T_TMP/s12"
t_start_sink 127.0.0.13:25 "$T_TMP/s13"
t_start_sink 127.0.0.14:25 "$T_TMP/s14"
t_start_sink 127.0.0.15:25 "$T_TMP/s15"
t_start_sink 127.0.0.16:25 "$T_TMP/s16"
t_start_sink 127.0.0.18:25 "$T_TMP/s18"
t_start_sink 127.0.0.20:25 "$T_TMP/s20"
t_start_sink 127.0.0.17:25 "$T_TMP/s17"
t_is "$(ip -6 -o addr show dev lo | awk '{print $4}')" "::1/128" "IPv6 loopback ::1 is up"
t_start_sink '[::1]:25' "$T_TMP/s6"
t_start_sink 127.0.0.21:2525 "$T_TMP/s21"
# 127.0.0.20 is this host too (a NAT front end, say); a route to it is obeyed
t_instance --dns 127.0.0.53:53 --set 'retry-min 1h' --set 'concurrency 5' \
	--set 'self-address 127.0.0.20' --route 'routed.test=smtp:[127.0.0.20]:25' \
	--route 'v6.test=smtp:[mx.v6.test]:25' --route 'fallback6.test=smtp:[mx.fallback6.test]:2525'
export TERN_DNS_TIMEOUT=1
msg() { printf 'Subject: %s\r\n\r\nbody of %s\r\n' "$1" "$1"; }

msg order | t_inject a@sender.test u@order.test
msg implicit | t_inject a@sender.test u@implicit.test
msg cname | t_inject a@sender.test u@cname.test
msg literal | t_inject a@sender.test 'u@[127.0.0.15]'
msg nullmx | t_inject a@sender.test u@nullmx.test
msg nx | t_inject a@sender.test u@nx.test
msg servfail | t_inject a@sender.test u@servfail.test
msg loop | t_inject a@sender.test u@loop.test
msg loopaddr | t_inject a@sender.test u@loopaddr.test
msg natself | t_inject a@sender.test u@natself.test
msg implicitself | t_inject a@sender.test u@implicitself.test
msg literalself | t_inject a@sender.test 'u@[127.0.0.1]'
msg drop | t_inject a@sender.test u@drop.test
msg routed | t_inject a@sender.test u@routed.test
msg v6loop | t_inject b@sender6.test u@v6loop.test
msg v6 | t_inject b@sender6.test u@v6.test
msg fallback6 | t_inject b@sender6.test u@fallback6.test
t_relay_start

t_sink_wait 20 "$T_TMP/s12" 1
t_is "$(cat "$T_TMP"/s12/*.eml 2>/dev/null | tr -d '\r')" "$(msg order | tr -d '\r')" \
	"MX order: primary down, the secondary (pref 20) got the message"
t_is "$(grep '^to ' "$T_TMP/s12/1.env" 2>/dev/null)" "to u@order.test" "MX order: envelope recipient"
t_relay_log_wait 10 'recipient=u@order\.test reply="mx2\.order\.test said: 250'
t_like "$(cat "$T_TMP/relay.log")" 'recipient=u@order\.test reply="mx2\.order\.test said: 250' \
	"MX order: logged 250 from mx2.order.test"
t_like "$(cat "$T_TMP/relay.log")" 'host=mx1\.order\.test reply="451 4\.4\.1 .*Connection refused' \
	"MX order: mx1.order.test was tried first"
t_sink_wait 10 "$T_TMP/s13" 1
t_like "$(cat "$T_TMP"/s13/*.eml 2>/dev/null)" '^Subject: implicit' "implicit MX: the domain's A record got it"
t_sink_wait 10 "$T_TMP/s14" 1
t_like "$(cat "$T_TMP"/s14/*.eml 2>/dev/null)" '^Subject: cname' "CNAME of the exchange followed"
t_sink_wait 10 "$T_TMP/s15" 1
t_like "$(cat "$T_TMP"/s15/*.eml 2>/dev/null)" '^Subject: literal' "address literal [127.0.0.15] delivered there"

verdict() {	# RCPT REPLY-ERE DESC
	t_relay_log_wait 15 "recipient=$1 reply=\"?$2"
	t_like "$(cat "$T_TMP/relay.log")" "recipient=$1 reply=\"?$2" "$3"
}
verdict 'u@nullmx\.test' '556 5\.1\.10' "null MX: 556 5.1.10"
verdict 'u@nx\.test' '550 5\.1\.2' "NXDOMAIN: 550 5.1.2"
verdict 'u@servfail\.test' '451 4\.4\.3' "SERVFAIL: 451 4.4.3 (deferred)"
verdict 'u@loop\.test' '554 5\.4\.6' "MX is this host: 554 5.4.6 loops back to myself"
verdict 'u@loopaddr\.test' '554 5\.4\.6 mail for loopaddr\.test loops back to myself' \
	"MX at an interface address (127.0.0.1): 554 5.4.6 loops back to myself"
verdict 'u@natself\.test' '554 5\.4\.6 mail for natself\.test loops back to myself' \
	"MX at a self-address (127.0.0.20): 554 5.4.6"
verdict 'u@implicitself\.test' '554 5\.4\.6 mail for implicitself\.test loops back' \
	"implicit MX at 127.0.0.1: 554 5.4.6"
verdict 'u@\[127\.0\.0\.1\]' '554 5\.4\.6 mail for \[127\.0\.0\.1\] loops back' \
	"address literal [127.0.0.1]: 554 5.4.6"
verdict 'u@drop\.test' '451 4\.4\.1' \
	"this host at preference 10: only the preference-5 MX (down) is tried, deferred"
t_sink_wait 10 "$T_TMP/s20" 1
t_like "$(cat "$T_TMP"/s20/*.eml 2>/dev/null)" '^Subject: routed' \
	"a route to a self-address is obeyed (no loop check)"
t_is "$(grep -l '^Subject: natself' "$T_TMP"/s20/*.eml 2>/dev/null)" "" \
	"the MX at the self-address got nothing"
t_like "$(cat "$T_TMP/relay.log")" 'host=down\.drop\.test reply="451 4\.4\.1 .*Connection refused' \
	"drop.test: the better MX was tried"
t_unlike "$(cat "$T_TMP/relay.log")" '(self|peer|far)\.drop\.test' \
	"drop.test: this host's MX and those of equal or worse preference never tried"

# IPv6
verdict 'u@v6loop\.test' '554 5\.4\.6 mail for v6loop\.test loops back to myself' \
	"MX whose AAAA is ::1 (an interface address): 554 5.4.6 loops back to myself"
t_sink_wait 10 "$T_TMP/s6" 1
t_like "$(cat "$T_TMP"/s6/*.eml 2>/dev/null | tr -d '\r')" '^Subject: v6$' "AAAA ::1: delivered over IPv6 to the sink on [::1]"
t_is "$(grep '^peer ' "$T_TMP/s6/1.env" 2>/dev/null)" "peer ::1" "AAAA ::1: the sink saw an IPv6 client"
t_is "$(ls "$T_TMP"/s6/*.eml 2>/dev/null | wc -l)" 1 "the sink on [::1] got that one only, not v6loop.test's"
t_sink_wait 10 "$T_TMP/s21" 1
t_like "$(cat "$T_TMP"/s21/*.eml 2>/dev/null | tr -d '\r')" '^Subject: fallback6$' \
	"AAAA ::1 refused, A 127.0.0.21: fell back from IPv6 to IPv4"
t_like "$(cat "$T_TMP/relay.log")" \
	'domain=fallback6\.test host=mx\.fallback6\.test reply="451 4\.4\.1 mx\.fallback6\.test: connect: Connection refused' \
	"fallback: the IPv6 address was tried first and refused"
t_relay_log_wait 10 'recipient=u@fallback6\.test reply="mx\.fallback6\.test said: 250'
t_like "$(cat "$T_TMP/relay.log")" 'recipient=u@fallback6\.test reply="mx\.fallback6\.test said: 250' \
	"fallback: delivered, not deferred"
t_sink_wait 20 "$T_TMP/s17" 1
t_like "$(cat "$T_TMP"/s17/*.eml 2>/dev/null | tr -d '\r')" '^Status: 5\.4\.6' \
	"the bounce for the MX at ::1 carries Status 5.4.6"

# the bounces for the seven permanent failures reach the sender's sink
t_sink_wait 20 "$T_TMP/s16" 7
dsn=$(cat "$T_TMP"/s16/*.eml 2>/dev/null | tr -d '\r')
t_like "$dsn" '^Status: 5\.1\.10' "DSN for null MX carries Status 5.1.10"
t_like "$dsn" '^Status: 5\.1\.2' "DSN for NXDOMAIN carries Status 5.1.2"
t_like "$dsn" '^Status: 5\.4\.6' "DSN for the loop carries Status 5.4.6"
t_is "$(grep -c '^Status: 5\.4\.6' <<<"$dsn")" 5 "a 5.4.6 DSN for each of the five loops"
t_like "$dsn" '^Diagnostic-Code: smtp; 554 5\.4\.6 mail for loopaddr\.test loops back to myself' \
	"the DSN names the loop"
t_unlike "$dsn" '^Status: 4\.' "no DSN for the deferred ones"

# DNS timeout last: ldns-testns sleeps (and stalls) on slow.test
msg slow | t_inject a@sender.test u@slow.test
verdict 'u@slow\.test' '451 4\.4\.3' "DNS timeout: 451 4.4.3 (deferred)"
t_is "$(ls "$T_TMP"/s1[2-58]/*.eml "$T_TMP"/s20/*.eml 2>/dev/null | wc -l)" 5 "nothing else was delivered"
t_relay_stop
