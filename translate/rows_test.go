package translate

// rows are hand-made events covering absent fields, sockets of both families, lists of
// ancestors, arguments and hostile strings.
var rows = []row{
	{ // 1: open exit on a file
		"evt.num": "1", "evt.type": "'openat'", "evt.dir": "'<'", "evt.category": "'file'",
		"evt.res": "'SUCCESS'", "evt.rawres": "3", "evt.failed": "false", "evt.latency": "1500",
		"evt.datetime": "'2018-08-17 17:35:48.514632619'", "evt.rawtime": "1534527348514632619",
		"evt.is_open_read": "true",
		"evt.arg":          "MAP {'fd': '3(<f>/etc/hosts)', 'name': '/etc/hosts', 'flags': '1(O_RDONLY)'}",
		"evt.arglist":      "['3(<f>/etc/hosts)', '/etc/hosts', '1(O_RDONLY)']",
		"evt.rawarg":       "MAP {'fd': '3', 'name': '/etc/hosts', 'flags': '1'}",
		"fd.num":           "3", "fd.type": "'file'", "fd.typechar": "'f'", "fd.name": "'/etc/hosts'",
		"fd.directory": "'/etc'", "fd.filename": "'hosts'",
		"proc.name": "'cat'", "proc.pid": "100", "proc.exepath": "'/usr/bin/cat'", "proc.cmdline": "'cat /etc/hosts'",
		"proc.pname": "'bash'", "proc.anames": "['bash', 'sshd', 'systemd']", "proc.apids": "[90, 50, 1]",
		"proc.env": "'HOME=/root TERM=xterm'", "proc.envmap": "MAP {'HOME': '/root', 'TERM': 'xterm'}",
		"thread.cgroups": "'cpuset=/ cpu=/user.slice cpuacct=/user.slice'", "thread.tid": "100",
		"user.uid": "0", "user.name": "'root'", "group.gid": "0", "group.name": "'root'",
		"container.id": "'host'",
	},
	{ // 2: read enter: no fd resolved, no result, no ancestors
		"evt.num": "2", "evt.type": "'read'", "evt.dir": "'>'", "evt.category": "'IPC'", "evt.failed": "false",
		"proc.name": "'curl'", "proc.pid": "200", "proc.anames": "[]", "proc.apids": "[]",
		"evt.arg": "MAP {'fd': '4', 'size': '100'}", "evt.arglist": "['4', '100']", "evt.rawarg": "MAP {'fd': '4', 'size': '100'}",
		"user.uid": "1000", "user.shell": "'L2Jpbi9iYXNo'", "container.id": "'host'",
	},
	{ // 3: connect exit on an IPv4 socket
		"evt.num": "3", "evt.type": "'connect'", "evt.dir": "'<'", "evt.category": "'net'",
		"evt.res": "'EINPROGRESS'", "evt.rawres": "-115", "evt.failed": "true",
		"evt.buffer": "'GET /index.html'::BLOB", "evt.buflen": "15",
		"fd.num": "4", "fd.type": "'ipv4'", "fd.typechar": "'4'", "fd.name": "'192.168.0.7:47192->10.1.2.3:80'",
		"fd.cip": "'192.168.0.7'", "fd.sip": "'10.1.2.3'", "fd.cport": "47192", "fd.sport": "80",
		"fd.l4proto": "'tcp'", "fd.sproto": "'http'", "fd.cproto": "''",
		"proc.name": "'curl'", "proc.pname": "'curl'", "proc.pid": "300", "proc.anames": "['bash', 'sshd']", "proc.apids": "[290, 50]",
		"user.uid": "1000", "user.name": "'alice'", "container.id": "'59fd49aa4072'",
	},
	{ // 4: recvfrom exit on an IPv6 socket, failed with EAGAIN
		"evt.num": "4", "evt.type": "'recvfrom'", "evt.dir": "'<'", "evt.category": "'ipc'",
		"evt.res": "'EAGAIN'", "evt.rawres": "-11", "evt.failed": "true",
		"evt.buffer": "'\\x00\\x47ET\\xFF'::BLOB",
		"fd.num":     "5", "fd.type": "'ipv6'", "fd.typechar": "'6'", "fd.name": "'::1:40000->2001:db8::3:1234'",
		"fd.cip": "'::1'", "fd.sip": "'2001:db8::3'", "fd.cport": "40000", "fd.sport": "1234", "fd.l4proto": "'udp'",
		"proc.name": "'test_ipv6_clien'", "proc.pid": "400", "proc.anames": "['containerd', 'systemd']",
		"proc.apids": "[10, 1]", "user.uid": "0", "user.name": "'root'",
	},
	{ // 5: a file whose name is full of SQL and filter metacharacters; process name unknown
		"evt.num": "5", "evt.type": "'open'", "evt.dir": "'<'", "evt.res": "'ENOENT'", "evt.rawres": "-2",
		"evt.failed": "true",
		"fd.num":     "-1", "fd.typechar": "'f'", "fd.name": `'/tmp/it''s a "file"\with;--' || chr(0) || 'x'`,
		"fd.directory": "'/tmp'",
		"proc.name":    "'<NA>'", "proc.cmdline": "'python -c ''import socket'''", "proc.anames": "['bash']",
		"user.uid": "4294967295",
	},
	{ // 6: a path that only looks like /etc; an IPv4-mapped address
		"evt.num": "6", "evt.type": "'openat'", "evt.dir": "'<'", "evt.res": "'SUCCESS'", "evt.rawres": "7",
		"evt.failed": "false",
		"fd.num":     "7", "fd.typechar": "'f'", "fd.name": "'/etcx/passwd'", "fd.directory": "'/etcx'",
		"fd.sip":    "'::ffff:10.1.2.3'",
		"proc.name": "'Python3'", "proc.cmdline": "'Python3 -m http.server 8080'", "proc.anames": "['bash']",
		"proc.exepath": "'/usr/local/bin/python3'", "user.uid": "33", "user.name": "'www-data'",
	},
}
