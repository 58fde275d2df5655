#!/usr/bin/env bash
# Runs every fuzz target of the project for a given time each (default 10m):
#   scripts/fuzz.sh [DURATION [MINIMIZE]]
# MINIMIZE is the time spent minimizing each new input (go test -fuzzminimizetime, default
# 60s); 0 turns it off, which short runs need: a run whose time ends while a new input is
# being minimized fails with "context deadline exceeded".
# Crashers land in the package's testdata/fuzz/<Target>/ and become regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10m}
minimize=${2:-60s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($duration)"
    # Go's fuzzer can also end a short run with "context deadline exceeded" when its time
    # runs out while a worker is still busy; that is no finding (no failing input is written),
    # so such a run is tried once more. A real crasher always names its input file.
    for try in 1 2; do
      if out=$(go test -tags duckdb_arrow "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" \
        -fuzzminimizetime "$minimize" -parallel 1 2>&1); then
        echo "$out"
        break
      fi
      echo "$out"
      if [ "$try" = 2 ] || ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written' <<<"$out"; then
        exit 1
      fi
      echo "(the run ended on the fuzzer's own deadline with no failing input: once more)"
    done
  done
done
