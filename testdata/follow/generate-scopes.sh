#!/usr/bin/env bash
# Regenerates the reference events of the scope tests with sysdig 0.29.3: for each case of
# scopes.tsv, the event numbers sysdig prints for the filter the scope stands for.
set -euo pipefail
cd "$(dirname "$0")"
grep -v '^#' scopes.tsv | while IFS=$'\t' read -r name capture _ filter; do
  sysdig -r "../captures/$capture" -p '%evt.num' "$filter" >"$name.scope"
done
