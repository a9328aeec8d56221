// The text of every procfs file, in Linux's exact formats (fs/proc/*.c of
// Linux 6.x; field order and widths as there, so busybox ps, top, free,
// uptime and mount, and procps, parse them unchanged). Pure functions from
// ProcSource records (fs/procfs/source.h) to text, called by the procfs
// inodes (procfs_file.cpp) and tested directly on the host.
//
// Conversions as Linux makes them: times to USER_HZ (100) clock ticks by
// truncation, seconds with hundredths by truncation (/proc/uptime), load
// averages rounded to hundredths, memory to kB.
// Host-buildable.
#pragma once

#include <fs/procfs/source.h>
#include <fs/procfs/text_buffer.h>

namespace procfs::formats {

constexpr u64 kUserHz = 100;
constexpr u64 kNsPerTick = 1'000'000'000 / kUserHz;

inline u64 ticks(u64 ns) { return ns / kNsPerTick; }

// "S (sleeping)" for 'S', and so on; unknown letters read "R (running)".
const char* state_name(char letter);
// Linux's task_prio(): 20 + nice for the time-sharing policies, -1 -
// rt_priority for FIFO and RR.
i64 priority_of(ThreadInfo const& thread);

// /proc/<pid>/stat (thread null) and /proc/<pid>/task/<tid>/stat.
void process_stat(ProcessInfo const& process, ThreadInfo const* thread, TextBuffer& out);
// /proc/<pid>/status and /proc/<pid>/task/<tid>/status; `cpu_count` is the
// number of CPUs the Cpus_allowed mask spans.
void process_status(ProcessInfo const& process, ThreadInfo const* thread, u32 cpu_count, TextBuffer& out);
void process_statm(ProcessInfo const& process, TextBuffer& out);
void process_comm(ProcessInfo const& process, ThreadInfo const* thread, TextBuffer& out);
void process_cmdline(ProcessInfo const& process, TextBuffer& out);
void process_limits(ProcessInfo const& process, TextBuffer& out);
void process_maps(GrowableArray<MappingInfo> const& mappings, TextBuffer& out);
void process_fdinfo(OpenFileInfo const& file, TextBuffer& out);

void interrupts(GrowableArray<InterruptLine> const& lines, u32 cpus, TextBuffer& out);
void devices(GrowableArray<DeviceInfo> const& devices, TextBuffer& out);

void meminfo(MemoryInfo const& memory, TextBuffer& out);
void uptime(SystemInfo const& system, TextBuffer& out);
void loadavg(SystemInfo const& system, TextBuffer& out);
void stat(SystemInfo const& system, TextBuffer& out);
void cpuinfo(GrowableArray<CpuInfo> const& cpus, TextBuffer& out);
void version(SystemIdentity const& identity, TextBuffer& out);
void mounts(GrowableArray<MountInfo> const& mounts, TextBuffer& out);
// The registered file-system types (fs/vfs/filesystem_type.h), "nodev"
// before those that need no block device.
void filesystems(TextBuffer& out);

// Cpus_allowed's "%*pb" (hex, 32-bit groups separated by commas) and
// Cpus_allowed_list's "%*pbl" ("0-3,6") over `bits` bits of `mask`.
void bitmap_hex(u64 mask, u32 bits, TextBuffer& out);
void bitmap_list(u64 mask, u32 bits, TextBuffer& out);

}
