// Copies of every thread's identity, scheduling and accounting fields,
// taken inside sched::for_each_thread (under the scheduler's thread-list
// lock). A thread on another CPU may exit and be freed by the reaper at any
// moment; a copy taken while the scheduler keeps it listed is what proc/
// can read safely afterwards. `thread` and `owner` are identities to
// compare, never to dereference after the snapshot.
// Callers: process.cpp (adopting sched/'s own threads, accounting) and
// process_table.cpp (ps).
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>
#include <sched/thread.h>

struct ThreadSnapshot {
    Thread* thread;
    void* owner;
    u32 tid;
    u32 cpu;
    ThreadState state;
    char letter; // thread_letter(): R, S, D, T, Z, ...
    SchedPolicy policy;
    u8 rt_priority;
    i8 nice;
    bool is_idle;
    u64 user_ns;
    u64 system_ns;
    u64 voluntary_switches;
    u64 involuntary_switches;
    u64 started_ns;
    char name[16];

    // Started and not yet exited: a member a process can have.
    bool is_live() const
    {
        return state != ThreadState::New && state != ThreadState::Zombie && state != ThreadState::Dead;
    }
};

class ThreadSnapshots {
public:
    ThreadSnapshots() = default;
    ~ThreadSnapshots();
    ThreadSnapshots(ThreadSnapshots const&) = delete;
    ThreadSnapshots& operator=(ThreadSnapshots const&) = delete;

    // Copies every thread sched/ lists now. ENOMEM if the copy does not fit.
    ErrorOr<void> take();

    usize size() const { return m_count; }
    ThreadSnapshot const& operator[](usize index) const { return m_items[index]; }
    ThreadSnapshot const* begin() const { return m_items; }
    ThreadSnapshot const* end() const { return m_items + m_count; }

private:
    ThreadSnapshot* m_items { nullptr };
    usize m_count { 0 };
    usize m_capacity { 0 };
};
