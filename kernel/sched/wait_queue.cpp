// Wait queues; see wait_queue.h.
//
// No lost wake-ups: a waiter links itself on the queue and becomes Waiting
// while it still holds the caller's lock `held`; a waker must take `held`
// to change the condition and then this queue's lock to wake, so it either
// runs before the waiter checked the condition (which the waiter then sees)
// or finds the waiter already on the queue and Waiting. Between releasing
// `held` and switching away the waiter has preemption off, so only a
// wake-up can come in between, and sched::wake() handles a thread that has
// not yet left its CPU (it stays Ready instead of sleeping).
//
// Lock order: the caller's `held` lock, then m_lock, then the thread and
// run-queue locks inside sched::wake (scheduler.cpp).
#include <lib/errno.h>
#include <lib/panic.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <sched/scheduler_internal.h>
#include <sched/wait_queue.h>

ErrorOr<void> WaitQueue::wait(SpinlockLocker& held, u64 deadline_ns)
{
    Thread* me = sched::current();
    if (me->is_idle_thread || this_cpu().interrupt_depth != 0)
        panic("wait queue: thread %u \"%s\" tried to sleep from %s", me->tid, me->name,
            me->is_idle_thread ? "the idle thread" : "an interrupt handler");
    if (deadline_ns != 0 && ktime::monotonic_ns() >= deadline_ns)
        return Error::from_errno(ETIMEDOUT);

    sched::preempt_disable();
    {
        SpinlockLocker queue_locker(m_lock);
        {
            SpinlockLocker thread_locker(me->lock);
            me->timed_out = false;
            me->waiting_on = this;
            me->wake_deadline_ns = deadline_ns;
            set_state(*me, ThreadState::Waiting);
        }
        m_waiters.append(*me);
    }
    held.unlock();
    if (deadline_ns != 0)
        sched::internal::arm_wait_timeout(*me, deadline_ns);
    sched::internal::block_current();

    if (deadline_ns != 0)
        (void)timer::cancel(me->wait_timer);
    {
        // Still listed: the timeout (or a direct sched::wake) woke us, not
        // this queue.
        SpinlockLocker queue_locker(m_lock);
        if (m_waiters.contains(*me))
            m_waiters.remove(*me);
    }
    me->waiting_on = nullptr;
    me->wake_deadline_ns = 0;
    bool timed_out = me->timed_out;
    held.relock();
    if (timed_out)
        return Error::from_errno(ETIMEDOUT);
    return {};
}

usize WaitQueue::wake_one()
{
    usize woken = 0;
    {
        SpinlockLocker locker(m_lock);
        // A waiter whose timeout already woke it may still be listed (it
        // unlinks itself once it runs): skip it rather than spend the
        // wake-up on it, or another waiter would miss this event.
        while (Thread* thread = m_waiters.pop_front()) {
            if (sched::internal::wake_thread(*thread, false)) {
                woken = 1;
                break;
            }
        }
    }
    sched::internal::preempt_check();
    return woken;
}

usize WaitQueue::wake_all()
{
    usize woken = 0;
    {
        SpinlockLocker locker(m_lock);
        while (Thread* thread = m_waiters.pop_front()) {
            if (sched::internal::wake_thread(*thread, false))
                ++woken;
        }
    }
    sched::internal::preempt_check();
    return woken;
}

usize WaitQueue::waiter_count()
{
    SpinlockLocker locker(m_lock);
    return m_waiters.size();
}
