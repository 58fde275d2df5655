#!/usr/bin/env bash
# Regenerates the golden outputs from the reference (sysdig 0.29.3). Needs sysdig on PATH;
# tests and CI only read the files this writes.
set -euo pipefail
cd "$(dirname "$0")"
caps=../captures
export TZ=UTC
SEP=$'\x1f'
core="evt.num evt.rawtime evt.cpu evt.dir evt.type evt.category evt.res evt.rawres evt.failed evt.latency evt.is_io evt.buflen thread.tid proc.pid proc.ppid proc.vpid proc.name proc.exe proc.exepath proc.cmdline proc.args proc.cwd proc.pname proc.aname[2] user.uid user.name group.gid fd.num fd.type fd.typechar fd.name fd.directory fd.filename fd.sip fd.cip fd.sport fd.cport fd.l4proto container.id evt.args"
extra="evt.num evt.time evt.datetime evt.outputtime evt.info evt.rawtime.s evt.rawtime.ns evt.reltime evt.latency.s evt.latency.ns evt.latency.human evt.is_io_read evt.is_io_write evt.io_dir evt.is_wait evt.is_syslog evt.count evt.count.error evt.count.exit evt.abspath evt.is_open_read evt.is_open_write evt.is_open_exec proc.exeline proc.env proc.nthreads proc.nchilds proc.pcmdline proc.apid[1] proc.aname[1] proc.aname[3] proc.aname proc.loginshellid proc.duration proc.fdopencount proc.fdlimit proc.vmsize proc.vmrss proc.vmswap thread.pfmajor thread.pfminor thread.ismain thread.cgroups thread.vtid proc.sid proc.sname proc.tty proc.vpgid proc.is_exe_writable user.homedir user.shell user.loginuid user.loginname group.name container.name container.image container.type container.privileged fd.lip fd.rip fd.lport fd.rport fd.sockfamily fd.is_server fd.connected fd.dev fd.cproto fd.sproto fd.lproto fd.rproto evt.buffer"
fmt() { local f out="*"; for f in $1; do out+="%$f$SEP"; done; printf '%s' "${out%$SEP}"; }
for path in "$caps"/*.scap; do
  name=$(basename "$path" .scap)
  if ! sysdig -r "$path" -c /dev/null >/dev/null 2>&1 && ! sysdig -r "$path" >/dev/null 2>&1; then
    echo "$name: rejected by the reference, no golden"; continue
  fi
  sysdig -r "$path" > "$name.default.txt"
  sysdig -D -r "$path" > "$name.all.txt"
  sysdig -r "$path" -j > "$name.json.txt"
  sysdig -r "$path" -j -p "%proc.name %evt.num %fd.name %evt.res %evt.failed" > "$name.jsonp.txt"
  sysdig -r "$path" -p "$(fmt "$core")" > "$name.core.tsv"
  sysdig -r "$path" -p "$(fmt "$extra")" > "$name.extra.tsv"
  echo "$name: $(wc -l < "$name.default.txt") lines"
done
