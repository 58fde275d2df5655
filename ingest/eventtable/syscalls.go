package eventtable

// Categories of syscalls that have no event of their own and arrive as generic events: the
// reference reports these per syscall (evt.category of a generic mprotect is "memory").
var genericCategory = map[string]Category{}

func init() {
	groups := map[Category]string{
		EC_OTHER: "<unknown> ptrace vhangup rt_tgsigqueueinfo perf_event_open clock_adjtime bdflush",
		EC_SYSTEM: "restart_syscall sethostname reboot syslog uname swapoff sysinfo setdomainname adjtimex " +
			"init_module delete_module quotactl sysfs kexec_load add_key request_key keyctl olduname",
		EC_PROCESS: "exit getpid acct setpgid umask getppid getpgrp setsid setrlimit getrusage uselib swapon " +
			"getpriority setpriority getpgid personality getsid sched_setparam sched_getparam sched_setscheduler " +
			"sched_getscheduler sched_get_priority_max sched_get_priority_min sched_rr_get_interval prctl capget " +
			"capset getrlimit pivot_root gettid sched_setaffinity sched_getaffinity set_thread_area get_thread_area " +
			"set_tid_address ioprio_set ioprio_get unshare set_robust_list get_robust_list getcpu prlimit64 setns " +
			"ugetrlimit nice arch_prctl",
		EC_TIME: "time alarm utime times gettimeofday settimeofday setitimer getitimer timer_create timer_settime " +
			"timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime clock_getres timerfd_create " +
			"timerfd_settime timerfd_gettime stime",
		EC_FILE: "open close creat link unlink chdir mknod chmod stat lseek mount fstat access rename mkdir rmdir " +
			"ustat symlink lstat readlink mmap munmap truncate ftruncate fchmod statfs fstatfs fchdir getdents " +
			"flock mremap getcwd sendfile lchown fchown chown setxattr lsetxattr fsetxattr getxattr lgetxattr " +
			"fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr remap_file_pages " +
			"utimes openat mkdirat mknodat fchownat futimesat unlinkat renameat linkat symlinkat readlinkat " +
			"fchmodat faccessat utimensat syncfs statfs64 fstatfs64 fstatat64 sendfile64 stat64 lstat64 fstat64 " +
			"fcntl64 mmap2 umount llseek pread64 pwrite64 newfstatat umount2 renameat2 faccessat2 statx",
		EC_WAIT:     "pause fcntl wait4 select poll epoll_create epoll_ctl epoll_wait waitid pselect6 ppoll epoll_pwait epoll_create1 newselect waitpid",
		EC_IPC:      "kill pipe chroot futex mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr inotify_init inotify_add_watch inotify_rm_watch splice tee vmsplice eventfd eventfd2 pipe2 inotify_init1 fanotify_init getdents64 semop semget semctl msgsnd msgrcv msgget msgctl shmdt shmget shmctl ipc",
		EC_MEMORY:   "brk mprotect mlock munlock mlockall munlockall mincore madvise",
		EC_SIGNAL:   "rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend tkill tgkill signalfd signalfd4 sigprocmask sgetmask ssetmask sigpending signal sigreturn rt_sigreturn sigaltstack",
		EC_USER:     "getuid getgid geteuid getegid setreuid setregid getgroups setgroups setresuid getresuid setresgid getresgid setuid setgid setfsuid setfsgid",
		EC_SLEEP:    "sched_yield nanosleep clock_nanosleep",
		EC_NET:      "socket bind connect listen accept getsockname getpeername socketpair sendto recvfrom shutdown setsockopt getsockopt sendmsg sendmmsg recvmsg recvmmsg accept4 socketcall",
		EC_IO_READ:  "read readv preadv",
		EC_IO_WRITE: "write writev pwritev",
		EC_IO_OTHER: "sync dup dup2 ioctl fsync msync fdatasync io_setup io_destroy io_getevents io_submit io_cancel exit_group dup3",
	}
	for cat, names := range groups {
		start := 0
		for i := 0; i <= len(names); i++ {
			if i == len(names) || names[i] == ' ' {
				if i > start {
					genericCategory[names[start:i]] = cat
				}
				start = i + 1
			}
		}
	}
}

// GenericCategory returns the category the reference gives a generic event for a syscall;
// syscalls its table does not describe are "unknown".
func GenericCategory(name string) Category {
	if c, ok := genericCategory[name]; ok {
		return c
	}
	return EC_UNKNOWN
}

// referenceSyscallNames holds the few ppm_sc codes the reference names differently.
var referenceSyscallNames = map[uint16]string{298: "sigreturn"}
