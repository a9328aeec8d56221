// Wait queues (CONCEPTS C9: "a wait queue per event"): threads that wait
// for an event sleep here, off every run queue, until it happens or their
// timeout passes. Mutexes, semaphores, condition variables, pipes, futexes
// and child-exit waits are all built on this. Never allocates.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <sched/thread.h>

class WaitQueue {
public:
    // Sleeps until woken or the monotonic clock reaches `deadline_ns`
    // (0 = no timeout). `held` is a lock the caller holds that guards the
    // condition it waits for: it is released atomically with going to sleep
    // (no lost wake-up) and taken again before returning.
    // Returns ETIMEDOUT on timeout. Spurious returns are possible: callers
    // re-check their condition in a loop.
    ErrorOr<void> wait(SpinlockLocker& held, u64 deadline_ns = 0);

    // Waits until `condition()` is true; `held` guards it (see wait()).
    template<typename Condition>
    ErrorOr<void> wait_until(SpinlockLocker& held, Condition condition, u64 deadline_ns = 0)
    {
        while (!condition())
            TRY(wait(held, deadline_ns));
        return {};
    }

    // Wake the longest waiter / every waiter. Safe from interrupt handlers.
    // Return how many threads were woken.
    usize wake_one();
    usize wake_all();

    usize waiter_count();

private:
    Spinlock m_lock { "wait queue" };
    IntrusiveList<Thread, &Thread::wait_node> m_waiters;
};
