package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// Static material the generator draws from: paths, payloads, addresses.
// Everything is built once from the seed, so per-event work is only picking.

// Linux errno values (the capture stores -errno).
const (
	eNOENT       = 2
	eINTR        = 4
	eBADF        = 9
	eAGAIN       = 11
	eACCES       = 13
	eEXIST       = 17
	ePIPE        = 32
	eCONNRESET   = 104
	eTIMEDOUT    = 110
	eCONNREFUSED = 111
	eINPROGRESS  = 115
)

// PPM open flags (file_flags table; not the Linux values).
const (
	oRDONLY    uint32 = 1
	oWRONLY    uint32 = 2
	oRDWR      uint32 = 3
	oCREAT     uint32 = 4
	oAPPEND    uint32 = 8
	oNONBLOCK  uint32 = 0x40
	oTRUNC     uint32 = 0x100
	oDIRECTORY uint32 = 0x400
	oCLOEXEC   uint32 = 0x1000
)

// PPM clone flags.
const (
	clFiles       uint32 = 0x1
	clFS          uint32 = 0x2
	clParentTID   uint32 = 0x200
	clSighand     uint32 = 0x800
	clSysvsem     uint32 = 0x1000
	clThread      uint32 = 0x2000
	clVM          uint32 = 0x8000
	clChildClear  uint32 = 0x800000
	clChildSetTID uint32 = 0x1000000
	clSettls      uint32 = 0x2000000

	forkFlags   = clChildClear | clChildSetTID
	threadFlags = clVM | clFS | clFiles | clSighand | clThread | clSysvsem | clSettls | clParentTID | clChildClear
)

// Socket constants as the REF socket enter event stores them (Linux values).
const (
	sockStream   uint32 = 1
	sockDgram    uint32 = 2
	sockNonblock uint32 = 0x800
	sockCloexec  uint32 = 0x80000
	ipprotoTCP   uint32 = 6
	ipprotoUDP   uint32 = 17
)

// ppm_sc codes and x86_64 syscall numbers for generic events.
type generic struct {
	sc, native uint16
	name       string // the ppm_sc name sysdig prints as evt.type
}

var (
	gFsync      = generic{72, 74, "fsync"}
	gSchedYield = generic{99, 24, "sched_yield"}
	gSigaction  = generic{107, 13, "rt_sigaction"}
	gSigprocmsk = generic{108, 14, "rt_sigprocmask"}
	gMadvise    = generic{139, 28, "madvise"}
	gExitGroup  = generic{164, 231, "exit_group"}
	gEpollCtl   = generic{166, 233, "epoll_ctl"}
	gArchPrctl  = generic{296, 158, "arch_prctl"}
	gGetrandom  = generic{318, 318, "getrandom"}
	gGetpid     = generic{16, 39, "getpid"}
	gWait4      = generic{69, 61, "wait4"}
)

// world holds the pools.
type world struct {
	libs        []string // shared libraries a new process maps
	ldMiss      []string // library search paths that do not exist
	etc         []string // config files anyone reads
	web         []string // static files nginx serves (relative to /var/www/html)
	webMiss     []string // requested files that are missing
	phpScripts  []string // PHP scripts php-fpm opens
	src         []string // source files, relative to /home/alice/project
	pgData      []string // postgres relation files
	tmp         []string
	procFiles   []string
	corpus      []byte // text payload read/written
	httpReqs    [][]byte
	httpResp    [][]byte
	sqlQueries  [][]byte
	logLines    [][]byte
	dnsQueries  [][]byte
	elfHeader   []byte
	clients4    []netip.Addr
	clients6    []netip.Addr
	upstreams   []netip.AddrPort
	externals   []netip.AddrPort
	localIP     netip.Addr
	localIP6    netip.Addr
	dnsServer   netip.AddrPort
	commands    []command
	stdoutNames []string
}

// command is a program a shell or cron runs.
type command struct {
	comm string
	path string
	args []string
	kind cmdKind
}

type cmdKind uint8

const (
	cmdCat cmdKind = iota
	cmdLs
	cmdGrep
	cmdCurl
	cmdPython
	cmdGit
	cmdPs
)

func newWorld(r *rng) *world {
	w := &world{
		localIP:   netip.MustParseAddr("10.0.0.5"),
		localIP6:  netip.MustParseAddr("fd00::5"),
		dnsServer: netip.MustParseAddrPort("10.0.0.2:53"),
	}
	for _, l := range []string{"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "libssl.so.3",
		"libcrypto.so.3", "libz.so.1", "libpcre2-8.so.0", "libselinux.so.1", "libtinfo.so.6",
		"libcurl.so.4", "libnghttp2.so.14", "libzstd.so.1", "liblzma.so.5", "libgcc_s.so.1", "libstdc++.so.6"} {
		w.libs = append(w.libs, "/lib/x86_64-linux-gnu/"+l)
		for _, d := range []string{"/lib/x86_64-linux-gnu/tls/haswell/x86_64/", "/lib/x86_64-linux-gnu/haswell/",
			"/usr/local/lib/", "/lib/x86_64-linux-gnu/tls/"} {
			w.ldMiss = append(w.ldMiss, d+l)
		}
	}
	w.etc = []string{"/etc/ld.so.cache", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/resolv.conf",
		"/etc/nsswitch.conf", "/etc/localtime", "/etc/host.conf", "/etc/gai.conf", "/etc/ssl/openssl.cnf",
		"/etc/ssl/certs/ca-certificates.crt", "/usr/share/locale/locale.alias", "/usr/lib/locale/locale-archive",
		"/etc/os-release", "/etc/services", "/etc/protocols", "/proc/meminfo", "/proc/loadavg", "/proc/stat",
		"/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/memory.max", "/usr/share/zoneinfo/UTC"}
	for i := 0; i < 400; i++ {
		switch i % 5 {
		case 0:
			w.web = append(w.web, fmt.Sprintf("img/photo-%04d.jpg", i))
		case 1:
			w.web = append(w.web, fmt.Sprintf("css/site-%d.css", i%37))
		case 2:
			w.web = append(w.web, fmt.Sprintf("js/app-%x.js", r.Uint32()))
		case 3:
			w.web = append(w.web, fmt.Sprintf("api/v1/items/%d.json", 1000+i))
		default:
			w.web = append(w.web, fmt.Sprintf("docs/page-%03d.html", i))
		}
	}
	w.web = append(w.web, "index.html", "favicon.png", "robots.txt")
	for _, s := range []string{"index.php", "wp-cron.php", "cart.php", "checkout.php", "api/items.php", "vendor/autoload.php",
		"vendor/composer/autoload_real.php", "lib/db.php", "lib/session.php", "templates/header.php"} {
		w.phpScripts = append(w.phpScripts, s)
	}
	w.webMiss = []string{"favicon.ico", "wp-login.php", ".env", "admin/config.php", "apple-touch-icon.png",
		".git/config", "api/v2/items", "sitemap.xml"}
	mods := []string{"ingest", "columnar", "repl", "translate", "cmd/scapql", "internal/state", "bpf"}
	for i := 0; i < 300; i++ {
		m := mods[i%len(mods)]
		w.src = append(w.src, fmt.Sprintf("%s/file%03d.go", m, i))
	}
	for i := 0; i < 200; i++ {
		w.pgData = append(w.pgData, fmt.Sprintf("/var/lib/postgresql/14/main/base/16384/%d", 2600+i*7))
	}
	for i := 0; i < 8; i++ {
		w.pgData = append(w.pgData, fmt.Sprintf("/var/lib/postgresql/14/main/pg_wal/00000001000000000000%04X", 0x40+i))
	}
	for i := 0; i < 64; i++ {
		w.tmp = append(w.tmp, fmt.Sprintf("/tmp/tmp.%08x", r.Uint32()))
	}
	w.procFiles = []string{"stat", "status", "cmdline", "statm", "limits", "maps", "environ"}

	w.corpus = []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. Lorem ipsum dolor sit amet, consectetur "+
		"adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ", 40) +
		`{"id":1042,"name":"widget","price":19.99,"tags":["a","b"],"stock":{"warehouse":"eu-1","count":17}}`)
	for _, p := range w.web {
		w.httpReqs = append(w.httpReqs, []byte("GET /"+p+" HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n"))
	}
	w.httpResp = [][]byte{
		[]byte("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\nContent-Length: 5120\r\n\r\n<!DOCTYPE html>"),
		[]byte("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: application/json\r\n\r\n{\"items\":[1,2,3]}"),
		[]byte("HTTP/1.1 404 Not Found\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\nContent-Length: 153\r\n\r\n"),
		[]byte("HTTP/1.1 304 Not Modified\r\nServer: nginx/1.24.0\r\nETag: \"65a4f1-1400\"\r\n\r\n"),
	}
	w.sqlQueries = [][]byte{
		[]byte("Q\x00\x00\x00\x3fSELECT id, name, price FROM items WHERE id = 1042;\x00"),
		[]byte("Q\x00\x00\x00\x2aUPDATE stock SET count = count - 1 WHERE id = 7;\x00"),
		[]byte("P\x00\x00\x00\x44\x00SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC\x00"),
		[]byte("Q\x00\x00\x00\x19BEGIN;\x00"),
		[]byte("Q\x00\x00\x00\x1aCOMMIT;\x00"),
	}
	for i := 0; i < 32; i++ {
		w.logLines = append(w.logLines, []byte(fmt.Sprintf(
			"10.0.%d.%d - - [15/Jan/2024:10:00:%02d +0000] \"GET /%s HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0\"\n",
			r.IntN(4), r.IntN(250)+2, i, w.web[r.IntN(len(w.web))], 200+r.IntN(90000))))
	}
	for _, host := range []string{"api.github.com", "registry.npmjs.org", "pypi.org", "deb.debian.org", "shop.example.com"} {
		q := []byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}
		for _, label := range strings.Split(host, ".") {
			q = append(q, byte(len(label)))
			q = append(q, label...)
		}
		q = append(q, 0, 0, 1, 0, 1)
		w.dnsQueries = append(w.dnsQueries, q)
	}
	w.elfHeader = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x3e\x00\x01\x00\x00\x00\x50\x9f\x02\x00\x00\x00\x00\x00@\x00\x00\x00\x00\x00\x00\x00")
	for i := 0; i < 200; i++ {
		w.clients4 = append(w.clients4, netip.AddrFrom4([4]byte{10, byte(1 + r.IntN(3)), byte(r.IntN(256)), byte(2 + r.IntN(250))}))
	}
	for i := 0; i < 50; i++ {
		w.clients6 = append(w.clients6, netip.AddrFrom16([16]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(r.IntN(256)), byte(1 + r.IntN(250))}))
	}
	w.upstreams = []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.10:5432"), netip.MustParseAddrPort("10.0.0.11:6379"),
		netip.MustParseAddrPort("[fd00::20]:8080"), netip.MustParseAddrPort("[fd00::21]:9200"),
		netip.MustParseAddrPort("10.0.0.12:9090"), netip.MustParseAddrPort("[::ffff:10.0.0.13]:11211"),
	}
	w.externals = []netip.AddrPort{
		netip.MustParseAddrPort("140.82.121.6:443"), netip.MustParseAddrPort("104.16.24.35:443"),
		netip.MustParseAddrPort("151.101.0.223:443"), netip.MustParseAddrPort("[2a04:4e42::223]:443"),
		netip.MustParseAddrPort("199.232.138.132:80"),
	}
	w.commands = []command{
		{"cat", "/usr/bin/cat", []string{"/etc/hostname"}, cmdCat},
		{"ls", "/usr/bin/ls", []string{"-la", "/var/log"}, cmdLs},
		{"grep", "/usr/bin/grep", []string{"-r", "TODO", "src"}, cmdGrep},
		{"curl", "/usr/bin/curl", []string{"-sS", "https://api.github.com/zen"}, cmdCurl},
		{"python3", "/usr/bin/python3", []string{"scripts/report.py", "--daily"}, cmdPython},
		{"git", "/usr/bin/git", []string{"status", "--short"}, cmdGit},
		{"ps", "/usr/bin/ps", []string{"aux"}, cmdPs},
	}
	w.stdoutNames = []string{"/dev/pts/0", "/dev/pts/1", "/dev/null"}
	return w
}

// slice picks a payload of at most 80 bytes (sysdig's default snaplen)
// from the corpus.
func (w *world) slice(r *rng, n int) []byte {
	if n > 80 {
		n = 80
	}
	off := r.IntN(len(w.corpus) - n)
	return w.corpus[off : off+n]
}

// snap cuts b to the snaplen.
func snap(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
