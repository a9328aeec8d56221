// The lock-order checker (CONCEPTS E3, debug builds): finds the deadlock of
// two threads taking the same two sleeping locks in opposite orders before
// it happens, from the first time each order is merely observed.
//
// How it works (the idea of Linux's lockdep, much reduced):
// - Locks are grouped into classes by name: every mutex constructed with the
//   name "process list" is one class, wherever it lives. A lock records its
//   class the first time it is taken (lookup by name in a fixed table).
// - Every lock a thread holds sits on one global list of held locks, with
//   its holder. Taking lock B while holding A records the order A -> B in a
//   class-by-class bit matrix.
// - Before a thread takes B while holding A, the checker asks whether the
//   recorded orders already lead from B to A, directly or through a chain
//   (B -> C, C -> A). If so, the two threads can deadlock, and the kernel
//   panics naming both locks, even though this run happened not to
//   deadlock. The check runs before the thread blocks on B, so a real
//   deadlock also ends in that report instead of a silent hang.
// - try_lock cannot deadlock, so it is not checked, but a lock taken with it
//   counts as held for the orders that follow.
// - Two locks of one class (two processes' locks, say) are not ordered
//   against each other; code that nests them must order them itself (by
//   address) and say so.
//
// Used by Mutex (sched/mutex.h). Spinlocks are not checked: they are held
// with interrupts off for a few instructions, and the scheduler already
// refuses to sleep while one is held.
//
// Release builds (NDEBUG) compile the checker out: every call is empty.
// check() lets the self-tests see a reversal without panicking.
#pragma once

#include <lib/intrusive_list.h>
#include <lib/types.h>

struct Thread;

namespace lock_order {

#ifdef NDEBUG
constexpr bool kEnabled = false;
#else
constexpr bool kEnabled = true;
#endif

using ClassId = u16;
constexpr ClassId kUnregistered = 0xffff;
constexpr ClassId kUntracked = 0xfffe; // the class table was full
constexpr usize kMaxClasses = 256;

// The part of a checked lock the checker uses; embedded in every Mutex.
struct TrackedLock {
    explicit constexpr TrackedLock(const char* lock_name)
        : name(lock_name)
    {
    }
    const char* name;
    ClassId class_id { kUnregistered };
    Thread* holder { nullptr };
    IntrusiveListNode held_node; // on the checker's list of held locks
};

struct Violation {
    const char* held { nullptr };      // the lock the thread holds
    const char* acquiring { nullptr }; // the lock it is about to take
    bool through_chain { false };      // the earlier order is transitive
    explicit operator bool() const { return held != nullptr; }
};

#ifdef NDEBUG
inline void before_acquire(TrackedLock&) { }
inline void acquired(TrackedLock&) { }
inline void released(TrackedLock&) { }
inline Violation check(TrackedLock&) { return {}; }
inline usize classes_in_use() { return 0; }
#else
// The current thread is about to block on `lock`: records the orders
// (every held lock -> `lock`) and panics on a reversal.
void before_acquire(TrackedLock&);
// The current thread now holds `lock` / has let it go.
void acquired(TrackedLock&);
void released(TrackedLock&);
// What before_acquire would report for the current thread taking `lock`
// now, without recording anything or panicking. For the self-tests.
Violation check(TrackedLock&);
usize classes_in_use();
#endif

}
