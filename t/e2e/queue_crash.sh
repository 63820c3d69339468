#!/usr/bin/env bash
# queue_crash: SIGKILL the injector at random moments (the commit point, queue(5)).
# 240 runs of queue/inject, each killed at a random phase (mid-message,
# mid-envelope, just after the envelope: racing the commit) or left to
# finish. Afterwards: every message whose inject exited 0 is in mess/ whole
# (bytes and envelope compared), every file in mess/ is a whole message of
# some run (a run killed after its commit point may be there too: it is
# durable, the client's retry would make a duplicate, never a loss), and
# nothing of a run killed before the envelope is in mess/.
# Two passes, one for each way inject writes a message before its commit
# point (queue(5)): an unnamed O_TMPFILE file, which a killed run leaves
# nowhere; and, with /proc hidden (a mount namespace with an empty /proc, as
# in a chroot), a named file in tmp/, whose leftovers `queuectl sweep 0`
# removes.
. t/lib.sh
t_netns "$@"
t_need queue/inject queue/queuectl
t_tmpdir
cat >"$T_TMP/crash.py" <<'EOF'
import os, random, signal, subprocess, sys, time
inject, qdir, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(int(os.environ.get("SEED", str(int(time.time())))))

def message(i):
    size = rnd.choice([0, 10, 1000, 70000, 300000])
    line = b"x" * 70 + b"\r\n"
    body = b"Subject: run %d\r\n\r\n" % i + line * (size // 72) + b"end %d\r\n" % i
    return body

def envelope(i):
    rcpt = [b"r%d-%d@example.test" % (i, k) for k in range(1 + i % 3)]
    return b"Fs%d@example.org\0" % i + b"".join(b"T" + r + b"\0" for r in rcpt) + b"\0", rcpt

expected = {}      # body -> (sender, rcpts, rid) for runs that exited 0
raced = {}         # runs killed after the envelope was written (may have committed)
early = set()      # bodies of runs killed before the envelope was complete
phases = {"finish": 0, "message": 0, "envelope": 0, "commit": 0}
for i in range(runs):
    body = message(i)
    env, rcpt = envelope(i)
    rid = b"run-%d" % i
    phase = rnd.choice(["finish", "message", "envelope", "commit"])
    phases[phase] += 1
    er, ew = os.pipe()
    p = subprocess.Popen([inject], stdin=subprocess.PIPE, stdout=er, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, TERN_RECEIVED_ID=rid.decode()))
    os.close(er)
    try:
        if phase == "message":
            p.stdin.write(body[:rnd.randint(0, len(body))]); p.stdin.flush()
            p.kill()
        else:
            p.stdin.write(body); p.stdin.close()
            if phase == "envelope":
                os.write(ew, env[:rnd.randint(0, len(env) - 1)])
                p.kill()
            else:
                os.write(ew, env)
                if phase == "commit":
                    for _ in range(rnd.randint(0, 60000)):
                        pass
                    p.kill()
    except BrokenPipeError:
        pass
    os.close(ew)
    rc = p.wait()
    key = (body, b"s%d@example.org" % i, tuple(rcpt), rid)
    if rc == 0:
        expected[body] = key
    elif phase == "commit":
        raced[body] = key
    else:
        early.add(body)
    if rc not in (0, -signal.SIGKILL):
        print("bad exit %d in run %d (%s)" % (rc, i, phase))

def parse(path):
    data = open(path, "rb").read()
    t = data[-32:]
    assert t[:11] == b"TERNQUEUE1:" and t[-1:] == b"\n", "trailer"
    n = int(t[11:31])
    body, rec = data[:n], data[n:-32]
    assert rec.endswith(b"\0\0"), "records end"
    recs = rec[:-1].split(b"\0")[:-1]
    if len(recs) > 2 and recs[2][:1] == b"o":	# the origin (queue(5))
        del recs[2]
    assert recs[0][:1] == b"t" and recs[1][:1] == b"i" and recs[2][:1] == b"F", "record order"
    assert all(r[:1] == b"T" for r in recs[3:]) and len(recs) > 3, "recipients"
    return body, (body, recs[2][1:], tuple(r[1:] for r in recs[3:]), recs[1][1:])

found, problems, raced_found = set(), [], 0
for name in os.listdir(os.path.join(qdir, "mess")):
    try:
        body, key = parse(os.path.join(qdir, "mess", name))
    except Exception as e:
        problems.append("malformed %s: %s" % (name, e)); continue
    if body in expected:
        if expected[body] != key:
            problems.append("envelope differs in %s" % name)
        found.add(body)
    elif body in raced and raced[body] == key:
        raced_found += 1
    else:
        problems.append("unexpected message %s (%d bytes)" % (name, len(body)))
missing = len(set(expected) - found)
tmp_left = len(os.listdir(os.path.join(qdir, "tmp")))
print("runs=%d exited0=%d killed=%d committed-before-kill=%d missing=%d tmp-leftovers=%d phases=%s"
      % (runs, len(expected), runs - len(expected), raced_found, missing, tmp_left, phases))
for p in problems[:20]:
    print("problem: " + p)
print("RESULT %d %d %d %d" % (len(expected), missing, len(problems), tmp_left))
EOF

# crash_pass unnamed|named: 240 runs on a new instance, then the checks.
crash_pass() {
	local mode=$1 out ok0 missing problems tmp_left mess_before list
	t_instance
	q=$(t_queue_dir)
	if [ "$mode" = named ]; then
		out=$(unshare --mount --propagation private sh -c \
			'mount -t tmpfs none /proc && exec "$@"' sh \
			"$T_PY" "$T_TMP/crash.py" "$T_ROOT/queue/inject" "$q" 240)
	else
		out=$("$T_PY" "$T_TMP/crash.py" "$T_ROOT/queue/inject" "$q" 240)
	fi
	printf '%s\n' "$out" | grep -v '^RESULT' | sed "s/^/# $mode: /"
	read -r _ ok0 missing problems tmp_left <<<"$(printf '%s\n' "$out" | grep '^RESULT')"
	t_unlike "$out" '^bad exit' "$mode: inject exits 0 or dies by the SIGKILL, nothing else"
	[ "${ok0:-0}" -gt 20 ] && t_pass "$mode: some runs finished ($ok0)" \
		|| t_fail "$mode: some runs finished (${ok0:-0})"
	t_is "${missing:-x}" 0 "$mode: every message whose inject exited 0 is in mess/"
	t_is "${problems:-x}" 0 "$mode: mess/ holds only whole messages of runs that reached their commit point"
	if [ "$mode" = named ]; then
		[ "${tmp_left:-0}" -gt 0 ] && t_pass "named: killed runs left tmp/ files ($tmp_left)" \
			|| t_fail "named: killed runs left tmp/ files" \
				"none: were the kills too late to matter, or was /proc not hidden?"
	else
		t_is "${tmp_left:-x}" 0 "unnamed: killed runs left nothing in tmp/"
	fi
	mess_before=$(ls "$q/mess" | wc -l)
	t_ok "$mode: queuectl sweep 0 runs" queue/queuectl sweep 0
	t_is "$(ls -A "$q/tmp" | wc -l)" 0 "$mode: sweep removed the tmp/ leftovers"
	t_is "$(ls "$q/mess" | wc -l)" "$mess_before" "$mode: sweep left mess/ alone"
	list=$(queue/queuectl list)
	t_like "$list" "^$mess_before messages?\$" "$mode: queuectl list reads every committed message"
	t_unlike "$list" 'unreadable' "$mode: no committed message is unreadable"
}

crash_pass unnamed
crash_pass named
