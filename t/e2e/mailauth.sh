#!/usr/bin/env bash
# mailauth(8) end to end: smtpd runs verify/mailauth as its queue program
# (TERN_QUEUE), mailauth asks ldns-testns on 127.0.0.53:53 (the instance's
# resolver) and hands the message to the instance's injector. Checks the
# Authentication-Results: field of the queued message for SPF (pass, fail,
# softfail, none, of MAIL FROM and HELO), DKIM (pass, fail after the body
# was altered, none), DMARC (pass, fail under p=reject and p=none, none),
# that forged fields with our authserv-id are removed and others kept, that
# authenticated and relay clients are not checked, and the policies:
# spf-reject (550 5.7.23), dmarc-reject (550 5.7.1) and a DNS server that
# does not answer (451 with a policy on, temperror without).
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd checkpw/checkpw verify/mailauth queue/inject systemd-socket-activate ldns-testns openssl swaks
t_tmpdir

# --- the DKIM key of dkim.test (selector sel) and of dmarc.test ----------------
openssl genrsa -traditional -out "$T_TMP/dkim.key" 1024 2>/dev/null || t_bail "openssl genrsa"
pub=$(openssl rsa -in "$T_TMP/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
[ -n "$pub" ] || t_bail "no public key"
# two character-strings: the record is their concatenation (RFC 6376 §3.6.2.2)
keyrr="\"v=DKIM1; k=rsa; \" \"p=$pub\""

z=$T_TMP/zone
: > "$z"
t_dns_answer "$z" TXT pass.test. 'pass.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"'
t_dns_answer "$z" TXT fail.test. 'fail.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"'
t_dns_answer "$z" TXT soft.test. 'soft.test. IN TXT "v=spf1 ip4:192.0.2.1 ~all"'
t_dns_answer "$z" TXT helo.test. 'helo.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"'
t_dns_answer "$z" TXT sel._domainkey.dkim.test. "sel._domainkey.dkim.test. IN TXT $keyrr"
t_dns_answer "$z" TXT _dmarc.dkim.test. '_dmarc.dkim.test. IN TXT "v=DMARC1; p=reject"'
t_dns_answer "$z" TXT _dmarc.fail.test. '_dmarc.fail.test. IN TXT "v=DMARC1; p=reject"'
t_dns_answer "$z" TXT _dmarc.pass.test. '_dmarc.pass.test. IN TXT "v=DMARC1; p=reject"'
t_dns_answer "$z" TXT _dmarc.soft.test. '_dmarc.soft.test. IN TXT "v=DMARC1; p=none"'
t_dns_default "$z" NOERROR
t_start_dns 127.0.0.53 53 "$z"
# a name server that never answers (ldns-testns answers one query at a
# time, so a "sleep" entry there would hold up every other test)
t_bg silentdns "$T_PY" -c 'import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.54", 5353))
t = socket.socket(); t.bind(("127.0.0.54", 5353)); t.listen(16)
time.sleep(3600)'
t_ok "the silent name server listens" t_wait_for 10 sh -c 'ss -Hlun | grep -q 127.0.0.54:5353'

# inst: the checks, no policy; the injector behind mailauth is the instance's
t_instance --dns 127.0.0.53:53 --relay-net 127.0.0.2/32 --set 'mailauth-timeout 3s'
inject=$TERN_QUEUE
echo "mailauth-queue-program $inject" >> "$TERN_CONFDIR/tern.conf"
t_is "$("$T_ROOT/verify/mailauth" -n 2>&1 | grep -E '^(authserv-id|spf-reject|dmarc-reject|mailauth-queue-program) ')" \
	"authserv-id mx.example.test
spf-reject no
dmarc-reject no
mailauth-queue-program $inject" "mailauth -n: authserv-id is the host name, both policies off"
TERN_QUEUE=$T_ROOT/verify/mailauth t_start_smtpd_sa 127.0.0.1 2525
conf1=$TERN_CONFDIR inst1=$T_INST

# sign FILE DOMAIN: prepend a DKIM-Signature (python3-dkim, relaxed/relaxed)
sign() {
	"$T_PY" - "$1" "$2" "$T_TMP/dkim.key" <<'EOF'
import sys, dkim
path, domain, key = sys.argv[1], sys.argv[2].encode(), open(sys.argv[3], "rb").read()
msg = open(path, "rb").read()
sig = dkim.sign(msg, b"sel", domain, key, canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[b"from", b"subject", b"date"])
open(path, "wb").write(sig + msg)
EOF
}

# mkmsg NAME FROM [EXTRA-HEADER]: $T_TMP/NAME.eml, CRLF
mkmsg() {
	printf 'From: <%s>\r\n%sSubject: %s\r\nDate: Wed, 02 Dec 2026 19:00:00 +0000\r\n\r\nbody of %s\r\n' \
		"$2" "${3:-}" "$1" "$1" > "$T_TMP/$1.eml"
}

# send PORT HELO SENDER NAME [SRC]: one message through smtpd (from
# 127.0.0.1, or SRC), the replies on stdout
send() {
	cp "$T_TMP/$4.eml" "$T_TMP/$4.data"
	printf '.\r\n' >> "$T_TMP/$4.data"
	"$T_PY" - "$1" "$2" "$3" "$T_TMP/$4.data" "${5:-127.0.0.1}" <<'EOF'
import socket, sys
port, helo, sender, data, src = sys.argv[1:6]
s = socket.socket()
s.bind((src, 0))
s.settimeout(60)
s.connect(("127.0.0.1", int(port)))
f = s.makefile("rb")
def reply():
    out = b""
    while True:
        l = f.readline()
        out += l
        if not l or l[3:4] != b"-":
            return out
sys.stdout.buffer.write(reply())
for line in ["EHLO " + helo, "MAIL FROM:<%s>" % sender, "RCPT TO:<u@example.test>", "DATA"]:
    s.sendall(line.encode() + b"\r\n")
    sys.stdout.buffer.write(reply())
s.sendall(open(data, "rb").read())
sys.stdout.buffer.write(reply())
s.sendall(b"QUIT\r\n")
sys.stdout.buffer.write(reply())
EOF
}

# ar OUT: the Authentication-Results: fields of the message that OUT (send's
# replies) says was queued, unfolded, one per line
ar() {
	local rid id
	rid=$(printf '%s\n' "$1" | tr -d '\r' | sed -n 's/^250 2\.0\.0 Ok: queued as //p')
	[ -n "$rid" ] || { echo "NOT QUEUED: $(t_codes "$1")"; return; }
	id=$(t_queue_find_rid "$rid")
	t_queue_message "$id" | "$T_PY" -c '
import sys, re
m = sys.stdin.buffer.read().decode("latin-1")
head = m.split("\r\n\r\n", 1)[0]
for f in re.split(r"\r\n(?![ \t])", head):
    if f.lower().startswith("authentication-results:"):
        print(re.sub(r"\r\n[ \t]+", " ", f))'
}

# --- SPF: pass, fail, softfail, none; HELO -----------------------------------
mkmsg spfpass a@pass.test
out=$(send 2525 helo.test a@pass.test spfpass)
t_is "$(ar "$out")" "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=a@pass.test; spf=pass smtp.helo=helo.test; dkim=none; dmarc=pass header.from=pass.test" \
	"SPF pass of MAIL FROM and HELO, no DKIM signature, DMARC pass by aligned SPF"
mkmsg spffail a@fail.test
out=$(send 2525 helo.test a@fail.test spffail)
t_like "$(ar "$out")" "^Authentication-Results: mx\.example\.test; spf=fail .*smtp\.mailfrom=a@fail\.test; spf=pass smtp\.helo=helo\.test; dkim=none; dmarc=fail \(p=reject\) header\.from=fail\.test$" \
	"SPF fail (-all) and DMARC fail under p=reject: accepted with both policies off"
mkmsg spfsoft a@soft.test
out=$(send 2525 nohelo.test a@soft.test spfsoft)
t_like "$(ar "$out")" "^Authentication-Results: mx\.example\.test; spf=softfail .*smtp\.mailfrom=a@soft\.test; spf=none smtp\.helo=nohelo\.test; dkim=none; dmarc=fail \(p=none\) header\.from=soft\.test$" \
	"SPF softfail (~all), HELO without SPF record: none; DMARC p=none fail"
mkmsg spfnone a@nospf.test
out=$(send 2525 helo.test a@nospf.test spfnone)
t_is "$(ar "$out")" "Authentication-Results: mx.example.test; spf=none smtp.mailfrom=a@nospf.test; spf=pass smtp.helo=helo.test; dkim=none; dmarc=none header.from=nospf.test" \
	"no SPF record: spf=none; no DMARC record: dmarc=none"

# --- DKIM: pass, fail (body altered after signing); DMARC by aligned DKIM ------
mkmsg dkimpass a@dkim.test
sign "$T_TMP/dkimpass.eml" dkim.test
out=$(send 2525 helo.test bounce@nospf.test dkimpass)
t_like "$(ar "$out")" "^Authentication-Results: mx\.example\.test; spf=none smtp\.mailfrom=bounce@nospf\.test; spf=pass smtp\.helo=helo\.test; dkim=pass header\.d=dkim\.test header\.s=sel header\.b=[A-Za-z0-9+/]{8}; dmarc=pass header\.from=dkim\.test$" \
	"DKIM pass (key in two TXT strings), DMARC pass by aligned DKIM though SPF is another domain's"
mkmsg dkimfail a@dkim.test
sign "$T_TMP/dkimfail.eml" dkim.test
sed -i 's/^body of dkimfail/body of dkimfail, altered/' "$T_TMP/dkimfail.eml"
out=$(send 2525 helo.test bounce@nospf.test dkimfail)
t_like "$(ar "$out")" "; dkim=fail \(body hash did not verify\) header\.d=dkim\.test header\.s=sel header\.b=[A-Za-z0-9+/]{8}; dmarc=fail \(p=reject\) header\.from=dkim\.test$" \
	"DKIM fail when the body was altered after signing; DMARC fail"
mkmsg dkimnokey a@nokey.test
sign "$T_TMP/dkimnokey.eml" nokey.test
out=$(send 2525 helo.test a@pass.test dkimnokey)
t_like "$(ar "$out")" "; dkim=permerror \(no key\) header\.d=nokey\.test header\.s=sel " \
	"DKIM signature whose key is not in DNS: permerror"

# --- forged Authentication-Results: ours removed, another id kept ---------------
mkmsg forged a@pass.test $'Authentication-Results: MX.example.test;\r\n\tspf=pass smtp.mailfrom=x@y.test\r\nAuthentication-Results: other.test; spf=pass smtp.mailfrom=x@y.test\r\nAuthentication-Results: (comment) mx.example.test; dkim=pass\r\n'
out=$(send 2525 helo.test a@pass.test forged)
t_is "$(ar "$out" | grep -c .)" 2 "forged fields with our authserv-id (any case, after a comment) removed: two fields left"
t_is "$(ar "$out" | sed -n 2p)" "Authentication-Results: other.test; spf=pass smtp.mailfrom=x@y.test" \
	"a field with another authserv-id is kept, after ours"

# --- relay-net and authenticated clients are not checked -----------------------
mkmsg relay a@fail.test
out=$(send 2525 helo.test a@fail.test relay 127.0.0.2)
t_is "$(ar "$out")" "Authentication-Results: mx.example.test; none" "a relay-net client: nothing checked"

# --- the policies ----------------------------------------------------------------
t_instance --dns 127.0.0.53:53 --set 'spf-reject yes' --set 'dmarc-reject yes' \
	--set 'mailauth-timeout 3s' --set 'authserv-id auth.example.test'
echo "mailauth-queue-program $TERN_QUEUE" >> "$TERN_CONFDIR/tern.conf"
TERN_QUEUE=$T_ROOT/verify/mailauth t_start_smtpd_sa 127.0.0.1 2526
out=$(send 2526 helo.test a@fail.test spffail)
t_like "$out" $'\n550 5\\.7\\.23 Error: SPF validation failed\r' "spf-reject yes: SPF fail is 550 5.7.23 (RFC 7372)"
out=$(send 2526 helo.test bounce@nospf.test dkimfail)
t_like "$out" $'\n550 5\\.7\\.1 Error: rejected by the DMARC policy of the From domain\r' \
	"dmarc-reject yes: DMARC fail under p=reject is 550 5.7.1"
out=$(send 2526 helo.test a@soft.test spfsoft)
t_like "$(ar "$out")" "^Authentication-Results: auth\.example\.test; spf=softfail .*dmarc=fail \(p=none\)" \
	"policies on: softfail and DMARC p=none are accepted; authserv-id as set"
out=$(send 2526 helo.test bounce@nospf.test dkimpass)
t_like "$(ar "$out")" "dkim=pass .*dmarc=pass" "policies on: DKIM and DMARC pass accepted"
t_is "$(t_queue_count)" 2 "policies on: only the two accepted messages are queued"

# --- a name server that does not answer (RFC 7208 §2.6.6, RFC 7489 §6.6.3) -------
t_instance --dns 127.0.0.54:5353 --set 'mailauth-timeout 2s'
echo "mailauth-queue-program $TERN_QUEUE" >> "$TERN_CONFDIR/tern.conf"
TERN_QUEUE=$T_ROOT/verify/mailauth t_start_smtpd_sa 127.0.0.1 2527
out=$(send 2527 helo.test a@pass.test spfpass)
t_like "$(ar "$out")" "^Authentication-Results: mx\.example\.test; spf=temperror smtp\.mailfrom=a@pass\.test; spf=temperror smtp\.helo=helo\.test; dkim=none; dmarc=temperror header\.from=pass\.test$" \
	"no answer, no policy: temperror, and the message accepted"
# mailauth reads tern.conf for every message: the policies one at a time
conf=$TERN_CONFDIR/tern.conf
echo 'spf-reject yes' >> "$conf"
out=$(send 2527 helo.test a@pass.test spfpass)
t_like "$out" $'\n451 4\\.7\\.24 Error: SPF validation error \\(DNS\\), try again later\r' \
	"no answer, spf-reject yes: 451 4.7.24 (RFC 7372)"
sed -i 's/^spf-reject yes$/dmarc-reject yes/' "$conf"
out=$(send 2527 helo.test a@pass.test spfpass)
t_like "$out" $'\n451 4\\.7\\.1 Error: DMARC policy not evaluated \\(DNS\\), try again later\r' \
	"no answer, dmarc-reject yes: 451 4.7.1"
t_is "$(t_queue_count)" 1 "no answer: only the message without a policy was queued"

# --- an authenticated client (submission, AUTH under TLS): auth=pass only ------
t_instance --dns 127.0.0.53:53 --submission alice:secret --set 'spf-reject yes'
echo "mailauth-queue-program $TERN_QUEUE" >> "$TERN_CONFDIR/tern.conf"
t_bg sa-2588 systemd-socket-activate --accept --inetd -l 127.0.0.1:2588 -E TERN_CONFDIR \
	-E TERN_QUEUE="$T_ROOT/verify/mailauth" "$T_ROOT/smtpd/smtpd" -s
t_wait_port 127.0.0.1 2588 || t_bail "no listener on 2588"
out=$(swaks --server 127.0.0.1:2588 --tls --helo helo.test --from a@fail.test \
	--to friend@far.test --auth PLAIN --auth-user alice --auth-password secret \
	--data "@$T_TMP/spffail.eml" 2>&1)
t_like "$out" '^<~  250 2\.0\.0 Ok: queued as' "authenticated client: SPF fail ignored (not checked), queued"
rid=$(printf '%s\n' "$out" | sed -n 's/^<~  250 2\.0\.0 Ok: queued as //p' | tr -d '\r')
t_is "$(t_queue_message "$(t_queue_find_rid "$rid")" | tr -d '\r' | sed -n '1,2p')" \
	"Authentication-Results: mx.example.test;
	auth=pass smtp.auth=alice" "authenticated client: auth=pass smtp.auth=alice, nothing else"
