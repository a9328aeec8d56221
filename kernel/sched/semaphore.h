// Counting semaphores (CONCEPTS E3, kernel side; the notes' P and V): a
// count of available units. down() takes one, sleeping on the semaphore's
// wait queue while the count is 0; up() gives one back and wakes one
// sleeper. Unlike a mutex a semaphore has no owner: one thread may down()
// and another up(), and up() is safe from interrupt handlers, so a driver's
// IRQ can hand "data ready" to a sleeping thread.
//
//   Semaphore s_items { 0, "ring items" };
//   producer: put(x); s_items.up();
//   consumer: TRY(s_items.down_timeout(10 * kNsPerMs)); x = take();
//
// Wake-ups cannot be lost: the count and the decision to sleep are under
// the semaphore's spinlock, which WaitQueue::wait releases atomically with
// going to sleep; up() raises the count and wakes under the same lock. A
// waiter whose timeout and wake-up cross takes the unit if the count shows
// one, so a unit is never stranded with a sleeper waiting for it.
// Callers: sync self-tests (sched/sync_selftest.cpp), later pipes and
// System V semaphores (F7) build their own waits the same way.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <sched/wait_queue.h>

class Semaphore {
public:
    explicit Semaphore(u64 initial_count = 0, const char* name = "semaphore")
        : m_lock(name)
        , m_count(initial_count)
    {
    }
    Semaphore(Semaphore const&) = delete;
    Semaphore& operator=(Semaphore const&) = delete;

    // P: takes a unit, sleeping as long as there is none.
    void down();
    // Takes a unit or gives up with ETIMEDOUT when the monotonic clock
    // reaches `deadline_ns` (never earlier). 0 means no deadline.
    ErrorOr<void> down_until(u64 deadline_ns);
    ErrorOr<void> down_timeout(u64 duration_ns);
    // Takes a unit if one is there; never sleeps.
    [[nodiscard]] bool try_down();
    // V: gives a unit back and wakes one sleeper. Any context.
    void up();

    u64 count();
    const char* name() const { return m_lock.name(); }

private:
    Spinlock m_lock;
    u64 m_count;
    u32 m_sleepers { 0 };
    WaitQueue m_waiters;
};
