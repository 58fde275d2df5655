#!/usr/bin/env bash
# Writes the HTML report of bundled captures and takes a screenshot of it with headless
# Chromium (Debian's chromium package), to look at how the page reads, and checks from the
# browser's network log that the page asked for nothing outside the file. The browser gets
# a dead proxy, so no request leaves the machine; its own background requests (update
# checks, clock, accounts, dictionaries) are told apart by their URLs.
# Usage: scripts/report-screenshot.sh [INPUT...]   (default: curl_google.scap); OUT=dir
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install -y --no-install-recommends chromium)" >&2; exit 1; }
out=${OUT:-/tmp/scapql-report}
mkdir -p "$out"
ins=("$@")
[ ${#ins[@]} -gt 0 ] || ins=(testdata/captures/curl_google.scap)
go build -tags duckdb_arrow -o "$out/scapql" ./cmd/scapql
"$out/scapql" report "${ins[@]}" -o "$out/report.html"
rm -f "$out/netlog.json"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,4000 \
  --proxy-server=127.0.0.1:9 --disable-background-networking --disable-component-update \
  --disable-sync --disable-default-apps --no-first-run --disable-features=OptimizationHints --log-net-log="$out/netlog.json" \
  --screenshot="$out/report.png" "file://$out/report.html" > "$out/chromium.log" 2>&1 \
  || { cat "$out/chromium.log" >&2; exit 1; }
browser='^"url":"https?://(clients2\.google\.com/time/|update\.googleapis\.com/service/update2/|accounts\.google\.com/ListAccounts|optimizationguide-pa\.googleapis\.com/v1:GetModels|redirector\.gvt1\.com/edgedl/chrome/dict/)'
if grep -o '"url":"[a-z]*://[^"]*"' "$out/netlog.json" | grep -v '"url":"file://' | grep -Ev "$browser"; then
  echo "the page asked for something outside the file (above)" >&2; exit 1
fi
echo "$out/report.html -> $out/report.png (no request outside the file)"
