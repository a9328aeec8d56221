// poll_waiters.h: the generation counter, the queue pollers sleep on, and
// the per-file hook lists of epoll.
//
// Lock order: a PollHead's lock may be held while a hook takes its epoll's
// ready lock and that epoll's own head lock (nested epoll: a chain that
// ELOOP keeps acyclic); the global head and s_lock are taken with no head
// lock held, from notify(). s_lock is never held while asking whether the
// caller was interrupted (that takes a siglock, and senders notify
// signalfd pollers under their siglock).
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
constinit PollHead s_global_head;

}

void PollHead::add(PollHook& hook)
{
    SpinlockLocker locker(m_lock);
    m_hooks.append(hook);
    m_count.fetch_add(1, std::memory_order_release);
}

void PollHead::remove(PollHook& hook)
{
    SpinlockLocker locker(m_lock);
    if (hook.node.is_linked()) {
        m_hooks.remove(hook);
        m_count.fetch_sub(1, std::memory_order_release);
    }
}

void PollHead::run_hooks()
{
    if (!has_hooks())
        return;
    SpinlockLocker locker(m_lock);
    for (auto& hook : m_hooks)
        hook.callback(hook);
}

void PollHead::notify()
{
    run_hooks();
    poll_waiters::notify();
}

PollHead& global_head() { return s_global_head; }

u64 generation() { return s_generation.load(std::memory_order_seq_cst); }

void notify()
{
    // Hooks first: an epoll waiter that sees the new generation must also
    // find the item its hook queued.
    s_global_head.run_hooks();
    s_generation.fetch_add(1, std::memory_order_seq_cst);
    if (s_sleepers.load(std::memory_order_seq_cst) == 0)
        return;
    SpinlockLocker locker(s_lock);
    s_queue.wake_all();
}

ErrorOr<void> wait(u64 seen, u64 deadline_ns)
{
    for (;;) {
        // Asked outside s_lock (see the lock order above). A signal sent
        // between this check and the sleep is caught by the sender's
        // second wake-up (proc/signals.cpp, wake_for_signal).
        if (current::interrupted())
            return Error::from_errno(EINTR);
        SpinlockLocker locker(s_lock);
        s_sleepers.fetch_add(1, std::memory_order_seq_cst);
        // The generation is re-read under the lock after counting ourselves
        // as a sleeper: a notify() after that read finds the count and wakes us.
        if (generation() != seen) {
            s_sleepers.fetch_sub(1, std::memory_order_acq_rel);
            return {};
        }
        auto waited = s_queue.wait(locker, deadline_ns);
        s_sleepers.fetch_sub(1, std::memory_order_acq_rel);
        if (waited.is_error())
            return waited.error();
        if (generation() != seen)
            return {};
    }
}

}
