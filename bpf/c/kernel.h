/* The kernel types the probes read, reduced to the members they use.
 *
 * CO-RE relocates every access by member name against the running kernel's
 * BTF, so these need neither the real layout nor every member; keeping them
 * here (instead of a 100k-line dump of one kernel's BTF) makes the build
 * independent of the machine that runs go generate. */
#pragma once

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
typedef __u32 dev_t;
typedef unsigned short umode_t;

enum bpf_map_type {
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};

#define BPF_ANY 0
#define BPF_RB_NO_WAKEUP 1
#define BPF_RB_FORCE_WAKEUP 2
#define BPF_RB_AVAIL_DATA 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r10, r9, r8, ax, dx, si, di, orig_ax;
};

typedef struct { int val; } atomic_t;
typedef struct { unsigned int val; } kuid_t;
typedef struct { unsigned int val; } kgid_t;

struct rlimit { unsigned long rlim_cur; unsigned long rlim_max; };

struct upid { int nr; };
struct pid { unsigned int level; struct upid numbers[1]; };

struct signal_struct {
	struct rlimit rlim[16];
	struct pid *pids[4];
};

struct cred { kuid_t uid; kgid_t gid; kuid_t euid; kgid_t egid; };

struct mm_struct {
	unsigned long arg_start, arg_end, env_start, env_end;
	unsigned long total_vm;
};

struct super_block { dev_t s_dev; };
struct inode { umode_t i_mode; unsigned long i_ino; struct super_block *i_sb; };

struct qstr { const unsigned char *name; };
struct dentry { struct qstr d_name; struct dentry *d_parent; };

struct file { struct inode *f_inode; void *private_data; unsigned int f_flags; };

struct fdtable { unsigned int max_fds; struct file **fd; };
struct files_struct { struct fdtable *fdt; };

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	int exit_code;
	unsigned long maj_flt, min_flt;
	char comm[16];
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct mm_struct *mm;
	struct files_struct *files;
	struct signal_struct *signal;
	const struct cred *cred;
	kuid_t loginuid;
	struct pid *thread_pid;
};

struct in6_addr { __u8 s6_addr[16]; };

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock { struct sock_common __sk_common; __u16 sk_type; __u16 sk_protocol; };

struct socket { short type; struct sock *sk; };

struct sockaddr_un { unsigned short sun_family; char sun_path[108]; };
struct unix_address { int len; struct sockaddr_un name[0]; };
struct unix_sock { struct sock sk; struct unix_address *addr; struct sock *peer; };

struct iovec { void *iov_base; unsigned long iov_len; };

#pragma clang attribute pop

struct bpf_raw_tracepoint_args { __u64 args[0]; };
