//go:build linux && amd64

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/bpf"
	"github.com/scapql/scapql/ingest"
)

func init() {
	localCapture = func(ctx context.Context, w, stderr io.Writer, snapLen uint32, count uint64) error {
		return runCapture(ctx, w, stderr, captureFlags{write: "-", snapLen: snapLen, count: count, quiet: true}, nil)
	}
	var cf captureFlags
	var rf remoteFlags
	cmd := &cobra.Command{
		Use:   "capture [--ssh [USER@]HOST[:PORT]]... -w FILE|- [-z] [-s LEN] [--duration D] [-n COUNT] [FILTER] [-- COMMAND ARGS...]",
		Short: "Record the machine's syscalls with eBPF into a capture",
		Long: `Record every process's syscalls with eBPF (needs root and a kernel with BTF) into a
capture that scapql, sysdig and Wireshark read. The capture starts with the state of every
process from /proc, so processes that started earlier are known.

With a command after --, the probes are attached first, then the command runs, and the
capture ends when it exits. Otherwise it ends after --duration, after -n events, or on
Ctrl-C / SIGTERM; the file is always complete (it is written aside and renamed at the end).
-w - streams the capture to standard output; a command's own output then goes to standard
error. Events lost because the ring buffer was full are counted per CPU, reported, and
written at the end of the capture (drop records, summed in the captures table's drops).

With a FILTER (either dialect, as print takes), the capture keeps the matching events, plus
the events that change state (flagged state-only, so readers apply them without showing
them): the file reads alone. The whole recording is written to a temporary file first and
filtered at the end.

With --ssh, the capture runs on another host: scapql capture -w - there (sysdig
--unbuffered --write=- where only sysdig is installed, or --remote-command), streamed back
over SSH and written here. Keys and known hosts work as with OpenSSH (the agent, -i, the
default keys; an unknown or changed host key is refused). Ctrl-C stops the remote capture
and the file is complete. If the connection is cut, the file keeps every whole block
received before the cut (a readable capture up to there) and the command fails saying so.
Several --ssh hosts record at once, one file each: DIR/HOST.scap when -w names a
directory, FILE-HOST.scap otherwise.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var command []string
			if at := cmd.ArgsLenAtDash(); at >= 0 {
				command = args[at:]
				args = args[:at]
			}
			if len(args) > 1 {
				return fmt.Errorf("capture: one filter expected, got %q (quote it)", args)
			}
			if len(args) == 1 {
				cf.filter = args[0]
			}
			if len(rf.hosts) > 0 {
				if !cmd.Flags().Changed("snaplen") {
					cf.snapLen = 0 // the remote command's default
				}
				return runRemoteCapture(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cf, rf, command)
			}
			if rf.command != "" || rf.sudo || rf.doas || len(rf.keys) > 0 || rf.knownHosts != "" {
				return fmt.Errorf("capture: --remote-command, --sudo, --doas, -i and --known-hosts go with --ssh")
			}
			return runCapture(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cf, command)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cf.write, "write", "w", "", "capture file to write (- for standard output)")
	f.BoolVarP(&cf.gzip, "compress", "z", false, "gzip the capture")
	f.Uint32VarP(&cf.snapLen, "snaplen", "s", 80, "bytes of each I/O buffer to keep")
	f.DurationVar(&cf.duration, "duration", 0, "stop after this long (0: no limit)")
	f.Uint64VarP(&cf.count, "count", "n", 0, "stop after this many events (0: no limit)")
	f.BoolVarP(&cf.quiet, "quiet", "q", false, "do not print the counts at the end")
	f.StringVar(&cf.dialect, "dialect", "auto", "filter dialect: auto, falco or wireshark")
	rf.register(f, true)
	_ = cmd.MarkFlagRequired("write")
	rootCmd.AddCommand(cmd)
}

func runCapture(ctx context.Context, stdout, stderr io.Writer, cf captureFlags, command []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if cf.filter != "" {
		return runFilteredCapture(ctx, stdout, stderr, cf, command)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cf.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cf.duration)
		defer cancel()
	}

	// A file is written aside and renamed once complete, so an interrupted
	// or failed capture never leaves a truncated file under the asked name.
	var out io.Writer = stdout
	var tmp *os.File
	if cf.write != "-" {
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(cf.write), "."+filepath.Base(cf.write)+".*")
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		defer os.Remove(tmp.Name()) // a no-op once renamed
		out = tmp
	}
	// A stream is read as it comes (over SSH, by print --live --ssh): push
	// the events out whenever the probes go quiet.
	c, err := bpf.Start(out, bpf.Options{SnapLen: cf.snapLen, Gzip: cf.gzip, FlushIdle: cf.write == "-"})
	if err != nil {
		if tmp != nil {
			tmp.Close()
		}
		return err
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(runCtx, cf.count) }()

	var cmdErr error
	if len(command) > 0 {
		child := exec.Command(command[0], command[1:]...)
		child.Stdin = os.Stdin
		child.Stdout, child.Stderr = stdout, stderr
		if cf.write == "-" {
			child.Stdout = stderr // never into the capture stream
		}
		if err := child.Start(); err != nil {
			cancelRun()
			<-runErr
			c.Close()
			if tmp != nil {
				tmp.Close()
			}
			return fmt.Errorf("capture: start %s: %w", command[0], err)
		}
		waited := make(chan error, 1)
		go func() { waited <- child.Wait() }()
		select {
		case cmdErr = <-waited:
			cancelRun()
		case err := <-runErr:
			// The capture ended first (count, duration, signal): leave
			// the command running as it would without us.
			runErr <- err
		}
	}
	err = <-runErr
	st, cerr := c.Close()
	if err == nil {
		err = cerr
	}
	if tmp != nil {
		// CreateTemp makes the file private; a capture is as readable as
		// any file the user creates.
		if cerr := tmp.Chmod(0o644); err == nil && cerr != nil {
			err = fmt.Errorf("capture: %w", cerr)
		}
		if serr := tmp.Sync(); err == nil && serr != nil {
			err = fmt.Errorf("capture: %w", serr)
		}
		if cerr := tmp.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("capture: %w", cerr)
		}
		if err == nil {
			if rerr := os.Rename(tmp.Name(), cf.write); rerr != nil {
				err = fmt.Errorf("capture: %w", rerr)
			}
		}
	}
	if !cf.quiet {
		fmt.Fprintf(stderr, "%d events written, %d dropped", st.Events, st.Dropped())
		if len(st.Drops) > 0 {
			parts := make([]string, len(st.Drops))
			for i, d := range st.Drops {
				parts[i] = fmt.Sprintf("cpu%d=%d", i, d)
			}
			fmt.Fprintf(stderr, " (%s)", strings.Join(parts, " "))
		}
		// The capturing process's own cost, without the command's.
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			fmt.Fprintf(stderr, "; capture used %.1fs CPU, peak RSS %d MB", cpu.Seconds(), ru.Maxrss/1024)
		}
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	var exit *exec.ExitError
	if errors.As(cmdErr, &exit) {
		return &exitError{code: exit.ExitCode(), err: fmt.Errorf("%s exited with status %d", command[0], exit.ExitCode())}
	}
	return cmdErr
}

// runFilteredCapture records everything into a temporary file, then
// exports the events the filter keeps (and those that change state) to
// the asked output.
func runFilteredCapture(ctx context.Context, stdout, stderr io.Writer, cf captureFlags, command []string) error {
	match, err := compileFilter(cf.filter, cf.dialect, nil)
	if err != nil {
		return err
	}
	dir := os.TempDir()
	if cf.write != "-" {
		dir = filepath.Dir(cf.write)
	}
	all, err := os.CreateTemp(dir, ".capture-*.scap")
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	all.Close()
	defer os.Remove(all.Name())
	raw := cf
	raw.filter, raw.write, raw.gzip = "", all.Name(), false
	capErr := runCapture(ctx, stdout, stderr, raw, command)
	var exit *exitError
	if capErr != nil && !errors.As(capErr, &exit) {
		return capErr
	}
	src, err := ingest.Open(all.Name(), ingest.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	var kept, matched uint64
	if cf.write == "-" {
		kept, matched, err = exportTo(src, match, stdout, cf.gzip, false)
	} else {
		kept, matched, err = exportCapture(src, match, cf.write, cf.gzip)
	}
	if err != nil {
		return err
	}
	if !cf.quiet {
		fmt.Fprintf(stderr, "%d events kept (%d matching the filter, %d for state)\n", kept, matched, kept-matched)
	}
	return capErr
}

// openLiveSource starts a capture of the whole machine and returns a source
// reading its events as they come (print --live). stop ends the capture;
// the source then reaches its end. The capture also ends on Ctrl-C/SIGTERM.
func openLiveSource(stderr io.Writer, snapLen uint32, opts ingest.Options) (src *ingest.Source, stop func() error, err error) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	pr, pw := io.Pipe()
	c, err := bpf.Start(pw, bpf.Options{SnapLen: snapLen, FlushIdle: true})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	// Reading the header blocks waits for the /proc snapshot.
	return pipedSource(cancel, "live", opts, pr, pw, func() error {
		err := c.Run(ctx, 0)
		st, cerr := c.Close()
		if err == nil {
			err = cerr
		}
		fmt.Fprintf(stderr, "%d events captured, %d dropped\n", st.Events, st.Dropped())
		return err
	})
}

// liveCaptureFile records the machine for d into a temporary file, keeping
// the events filter matches (all for ""), and returns its path (query --live,
// the shell's .capture); remove it when done.
func liveCaptureFile(ctx context.Context, stderr io.Writer, d time.Duration, filter string) (string, error) {
	f, err := os.CreateTemp("", "scapql-live-*.scap")
	if err != nil {
		return "", fmt.Errorf("capture: %w", err)
	}
	f.Close()
	if err := runCapture(ctx, io.Discard, stderr, captureFlags{write: f.Name(), snapLen: 80, duration: d, filter: filter, dialect: "auto"}, nil); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
