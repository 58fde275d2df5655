package extcap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	iface := Interface{Value: "x", Display: "X {braced}", DLT: DLTSyscall, DLTDisplay: "scap",
		Args: []Arg{
			{Call: "--host", Display: "Host", Type: "string", Required: true, Group: "Server"},
			{Call: "--port", Display: "Port", Type: "unsigned", Default: "22", Range: "1,65535"},
			{Call: "--priv", Display: "Priv", Type: "radio", Values: []Value{{Value: "none", Display: "none", Default: true}, {Value: "sudo", Display: "sudo"}}},
			{Call: "--key", Display: "Key", Type: "fileselect", MustExist: true, Tooltip: "line\nbreak"},
		}}
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"interfaces", func(b *bytes.Buffer) error { return WriteInterfaces(b, "1.0", "https://h", []Interface{iface}) },
			"extcap {version=1.0}{help=https://h}\ninterface {value=x}{display=X (braced)}\n"},
		{"dlts", func(b *bytes.Buffer) error { return WriteDLTs(b, iface) },
			"dlt {number=147}{name=x}{display=scap}\n"},
		{"config", func(b *bytes.Buffer) error { return WriteConfig(b, iface) },
			"arg {number=0}{call=--host}{display=Host}{type=string}{required=true}{group=Server}\n" +
				"arg {number=1}{call=--port}{display=Port}{type=unsigned}{default=22}{range=1,65535}\n" +
				"arg {number=2}{call=--priv}{display=Priv}{type=radio}\n" +
				"value {arg=2}{value=none}{display=none}{default=true}\n" +
				"value {arg=2}{value=sudo}{display=sudo}\n" +
				"arg {number=3}{call=--key}{display=Key}{type=fileselect}{tooltip=line break}{mustexist=true}\n"},
	} {
		var b bytes.Buffer
		if err := tc.write(&b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.name, b.String(), tc.want)
		}
	}
	if _, err := Find([]Interface{iface}, "y"); err == nil || !strings.Contains(err.Error(), `unknown extcap interface "y" (expected one of x)`) {
		t.Errorf("Find: %v", err)
	}
}

// TestInstallLauncher installs a launcher for a program with an awkward
// path and runs it: the arguments arrive unchanged.
func TestInstallLauncher(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "my prog's")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nprintf '%s|' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path, err := Install(filepath.Join(dir, "a", "extcap"), "scapql", prog, "extcap")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "--extcap-interfaces", "--extcap-version=4.0", "two words").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "extcap|--extcap-interfaces|--extcap-version=4.0|two words|" {
		t.Errorf("the launcher passed %q", got)
	}
	if got := PersonalDirs("/h"); strings.Join(got, " ") != "/h/.local/lib/wireshark/extcap /h/.local/lib/stratoshark/extcap /h/.config/wireshark/extcap" {
		t.Errorf("dirs %v", got)
	}
}
