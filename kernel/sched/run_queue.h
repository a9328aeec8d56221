// One CPU's run queue (CONCEPTS C4, E1, E2): the Ready threads of that CPU,
// kept per scheduling class, and the choice of which runs next.
//
//   real time   100 FIFO lists, one per priority, and a bitmap of the
//               non-empty ones: the highest ready priority is one
//               count-leading-zeros away;
//   fair        threads sorted by virtual runtime (CFS's idea: the thread
//               that has had the least weighted CPU time runs next);
//   batch       the same, a separate queue that runs only when the two
//               above are empty;
//   idle policy the same again, below batch;
//   idle thread the CPU's own, on no queue, when nothing else can run.
//
// The running thread is on no list (a picked thread is taken off); `active`
// says whether a thread counts for this queue at all (Ready or Running).
// Everything here is plain data plus the class rules of policy.h: no
// hardware, no locking (the caller holds `lock`), no allocation: threads
// link through Thread::run_node. Host-buildable; the kernel side
// (switching, wake-ups, balancing) is in scheduler.cpp.
//
// The fair queue is a sorted intrusive list, not a red-black tree: with the
// handful of runnable threads a CPU holds, a short walk on insertion beats
// a tree's constant factors, and taking the next thread is O(1).
#pragma once

#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <lib/intrusive_list.h>
#include <lib/types.h>
#include <sched/policy.h>
#include <sched/thread.h>

class RealTimeQueue {
public:
    void enqueue(Thread&, bool at_head);
    void dequeue(Thread&);
    Thread* highest(); // null when empty
    usize count() const { return m_count; }
    usize count_at(u8 priority) const { return m_lists[priority].size(); }
    // Highest priority first, FIFO within one.
    template<typename Callback>
    void for_each(Callback callback)
    {
        for (int p = kMaxRtPriority; p >= kMinRtPriority; --p) {
            for (auto& thread : m_lists[p])
                callback(thread);
        }
    }

private:
    static constexpr usize kLevels = kMaxRtPriority + 1;
    IntrusiveList<Thread, &Thread::run_node> m_lists[kLevels];
    u64 m_bitmap[2] {}; // bit p: m_lists[p] is not empty
    usize m_count { 0 };
};

class FairQueue {
public:
    // Links `thread` by its (absolute) vruntime; equal ones keep FIFO order.
    void insert(Thread&);
    void remove(Thread&);
    // The thread with the smallest vruntime; with `skip` (a thread that
    // yielded) the next one when there is one.
    Thread* leftmost(Thread const* skip = nullptr);
    usize count() const { return m_threads.size(); }
    u64 queued_weight() const { return m_queued_weight; }
    // Raises min_vruntime to the smallest of the queued threads and
    // `running` (a thread of this queue's class running now, or null). It
    // never decreases: it is the zero point new and woken threads are placed
    // against.
    void update_min_vruntime(Thread const* running);
    u64 min_vruntime() const { return m_min_vruntime; }
    template<typename Callback>
    void for_each(Callback callback)
    {
        for (auto& thread : m_threads)
            callback(thread);
    }

private:
    IntrusiveList<Thread, &Thread::run_node> m_threads;
    u64 m_queued_weight { 0 };
    u64 m_min_vruntime { 0 };
};

// Why a thread is being queued, which says what its vruntime means.
enum class EnqueueKind : u8 {
    New,       // started: placed from scratch
    Wakeup,    // woken from a wait: absolute for this queue
    Requeue,   // was running here (preempted, yielded, out of slice): absolute
    Migrated,  // moved from another CPU's queue: relative (its lag)
};

struct RunQueue {
    Spinlock lock { "run queue" };
    u32 cpu_id { 0 };
    Thread* current { nullptr }; // running on this CPU (the idle thread when nothing else)
    Thread* idle { nullptr };
    u64 timeslice_ns { sched::policy::kDefaultTimesliceNs };

    RealTimeQueue real_time;
    FairQueue fair;
    FairQueue batch;
    FairQueue idle_policy;

    // queued threads plus a non-idle current one: what load balancing and
    // the load average read, without the lock.
    std::atomic<u32> load { 0 };
    u64 switches { 0 };

    // Links a Ready thread that is not yet on this queue, placing a
    // vruntime-class thread against this queue's min_vruntime as `kind`
    // says. A thread of the running one's class shortens the running one's
    // slice to its new share (the caller re-programs the slice end).
    void enqueue(Thread&, EnqueueKind kind, u64 now);
    // Unlinks a queued thread that leaves this CPU (migration, policy
    // change); its vruntime becomes relative.
    void dequeue(Thread&);
    // The running thread stops counting here (it sleeps or exits): charges
    // it up to `now`; its vruntime stays absolute.
    void deactivate_current(u64 now);
    // vruntime relative to / absolute for this CPU's queue of its class.
    void make_vruntime_relative(Thread&);
    void make_vruntime_absolute(Thread&);
    // The running thread goes back on its queue (preempted, yielded, slice
    // over). Its state is already Ready.
    void put_prev(Thread&);
    // Takes the thread that runs next off its queue (the idle thread when
    // all are empty) and starts its slice at `now`. Does not change states.
    Thread* pick_next(u64 now, Thread const* yielded);
    // Charges the running thread for the time since it was last charged:
    // CPU time, and virtual runtime in the vruntime classes.
    void update_current(u64 now);
    // Called at timer interrupts: true when the running thread's slice is
    // over and another thread of its class (or a better one) is waiting.
    // A thread alone in its class just starts a new slice.
    bool tick(u64 now);
    // Should the running thread give way now that `woken` is queued here:
    // `woken` is better, or the running one has had its (now shorter) share?
    bool should_preempt(Thread const& woken, u64 now);
    u64 slice_start_ns { 0 }; // when the running thread's slice began

    usize queued_count() const
    {
        return real_time.count() + fair.count() + batch.count() + idle_policy.count();
    }
    void publish_load();
    FairQueue* vruntime_queue(Thread const&);
    // The first queued thread, in pick order, for which `accept` is true
    // (load balancing looks for one it may move). Not removed.
    template<typename Accept>
    Thread* find_queued(Accept accept);

private:
    void start_slice(Thread&, u64 now);
    void shrink_current_slice(FairQueue&, u64 now);
    u64 competing_weight(Thread const&);
};

template<typename Accept>
Thread* RunQueue::find_queued(Accept accept)
{
    Thread* found = nullptr;
    auto visit = [&](Thread& t) {
        if (!found && accept(t))
            found = &t;
    };
    // Pick order: real time (highest priority first), then the vruntime classes.
    real_time.for_each(visit);
    if (!found)
        fair.for_each(visit);
    if (!found)
        batch.for_each(visit);
    if (!found)
        idle_policy.for_each(visit);
    return found;
}
