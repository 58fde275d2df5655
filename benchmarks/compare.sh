#!/usr/bin/env bash
# compare.sh: scapql against sysdig 0.29.3 on the same capture, in one run.
#
#   benchmarks/compare.sh [CAPTURE]
#
# Without CAPTURE it generates a 4M-event capture (seed 1) into benchmarks/out/.
# For each step it prints wall time, peak RSS (GNU time) and output lines for
# both tools, and the speed ratio (sysdig time / scapql time, > 1 = scapql
# faster). A scapql command that fails is reported and its step skipped.
#
# Steps:
#   1. print:   scapql print -r F -p FMT FILTER   vs  sysdig -r F -p FMT FILTER
#   2. json:    scapql print -r F -j              vs  sysdig -r F -j
#   3. filters: ingest once (scapql convert F -o F.duckdb), then ten
#               `scapql query --db F.duckdb --format csv --filter X` vs `sysdig -r F X`,
#               then the ten asked in one `scapql repl --db F.duckdb` session (all lines,
#               .limit 20, .limit 100)
#   4. convert: scapql convert F -o F.parquet: time, RSS, size, events/s
#   5. sql:     scapql query -r F SQL (a question straight from the capture) vs the same
#               question as a sysdig filter; the shell's first and repeated answer;
#               SELECT * to jsonl (memory); the question over a Parquet file
#
# Environment:
#   SCAPQL        scapql binary (default ./scapql, built from ./cmd/scapql if missing)
#   SYSDIG        sysdig binary (default sysdig)
#   EVENTS        events of the generated capture (default 4000000)
#   OUT           work directory (default benchmarks/out)
#   PRINT_FMT     -p format of step 1
#   PRINT_FILTER  filter of step 1
#   STEPS         steps to run, e.g. "1 2" (default "1 2 3 4 5")
#   SQL_QUESTION  the SQL of step 5
#   SCAPQL_INGEST ingest command words with {in} {out} (default "convert {in} -o {out}")
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/benchmarks/out}
SYSDIG=${SYSDIG:-sysdig}
EVENTS=${EVENTS:-4000000}
STEPS=${STEPS:-1 2 3 4 5}
PRINT_FMT=${PRINT_FMT:-%evt.num %evt.time %proc.name %thread.tid %evt.dir %evt.type %fd.name}
PRINT_FILTER=${PRINT_FILTER:-evt.type in (open,openat,connect,accept) and evt.dir=<}
SCAPQL_INGEST=${SCAPQL_INGEST:-'convert {in} -o {out}'}
FILTERS=(
	'evt.type=open'
	'evt.type in (open,openat) and evt.failed=true'
	'fd.name contains /etc/'
	'proc.name=nginx and evt.type=writev'
	'evt.res=ENOENT'
	'fd.sport=5432'
	'fd.type=ipv6'
	'user.name=alice'
	'evt.type=execve and evt.dir=<'
	'proc.pname=bash'
)

mkdir -p "$OUT" || exit 1
TMP=$(mktemp -d "$OUT/.compare.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

TIME=/usr/bin/time
if ! "$TIME" -f %e true 2>/dev/null; then
	echo "compare: GNU time is missing; install it with: apt-get install -y time" >&2
	exit 1
fi
if ! command -v "$SYSDIG" >/dev/null; then
	echo "compare: $SYSDIG not found" >&2
	exit 1
fi

# --- the capture --------------------------------------------------------------
if [ $# -ge 1 ]; then
	F=$1
else
	F=$OUT/bench-$((EVENTS / 1000000))m.scap
	if [ ! -s "$F" ]; then
		echo "generating $F ($EVENTS events, seed 1)..."
		(cd "$ROOT" && go run ./benchmarks/gen -seed 1 -events "$EVENTS" -o "$F" -manifest "$F.json") || exit 1
	fi
fi
[ -r "$F" ] || { echo "compare: cannot read $F" >&2; exit 1; }

# --- scapql --------------------------------------------------------------------
HAVE_SCAPQL=1
if [ -z "${SCAPQL:-}" ]; then
	SCAPQL=$ROOT/scapql
	if [ ! -x "$SCAPQL" ]; then
		echo "building $SCAPQL..."
		(cd "$ROOT" && go build -tags duckdb_arrow -o scapql ./cmd/scapql) || HAVE_SCAPQL=0
	fi
fi
if [ "$HAVE_SCAPQL" = 1 ] && [ ! -x "$SCAPQL" ] && ! command -v "$SCAPQL" >/dev/null; then
	HAVE_SCAPQL=0
fi
[ "$HAVE_SCAPQL" = 1 ] || echo "compare: no scapql binary; scapql steps will be skipped" >&2

# --- helpers -------------------------------------------------------------------
# measure NAME CMD...: runs CMD with stdout counted by wc -l; sets WALL (s),
# RSS (MB), LINES and RC, and keeps stderr in $TMP/NAME.err.
measure() {
	local name=$1
	shift
	"$TIME" -f '%e %M' -o "$TMP/$name.time" bash -c '"$@" | wc -l > "$0"; exit ${PIPESTATUS[0]}' \
		"$TMP/$name.lines" "$@" 2>"$TMP/$name.err"
	RC=$?
	read -r WALL RSSKB < <(tail -n 1 "$TMP/$name.time")
	RSS=$(awk -v k="$RSSKB" 'BEGIN{printf "%.0f", k/1024}')
	LINES=$(cat "$TMP/$name.lines" 2>/dev/null || echo 0)
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "-" }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN{ if (s > 0) printf "%.0f", n/s; else print "-" }'; }

row() { printf '%-50s %-7s %9s %9s %11s %s\n' "$@"; }
header() {
	echo
	echo "== $1"
	row "case" "tool" "wall s" "RSS MB" "lines" "notes"
}

# scapql_fail NAME: prints why a scapql step failed.
scapql_fail() {
	echo "   scapql failed (exit $RC): $(head -c 300 "$TMP/$1.err" | tr '\n' ' ')"
}

# Total events, for events/s: from the generator manifest, else ask sysdig.
if [ -s "$F.json" ]; then
	NEV=$(awk -F: '/"events"/{gsub(/[ ,]/,"",$2); print $2; exit}' "$F.json")
else
	NEV=$("$SYSDIG" -r "$F" -D -p '%evt.num' 2>/dev/null | tail -n 1)
fi

echo "capture: $F ($(du -h "$F" | cut -f1), $NEV events)"
echo "scapql:  $SCAPQL"
echo "sysdig:  $("$SYSDIG" --version 2>/dev/null)"
echo "host:    $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"

step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

# --- 1. print with a format and a filter -----------------------------------------
if step 1; then
	header "1. print -p FMT FILTER   (FMT='$PRINT_FMT', FILTER='$PRINT_FILTER')"
	measure s1 "$SYSDIG" -r "$F" -p "$PRINT_FMT" "$PRINT_FILTER"
	SW=$WALL SL=$LINES
	row "print -p + filter" sysdig "$WALL" "$RSS" "$LINES" "$(rate "$NEV" "$WALL") events/s read"
	if [ "$HAVE_SCAPQL" = 1 ]; then
		measure q1 "$SCAPQL" print -r "$F" -p "$PRINT_FMT" "$PRINT_FILTER"
		if [ "$RC" = 0 ]; then
			agree=$([ "$LINES" = "$SL" ] && echo "lines agree" || echo "LINES DIFFER")
			row "print -p + filter" scapql "$WALL" "$RSS" "$LINES" "$(rate "$NEV" "$WALL") events/s; speed $(ratio "$SW" "$WALL"); $agree"
		else
			scapql_fail q1
		fi
	fi
fi

# --- 2. JSON output ------------------------------------------------------------
if step 2; then
	header "2. print -j"
	measure s2 "$SYSDIG" -r "$F" -j
	SW=$WALL SL=$LINES
	row "print -j" sysdig "$WALL" "$RSS" "$LINES" "$(rate "$NEV" "$WALL") events/s"
	if [ "$HAVE_SCAPQL" = 1 ]; then
		measure q2 "$SCAPQL" print -r "$F" -j
		if [ "$RC" = 0 ]; then
			agree=$([ "$LINES" = "$SL" ] && echo "lines agree" || echo "LINES DIFFER")
			row "print -j" scapql "$WALL" "$RSS" "$LINES" "$(rate "$NEV" "$WALL") events/s; speed $(ratio "$SW" "$WALL"); $agree"
		else
			scapql_fail q2
		fi
	fi
fi

# shell_session LIMIT LABEL: the ten filters of $TMP/ten.txt typed into one shell session
# over $DB with .limit LIMIT (0: every line); prints each question's time (the shell's timer)
# and its ratio to sysdig's run (SWS), then the session's row.
shell_session() {
	local limit=$1 label=$2 shown=""
	[ "$limit" = 0 ] || shown="$limit shown: [^,]*, "
	sed "s/^\.limit 0\$/.limit $limit/" "$TMP/ten.txt" >"$TMP/ten$limit.txt"
	"$TIME" -f '%e %M' -o "$TMP/shell$limit.time" "$SCAPQL" repl --db "$DB" <"$TMP/ten$limit.txt" >"$TMP/shell$limit.out" 2>&1
	read -r WALL RSSKB < <(tail -n 1 "$TMP/shell$limit.time")
	grep -o "([0-9,]* rows\?, $shown[0-9.]*m\?s)" "$TMP/shell$limit.out" | tr -d '(),' | awk -v sw="${SWS[*]}" -v limit="$limit" '{
		split(sw, s, " "); t = $NF; ms = (t ~ /ms$/) ? t + 0 : t * 1000
		what = limit > 0 ? sprintf(" (first %d shown)", limit) : ""
		printf "   shell question %d%s: %s rows in %.0f ms (sysdig %.2f s: %.1fx)\n", NR, what, $1, ms, s[NR], s[NR] * 1000 / ms }'
	row "$label" scapql "$WALL" "$(awk -v k="$RSSKB" 'BEGIN{printf "%.0f", k/1024}')" "" "total incl. opening the database; speed $(ratio "$STOTAL" "$WALL")"
}

# --- 3. ten filters: ingest once vs re-reading ---------------------------------------
if step 3; then
	header "3. ten filters: scapql query on an ingested DB vs sysdig re-reading"
	DB=$OUT/$(basename "$F").duckdb
	QOK=0
	if [ "$HAVE_SCAPQL" = 1 ]; then
		rm -f "$DB" "$DB.wal"
		read -r -a ingest_args <<<"${SCAPQL_INGEST//\{in\}/$F}"
		ingest_args=("${ingest_args[@]//\{out\}/$DB}")
		measure qi "$SCAPQL" "${ingest_args[@]}"
		if [ "$RC" = 0 ]; then
			QOK=1
			QTOTAL=$WALL
			row "ingest ($SCAPQL_INGEST)" scapql "$WALL" "$RSS" "-" "$(rate "$NEV" "$WALL") events/s; db $(du -h "$DB" 2>/dev/null | cut -f1)"
		else
			scapql_fail qi
		fi
	fi
	STOTAL=0
	SWS=()
	i=0
	for flt in "${FILTERS[@]}"; do
		i=$((i + 1))
		measure "s3_$i" "$SYSDIG" -r "$F" "$flt"
		STOTAL=$(awk -v a="$STOTAL" -v b="$WALL" 'BEGIN{print a+b}')
		SW=$WALL SL=$LINES
		SWS+=("$WALL")
		row "$i: $flt" sysdig "$WALL" "$RSS" "$LINES" ""
		if [ "$QOK" = 1 ]; then
			measure "q3_$i" "$SCAPQL" query --db "$DB" --format csv --filter "$flt"
			if [ "$RC" = 0 ]; then
				QTOTAL=$(awk -v a="$QTOTAL" -v b="$WALL" 'BEGIN{print a+b}')
				LINES=$((LINES - 1)) # the CSV header
				agree=$([ "$LINES" = "$SL" ] && echo "lines agree" || echo "LINES DIFFER")
				row "" scapql "$WALL" "$RSS" "$LINES" "speed $(ratio "$SW" "$WALL"); $agree"
			else
				scapql_fail "q3_$i"
				QOK=0
			fi
		fi
	done
	row "total (10 filters)" sysdig "$STOTAL" "" "" ""
	if [ "$QOK" = 1 ]; then
		row "total (ingest + 10 queries)" scapql "$QTOTAL" "" "" "speed $(ratio "$STOTAL" "$QTOTAL")"
		# The same ten questions asked in one shell session over the database: the shell's
		# timer gives each question's time (listing every matching event as CSV).
		{
			printf '.timer on\n.mode csv\n.limit 0\n'
			for flt in "${FILTERS[@]}"; do printf '%s\n' "$flt"; done
		} >"$TMP/ten.txt"
		shell_session 0 "ten questions in one shell session"
		# As one asks interactively: the first events of each answer and its count.
		shell_session 20 "the same, .limit 20 (first events + count)"
		shell_session 100 "the same, .limit 100 (a terminal's default)"
	fi
fi

# --- 4. conversion to Parquet ----------------------------------------------------
if step 4; then
	header "4. convert to Parquet"
	if [ "$HAVE_SCAPQL" = 1 ]; then
		PQ=$OUT/$(basename "$F").parquet
		insize=$(stat -c %s "$F")
		rm -f "$PQ"
		measure q4 "$SCAPQL" convert "$F" -o "$PQ"
		if [ "$RC" = 0 ]; then
			outsize=$(stat -c %s "$PQ" 2>/dev/null || echo 0)
			mbs=$(awk -v b="$insize" -v s="$WALL" 'BEGIN{ if (s > 0) printf "%.0f", b/s/1e6; else print "-" }')
			row "convert -o x.parquet" scapql "$WALL" "$RSS" "-" "$(rate "$NEV" "$WALL") events/s, $mbs MB/s in; parquet $(awk -v b="$outsize" 'BEGIN{printf "%.1f MB", b/1e6}') ($(ratio "$outsize" "$insize") of input)"
		else
			scapql_fail q4
		fi
		CQ=$OUT/$(basename "$F").compact.parquet
		rm -rf "$CQ"
		measure q4c "$SCAPQL" convert "$F" -o "$CQ" --layout compact
		if [ "$RC" = 0 ]; then
			outsize=$(du -sb "$CQ" | cut -f1)
			mbs=$(awk -v b="$insize" -v s="$WALL" 'BEGIN{ if (s > 0) printf "%.0f", b/s/1e6; else print "-" }')
			row "convert -o x.parquet --layout compact" scapql "$WALL" "$RSS" "-" "$(rate "$NEV" "$WALL") events/s, $mbs MB/s in; parquet $(awk -v b="$outsize" 'BEGIN{printf "%.1f MB", b/1e6}') ($(ratio "$outsize" "$insize") of input)"
		else
			scapql_fail q4c
		fi
	else
		echo "   skipped: no scapql"
	fi
fi

# --- 5. SQL straight from the capture ------------------------------------------------
# The question of $SQL_QUESTION as SQL (query -r, a cold process each time), against the same
# question as a sysdig filter; the shell's first answer and the same question again; SELECT *
# to JSON lines (memory); the question over a Parquet file convert wrote.
SQL_QUESTION=${SQL_QUESTION:-"SELECT proc.name, count(*) n FROM events WHERE evt.type='connect' GROUP BY ALL"}
if step 5; then
	header "5. SQL straight from the capture: $SQL_QUESTION"
	measure s5 "$SYSDIG" -r "$F" -p '%proc.name' "evt.type=connect"
	SW=$WALL
	row "the question as a filter" sysdig "$WALL" "$RSS" "$LINES" ""
	if [ "$HAVE_SCAPQL" = 1 ]; then
		measure q5 "$SCAPQL" query -r "$F" --format csv "$SQL_QUESTION"
		if [ "$RC" = 0 ]; then
			row "query -r F SQL" scapql "$WALL" "$RSS" "$LINES" "speed $(ratio "$SW" "$WALL")"
		else
			scapql_fail q5
		fi
		printf '.timer on\n.mode csv\n%s;\n%s;\n' "$SQL_QUESTION" "$SQL_QUESTION" >"$TMP/twice.sql"
		"$TIME" -f '%e %M' -o "$TMP/shell5.time" "$SCAPQL" "$F" <"$TMP/twice.sql" >"$TMP/shell5.out" 2>&1
		read -r WALL RSSKB < <(tail -n 1 "$TMP/shell5.time")
		grep -o '([0-9,]* rows\?, [0-9.]*m\?s)' "$TMP/shell5.out" | tr -d '(),' | awk -v sw="$SW" '{
			t = $NF; ms = (t ~ /ms$/) ? t + 0 : t * 1000
			printf "   shell, %s: %.0f ms (sysdig %.2f s: %.2fx)\n", NR == 1 ? "first answer" : "the same again", ms, sw, sw * 1000 / ms }'
		row "shell: the question twice" scapql "$WALL" "$(awk -v k="$RSSKB" 'BEGIN{printf "%.0f", k/1024}')" "" "whole session"
		measure q5s "$SCAPQL" query -r "$F" --format jsonl "SELECT * FROM events"
		if [ "$RC" = 0 ]; then
			row "query -r F 'SELECT *' --format jsonl" scapql "$WALL" "$RSS" "$LINES" ""
		else
			scapql_fail q5s
		fi
		PQ=$OUT/$(basename "$F").parquet
		[ -s "$PQ" ] || "$SCAPQL" convert "$F" -o "$PQ" >/dev/null 2>&1
		measure q5p "$SCAPQL" query -r "$PQ" --format csv "$SQL_QUESTION"
		if [ "$RC" = 0 ]; then
			row "query -r F.parquet SQL" scapql "$WALL" "$RSS" "$LINES" "speed $(ratio "$SW" "$WALL")"
		else
			scapql_fail q5p
		fi
	fi
fi
