#!/usr/bin/env bash
# smtpd_auth: submission end to end with real TLS and real clients. smtpd -s
# under systemd-socket-activate (STARTTLS, port 587 style) and tlsd -i smtpd -s
# (implicit TLS, port 465 style), t/instance --submission's certificate and
# password file, the real checkpw: swaks --tls with AUTH PLAIN and LOGIN;
# Python smtplib starttls()+login() and SMTP_SSL+login() against sha512-crypt
# and yescrypt hashes; AUTH before TLS 538 (no password read), MAIL before
# AUTH 530; three wrong passwords 535, then 421; MAIL FROM AUTH=<>; relaying
# to a foreign domain only after AUTH; ESMTPSA, the cipher and the login in
# Received:; the login in the log, never the password; checkpw alone.
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd smtpd/tlsd queue/inject checkpw/checkpw swaks systemd-socket-activate openssl
t_instance --submission alice:secret --set 'auth-failure-delay 0'
# bob's password as a yescrypt hash (libxcrypt, through Python's crypt)
yes_hash=$("$T_PY" -W ignore -c 'import crypt; print(crypt.crypt("b0b pass", "$y$j9T$abcdefghijklmnop"))')
t_like "$yes_hash" '^\$y\$j9T\$' "a yescrypt hash to test with"
echo "bob:$yes_hash" >> "$T_INST/etc/passwd"
t_like "$(cat "$T_INST/etc/passwd")" '^alice:\$6\$' "t/instance --submission wrote alice's sha512-crypt hash"

# sa PORT CMD...: CMD on 127.0.0.1:PORT, one per connection, with the instance
sa() {
	local port=$1; shift
	t_bg "sa-$port" systemd-socket-activate --accept --inetd -l "127.0.0.1:$port" \
		-E TERN_CONFDIR -E TERN_QUEUE "$@"
	t_wait_port 127.0.0.1 "$port" || t_bail "no listener on $port"
}
sa 2587 "$T_ROOT/smtpd/smtpd" -s
sa 4650 "$T_ROOT/smtpd/tlsd" -i "$T_ROOT/smtpd/smtpd" -s

# --- before TLS: no AUTH, no mail ---------------------------------------------
out=$(t_smtp_chat 127.0.0.1 2587 'EHLO client.test' 'AUTH PLAIN AGFsaWNlAHNlY3JldA==' \
	'AUTH LOGIN' 'MAIL FROM:<alice@example.test>' 'QUIT' | tr -d '\r')
t_like "$out" '^250-STARTTLS$' "before TLS: EHLO offers STARTTLS"
t_unlike "$out" '^250[- ]AUTH' "before TLS: EHLO offers no AUTH"
t_like "$out" '^538 5\.7\.11 Encryption required for requested authentication mechanism$' \
	"before TLS: AUTH answered 538 5.7.11"
t_unlike "$out" '^334' "before TLS: no challenge, so no password is ever sent"
t_like "$out" '^530 5\.7\.0 Authentication required$' "submission: MAIL without AUTH gets 530"

# --- swaks --tls: STARTTLS, then PLAIN or LOGIN; relayed to a foreign domain ------
printf 'From: alice@example.test\r\nSubject: submitted\r\n\r\nhello\r\n' > "$T_TMP/msg"
for mech in PLAIN LOGIN; do
	before=$(t_queue_count)
	out=$(swaks --server 127.0.0.1:2587 --tls --helo client.test --from alice@example.test \
		--to friend@far.test --auth "$mech" --auth-user alice --auth-password secret \
		--data "@$T_TMP/msg" 2>&1)
	t_like "$out" '^<~  250-AUTH PLAIN LOGIN$' "swaks --tls: AUTH offered once TLS is up"
	t_like "$out" '^<~  235 2\.7\.0 Authentication successful$' "swaks --tls AUTH $mech: 235"
	t_like "$out" '^<~  250 2\.0\.0 Ok: queued as' "swaks --tls AUTH $mech: relayed to far.test, queued"
	t_is "$(t_queue_count)" $((before + 1)) "swaks AUTH $mech: one more message in the queue"
done
rid=$(sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p' <<<"$out" | head -n1)
id=$(t_queue_find_rid "$rid")
t_like "$(t_queue_envelope "$id")" '^Tfriend@far\.test$' "the foreign recipient is in the envelope"
msg=$(t_queue_message "$id" | tr -d '\r')
t_like "$msg" $'^Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\n\t\\(using TLSv1\\.3 with cipher [A-Z0-9_]+ \\([0-9/]+ bits\\)\\)\n\t\\(Authenticated sender: alice\\)\n\tby mx\\.example\\.test \\(tern\\) with ESMTPSA id '"$rid" \
	"Received: the cipher, the login, and ESMTPSA (RFC 3848)"

# --- without AUTH (port 25 mode, no -s): the same relay is refused ----------------
t_start_smtpd_sa 127.0.0.1 2525
out=$(t_smtp_chat 127.0.0.1 2525 'EHLO client.test' 'MAIL FROM:<alice@example.test>' \
	'RCPT TO:<friend@far.test>' 'AUTH PLAIN AGFsaWNlAHNlY3JldA==' 'QUIT' | tr -d '\r')
t_like "$out" '^550 5\.7\.1 Error: relay access denied$' "without AUTH the foreign recipient is refused"
t_like "$out" '^502 5\.5\.1 ' "port 25 mode (no -s) does not do AUTH"

# --- Python smtplib: starttls()+login() (yescrypt), SMTP_SSL+login() -----------------
out=$("$T_PY" - <<'PY' 2>&1
import smtplib, ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", 2587, local_hostname="client.test", timeout=30)
s.starttls(context=ctx)
print("starttls", s.sock.version())
print("login", s.login("bob", "b0b pass"))
print("mail", s.mail("bob@example.test", ["AUTH=<>"]))
print("rcpt", s.rcpt("x@far.test"))
print("data", s.data(b"Subject: from bob\r\n\r\nhi\r\n"))
s.quit()
s = smtplib.SMTP_SSL("127.0.0.1", 4650, local_hostname="client.test", timeout=30, context=ctx)
s.ehlo()
print("smtps auth", s.esmtp_features.get("auth"))
print("smtps login", s.login("alice", "secret"))
print("smtps sendmail", s.sendmail("alice@example.test", ["y@far.test"], b"Subject: 465\r\n\r\nhi\r\n"))
s.quit()
s = smtplib.SMTP_SSL("127.0.0.1", 4650, local_hostname="client.test", timeout=30, context=ctx)
try:
    s.login("alice", "not it")
except smtplib.SMTPAuthenticationError as e:
    print("refused", e.smtp_code, e.smtp_error.decode())
PY
)
t_like "$out" '^starttls TLSv1\.3$' "smtplib starttls(): TLS 1.3"
t_like "$out" "^login \(235, b'2\.7\.0 Authentication successful'\)" "smtplib login() with a yescrypt hash: 235"
t_like "$out" "^mail \(250, b'2\.1\.0 Ok'\)" "MAIL FROM:<...> AUTH=<> accepted"
t_like "$out" "^data \(250, b'2\.0\.0 Ok: queued as " "smtplib over STARTTLS: queued"
t_like "$out" '^smtps auth  ?PLAIN LOGIN$' "implicit TLS (tlsd -i smtpd -s): AUTH offered at once"
t_like "$out" "^smtps login \(235, " "SMTP_SSL login(): 235"
t_like "$out" '^smtps sendmail \{\}$' "SMTP_SSL: relayed to far.test after AUTH"
t_like "$out" '^refused 535 5\.7\.8 Authentication credentials invalid$' "SMTP_SSL: a wrong password is 535"
msg=$(t_queue_message "$(t_queue_ids | tail -n1)" | tr -d '\r')
t_like "$msg" $'\n\t\\(Authenticated sender: alice\\)\n\tby mx\\.example\\.test \\(tern\\) with ESMTPSA id ' \
	"implicit TLS: Received: names the login, ESMTPSA"

# --- wrong passwords: 535 each, then 421 and the end -------------------------------
out=$("$T_PY" - <<'PY' 2>&1
import smtplib, ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", 4650, local_hostname="client.test", timeout=30, context=ctx)
s.ehlo()
for cmd in ("AUTH PLAIN AGFsaWNlAHdyb25n", "AUTH PLAIN AGJvYgB4", "AUTH LOGIN", "YWxpY2U=", "c2VjcmV0MQ=="):
    print(*s.docmd(cmd))
try:
    print(*s.getreply())
    print(*s.docmd("NOOP"))
except smtplib.SMTPServerDisconnected:
    print("closed")
PY
)
t_is "$(cut -c1-3 <<<"$out" | tr '\n' ' ')" "535 535 334 334 535 421 clo " \
	"three wrong passwords: 535 535 535, then 421, then the connection is closed"
t_like "$out" '^421 b?.?4\.7\.0 mx\.example\.test Error: too many failed authentications' "the 421 is 4.7.0"

# --- the log: logins and failures, never a password --------------------------------
log=$(cat "$T_TMP/sa-2587.log" "$T_TMP/sa-4650.log")
t_like "$log" 'authenticated .*auth_user=alice auth_mech=PLAIN' "the log names the login (AUTH_USER)"
t_like "$log" 'authentication failed .*auth_user=alice' "the log records the failures"
t_like "$log" 'message accepted .*auth_user=bob' "accepted messages carry auth_user"
t_unlike "$log" 'secret|b0b pass|not it|c2VjcmV0|AGFsaWNlAHNlY3JldA' "no password in the log, plain or base64"

# --- checkpw alone: sha512-crypt and yescrypt, right and wrong -----------------------
check() { printf '%s\0%s\0\0' "$1" "$2" | TERN_CONFDIR=$T_INST/etc "$T_ROOT/checkpw/checkpw" /bin/true 3<&0; echo $?; }
t_is "$(check alice secret) $(check alice secreT) $(check bob 'b0b pass') $(check bob 'b0b') $(check carol x)" \
	"0 1 0 1 1" "checkpw: sha512-crypt and yescrypt right (0), wrong or unknown (1)"
out=$(printf 'alice\0secret\0\0' | TERN_CONFDIR=$T_INST/etc "$T_ROOT/checkpw/checkpw" /bin/echo ran 3<&0)
t_is "$out" "ran" "checkpw runs its program on success (checkpassword)"
out=$(printf 'alice\0secret\0\0' | TERN_CONFDIR=$T_TMP/none "$T_ROOT/checkpw/checkpw" /bin/true 3<&0 2>&1; echo "rc=$?")
t_like "$out" 'rc=111$' "checkpw without its configuration: temporary failure (111)"
