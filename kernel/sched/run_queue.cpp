// A CPU's run queue: class queues and the pick; see run_queue.h.
// Host-buildable. Every function here runs with RunQueue::lock held (the
// kernel) or single-threaded (host tests).
#include <sched/run_queue.h>

using sched::policy::SchedClass;
using sched::policy::class_of;
using sched::policy::vruntime_before;

// ---- real time: one FIFO list per priority, a bitmap of non-empty ones ----

void RealTimeQueue::enqueue(Thread& thread, bool at_head)
{
    u8 priority = thread.rt_priority;
    VERIFY(priority >= kMinRtPriority && priority <= kMaxRtPriority);
    if (at_head)
        m_lists[priority].prepend(thread);
    else
        m_lists[priority].append(thread);
    m_bitmap[priority / 64] |= 1ull << (priority % 64);
    ++m_count;
}

void RealTimeQueue::dequeue(Thread& thread)
{
    u8 priority = thread.rt_priority;
    m_lists[priority].remove(thread);
    if (m_lists[priority].is_empty())
        m_bitmap[priority / 64] &= ~(1ull << (priority % 64));
    --m_count;
}

Thread* RealTimeQueue::highest()
{
    int priority;
    if (m_bitmap[1])
        priority = 64 + 63 - __builtin_clzll(m_bitmap[1]);
    else if (m_bitmap[0])
        priority = 63 - __builtin_clzll(m_bitmap[0]);
    else
        return nullptr;
    return m_lists[priority].first();
}

// ---- vruntime-ordered queues (fair, batch, idle policy) ----

void FairQueue::insert(Thread& thread)
{
    // From the back: a thread that just ran usually has the largest
    // vruntime. Equal values go after the ones already there (FIFO).
    Thread* position = m_threads.last();
    while (position && vruntime_before(thread.vruntime, position->vruntime))
        position = m_threads.prev(*position);
    if (!position) {
        m_threads.prepend(thread);
    } else if (Thread* after = m_threads.next(*position)) {
        m_threads.insert_before(*after, thread);
    } else {
        m_threads.append(thread);
    }
    m_queued_weight += thread.weight;
}

void FairQueue::remove(Thread& thread)
{
    m_threads.remove(thread);
    m_queued_weight -= thread.weight;
}

Thread* FairQueue::leftmost(Thread const* skip)
{
    Thread* first = m_threads.first();
    if (first && first == skip) {
        if (Thread* second = m_threads.next(*first))
            return second;
    }
    return first;
}

void FairQueue::update_min_vruntime(Thread const* running)
{
    bool have = false;
    u64 candidate = 0;
    if (running) {
        candidate = running->vruntime;
        have = true;
    }
    if (Thread const* first = m_threads.first()) {
        if (!have || vruntime_before(first->vruntime, candidate))
            candidate = first->vruntime;
        have = true;
    }
    if (have && vruntime_before(m_min_vruntime, candidate))
        m_min_vruntime = candidate;
}

// ---- the run queue ----

FairQueue* RunQueue::vruntime_queue(Thread const& thread)
{
    switch (class_of(thread)) {
    case SchedClass::Fair:
        return &fair;
    case SchedClass::Batch:
        return &batch;
    case SchedClass::IdlePolicy:
        return &idle_policy;
    case SchedClass::RealTime:
    case SchedClass::IdleThread:
        return nullptr;
    }
    return nullptr;
}

u64 RunQueue::competing_weight(Thread const& thread)
{
    FairQueue* queue = vruntime_queue(thread);
    u64 weight = queue ? queue->queued_weight() : 0;
    if (!thread.on_run_queue)
        weight += thread.weight;
    if (current && current != &thread && current->active && vruntime_queue(*current) == queue)
        weight += current->weight;
    return weight;
}

void RunQueue::publish_load()
{
    u32 value = static_cast<u32>(queued_count());
    if (current && !current->is_idle_thread && current->active)
        ++value;
    load.store(value, std::memory_order_relaxed);
}

void RunQueue::enqueue(Thread& thread, EnqueueKind kind, u64 now)
{
    VERIFY(!thread.on_run_queue && !thread.is_idle_thread);
    (void)now;
    if (class_of(thread) == SchedClass::RealTime) {
        // A real-time thread that lost the CPU to a higher priority keeps its
        // place at the head of its list (POSIX); one that yielded or used
        // up its round-robin slice goes to the back.
        bool keep_place = kind == EnqueueKind::Requeue && !thread.slice_expired && !thread.yielded;
        real_time.enqueue(thread, keep_place);
    } else {
        FairQueue& queue = *vruntime_queue(thread);
        switch (kind) {
        case EnqueueKind::New:
            thread.vruntime = sched::policy::place_new(queue.min_vruntime(), thread.weight,
                competing_weight(thread), timeslice_ns);
            break;
        case EnqueueKind::Wakeup:
            thread.vruntime = sched::policy::place_woken(queue.min_vruntime(), thread.vruntime, timeslice_ns);
            break;
        case EnqueueKind::Migrated:
            thread.vruntime += queue.min_vruntime();
            break;
        case EnqueueKind::Requeue:
            break; // it was running here: already absolute
        }
        queue.insert(thread);
        shrink_current_slice(queue, now);
    }
    thread.on_run_queue = true;
    thread.active = true;
    thread.cpu = cpu_id;
    publish_load();
}

void RunQueue::shrink_current_slice(FairQueue& queue, u64 now)
{
    // One more thread competes: the running thread's share of the time
    // slice is smaller now (Linux re-checks it on every tick; with no tick
    // the slice end is moved when the competition changes).
    Thread* running = current;
    if (!running || running->is_idle_thread || !running->active || vruntime_queue(*running) != &queue
        || running->slice_end_ns == 0 || now == 0)
        return;
    u64 slice = sched::policy::fair_slice_ns(running->weight, competing_weight(*running), timeslice_ns);
    if (slice_start_ns + slice < running->slice_end_ns)
        running->slice_end_ns = slice_start_ns + slice;
}

void RunQueue::make_vruntime_relative(Thread& thread)
{
    if (FairQueue* queue = vruntime_queue(thread))
        thread.vruntime -= queue->min_vruntime();
}

void RunQueue::make_vruntime_absolute(Thread& thread)
{
    if (FairQueue* queue = vruntime_queue(thread))
        thread.vruntime += queue->min_vruntime();
}

void RunQueue::dequeue(Thread& thread)
{
    VERIFY(thread.on_run_queue);
    if (class_of(thread) == SchedClass::RealTime) {
        real_time.dequeue(thread);
    } else {
        FairQueue& queue = *vruntime_queue(thread);
        queue.remove(thread);
        Thread const* running = current && current->active && vruntime_queue(*current) == &queue ? current : nullptr;
        queue.update_min_vruntime(running);
        thread.vruntime -= queue.min_vruntime();
    }
    thread.on_run_queue = false;
    thread.active = false;
    publish_load();
}

void RunQueue::update_current(u64 now)
{
    Thread* thread = current;
    if (!thread || now <= thread->exec_start_ns)
        return;
    u64 delta = now - thread->exec_start_ns;
    thread->exec_start_ns = now;
    if (thread->in_user_mode)
        thread->user_ns += delta;
    else
        thread->system_ns += delta;
    if (!thread->active)
        return;
    if (FairQueue* queue = vruntime_queue(*thread)) {
        thread->vruntime += sched::policy::virtual_delta(delta, thread->weight);
        queue->update_min_vruntime(thread);
    }
}

void RunQueue::deactivate_current(u64 now)
{
    Thread& thread = *current;
    update_current(now);
    thread.active = false;
    publish_load();
}

void RunQueue::put_prev(Thread& thread)
{
    if (thread.is_idle_thread)
        return;
    enqueue(thread, EnqueueKind::Requeue, 0);
}

void RunQueue::start_slice(Thread& thread, u64 now)
{
    thread.exec_start_ns = now;
    slice_start_ns = now;
    thread.slice_expired = false;
    switch (class_of(thread)) {
    case SchedClass::RealTime:
        thread.slice_end_ns = thread.policy == SchedPolicy::RoundRobin ? now + timeslice_ns : 0;
        break;
    case SchedClass::Fair:
    case SchedClass::Batch:
    case SchedClass::IdlePolicy:
        thread.slice_end_ns = now + sched::policy::fair_slice_ns(thread.weight, competing_weight(thread), timeslice_ns);
        break;
    case SchedClass::IdleThread:
        thread.slice_end_ns = 0;
        break;
    }
}

Thread* RunQueue::pick_next(u64 now, Thread const* yielded)
{
    Thread* next = real_time.highest();
    if (next) {
        real_time.dequeue(*next);
    } else {
        FairQueue* queues[] = { &fair, &batch, &idle_policy };
        for (FairQueue* queue : queues) {
            next = queue->leftmost(yielded);
            if (next) {
                queue->remove(*next);
                break;
            }
        }
    }
    if (!next)
        next = idle;
    next->on_run_queue = false;
    next->yielded = false;
    current = next;
    start_slice(*next, now);
    if (FairQueue* queue = next->is_idle_thread ? nullptr : vruntime_queue(*next))
        queue->update_min_vruntime(next);
    publish_load();
    return next;
}

bool RunQueue::tick(u64 now)
{
    update_current(now);
    Thread& thread = *current;
    SchedClass running_class = class_of(thread);
    if (running_class == SchedClass::IdleThread)
        return queued_count() > 0;
    // A better class is waiting (it arrived while preemption was off, or
    // through a migration): go now.
    if (Thread* best_real_time = real_time.highest()) {
        if (running_class != SchedClass::RealTime || best_real_time->rt_priority > thread.rt_priority)
            return true;
    }
    if (running_class > SchedClass::Fair && fair.count())
        return true;
    if (running_class > SchedClass::Batch && batch.count())
        return true;
    if (thread.slice_end_ns == 0 || now < thread.slice_end_ns)
        return false;
    bool others = running_class == SchedClass::RealTime ? real_time.count_at(thread.rt_priority) > 0
                                                         : vruntime_queue(thread)->count() > 0;
    if (others) {
        thread.slice_expired = true;
        return true;
    }
    start_slice(thread, now); // alone in its class: another slice
    return false;
}

bool RunQueue::should_preempt(Thread const& woken, u64 now)
{
    if (!current)
        return true;
    update_current(now);
    if (sched::policy::wakeup_preempts(*current, woken))
        return true;
    // Its share shrank below what it has already run (shrink_current_slice).
    return current->active && current->slice_end_ns && now >= current->slice_end_ns
        && vruntime_queue(*current) && vruntime_queue(*current) == vruntime_queue(woken);
}
