// Blocking mutexes (CONCEPTS E3, kernel side): mutual exclusion for code
// that may sleep while it holds the lock (allocate, wait for I/O, take
// another mutex). A thread that finds the mutex taken sleeps on the mutex's
// wait queue, off every run queue, instead of spinning; unlock() wakes the
// longest waiter. Use a Spinlock instead for data an interrupt handler
// touches, or for a few instructions.
//
//   Mutex m_lock { "process list" };
//   { MutexLocker locker(m_lock); ... }          // RAII, cannot be forgotten
//   MutexProtected<Table> s_table { "table" };
//   s_table.with([](Table& t) { t.add(...); });  // data reachable only locked
//
// Rules, checked with VERIFY-style panics that name the mutex and thread:
// the owner alone unlocks; a thread never takes a mutex it holds (no
// recursion); lock() is never called from an interrupt handler or with a
// spinlock held, because it may sleep. In debug builds every lock() also
// goes through the lock-order checker (sched/lock_order.h).
//
// Wake-ups cannot be lost: the owner field is guarded by the mutex's own
// spinlock, a waiter re-checks it and goes to sleep on the wait queue with
// that spinlock held (WaitQueue::wait releases it atomically), and unlock()
// clears the owner and wakes under the same spinlock. The mutex is not
// fair: a running thread may take it before a woken waiter gets the CPU
// (the waiter then sleeps again), which keeps the hand-over cheap.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <sched/lock_order.h>
#include <sched/thread.h>
#include <sched/wait_queue.h>
#include <utility>

class Mutex {
public:
    explicit Mutex(const char* name = "mutex")
        : m_lock(name)
        , m_order(name)
    {
    }
    ~Mutex();
    Mutex(Mutex const&) = delete;
    Mutex& operator=(Mutex const&) = delete;

    void lock();
    // Takes the mutex if it is free, never sleeps; true on success.
    [[nodiscard]] bool try_lock();
    void unlock();

    bool is_locked() const { return m_owner != nullptr; }
    bool is_locked_by_current_thread() const;
    Thread* owner() const { return m_owner; }
    const char* name() const { return m_order.name; }
    // Times lock() found the mutex taken and slept (contention, for tuning).
    u64 contended_count() const { return m_contended; }

    // For the lock-order self-test: what taking this mutex now would report.
    lock_order::Violation check_order() { return lock_order::check(m_order); }

private:
    Spinlock m_lock;
    Thread* volatile m_owner { nullptr };
    u32 m_sleepers { 0 }; // threads in lock()'s wait: unlock() skips the wake when 0
    u64 m_contended { 0 };
    WaitQueue m_waiters;
    lock_order::TrackedLock m_order;
};

class [[nodiscard]] MutexLocker {
public:
    explicit MutexLocker(Mutex& mutex)
        : m_mutex(mutex)
    {
        m_mutex.lock();
    }
    ~MutexLocker()
    {
        if (m_locked)
            m_mutex.unlock();
    }
    MutexLocker(MutexLocker const&) = delete;
    MutexLocker& operator=(MutexLocker const&) = delete;

    // For code that must let go early (ConditionVariable::wait does).
    void unlock()
    {
        VERIFY(m_locked);
        m_locked = false;
        m_mutex.unlock();
    }
    void relock()
    {
        VERIFY(!m_locked);
        m_mutex.lock();
        m_locked = true;
    }
    bool is_locked() const { return m_locked; }
    Mutex& mutex() { return m_mutex; }

private:
    Mutex& m_mutex;
    bool m_locked { true };
};

// Data that is only reachable with its mutex held (STYLE.md):
//   MutexProtected<Counters> s_counters { "counters" };
//   s_counters.with([](Counters& c) { ++c.opens; });
template<typename T>
class MutexProtected {
public:
    template<typename... Args>
    explicit MutexProtected(const char* name, Args&&... args)
        : m_mutex(name)
        , m_value(std::forward<Args>(args)...)
    {
    }

    template<typename Callback>
    decltype(auto) with(Callback callback)
    {
        MutexLocker locker(m_mutex);
        return callback(m_value);
    }

    Mutex& mutex() { return m_mutex; }

private:
    Mutex m_mutex;
    T m_value;
};
