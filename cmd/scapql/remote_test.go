//go:build linux && amd64

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/scapql/scapql/remote"
)

// TestMain lets the test binary stand in for scapql: run through a link
// named scapql (the remote command of these tests), it is the program.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "scapql" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// scapqlBinary is a link named scapql to this test binary: this build of
// scapql, for the "remote" side and for running extcap as Wireshark does.
func scapqlBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scapql")
	if err := os.Symlink(exe, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// testSSHD is a real OpenSSH server on a loopback port, with a throw-away
// host key and one authorised user key.
type testSSHD struct {
	port       int
	userKey    string // private key file that logs in
	otherKey   string // private key file that does not
	knownHosts string // holds the host key for 127.0.0.1:port
	hostKey    ssh.PublicKey
	cmd        *exec.Cmd
}

func writeKey(t *testing.T, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, p, _ := strings.Cut(l.Addr().String(), ":")
	n, _ := strconv.Atoi(p)
	return n
}

func startSSHD(t *testing.T) *testSSHD {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the test sshd and the capture need root")
	}
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Fatalf("no OpenSSH server (Debian package openssh-server): %v", err)
	}
	dir := t.TempDir()
	s := &testSSHD{
		port:       freePort(t),
		userKey:    filepath.Join(dir, "user_key"),
		otherKey:   filepath.Join(dir, "other_key"),
		knownHosts: filepath.Join(dir, "known_hosts"),
	}
	s.hostKey = writeKey(t, filepath.Join(dir, "host_key"))
	userPub := writeKey(t, s.userKey)
	writeKey(t, s.otherKey)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userPub), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.knownHosts, []byte(s.knownLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`HostKey %s/host_key
AuthorizedKeysFile %s/authorized_keys
ListenAddress 127.0.0.1
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
`, dir, dir)
	cfg := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // its privilege separation directory
		t.Fatal(err)
	}
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", cfg, "-p", strconv.Itoa(s.port))
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, pid := range descendants(s.cmd.Process.Pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
	// sshd says when it listens; the rest of its log is kept for failures.
	r := bufio.NewReader(stderr)
	var log strings.Builder
	for {
		line, err := r.ReadString('\n')
		log.WriteString(line)
		if strings.Contains(line, "Server listening on") {
			break
		}
		if err != nil {
			t.Fatalf("sshd did not start: %s", log.String())
		}
	}
	go io.Copy(io.Discard, r)
	return s
}

func (s *testSSHD) target() string { return "root@127.0.0.1:" + strconv.Itoa(s.port) }

func (s *testSSHD) knownLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize("127.0.0.1:" + strconv.Itoa(s.port))}, s.hostKey)
}

// flags are the options that reach this server with scapql at bin as the
// remote capture command.
func (s *testSSHD) flags(bin string) remoteFlags {
	return remoteFlags{hosts: []string{s.target()}, keys: []string{s.userKey}, knownHosts: s.knownHosts, command: bin + " capture -w -"}
}

// descendants lists the processes under pid (the test sshd's connections
// and what they run), deepest last.
func descendants(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 2 {
			pp, _ := strconv.Atoi(f[1])
			parent[p] = pp
		}
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for c, pp := range parent {
			if pp == p {
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(pid)
	return out
}

// toolCount is how many lines a reference tool prints reading path.
func toolCount(t *testing.T, tool, path string) int {
	t.Helper()
	out, err := exec.Command(tool, "-r", path).Output()
	if err != nil {
		t.Fatalf("%s -r %s: %v", tool, path, err)
	}
	return bytes.Count(out, []byte("\n"))
}

// printCount is how many lines scapql print shows for path.
func printCount(t *testing.T, path string) int {
	t.Helper()
	var out bytes.Buffer
	if err := runPrint(&out, io.Discard, printFlags{read: path, dialect: "auto"}, ""); err != nil {
		t.Fatalf("print -r %s: %v", path, err)
	}
	return bytes.Count(out.Bytes(), []byte("\n"))
}

// dropRecords is how many drop records (one per CPU, at the end of a capture scapql
// recorded) path holds: tshark lists them as events, sysdig and print hide them.
func dropRecords(t *testing.T, path string) int {
	t.Helper()
	out := query(t, queryFlags{reads: []string{path}, format: "csv"}, `SELECT coalesce(len(drops_per_cpu), 0) FROM captures`)
	n, err := strconv.Atoi(strings.TrimSpace(strings.Split(strings.TrimSpace(out), "\n")[1]))
	if err != nil {
		t.Fatalf("drop records of %s: %q", path, out)
	}
	return n
}

func firstInt(t *testing.T, re, s string) int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %q in %q", re, s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestRemoteCaptureCommand captures `sh -c 'cat /etc/hostname'` on
// "remote" localhost through capture --ssh, with this build of scapql as
// the remote command: the file holds what the remote capture wrote, sysdig
// and tshark read it with the same counts, and SQL finds the cat.
func TestRemoteCaptureCommand(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	cat := privateCat(t)
	path := filepath.Join(t.TempDir(), "remote.scap")
	var stdout, stderr bytes.Buffer
	err := runRemoteCapture(context.Background(), &stdout, &stderr, captureFlags{write: path}, s.flags(bin),
		[]string{"sh", "-c", cat + " /etc/hostname"})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	host, _ := os.ReadFile("/etc/hostname")
	if !strings.Contains(stderr.String(), strings.TrimSpace(string(host))) {
		t.Errorf("the remote command's output is not relayed: %q", stderr.String())
	}
	written := firstInt(t, `(\d+) events written`, stderr.String())
	received := firstInt(t, `(\d+) events received from `+regexp.QuoteMeta(s.target()), stderr.String())
	// The blocks received include the drop records the remote capture ends with.
	drops := dropRecords(t, path)
	if written+drops != received || written == 0 {
		t.Errorf("the remote capture wrote %d events and %d drop records, %d arrived", written, drops, received)
	}
	if n := toolCount(t, "sysdig", path); n != written {
		t.Errorf("sysdig reads %d events, want %d", n, written)
	}
	if n := toolCount(t, "tshark", path); n != received {
		t.Errorf("tshark reads %d events, want %d", n, received)
	}
	if n := printCount(t, path); n != written {
		t.Errorf("scapql print shows %d events, want %d", n, written)
	}
	out := query(t, queryFlags{reads: []string{path}, format: "csv"},
		`SELECT proc.name, proc.pname, fd.num, evt.res FROM events
		 WHERE evt.type IN ('open','openat') AND evt.dir = '<' AND fd.name = '/etc/hostname'
		   AND proc.exepath = '`+cat+`'`)
	if want := "proc.name,proc.pname,fd.num,evt.res\ncat,sh,3,SUCCESS\n"; out != want {
		t.Errorf("SQL answer:\n%s\nwant:\n%s", out, want)
	}
	out = query(t, queryFlags{reads: []string{path}, format: "csv"},
		`SELECT count(*) AS n FROM events WHERE evt.type = 'execve' AND evt.dir = '<' AND proc.exepath = '`+cat+`'`)
	if out != "n\n1\n" {
		t.Errorf("the cat's execve: %q", out)
	}
}

// TestRemoteCaptureRefused checks each refusal: a clear error, and no file
// (nor a temporary one) left behind.
func TestRemoteCaptureRefused(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty_known_hosts")
	os.WriteFile(empty, nil, 0o600)
	other := filepath.Join(dir, "other_known_hosts")
	otherPub := writeKey(t, filepath.Join(dir, "impostor"))
	os.WriteFile(other, []byte(knownhosts.Line([]string{knownhosts.Normalize("127.0.0.1:" + strconv.Itoa(s.port))}, otherPub)+"\n"), 0o600)
	for _, tc := range []struct {
		name string
		edit func(*remoteFlags)
		want []string
	}{
		{"unknown host", func(rf *remoteFlags) { rf.knownHosts = empty },
			[]string{"unknown host", ssh.FingerprintSHA256(s.hostKey), "ssh-keyscan -p " + strconv.Itoa(s.port) + " 127.0.0.1"}},
		{"changed host key", func(rf *remoteFlags) { rf.knownHosts = other },
			[]string{"HOST KEY MISMATCH", ssh.FingerprintSHA256(s.hostKey), ssh.FingerprintSHA256(otherPub), other + ":1"}},
		{"no known hosts file", func(rf *remoteFlags) { rf.knownHosts = filepath.Join(dir, "absent") },
			[]string{"known hosts file", "no such file"}},
		{"wrong key", func(rf *remoteFlags) { rf.keys = []string{s.otherKey} },
			[]string{"authentication refused", s.otherKey}},
		{"missing key file", func(rf *remoteFlags) { rf.keys = []string{filepath.Join(dir, "nokey")} },
			[]string{"key " + filepath.Join(dir, "nokey")}},
		{"remote command missing", func(rf *remoteFlags) { rf.command = "/nonexistent/scapql capture -w -" },
			[]string{"remote capture command not found", "/nonexistent/scapql"}},
		{"not a capture", func(rf *remoteFlags) { rf.command = "echo hello" },
			[]string{"did not write a capture", "hello"}},
		{"remote command fails", func(rf *remoteFlags) { rf.command = bin + " capture -w - --snaplen 99999999" },
			[]string{"exited with status 1", "snap length"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x.scap")
			rf := s.flags(bin)
			tc.edit(&rf)
			err := runRemoteCapture(context.Background(), io.Discard, io.Discard, captureFlags{write: out, quiet: true}, rf, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			ents, _ := os.ReadDir(filepath.Dir(out))
			for _, e := range ents {
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}

// markerWriter passes writes on and closes seen when marker went by.
type markerWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	seen   chan struct{}
	once   sync.Once
}

func newMarkerWriter(marker string) *markerWriter {
	return &markerWriter{marker: marker, seen: make(chan struct{})}
}

func (m *markerWriter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf.Write(p)
	if strings.Contains(m.buf.String(), m.marker) {
		m.once.Do(func() { close(m.seen) })
	}
	return len(p), nil
}

func (m *markerWriter) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.String()
}

// waitGrown waits until a temporary capture for out holds at least n bytes
// (the stream is flowing), or fails after a generous bound.
func waitGrown(t *testing.T, out string, n int64, errc chan error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*"))
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && info.Size() >= n {
				return
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("the capture ended early: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %d bytes of capture arrived", n)
}

// startLongCapture runs a remote capture of `echo MARKER; sleep 600` and
// returns once the marker came back and the file holds 256 KB.
func startLongCapture(t *testing.T, ctx context.Context, s *testSSHD, bin, out string) (*markerWriter, chan error) {
	stderr := newMarkerWriter("ready-5b1e")
	errc := make(chan error, 1)
	go func() {
		errc <- runRemoteCapture(ctx, io.Discard, stderr, captureFlags{write: out}, s.flags(bin),
			[]string{"sh", "-c", "echo ready-5b1e; exec sleep 600"})
	}()
	select {
	case <-stderr.seen:
	case err := <-errc:
		t.Fatalf("the capture ended early: %v\n%s", err, stderr.String())
	}
	waitGrown(t, out, 256<<10, errc)
	return stderr, errc
}

// TestRemoteCaptureInterrupt stops a running remote capture as Ctrl-C does:
// the remote capture ends cleanly (it reports what it wrote, and all of it
// arrives), the file is complete, and nothing is left running remotely.
func TestRemoteCaptureInterrupt(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	out := filepath.Join(t.TempDir(), "stopped.scap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, errc := startLongCapture(t, ctx, s, bin, out)
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	written := firstInt(t, `(\d+) events written`, stderr.String())
	received := firstInt(t, `(\d+) events received`, stderr.String())
	if drops := dropRecords(t, out); written+drops != received {
		t.Errorf("the remote capture wrote %d events and %d drop records, %d arrived", written, drops, received)
	}
	if n := toolCount(t, "tshark", out); n != received {
		t.Errorf("tshark reads %d events, want %d", n, received)
	}
	if a, b := toolCount(t, "sysdig", out), printCount(t, out); a != b {
		t.Errorf("sysdig reads %d events, scapql print %d", a, b)
	}
	// The session ends with the capture: sshd's connection processes go.
	deadline := time.Now().Add(time.Minute)
	for len(descendants(s.cmd.Process.Pid)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if d := descendants(s.cmd.Process.Pid); len(d) > 0 {
		t.Errorf("still running under sshd after the stop: %v", d)
	}
}

// TestRemoteCaptureCut kills the server side mid-stream: the capture fails
// with a clear error, and the file holds every whole block that arrived,
// a capture sysdig, tshark and scapql read alike.
func TestRemoteCaptureCut(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	out := filepath.Join(t.TempDir(), "cut.scap")
	_, errc := startLongCapture(t, context.Background(), s, bin, out)
	for _, pid := range descendants(s.cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	err := <-errc
	if err == nil || !errors.Is(err, remote.ErrConnectionLost) {
		t.Fatalf("error %v, want a lost connection", err)
	}
	kept := firstInt(t, `holds the (\d+) events`, err.Error())
	if kept == 0 {
		t.Fatalf("no events kept: %v", err)
	}
	if n := toolCount(t, "tshark", out); n != kept {
		t.Errorf("tshark reads %d events, the error says %d", n, kept)
	}
	if a, b := toolCount(t, "sysdig", out), printCount(t, out); a != b || a != kept {
		t.Errorf("sysdig reads %d events, scapql print %d, the error says %d", a, b, kept)
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 1 {
		t.Errorf("files next to the capture: %v", ents)
	}
}

// TestRemoteCaptureTwoHosts records two "hosts" (two servers on two ports)
// at once, one file each, and queries both in one go.
func TestRemoteCaptureTwoHosts(t *testing.T) {
	a, b := startSSHD(t), startSSHD(t)
	bin := scapqlBinary(t)
	cat := privateCat(t)
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	os.WriteFile(known, []byte(a.knownLine()+"\n"+b.knownLine()+"\n"), 0o600)
	ssh := remoteFlags{hosts: []string{a.target(), b.target()}, keys: []string{a.userKey, b.userKey}, knownHosts: known, command: bin + " capture -w -"}
	fleet := filepath.Join(dir, "fleet") + "/"
	var stderr bytes.Buffer
	if err := runRemoteCapture(context.Background(), io.Discard, &stderr, captureFlags{write: fleet}, ssh,
		[]string{"sh", "-c", cat + " /etc/hostname"}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	fa := filepath.Join(dir, "fleet", "127.0.0.1_"+strconv.Itoa(a.port)+".scap")
	fb := filepath.Join(dir, "fleet", "127.0.0.1_"+strconv.Itoa(b.port)+".scap")
	// Both servers run on this one kernel, so a capture may also record the other's cat
	// when the two overlap in time: each file must hold a cat run by sh.
	out := query(t, queryFlags{reads: []string{filepath.Join(dir, "fleet", "*.scap")}, format: "csv"},
		`SELECT DISTINCT capture, proc.name, proc.pname FROM events
		 WHERE evt.type IN ('open','openat') AND evt.dir = '<' AND fd.name = '/etc/hostname'
		   AND proc.exepath = '`+cat+`' ORDER BY capture`)
	want := fmt.Sprintf("capture,proc.name,proc.pname\n%s,cat,sh\n%s,cat,sh\n", fa, fb)
	if a.port > b.port {
		want = fmt.Sprintf("capture,proc.name,proc.pname\n%s,cat,sh\n%s,cat,sh\n", fb, fa)
	}
	if out != want {
		t.Errorf("SQL over both:\n%s\nwant:\n%s", out, want)
	}
	for _, p := range []string{fa, fb} {
		if x, y := toolCount(t, "sysdig", p), printCount(t, p); x != y {
			t.Errorf("%s: sysdig reads %d events, scapql print %d", p, x, y)
		}
	}
}

// TestPrintLiveSSH follows a remote capture with print --live --ssh.
func TestPrintLiveSSH(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	cat := privateCat(t)
	rf := s.flags(bin)
	rf.command = bin + " capture -w - -- sh -c " + remote.Quote(cat+" /etc/hostname")
	var out bytes.Buffer
	pf := printFlags{live: true, remote: rf, dialect: "auto", format: "%proc.name %evt.dir %evt.type %fd.name"}
	if err := runPrint(&out, io.Discard, pf, "proc.exepath = '"+cat+"' and fd.name = /etc/hostname and evt.type in (open, openat, read)"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"cat < openat /etc/hostname", "cat > read /etc/hostname", "cat < read /etc/hostname"}
	for _, w := range want {
		found := false
		for _, l := range lines {
			found = found || l == w
		}
		if !found {
			t.Errorf("no line %q in:\n%s", w, out.String())
		}
	}
}
