# t/bench/lib.sh - helpers shared by the benchmarks t/bench/*.sh (bash; source
# it after t/lib.sh, inside t_netns). Benchmarks print TAP for what they verify
# (every message counted where it must be) and a table of figures; the figures
# are never asserted (speed is measured here, not tested).
#
#	b_now                     the wall clock, seconds with microseconds
#	b_elapsed START           seconds since START (b_now), 3 decimals
#	b_rate COUNT SECONDS      COUNT/SECONDS, whole messages per second
#	b_row CELL...             one row of the result table (fixed columns)
#	b_machine                 a "# " line describing the machine and its load
#
# BENCH_SECONDS (default 10) is the target length of one measurement; the
# message count of each is calibrated from a short warm-up run.

BENCH_SECONDS=${BENCH_SECONDS:-10}

b_now() { echo "$EPOCHREALTIME"; }

b_elapsed() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f\n", b - a}'
}

b_rate() {
	awk -v n="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%d\n", n / s + 0.5; else print "-"}'
}

b_row() {
	printf '%-26s %8s %6s %9s %8s %8s\n' "$@"
}

b_machine() {
	echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
		"$(awk '/MemTotal/ {printf "%d MB", $2 / 1024}' /proc/meminfo), kernel $(uname -r);"\
		"load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews figures)"
}

# b_calibrate RATE: the message count for about BENCH_SECONDS at RATE
# messages/s, a multiple of 100, at least 200.
b_calibrate() {
	awk -v r="$1" -v s="$BENCH_SECONDS" 'BEGIN {n = int(r * s / 100 + 0.5) * 100; if (n < 200) n = 200; print n}'
}
