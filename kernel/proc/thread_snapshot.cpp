// Thread snapshots (thread_snapshot.h).
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <proc/thread_snapshot.h>
#include <sched/scheduler.h>

namespace {

struct Filler {
    ThreadSnapshot* items;
    usize capacity;
    usize seen;
};

void copy_thread(Thread& thread, void* context)
{
    auto& filler = *static_cast<Filler*>(context);
    usize index = filler.seen++;
    if (index >= filler.capacity)
        return;
    ThreadSnapshot& copy = filler.items[index];
    copy.thread = &thread;
    copy.owner = thread.owner;
    copy.tid = thread.tid;
    copy.cpu = thread.cpu;
    copy.state = thread.state;
    copy.letter = thread_letter(thread);
    copy.policy = thread.policy;
    copy.rt_priority = thread.rt_priority;
    copy.nice = thread.nice;
    copy.is_idle = thread.is_idle_thread;
    copy.user_ns = thread.user_ns;
    copy.system_ns = thread.system_ns;
    copy.voluntary_switches = thread.voluntary_switches;
    copy.involuntary_switches = thread.involuntary_switches;
    copy.started_ns = thread.started_ns;
    memcpy(copy.name, thread.name, sizeof(copy.name));
    copy.name[sizeof(copy.name) - 1] = 0;
}

void count_thread(Thread&, void* context) { ++*static_cast<usize*>(context); }

}

ThreadSnapshots::~ThreadSnapshots() { kfree(m_items); }

ErrorOr<void> ThreadSnapshots::take()
{
    // Threads come and go between counting and copying: leave room, and
    // count again if even that was not enough.
    for (int attempt = 0; attempt < 8; ++attempt) {
        usize count = 0;
        sched::for_each_thread(count_thread, &count);
        usize capacity = count + count / 4 + 8;
        if (capacity > m_capacity) {
            kfree(m_items);
            m_count = m_capacity = 0;
            m_items = static_cast<ThreadSnapshot*>(kmalloc(capacity * sizeof(ThreadSnapshot)));
            if (!m_items)
                return Error::from_errno(ENOMEM);
            m_capacity = capacity;
        }
        Filler filler { m_items, m_capacity, 0 };
        sched::for_each_thread(copy_thread, &filler);
        if (filler.seen <= m_capacity) {
            m_count = filler.seen;
            return {};
        }
    }
    return Error::from_errno(ENOMEM);
}
