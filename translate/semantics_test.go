package translate

import (
	"fmt"
	"testing"
)

// TestSemantics runs translated filters over the hand-made rows (rows_test.go) and checks
// which events match, covering the reference's absent-field rules and every operator.
func TestSemantics(t *testing.T) {
	tests := []struct {
		d      Dialect
		filter string
		want   []int
	}{
		// Absent fields: every check is false, `not` negates that.
		{Falco, `fd.name = /etc/hosts`, []int{1}},
		{Falco, `fd.name != /etc/hosts`, []int{3, 4, 5, 6}},
		{Falco, `not fd.name = /etc/hosts`, []int{2, 3, 4, 5, 6}},
		{Falco, `fd.name exists`, []int{1, 3, 4, 5, 6}},
		{Falco, `not fd.name exists`, []int{2}},
		{Falco, `not not fd.name exists`, []int{1, 3, 4, 5, 6}},
		{Falco, `user.name != root`, []int{3, 6}},
		{Falco, `evt.failed != true`, []int{1, 2, 6}},
		{Falco, `fd.name in (/etc/hosts, /etcx/passwd)`, []int{1, 6}},
		{Falco, `not fd.name in (/etc/hosts)`, []int{2, 3, 4, 5, 6}},
		{Falco, `fd.name in ()`, nil},
		{Falco, `not fd.name in ()`, []int{1, 2, 3, 4, 5, 6}},
		// evt.type and evt.res.
		{Falco, `evt.type = openat`, []int{1, 6}},
		{Falco, `evt.type in (open, openat)`, []int{1, 5, 6}},
		{Falco, `evt.type != read`, []int{1, 3, 4, 5, 6}},
		{Falco, `evt.type.is.openat = 1`, []int{1, 6}},
		{Falco, `evt.res = EAGAIN`, []int{4}},
		{Falco, `evt.res != SUCCESS`, []int{3, 4, 5}},
		{Falco, `not evt.res = SUCCESS`, []int{2, 3, 4, 5}},
		{Falco, `evt.res in (EAGAIN, ENOENT)`, []int{4, 5}},
		{Falco, `evt.res = -11`, []int{4}},
		{Falco, `evt.res in (-2, EAGAIN)`, []int{4, 5}},
		{Falco, `evt.res < 0`, []int{3, 4, 5}},
		{Falco, `evt.res startswith E`, []int{3, 4, 5}},
		{Falco, `evt.rawres < 0`, []int{3, 4, 5}},
		{Falco, `evt.count.error = 1`, []int{3, 4, 5}},
		// Strings: glob, pmatch, contains with metacharacters.
		{Falco, `fd.name glob "/etc/*"`, []int{1}},
		{Falco, `fd.name glob "/et?/*"`, []int{1}},
		{Falco, `fd.name glob "*[;]*"`, []int{5}},
		{Falco, `fd.name glob "/tmp/it's*"`, []int{5}},
		{Falco, `fd.name glob "/etc[!/]*"`, []int{6}},
		{Falco, `fd.name iglob "/ETC/*"`, []int{1}},
		{Falco, `fd.name glob "[z-a]*"`, nil},
		{Falco, `fd.name glob "[!z-a]etc*"`, []int{1, 6}},
		{Falco, `fd.name pmatch (/etc)`, []int{1}},
		{Falco, `fd.name pmatch (/et)`, nil},
		{Falco, `fd.name pmatch (/tmp, /etcx)`, []int{5, 6}},
		{Falco, `fd.name pmatch (/)`, []int{1, 3, 4, 5, 6}},
		{Falco, `fd.directory pmatch (/e*)`, []int{1, 6}},
		{Falco, `not fd.name pmatch (/etc)`, []int{2, 3, 4, 5, 6}},
		{Falco, `fd.name contains "it's a \"file\"\\with;--"`, []int{5}},
		{Falco, `fd.name contains "' OR 1=1 --"`, nil},
		{Falco, `fd.name contains '\x00'`, []int{5}},
		{Falco, `fd.name icontains ETC`, []int{1, 6}},
		{Falco, `fd.name startswith /etc/`, []int{1}},
		{Falco, `fd.name endswith passwd`, []int{6}},
		{Falco, `fd.name regex "/etc[a-z]*/.*"`, []int{1, 6}},
		{Falco, `proc.name = "<NA>"`, []int{5}},
		{Falco, `fd.name startswith oneof (/etc, /etcx)`, []int{1}},
		{Falco, `fd.name startswith anyof (/etc, /etcx)`, []int{1, 6}},
		{Falco, `proc.cmdline contains allof (python, socket)`, []int{5}},
		// Ancestors: any element without an index.
		{Falco, `proc.aname = sshd`, []int{1, 3}},
		{Falco, `proc.aname != bash`, []int{1, 3, 4}},
		{Falco, `not proc.aname = bash`, []int{2, 4}},
		{Falco, `proc.aname contains ssh`, []int{1, 3}},
		{Falco, `proc.aname in (containerd, nginx)`, []int{4}},
		{Falco, `proc.aname intersects (sshd, zzz)`, []int{1, 3}},
		{Falco, `proc.aname exists`, []int{1, 3, 4, 5, 6}},
		{Falco, `proc.aname[1] = bash`, []int{1, 3, 5, 6}},
		{Falco, `proc.aname[2] = sshd`, []int{1, 3}},
		{Falco, `proc.aname[0] = curl`, []int{2, 3}},
		{Falco, `proc.apid = 50`, []int{1, 3}},
		{Falco, `proc.apid[1] = 290`, []int{3}},
		// Arguments and maps.
		{Falco, `proc.env[HOME] = /root`, []int{1}},
		{Falco, `proc.env contains TERM`, []int{1}},
		{Falco, `evt.arg.fd contains "<f>"`, []int{1}},
		{Falco, `evt.arg[1] = /etc/hosts`, []int{1}},
		{Falco, `evt.arg.size exists`, []int{2}},
		{Falco, `evt.rawarg.fd >= 4`, []int{2}},
		{Falco, `evt.rawarg.flags = 1`, []int{1}},
		{Falco, `thread.cgroup.cpuacct = /user.slice`, []int{1}},
		{Falco, `evt.latency.s = 0`, []int{1}},
		{Falco, `evt.time.s = 17:35:48`, []int{1}},
		{Falco, `user.uid = 4294967295`, []int{5}},
		// Addresses, ports, networks.
		{Falco, `fd.sip = 10.1.2.3`, []int{3}},
		{Falco, `fd.sip = "2001:0db8:0:0::3"`, []int{4}},
		{Falco, `fd.sip = ::ffff:10.1.2.3`, []int{6}},
		{Falco, `fd.ip = 192.168.0.7`, []int{3}},
		{Falco, `fd.ip != 192.168.0.7`, []int{4}},
		{Falco, `fd.port = 80`, []int{3}},
		{Falco, `fd.port = 40000`, []int{4}},
		{Falco, `fd.port in (1234, 47192)`, []int{3, 4}},
		{Falco, `fd.sport = http`, []int{3}},
		{Falco, `fd.sport in (http, 1234)`, []int{3, 4}},
		{Falco, `fd.snet = 10.0.0.0/8`, []int{3}},
		{Falco, `fd.snet = 10.1.2.3`, []int{3}},
		{Falco, `fd.net = 192.168.0.0/16`, []int{3}},
		{Falco, `fd.net != 127.0.0.0/8`, []int{3, 4}},
		{Falco, `fd.snet in ("10.0.0.0/8", "172.16.0.0/12")`, []int{3}},
		{Falco, `fd.snet = 2001:db8::/32`, []int{4}},
		{Falco, `fd.snet = 2001:db8::/33`, []int{4}},
		{Falco, `fd.snet = 2001:db8:8000::/33`, nil},
		{Falco, `fd.snet = ::ffff:10.0.0.0/104`, []int{6}},
		{Falco, `fd.cnet = ::1/128`, []int{4}},
		// Buffers.
		{Falco, `evt.buffer contains GET`, []int{3, 4}},
		{Falco, `evt.buffer bcontains 474554`, []int{3, 4}},
		{Falco, `evt.buffer bcontains 0474`, nil},
		{Falco, `evt.buffer startswith GET`, []int{3}},
		{Falco, `evt.buffer bstartswith 0047`, []int{4}},
		{Falco, `evt.buffer endswith html`, []int{3}},
		// Transformers and field comparison.
		{Falco, `tolower(proc.name) = python3`, []int{6}},
		{Falco, `toupper(proc.name) contains PYTHON`, []int{6}},
		{Falco, `len(proc.name) = 4`, []int{2, 3, 5}},
		{Falco, `basename(proc.exepath) = cat`, []int{1}},
		{Falco, `proc.name = val(proc.pname)`, []int{3}},
		{Falco, `proc.name != val(proc.pname)`, []int{1}},
		{Falco, `concat(proc.name, "-", user.name) = curl-alice`, []int{3}},
		{Falco, `b64(user.shell) = /bin/bash`, []int{2}},
		{Falco, `b64(proc.name) exists`, nil},
		// Precedence.
		{Falco, `evt.type = openat or evt.type = read and proc.name = curl`, []int{1, 2, 6}},
		{Falco, `not evt.type = openat and fd.name exists`, []int{3, 4, 5}},

		// Wireshark.
		{Wireshark, `fd.name == "/etc/hosts"`, []int{1}},
		{Wireshark, `!(fd.name == "/etc/hosts")`, []int{2, 3, 4, 5, 6}},
		{Wireshark, `fd.name != "/etc/hosts"`, []int{3, 4, 5, 6}},
		{Wireshark, `fd.name`, []int{1, 3, 4, 5, 6}},
		{Wireshark, `evt.failed`, []int{1, 2, 3, 4, 5, 6}},
		{Wireshark, `evt.failed == True`, []int{3, 4, 5}},
		{Wireshark, `evt.failed == 1`, []int{3, 4, 5}},
		{Wireshark, `evt.type == "openat" xor fd.name == "/etc/hosts"`, []int{6}},
		{Wireshark, `fd.sport in {80, 1000..2000}`, []int{3, 4}},
		{Wireshark, `fd.sport in {80 1234}`, []int{3, 4}},
		{Wireshark, `evt.type not in {"read", "open"}`, []int{1, 3, 4, 6}},
		{Wireshark, `fd.name matches "HOSTS$"`, []int{1}},
		{Wireshark, `fd.name matches "(?-i)HOSTS$"`, nil},
		{Wireshark, `proc.cmdline matches r"\d{4}"`, []int{6}},
		{Wireshark, `fd.sip.v4 == 10.1.2.3`, []int{3}},
		{Wireshark, `fd.sip.v4 == 10.0.0.0/8`, []int{3}},
		{Wireshark, `fd.sip.v6 == 2001:db8::3`, []int{4}},
		{Wireshark, `fd.sip.v6`, []int{4, 6}},
		{Wireshark, `fd.cip.v4`, []int{3}},
		{Wireshark, `proc.aname.2 == "sshd"`, []int{1, 3}},
		{Wireshark, `evt.arg.0 contains "etc"`, []int{1}},
		{Wireshark, `lower(proc.name) == "python3"`, []int{6}},
		{Wireshark, `len(fd.name) > 20`, []int{3, 4, 5}},
		{Wireshark, `count(fd.name) == 1`, []int{1, 3, 4, 5, 6}},
		{Wireshark, `string(fd.sport) == "80"`, []int{3}},
		{Wireshark, `abs(evt.rawres) == 11`, []int{4}},
		{Wireshark, `-evt.rawres == 2`, []int{5}},
		{Wireshark, `evt.rawres + 1 == 4`, []int{1}},
		{Wireshark, `evt.latency > 1000 * 1`, []int{1}},
		{Wireshark, `fd.name[0:5] == "/etc/"`, []int{1}},
		{Wireshark, `fd.name[0] == "/"`, []int{1, 5, 6}},
		{Wireshark, `fd.name[-6:] == "passwd"`, []int{6}},
		{Wireshark, `fd.name[1-3] == "etc"`, []int{1, 6}},
		{Wireshark, `fd.name[0:40] != "x"`, nil},
		{Wireshark, `0 > evt.rawres`, []int{3, 4, 5}},
		{Wireshark, `1 <= evt.rawres < 5`, []int{1}},
		{Wireshark, `evt.buffer contains 47:45:54`, []int{3, 4}},
		{Wireshark, `evt.buffer contains "GET"`, []int{3, 4}},
		{Wireshark, `proc.name == proc.pname`, []int{3}},
		{Wireshark, `fd.typechar == "4" || fd.typechar == "6"`, []int{3, 4}},
		{Wireshark, `evt.res == "EAGAIN"`, []int{4}},
		{Wireshark, `user.uid in {0 33}`, []int{1, 4, 6}},
		{Wireshark, `evt.category == "ipc"`, []int{4}},
		{Wireshark, `lower(evt.category) == "ipc"`, []int{2, 4}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.d, tt.filter), func(t *testing.T) {
			sql, err := Translate(tt.filter, Options{Dialect: tt.d})
			if err != nil {
				t.Fatalf("translate: %v", err)
			}
			got := matches(t, sql)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("matched %v, want %v\nSQL: %s", got, tt.want, sql)
			}
		})
	}
}
