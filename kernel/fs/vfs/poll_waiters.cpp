// poll_waiters.h: the generation counter and the queue pollers sleep on.
#include <atomic>
#include <fs/vfs/poll_waiters.h>
#include <proc/current.h>
#include <sched/wait_queue.h>

namespace poll_waiters {

namespace {

std::atomic<u64> s_generation { 1 };
std::atomic<u32> s_sleepers { 0 };
Spinlock s_lock { "poll waiters" };
WaitQueue s_queue;

}

u64 generation() { return s_generation.load(std::memory_order_seq_cst); }

void notify()
{
    s_generation.fetch_add(1, std::memory_order_seq_cst);
    if (s_sleepers.load(std::memory_order_seq_cst) == 0)
        return;
    SpinlockLocker locker(s_lock);
    s_queue.wake_all();
}

ErrorOr<void> wait(u64 seen, u64 deadline_ns)
{
    SpinlockLocker locker(s_lock);
    s_sleepers.fetch_add(1, std::memory_order_seq_cst);
    ErrorOr<void> result {};
    // The generation is re-read under the lock after counting ourselves as
    // a sleeper: a notify() after that read finds the count and wakes us.
    while (generation() == seen) {
        if (current::interrupted()) {
            result = Error::from_errno(EINTR);
            break;
        }
        auto waited = s_queue.wait(locker, deadline_ns);
        if (waited.is_error()) {
            result = waited.error();
            break;
        }
    }
    s_sleepers.fetch_sub(1, std::memory_order_acq_rel);
    return result;
}

}
