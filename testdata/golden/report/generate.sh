#!/usr/bin/env bash
# Regenerates the facts the report test holds `scapql report` to, from the reference
# (sysdig 0.29.3). Needs sysdig on PATH; the test and CI only read facts.tsv.
# Each line: capture, fact, key, value (tab-separated).
set -euo pipefail
cd "$(dirname "$0")"
caps=../../captures
export TZ=UTC
out=facts.tsv.tmp
: > "$out"
for name in curl_google falco_cat_write falco_connect_localhost falco_psp_run_as_user_0_container falco_ping_sendto test_ipv6_client single_ipv6_conn falco_open-multiple-files; do
  f="$caps/$name.scap"
  # events print shows (not the internal ones)
  printf '%s\tevents\t\t%s\n' "$name" "$(sysdig -r "$f" | wc -l)" >> "$out"
  # events by category
  sysdig -r "$f" -p '%evt.category' | sort | uniq -c | awk -v n="$name" '{printf "%s\tcategory\t%s\t%s\n", n, $2, $1}' >> "$out"
  # failed calls by error
  sysdig -r "$f" -p '%evt.res' 'evt.failed=true' | sort | uniq -c | awk -v n="$name" '{printf "%s\terrno\t%s\t%s\n", n, $2, $1}' >> "$out"
  # commands executed: pid, name, command line
  sysdig -r "$f" -p '%proc.pid|%proc.name|%proc.cmdline' "evt.type=execve and evt.dir='<' and evt.failed=false" \
    | awk -v n="$name" -F'|' '{printf "%s\texec\t%s %s\t%s\n", n, $1, $2, $3}' >> "$out"
  # connects: pid, tuple, result
  sysdig -r "$f" -p '%proc.pid|%fd.name|%evt.res' "evt.type=connect and evt.dir='<'" \
    | awk -v n="$name" -F'|' '{printf "%s\tconnect\t%s %s\t%s\n", n, $1, $2, $3}' >> "$out"
  # containers: id, image, events
  sysdig -r "$f" -p '%container.id|%container.image' 'container.id!=host' | sort | uniq -c \
    | awk -v n="$name" '{c=$1; $1=""; sub(/^ /, ""); split($0, a, "|"); printf "%s\tcontainer\t%s %s\t%s\n", n, a[1], a[2], c}' >> "$out"
  # file bytes (what topfiles_bytes sums)
  sysdig -r "$f" -p '%fd.name|%evt.rawres' "evt.is_io=true and evt.dir='<' and fd.type=file and evt.rawres>0" \
    | awk -v n="$name" -F'|' '{b[$1]+=$2} END {for (k in b) printf "%s\tfilebytes\t%s\t%s\n", n, k, b[k]}' | sort >> "$out"
  # events per process (topprocs by events)
  sysdig -r "$f" -p '%proc.pid' | sort | uniq -c | awk -v n="$name" '{printf "%s\tprocevents\t%s\t%s\n", n, $2, $1}' >> "$out"
done
mv "$out" facts.tsv
wc -l facts.tsv
