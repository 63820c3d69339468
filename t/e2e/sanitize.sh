#!/usr/bin/env bash
# t/e2e/sanitize.sh: under `make check SANITIZE=1`, a sanitizer report from a
# process nobody watches still reaches t/log/sanitizer/report.PID, where t/run
# finds it and fails the test that caused it (t/sanitize.c). A small program
# linked like tern's programs (same flags, t/sanitize.o) runs as nobody with
# stderr closed, as the injector under smtpd or smtpd under a launcher may:
# a heap overflow, undefined behaviour (UBSan is a separate library with gcc)
# and a leak each leave a report there with exit status 1; run setuid it
# exits cleanly (LeakSanitizer cannot stop a setuid process and is off there).
# The test removes the reports it caused itself. Without SANITIZE=1: skipped.
. t/lib.sh
t_netns "$@"
t_tmpdir
san=$T_ROOT/t/log/sanitizer

if ! grep -aq __asan_init smtpd/smtpd 2>/dev/null || ! [ -e t/sanitize.o ]; then
	t_skip "sanitizer reports reach t/log/sanitizer" "not a SANITIZE=1 build"
	exit 0
fi
mkdir -p "$san" && chmod 1777 "$san"
chmod 0755 "$T_ROOT/t/log"

cat > "$T_TMP/bad.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	size_t n = (size_t)argc * 4;	/* not a constant: ASan's check, not UBSan's */
	char *p = malloc(n), *q = argc > 9 ? argv[0] : NULL;
	int r = 0;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "asan") == 0)
		r = p[n];			/* heap-buffer-overflow read */
	if (strcmp(argv[1], "ubsan") == 0)
		memcpy(p, q, (size_t)argc - 2);		/* NULL source */
	if (strcmp(argv[1], "leak") == 0)
		p = NULL;				/* lost */
	free(p);
	return r;
}
EOF
if ! cc -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-o "$T_TMP/bad" "$T_TMP/bad.c" t/sanitize.o 2> "$T_TMP/cc.err"; then
	t_fail "build the faulty program" "$(cat "$T_TMP/cc.err")"
	exit 1
fi
chmod 0755 "$T_TMP/bad"

# fault KIND [setpriv option...]: run bad KIND as nobody, stderr closed; sets
# rc and report (the report file's contents, removed).
fault() {
	local kind=$1 pid; shift
	setpriv --reuid nobody --regid nogroup --clear-groups "$@" "$T_TMP/bad" "$kind" 2>&- &
	pid=$!
	wait "$pid"; rc=$?
	report=$(cat "$san/report.$pid" 2>/dev/null)
	rm -f "$san/report.$pid"
}

fault asan
t_is "$rc" 1 "ASan: a heap overflow ends the process with status 1"
t_like "$report" 'ERROR: AddressSanitizer: heap-buffer-overflow' "ASan: the report is in t/log/sanitizer"
t_like "$report" '#0 .* in main .*bad\.c:' "ASan: with a symbolised stack"
fault ubsan
t_is "$rc" 1 "UBSan: undefined behaviour ends the process with status 1"
t_like "$report" 'bad\.c:[0-9]+:[0-9]+: runtime error: null pointer passed' "UBSan: the report is in t/log/sanitizer"
fault leak
t_is "$rc" 1 "LSan: a leak at exit gives status 1 (ASan's exitcode)"
t_like "$report" 'ERROR: LeakSanitizer: detected memory leaks' "LSan: the report is in t/log/sanitizer"
fault none
t_is "$rc:$report" "0:" "a clean run leaves no report"

cp "$T_TMP/bad" "$T_TMP/bad-suid" && chown nobody "$T_TMP/bad-suid" && chmod 4755 "$T_TMP/bad-suid"
if findmnt -no OPTIONS -T "$T_TMP" | grep -qw nosuid; then
	t_skip "setuid: no LeakSanitizer fatal error" "$T_TMP is mounted nosuid"
else
	"$T_TMP/bad-suid" leak 2> "$T_TMP/suid.err" & pid=$!
	wait "$pid"; rc=$?
	t_is "$rc:$(cat "$san/report.$pid" "$T_TMP/suid.err" 2>/dev/null)" "0:" \
		"setuid: the leak check is off, no LeakSanitizer fatal error"
	rm -f "$san/report.$pid"
fi
