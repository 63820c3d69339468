#!/usr/bin/env bash
# smtpd_auth: submission end to end (smtpd -s under systemd-socket-activate,
# the real checkpw, real clients): AUTH PLAIN and LOGIN from swaks and
# Python smtplib against sha512-crypt and yescrypt hashes; the wrong password
# 535, then 421 after auth-failure-limit; AUTH before TLS 538 and MAIL before
# AUTH 530; MAIL FROM AUTH=<>; relaying to a foreign domain only after AUTH;
# the login in Received: and the log, never the password. TLS comes from the
# launcher's environment here (TERN_TLS_PROTOCOL: implicit TLS, as tlsd -i
# passes it).
. t/lib.sh
t_netns "$@"
t_need smtpd/smtpd queue/inject checkpw/checkpw swaks systemd-socket-activate openssl
t_instance --submission alice:secret --set 'auth-failure-delay 0'
# bob's password as a yescrypt hash (libxcrypt through Python's crypt)
yes_hash=$("$T_PY" -W ignore -c 'import crypt; print(crypt.crypt("b0b pass", "$y$j9T$abcdefghijklmnop"))')
t_like "$yes_hash" '^\$y\$' "a yescrypt hash to test with"
echo "bob:$yes_hash" >> "$T_INST/etc/passwd"
t_like "$(cat "$T_INST/etc/passwd")" '^alice:\$6\$' "t/instance --submission wrote alice's sha512-crypt hash"

tls_env=(TERN_TLS_PROTOCOL=TLSv1.3 TERN_TLS_CIPHER=TLS_AES_256_GCM_SHA384 TERN_TLS_BITS=256)
# start_sub PORT [VAR=VALUE...]: smtpd -s on 127.0.0.1:PORT, one per connection
start_sub() {
	local port=$1 env=(-E TERN_CONFDIR -E TERN_QUEUE) v; shift
	for v in "$@"; do env+=(-E "$v"); done
	t_bg "sub-$port" systemd-socket-activate --accept --inetd -l "127.0.0.1:$port" "${env[@]}" \
		"$T_ROOT/smtpd/smtpd" -s
	t_wait_port 127.0.0.1 "$port" || t_bail "no listener on $port"
}
start_sub 2587 "${tls_env[@]}"
start_sub 2588

# --- before TLS: no AUTH, no mail ---------------------------------------------
out=$(t_smtp_chat 127.0.0.1 2588 'EHLO client.test' 'AUTH PLAIN AGFsaWNlAHNlY3JldA==' \
	'AUTH LOGIN' 'MAIL FROM:<alice@example.test>' 'QUIT' | tr -d '\r')
t_unlike "$out" '^250[- ]AUTH' "before TLS: EHLO offers no AUTH"
t_like "$out" '^538 5\.7\.11 Encryption required for requested authentication mechanism$' \
	"before TLS: AUTH answered 538 5.7.11"
t_like "$out" '^530 5\.7\.0 Authentication required$' "submission: MAIL without AUTH gets 530"
t_unlike "$out" '^334' "before TLS: no challenge, so no password is ever sent"

# --- under TLS: AUTH offered; MAIL still needs it ---------------------------------
out=$(t_smtp_chat 127.0.0.1 2587 'EHLO client.test' 'MAIL FROM:<alice@example.test>' 'QUIT' | tr -d '\r')
t_like "$out" '^250-AUTH PLAIN LOGIN$' "under TLS: EHLO offers AUTH PLAIN LOGIN"
t_like "$out" '^530 5\.7\.0 ' "under TLS, before AUTH: MAIL gets 530"

# --- swaks: PLAIN and LOGIN, relaying after AUTH ---------------------------------
printf 'From: alice@example.test\r\nSubject: submitted\r\n\r\nhello\r\n' > "$T_TMP/msg"
for mech in PLAIN LOGIN; do
	before=$(t_queue_count)
	out=$(swaks --server 127.0.0.1:2587 --helo client.test --from alice@example.test \
		--to friend@far.test --auth "$mech" --auth-user alice --auth-password secret \
		--data "@$T_TMP/msg" 2>&1)
	t_like "$out" '<[-~] +235 2\.7\.0 Authentication successful' "swaks AUTH $mech: 235"
	t_like "$out" '<[-~] +250 2\.0\.0 .*queued as' "swaks AUTH $mech: relayed to far.test, queued"
	t_is "$(t_queue_count)" $((before + 1)) "swaks AUTH $mech: one more message in the queue"
done
rid=$(sed -nE 's/.*queued as ([A-Za-z0-9.-]+).*/\1/p' <<<"$out" | head -n1)
id=$(t_queue_find_rid "$rid")
t_like "$(t_queue_envelope "$id")" '^Tfriend@far\.test$' "the foreign recipient is in the envelope"
msg=$(t_queue_message "$id" | tr -d '\r')
t_like "$msg" $'^Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\n\t\\(Authenticated sender: alice\\)\n\tby mx\\.example\\.test \\(tern\\) with ESMTPSA id '"$rid" \
	"Received: names the login, and ESMTPSA (RFC 3848)"

# --- without AUTH (port 25 mode, no -s): the same relay is refused ----------------
t_start_smtpd_sa 127.0.0.1 2525
out=$(t_smtp_chat 127.0.0.1 2525 'EHLO client.test' 'MAIL FROM:<alice@example.test>' \
	'RCPT TO:<friend@far.test>' 'AUTH PLAIN AGFsaWNlAHNlY3JldA==' 'QUIT' | tr -d '\r')
t_like "$out" '^550 5\.7\.1 Error: relay access denied$' "without AUTH the foreign recipient is refused"
t_like "$out" '^502 5\.5\.1 ' "port 25 mode (no -s) does not do AUTH"

# --- Python smtplib login(): yescrypt (bob), MAIL FROM AUTH=<> ---------------------
out=$("$T_PY" - <<'PY' 2>&1
import smtplib
s = smtplib.SMTP("127.0.0.1", 2587, local_hostname="client.test", timeout=30)
print(s.login("bob", "b0b pass"))
print(s.mail("bob@example.test", ["AUTH=<>"]))
print(s.rcpt("x@far.test"))
print(s.data(b"Subject: from bob\r\n\r\nhi\r\n"))
s.quit()
PY
)
t_like "$out" "^\(235, b'2\.7\.0 Authentication successful'\)" "smtplib login() with a yescrypt hash: 235"
t_like "$out" "^\(250, b'2\.1\.0 Ok'\)" "MAIL FROM:<...> AUTH=<> accepted"
t_like "$out" "^\(250, b'2\.0\.0 Ok: queued as " "smtplib: queued"

# --- wrong passwords: 535 each, then 421 and the end -------------------------------
out=$(t_smtp_chat 127.0.0.1 2587 'EHLO client.test' 'AUTH PLAIN AGFsaWNlAHdyb25n' \
	'AUTH PLAIN AGJvYgB4' 'AUTH LOGIN' 'YWxpY2U=' 'c2VjcmV0MQ==' 'NOOP' | tr -d '\r')
# (the 421 follows the third 535 at once; the chat reads it as the NOOP's reply)
t_is "$(t_codes "$out")" "220 250 535 535 334 334 535 421" "three wrong passwords: 535 535 535, then 421"
t_like "$out" '^421 4\.7\.0 mx\.example\.test Error: too many failed authentications$' \
	"the 421 is 4.7.0, too many failed authentications"
out=$("$T_PY" - <<'PY' 2>&1
import smtplib
s = smtplib.SMTP("127.0.0.1", 2587, local_hostname="client.test", timeout=30)
try:
    s.login("alice", "not it")
except smtplib.SMTPAuthenticationError as e:
    print("refused", e.smtp_code, e.smtp_error.decode())
PY
)
t_like "$out" '^refused 535 5\.7\.8 Authentication credentials invalid$' "smtplib: a wrong password is SMTPAuthenticationError 535"

# --- the log: logins and failures, never a password --------------------------------
log=$(cat "$T_TMP/sub-2587.log")
t_like "$log" 'authenticated .*auth_user=alice auth_mech=PLAIN' "the log names the login (AUTH_USER)"
t_like "$log" 'authentication failed .*auth_user=alice' "the log records the failures"
t_like "$log" 'message accepted .*auth_user=alice' "accepted messages carry auth_user"
t_unlike "$log" 'secret|b0b pass|not it|c2VjcmV0' "no password in the log, plain or base64"

# --- checkpw alone: sha512-crypt and yescrypt, right and wrong -----------------------
check() { printf '%s\0%s\0\0' "$1" "$2" | TERN_CONFDIR=$T_INST/etc "$T_ROOT/checkpw/checkpw" /bin/true 3<&0; echo $?; }
t_is "$(check alice secret) $(check alice secreT) $(check bob 'b0b pass') $(check bob 'b0b') $(check carol x)" \
	"0 1 0 1 1" "checkpw: sha512-crypt and yescrypt right (0), wrong or unknown (1)"
out=$(printf 'alice\0secret\0\0' | TERN_CONFDIR=$T_INST/etc "$T_ROOT/checkpw/checkpw" /bin/echo ran 3<&0)
t_is "$out" "ran" "checkpw runs its program on success (checkpassword)"
chmod 000 "$T_INST/etc/passwd"
if [ "$(id -u)" != 0 ]; then
	t_is "$(check alice secret)" 111 "checkpw: an unreadable password file is a temporary failure (111)"
fi
chmod 600 "$T_INST/etc/passwd"
