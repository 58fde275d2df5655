// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Syscall capture probes.
 *
 * Every syscall enter and exit becomes one record in a ring buffer: a fixed
 * header (time, thread, syscall number, the six arguments, the return value)
 * followed by data chunks. Which chunks a syscall gets is not decided here:
 * user space fills the plans map (per syscall and direction: read this
 * argument as a string, that one as a buffer of N bytes, this fd's socket
 * ends, ...), so the probes stay generic and the event encodings live in Go.
 * Process exits come from sched_process_exit; new processes and execs are
 * the clone and execve exits (also in the child), which carry the task's
 * ids, so sched_process_fork/exec are not needed. Records that do not fit in
 * the ring buffer are counted per CPU in the drops map. */
#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_OPS 4
#define MAX_SYSCALLS 512
#define SCRATCH_SIZE 32768
#define OFF_MASK 16383 /* chunks start below this offset */
#define MAX_CHUNK 8192 /* and hold at most this many bytes */
#define MAX_STR 4096
#define MAX_IOV 4
#define WAKEUP_BYTES (1 << 20)

/* Record kinds. */
enum { REC_ENTER = 0, REC_EXIT = 1, REC_PROCEXIT = 2 };

/* Plan operations: how one argument becomes a chunk. */
enum {
	OP_NONE = 0,
	OP_STR = 1,          /* user string at args[arg] */
	OP_BUF_LENARG = 2,   /* user bytes at args[arg], args[len] of them */
	OP_BUF_RET = 3,      /* user bytes at args[arg], ret of them */
	OP_SOCKADDR = 4,     /* user sockaddr at args[arg], args[len] bytes */
	OP_SOCKADDR_PLEN = 5,/* user sockaddr at args[arg], *args[len] bytes */
	OP_SOCK = 6,         /* the socket behind fd args[arg] (ARG_RET: ret) */
	OP_FDPAIR = 7,       /* two ints at args[arg] (pipe, socketpair) */
	OP_TASK = 8,         /* the current task: ids, creds, limits, args, env */
	OP_FILE = 9,         /* dev and inode of fd args[arg] (ARG_RET: ret) */
	OP_IOV = 10,         /* iovec array at args[arg], args[len] entries */
	OP_MSGHDR = 11,      /* msghdr at args[arg]: its iovecs and name */
};

#define ARG_RET 0xff

/* Chunk tags, what user space finds in a record. */
enum {
	CH_STR = 1, CH_BUF = 2, CH_SOCKADDR = 3, CH_SOCK = 4, CH_FDPAIR = 5,
	CH_TASK = 6, CH_ARGS = 7, CH_ENV = 8, CH_FILE = 9, CH_IOVLEN = 10,
};

struct op { __u8 how, arg, len; };
struct plan { struct op enter[MAX_OPS]; struct op exit[MAX_OPS]; __u8 enabled, pad; };

struct rec {
	__u64 ts;
	__u64 args[6];
	__s64 ret;
	__u32 tid;
	__u32 pid;
	__u32 nr;
	__u16 kind;
	__u16 cpu;
	__u32 len;
	__u32 pad;
};

struct chunk { __u16 len; __u8 tag; __u8 arg; };

struct sockinfo {
	__u16 family, type, proto, lport, rport, pad;
	__u8 laddr[16], raddr[16];
	__u64 sk, peer;
	char path[108];
	__u32 pad2;
};

struct taskinfo {
	__u32 tid, pid, ptid, uid, gid, euid, loginuid, pgid, sid, vtid, vpid, flags;
	__u64 fdlimit, maj_flt, min_flt, total_vm;
	char comm[16];
};

struct fileinfo { __u64 ino; __u32 dev, flags; };

/* Set by user space before loading. */
const volatile __u32 self_tgid = 0;
const volatile __u32 snaplen = 80;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct plan);
} plans SEC(".maps");

/* Index 0: records lost because the ring buffer was full; 1: records sent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct scratch { __u8 b[SCRATCH_SIZE]; };
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

/* at returns a pointer into the scratch buffer at off, masked in the
 * register itself (clang drops a C mask it proves redundant; the verifier
 * still needs to see it). */
static __always_inline void *at(struct scratch *s, __u64 off)
{
	asm volatile("%[o] &= 0x3fff" : [o] "+r"(off));
	return &s->b[off];
}

/* Chunk writing: off always stays below OFF_MASK+1 and a chunk below
 * MAX_CHUNK, which is what lets the verifier accept variable offsets. */
static __always_inline __u32 put_hdr(struct scratch *s, __u32 off, __u8 tag, __u8 arg, __u32 n)
{
	struct chunk *c = at(s, off);
	c->len = n;
	c->tag = tag;
	c->arg = arg;
	return (off + sizeof(*c) + n);
}

static __always_inline __u32 put_user_str(struct scratch *s, __u32 off, __u8 tag, __u8 arg, const void *p)
{
	if (off > OFF_MASK)
		return off;
	long n = bpf_probe_read_user_str(at(s, off + sizeof(struct chunk)), MAX_STR, p);
	if (n < 0)
		n = 0;
	return put_hdr(s, off, tag, arg, n);
}

static __always_inline __u32 put_user_buf(struct scratch *s, __u32 off, __u8 tag, __u8 arg, const void *p, __u64 n)
{
	if (off > OFF_MASK)
		return off;
	if (n > MAX_CHUNK - 1)
		n = MAX_CHUNK - 1;
	if (n > 0 && bpf_probe_read_user(at(s, off + sizeof(struct chunk)), n & (MAX_CHUNK - 1), p) < 0)
		n = 0;
	return put_hdr(s, off, tag, arg, n);
}

static __always_inline struct file *fd_file(__s64 fd)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#define S_IFMT 00170000
#define S_IFSOCK 0140000

static __always_inline __u32 put_sock(struct scratch *s, __u32 off, __u8 arg, __s64 fd)
{
	if (off > OFF_MASK)
		return off;
	struct sockinfo *si = at(s, off + sizeof(struct chunk));
	__builtin_memset(si, 0, sizeof(*si));
	struct file *f = fd_file(fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return put_hdr(s, off, CH_SOCK, arg, 0);
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return put_hdr(s, off, CH_SOCK, arg, 0);
	si->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	si->type = BPF_CORE_READ(sk, sk_type);
	si->proto = BPF_CORE_READ(sk, sk_protocol);
	si->sk = (__u64)sk;
	if (si->family == 2 || si->family == 10) {
		si->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		si->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (si->family == 2) {
			BPF_CORE_READ_INTO(&si->laddr, sk, __sk_common.skc_rcv_saddr);
			BPF_CORE_READ_INTO(&si->raddr, sk, __sk_common.skc_daddr);
		} else {
			BPF_CORE_READ_INTO(&si->laddr, sk, __sk_common.skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO(&si->raddr, sk, __sk_common.skc_v6_daddr);
		}
	} else if (si->family == 1) {
		struct unix_sock *us = (void *)sk;
		struct sock *peer = BPF_CORE_READ(us, peer);
		si->peer = (__u64)peer;
		struct unix_address *addr = BPF_CORE_READ(us, addr);
		if (!addr && peer)
			addr = BPF_CORE_READ((struct unix_sock *)peer, addr);
		if (addr)
			bpf_probe_read_kernel_str(si->path, sizeof(si->path), &addr->name[0].sun_path);
	}
	return put_hdr(s, off, CH_SOCK, arg, sizeof(*si));
}

static __always_inline __u32 put_file(struct scratch *s, __u32 off, __u8 arg, __s64 fd)
{
	if (off > OFF_MASK)
		return off;
	struct fileinfo *fi = at(s, off + sizeof(struct chunk));
	__builtin_memset(fi, 0, sizeof(*fi));
	struct file *f = fd_file(fd);
	if (f) {
		fi->ino = BPF_CORE_READ(f, f_inode, i_ino);
		fi->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		fi->flags = BPF_CORE_READ(f, f_flags);
	}
	return put_hdr(s, off, CH_FILE, arg, sizeof(*fi));
}

static __always_inline __u32 put_task(struct scratch *s, __u32 off, bool with_env)
{
	if (off > OFF_MASK)
		return off;
	struct task_struct *t = (void *)bpf_get_current_task();
	struct taskinfo *ti = at(s, off + sizeof(struct chunk));
	__builtin_memset(ti, 0, sizeof(*ti));
	ti->tid = BPF_CORE_READ(t, pid);
	ti->pid = BPF_CORE_READ(t, tgid);
	ti->ptid = BPF_CORE_READ(t, real_parent, tgid);
	ti->uid = BPF_CORE_READ(t, cred, uid.val);
	ti->gid = BPF_CORE_READ(t, cred, gid.val);
	ti->euid = BPF_CORE_READ(t, cred, euid.val);
	ti->loginuid = 0xffffffff;
	if (bpf_core_field_exists(t->loginuid))
		ti->loginuid = BPF_CORE_READ(t, loginuid.val);
	ti->pgid = BPF_CORE_READ(t, signal, pids[2], numbers[0].nr);
	ti->sid = BPF_CORE_READ(t, signal, pids[3], numbers[0].nr);
	ti->flags = BPF_CORE_READ(t, flags);
	ti->fdlimit = BPF_CORE_READ(t, signal, rlim[7].rlim_cur);
	ti->maj_flt = BPF_CORE_READ(t, maj_flt);
	ti->min_flt = BPF_CORE_READ(t, min_flt);
	ti->total_vm = BPF_CORE_READ(t, mm, total_vm);
	BPF_CORE_READ_STR_INTO(&ti->comm, t, comm);
	off = put_hdr(s, off, CH_TASK, 0, sizeof(*ti));

	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	if (!mm)
		return off;
	unsigned long a = BPF_CORE_READ(mm, arg_start), b = BPF_CORE_READ(mm, arg_end);
	if (b > a)
		off = put_user_buf(s, off, CH_ARGS, 0, (void *)a, b - a > MAX_STR ? MAX_STR : b - a);
	if (with_env) {
		a = BPF_CORE_READ(mm, env_start);
		b = BPF_CORE_READ(mm, env_end);
		if (b > a)
			off = put_user_buf(s, off, CH_ENV, 0, (void *)a, b - a > MAX_STR ? MAX_STR : b - a);
	}
	return off;
}

/* put_iov copies up to limit bytes from an iovec array and records the sum
 * of the iovec lengths (the size the caller asked for). */
static __always_inline __u32 put_iov(struct scratch *s, __u32 off, __u8 arg, const struct iovec *iov, __u64 cnt, __u64 limit)
{
	if (off > OFF_MASK)
		return off;
	__u64 total = 0;
	__u32 start = off;
	__u32 n = 0;
	off += sizeof(struct chunk);
	if (cnt > MAX_IOV)
		cnt = MAX_IOV;
	for (int i = 0; i < MAX_IOV; i++) {
		if (i >= cnt)
			break;
		struct iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]) < 0)
			break;
		total += v.iov_len;
		__u64 want = v.iov_len;
		if (n + want > limit)
			want = limit > n ? limit - n : 0;
		if (want > 1024)
			want = 1024;
		if (want > 0 && off <= OFF_MASK) {
			if (bpf_probe_read_user(at(s, off), want & 2047, v.iov_base) == 0) {
				off += want;
				n += want;
			}
		}
	}
	put_hdr(s, start, CH_BUF, arg, n);
	if (off > OFF_MASK)
		return off;
	__u64 *tp = at(s, off + sizeof(struct chunk));
	*tp = total;
	return put_hdr(s, off, CH_IOVLEN, arg, sizeof(__u64));
}

struct user_msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	__u64 msg_iovlen;
	void *msg_control;
	__u64 msg_controllen;
	unsigned int msg_flags;
};

/* run_op is a global function so the verifier checks it once, not once per
 * plan step of every program. */
__noinline int run_op(struct scratch *s, __u32 off, __u32 how, __u32 arg, __u32 len)
{
	if (!s)
		return off;
	struct rec *r = (void *)s->b;
	struct op op = { .how = how, .arg = arg, .len = len }, *o = &op;
	__u8 a = o->arg < 6 ? o->arg : 0;
	__u8 l = o->len < 6 ? o->len : 0;
	void *p = (void *)r->args[a];
	__u64 snap = snaplen;
	switch (o->how) {
	case OP_STR:
		return put_user_str(s, off, CH_STR, a, p);
	case OP_BUF_LENARG: {
		__u64 n = r->args[l];
		return put_user_buf(s, off, CH_BUF, a, p, n < snap ? n : snap);
	}
	case OP_BUF_RET: {
		__u64 n = r->ret > 0 ? r->ret : 0;
		return put_user_buf(s, off, CH_BUF, a, p, n < snap ? n : snap);
	}
	case OP_SOCKADDR: {
		__u64 n = r->args[l];
		if (!p)
			n = 0;
		return put_user_buf(s, off, CH_SOCKADDR, a, p, n < 128 ? n : 128);
	}
	case OP_SOCKADDR_PLEN: {
		__u32 n = 0;
		if (r->args[l])
			bpf_probe_read_user(&n, sizeof(n), (void *)r->args[l]);
		if (!p)
			n = 0;
		return put_user_buf(s, off, CH_SOCKADDR, a, p, n < 128 ? n : 128);
	}
	case OP_SOCK:
		return put_sock(s, off, o->arg, o->arg == ARG_RET ? r->ret : (__s64)r->args[a]);
	case OP_FILE:
		return put_file(s, off, o->arg, o->arg == ARG_RET ? r->ret : (__s64)r->args[a]);
	case OP_FDPAIR:
		return put_user_buf(s, off, CH_FDPAIR, a, p, 8);
	case OP_TASK:
		return put_task(s, off, o->arg != 0);
	case OP_IOV: {
		__u64 lim = snap;
		if (r->kind == REC_EXIT && (__u64)(r->ret > 0 ? r->ret : 0) < lim)
			lim = r->ret > 0 ? r->ret : 0;
		return put_iov(s, off, a, p, r->args[l], lim);
	}
	case OP_MSGHDR: {
		struct user_msghdr m = {};
		if (!p || bpf_probe_read_user(&m, sizeof(m), p) < 0)
			return off;
		__u64 lim = snap;
		if (r->kind == REC_EXIT && (__u64)(r->ret > 0 ? r->ret : 0) < lim)
			lim = r->ret > 0 ? r->ret : 0;
		off = put_iov(s, off, a, m.msg_iov, m.msg_iovlen, lim);
		__u64 n = m.msg_name ? (__u32)m.msg_namelen : 0;
		return put_user_buf(s, off, CH_SOCKADDR, a, m.msg_name, n < 128 ? n : 128);
	}
	}
	return off;
}

static __always_inline int emit(struct rec *r, struct op *ops, struct scratch *s)
{
	__u32 off = sizeof(struct rec);
	if (ops) {
		for (int i = 0; i < MAX_OPS; i++) {
			if (ops[i].how == OP_NONE)
				break;
			off = run_op(s, off, ops[i].how, ops[i].arg, ops[i].len);
		}
	}
	if (off > OFF_MASK + MAX_CHUNK)
		off = OFF_MASK + MAX_CHUNK;
	r->len = off;
	/* Mask in the register the helper gets: clang drops a C mask it can
	 * prove redundant, the verifier cannot. */
	__u64 size = off;
	asm volatile("%[n] &= 0x7fff" : [n] "+r"(size));
	/* Wake the reader only once data piles up: a wakeup per record
	 * costs more than the record. The reader also polls on a timer. */
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, s, size, flags) < 0)
		count(0);
	else
		count(1);
	return 0;
}

static __always_inline struct rec *start(struct scratch **sp, __u16 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return 0;
	struct rec *r = (void *)s->b;
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_boot_ns();
	r->tid = (__u32)id;
	r->pid = id >> 32;
	r->kind = kind;
	r->cpu = bpf_get_smp_processor_id();
	*sp = s;
	return r;
}

/* tp_btf programs get the tracepoint's arguments as typed kernel
 * pointers, so the registers are plain loads, not probe reads. */
static __always_inline void read_args(struct rec *r, struct pt_regs *regs)
{
	r->args[0] = regs->di;
	r->args[1] = regs->si;
	r->args[2] = regs->dx;
	r->args[3] = regs->r10;
	r->args[4] = regs->r8;
	r->args[5] = regs->r9;
}

SEC("tp_btf/sys_enter")
int sys_enter(__u64 *ctx)
{
	struct scratch *s;
	struct rec *r = start(&s, REC_ENTER);
	if (!r)
		return 0;
	r->nr = ctx[1];
	__u32 key = r->nr;
	struct plan *pl = bpf_map_lookup_elem(&plans, &key);
	if (!pl || !pl->enabled)
		return 0;
	read_args(r, (struct pt_regs *)ctx[0]);
	return emit(r, pl->enter, s);
}

SEC("tp_btf/sys_exit")
int sys_exit(__u64 *ctx)
{
	struct scratch *s;
	struct rec *r = start(&s, REC_EXIT);
	if (!r)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	r->nr = regs->orig_ax;
	r->ret = ctx[1];
	__u32 key = r->nr;
	struct plan *pl = bpf_map_lookup_elem(&plans, &key);
	if (!pl || !pl->enabled)
		return 0;
	read_args(r, regs);
	return emit(r, pl->exit, s);
}

SEC("raw_tracepoint/sched_process_exit")
int sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct scratch *s;
	struct rec *r = start(&s, REC_PROCEXIT);
	if (!r)
		return 0;
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	r->ret = BPF_CORE_READ(t, exit_code);
	return emit(r, 0, s);
}
