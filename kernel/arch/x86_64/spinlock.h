// Spinlocks (CONCEPTS E3, kernel side): the lock for data that interrupt
// handlers or other CPUs touch. Taking one disables interrupts on this CPU
// (saving the previous state) and spins with `pause` until the ticket comes
// up; releasing restores the interrupt state. Holding one therefore also
// keeps the thread from being preempted. Locks are RAII (SpinlockLocker) and
// protected data lives inside its lock (SpinlockProtected<T>), so it cannot
// be touched unlocked.
//
// Debugging: every CPU counts the spinlocks it holds; the scheduler refuses
// (VERIFY) to put a thread to sleep while its CPU holds one, the classic
// "sleeping with a spinlock held" bug.
//
// Host builds (unit tests) get the same interface over a plain atomic.
#pragma once

#include <atomic>
#include <lib/types.h>
#include <lib/verify.h>
#include <utility>

#ifndef HANEUL_HOST
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/percpu.h>
#else
#include <sched.h>
#endif

class Spinlock {
public:
    constexpr explicit Spinlock(const char* name = "spinlock")
        : m_name(name)
    {
    }
    Spinlock(Spinlock const&) = delete;
    Spinlock& operator=(Spinlock const&) = delete;

    // Returns the interrupt flag state to hand back to unlock().
    [[nodiscard]] u64 lock()
    {
#ifdef HANEUL_HOST
        u64 flags = 0;
#else
        u64 flags = cpu::read_rflags();
        cpu::cli();
#endif
        u32 ticket = m_next.fetch_add(1, std::memory_order_relaxed);
        while (m_serving.load(std::memory_order_acquire) != ticket) {
#ifndef HANEUL_HOST
            cpu::pause();
#else
            // Host threads are preemptible: let the holder run rather
            // than burn this thread's whole time slice.
            sched_yield();
#endif
        }
#ifndef HANEUL_HOST
        auto& me = this_cpu();
        m_owner = me.id;
        ++me.spinlocks_held;
#endif
        return flags;
    }

    void unlock(u64 flags)
    {
#ifndef HANEUL_HOST
        auto& me = this_cpu();
        VERIFY(m_owner == me.id && me.spinlocks_held > 0);
        m_owner = kNoOwner;
        --me.spinlocks_held;
#endif
        m_serving.store(m_serving.load(std::memory_order_relaxed) + 1, std::memory_order_release);
#ifndef HANEUL_HOST
        if (flags & cpu::kRflagsIF)
            cpu::sti();
#else
        (void)flags;
#endif
    }

    bool is_locked() const { return m_next.load(std::memory_order_relaxed) != m_serving.load(std::memory_order_relaxed); }
#ifndef HANEUL_HOST
    bool is_held_by_this_cpu() const { return is_locked() && m_owner == this_cpu().id; }
#endif
    const char* name() const { return m_name; }

private:
    static constexpr u32 kNoOwner = ~0u;
    std::atomic<u32> m_next { 0 };
    std::atomic<u32> m_serving { 0 };
    u32 m_owner { kNoOwner };
    const char* m_name;
};

class [[nodiscard]] SpinlockLocker {
public:
    explicit SpinlockLocker(Spinlock& lock)
        : m_lock(lock)
        , m_flags(lock.lock())
    {
    }
    ~SpinlockLocker()
    {
        if (m_locked)
            m_lock.unlock(m_flags);
    }
    SpinlockLocker(SpinlockLocker const&) = delete;
    SpinlockLocker& operator=(SpinlockLocker const&) = delete;

    // For code that must drop the lock early (e.g. before sleeping).
    void unlock()
    {
        VERIFY(m_locked);
        m_locked = false;
        m_lock.unlock(m_flags);
    }
    void relock()
    {
        VERIFY(!m_locked);
        m_flags = m_lock.lock();
        m_locked = true;
    }
    Spinlock& lock() { return m_lock; }
    u64 saved_flags() const { return m_flags; }

private:
    Spinlock& m_lock;
    u64 m_flags;
    bool m_locked { true };
};

// Data that is only reachable with its lock held:
//   SpinlockProtected<Stats> s_stats;
//   s_stats.with([](Stats& s) { ++s.count; });
template<typename T>
class SpinlockProtected {
public:
    template<typename... Args>
    constexpr explicit SpinlockProtected(const char* name, Args&&... args)
        : m_lock(name)
        , m_value(std::forward<Args>(args)...)
    {
    }

    template<typename Callback>
    decltype(auto) with(Callback callback)
    {
        SpinlockLocker locker(m_lock);
        return callback(m_value);
    }

    Spinlock& lock() { return m_lock; }

private:
    Spinlock m_lock;
    T m_value;
};
