package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scapwrite"
)

// TestTimelineAcrossSources runs the README's timeline query (one UNION over events,
// cloudtrail and k8saudit, ordered by time) over a capture whose events surround a
// Kubernetes attach request (attach_pod.json, 2018-10-26 13:42:46.808261) by a second on
// each side, and a CloudTrail log: the API call sits between the process activity before and
// after it.
func TestTimelineAcrossSources(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "One timeline across sources:")
	_, rest, ok2 := strings.Cut(rest, "```sql\n")
	sql, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md: no timeline query")
	}
	const attach = 1540561366808261000
	u32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	u64 := func(v uint64) []byte { return append(u32(uint32(v)), u32(uint32(v>>32))...) }
	capture := filepath.Join(t.TempDir(), "around.scap")
	f, err := os.Create(capture)
	if err != nil {
		t.Fatal(err)
	}
	w := scapwrite.NewWriter(f, scapwrite.Options{})
	_ = w.WriteProcessList(scapwrite.SampleProcesses())
	for _, e := range []struct {
		ts   uint64
		name string
	}{{attach - 1e9, "/etc/before"}, {attach + 1e9, "/etc/after"}} {
		_ = w.WriteEvent(e.ts, 1000, 0, et.PPME_SYSCALL_OPEN_E, []byte(e.name+"\x00"), u32(1), u32(0))
		_ = w.WriteEvent(e.ts+1000, 1000, 0, et.PPME_SYSCALL_OPEN_X, u64(3), []byte(e.name+"\x00"), u32(1), u32(0), u32(0), u64(7))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := query(t, queryFlags{format: "csv", reads: []string{capture,
		filepath.Join(auditData, "k8s_audit", "attach_pod.json"),
		filepath.Join(auditData, "cloudtrail", "alice_start_instances.json")}}, sql)
	want := `time,source,what
2014-03-06 21:22:54.000000000,aws_cloudtrail,Alice via 205.251.233.176 ← StartInstances
2018-10-26 13:42:45.808261000,syscall,bash open
2018-10-26 13:42:45.808262000,syscall,bash open /etc/before
2018-10-26 13:42:46.808261000,k8s_audit,minikube-user create pods nginx-deployment-7998647bdf-phvq7
2018-10-26 13:42:47.808261000,syscall,bash open
2018-10-26 13:42:47.808262000,syscall,bash open /etc/after
`
	if out != want {
		t.Errorf("timeline:\n%s\nwant:\n%s", out, want)
	}
}
