// Package remote records syscalls on other machines: it runs a capture
// command there over SSH and streams the capture back, whole blocks at a
// time, so that what it hands on is always a readable capture.
//
// SSH is golang.org/x/crypto/ssh: maintained by the Go team, pure Go (no
// ssh binary, no libssh to find at run time), and it gives the program
// the channel's exit status, its standard error apart from the capture
// stream, and the "signal" request that stops the remote capture cleanly.
// Authentication follows OpenSSH: the agent, the key given or the default
// keys, and the host key checked against known_hosts with no silent trust.
package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Target is where to connect: [USER@]HOST[:PORT].
type Target struct {
	User string // "" is the local user name
	Host string
	Port int // 0 is 22
}

// ParseTarget reads [USER@]HOST[:PORT]; an IPv6 address with a port is
// written [ADDR]:PORT.
func ParseTarget(s string) (Target, error) {
	var t Target
	rest := s
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		t.User, rest = rest[:i], rest[i+1:]
		if t.User == "" {
			return t, fmt.Errorf("ssh target %q: empty user name before @", s)
		}
	}
	host, port := rest, ""
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return t, fmt.Errorf("ssh target %q: missing ] after the IPv6 address", s)
		}
		host = rest[1:end]
		if after := rest[end+1:]; after != "" {
			p, ok := strings.CutPrefix(after, ":")
			if !ok {
				return t, fmt.Errorf("ssh target %q: expected :PORT after ]", s)
			}
			port = p
		}
	case strings.Count(rest, ":") == 1:
		host, port, _ = strings.Cut(rest, ":")
	}
	if host == "" {
		return t, fmt.Errorf("ssh target %q: no host", s)
	}
	t.Host = host
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("ssh target %q: port %q is not a number from 1 to 65535", s, port)
		}
		t.Port = n
	}
	return t, nil
}

// Addr is HOST:PORT for dialling.
func (t Target) Addr() string {
	port := t.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(t.Host, strconv.Itoa(port))
}

// String is the target as given: [USER@]HOST[:PORT].
func (t Target) String() string {
	s := t.Host
	if t.Port != 0 {
		s = net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	}
	if t.User != "" {
		s = t.User + "@" + s
	}
	return s
}

// Name is the target's host (and port when one was given) made safe for a
// file name: it names the host's capture among several.
func (t Target) Name() string {
	s := t.Host
	if t.Port != 0 {
		s += "_" + strconv.Itoa(t.Port)
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// Config says how to reach and authenticate to a target.
type Config struct {
	Target Target
	// KeyFiles are private keys to offer (-i). Empty: the default keys of
	// ~/.ssh that exist. The agent (SSH_AUTH_SOCK) is asked either way.
	KeyFiles []string
	// KnownHosts is the known_hosts file; "" is ~/.ssh/known_hosts.
	KnownHosts string
	// Timeout bounds the connection and the handshake (0: 15s).
	Timeout time.Duration
	// KeepAlive is how often the server is asked whether it is still there
	// (0: 15s); a server silent for two of these is taken as gone.
	KeepAlive time.Duration
}

// DefaultKeyFiles are the keys OpenSSH offers when none is given, in its order.
var DefaultKeyFiles = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// Client is an SSH connection to one target.
type Client struct {
	cfg    Config
	conn   *ssh.Client
	agent  net.Conn
	closed chan struct{}
	lost   chan error // the keepalive's verdict, once
}

// Dial connects and authenticates. Errors name the target and what to do.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 15 * time.Second
	}
	t := cfg.Target
	if t.User == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("ssh %s: no user name given and the local one is unknown: %w", t, err)
		}
		t.User = u.Username
	}
	hostKey, algos, err := hostKeyCheck(cfg.KnownHosts, t)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, closed: make(chan struct{}), lost: make(chan error, 1)}
	auth, err := c.authMethods()
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", t, err)
	}
	sc := &ssh.ClientConfig{
		User:              t.User,
		Auth:              auth,
		HostKeyCallback:   hostKey,
		HostKeyAlgorithms: algos,
		Timeout:           cfg.Timeout,
	}
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		c.closeAgent()
		return nil, fmt.Errorf("ssh %s: %w", t, err)
	}
	nc.SetDeadline(time.Now().Add(cfg.Timeout))
	conn, chans, reqs, err := ssh.NewClientConn(nc, t.Addr(), sc)
	if err != nil {
		nc.Close()
		c.closeAgent()
		var ke *hostKeyError
		if errors.As(err, &ke) {
			return nil, ke
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("ssh %s: authentication refused (offered %s): %w", t, c.offered(), err)
		}
		return nil, fmt.Errorf("ssh %s: %w", t, err)
	}
	nc.SetDeadline(time.Time{})
	c.conn = ssh.NewClient(conn, chans, reqs)
	go c.keepAlive()
	return c, nil
}

// keepAlive asks the server every KeepAlive whether it is there and closes
// the connection when two asks in a row go unanswered, so that a cut that
// sends nothing (a dead network) ends the capture with an error too.
func (c *Client) keepAlive() {
	tick := time.NewTicker(c.cfg.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-tick.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := c.conn.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case <-c.closed:
			return
		case err := <-answered:
			if err != nil {
				return // the connection is already gone; readers see it
			}
		case <-time.After(2 * c.cfg.KeepAlive):
			c.lost <- fmt.Errorf("no answer from the server for %s", 2*c.cfg.KeepAlive)
			c.conn.Close()
			return
		}
	}
}

// Close ends the connection.
func (c *Client) Close() error {
	select {
	case <-c.closed:
		return nil
	default:
	}
	close(c.closed)
	c.closeAgent()
	return c.conn.Close()
}

func (c *Client) closeAgent() {
	if c.agent != nil {
		c.agent.Close()
		c.agent = nil
	}
}

// Target is where the client is connected.
func (c *Client) Target() Target { return c.cfg.Target }

// authMethods offers the agent's keys, then the key files, as OpenSSH does.
func (c *Client) authMethods() ([]ssh.AuthMethod, error) {
	var signers []ssh.Signer
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if conn, err := net.Dial("unix", sock); err == nil {
			c.agent = conn
			if s, err := agent.NewClient(conn).Signers(); err == nil {
				signers = append(signers, s...)
			}
		}
	}
	files := c.cfg.KeyFiles
	explicit := len(files) > 0
	if !explicit {
		home, err := os.UserHomeDir()
		if err == nil {
			for _, name := range DefaultKeyFiles {
				files = append(files, filepath.Join(home, ".ssh", name))
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if explicit {
				return nil, fmt.Errorf("key %s: %w", f, err)
			}
			continue
		}
		s, err := ssh.ParsePrivateKey(b)
		if err != nil {
			var pp *ssh.PassphraseMissingError
			if errors.As(err, &pp) {
				if explicit {
					return nil, fmt.Errorf("key %s is protected by a passphrase: add it to ssh-agent (ssh-add %s) and try again", f, f)
				}
				continue
			}
			if explicit {
				return nil, fmt.Errorf("key %s: %w", f, err)
			}
			continue
		}
		signers = append(signers, s)
	}
	if len(signers) == 0 {
		return nil, errors.New("no key to offer: no ssh-agent (SSH_AUTH_SOCK) with keys, and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa; give one with -i")
	}
	c.cfg.KeyFiles = files
	return []ssh.AuthMethod{ssh.PublicKeys(signers...)}, nil
}

// offered says which keys were offered, for an authentication error.
func (c *Client) offered() string {
	var parts []string
	if c.agent != nil {
		parts = append(parts, "the agent's keys")
	}
	var found []string
	for _, f := range c.cfg.KeyFiles {
		if _, err := os.Stat(f); err == nil {
			found = append(found, f)
		}
	}
	if len(found) > 0 {
		parts = append(parts, strings.Join(found, ", "))
	}
	if len(parts) == 0 {
		return "no key"
	}
	return strings.Join(parts, " and ")
}

// hostKeyError is an unknown or changed host key: never trusted silently.
type hostKeyError struct{ msg string }

func (e *hostKeyError) Error() string { return e.msg }

// hostKeyCheck returns the callback that checks the server's key against
// known_hosts, and the host key algorithms to ask for: those of the keys
// known for the host, so that a server with several keys shows the one we
// know rather than a different type taken for a changed key.
func hostKeyCheck(file string, t Target) (ssh.HostKeyCallback, []string, error) {
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, fmt.Errorf("ssh %s: no home directory to find ~/.ssh/known_hosts (give --known-hosts): %w", t, err)
		}
		file = filepath.Join(home, ".ssh", "known_hosts")
	}
	if _, err := os.Stat(file); err != nil {
		return nil, nil, fmt.Errorf("ssh %s: known hosts file: %w (the host key must be known: connect once with ssh, or add it with ssh-keyscan -p %d %s >> %s)", t, err, portOf(t), t.Host, file)
	}
	db, err := knownhosts.New(file)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh %s: known hosts file %s: %w", t, file, err)
	}
	var algos []string
	probe, _ := ssh.ParsePublicKey(probeKey)
	if probe != nil {
		var ke *knownhosts.KeyError
		if err := db(t.Addr(), &net.TCPAddr{IP: net.IPv4zero}, probe); errors.As(err, &ke) {
			for _, k := range ke.Want {
				algos = append(algos, algorithmsFor(k.Key.Type())...)
			}
		}
	}
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := db(hostname, remote, key)
		if err == nil {
			return nil
		}
		fp := ssh.FingerprintSHA256(key)
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) {
			if len(ke.Want) == 0 {
				return &hostKeyError{fmt.Sprintf("ssh %s: unknown host: its %s key %s is not in %s; check the fingerprint with the host's administrator, then add it (ssh-keyscan -p %d %s >> %s) and try again",
					t, key.Type(), fp, file, portOf(t), t.Host, file)}
			}
			w := ke.Want[0]
			return &hostKeyError{fmt.Sprintf("ssh %s: HOST KEY MISMATCH: the server shows the %s key %s but %s:%d holds %s for this host; someone may be intercepting the connection, or the host was reinstalled. Nothing was trusted; if the change is expected, remove the old key (ssh-keygen -R %s -f %s)",
				t, key.Type(), fp, w.Filename, w.Line, ssh.FingerprintSHA256(w.Key), knownhosts.Normalize(t.Addr()), file)}
		}
		var re *knownhosts.RevokedError
		if errors.As(err, &re) {
			return &hostKeyError{fmt.Sprintf("ssh %s: the host key %s is revoked in %s", t, fp, file)}
		}
		return fmt.Errorf("ssh %s: host key check: %w", t, err)
	}
	return cb, algos, nil
}

func portOf(t Target) int {
	if t.Port == 0 {
		return 22
	}
	return t.Port
}

// probeKey is a public key that no known_hosts holds (an ed25519 key of
// all zero bytes): checking it lists the keys known for a host.
var probeKey = append([]byte{0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32}, make([]byte, 32)...)

// algorithmsFor lists the host key algorithms that show a key of this type.
func algorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	default:
		return []string{keyType}
	}
}
