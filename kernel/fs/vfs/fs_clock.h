// Where file timestamps come from: wall-clock nanoseconds since the Unix
// epoch through a function pointer, so the kernel reads ktime::realtime_ns
// (sched/clock.h) and host tests drive a clock of their own.
// Host-buildable.
#pragma once

#include <lib/types.h>

namespace vfs {

using FsClock = i64 (*)();

// The clock every file system stamps atime, mtime and ctime with. The
// kernel's default is ktime::realtime_ns; a host build starts at 0.
void set_fs_clock(FsClock clock);
i64 fs_now_ns();

}
