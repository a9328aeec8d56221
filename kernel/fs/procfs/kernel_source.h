// The kernel's ProcSource (fs/procfs/source.h): processes and threads from
// kernel/proc and kernel/sched, memory from kernel/mm, time from
// sched/clock.h, CPUs from CPUID and the per-CPU blocks, and the rest from
// the hooks of fs/procfs/process_hooks.h. All of procfs's kernel-only glue
// is in kernel_source.cpp.
// Kernel only.
#pragma once

#include <fs/procfs/source.h>
#include <lib/error_or.h>

namespace procfs {

// Boot, after process::init(): registers the "proc" file-system type,
// served by kernel_source(), so mount("proc", "/proc", "proc", 0, "")
// works. Calling it again does nothing more.
ErrorOr<void> init();

ProcSource& kernel_source();

// getdents64 of /proc runs under a spinlock while FsLock is one, where
// the process lock (a mutex) cannot be taken; it then lists the PIDs of
// the last walk of the process list. Every lookup in /proc makes such a
// walk; the process manager calls this after it creates or reaps a
// process (where it may sleep, without the process lock) so that the
// next listing shows the change even if nothing was looked up in between.
// Not needed once FsLock is a mutex.
void refresh_process_list();

}
