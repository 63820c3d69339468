#!/usr/bin/env bash
# The libFuzzer harnesses of t/fuzz/ (t/fuzz/README): each runs from its
# seed corpus t/fuzz/corpus/NAME for FUZZ_CHECK_SECONDS (default 8) with a
# fixed seed, two at a time, and every saved crash in t/fuzz/regress/NAME is
# replayed on its own. One test per harness and one per regression set: a
# crash, a sanitizer report, a leak, a hang (-timeout), a memory blow-up
# (-rss_limit_mb) or a broken promise the harness checks fails it; the
# input is kept as t/log/fuzz/NAME-crash-... (or -timeout-, -oom-, -leak-).
# `make fuzz` runs this with FUZZ_MODE=long: FUZZ_SECONDS (default 60) per
# harness, a random seed, and new inputs kept in t/log/fuzz/corpus/NAME.
# FUZZ=NAME runs one harness only; FUZZ_JOBS (default 2) run at once.
. t/lib.sh
trap t_cleanup EXIT
mode=${FUZZ_MODE:-check}
jobs=${FUZZ_JOBS:-2}
if [ "$mode" = long ]; then secs=${FUZZ_SECONDS:-60}; seed=0; else secs=${FUZZ_CHECK_SECONDS:-8}; seed=1; fi
log=t/log/fuzz
mkdir -p "$log"
t_tmpdir

# The largest input worth trying: a little above what each reader must
# handle in one piece (a session's worth of commands and data, one DNS
# packet per query, a configuration file...).
max_len() {
	case $1 in
	smtpd_session|smtp_client|dsn|ipc) echo 16384 ;;
	queue_load|config|dns|mailinput|hdrscan|reply) echo 8192 ;;
	*) echo 1024 ;;
	esac
}

# fuzz_one NAME: run the harness; write its result line to $T_TMP/NAME.result.
fuzz_one() {
	local name=$1 bin=t/fuzz/fuzz_$1 out=$T_TMP/$1.result corpus rc stats
	corpus=$T_TMP/corpus-$name
	[ "$mode" = long ] && corpus=$log/corpus/$name
	mkdir -p "$corpus"
	rm -f "$log/$name-"*
	nice -n "${FUZZ_NICE:-0}" "$bin" -seed="$seed" -max_total_time="$secs" \
		-max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$log/$name-" \
		"$corpus" "t/fuzz/corpus/$name" > "$log/$name.log" 2>&1
	rc=$?
	stats=$(awk '/^stat::number_of_executed_units/ { n = $2 }
		/^stat::average_exec_per_sec/ { s = $2 }
		/ cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1) }
		END { printf "%s runs, %s/s, coverage %s edges", n, s, c }' "$log/$name.log")
	if [ "$rc" -eq 0 ]; then
		echo "ok fuzz $name for ${secs}s: $stats" > "$out"
	else
		{ echo "not ok fuzz $name (exit $rc): see $log/$name.log"
		  ls "$log/$name-"* 2>/dev/null | sed 's/^/#   input: /'
		  grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$log/$name.log" | sed 's/^/#   /'
		  grep -E '^    #[0-9]+ 0x[0-9a-f]+ in [^ ]+ (/[^ ]*/)?(lib|smtpd|queue|relay|t/fuzz)/' \
			"$log/$name.log" | head -n 6 | sed 's/^/#   /'
		} > "$out"
	fi
}

names=()
for src in t/fuzz/fuzz_*.c; do
	name=${src#t/fuzz/fuzz_}; name=${name%.c}
	case $name in ${FUZZ:-*}) names+=("$name") ;; esac
done

# Regression inputs first: each file once, on its own.
for name in "${names[@]}"; do
	set -- t/fuzz/regress/"$name"/*
	[ -e "$1" ] || continue
	if ! [ -x "t/fuzz/fuzz_$name" ]; then
		t_fail "regressions of fuzz_$name: t/fuzz/fuzz_$name is built"
		continue
	fi
	if t/fuzz/fuzz_"$name" -timeout=10 -rss_limit_mb=1024 "$@" > "$log/$name.regress.log" 2>&1; then
		t_pass "fuzz_$name replays its $# regression input(s)"
	else
		t_fail "fuzz_$name replays its $# regression input(s)" "see $log/$name.regress.log" \
			"$(grep -m 6 -E 'Running:|ERROR|SUMMARY|runtime error' "$log/$name.regress.log")"
	fi
done

running=0
for name in "${names[@]}"; do
	if ! [ -x "t/fuzz/fuzz_$name" ]; then
		echo "not ok fuzz $name: t/fuzz/fuzz_$name is not built" > "$T_TMP/$name.result"
		continue
	fi
	fuzz_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

for name in "${names[@]}"; do
	r=$(head -n 1 "$T_TMP/$name.result")
	case $r in
	ok*) t_pass "${r#ok }" ;;
	*) t_fail "${r#not ok }" "$(tail -n +2 "$T_TMP/$name.result" | sed 's/^#   //')" ;;
	esac
done
