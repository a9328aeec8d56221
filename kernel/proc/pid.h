// Process IDs (CONCEPTS C2, C3): which numbers name processes, and when a
// number may be handed out again.
//
// The rules are Linux's, so ps output and tools that read /proc look as
// they do there:
// - PIDs run from 1 to pid_max - 1 (pid_max is exclusive, as in
//   /proc/sys/kernel/pid_max; default 32768, `pid_max=` on the kernel
//   command line, clamped to 301..4194304).
// - PID 0 is never handed out: it names the per-CPU idle tasks (C2).
// - Allocation is cyclic: the search starts after the last PID handed out,
//   so a PID just released is not reused at once (a stale `kill 1234` then
//   misses instead of hitting a newcomer). At pid_max the search wraps.
// - After the first wrap the search restarts at 300, not 1, like Linux's
//   RESERVED_PIDS: the low PIDs belong to daemons started at boot.
//
// PidAllocator is the mechanism over caller-owned bitmap storage, with no
// lock and no allocation: host unit tests (tests/host/pid_allocator_test.cpp)
// and the kernel share it. The pid:: functions are the kernel's one
// allocator, under a spinlock; kernel/proc/process.cpp is their caller.
// Host-buildable.
#pragma once

#include <lib/bitmap.h>
#include <lib/error_or.h>
#include <lib/types.h>

using pid_t = i32; // Linux's pid_t

namespace pid {

constexpr pid_t kIdlePid = 0; // the idle tasks (C2)
constexpr pid_t kInitPid = 1; // init: adopts orphans (C7, the user-mode issue)
constexpr u32 kDefaultPidMax = 32768;
constexpr u32 kReservedPids = 300;            // the wrap-around floor, as in Linux
constexpr u32 kPidMaxMin = kReservedPids + 1; // Linux's PID_MAX_MIN bound for the sysctl
constexpr u32 kPidMaxLimit = 4 * 1024 * 1024; // Linux's PID_MAX_LIMIT on 64-bit

}

class PidAllocator {
public:
    // Words of storage a bitmap for `pid_max` PIDs needs.
    static constexpr usize storage_words(u32 pid_max) { return BitmapView::words_for(pid_max); }

    // `storage` holds storage_words(pid_max) words and outlives the
    // allocator; `pid_max` >= 2 (the kernel clamps its own to kPidMaxMin,
    // tests use small values to reach the wrap quickly). PID 0 is marked
    // used for good.
    PidAllocator(u64* storage, u32 pid_max);

    // The next free PID after the last one handed out, wrapping at pid_max;
    // EAGAIN when every PID is in use (what Linux's fork returns then).
    ErrorOr<pid_t> allocate();
    // Claims one particular PID (init's 1, say): EINVAL when out of range
    // or 0, EEXIST when in use. Does not move the cyclic cursor.
    ErrorOr<void> allocate_specific(pid_t);
    // Gives a PID back; it must be in use.
    void release(pid_t);

    bool is_allocated(pid_t) const;
    u32 pid_max() const { return m_pid_max; }
    u32 in_use() const { return m_in_use; } // not counting PID 0
    pid_t last_allocated() const { return m_last; }

private:
    BitmapView m_bitmap;
    u32 m_pid_max;
    u32 m_in_use { 0 };
    pid_t m_last { 0 };
};

namespace pid {

// Boot: reads `pid_max=` and allocates the kernel allocator's bitmap.
// Called once by process::init().
void init();
ErrorOr<pid_t> allocate();
ErrorOr<void> allocate_specific(pid_t);
void release(pid_t);
u32 max();
u32 in_use();
pid_t last_allocated();
bool is_allocated(pid_t);

}
