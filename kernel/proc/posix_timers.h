// POSIX per-process timers (timer_create(2) and kin): a timer on
// CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME that, on expiry,
// sends a signal to the process (SIGEV_SIGNAL), to one of its threads
// (SIGEV_THREAD_ID) or nothing (SIGEV_NONE: only timer_gettime shows it).
// The signal carries SI_TIMER, the timer id and the sigev_value; each
// timer owns one preallocated queue entry (signals::QueuedSignal), so an
// expiry in interrupt context never allocates, and an expiry while that
// entry is still pending counts as an overrun (si_overrun,
// timer_getoverrun) instead of queuing again, as Linux does.
//
// Timers belong to their process and go at execve and exit
// (release_all, from proc/signals.cpp).
//
// Locking: one mutex for all timers' lists (timer syscalls, release),
// then a timer's spinlock (also its Timer callback's) -> a siglock.
//
// Callers: syscall/posix_timers.cpp, proc/signals.cpp.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

class Process;

namespace posix_timers {

constexpr int kSigevSignal = 0;
constexpr int kSigevNone = 1;
constexpr int kSigevThread = 2;
constexpr int kSigevThreadId = 4;

struct Request {
    int clock;    // CLOCK_* id
    int notify;   // SIGEV_*
    int signal;
    i32 tid;      // SIGEV_THREAD_ID
    u64 value;    // sigev_value
    bool has_value; // false: the timer id is the value (sigevent NULL)
};

struct Spec {
    u64 interval_ns;
    u64 value_ns; // 0: disarmed
};

// EINVAL (clock, notification, signal, thread), EAGAIN (too many).
ErrorOr<int> create(Request const&);
ErrorOr<void> set(int id, bool absolute, Spec const& spec, Spec& old);
ErrorOr<Spec> get(int id);
ErrorOr<int> overrun(int id);
ErrorOr<void> remove(int id);
void release_all(Process&);

}
