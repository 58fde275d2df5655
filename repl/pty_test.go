//go:build linux

package repl

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/scapql/scapql/report/coloring"
)

// The pseudo-terminal test runs the shell in a child process (this test binary, re-executed
// with childEnv set) whose controlling terminal is a pty, types into it as a user would, and
// checks what a terminal would show, through a small VT100 screen model.

const childEnv = "SCAPQL_REPL_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

// childMain is the shell process of the pty test.
func childMain() int {
	b, err := newFakeBackend()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	s := New(b, Options{})
	defer s.Close()
	if err := s.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "shell:", err)
		return 1
	}
	return 0
}

// openPTY opens a pseudo-terminal pair of the given size.
func openPTY(rows, cols int) (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		m.Close()
		s.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// screen is a minimal VT100 model: enough of the cursor and erase sequences readline uses.
// Lines that scroll off the top are kept, so the text is the whole session.
type screen struct {
	mu    sync.Mutex
	rows  int
	cols  int
	lines [][]rune
	r, c  int // cursor, r indexes lines
	esc   []byte
	raw   strings.Builder
}

func newScreen(rows, cols int) *screen {
	return &screen{rows: rows, cols: cols, lines: [][]rune{nil}}
}

func (s *screen) top() int { return max(0, len(s.lines)-s.rows) }

func (s *screen) ensure(r int) {
	for len(s.lines) <= r {
		s.lines = append(s.lines, nil)
	}
}

func (s *screen) put(ch rune) {
	if s.c >= s.cols { // deferred wrap
		s.c = 0
		s.r++
	}
	s.ensure(s.r)
	line := s.lines[s.r]
	for len(line) <= s.c {
		line = append(line, ' ')
	}
	line[s.c] = ch
	s.lines[s.r] = line
	s.c++
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw.Write(p)
	data := append(s.esc, p...)
	s.esc = nil
	for i := 0; i < len(data); {
		b := data[i]
		if b == 0x1b {
			n, ok := s.escape(data[i:])
			if !ok { // incomplete: wait for more
				s.esc = append([]byte(nil), data[i:]...)
				return len(p), nil
			}
			i += n
			continue
		}
		switch b {
		case '\r':
			s.c = 0
		case '\n':
			s.r++
			s.ensure(s.r)
		case '\b':
			if s.c > 0 {
				s.c--
			}
		case '\t':
			s.c = min(s.cols-1, (s.c/8+1)*8)
		case '\a', 0:
		default:
			if b < 0x20 {
				break
			}
			ch, size := utf8.DecodeRune(data[i:])
			if ch == utf8.RuneError && !utf8.FullRune(data[i:]) {
				s.esc = append([]byte(nil), data[i:]...)
				return len(p), nil
			}
			s.put(ch)
			i += size
			continue
		}
		i++
	}
	return len(p), nil
}

// escape interprets the sequence at the start of d and returns its length; ok is false if
// the sequence is incomplete.
func (s *screen) escape(d []byte) (int, bool) {
	if len(d) < 2 {
		return 0, false
	}
	switch d[1] {
	case '[':
	case ']': // OSC, up to BEL or ST
		for j := 2; j < len(d); j++ {
			if d[j] == '\a' {
				return j + 1, true
			}
			if d[j] == 0x1b && j+1 < len(d) && d[j+1] == '\\' {
				return j + 2, true
			}
		}
		return 0, false
	default:
		return 2, true
	}
	j := 2
	for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == ';' || d[j] == '?') {
		j++
	}
	if j >= len(d) {
		return 0, false
	}
	params := strings.Split(strings.TrimPrefix(string(d[2:j]), "?"), ";")
	arg := func(k, def int) int {
		if k < len(params) && params[k] != "" {
			var n int
			fmt.Sscan(params[k], &n)
			return n
		}
		return def
	}
	s.ensure(s.r)
	switch d[j] {
	case 'A':
		s.r = max(s.top(), s.r-arg(0, 1))
	case 'B':
		s.r += arg(0, 1)
		s.ensure(s.r)
	case 'C':
		s.c = min(s.cols-1, s.c+arg(0, 1))
	case 'D':
		s.c = max(0, s.c-arg(0, 1))
	case 'G':
		s.c = min(s.cols-1, arg(0, 1)-1)
	case 'H', 'f':
		s.r, s.c = s.top()+arg(0, 1)-1, arg(1, 1)-1
		s.ensure(s.r)
	case 'J':
		switch arg(0, 0) {
		case 0:
			s.lines[s.r] = s.lines[s.r][:min(s.c, len(s.lines[s.r]))]
			for k := s.r + 1; k < len(s.lines); k++ {
				s.lines[k] = nil
			}
		case 2, 3:
			for k := s.top(); k < len(s.lines); k++ {
				s.lines[k] = nil
			}
		}
	case 'K':
		line := s.lines[s.r]
		switch arg(0, 0) {
		case 0:
			s.lines[s.r] = line[:min(s.c, len(line))]
		case 1:
			for k := 0; k <= s.c && k < len(line); k++ {
				line[k] = ' '
			}
		case 2:
			s.lines[s.r] = nil
		}
	}
	return j + 1, true
}

// text is the session as shown: every line, right-trimmed.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines {
		b.WriteString(strings.TrimRight(string(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// ptyTerm drives the child shell.
type ptyTerm struct {
	t      *testing.T
	master *os.File
	scr    *screen
	cmd    *exec.Cmd
	done   chan error
}

func startShell(t *testing.T, history string, env ...string) *ptyTerm {
	t.Helper()
	const rows, cols = 40, 110
	master, slave, err := openPTY(rows, cols)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "NO_COLOR=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"=1", HistoryEnv+"="+history, "TERM=xterm", "HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	tm := &ptyTerm{t: t, master: master, scr: newScreen(rows, cols), cmd: cmd, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				tm.scr.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { tm.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-tm.done
		}
		master.Close()
		if t.Failed() {
			t.Logf("screen:\n%s", tm.scr.text())
		}
	})
	return tm
}

func (tm *ptyTerm) send(s string) {
	tm.t.Helper()
	if _, err := tm.master.Write([]byte(s)); err != nil {
		tm.t.Fatal(err)
	}
}

// waitFor waits until the screen shows want at least n times in total.
func (tm *ptyTerm) waitFor(want string, n int) string {
	tm.t.Helper()
	if !tm.seen(want, n, 20*time.Second) {
		tm.t.Fatalf("timed out waiting for %q (x%d)", want, n)
	}
	return tm.scr.text()
}

// seen reports whether the screen shows want at least n times within timeout.
func (tm *ptyTerm) seen(want string, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Count(tm.scr.text(), want) >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// promptCount is how many prompts the screen has shown.
func (tm *ptyTerm) prompts() int { return strings.Count(tm.scr.text(), promptMark) }

// The prompts as the screen shows them (lines are right-trimmed).
var (
	promptMark = strings.TrimSpace(prompt)
	contMark   = strings.TrimSpace(contPrompt)
)

// run types a line and waits for the next prompt.
func (tm *ptyTerm) run(line string) string {
	tm.t.Helper()
	n := tm.prompts()
	tm.send(line + "\r")
	return tm.waitFor(promptMark, n+1)
}

func TestPTY(t *testing.T) {
	history := filepath.Join(t.TempDir(), "history")
	tm := startShell(t, history)
	tm.waitFor(promptMark, 1)

	// A display filter.
	text := tm.run("proc.name = curl and evt.dir = <")
	for _, w := range []string{
		"scapql> proc.name = curl and evt.dir = <\n",
		" evt.num | evt.time           | proc.name | thread.tid | evt.dir | evt.type | evt.args\n",
		// evt.args is cut to fit the 110 columns of the terminal
		"       2 | 12:00:00.000002000 | curl      |        100 | <       | openat   | fd=3(<f>/etc/hosts) dirfd=-10…\n",
		"       6 | 12:00:00.000006000 | curl      |        100 | <       | close    | res=0\n",
		"(2 rows, ",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("filter: screen lacks %q", w)
		}
	}

	// SQL over two lines: the continuation prompt, then the result.
	n := tm.prompts()
	tm.send("SELECT proc.name AS process, count(*) AS n\r")
	tm.waitFor(contMark, 1)
	tm.send("FROM events GROUP BY ALL ORDER BY n DESC, process;\r")
	text = tm.waitFor(promptMark, n+1)
	for _, w := range []string{
		"   ...> FROM events GROUP BY ALL ORDER BY n DESC, process;\n",
		" process | n\n---------+---\n curl    | 5\n bash    | 1\n nginx   | 1\n(3 rows, ",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("sql: screen lacks %q", w)
		}
	}

	// A meta command.
	text = tm.run(".tables")
	if !strings.Contains(text, "scapql> .tables\nevents\nprocesses\n") {
		t.Error(".tables: screen lacks the table list")
	}

	// Completion: a field, then an event type after "=".
	n = tm.prompts()
	tm.send("evt.ty\t")
	tm.waitFor("scapql> evt.type", 1)
	tm.send(" = conn\t")
	tm.waitFor("scapql> evt.type = connect", 1)
	tm.send("\r")
	text = tm.waitFor(promptMark, n+1)
	if !strings.Contains(text, "       4 | 12:00:00.000004000 | curl      |        100 | >       | connect  | fd=4(<4t>10.0.0.1:40000->93.1…\n(1 row, ") {
		t.Error("completed filter: screen lacks its result")
	}
	// A meta command completes too.
	n = tm.prompts()
	tm.send(".sch\tprocess\t\r")
	text = tm.waitFor(promptMark, n+1)
	if !strings.Contains(text, "scapql> .schema processes\n column | type\n") {
		t.Error(".sch<TAB>process<TAB>: screen lacks the completed command and its result")
	}

	// A bad filter: the caret under the offending text, and the shell goes on.
	text = tm.run("proc.name = = curl")
	if !strings.Contains(text, "Filter error: expected a value after \"=\" (at column 13)\n    proc.name = = curl\n                ^\n") {
		t.Error("bad filter: screen lacks the error with its caret")
	}

	// Ctrl-C cancels a long query and the prompt comes back.
	n = tm.prompts()
	tm.send("SELECT count(*) FROM range(10000000000);\r")
	tm.waitFor("scapql> SELECT count(*) FROM range(10000000000);\n", 1)
	// The query runs once the line is echoed; on a slow machine the first Ctrl-C could still
	// meet the line editor, so it is sent again until the query reports the interruption.
	start := time.Now()
	for i := 0; ; i++ {
		time.Sleep(300 * time.Millisecond)
		tm.send("\x03")
		if tm.seen("Interrupted.", 1, 3*time.Second) || i == 3 {
			break
		}
	}
	text = tm.waitFor(promptMark, n+1)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Ctrl-C took %v to cancel the query", took)
	}
	if !strings.Contains(text, "SELECT count(*) FROM range(10000000000);\nInterrupted.\n") {
		t.Error("Ctrl-C: screen lacks Interrupted.")
	}
	text = tm.run("SELECT 6 * 7 AS answer;")
	if !strings.Contains(text, " answer\n--------\n     42\n(1 row, ") {
		t.Error("after Ctrl-C: the next query did not run")
	}

	// Ctrl-C on a half-typed statement drops it.
	n = tm.prompts()
	tm.send("SELECT 'dropped'\r")
	tm.waitFor(contMark, 2)
	tm.send("\x03")
	tm.waitFor(promptMark, n+1)
	text = tm.run("SELECT 'kept' AS k;")
	if strings.Contains(text, "dropped") && strings.Contains(text, "| dropped") {
		t.Error("Ctrl-C did not drop the unfinished statement")
	}

	// Ctrl-D leaves.
	tm.send("\x04")
	select {
	case err := <-tm.done:
		if err != nil {
			t.Errorf("shell exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-D did not end the shell")
	}

	for i, line := range strings.Split(tm.scr.text(), "\n") {
		if w := utf8.RuneCountInString(line); w >= 110 {
			t.Errorf("line %d is %d columns wide, wider than the terminal: %q", i+1, w, line)
		}
	}

	// The history has one entry per statement, multi-line statements on one line.
	data, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	hist := string(data)
	for _, w := range []string{
		"proc.name = curl and evt.dir = <\n",
		"SELECT proc.name AS process, count(*) AS n FROM events GROUP BY ALL ORDER BY n DESC, process;\n",
		".tables\n", "evt.type = connect\n", "SELECT 6 * 7 AS answer;\n",
	} {
		if !strings.Contains(hist, w) {
			t.Errorf("history lacks %q:\n%s", w, hist)
		}
	}
}

// TestPTYHistory checks that a new session recalls the history of the last one (Up key).
func TestPTYHistory(t *testing.T) {
	history := filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(history, []byte("SELECT 'from history' AS h;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startShell(t, history)
	tm.waitFor(promptMark, 1)
	n := tm.prompts()
	tm.send("\x1b[A\r") // Up, Enter
	text := tm.waitFor(promptMark, n+1)
	if !strings.Contains(text, " from history\n(1 row, ") {
		t.Error("Up did not recall the history")
	}
	tm.send(".quit\r")
	select {
	case <-tm.done:
	case <-time.After(10 * time.Second):
		t.Fatal(".quit did not end the shell")
	}
}

// TestPTYSQLColors: on a terminal, the rows of an SQL result that carry evt.num take their
// event's coloring rule as a filter's rows do (the execve in the executions' colour, the close
// in the fd closes'); NO_COLOR turns the colours of auto off.
func TestPTYSQLColors(t *testing.T) {
	const q = `SELECT evt.num AS "evt.num", evt.type FROM events ORDER BY 1;` // the engine heads evt.num so itself
	set, err := coloring.Compile(coloring.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ansi := map[string]string{}
	for i, r := range set.Rules {
		ansi[r.Name] = set.ANSI(i)
	}
	tm := startShell(t, filepath.Join(t.TempDir(), "history"))
	tm.waitFor(promptMark, 1)
	tm.run(q)
	tm.run("evt.type = execve")
	raw := tm.scr.raw.String()
	for _, w := range []string{
		ansi["Command execution"] + "       3 | execve",
		ansi["File descriptor closes"] + "       6 | close",
	} {
		if !strings.Contains(raw, w) {
			t.Errorf("SQL rows: no %q in %q", w, raw)
		}
	}
	// The filter's row has the same colour as the SQL row of the same event.
	if strings.Count(raw, ansi["Command execution"]+"       3 |") != 2 {
		t.Errorf("the execve is not coloured alike by SQL and the filter: %q", raw)
	}

	tm = startShell(t, filepath.Join(t.TempDir(), "history"), "NO_COLOR=1")
	tm.waitFor(promptMark, 1)
	text := tm.run(q)
	if !strings.Contains(text, "       3 | execve") {
		t.Errorf("NO_COLOR: no result in %q", text)
	}
	if raw := tm.scr.raw.String(); strings.Contains(raw, "\x1b[38;2;") {
		t.Errorf("NO_COLOR: colours in %q", raw)
	}
}
