// Package extcap speaks Wireshark's external capture protocol (extcap):
// the lines a capture program prints when Wireshark, Stratoshark or tshark
// asks for its interfaces, their link types and their configuration, and
// where those programs look for extcaps.
//
// Each line is a sentence keyword followed by {key=value} pairs:
//
//	extcap {version=1.0}{help=URL}
//	interface {value=NAME}{display=TEXT}
//	dlt {number=147}{name=NAME}{display=TEXT}
//	arg {number=0}{call=--opt}{display=TEXT}{type=string}...
//	value {arg=0}{value=V}{display=TEXT}{default=true}
package extcap

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DLTSyscall is the link type of a scap capture stream (LINKTYPE_USER0 as
// Stratoshark's sshdig and falcodump declare it).
const DLTSyscall = 147

// Interface is one capture source an extcap offers.
type Interface struct {
	Value      string // the name Wireshark passes back in --extcap-interface
	Display    string
	DLT        int
	DLTDisplay string
	Args       []Arg // what --extcap-config lists for it
}

// Arg is one configuration option of an interface.
type Arg struct {
	Call     string // the option Wireshark passes, e.g. --remote-host
	Display  string
	Type     string // string, unsigned, integer, boolflag, fileselect, radio, selector, password, ...
	Tooltip  string
	Default  string
	Range    string // "min,max" for numbers
	Group    string
	Required bool
	// MustExist asks, for a fileselect, that the file exists.
	MustExist bool
	Values    []Value // the choices of a radio or selector
}

// Value is one choice of a radio or selector Arg.
type Value struct {
	Value, Display string
	Default        bool
}

// clean keeps a value from breaking the {key=value} syntax: Wireshark's
// parser ends a value at the first '}' and a sentence at a newline.
func clean(s string) string {
	return strings.NewReplacer("{", "(", "}", ")", "\n", " ", "\r", " ").Replace(s)
}

// WriteInterfaces answers --extcap-interfaces: the version line, then one
// line per interface.
func WriteInterfaces(w io.Writer, version, help string, ifs []Interface) error {
	line := "extcap {version=" + clean(version) + "}"
	if help != "" {
		line += "{help=" + clean(help) + "}"
	}
	if _, err := fmt.Fprintln(w, line); err != nil {
		return err
	}
	for _, i := range ifs {
		if _, err := fmt.Fprintf(w, "interface {value=%s}{display=%s}\n", clean(i.Value), clean(i.Display)); err != nil {
			return err
		}
	}
	return nil
}

// WriteDLTs answers --extcap-dlts for one interface.
func WriteDLTs(w io.Writer, i Interface) error {
	_, err := fmt.Fprintf(w, "dlt {number=%d}{name=%s}{display=%s}\n", i.DLT, clean(i.Value), clean(i.DLTDisplay))
	return err
}

// WriteConfig answers --extcap-config for one interface: its args
// numbered from 0, each followed by its values.
func WriteConfig(w io.Writer, i Interface) error {
	var b strings.Builder
	for n, a := range i.Args {
		fmt.Fprintf(&b, "arg {number=%d}{call=%s}{display=%s}{type=%s}", n, clean(a.Call), clean(a.Display), clean(a.Type))
		if a.Tooltip != "" {
			b.WriteString("{tooltip=" + clean(a.Tooltip) + "}")
		}
		if a.Default != "" {
			b.WriteString("{default=" + clean(a.Default) + "}")
		}
		if a.Range != "" {
			b.WriteString("{range=" + clean(a.Range) + "}")
		}
		if a.Required {
			b.WriteString("{required=true}")
		}
		if a.MustExist {
			b.WriteString("{mustexist=true}")
		}
		if a.Group != "" {
			b.WriteString("{group=" + clean(a.Group) + "}")
		}
		b.WriteByte('\n')
		for _, v := range a.Values {
			fmt.Fprintf(&b, "value {arg=%d}{value=%s}{display=%s}", n, clean(v.Value), clean(v.Display))
			if v.Default {
				b.WriteString("{default=true}")
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Find returns the interface named value.
func Find(ifs []Interface, value string) (Interface, error) {
	var names []string
	for _, i := range ifs {
		if i.Value == value {
			return i, nil
		}
		names = append(names, i.Value)
	}
	if value == "" {
		return Interface{}, fmt.Errorf("no --extcap-interface given (one of %s)", strings.Join(names, ", "))
	}
	return Interface{}, fmt.Errorf("unknown extcap interface %q (expected one of %s)", value, strings.Join(names, ", "))
}

// PersonalDirs are the per-user extcap folders under home: Wireshark's and
// Stratoshark's (~/.local/lib/APP/extcap, from Wireshark 4.1 on) and
// Wireshark 4.0's and earlier (~/.config/wireshark/extcap).
func PersonalDirs(home string) []string {
	return []string{
		filepath.Join(home, ".local", "lib", "wireshark", "extcap"),
		filepath.Join(home, ".local", "lib", "stratoshark", "extcap"),
		filepath.Join(home, ".config", "wireshark", "extcap"),
	}
}

// Launcher is the script put in an extcap folder: it runs exe's extcap
// command with the arguments Wireshark gives. exec keeps the process the
// one Wireshark signals to stop the capture.
func Launcher(exe, sub string) string {
	return "#!/bin/sh\n# Installed by scapql extcap install: Wireshark and Stratoshark run it to list and start scapql's captures.\nexec " +
		shellQuote(exe) + " " + sub + " \"$@\"\n"
}

// Install writes the launcher as dir/name (creating dir), atomically.
func Install(dir, name, exe, sub string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("extcap install: %w", err)
	}
	path := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp-"+strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(tmp, []byte(Launcher(exe, sub)), 0o755); err != nil {
		return "", fmt.Errorf("extcap install: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("extcap install: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("extcap install: %w", err)
	}
	return path, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
