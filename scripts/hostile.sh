#!/usr/bin/env bash
# The hostile-input sweep: every reproducer of the "every input bounded" work, run against the
# built binary. Each must end, within 10 s and (where GNU time is there to measure it) 500 MB,
# in the expected result or a clear error. The Go tests (TestHostile*, TestKeepGoingResyncs,
# TestConvert*, TestOffline, TestPathsAreLiteral) hold the same cases to the budget in CPU time;
# this runs them as a user would.
#   scripts/hostile.sh [SCAPQL_BINARY]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=${1:-}
if [ -z "$bin" ]; then
  bin=$work/scapql
  go build -tags duckdb_arrow -o "$bin" ./cmd/scapql || exit 1
fi
cap=$root/testdata/captures/curl_google.scap
timer=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null; then timer=/usr/bin/time; fi
fails=0

# run NAME WANT_STATUS GREP_PATTERN CMD... : runs CMD with a 10 s limit, stdout and stderr to
# $work/out; checks the status, that the output matches the pattern (grep -E; "" for any),
# the time, the peak memory, and that the output stays under $maxout bytes (64 KiB).
run() {
  local name=$1 want=$2 pat=$3; shift 3
  local start end rc rss=0
  start=$(date +%s%N)
  if [ -n "$timer" ]; then
    timeout 10 "$timer" -o "$work/rss" -f %M "$@" > "$work/out" 2>&1; rc=$?
    rss=$(tail -1 "$work/rss" 2>/dev/null || echo 0)
  else
    timeout 10 "$@" > "$work/out" 2>&1; rc=$?
  fi
  end=$(date +%s%N)
  local ms=$(( (end - start) / 1000000 )) bad=""
  [ "$rc" = 124 ] && bad="timed out"
  [ -z "$bad" ] && [ "$want" != any ] && [ "$rc" != "$want" ] && bad="exit status $rc, want $want"
  [ -z "$bad" ] && [ -n "$pat" ] && ! grep -Eq -- "$pat" "$work/out" && bad="output does not match /$pat/"
  [ -z "$bad" ] && [ "${rss:-0}" -gt 512000 ] 2>/dev/null && bad="peak ${rss} KB"
  [ -z "$bad" ] && [ "$(stat -c %s "$work/out")" -gt "${maxout:-65536}" ] && bad="$(stat -c %s "$work/out") bytes of output"
  if [ -n "$bad" ]; then
    fails=$((fails + 1))
    echo "FAIL $name: $bad ($ms ms)"; head -c 600 "$work/out"; echo
  else
    echo "ok   $name ($ms ms, ${rss} KB)"
  fi
}

cd "$work"
# Rules files.
truncate -s 2G big.yaml
run "rules: 2 GB file" 2 'larger than the limit of [0-9]+ bytes.*--rules-max-bytes' "$bin" rules check big.yaml
run "print --rules: 2 GB file" 1 'larger than the limit' "$bin" print -r "$cap" --rules big.yaml 'evt.num < 0'
run "translate --rules: 2 GB file" 1 'larger than the limit' "$bin" translate --rules big.yaml 'evt.num < 0'
rm -f big.yaml
head -c 300000000 /dev/zero > zeros.yaml 2>/dev/null || true
run "rules: 300 MB of zeros" 2 'larger than the limit' "$bin" rules check zeros.yaml
rm -f zeros.yaml
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "- macro: m%d\n  condition: proc.name = p%d\n", i, i }' > many.yaml
run "rules: 300K macros" 2 'larger than the limit|--rules-max-items' "$bin" rules check many.yaml
awk 'BEGIN { for (i = 0; i < 19000; i++) printf "- macro: m%d\n  condition: proc.name = p%d\n", i, i;
  print "- rule: r\n  desc: d\n  condition: m1\n  output: x\n  priority: INFO" }' > some.yaml
run "rules: 19K macros load" 0 '1 of 1 rules translate' "$bin" rules check some.yaml
awk 'BEGIN { print "- macro: m0\n  condition: proc.name = a"; for (i = 1; i < 5000; i++) printf "- macro: m%d\n  condition: m%d and proc.name = x%d\n", i, i-1, i;
  print "- rule: r\n  desc: d\n  condition: m4999\n  output: x\n  priority: INFO" }' > chain.yaml
run "rules: 5,000-macro chain" 1 '3998 more macros fail because they use m1001' "$bin" rules check chain.yaml
# Shell input.
run "shell: stdin from /dev/zero" 1 'line 1 is longer than the limit of 1048576 bytes' "$bin" "$cap" < /dev/zero
echo ".read /dev/zero" > read-zero.sql
run "shell: .read /dev/zero" 1 '/dev/zero: line 1 is longer than the limit' "$bin" "$cap" < read-zero.sql
mkdir -p adir; echo ".read adir" > read-dir.sql
run "shell: .read a directory" 1 'is a directory' "$bin" "$cap" < read-dir.sql
{ printf 'proc.name = x and '; head -c 10000000 /dev/zero | tr '\0' y; printf ' = 3\n'; } > token.txt
run "shell: 10 MB token" 1 'y{256}…\(10000000 bytes\)' "$bin" --max-line 20000000 --max-statement 20000000 "$cap" < token.txt
rm -f token.txt
# DuckDB offline, paths literal.
run "query: INSTALL from a URL, offline" 1 'Could not establish connection' "$bin" query -r "$cap" "INSTALL spatial FROM 'http://127.0.0.1:9'"
run "query: read_csv of an https URL" 1 'requires the extension httpfs' "$bin" query -r "$cap" "SELECT * FROM read_csv('https://127.0.0.1:9/x.csv')"
run "query: --timeout interrupts a statement" 1 'stopped after --timeout 2s' "$bin" query --timeout 2s -r "$cap" "SELECT count(*) FROM range(10000000000000) a"
run "query: --db with options in the name" 1 'not allowed in a database file name' "$bin" query -r "$cap" --db 'dbw?threads=1' "SELECT 1"
run "convert: -o a:b.duckdb is a file" 0 '' "$bin" convert "$cap" -o 'a:b.duckdb'
[ -f 'a:b.duckdb' ] || { fails=$((fails + 1)); echo "FAIL convert: no file a:b.duckdb"; }
run "convert: -o with options in a database name" 1 'not allowed in a database file name' "$bin" convert "$cap" -o 'out?threads=1.duckdb'
# Crash-safe convert.
sleep 0 & dead=$!; wait $dead
touch ".o.jsonl.tmp-$dead" ; mkdir ".o.jsonl.tmp-$dead.stage"
run "convert: a dead run's leftovers removed" 0 '' "$bin" convert "$cap" -o o.jsonl
if ls -a | grep -q "^.o.jsonl.tmp-"; then fails=$((fails + 1)); echo "FAIL convert: leftovers remain: $(ls -a | grep tmp-)"; fi
chmod 600 o.jsonl
run "convert: replaced file keeps 0600" 0 '' "$bin" convert "$cap" -o o.jsonl
[ "$(stat -c %a o.jsonl)" = 600 ] || { fails=$((fails + 1)); echo "FAIL convert: mode $(stat -c %a o.jsonl)"; }
run "convert: duplicate --partition-by" 1 '--partition-by names evt.type twice' "$bin" convert "$cap" -o t.parquet --partition-by evt.type,evt.type
run "convert: 1,536 partitions" 1 'more than the limit of 1000 \(--max-partitions' "$bin" convert "$cap" -o p.parquet --partition-by evt.num
mkdir v.parquet; echo mine > v.parquet/notes.txt
run "convert: --force on a directory of other files" 1 'which scapql did not write' "$bin" convert "$cap" -o v.parquet --table all --force
[ -f v.parquet/notes.txt ] || { fails=$((fails + 1)); echo "FAIL convert: --force removed notes.txt"; }
# Filters.
stars=$(head -c 120000 /dev/zero | tr '\0' '*')
run "print: glob of 120K stars" 0 'ld.so.cache' "$bin" print -r "$cap" "fd.name glob \"$stars/etc/ld.so.cache\""
pairs=$(head -c 60000 /dev/zero | tr '\0' x | sed 's/x/*a/g')
run "print: glob of 60K star-letter pairs" 0 '' "$bin" print -r "$cap" "fd.name glob \"$pairs\""
# Results stream in every format: 600 MB of rows (held whole before) print in bounded memory.
for f in csv table jsonl; do
  run "query: 3M rows of 200 bytes as $f" 0 '^[0-9]{9,}$' sh -c "\"\$0\" query --format $f \"SELECT range, repeat('x', 200) AS s FROM range(3000000)\" | wc -c" "$bin"
done
printf '.mode csv\nSELECT range, repeat(%s, 200) AS s FROM range(3000000);\n' "'x'" > big-result.sql
run "shell: 3M rows of 200 bytes" 0 '^[0-9]{9,}$' sh -c "\"\$0\" \"\$1\" < big-result.sql | wc -c" "$bin" "$cap"
# Damaged captures.
gzip -dc "$cap" > raw.scap
{ head -c 104316 raw.scap; head -c 1048576 /dev/urandom; tail -c +104317 raw.scap; } > damaged.scap
maxout=1000000 run "print --keep-going: 1 MB of garbage" 1 'skipped damaged bytes 104316 to 1152892' "$bin" print -r damaged.scap --keep-going
lines=$(grep -c '^[0-9]' "$work/out")
[ "$lines" = 1221 ] || { fails=$((fails + 1)); echo "FAIL keep-going: $lines of 1221 lines"; }

if [ "$fails" -gt 0 ]; then echo "$fails hostile inputs not bounded"; exit 1; fi
echo "every hostile input bounded"
