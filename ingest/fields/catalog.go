package fields

import _ "embed"

// CatalogTSV is the field catalogue: every field the reference documents (sysdig -l), as
// tab-separated name, type, class and description, with a header row. It is the one copy the
// filter checker, the columnar schema and `scapql fields` read.
//
//go:embed catalog.tsv
var CatalogTSV string

// SchemaMembers are the members of the events table's struct columns that docs/schema.md
// promises, by struct: the field class.a.b is the member a_b of struct class. The columnar
// schema always has them (NULL where a field is not extracted yet) and the filter checker
// writes SQL against them — one list for both.
var SchemaMembers = map[string][]string{
	"evt": {"num", "time", "datetime", "rawtime", "reltime", "cpu", "dir", "type", "category", "args",
		"res", "rawres", "failed", "latency", "is_io", "is_io_read", "is_io_write", "io_dir",
		"is_wait", "buflen", "buffer", "abspath", "is_open_read", "is_open_write", "is_open_exec",
		"wait_latency", "is_syslog", "pluginname", "plugininfo"},
	"syscall": {"type"},
	"thread": {"tid", "vtid", "ismain", "cgroups", "pfmajor", "pfminor", "vmsize", "vmrss",
		"cap_permitted", "cap_inheritable", "cap_effective"},
	"proc": {"pid", "ppid", "vpid", "name", "exe", "exepath", "cmdline", "exeline", "args", "cwd", "env",
		"pname", "pcmdline", "sid", "sname", "vpgid", "tty", "loginshellid", "duration", "fdopencount",
		"fdlimit", "vmsize", "vmrss", "vmswap", "nthreads", "nchilds", "is_exe_writable",
		"is_exe_upper_layer", "is_exe_from_memfd", "is_sid_leader", "is_vpgid_leader", "pexe"},
	"fd": {"num", "type", "typechar", "name", "directory", "filename", "cip", "sip", "lip", "rip",
		"cport", "sport", "lport", "rport", "l4proto", "sockfamily", "is_server", "connected", "dev",
		"dev_major", "dev_minor", "uid", "containername", "containerdirectory", "cproto", "sproto",
		"lproto", "rproto", "name_changed", "nameraw", "cip_name", "sip_name", "lip_name", "rip_name",
		"pair_cip", "pair_sip", "pair_cport", "pair_sport"},
	"user":  {"uid", "name", "homedir", "shell", "loginuid", "loginname"},
	"group": {"gid", "name"},
	"container": {"id", "name", "image", "image_id", "type", "privileged", "image_repository", "image_tag", "image_digest",
		"mounts"},
	"k8s": {"pod_name", "ns_name", "pod_id", "pod_uid"},
}
