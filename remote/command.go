package remote

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Command is what runs on the remote host to write a capture to its
// standard output.
type Command struct {
	// Program replaces the automatic choice: a shell command line that
	// writes an uncompressed capture to standard output. The capture
	// options set below are appended to it as scapql capture takes them.
	Program string
	// Privilege is "", "sudo" or "doas": run the capture through it,
	// without a password prompt (sudo -n / doas -n).
	Privilege string
	SnapLen   uint32        // 0: the remote default
	Duration  time.Duration // 0: no limit
	Count     uint64        // 0: no limit
	Filter    string        // kept events (either dialect scapql takes; sysdig's own syntax for sysdig)
	Quiet     bool          // no counts on the remote's standard error
	Args      []string      // a command to run and capture (scapql only)
}

// Privileges are the values Command.Privilege takes.
var Privileges = []string{"", "sudo", "doas"}

// Shell is the command line the remote shell runs. Without a Program it
// runs scapql capture -w - where scapql is on the PATH, sysdig --unbuffered
// --write=- where only sysdig is, and otherwise says neither is there and
// exits with status 127.
//
// The capture runs under a small POSIX sh script that stops it with SIGTERM
// (so that it finishes its capture cleanly) when its standard input ends
// or when the script itself gets a signal: closing the session's input
// stops the capture even where sshd refuses signal requests (as it does for
// root logins), and a dropped connection stops it too, so no capture is
// left running on the remote host.
func (c Command) Shell() (string, error) {
	var priv string
	switch c.Privilege {
	case "":
	case "sudo", "doas":
		priv = c.Privilege + " -n "
	default:
		return "", fmt.Errorf("privilege %q: expected sudo or doas", c.Privilege)
	}
	var run string
	if c.Program != "" {
		run = priv + c.Program + c.scapqlOptions() + " </dev/null 3<&- &"
	} else {
		sysdig := "echo 'scapql is not installed on this host, and sysdig cannot run a command' >&2; exit 127"
		if len(c.Args) == 0 {
			sysdig = priv + "sysdig --unbuffered --write=-" + c.sysdigOptions() + " </dev/null 3<&- &"
		}
		run = "if command -v scapql >/dev/null 2>&1; then " + priv + "scapql capture -w -" + c.scapqlOptions() + " </dev/null 3<&- &\n" +
			"elif command -v sysdig >/dev/null 2>&1; then " + sysdig + "\n" +
			"else echo 'neither scapql nor sysdig is on the PATH of this host (install one, or give --remote-command)' >&2; exit 127; fi"
	}
	// A background list's input is /dev/null in sh: the watcher reads the
	// session's input through fd 3.
	script := "exec 3<&0\n" + run + "\n" +
		"p=$!\n" +
		"trap 'kill -TERM $p 2>/dev/null' INT TERM HUP\n" +
		"(while read -r _ <&3; do :; done; kill -TERM $p 2>/dev/null) >/dev/null 2>&1 &\n" +
		"w=$!\n" +
		"wait $p; s=$?\n" +
		"while kill -0 $p 2>/dev/null; do wait $p; s=$?; done\n" +
		"kill $w 2>/dev/null\n" +
		"exit $s"
	return "exec /bin/sh -c " + Quote(script), nil
}

func (c Command) scapqlOptions() string {
	var b strings.Builder
	if c.Quiet {
		b.WriteString(" -q")
	}
	if c.SnapLen > 0 {
		fmt.Fprintf(&b, " -s %d", c.SnapLen)
	}
	if c.Duration > 0 {
		b.WriteString(" --duration " + c.Duration.String())
	}
	if c.Count > 0 {
		fmt.Fprintf(&b, " -n %d", c.Count)
	}
	if c.Filter != "" {
		b.WriteString(" " + Quote(c.Filter))
	}
	if len(c.Args) > 0 {
		b.WriteString(" --")
		for _, a := range c.Args {
			b.WriteString(" " + Quote(a))
		}
	}
	return b.String()
}

func (c Command) sysdigOptions() string {
	var b strings.Builder
	if c.SnapLen > 0 {
		fmt.Fprintf(&b, " -s %d", c.SnapLen)
	}
	if c.Duration > 0 {
		// sysdig takes whole seconds.
		secs := (c.Duration + time.Second - 1) / time.Second
		b.WriteString(" -M " + strconv.FormatInt(int64(secs), 10))
	}
	if c.Count > 0 {
		fmt.Fprintf(&b, " -n %d", c.Count)
	}
	if c.Filter != "" {
		b.WriteString(" " + Quote(c.Filter))
	}
	return b.String()
}

// Quote makes s one word for a POSIX shell.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
