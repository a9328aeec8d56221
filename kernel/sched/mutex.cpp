// Blocking mutex (mutex.h). Lock nesting inside: the mutex's spinlock, then
// its wait queue's spinlock (inside WaitQueue), then the lock-order
// checker's spinlock; none of them is held across a sleep.
#include <arch/x86_64/percpu.h>
#include <lib/panic.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>

namespace {

// lock() may sleep: refuse, with a report naming the mutex, where sleeping
// would be a bug (the scheduler would catch it too, but only once the mutex
// is contended; this catches it on every call).
void check_may_sleep(Mutex const& mutex)
{
    Cpu& cpu = this_cpu();
    if (cpu.interrupt_depth > 0)
        panic("mutex \"%s\": lock() in an interrupt handler (it may sleep)", mutex.name());
    if (cpu.spinlocks_held > 0)
        panic("mutex \"%s\": lock() while CPU %u holds %u spinlock(s) (it may sleep)", mutex.name(), cpu.id,
            cpu.spinlocks_held);
}

Thread* current_or_panic(Mutex const& mutex)
{
    Thread* me = sched::current();
    if (!me)
        panic("mutex \"%s\": used before the scheduler runs", mutex.name());
    return me;
}

}

Mutex::~Mutex()
{
    if (m_owner)
        panic("mutex \"%s\": destroyed while thread %u \"%s\" holds it", name(), m_owner->tid, m_owner->name);
}

void Mutex::lock()
{
    check_may_sleep(*this);
    Thread* me = current_or_panic(*this);
    SpinlockLocker guard(m_lock);
    if (m_owner == me)
        panic("mutex \"%s\": thread %u \"%s\" locks it again (mutexes are not recursive)", name(), me->tid, me->name);
    lock_order::before_acquire(m_order);
    if (m_owner) {
        ++m_contended;
        ++m_sleepers;
        // No timeout: wait() returns only when woken (or spuriously);
        // either way the loop re-checks the owner under m_lock.
        while (m_owner)
            (void)m_waiters.wait(guard);
        --m_sleepers;
    }
    m_owner = me;
    lock_order::acquired(m_order);
}

bool Mutex::try_lock()
{
    Thread* me = current_or_panic(*this);
    SpinlockLocker guard(m_lock);
    if (m_owner == me)
        panic("mutex \"%s\": thread %u \"%s\" try_locks it again (mutexes are not recursive)", name(), me->tid, me->name);
    if (m_owner)
        return false;
    m_owner = me;
    lock_order::acquired(m_order);
    return true;
}

void Mutex::unlock()
{
    Thread* me = current_or_panic(*this);
    SpinlockLocker guard(m_lock);
    Thread* owner = m_owner;
    if (owner != me) {
        if (owner)
            panic("mutex \"%s\": unlocked by thread %u \"%s\", but thread %u \"%s\" holds it", name(), me->tid,
                me->name, owner->tid, owner->name);
        panic("mutex \"%s\": unlocked by thread %u \"%s\", but it is not locked", name(), me->tid, me->name);
    }
    lock_order::released(m_order);
    m_owner = nullptr;
    if (m_sleepers > 0)
        m_waiters.wake_one();
}

bool Mutex::is_locked_by_current_thread() const
{
    return m_owner != nullptr && m_owner == sched::current();
}
