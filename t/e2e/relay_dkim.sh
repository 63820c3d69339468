#!/usr/bin/env bash
# relay_dkim - outgoing DKIM signatures (RFC 6376, RFC 8463), checked by an
# independent verifier: python3-dkim (dkim.verify), asking the test DNS
# server (ldns-testns) for the records t/instance --dkim printed.
#   - a local message From: example.test goes out with two signatures,
#     rsa-sha256 and ed25519-sha256, both valid, relaxed/relaxed, with
#     From/To/Subject/Date oversigned; so does one whose 1500-octet body line
#     and 1200-octet header field the relay splits, and whose lines start
#     with a dot (dot-stuffing is undone before signing)
#   - so does a message from a client in relay-net, through smtpd
#   - a message From: another domain, and one that came from the Internet
#     and is forwarded by an alias (origin smtp) although its From: claims
#     example.test, go out unsigned
#   - a key that others may read is refused: relay -n and the relay say so
#     and the relay does not start
#   - the signer runs as queue-user, non-dumpable; relay-user cannot read
#     the keys
. t/lib.sh
. t/relay.sh
t_netns "$@"
t_need relay/relay relay/dkim-keygen queue/inject smtpd/smtpd swaks systemd-socket-activate \
	ldns-testns openssl
"$T_PY" -c 'import dkim, dns.query, nacl' 2>/dev/null || t_bail "python3-dkim, python3-dnspython, python3-nacl needed"
t_tmpdir
t_start_sink 127.0.0.43:25 "$T_TMP/far"
args=(--accept example.test --dkim example.test --route 'far.test=smtp:[127.0.0.43]:25'
	--recipients example.test=alice --alias 'fwd@example.test=friend@far.test'
	--relay-net 127.0.0.2/32 --set 'retry-min 1h')
t_instance "${args[@]}"

# --- t/instance --dkim: the keys, the settings and the records -------------------------
out=$("$T_ROOT/t/instance" "$T_INST" "${args[@]}")	# again: keys kept, records printed
t_like "$out" '^# dkim: rsa\._domainkey\.example\.test v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$' \
	"t/instance --dkim prints the RSA record: # dkim: NAME TXT-VALUE"
t_like "$out" '^# dkim: ed25519\._domainkey\.example\.test v=DKIM1; k=ed25519; p=[A-Za-z0-9+/=]{44}$' \
	"t/instance --dkim prints the Ed25519 record (RFC 8463: the bare 32-byte key)"
t_like "$(cat "$T_INST/etc/tern.conf")" '^dkim-sign example\.test ed25519 /' "it turns signing on"
t_is "$(stat -c %a "$T_INST/etc/dkim/example.test.rsa.pem")" 600 "the key file is mode 0600"
z=$T_TMP/zone
while read -r _ _ name value; do
	# zone-file strings of at most 255 bytes (RFC 1035 §3.3)
	txt=$("$T_PY" -c 'import sys; v = sys.argv[1]; print(" ".join("\"%s\"" % v[i:i + 255] for i in range(0, len(v), 255)))' "$value")
	t_dns_answer "$z" TXT "$name." "$name. 300 IN TXT $txt"
done < <(grep '^# dkim: ' <<<"$out")
t_dns_default "$z" NXDOMAIN
t_start_dns 127.0.0.53 53 "$z"

# verify FILE: one line per DKIM-Signature: "ALGORITHM ok|bad H=LIST", as
# python3-dkim sees it with the keys from the test DNS server
verify() {
	"$T_PY" - "$1" 2>&1 <<'PY'
import sys, re, dkim, dns.message, dns.query, dns.rdatatype
def dnsfunc(name, timeout=5):
    q = dns.message.make_query(name.decode() if isinstance(name, bytes) else name, "TXT")
    # ldns-testns binds every address and answers from 127.0.0.1
    r = dns.query.udp(q, "127.0.0.1", port=53, timeout=timeout)
    for rrset in r.answer:
        for rd in rrset:
            return b"".join(rd.strings)
    return None
msg = open(sys.argv[1], "rb").read()
d = dkim.DKIM(msg)
sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
if not sigs:
    print("unsigned")
for i, s in enumerate(sigs):
    tags = dkim.util.parse_tag_value(re.sub(rb"\s+", b"", s))
    ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
    print(tags[b"a"].decode(), "ok" if ok else "bad", "c=" + tags.get(b"c", b"").decode(),
          "h=" + tags[b"h"].decode().lower(), "t" if b"t" in tags else "no-t",
          "l" if b"l" in tags else "no-l")
PY
}
# sink_file RCPT MARKER: the .eml of the message to RCPT with X-Marker: MARKER
sink_file() {
	local f
	for f in $(grep -lx "to $1" "$T_TMP/far"/*.env 2>/dev/null); do
		grep -q "^X-Marker: $2" "${f%.env}.eml" && { echo "${f%.env}.eml"; return; }
	done
}

# --- the messages ---------------------------------------------------------------------
printf 'From: Alice <alice@example.test>\r\nTo: friend@far.test\r\nSubject: signed\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@example.test>\r\nX-Marker: plain\r\n\r\nhello\r\n.a line with a dot\r\n' |
	t_inject alice@example.test friend@far.test
"$T_PY" - "$T_TMP/long.msg" <<'PY'
import sys
head = (b"From: \"Alice, A.\" <Alice@EXAMPLE.test>\r\nTo: friend@far.test\r\nSubject: long\r\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nX-Marker: long\r\n")
field = b"X-Long: " + bytes(ord("a") + i % 26 for i in range(1200)) + b"\r\n"
line = bytes(ord("0") + i % 10 for i in range(1500))
line = line[:998] + b"." + line[999:]		# the second piece starts with a dot
open(sys.argv[1], "wb").write(head + field + b"\r\n" + line + b"\r\n..two dots\r\nend")
PY
t_inject alice@example.test friend@far.test < "$T_TMP/long.msg"
printf 'From: bob@other.test\r\nTo: friend@far.test\r\nSubject: other\r\nX-Marker: other\r\n\r\nhi\r\n' |
	t_inject bob@other.test friend@far.test
port=$(t_free_port)
t_start_smtpd_sa 127.0.0.1 "$port"
printf 'From: alice@example.test\r\nTo: fwd@example.test\r\nSubject: forged\r\nX-Marker: forwarded\r\n\r\nfrom outside\r\n' > "$T_TMP/fwd.msg"
printf '.\r\n' | cat "$T_TMP/fwd.msg" - > "$T_TMP/fwd.swaks"
t_like "$(swaks --server "127.0.0.1:$port" --from x@outside.test --to fwd@example.test \
	--data "@$T_TMP/fwd.swaks" 2>&1)" '<-  250 2\.0\.0' "an Internet client's message to an alias: queued"
printf 'From: alice@example.test\r\nTo: friend@far.test\r\nSubject: via relay-net\r\nX-Marker: relaynet\r\n\r\nfrom inside\r\n.\r\n' > "$T_TMP/rn.swaks"
t_like "$(swaks --server "127.0.0.1:$port" --local-interface 127.0.0.2 --from alice@example.test \
	--to friend@far.test --data "@$T_TMP/rn.swaks" 2>&1)" '<-  250 2\.0\.0' "a relay-net client's message: queued"
t_relay_start
t_sink_wait 30 "$T_TMP/far" 5 || t_fail "five messages reached the sink" "$(cat "$T_TMP/relay.log")"

# --- signed and valid -----------------------------------------------------------------
v=$(verify "$(sink_file friend@far.test plain)")
t_like "$v" '^rsa-sha256 ok ' "local message From: example.test: an rsa-sha256 signature that verifies"
t_like "$v" '^ed25519-sha256 ok ' "and an ed25519-sha256 one that verifies (RFC 8463)"
t_is "$(wc -l <<<"$v")" 2 "exactly two signatures"
t_like "$v" '^rsa-sha256 ok c=relaxed/relaxed ' "canonicalization relaxed/relaxed"
t_like "$v" 'h=(from:)?.*from:.*from(:|$)' "From oversigned (listed twice in h= for one field)"
for f in to subject date; do
	t_like "$v" "h=.*\\b$f:.*\\b$f(:| |\$)" "$f oversigned"
done
t_like "$v" 'h=.*message-id' "Message-ID signed"
t_like "$v" ' t no-l$' "a t= time stamp and no l="
t_like "$(head -c 15 "$(sink_file friend@far.test plain)")" '^DKIM-Signature:' "the signatures come first"

f=$(sink_file friend@far.test long)
v=$(verify "$f")
t_like "$v" '^rsa-sha256 ok ' "1500-octet line split by the relay, From: in upper case: RSA verifies"
t_like "$v" '^ed25519-sha256 ok ' "and Ed25519 verifies"
t_is "$(tr -d '\r' < "$f" | awk '{ if (length($0) > 998) n++ } END { print n + 0 }')" 0 \
	"every line on the wire within 998 octets"
t_like "$(tr -d '\r' < "$f")" $'\n\\.two dots$' "the dots arrive as sent (stuffing undone at the sink)"

v=$(verify "$(sink_file friend@far.test relaynet)")
t_like "$v" '^rsa-sha256 ok ' "through smtpd from a relay-net client (origin relay): signed, verifies"
t_like "$v" '^ed25519-sha256 ok ' "... both signatures"
t_is "$(verify "$(sink_file friend@far.test other)")" unsigned "From: other.test (no key): unsigned"
t_is "$(verify "$(sink_file friend@far.test forwarded)")" unsigned \
	"from the Internet, forwarded by an alias, From: example.test: unsigned (origin smtp)"
t_relay_stop

# --- privileges -------------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && [ -z "${T_USERNS:-}" ]; then
	t_relay_start
	t_wait_for 10 eval '[ -n "$(pgrep -P $T_RELAY_PID)" ]'
	# the signer: the relay's child that runs as queue-user (the factory is relay-user)
	signer=
	for p in $(pgrep -P "$T_RELAY_PID"); do
		[ "$(awk '/^Uid:/ { print $2 }' "/proc/$p/status")" = "$(id -u nobody)" ] && signer=$p
	done
	t_ok "the signer runs as queue-user (nobody)" test -n "$signer"
	t_ok "the signer is non-dumpable: its /proc files are root's" \
		test "$(stat -c %u "/proc/$signer/maps" 2>/dev/null)" = 0
	t_ok "queue-user cannot read the signer's memory map (no ptrace access)" \
		eval '! setpriv --reuid nobody --regid nogroup --clear-groups cat /proc/$signer/maps >/dev/null 2>&1'
	t_ok "relay-user (the workers') cannot read the key" \
		eval '! setpriv --reuid bin --regid bin --clear-groups cat "$T_INST/etc/dkim/example.test.rsa.pem" >/dev/null 2>&1'
	t_relay_stop
else
	t_skip "the signer's user and dumpable flag" "not root"
fi

# --- a key that others may read is refused ------------------------------------------------
chmod 0644 "$T_INST/etc/dkim/example.test.ed25519.pem"
out=$("$T_ROOT/relay/relay" -n 2>&1 >/dev/null; echo "rc=$?")
t_like "$out" 'dkim-sign key .*/example\.test\.ed25519\.pem: mode 0644: group or others may read it' \
	"relay -n: a key readable by others is refused, naming the file"
t_like "$out" 'rc=1$' "relay -n exits 1"
out=$(timeout 20 "$T_ROOT/relay/relay" -1 2>&1; echo "rc=$?")
t_like "$out" 'mode 0644: group or others may read it; a DKIM key must be readable by its owner only' \
	"the relay says so"
t_like "$out" 'rc=111$' "and does not start (exit 111)"
