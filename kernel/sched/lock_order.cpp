// The lock-order checker (lock_order.h): the class table, the order matrix
// and the list of held locks, all static and under one spinlock, so the
// checker never allocates and works from the first mutex taken at boot.
// Compiled out in release builds.
#ifndef NDEBUG

#include <arch/x86_64/spinlock.h>
#include <lib/bitmap.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <sched/lock_order.h>
#include <sched/scheduler.h>

namespace lock_order {

namespace {

Spinlock s_lock { "lock order" };
const char* s_class_names[kMaxClasses];
usize s_class_count;
bool s_warned_full;
// Bit (a * kMaxClasses + b): a lock of class b was taken while one of
// class a was held.
Bitmap<kMaxClasses * kMaxClasses> s_order;
IntrusiveList<TrackedLock, &TrackedLock::held_node> s_held;

ClassId class_of(TrackedLock& lock)
{
    if (lock.class_id != kUnregistered)
        return lock.class_id;
    for (usize i = 0; i < s_class_count; ++i) {
        if (strcmp(s_class_names[i], lock.name) == 0) {
            lock.class_id = static_cast<ClassId>(i);
            return lock.class_id;
        }
    }
    if (s_class_count == kMaxClasses) {
        if (!s_warned_full) {
            s_warned_full = true;
            log_warn("lock order: more than %zu lock classes; \"%s\" and later ones are not checked", kMaxClasses, lock.name);
        }
        lock.class_id = kUntracked;
        return lock.class_id;
    }
    s_class_names[s_class_count] = lock.name;
    lock.class_id = static_cast<ClassId>(s_class_count++);
    return lock.class_id;
}

bool ordered(ClassId before, ClassId after) { return s_order.test(before * kMaxClasses + after); }

// Is there a recorded chain of orders from `from` to `to`? A breadth-first
// walk of the matrix; `direct` says whether the first step already arrives.
bool reaches(ClassId from, ClassId to, bool& direct)
{
    direct = ordered(from, to);
    if (direct)
        return true;
    Bitmap<kMaxClasses> seen;
    ClassId queue[kMaxClasses];
    usize head = 0;
    usize tail = 0;
    queue[tail++] = from;
    seen.set(from);
    while (head < tail) {
        ClassId at = queue[head++];
        for (usize next = 0; next < s_class_count; ++next) {
            if (seen.test(next) || !ordered(at, static_cast<ClassId>(next)))
                continue;
            if (next == to)
                return true;
            seen.set(next);
            queue[tail++] = static_cast<ClassId>(next);
        }
    }
    return false;
}

// The first lock the current thread holds that `lock` must not follow.
// With `record`, also notes every (held -> lock) order that is consistent.
Violation find_violation(TrackedLock& lock, bool record)
{
    Violation violation;
    ClassId taking = class_of(lock);
    if (taking == kUntracked)
        return violation;
    Thread* me = sched::current();
    for (auto& held : s_held) {
        if (held.holder != me || held.class_id == kUntracked || held.class_id == taking)
            continue;
        bool direct = false;
        if (reaches(taking, held.class_id, direct)) {
            if (!violation) {
                violation.held = held.name;
                violation.acquiring = lock.name;
                violation.through_chain = !direct;
            }
            continue;
        }
        if (record)
            s_order.set(held.class_id * kMaxClasses + taking);
    }
    return violation;
}

}

void before_acquire(TrackedLock& lock)
{
    SpinlockLocker locker(s_lock);
    Violation violation = find_violation(lock, true);
    if (!violation)
        return;
    Thread* me = sched::current();
    panic("lock order reversal: thread %u \"%s\" takes \"%s\" while holding \"%s\", but \"%s\" was held "
          "while taking \"%s\" before%s: two threads doing both can deadlock",
        me ? me->tid : 0, me ? me->name : "?", violation.acquiring, violation.held, violation.acquiring,
        violation.held, violation.through_chain ? " (through a chain of other locks)" : "");
}

void acquired(TrackedLock& lock)
{
    SpinlockLocker locker(s_lock);
    (void)class_of(lock);
    lock.holder = sched::current();
    s_held.append(lock);
}

void released(TrackedLock& lock)
{
    SpinlockLocker locker(s_lock);
    VERIFY(s_held.contains(lock));
    s_held.remove(lock);
    lock.holder = nullptr;
}

Violation check(TrackedLock& lock)
{
    SpinlockLocker locker(s_lock);
    return find_violation(lock, false);
}

usize classes_in_use()
{
    SpinlockLocker locker(s_lock);
    return s_class_count;
}

}

#endif
