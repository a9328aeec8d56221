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

}
