#!/bin/sh
# Regenerates syscall_rules.expected with sysdig 0.29.3: for each rule of syscall_rules.yaml,
# the condition written out (macros, lists, append, override and exceptions expanded as Falco
# expands them) and the alert line as Falco formats it ("*%evt.time: Priority " + output,
# %container.info replaced), one "RULE<TAB>LINE" per matching event.
set -e
cd "$(dirname "$0")"
cap=../captures/curl_google.scap
export TZ=UTC
run() { # rule, format, condition
	sysdig -r "$cap" -p "$2" "$3" | sed "s/^/$1	/"
}
{
run 'Name service file read' '*%evt.time: Notice Name service file read (file=%fd.name process=%proc.name command=%proc.cmdline evt=%evt.num)' \
	"((evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0) and fd.name in (/etc/nsswitch.conf, /etc/host.conf, /etc/resolv.conf, /etc/hosts)) and not ((proc.name = curl and fd.name = /etc/hosts))"
run 'Kerberos library loaded' '*%evt.time: Debug Library opened (file=%fd.name fd=%fd.num pid=%proc.pid)' \
	"(evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0) and fd.name startswith /usr/lib and fd.name contains krb5"
run 'Outbound connection' '*%evt.time: Warning Outbound connection (connection=%fd.name result=%evt.res user=%user.name container_id=%container.id container_name=%container.name)' \
	"evt.type=connect and evt.dir=< and fd.typechar in (4,6) and fd.sport=80"
run 'Failed open' '*%evt.time: Error Failed open (file=%fd.name error=%evt.res tty=%proc.tty)' \
	"evt.type=open and evt.dir=< and evt.failed=true"
} > syscall_rules.expected
