// timerfd (Linux's timerfd_create(2)): a timer as a file. Reading it
// returns (as 8 bytes) how many times it expired since it was last read
// or set, waiting while that is zero; poll/epoll see it readable then.
// Clocks: REALTIME (an absolute time is the wall clock's, converted to
// the monotonic clock when set: setting the wall clock later does not
// move it) and MONOTONIC, BOOTTIME (the same, as nothing suspends).
// Periodic timers count every interval that passed, even if the timer
// interrupt came late.
//
// Callers: syscall/timerfd.cpp.
#pragma once

#include <fs/vfs/open_file.h>
#include <lib/error_or.h>

namespace timerfd {

constexpr u32 kTfdCloexec = 02000000;
constexpr u32 kTfdNonblock = 04000;
constexpr u32 kTfdTimerAbstime = 1;
constexpr u32 kTfdTimerCancelOnSet = 2;

struct Spec {
    u64 interval_ns;
    u64 value_ns; // 0: disarmed
};

// `realtime`: the clock absolute times are given in.
ErrorOr<RefPtr<vfs::OpenFile>> create(bool realtime, u32 flags);
bool is_timerfd(vfs::OpenFile const&);
// timerfd_settime: the old setting (relative) in `old`.
ErrorOr<void> set(vfs::OpenFile&, bool absolute, Spec const& spec, Spec& old);
Spec get(vfs::OpenFile&);

}
