#!/usr/bin/env bash
# t/e2e/hardening.sh: every program the build makes is hardened the way the
# GNUmakefile says (HARDEN, LDHARDEN, STATIC): a position-independent
# executable (ELF type DYN, so ASLR moves it), a GNU_RELRO segment and
# BIND_NOW (full RELRO: the relocations are done at start and made read-only),
# and stack-protector canaries in tern's own functions when the toolchain
# gives them (-fstack-protector-strong). smtpd and inject are static PIEs
# built with musl (no PT_INTERP), the others dynamic glibc PIEs: the checks
# are the same. Two control programs built here show that each check fails
# on a program built without that hardening, and passes with it.
. t/lib.sh
t_netns "$@"
t_need readelf objdump nm cc smtpd/smtpd queue/inject queue/sendmail queue/queuectl relay/relay map/newmap
t_tmpdir

# elf_type FILE: DYN, EXEC, ... (readelf -h).
elf_type() {
	readelf -hW "$1" 2>/dev/null | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p'
}
# has_relro FILE: a PT_GNU_RELRO program header.
has_relro() {
	readelf -lW "$1" 2>/dev/null | grep -qE '^ *GNU_RELRO '
}
# has_bind_now FILE: DT_FLAGS has BIND_NOW, or DT_FLAGS_1 has NOW.
has_bind_now() {
	readelf -dW "$1" 2>/dev/null | grep -qE '\(FLAGS\) .*BIND_NOW|\(FLAGS_1\) .*[[:space:]]NOW([[:space:]]|$)'
}
# protected FILE NAMES: print the functions of FILE that call
# __stack_chk_fail (their canary check failed) and are named in the file
# NAMES (one per line): in a static program libc's own functions are left
# out. GCC's clones (foo.part.0, foo.constprop.1) count as foo.
protected() {
	objdump -d --no-show-raw-insn "$1" 2>/dev/null | awk '
		/^[0-9a-f]+ <[^>]+>:$/ { f = $2; gsub(/^<|>:$/, "", f); sub(/\..*/, "", f); next }
		/call.*<__stack_chk_fail(@plt)?>/ { print f }' | sort -u | grep -Fxf "$2"
}

# Controls: the same source with and without every hardening option.
cat > "$T_TMP/control.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int control_copy(const char *s);
int control_copy(const char *s)
{
	char b[64];
	strncpy(b, s, sizeof b - 1);
	b[sizeof b - 1] = '\0';
	return puts(b);
}
int main(int argc, char **argv)
{
	return control_copy(argc > 1 ? argv[1] : "x") < 0;
}
EOF
printf 'control_copy\nmain\n' > "$T_TMP/control.names"
cc -O2 -fstack-protector-strong -fPIE -pie -Wl,-z,relro,-z,now -o "$T_TMP/hard" "$T_TMP/control.c" ||
	t_bail "cannot build the hardened control"
cc -O2 -fno-stack-protector -fno-pie -no-pie -Wl,-z,norelro,-z,lazy -o "$T_TMP/soft" "$T_TMP/control.c" ||
	t_bail "cannot build the unhardened control"
t_is "$(elf_type "$T_TMP/hard") $(elf_type "$T_TMP/soft")" "DYN EXEC" "control: -pie gives DYN, -no-pie EXEC"
t_ok "control: -z relro gives GNU_RELRO" has_relro "$T_TMP/hard"
t_ok "control: -z norelro gives none" eval '! has_relro "$T_TMP/soft"'
t_ok "control: -z now gives BIND_NOW" has_bind_now "$T_TMP/hard"
t_ok "control: -z lazy gives none" eval '! has_bind_now "$T_TMP/soft"'
t_is "$(protected "$T_TMP/soft" "$T_TMP/control.names")" "" \
	"control: -fno-stack-protector: no function checks a canary"
# Where the compiler gives no stack protector, there is none to ask for.
ssp=$(protected "$T_TMP/hard" "$T_TMP/control.names")
if [ -n "$ssp" ]; then
	t_is "$ssp" control_copy "control: -fstack-protector-strong guards the function with an array"
else
	t_skip "control: -fstack-protector-strong guards the function with an array" \
		"this compiler gives no stack protector"
fi

# tern's function names: every function defined in the build tree's objects
# (the musl objects of smtpd and inject have the same names).
nm --defined-only lib/*.o smtpd/*.o queue/*.o relay/*.o 2>/dev/null |
	awk '$2 ~ /^[Tt]$/ { n = $3; sub(/\..*/, "", n); print n }' | sort -u > "$T_TMP/tern.names"
t_like "$(wc -l < "$T_TMP/tern.names")" '^[0-9]{3,}$' "nm lists tern's functions"

for p in smtpd/smtpd queue/inject queue/sendmail queue/queuectl relay/relay map/newmap; do
	t_is "$(elf_type "$p")" DYN "$p is a PIE (ELF type DYN)"
	t_ok "$p has a GNU_RELRO segment" has_relro "$p"
	t_ok "$p is linked with BIND_NOW" has_bind_now "$p"
	if [ -z "$ssp" ]; then
		t_skip "$p has stack-protector canaries" "the compiler gives none"
		continue
	fi
	n=$(protected "$p" "$T_TMP/tern.names" | wc -l)
	if [ "$n" -gt 0 ]; then
		t_pass "$p has stack-protector canaries ($n of tern's functions check one)"
	else
		t_fail "$p has stack-protector canaries" "no function of tern's calls __stack_chk_fail"
	fi
done
