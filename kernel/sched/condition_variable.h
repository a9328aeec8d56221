// Condition variables (CONCEPTS E3): "sleep until some state guarded by a
// mutex changes". A waiter holds the mutex, finds the state not yet as it
// needs, and calls wait(): the mutex is released and the thread sleeps in
// one step, so a notify between the check and the sleep cannot be missed;
// wait() takes the mutex again before it returns.
//
//   MutexLocker locker(m_lock);
//   while (m_queue.is_empty())
//       TRY(m_not_empty.wait(locker, deadline));   // ETIMEDOUT
//   ... and the producer, under m_lock: push(x); m_not_empty.notify_one();
//
// Spurious returns are possible (a notify_all, a wake-up that another
// thread beat us to): callers re-check their condition in a loop, or use
// wait_until(), which does.
//
// Why no wake-up is lost: wait() takes the condition variable's spinlock
// before it lets go of the mutex, and sleeps on the wait queue with that
// spinlock (WaitQueue::wait releases it atomically). A notifier changed the
// state under the mutex, so it can only get the mutex after the waiter
// released it, and its notify then needs the spinlock, which it can only
// get once the waiter is on the queue.
// Lock nesting: the condition variable's spinlock, then the mutex's own
// spinlock (during unlock) and the wait queue's.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <sched/mutex.h>
#include <sched/wait_queue.h>

class ConditionVariable {
public:
    explicit ConditionVariable(const char* name = "condition variable")
        : m_lock(name)
    {
    }
    ConditionVariable(ConditionVariable const&) = delete;
    ConditionVariable& operator=(ConditionVariable const&) = delete;

    // `locker` holds the mutex that guards the condition. Sleeps until
    // notified or the monotonic clock reaches `deadline_ns` (0 = never);
    // ETIMEDOUT then. The mutex is held again on return either way.
    ErrorOr<void> wait(MutexLocker& locker, u64 deadline_ns = 0);

    template<typename Condition>
    ErrorOr<void> wait_until(MutexLocker& locker, Condition condition, u64 deadline_ns = 0)
    {
        while (!condition()) {
            auto waited = wait(locker, deadline_ns);
            if (waited.is_error() && !condition())
                return waited.error();
        }
        return {};
    }

    // Wake the longest waiter / every waiter; return how many were woken.
    // The notifier need not hold the mutex, but must have made its change
    // to the state under it (see "why no wake-up is lost" above).
    usize notify_one();
    usize notify_all();

private:
    Spinlock m_lock;
    WaitQueue m_waiters;
};
