// Condition variable (condition_variable.h).
#include <sched/condition_variable.h>

ErrorOr<void> ConditionVariable::wait(MutexLocker& locker, u64 deadline_ns)
{
    SpinlockLocker guard(m_lock);
    // Only now, with m_lock held, may the mutex go: a notifier must get
    // m_lock to wake anyone, and cannot before we are on the queue.
    locker.unlock();
    auto waited = m_waiters.wait(guard, deadline_ns);
    // Never take the mutex (it may sleep) with a spinlock held.
    guard.unlock();
    locker.relock();
    return waited;
}

usize ConditionVariable::notify_one()
{
    SpinlockLocker guard(m_lock);
    return m_waiters.wake_one();
}

usize ConditionVariable::notify_all()
{
    SpinlockLocker guard(m_lock);
    return m_waiters.wake_all();
}
