//go:build linux && amd64

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// extcapRun runs scapql extcap as Wireshark does (a program with options)
// and returns its standard output; standard error must stay empty.
func extcapRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"extcap"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("extcap %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("extcap %s wrote to standard error: %q", strings.Join(args, " "), stderr.String())
	}
	return stdout.String()
}

var (
	extcapLine    = regexp.MustCompile(`^extcap \{version=[0-9.]+\}\{help=[^{}]+\}$`)
	interfaceLine = regexp.MustCompile(`^interface \{value=([a-z0-9-]+)\}\{display=[^{}]+\}$`)
	argLine       = regexp.MustCompile(`^arg \{number=(\d+)\}\{call=--[a-z-]+\}\{display=[^{}]+\}\{type=(string|unsigned|fileselect|radio)\}((\{(tooltip|default|range|required|mustexist|group)=[^{}]*\})*)$`)
	valueLine     = regexp.MustCompile(`^value \{arg=(\d+)\}\{value=[a-z]+\}\{display=[a-z]+\}(\{default=true\})?$`)
)

// TestExtcapProtocol makes the calls Wireshark makes, in its order, and
// checks every line of every answer.
func TestExtcapProtocol(t *testing.T) {
	bin := scapqlBinary(t)
	out := extcapRun(t, bin, "--extcap-interfaces", "--extcap-version=4.0")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 || !extcapLine.MatchString(lines[0]) {
		t.Fatalf("--extcap-interfaces:\n%s", out)
	}
	var ifaces []string
	for _, l := range lines[1:] {
		m := interfaceLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("interface line %q", l)
		}
		ifaces = append(ifaces, m[1])
	}
	if strings.Join(ifaces, " ") != "scapql-local scapql-ssh scapql-cloudtrail scapql-k8saudit" {
		t.Errorf("interfaces %v", ifaces)
	}
	wantArgs := map[string]int{"scapql-local": 2, "scapql-ssh": 9, "scapql-cloudtrail": 1, "scapql-k8saudit": 1}
	for _, iface := range ifaces {
		dlt := extcapRun(t, bin, "--extcap-interface", iface, "--extcap-dlts")
		if !regexp.MustCompile(`^dlt \{number=147\}\{name=` + iface + `\}\{display=[^{}]+\}\n$`).MatchString(dlt) {
			t.Errorf("%s dlts: %q", iface, dlt)
		}
		config := extcapRun(t, bin, "--extcap-interface", iface, "--extcap-config")
		args, radios := 0, map[string]bool{}
		for _, l := range strings.Split(strings.TrimSuffix(config, "\n"), "\n") {
			if m := argLine.FindStringSubmatch(l); m != nil {
				if m[1] != strconv.Itoa(args) {
					t.Errorf("%s: arg numbered %s, want %d", iface, m[1], args)
				}
				if m[2] == "radio" {
					radios[m[1]] = true
				}
				args++
				continue
			}
			if m := valueLine.FindStringSubmatch(l); m != nil && radios[m[1]] {
				continue
			}
			t.Errorf("%s config line %q", iface, l)
		}
		if args != wantArgs[iface] {
			t.Errorf("%s: %d args, want %d", iface, args, wantArgs[iface])
		}
		if iface == "scapql-cloudtrail" || iface == "scapql-k8saudit" {
			// The one argument: the audit logs, a path Wireshark must ask for.
			if !regexp.MustCompile(`^arg \{number=0\}\{call=--audit-logs\}\{display=Audit logs\}\{type=fileselect\}\{tooltip=[^{}]+\}\{required=true\}\{group=Source\}\n$`).MatchString(config) {
				t.Errorf("%s config: %q", iface, config)
			}
			// No capture filter on the audit sources: any filter answers why, on one line.
			if got := extcapRun(t, bin, "--extcap-interface", iface, "--extcap-capture-filter", "ct.name exists"); got != errAuditFilter.Error()+"\n" {
				t.Errorf("%s: filter answered %q", iface, got)
			}
			continue
		}
		// Wireshark's filter check: nothing for a valid filter, the error
		// on the first line otherwise, success either way.
		if got := extcapRun(t, bin, "--extcap-interface", iface, "--extcap-capture-filter", "evt.type = openat and fd.name contains /etc"); got != "" {
			t.Errorf("%s: valid filter answered %q", iface, got)
		}
		bad := extcapRun(t, bin, "--extcap-interface", iface, "--extcap-capture-filter", "evt.type = openat and (")
		if strings.Count(bad, "\n") != 1 || !strings.Contains(bad, "column") {
			t.Errorf("%s: invalid filter answered %q", iface, bad)
		}
	}
}

// extcapCapture starts scapql extcap --capture into a new fifo and returns
// the process and the fifo's path.
func startExtcapCapture(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer, string) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"extcap", "--capture", "--fifo", fifo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr, fifo
}

// TestExtcapLocalCaptureSIGTERM captures this machine into a fifo as
// Wireshark does, without and with a capture filter, and stops it with
// SIGTERM: the capture ends cleanly, and what came through the fifo is a
// capture scapql, sysdig and tshark read alike (with the filter, showing
// only matching events).
func TestExtcapLocalCaptureSIGTERM(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	bin := scapqlBinary(t)
	for _, tc := range []struct {
		name, filter string
		types        string // what print shows, one evt.type per line, deduplicated
	}{
		{name: "all"},
		{name: "filtered", filter: "evt.type = openat", types: "openat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--extcap-interface", "scapql-local"}
			if tc.filter != "" {
				args = append(args, "--extcap-capture-filter", tc.filter)
			}
			cmd, stderr, fifo := startExtcapCapture(t, bin, args...)
			f, err := os.Open(fifo)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			path := filepath.Join(t.TempDir(), "local.scap")
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			// Half a megabyte in, Wireshark's stop button. Files are opened meanwhile, so that
			// the filtered capture fills too on an idle machine.
			busy := make(chan struct{})
			go func() {
				for {
					select {
					case <-busy:
						return
					case <-time.After(time.Millisecond):
						os.ReadFile("/etc/hostname")
					}
				}
			}()
			_, err = io.CopyN(out, f, 512<<10)
			close(busy)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			cmd.Process.Signal(syscall.SIGTERM)
			if _, err := io.Copy(out, f); err != nil {
				t.Fatal(err)
			}
			out.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after SIGTERM: %v\n%s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("standard error: %q", stderr.String())
			}
			n := toolCount(t, "tshark", path)
			if n == 0 {
				t.Fatal("no events")
			}
			// tshark lists the drop records the capture ends with; sysdig and print hide them.
			drops := dropRecords(t, path)
			if a, b := toolCount(t, "sysdig", path), printCount(t, path); a != n-drops || b != n-drops {
				t.Errorf("tshark reads %d events (%d drop records), sysdig %d, scapql print %d", n, drops, a, b)
			}
			if tc.types != "" {
				var shown bytes.Buffer
				if err := runPrint(&shown, io.Discard, printFlags{read: path, dialect: "auto", format: "%evt.type"}, ""); err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, l := range strings.Fields(shown.String()) {
					seen[l] = true
				}
				if len(seen) != 1 || !seen[tc.types] {
					t.Errorf("the filtered capture shows %v, want only %s", seen, tc.types)
				}
			}
		})
	}
}

// TestExtcapSSHCaptureTshark captures a remote host through the extcap's
// SSH interface with a count, tshark reading the fifo itself.
func TestExtcapSSHCaptureTshark(t *testing.T) {
	s := startSSHD(t)
	bin := scapqlBinary(t)
	_, stderr, fifo := startExtcapCapture(t, bin, "--extcap-interface", "scapql-ssh",
		"--remote-host", "127.0.0.1", "--remote-port", strconv.Itoa(s.port), "--remote-username", "root",
		"--sshkey", s.userKey, "--known-hosts", s.knownHosts, "--remote-priv", "none",
		"--remote-capture-command", bin+" capture -w -", "--count", "300", "--snaplen", "120")
	out, err := exec.Command("tshark", "-r", fifo).Output()
	if err != nil {
		t.Fatalf("tshark -r fifo: %v\n%s", err, stderr.String())
	}
	// 300 events, then one drop record per CPU of this machine (the remote host).
	if n := bytes.Count(out, []byte("\n")); n != 300+runtime.NumCPU() {
		t.Errorf("tshark read %d events through the fifo, want 300 and %d drop records", n, runtime.NumCPU())
	}
}

// TestExtcapThroughTshark installs the launcher into a fresh home and lets
// tshark find and run the extcap itself, as Wireshark would.
func TestExtcapThroughTshark(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("capturing needs root")
	}
	bin := scapqlBinary(t)
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home)
	install := exec.Command(bin, "extcap", "install")
	install.Env = env
	msg, err := install.CombinedOutput()
	if err != nil {
		t.Fatalf("extcap install: %v\n%s", err, msg)
	}
	for _, dir := range []string{".local/lib/wireshark/extcap", ".local/lib/stratoshark/extcap", ".config/wireshark/extcap"} {
		launcher := filepath.Join(home, dir, "scapql")
		info, err := os.Stat(launcher)
		if err != nil || info.Mode().Perm()&0o111 == 0 {
			t.Fatalf("launcher in %s: %v", dir, err)
		}
		// It must run this scapql (the link), never the bare test binary.
		if b, _ := os.ReadFile(launcher); !strings.Contains(string(b), "exec '"+bin+"' extcap \"$@\"") {
			t.Fatalf("launcher %s:\n%s", launcher, b)
		}
	}
	list := exec.Command("tshark", "-D")
	list.Env = env
	got, err := list.Output()
	if err != nil {
		t.Fatalf("tshark -D: %v", err)
	}
	for _, want := range []string{"scapql-local (scapql: syscalls of this machine (eBPF))", "scapql-ssh (scapql: syscalls of a remote host over SSH)"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("tshark -D lacks %q:\n%s", want, got)
		}
	}
	path := filepath.Join(t.TempDir(), "tshark.pcapng")
	capture := exec.Command("tshark", "-i", "scapql-local", "-c", "200", "-w", path)
	capture.Env = env
	if msg, err := capture.CombinedOutput(); err != nil {
		t.Fatalf("tshark -i scapql-local: %v\n%s", err, msg)
	}
	if n := toolCount(t, "tshark", path); n != 200 {
		t.Errorf("tshark captured %d events through the extcap, want 200", n)
	}
}

// TestExtcapAuditCapture replays the shared audit logs through the audit
// interfaces into a fifo, as Wireshark starts them: the capture answers a
// question as the logs do, and tshark and sysdig read one event per record.
func TestExtcapAuditCapture(t *testing.T) {
	bin := scapqlBinary(t)
	for _, tc := range []struct {
		iface, logs, query, want string
		records                  int
	}{
		{"scapql-cloudtrail", "cloudtrail", "SELECT count(*) AS n, min(ct.name) AS name FROM cloudtrail", "n,name\n2,StartInstances\n", 2},
		{"scapql-k8saudit", "k8s_audit", "SELECT count(*) AS n, min(ka.verb) AS verb, max(ka.target_resource) AS res FROM k8saudit", "n,verb,res\n24,create,services\n", 24},
	} {
		t.Run(tc.iface, func(t *testing.T) {
			logs := filepath.Join(auditData, tc.logs)
			cmd, stderr, fifo := startExtcapCapture(t, bin, "--extcap-interface", tc.iface, "--audit-logs", logs)
			f, err := os.Open(fifo)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			path := filepath.Join(t.TempDir(), tc.logs+".scap")
			raw, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil || stderr.Len() > 0 {
				t.Fatalf("extcap --capture: %v %q", err, stderr.String())
			}
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, in := range []string{logs, path} {
				var out bytes.Buffer
				if err := runQuery(context.Background(), &out, io.Discard, queryFlags{reads: []string{in}, format: "csv"}, tc.query); err != nil {
					t.Fatalf("query -r %s: %v", in, err)
				}
				if out.String() != tc.want {
					t.Errorf("query -r %s: %q, want %q", in, out.String(), tc.want)
				}
			}
			for _, tool := range []string{"tshark", "sysdig"} {
				if n := toolCount(t, tool, path); n != tc.records {
					t.Errorf("%s -r reads %d events, want one per record: %d", tool, n, tc.records)
				}
			}
		})
	}
	// Clear errors, on standard error, for what cannot be replayed.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no logs", []string{"--extcap-interface", "scapql-cloudtrail"}, "scapql-cloudtrail needs --audit-logs"},
		{"missing logs", []string{"--extcap-interface", "scapql-cloudtrail", "--audit-logs", filepath.Join(t.TempDir(), "none")}, "no such file or directory"},
		{"other kind", []string{"--extcap-interface", "scapql-k8saudit", "--audit-logs", filepath.Join(auditData, "cloudtrail")}, "record 0 (byte 13) is a cloudtrail record, not k8saudit"},
		{"filter", []string{"--extcap-interface", "scapql-k8saudit", "--audit-logs", filepath.Join(auditData, "k8s_audit"), "--extcap-capture-filter", "ka.verb = create"}, "take no capture filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "out.scap")
			cmd := exec.Command(bin, append([]string{"extcap", "--capture", "--fifo", fifo}, tc.args...)...)
			msg, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(msg), tc.want) {
				t.Errorf("got %v %q, want an error with %q", err, msg, tc.want)
			}
		})
	}
}
