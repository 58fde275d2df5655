package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/extcap"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/remote"
)

// extcapVersion is the version scapql's extcap reports to Wireshark.
const extcapVersion = "1.0.0"

const (
	extcapLocal = "scapql-local"
	extcapSSH   = "scapql-ssh"
	// The cloud audit sources, as falcodump offers Falco's plugins.
	extcapCloudTrail = "scapql-cloudtrail"
	extcapK8sAudit   = "scapql-k8saudit"
)

// extcapAuditKind returns the kind of audit records an interface replays
// (audit.Unknown for the syscall interfaces).
func extcapAuditKind(iface string) audit.Kind {
	switch iface {
	case extcapCloudTrail:
		return audit.CloudTrail
	case extcapK8sAudit:
		return audit.K8sAudit
	}
	return audit.Unknown
}

// localCapture records this machine into w until ctx ends or count events
// (0: no limit) are written, flushing whenever the probes go quiet; set
// where the eBPF capture is built (linux/amd64).
var localCapture func(ctx context.Context, w io.Writer, stderr io.Writer, snapLen uint32, count uint64) error

func extcapInterfaces() []extcap.Interface {
	snap := extcap.Arg{Call: "--snaplen", Display: "Snap length", Type: "unsigned", Default: "80", Range: "1,65535",
		Tooltip: "Bytes of each I/O buffer to keep", Group: "Capture"}
	count := extcap.Arg{Call: "--count", Display: "Events to capture", Type: "unsigned", Default: "0",
		Tooltip: "Stop after this many events (0: until stopped)", Group: "Capture"}
	return []extcap.Interface{
		{
			Value: extcapLocal, Display: "scapql: syscalls of this machine (eBPF)",
			DLT: extcap.DLTSyscall, DLTDisplay: "System calls (scap)",
			Args: []extcap.Arg{snap, count},
		},
		{
			Value: extcapSSH, Display: "scapql: syscalls of a remote host over SSH",
			DLT: extcap.DLTSyscall, DLTDisplay: "System calls (scap) from a remote host",
			Args: []extcap.Arg{
				{Call: "--remote-host", Display: "Remote SSH server address", Type: "string", Required: true,
					Tooltip: "Host name or address of the machine to capture", Group: "Server"},
				{Call: "--remote-port", Display: "Remote SSH server port", Type: "unsigned", Default: "22", Range: "1,65535",
					Tooltip: "The SSH port (1-65535)", Group: "Server"},
				{Call: "--remote-username", Display: "Remote SSH user name", Type: "string",
					Tooltip: "The user to log in as (default: the local user)", Group: "Authentication"},
				{Call: "--sshkey", Display: "SSH private key", Type: "fileselect", MustExist: true,
					Tooltip: "Private key to offer (default: the agent's keys and ~/.ssh/id_ed25519, id_ecdsa, id_rsa)", Group: "Authentication"},
				{Call: "--known-hosts", Display: "Known hosts file", Type: "fileselect", MustExist: true,
					Tooltip: "Where the host key must be (default ~/.ssh/known_hosts); an unknown or changed key is refused", Group: "Authentication"},
				{Call: "--remote-priv", Display: "Privilege on the remote host", Type: "radio", Group: "Capture",
					Tooltip: "Run the capture through sudo -n or doas -n",
					Values:  []extcap.Value{{Value: "none", Display: "none", Default: true}, {Value: "sudo", Display: "sudo"}, {Value: "doas", Display: "doas"}}},
				{Call: "--remote-capture-command", Display: "Remote capture command", Type: "string", Group: "Capture",
					Tooltip: "Command writing the capture to standard output (default: scapql capture -w -, else sysdig --unbuffered --write=-)"},
				snap, count,
			},
		},
		{
			Value: extcapCloudTrail, Display: "scapql: AWS CloudTrail logs (cloudtrail plugin events)",
			DLT: extcap.DLTSyscall, DLTDisplay: "CloudTrail records as plugin events (scap)",
			Args: []extcap.Arg{auditPath("CloudTrail log file (a Records document or JSON lines, .gz too) or a directory tree of them")},
		},
		{
			Value: extcapK8sAudit, Display: "scapql: Kubernetes audit logs (k8saudit plugin events)",
			DLT: extcap.DLTSyscall, DLTDisplay: "Kubernetes audit events as plugin events (scap)",
			Args: []extcap.Arg{auditPath("Kubernetes audit log file (JSON lines or an EventList, .gz too) or a directory tree of them")},
		},
	}
}

// auditPath is the one argument of the audit interfaces.
func auditPath(tooltip string) extcap.Arg {
	return extcap.Arg{Call: "--audit-logs", Display: "Audit logs", Type: "fileselect", Required: true,
		Tooltip: tooltip, Group: "Source"}
}

type extcapFlags struct {
	interfaces bool
	version    string
	iface      string
	dlts       bool
	config     bool
	filter     string
	capture    bool
	fifo       string

	host       string
	port       uint16
	user       string
	key        string
	knownHosts string
	priv       string
	command    string
	auditLogs  string
	snapLen    uint32
	count      uint64
}

func init() {
	var ef extcapFlags
	cmd := &cobra.Command{
		Use:   "extcap --extcap-interfaces | --extcap-interface NAME (--extcap-dlts | --extcap-config | --extcap-capture-filter FILTER | --capture --fifo PATH)",
		Short: "Be a capture source of Wireshark and Stratoshark (extcap)",
		Long: `Speak Wireshark's extcap protocol, so that Wireshark, Stratoshark and tshark list scapql's
captures as interfaces: scapql-local (this machine's syscalls, eBPF; needs root) and
scapql-ssh (a remote host's syscalls over SSH, configured with host, port, user, key,
known hosts, sudo/doas, snap length and event count); scapql-cloudtrail and
scapql-k8saudit replay CloudTrail and Kubernetes audit logs (--audit-logs: a file or a
directory of them) as the plugin events Falco's cloudtrail and k8saudit plugins record,
one per record, in record order. All write an uncompressed scap stream (link type 147)
to the fifo Wireshark gives, each block as it comes; SIGTERM stops the capture cleanly.
A capture filter (syscall interfaces only) is any filter scapql takes (either dialect);
it keeps the matching events and those that change state.

"scapql extcap install" puts a launcher in Wireshark's and Stratoshark's per-user extcap
folders; restart them (or run tshark -D) to see the interfaces.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExtcap(cmd.OutOrStdout(), cmd.ErrOrStderr(), ef)
		},
	}
	// Wireshark may pass options it knows and we do not declare (newer
	// protocol versions): they are ignored, as extcaps do.
	cmd.FParseErrWhitelist.UnknownFlags = true
	f := cmd.Flags()
	f.BoolVar(&ef.interfaces, "extcap-interfaces", false, "list the interfaces")
	f.StringVar(&ef.version, "extcap-version", "", "print the version (Wireshark passes its own)")
	f.Lookup("extcap-version").NoOptDefVal = "any"
	f.StringVar(&ef.iface, "extcap-interface", "", "the interface the other options are about")
	f.BoolVar(&ef.dlts, "extcap-dlts", false, "list the interface's link types")
	f.BoolVar(&ef.config, "extcap-config", false, "list the interface's options")
	f.StringVar(&ef.filter, "extcap-capture-filter", "", "check a capture filter (prints the error, or nothing when valid); with --capture, apply it")
	f.BoolVar(&ef.capture, "capture", false, "capture into --fifo")
	f.StringVar(&ef.fifo, "fifo", "", "the fifo (or file) to write the capture to")
	f.StringVar(&ef.host, "remote-host", "", "scapql-ssh: the host")
	f.Uint16Var(&ef.port, "remote-port", 22, "scapql-ssh: the SSH port")
	f.StringVar(&ef.user, "remote-username", "", "scapql-ssh: the user")
	f.StringVar(&ef.key, "sshkey", "", "scapql-ssh: the private key")
	f.StringVar(&ef.knownHosts, "known-hosts", "", "scapql-ssh: the known hosts file")
	f.StringVar(&ef.priv, "remote-priv", "none", "scapql-ssh: none, sudo or doas")
	f.StringVar(&ef.command, "remote-capture-command", "", "scapql-ssh: the remote capture command")
	f.StringVar(&ef.auditLogs, "audit-logs", "", "scapql-cloudtrail, scapql-k8saudit: the audit log file or directory")
	f.Uint32Var(&ef.snapLen, "snaplen", 80, "bytes of each I/O buffer to keep")
	f.Uint64Var(&ef.count, "count", 0, "stop after this many events (0: no limit)")

	var dirs []string
	install := &cobra.Command{
		Use:   "install [--dir DIR]...",
		Short: "Put a launcher in Wireshark's and Stratoshark's per-user extcap folders",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExtcapInstall(cmd.OutOrStdout(), dirs)
		},
	}
	install.Flags().StringArrayVar(&dirs, "dir", nil, "extcap folder to install into (default: ~/.local/lib/wireshark/extcap, ~/.local/lib/stratoshark/extcap and ~/.config/wireshark/extcap)")
	cmd.AddCommand(install)
	rootCmd.AddCommand(cmd)
}

func runExtcapInstall(stdout io.Writer, dirs []string) error {
	// The launcher runs the scapql that was run: found on the PATH if
	// named so, its link kept (an upgrade behind the link is picked up).
	exe, err := exec.LookPath(os.Args[0])
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("extcap install: where is scapql: %w", err)
		}
	}
	if len(dirs) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("extcap install: no home directory (give --dir): %w", err)
		}
		dirs = extcap.PersonalDirs(home)
	}
	for _, d := range dirs {
		p, err := extcap.Install(d, "scapql", exe, "extcap")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "installed %s\n", p)
	}
	return nil
}

func runExtcap(stdout, stderr io.Writer, ef extcapFlags) error {
	ifs := extcapInterfaces()
	switch {
	case ef.interfaces:
		return extcap.WriteInterfaces(stdout, extcapVersion, "https://github.com/scapql/scapql", ifs)
	case ef.version != "" && !ef.capture && !ef.dlts && !ef.config:
		_, err := fmt.Fprintf(stdout, "extcap {version=%s}\n", extcapVersion)
		return err
	}
	iface, err := extcap.Find(ifs, ef.iface)
	if err != nil {
		return err
	}
	switch {
	case ef.dlts:
		return extcap.WriteDLTs(stdout, iface)
	case ef.config:
		return extcap.WriteConfig(stdout, iface)
	case ef.capture:
		if ef.fifo == "" {
			return errors.New("extcap: --capture needs --fifo")
		}
		err := extcapCapture(stderr, iface, ef)
		if errors.Is(err, syscall.EPIPE) {
			// Wireshark closed the fifo: it stopped the capture.
			return nil
		}
		return err
	case ef.filter != "":
		// Wireshark takes any output as the filter's error, its first line
		// shown to the user; nothing means valid.
		if extcapAuditKind(iface.Value) != audit.Unknown {
			fmt.Fprintln(stdout, errAuditFilter)
			return nil
		}
		if _, err := compileFilter(ef.filter, "auto", nil); err != nil {
			fmt.Fprintln(stdout, oneLine(err.Error()))
		}
		return nil
	}
	return errors.New("extcap: nothing asked (give --extcap-dlts, --extcap-config, --extcap-capture-filter or --capture)")
}

var errAuditFilter = errors.New("extcap: the audit interfaces take no capture filter (filter the records in Stratoshark or with scapql query)")

func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			return s[:i]
		}
	}
	return s
}

func (ef extcapFlags) remote() (remoteFlags, error) {
	if ef.host == "" {
		return remoteFlags{}, errors.New("extcap: scapql-ssh needs --remote-host")
	}
	t := remote.Target{User: ef.user, Host: ef.host, Port: int(ef.port)}
	rf := remoteFlags{hosts: []string{t.String()}, knownHosts: ef.knownHosts, command: ef.command}
	if ef.key != "" {
		rf.keys = []string{ef.key}
	}
	switch ef.priv {
	case "", "none":
	case "sudo":
		rf.sudo = true
	case "doas", "doas -n":
		rf.doas = true
	default:
		return rf, fmt.Errorf("extcap: --remote-priv %q: expected none, sudo or doas", ef.priv)
	}
	return rf, nil
}

// extcapCapture writes the capture into the fifo until SIGTERM (Wireshark's
// stop), the count, or the end of the remote stream.
func extcapCapture(stderr io.Writer, iface extcap.Interface, ef extcapFlags) error {
	if kind := extcapAuditKind(iface.Value); kind != audit.Unknown {
		return extcapAuditCapture(stderr, kind, ef)
	}
	match, err := compileFilter(ef.filter, "auto", nil)
	if err != nil {
		return err
	}
	var rf remoteFlags
	if iface.Value == extcapSSH {
		if rf, err = ef.remote(); err != nil {
			return err
		}
	}
	fifo, err := os.OpenFile(ef.fifo, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("extcap: %w", err)
	}
	defer fifo.Close()
	if match != nil {
		// Filtered: read the capture as it comes and export the matching
		// events and those that change state, each pushed out at once.
		var src *ingest.Source
		var stop func() error
		if iface.Value == extcapSSH {
			src, stop, err = openRemoteLiveSource(stderr, rf, ef.snapLen, ingest.Options{})
		} else {
			src, stop, err = openLiveSource(io.Discard, ef.snapLen, ingest.Options{})
		}
		if err != nil {
			return err
		}
		defer src.Close()
		_, _, err = exportTo(src, match, fifo, false, true)
		if serr := stop(); err == nil && serr != nil && !errors.Is(serr, io.ErrClosedPipe) {
			err = serr
		}
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if iface.Value == extcapSSH {
		ts, err := rf.targets()
		if err != nil {
			return err
		}
		priv, err := rf.privilege()
		if err != nil {
			return err
		}
		shell, err := remote.Command{Program: rf.command, Privilege: priv, SnapLen: ef.snapLen, Count: ef.count, Quiet: rf.command == ""}.Shell()
		if err != nil {
			return err
		}
		client, err := remote.Dial(ctx, rf.config(ts[0]))
		if err != nil {
			return err
		}
		defer client.Close()
		// Flushed whenever the remote stream pauses: Wireshark shows each
		// block as it comes.
		bw := bufio.NewWriterSize(fifo, 1<<16)
		_, err = client.Capture(ctx, shell, bw, remote.Options{})
		if ferr := bw.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("extcap: %w", ferr)
		}
		return err
	}
	if localCapture == nil {
		return errors.New("extcap: local capture is available on linux/amd64 only; use scapql-ssh")
	}
	return localCapture(ctx, fifo, io.Discard, ef.snapLen, ef.count)
}

// extcapAuditCapture replays the audit logs into the fifo as plugin events.
// A damaged record is reported on stderr and skipped, as query -r does.
func extcapAuditCapture(stderr io.Writer, kind audit.Kind, ef extcapFlags) error {
	if ef.filter != "" {
		return errAuditFilter
	}
	if ef.auditLogs == "" {
		return fmt.Errorf("extcap: scapql-%s needs --audit-logs (a file or directory of audit logs)", kind.PluginName())
	}
	if _, err := os.Stat(ef.auditLogs); err != nil {
		return fmt.Errorf("extcap: --audit-logs: %w", err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	fifo, err := os.OpenFile(ef.fifo, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("extcap: %w", err)
	}
	defer fifo.Close()
	_, err = writeAuditCapture(ctx, fifo, []string{ef.auditLogs}, kind, func(err error) { fmt.Fprintln(stderr, err) })
	return err
}
