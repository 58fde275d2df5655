#!/usr/bin/env bash
# Cost of recording with `scapql capture` on a syscall-bound workload: dd copying COUNT single
# bytes (two syscalls per byte) alone, under capture (-w - into /dev/null, so the disk is not
# measured), under strace -f and under perf trace. Prints wall time, slowdown, events, drops
# and the capturing process's peak RSS and CPU; with bpftool, the probes' own time per call.
# Needs root, GNU time and bc; strace, perf and bpftool are used when present. The capture's
# last line gives its own CPU time and peak RSS (the command's are not counted).
#   SCAPQL=/path/to/scapql COUNT=2M PARALLEL=4 benchmarks/capture.sh
set -euo pipefail
scapql=${SCAPQL:-./scapql}
count=${COUNT:-2M}
parallel=${PARALLEL:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
workload=(dd if=/dev/zero of=/dev/null bs=1 count="$count")
secs() { grep -oE '^[0-9.]+ s' "$1" | head -1 | cut -d' ' -f1; }

/usr/bin/time -f "%e s" -o "$out/base" "${workload[@]}" 2>/dev/null
base=$(secs "$out/base")
printf '%-28s %8s s\n' "dd alone" "$base"

if command -v bpftool >/dev/null; then sysctl -qw kernel.bpf_stats_enabled=1; fi
"$scapql" capture -w - -- /usr/bin/time -f "%e s" -o "$out/dd" "${workload[@]}" \
  2>"$out/capture.err" > /dev/null &
cap=$!
# Sample the probes' run time while they are attached.
if command -v bpftool >/dev/null; then
  sleep 3
  bpftool prog show 2>/dev/null | grep -E 'name sys_(enter|exit)' |
    sed -E 's/.*name (sys_[a-z]+).*run_time_ns ([0-9]+) run_cnt ([0-9]+).*/\1 \2 \3/' |
    awk '$3 > 0 { printf "%-28s %8.0f ns per call (%d calls sampled)\n", "probe " $1, $2 / $3, $3 }'
fi
wait $cap
if command -v bpftool >/dev/null; then sysctl -qw kernel.bpf_stats_enabled=0; fi
with=$(secs "$out/dd")
printf '%-28s %8s s  (%.2fx)  %s\n' "dd under capture" "$with" "$(echo "$with / $base" | bc -l)" "$(tail -1 "$out/capture.err")"

# The other recorders on the same workload (minutes each: COMPARE=0 skips them).
if [ "${COMPARE:-1}" = 1 ] && command -v strace >/dev/null; then
  /usr/bin/time -f "%e s" -o "$out/strace" strace -f -o /dev/null "${workload[@]}" 2>/dev/null
  s=$(secs "$out/strace")
  printf '%-28s %8s s  (%.2fx)\n' "dd under strace -f" "$s" "$(echo "$s / $base" | bc -l)"
fi
if [ "${COMPARE:-1}" = 1 ] && command -v perf >/dev/null; then
  if /usr/bin/time -f "%e s" -o "$out/perf" perf trace -o /dev/null "${workload[@]}" 2>/dev/null; then
    s=$(secs "$out/perf")
    printf '%-28s %8s s  (%.2fx)\n' "dd under perf trace" "$s" "$(echo "$s / $base" | bc -l)"
  fi
fi

# Load: PARALLEL copies at once, written plain and gzipped (-z, a slower consumer: drops).
for z in "" -z; do
  start=$(date +%s.%N)
  "$scapql" capture $z -w - -- sh -c "for i in \$(seq $parallel); do ${workload[*]} 2>/dev/null & done; wait" \
    2>"$out/par.err" > /dev/null
  printf '%-28s %6.1f s  %s\n' "$parallel dd at once ${z:-plain}" "$(echo "$(date +%s.%N) - $start" | bc -l)" "$(tail -1 "$out/par.err")"
done
