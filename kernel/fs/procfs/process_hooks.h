// What procfs asks the process manager for that the PCB (kernel/proc/
// process.h) does not hold yet. fs/procfs/kernel_source.cpp calls these
// and defines each one weak, with the answer for a process that has no
// such thing (no argv, no address space, no terminal...); kernel/proc
// implements them with ordinary (strong) definitions as the user-mode
// work adds the fields, and the linker takes those instead. procfs itself
// never changes for it.
//
// Calling context: the caller holds a reference to the process (so the
// PCB stays valid) but not the process lock; a hook may sleep and may take
// the process lock or an address space's lock itself. A hook that fails
// (ENOMEM) makes the lookup of the file fail with that error.
// Kernel only.
#pragma once

#include <fs/procfs/source.h>
#include <fs/vfs/mount.h>
#include <lib/error_or.h>
#include <lib/kstring.h>

class Process;

namespace procfs::hooks {

// argv as /proc/<pid>/cmdline shows it: each argument followed by a NUL
// ("sh\0-c\0ls\0"). Default: empty (what kernel processes show).
ErrorOr<void> cmdline(Process& process, KString& argv);

// The process's user address space: sizes and the addresses of stat's
// fields 26-28 and 45-51, and page-fault counts (ProcessMemory, in
// fs/procfs/source.h). Set has_address_space for a user process, even one
// whose counters are not all filled yet. Default: none.
void memory(Process& process, ProcessMemory& memory, u64& minor_faults, u64& major_faults);

// The file-creation mask. Default: 022.
u32 umask(Process& process);

// FDSize of status: how many descriptors the table has room for (Linux's
// max_fds: 64, doubling as it grows). Default: 0 (no table).
u32 fd_table_size(Process& process);

// Controlling terminal (Linux's new_encode_dev of the tty: major << 8 |
// minor for small numbers) and its foreground process group. Default: no
// terminal (0, -1).
void terminal(Process& process, u32& tty, i32& foreground_pgid);

// Signal state, bit n-1 standing for signal n: process-wide pending,
// ignored (SIG_IGN) and caught (a handler installed); the exit signal
// sent to the parent (SIGCHLD 17 unless clone said otherwise). Default:
// nothing pending, ignored or caught; 17.
struct SignalState {
    u64 shared_pending { 0 };
    u64 ignored { 0 };
    u64 caught { 0 };
    i32 exit_signal { 17 };
};
void signals(Process& process, SignalState& state);
// Per-thread pending and blocked signals of the thread with `tid`.
// Default: none.
void thread_signals(Process& process, i32 tid, u64& pending, u64& blocked);

// CPU time and page faults of the children the process has waited for
// (stat's cutime, cstime, cminflt, cmajflt). Default: 0.
void children_usage(Process& process, u64& user_ns, u64& system_ns, u64& minor_faults, u64& major_faults);

// The mount table and root directory the process sees (/proc/<pid>/mounts,
// /proc/mounts). `process` is null when the caller wants the system's.
// Default: false (no mount table is known: the file is empty).
bool mount_namespace(Process* process, vfs::MountTable*& table, vfs::Location& root);

// The system's names: uname's nodename (hostname) and domainname, and
// the sysname, release and version uname(2) reports, so /proc/version,
// /proc/sys/kernel and uname agree. The kernel source fills `identity`
// with its defaults first; the hook overrides what it owns.
void identity(SystemIdentity& identity);

// Memory counters the memory manager keeps beyond the page allocator's
// (page cache, tmpfs and shared memory pages, page tables...): called
// after the kernel source filled MemTotal, MemFree, MemAvailable, Slab and
// KernelStack, to add to or correct `memory`. Default: no change.
void memory_counters(MemoryInfo& memory);

// /proc/<pid>/environ: the environment strings exec put on the stack,
// read from the process's memory. Default: empty.
ErrorOr<void> environment(Process& process, KString& text);

// /proc/<pid>/maps: the mappings in address order. Default: none.
ErrorOr<void> mappings(Process& process, GrowableArray<MappingInfo>& mappings);

// /proc/<pid>/fd and fdinfo: the open descriptors in ascending order.
// Default: none.
ErrorOr<void> open_files(Process& process, GrowableArray<OpenFileInfo>& files);

// exe, cwd and root. Default: ENOENT.
ErrorOr<KString> link(Process& process, ProcessLink link);

// The resource limits (/proc/<pid>/limits). Default: all unlimited.
void limits(Process& process, LimitInfo (&limits)[kLimitCount]);

}
