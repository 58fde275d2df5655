package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/remote"
)

// captureFlags are the options of capture (capture.go), here or on other hosts.
type captureFlags struct {
	write    string
	gzip     bool
	snapLen  uint32
	duration time.Duration
	count    uint64
	quiet    bool
	dialect  string
	filter   string
}

// remoteFlags are the options of a capture on other hosts over SSH.
type remoteFlags struct {
	hosts      []string
	keys       []string
	knownHosts string
	sudo       bool
	doas       bool
	command    string
}

func (rf *remoteFlags) register(f *pflag.FlagSet, several bool) {
	if several {
		f.StringArrayVar(&rf.hosts, "ssh", nil, "capture on [USER@]HOST[:PORT] over SSH instead of here (repeat for several hosts)")
	} else {
		f.StringArrayVar(&rf.hosts, "ssh", nil, "capture on [USER@]HOST[:PORT] over SSH instead of here")
	}
	f.StringArrayVarP(&rf.keys, "identity", "i", nil, "with --ssh, private key to offer (default: the agent's keys and ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
	f.StringVar(&rf.knownHosts, "known-hosts", "", "with --ssh, known hosts file (default ~/.ssh/known_hosts)")
	f.BoolVar(&rf.sudo, "sudo", false, "with --ssh, run the remote capture through sudo -n")
	f.BoolVar(&rf.doas, "doas", false, "with --ssh, run the remote capture through doas -n")
	f.StringVar(&rf.command, "remote-command", "", "with --ssh, the remote command writing the capture to standard output (default: scapql capture -w -, else sysdig --unbuffered --write=-)")
}

func (rf remoteFlags) privilege() (string, error) {
	switch {
	case rf.sudo && rf.doas:
		return "", errors.New("--sudo and --doas exclude each other")
	case rf.sudo:
		return "sudo", nil
	case rf.doas:
		return "doas", nil
	}
	return "", nil
}

func (rf remoteFlags) targets() ([]remote.Target, error) {
	var ts []remote.Target
	seen := map[string]string{}
	for _, h := range rf.hosts {
		t, err := remote.ParseTarget(h)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[t.Name()]; ok {
			return nil, fmt.Errorf("--ssh %s and --ssh %s name the same host", prev, h)
		}
		seen[t.Name()] = h
		ts = append(ts, t)
	}
	return ts, nil
}

func (rf remoteFlags) config(t remote.Target) remote.Config {
	return remote.Config{Target: t, KeyFiles: rf.keys, KnownHosts: rf.knownHosts}
}

// remoteOutputs names each host's capture: FILE itself for one host; for
// several, DIR/HOST.scap when FILE is a directory (or ends with /), else
// FILE-HOST.scap.
func remoteOutputs(write string, ts []remote.Target) ([]string, error) {
	if len(ts) == 1 {
		return []string{write}, nil
	}
	if write == "-" {
		return nil, errors.New("several --ssh hosts write one capture each: give -w a directory or a file name, not -")
	}
	var out []string
	info, err := os.Stat(write)
	if strings.HasSuffix(write, "/") || (err == nil && info.IsDir()) {
		if err := os.MkdirAll(write, 0o755); err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		for _, t := range ts {
			out = append(out, filepath.Join(write, t.Name()+".scap"))
		}
		return out, nil
	}
	ext := filepath.Ext(write)
	base := strings.TrimSuffix(write, ext)
	if ext == "" || ext == ".gz" {
		ext = ".scap" + ext
	}
	for _, t := range ts {
		out = append(out, base+"-"+t.Name()+ext)
	}
	return out, nil
}

// runRemoteCapture records each host given with --ssh into its own file, at
// the same time. Each file is written aside and renamed when its stream
// ends; a connection cut keeps the whole blocks received before the cut
// (the file is a readable capture up to there) and the error says so.
func runRemoteCapture(ctx context.Context, stdout, stderr io.Writer, cf captureFlags, rf remoteFlags, command []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ts, err := rf.targets()
	if err != nil {
		return err
	}
	priv, err := rf.privilege()
	if err != nil {
		return err
	}
	outs, err := remoteOutputs(cf.write, ts)
	if err != nil {
		return err
	}
	rc := remote.Command{
		Program: rf.command, Privilege: priv, SnapLen: cf.snapLen, Duration: cf.duration,
		Count: cf.count, Filter: cf.filter, Args: command,
	}
	shell, err := rc.Shell()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errs := make([]error, len(ts))
	var wg sync.WaitGroup
	var mu sync.Mutex // one report line at a time
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prefix := ""
			if len(ts) > 1 {
				prefix = t.Name() + ": "
			}
			st, err := remoteToFile(ctx, rf.config(t), shell, outs[i], cf.gzip, stdout, &lockedWriter{mu: &mu, w: stderr}, prefix)
			errs[i] = err
			if !cf.quiet && st.Blocks > 0 {
				mu.Lock()
				fmt.Fprintf(stderr, "%s%d events received from %s into %s\n", prefix, st.Events, t, outs[i])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// remoteToFile streams one host's capture into path (- for stdout).
func remoteToFile(ctx context.Context, cfg remote.Config, shell, path string, gz bool, stdout, stderr io.Writer, prefix string) (remote.Stats, error) {
	client, err := remote.Dial(ctx, cfg)
	if err != nil {
		return remote.Stats{}, err
	}
	defer client.Close()
	opts := remote.Options{Stderr: stderr, Prefix: prefix}
	if path == "-" {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		var w io.Writer = bw
		var zw *gzip.Writer
		if gz {
			zw = gzip.NewWriter(bw)
			w = zw
		}
		st, err := client.Capture(ctx, shell, w, opts)
		if zw != nil {
			zw.Close()
		}
		if ferr := bw.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("capture: %w", ferr)
		}
		return st, err
	}
	sweepLeftovers(path)
	tmp := tmpName(path)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return remote.Stats{}, fmt.Errorf("capture: %w", err)
	}
	defer os.Remove(tmp) // a no-op once renamed
	bw := bufio.NewWriterSize(f, 1<<16)
	var w io.Writer = bw
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	st, err := client.Capture(ctx, shell, w, opts)
	werr := func() error {
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return f.Close()
	}()
	if werr != nil {
		f.Close()
		return st, errors.Join(err, fmt.Errorf("capture: write %s: %w", path, werr))
	}
	if st.Blocks == 0 {
		return st, err // nothing to keep: no file
	}
	if kerr := keepMode(path, tmp); kerr != nil {
		return st, errors.Join(err, kerr)
	}
	if rerr := os.Rename(tmp, path); rerr != nil {
		return st, errors.Join(err, fmt.Errorf("capture: %w", rerr))
	}
	if err != nil {
		return st, fmt.Errorf("%w\n%s holds the %d events (%d whole blocks) received before that; it reads as a complete capture up to there", err, path, st.Events, st.Blocks)
	}
	return st, nil
}

// openRemoteLiveSource starts a capture on a remote host and returns a
// source reading its events as they come (print --live --ssh). stop ends
// the remote capture; the capture also ends on Ctrl-C/SIGTERM.
func openRemoteLiveSource(stderr io.Writer, rf remoteFlags, snapLen uint32, opts ingest.Options) (*ingest.Source, func() error, error) {
	ts, err := rf.targets()
	if err != nil {
		return nil, nil, err
	}
	if len(ts) != 1 {
		return nil, nil, errors.New("print --live follows one --ssh host")
	}
	priv, err := rf.privilege()
	if err != nil {
		return nil, nil, err
	}
	shell, err := remote.Command{Program: rf.command, Privilege: priv, SnapLen: snapLen}.Shell()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	client, err := remote.Dial(ctx, rf.config(ts[0]))
	if err != nil {
		cancel()
		return nil, nil, err
	}
	pr, pw := io.Pipe()
	return pipedSource(cancel, ts[0].String(), opts, pr, pw, func() error {
		_, err := client.Capture(ctx, shell, pw, remote.Options{Stderr: stderr, Prefix: ts[0].Name() + ": "})
		client.Close()
		return err
	})
}

// pipedSource is a source reading pr, while produce, run on its own goroutine, writes the
// other end pw (a live capture, here or remote): the source sees its end, or its error. The
// returned stop calls cancel (which ends produce) and waits for it.
func pipedSource(cancel func(), name string, opts ingest.Options, pr *io.PipeReader, pw *io.PipeWriter,
	produce func() error) (*ingest.Source, func() error, error) {
	done := make(chan error, 1)
	go func() {
		err := produce()
		pw.CloseWithError(err)
		done <- err
	}()
	src, err := ingest.NewSource(pr, name, opts)
	if err != nil {
		cancel()
		pr.Close()
		<-done
		return nil, nil, err
	}
	return src, func() error {
		cancel()
		pr.Close()
		return <-done
	}, nil
}
