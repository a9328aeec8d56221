// Counting semaphore (semaphore.h). Lock nesting: the semaphore's spinlock,
// then its wait queue's.
#include <arch/x86_64/percpu.h>
#include <lib/panic.h>
#include <sched/clock.h>
#include <sched/semaphore.h>

void Semaphore::down()
{
    auto result = down_until(0);
    VERIFY(!result.is_error()); // without a deadline there is nothing to fail
}

ErrorOr<void> Semaphore::down_until(u64 deadline_ns)
{
    if (this_cpu().interrupt_depth > 0)
        panic("semaphore \"%s\": down() in an interrupt handler (it may sleep); use try_down()", name());
    SpinlockLocker guard(m_lock);
    if (m_count == 0) {
        ++m_sleepers;
        while (m_count == 0) {
            auto waited = m_waiters.wait(guard, deadline_ns);
            // Woken and timed out at once: a unit that arrived is still
            // taken, so the up() that woke us is not wasted.
            if (waited.is_error() && m_count == 0) {
                --m_sleepers;
                return waited.error();
            }
        }
        --m_sleepers;
    }
    --m_count;
    return {};
}

ErrorOr<void> Semaphore::down_timeout(u64 duration_ns)
{
    return down_until(ktime::monotonic_ns() + duration_ns);
}

bool Semaphore::try_down()
{
    SpinlockLocker guard(m_lock);
    if (m_count == 0)
        return false;
    --m_count;
    return true;
}

void Semaphore::up()
{
    SpinlockLocker guard(m_lock);
    VERIFY(m_count != ~u64(0));
    ++m_count;
    if (m_sleepers > 0)
        m_waiters.wake_one();
}

u64 Semaphore::count()
{
    SpinlockLocker guard(m_lock);
    return m_count;
}
