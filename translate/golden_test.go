package translate

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The reference's per-event output (testdata/golden, from testdata/golden/generate.sh) holds
// the value of many fields for every event of each capture. Loading it as an events table
// lets the corpus be checked end to end for filters over those fields, before the real loader
// exists.
var (
	goldenCore  = strings.Fields("evt.num evt.rawtime evt.cpu evt.dir evt.type evt.category evt.res evt.rawres evt.failed evt.latency evt.is_io evt.buflen thread.tid proc.pid proc.ppid proc.vpid proc.name proc.exe proc.exepath proc.cmdline proc.args proc.cwd proc.pname proc.aname[2] user.uid user.name group.gid fd.num fd.type fd.typechar fd.name fd.directory fd.filename fd.sip fd.cip fd.sport fd.cport fd.l4proto container.id evt.args")
	goldenExtra = strings.Fields("evt.num evt.time evt.datetime evt.outputtime evt.info evt.rawtime.s evt.rawtime.ns evt.reltime evt.latency.s evt.latency.ns evt.latency.human evt.is_io_read evt.is_io_write evt.io_dir evt.is_wait evt.is_syslog evt.count evt.count.error evt.count.exit evt.abspath evt.is_open_read evt.is_open_write evt.is_open_exec proc.exeline proc.env proc.nthreads proc.nchilds proc.pcmdline proc.apid[1] proc.aname[1] proc.aname[3] proc.aname proc.loginshellid proc.duration proc.fdopencount proc.fdlimit proc.vmsize proc.vmrss proc.vmswap thread.pfmajor thread.pfminor thread.ismain thread.cgroups thread.vtid proc.sid proc.sname proc.tty proc.vpgid proc.is_exe_writable user.homedir user.shell user.loginuid user.loginname group.name container.name container.image container.type container.privileged fd.lip fd.rip fd.lport fd.rport fd.sockfamily fd.is_server fd.connected fd.dev fd.cproto fd.sproto fd.lproto fd.rproto evt.buffer")
)

// goldenLiteralNA are fields where libsinsp stores the text "<NA>" when a thread's
// information is incomplete (GRAMMAR.md §1.2); the JSON output tells it apart from an absent
// value (null). Elsewhere the printed <NA> means absent.
var goldenLiteralNA = map[string]bool{"proc.name": true, "proc.exe": true, "proc.cmdline": true}

// goldenColumn maps a printed field onto the events table.
func goldenColumn(field string) (col, member string) {
	switch field {
	case "proc.aname[1]", "proc.aname[2]", "proc.aname[3]", "proc.apid[1]", "proc.aname",
		"evt.time", "evt.outputtime", "evt.rawtime.s", "evt.rawtime.ns", "evt.latency.s", "evt.latency.ns",
		"evt.latency.human", "evt.is_syslog", "evt.count", "evt.count.error", "evt.count.exit", "evt.buffer":
		return "", "" // derived by the translator, or not comparable as printed
	}
	class, rest, _ := strings.Cut(field, ".")
	return class, strings.ReplaceAll(rest, ".", "_")
}

// readGolden splits a golden file into records of n fields. Values may hold newlines (a
// container's JSON), so a record ends at the last newline before the next record's evt.num.
func readGolden(path string, n int) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return nil, nil
	}
	toks := strings.Split(text, "\x1f")
	var out [][]string
	rec := []string{toks[0]}
	for _, tok := range toks[1:] {
		if len(rec) == n-1 {
			i := strings.LastIndexByte(tok, '\n')
			if i < 0 {
				rec = append(rec, tok)
				break
			}
			out = append(out, append(rec, tok[:i]))
			rec = []string{tok[i+1:]}
			continue
		}
		rec = append(rec, tok)
	}
	if len(rec) == n {
		out = append(out, rec)
	} else if len(rec) > 1 {
		return nil, fmt.Errorf("%s: a record has %d fields, want %d", path, len(rec), n)
	}
	return out, nil
}

func loadGolden(t *testing.T) []string {
	t.Helper()
	db := testDB(t)
	stage := func(table string, n int) {
		var cs []string
		for i := 0; i < n; i++ {
			cs = append(cs, fmt.Sprintf("f%d VARCHAR", i))
		}
		if _, err := db.Exec("CREATE TABLE " + table + " (capture VARCHAR, " + strings.Join(cs, ", ") + ")"); err != nil {
			t.Fatal(err)
		}
	}
	stage("gcore", len(goldenCore))
	stage("gextra", len(goldenExtra))
	if _, err := db.Exec(strings.Replace(ddl(), "TABLE events", "TABLE golden", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE gjson (capture VARCHAR, num VARCHAR, literal BOOLEAN)"); err != nil {
		t.Fatal(err)
	}
	caps, _ := filepath.Glob("../testdata/golden/*.core.tsv")
	var loaded []string
	var jsonRows [][]string
	for _, core := range caps {
		name := strings.TrimSuffix(filepath.Base(core), ".core.tsv") + ".scap"
		for _, part := range []struct {
			path, table string
			n           int
		}{{core, "gcore", len(goldenCore)}, {strings.TrimSuffix(core, ".core.tsv") + ".extra.tsv", "gextra", len(goldenExtra)}} {
			recs, err := readGolden(part.path, part.n)
			if err != nil {
				t.Fatal(err)
			}
			rows := make([][]string, len(recs))
			for i, rec := range recs {
				rows[i] = append([]string{name}, rec...)
			}
			copyRows(t, part.table, rows)
		}
		js, err := os.ReadFile(strings.TrimSuffix(core, ".core.tsv") + ".json.txt")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(js), "\n") {
			var ev struct {
				Num  json.Number `json:"evt.num"`
				Name *string     `json:"proc.name"`
			}
			if line == "" || json.Unmarshal([]byte(line), &ev) != nil {
				continue
			}
			jsonRows = append(jsonRows, []string{name, ev.Num.String(), fmt.Sprint(ev.Name != nil && *ev.Name == "<NA>")})
		}
		loaded = append(loaded, name)
	}
	copyRows(t, "gjson", jsonRows)
	value := map[string]string{}
	for _, set := range []struct {
		fields []string
		alias  string
	}{{goldenCore, "c"}, {goldenExtra, "x"}} {
		for i, f := range set.fields {
			ref := fmt.Sprintf("%s.f%d", set.alias, i)
			if goldenLiteralNA[f] {
				value[f] = "CASE WHEN j.literal THEN " + ref + " ELSE nullif(" + ref + ", '<NA>') END"
			} else {
				value[f] = "nullif(" + ref + ", '<NA>')"
			}
		}
	}
	var structs []string
	for _, c := range schema {
		var ms []string
		for _, m := range c.members {
			v := "NULL"
			for f, sql := range value {
				if col, mem := goldenColumn(f); col == c.col && mem == m[0] {
					v = sql
				}
			}
			switch c.col + "." + m[0] {
			case "proc.aname0":
				v = value["proc.name"] // the goldens hold no proc.aname[0]; equal but for renamed threads
			case "proc.anames":
				v = "list_filter([" + value["proc.aname[1]"] + ", " + value["proc.aname[2]"] + ", " + value["proc.aname[3]"] + "], lambda a: a IS NOT NULL)"
			case "proc.apids":
				v = "list_filter([TRY_CAST(" + value["proc.apid[1]"] + " AS BIGINT)], lambda a: a IS NOT NULL)"
			case "evt.time":
				v = "NULL"
			case "fd.pair_cip", "fd.pair_sip", "fd.pair_cport", "fd.pair_sport":
				// The ends whatever the role: the goldens' fd.cip and friends, which every
				// socket of the bundled captures has; a server socket has no client end.
				end := map[string]string{"pair_cip": "fd.cip", "pair_sip": "fd.sip", "pair_cport": "fd.cport", "pair_sport": "fd.sport"}[m[0]]
				v = value[end]
				if m[0] == "pair_cip" || m[0] == "pair_cport" {
					v = "CASE WHEN contains(" + value["fd.name"] + ", '->') THEN " + v + " END"
				}
			}
			ms = append(ms, fmt.Sprintf("%q: TRY_CAST(%s AS %s)", m[0], v, m[1]))
		}
		structs = append(structs, "{"+strings.Join(ms, ", ")+"}")
	}
	q := "INSERT INTO golden SELECT c.capture, " + strings.Join(structs, ", ") +
		" FROM gcore AS c JOIN gextra AS x ON c.capture = x.capture AND c.f0 = x.f0" +
		" LEFT JOIN gjson AS j ON c.capture = j.capture AND c.f0 = j.num"
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("load golden: %v", err)
	}
	return loaded
}

// copyRows bulk-loads rows into table through a quoted CSV file: values may hold newlines.
func copyRows(t *testing.T, table string, rows [][]string) {
	t.Helper()
	if len(rows) == 0 {
		return
	}
	tmp := filepath.Join(t.TempDir(), table+".csv")
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		t.Fatal(err)
	}
	q := "COPY " + table + " FROM '" + tmp + "' (FORMAT csv, HEADER false, QUOTE '\"', ESCAPE '\"', NULL '\\N', AUTO_DETECT false)"
	if _, err := testDB(t).Exec(q); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
}

var (
	goldenOnce   sync.Once
	goldenLoaded []string
)

// loadGoldenOnce loads the golden table into the shared test database once.
func loadGoldenOnce(t *testing.T) []string {
	goldenOnce.Do(func() { goldenLoaded = loadGolden(t) })
	if goldenLoaded == nil {
		t.Fatal("golden table failed to load")
	}
	return goldenLoaded
}

// goldenFields are the filter fields the golden output can answer.
func goldenFields() map[string]bool {
	ok := map[string]bool{}
	for _, f := range append(append([]string{}, goldenCore...), goldenExtra...) {
		ok[f] = true
	}
	for _, f := range []string{"evt.buffer", "proc.aname", "evt.time", "evt.outputtime", "evt.is_syslog"} {
		delete(ok, f)
	}
	for _, f := range []string{"fd.ip", "fd.port", "fd.net", "fd.snet", "fd.cnet", "evt.type.is.open"} {
		ok[f] = true
	}
	return ok
}

// TestCorpusAgainstGolden runs corpus filters over the reference's printed field values and
// compares the matched events with the reference's answers.
func TestCorpusAgainstGolden(t *testing.T) {
	if _, err := os.Stat("../testdata/golden/curl_google.core.tsv"); err != nil {
		t.Fatalf("golden output missing: %v", err)
	}
	loaded := map[string]bool{}
	for _, c := range loadGoldenOnce(t) {
		loaded[c] = true
	}
	avail := goldenFields()
	db := testDB(t)
	ran, agree := 0, 0
	for _, r := range loadCorpus(t) {
		if !loaded[r.capture] {
			continue
		}
		usable := true
		for _, f := range strings.Split(r.fields, ";") {
			if f != "" && !avail[f] {
				usable = false
			}
		}
		if !usable {
			continue
		}
		sql, err := Translate(r.filter, Options{})
		if err != nil {
			t.Errorf("%s: %v", r.id, err)
			continue
		}
		rs, err := db.Query("SELECT evt.num FROM golden WHERE capture = ? AND "+sql+" ORDER BY 1", r.capture)
		if err != nil {
			t.Errorf("%s: %v\n%s", r.id, err, sql)
			continue
		}
		var got strings.Builder
		for rs.Next() {
			var n int64
			if err := rs.Scan(&n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&got, "%d\n", n)
		}
		rs.Close()
		want, err := os.ReadFile(filepath.Join(filtersDir, "expected", r.id+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		ran++
		if got.String() == string(want) {
			agree++
			continue
		}
		t.Errorf("%s: %q matches %d events, the reference %d\nSQL: %s", r.id, r.filter,
			strings.Count(got.String(), "\n"), strings.Count(string(want), "\n"), sql)
	}
	t.Logf("golden: %d corpus rows checked against the reference's answers, %d agree", ran, agree)
}

// TestRuleConditionsAgainstGolden compares the match counts of official Falco rule conditions
// with the reference's, on the captures and fields the golden output covers.
func TestRuleConditionsAgainstGolden(t *testing.T) {
	if _, err := os.Stat("../testdata/golden/curl_google.core.tsv"); err != nil {
		t.Fatalf("golden output missing: %v", err)
	}
	loaded := map[string]bool{}
	for _, c := range loadGoldenOnce(t) {
		loaded[c] = true
	}
	avail := goldenFields()
	lines := readLines(t, filtersDir+"/falco_rules_conditions.tsv")
	header := strings.Split(lines[1], "\t")
	db := testDB(t)
	ran, agree := 0, 0
	for _, line := range lines[2:] {
		c := strings.Split(line, "\t")
		usable := true
		for _, f := range strings.Split(c[8], ";") {
			if f != "" && !avail[f] {
				usable = false
			}
		}
		sql, err := Translate(c[4], Options{Dialect: Falco})
		if !usable || err != nil {
			continue
		}
		for i, h := range header {
			capture, ok := strings.CutPrefix(h, "count:")
			if !ok || !loaded[capture] || i >= len(c) || c[i] == "" {
				continue
			}
			var n int
			if err := db.QueryRow("SELECT count(*) FROM golden WHERE capture = ? AND "+sql, capture).Scan(&n); err != nil {
				t.Fatalf("rule %q: %v", c[1], err)
			}
			ran++
			if fmt.Sprint(n) == c[i] {
				agree++
				continue
			}
			t.Errorf("rule %q on %s: %d matches, the reference %s", c[1], capture, n, c[i])
		}
	}
	t.Logf("golden: %d (rule, capture) counts checked against the reference's, %d agree", ran, agree)
}
