#!/usr/bin/env bash
# Records a capture with `scapql capture` and keeps what the reference readers make of it:
# sysdig 0.29.3's lines for the fields in golden_format.txt, and tshark's event count.
# Needs root, sysdig and tshark; tests and CI only read the files this writes.
#   SCAPQL=/path/to/scapql bash bpf/testdata/generate.sh
set -euo pipefail
cd "$(dirname "$0")"
scapql=${SCAPQL:-scapql}
export TZ=UTC
"$scapql" capture -q -z -w cat_hostname.scap.gz -- sh -c 'cat /etc/hostname' >/dev/null
sysdig -r cat_hostname.scap.gz -p "$(cat golden_format.txt)" 2>/dev/null | gzip -9n > cat_hostname.sysdig.txt.gz
sysdig -D -r cat_hostname.scap.gz 2>/dev/null | wc -l > cat_hostname.sysdig-count.txt
tshark -r cat_hostname.scap.gz 2>/dev/null | wc -l > cat_hostname.tshark-count.txt
echo "events: sysdig $(cat cat_hostname.sysdig-count.txt), tshark $(cat cat_hostname.tshark-count.txt)"
