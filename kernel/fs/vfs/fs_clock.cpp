// File timestamps' clock (fs/vfs/fs_clock.h).
#include <atomic>
#include <fs/vfs/fs_clock.h>

#ifndef HANEUL_HOST
#include <sched/clock.h>
#endif

namespace vfs {

namespace {

i64 default_clock()
{
#ifdef HANEUL_HOST
    return 0;
#else
    return static_cast<i64>(ktime::realtime_ns());
#endif
}

std::atomic<FsClock> s_clock { default_clock };

}

void set_fs_clock(FsClock clock)
{
    s_clock.store(clock ? clock : default_clock, std::memory_order_relaxed);
}

i64 fs_now_ns()
{
    return s_clock.load(std::memory_order_relaxed)();
}

}
