#!/usr/bin/env bash
# Regenerates the reference listings of the follow tests with sysdig 0.29.3: for each case
# of cases.tsv, every event of that process on that fd number, with its data buffer in
# base64 (<NA> where the event has none). The tests cut the fd's lifetime out of it.
set -euo pipefail
cd "$(dirname "$0")"
grep -v '^#' cases.tsv | while IFS=$'\t' read -r name capture _ pid fd; do
  sysdig -r "../captures/$capture" -b \
    -p '*%evt.num %evt.dir %evt.type %evt.rawres %evt.is_io_write %evt.buffer' \
    "proc.pid=$pid and fd.num=$fd" >"$name.sysdig"
done
