// Host tests of the scheduling policy (kernel/sched/policy.cpp,
// run_queue.cpp, thread.cpp, load_average.cpp): the nice-to-weight table and
// virtual-runtime arithmetic, slices, placement of new and woken threads,
// wake-up preemption, the real-time priority queues, the order of the
// classes, CPU shares in a simulated run, a priority-inversion case, the
// thread state table and the load average.
#include <gtest/gtest.h>
#include <sched/load_average.h>
#include <sched/policy.h>
#include <sched/run_queue.h>
#include <sched/thread.h>

using namespace sched::policy;

namespace {

constexpr u64 kMs = 1'000'000;
constexpr u64 kSlice = kDefaultTimesliceNs;

void make(Thread& thread, SchedPolicy policy, int priority_or_nice)
{
    thread.policy = policy;
    if (policy == SchedPolicy::Fifo || policy == SchedPolicy::RoundRobin) {
        thread.rt_priority = static_cast<u8>(priority_or_nice);
    } else {
        thread.nice = static_cast<i8>(priority_or_nice);
        thread.weight = weight_of_nice(priority_or_nice);
    }
    thread.state = ThreadState::Ready;
}

// One CPU's run queue driven by a simulated clock: threads run until their
// slice ends or a better one arrives, as the kernel's timer interrupt and
// wake-ups would make them.
struct Simulation {
    // Declared before the queue: the queue (destroyed first) unlinks them.
    Thread idle;
    RunQueue rq;
    u64 now { 1'000'000'000 };

    explicit Simulation(u64 timeslice = kSlice)
    {
        idle.is_idle_thread = true;
        idle.state = ThreadState::Running;
        rq.idle = &idle;
        rq.current = &idle;
        rq.timeslice_ns = timeslice;
    }

    void switch_now()
    {
        rq.update_current(now);
        rq.put_prev(*rq.current);
        rq.pick_next(now, nullptr);
    }

    void start(Thread& thread)
    {
        rq.enqueue(thread, EnqueueKind::New, now);
        if (rq.should_preempt(thread, now))
            switch_now();
    }

    void wake(Thread& thread)
    {
        rq.enqueue(thread, EnqueueKind::Wakeup, now);
        if (rq.should_preempt(thread, now))
            switch_now();
    }

    // The running thread goes to sleep.
    void block()
    {
        rq.deactivate_current(now);
        rq.pick_next(now, nullptr);
    }

    // Runs for `duration`, switching at slice ends.
    void run(u64 duration)
    {
        u64 end = now + duration;
        while (now < end) {
            u64 event = rq.current->slice_end_ns ? rq.current->slice_end_ns : now + kMs;
            if (event <= now)
                event = now + 1;
            now = event < end ? event : end;
            if (rq.tick(now))
                switch_now();
        }
        rq.update_current(now);
    }
};

u64 cpu_ns(Thread const& t) { return t.user_ns + t.system_ns; }

}

TEST(SchedPolicy, NiceWeightsAreLinuxsTable)
{
    EXPECT_EQ(weight_of_nice(0), 1024u);
    EXPECT_EQ(weight_of_nice(-20), 88761u);
    EXPECT_EQ(weight_of_nice(19), 15u);
    EXPECT_EQ(weight_of_nice(10), 110u);
    EXPECT_EQ(weight_of_nice(-100), 88761u); // clamped
    EXPECT_EQ(weight_of_nice(100), 15u);
    // Each step is about 1.25x: 10% of the CPU moves per nice level.
    for (int nice = -20; nice < 19; ++nice) {
        double ratio = static_cast<double>(weight_of_nice(nice)) / weight_of_nice(nice + 1);
        EXPECT_GT(ratio, 1.15) << nice;
        EXPECT_LT(ratio, 1.35) << nice;
    }
}

TEST(SchedPolicy, VirtualRuntimeRunsSlowForHeavyThreads)
{
    EXPECT_EQ(virtual_delta(5 * kMs, 1024), 5 * kMs);
    EXPECT_EQ(virtual_delta(110 * kMs, 110), 1024 * kMs);
    EXPECT_EQ(virtual_delta(88761, 88761), 1024u);
    // No overflow for long runs.
    EXPECT_EQ(virtual_delta(3600'000 * kMs, 15), 3600'000 * kMs / 15 * 1024);
    EXPECT_TRUE(vruntime_before(1, 2));
    EXPECT_FALSE(vruntime_before(2, 2));
    EXPECT_TRUE(vruntime_before(~0ull - 5, 3)); // across the wrap
}

TEST(SchedPolicy, SliceIsTheWeightsShareWithAMinimum)
{
    EXPECT_EQ(fair_slice_ns(1024, 1024, kSlice), kSlice);         // alone
    EXPECT_EQ(fair_slice_ns(1024, 2048, kSlice), kSlice / 2);     // two equal
    EXPECT_EQ(fair_slice_ns(1024, 1024 + 110, kSlice), kSlice * 1024 / 1134);
    EXPECT_EQ(fair_slice_ns(110, 1024 + 110, kSlice), min_granularity_ns(kSlice)); // 9.7 ms -> 12.5 ms
    EXPECT_EQ(fair_slice_ns(1024, 1024 * 100, kSlice), min_granularity_ns(kSlice));
    EXPECT_EQ(min_granularity_ns(kSlice), kSlice / 8);
}

TEST(SchedPolicy, PlacementDebitsNewThreadsAndLimitsSleeperCredit)
{
    u64 min = 500 * kMs;
    // A new thread starts one virtual slice behind.
    EXPECT_EQ(place_new(min, 1024, 2048, kSlice), min + kSlice / 2);
    // A short sleeper keeps its vruntime; a long one gets at most half a slice.
    EXPECT_EQ(place_woken(min, min - 10 * kMs, kSlice), min - 10 * kMs);
    EXPECT_EQ(place_woken(min, min - 400 * kMs, kSlice), min - sleeper_credit_ns(kSlice));
    EXPECT_EQ(place_woken(min, min + 7 * kMs, kSlice), min + 7 * kMs);
}

TEST(SchedPolicy, WakeupPreemptionFollowsClassesPrioritiesAndVruntime)
{
    Thread fair_running, fair_woken, rt_low, rt_high, batch, idle_policy, idle;
    make(fair_running, SchedPolicy::Normal, 0);
    make(fair_woken, SchedPolicy::Normal, 0);
    make(rt_low, SchedPolicy::Fifo, 10);
    make(rt_high, SchedPolicy::RoundRobin, 60);
    make(batch, SchedPolicy::Batch, 0);
    make(idle_policy, SchedPolicy::Idle, 0);
    idle.is_idle_thread = true;

    EXPECT_TRUE(wakeup_preempts(fair_running, rt_low));
    EXPECT_TRUE(wakeup_preempts(rt_low, rt_high));
    EXPECT_FALSE(wakeup_preempts(rt_high, rt_low));
    EXPECT_FALSE(wakeup_preempts(rt_low, fair_woken));
    EXPECT_TRUE(wakeup_preempts(batch, fair_woken));
    EXPECT_FALSE(wakeup_preempts(fair_running, batch));
    EXPECT_TRUE(wakeup_preempts(idle_policy, batch));
    EXPECT_FALSE(wakeup_preempts(batch, batch));
    EXPECT_TRUE(wakeup_preempts(idle, idle_policy));

    fair_running.vruntime = 100 * kMs;
    fair_woken.vruntime = 99'500'000; // 0.5 ms behind: within the granularity
    EXPECT_FALSE(wakeup_preempts(fair_running, fair_woken));
    fair_woken.vruntime = 98 * kMs; // 2 ms behind
    EXPECT_TRUE(wakeup_preempts(fair_running, fair_woken));
}

TEST(RealTimeQueue, HighestPriorityFirstFifoWithin)
{
    Thread a, b, c, d;
    make(a, SchedPolicy::Fifo, 30);
    make(b, SchedPolicy::Fifo, 70); // above 63: the bitmap's second word
    make(c, SchedPolicy::Fifo, 70);
    make(d, SchedPolicy::Fifo, 99);
    RealTimeQueue queue;
    queue.enqueue(a, false);
    queue.enqueue(b, false);
    queue.enqueue(c, false);
    EXPECT_EQ(queue.highest(), &b);
    queue.enqueue(d, false);
    EXPECT_EQ(queue.highest(), &d);
    queue.dequeue(d);
    queue.dequeue(b);
    EXPECT_EQ(queue.highest(), &c);
    queue.enqueue(b, true); // at the head of its level
    EXPECT_EQ(queue.highest(), &b);
    queue.dequeue(b);
    queue.dequeue(c);
    EXPECT_EQ(queue.highest(), &a);
    EXPECT_EQ(queue.count(), 1u);
    queue.dequeue(a);
    EXPECT_EQ(queue.highest(), nullptr);
}

TEST(RunQueue, ClassesPickRealTimeThenFairThenBatchThenIdlePolicyThenIdle)
{
    Thread rt, fair, batch, idle_policy;
    make(rt, SchedPolicy::RoundRobin, 1);
    make(fair, SchedPolicy::Normal, -20);
    make(batch, SchedPolicy::Batch, -20);
    make(idle_policy, SchedPolicy::Idle, 0);
    Simulation sim;
    sim.rq.enqueue(idle_policy, EnqueueKind::New, sim.now);
    sim.rq.enqueue(batch, EnqueueKind::New, sim.now);
    sim.rq.enqueue(fair, EnqueueKind::New, sim.now);
    sim.rq.enqueue(rt, EnqueueKind::New, sim.now);
    EXPECT_EQ(sim.rq.load.load(), 4u);
    EXPECT_EQ(sim.rq.pick_next(sim.now, nullptr), &rt);
    sim.rq.deactivate_current(sim.now);
    EXPECT_EQ(sim.rq.pick_next(sim.now, nullptr), &fair);
    sim.rq.deactivate_current(sim.now);
    EXPECT_EQ(sim.rq.pick_next(sim.now, nullptr), &batch);
    sim.rq.deactivate_current(sim.now);
    EXPECT_EQ(sim.rq.pick_next(sim.now, nullptr), &idle_policy);
    sim.rq.deactivate_current(sim.now);
    EXPECT_EQ(sim.rq.pick_next(sim.now, nullptr), &sim.idle);
    EXPECT_EQ(sim.rq.load.load(), 0u);
}

TEST(RunQueue, RoundRobinRotatesAtSliceEndsFifoDoesNot)
{
    Thread a, b;
    make(a, SchedPolicy::RoundRobin, 50);
    make(b, SchedPolicy::RoundRobin, 50);
    Simulation sim;
    sim.start(a);
    sim.start(b);
    EXPECT_EQ(sim.rq.current, &a);
    sim.run(kSlice - 1);
    EXPECT_EQ(sim.rq.current, &a);
    sim.run(2);
    EXPECT_EQ(sim.rq.current, &b); // a went to the back of priority 50
    sim.run(kSlice);
    EXPECT_EQ(sim.rq.current, &a);

    Thread f, g;
    make(f, SchedPolicy::Fifo, 40);
    make(g, SchedPolicy::Fifo, 40);
    Simulation fifo;
    fifo.start(f);
    fifo.start(g);
    fifo.run(10 * kSlice);
    EXPECT_EQ(fifo.rq.current, &f); // runs until it blocks or yields
    EXPECT_EQ(cpu_ns(g), 0u);
}

TEST(RunQueue, PreemptedRealTimeThreadKeepsItsPlace)
{
    Thread low1, low2, high;
    make(low1, SchedPolicy::Fifo, 10);
    make(low2, SchedPolicy::Fifo, 10);
    make(high, SchedPolicy::Fifo, 90);
    Simulation sim;
    sim.start(low1);
    sim.start(low2);
    EXPECT_EQ(sim.rq.current, &low1);
    sim.wake(high); // preempts low1, which goes back to the head of level 10
    EXPECT_EQ(sim.rq.current, &high);
    sim.block();
    EXPECT_EQ(sim.rq.current, &low1);
}

TEST(RunQueue, YieldGivesTheOthersOfTheClassTheirTurn)
{
    Thread a, b;
    make(a, SchedPolicy::Normal, 0);
    make(b, SchedPolicy::Normal, 0);
    Simulation sim;
    sim.start(a);
    sim.start(b);
    Thread* first = sim.rq.current;
    Thread* other = first == &a ? &b : &a;
    sim.rq.update_current(sim.now);
    sim.rq.put_prev(*first);
    EXPECT_EQ(sim.rq.pick_next(sim.now, first), other);
}

TEST(RunQueue, NiceZeroAndNiceTenShareByWeight)
{
    Thread heavy, light;
    make(heavy, SchedPolicy::Normal, 0);
    make(light, SchedPolicy::Normal, 10);
    Simulation sim;
    sim.start(heavy);
    sim.start(light);
    sim.run(100'000 * kMs);
    double ratio = static_cast<double>(cpu_ns(heavy)) / cpu_ns(light);
    EXPECT_NEAR(ratio, 1024.0 / 110.0, 1024.0 / 110.0 * 0.02);
}

TEST(RunQueue, EqualThreadsShareEquallyAndAllGetTheCpuWithinAPeriod)
{
    Thread threads[5];
    Simulation sim;
    for (auto& t : threads) {
        make(t, SchedPolicy::Normal, 0);
        sim.start(t);
    }
    // Every one runs within two time slices (no starvation)...
    sim.run(2 * kSlice);
    for (auto& t : threads)
        EXPECT_GT(cpu_ns(t), 0u);
    // ...and over time they get a fifth each.
    sim.run(10'000 * kMs);
    u64 total = 0;
    for (auto& t : threads)
        total += cpu_ns(t);
    for (auto& t : threads)
        EXPECT_NEAR(static_cast<double>(cpu_ns(t)) / total, 0.2, 0.01);
}

TEST(RunQueue, BatchRunsOnlyWhenNoFairThreadCan)
{
    Thread fair, batch;
    make(fair, SchedPolicy::Normal, 19);
    make(batch, SchedPolicy::Batch, -20);
    Simulation sim;
    sim.start(batch);
    EXPECT_EQ(sim.rq.current, &batch);
    sim.start(fair); // even the lightest fair thread preempts the heaviest batch one
    EXPECT_EQ(sim.rq.current, &fair);
    u64 batch_before = cpu_ns(batch);
    sim.run(5'000 * kMs);
    EXPECT_EQ(cpu_ns(batch), batch_before);
    sim.block();
    EXPECT_EQ(sim.rq.current, &batch);
}

TEST(RunQueue, LongSleeperPreemptsOnWakeShortSleeperWaitsItsTurn)
{
    Thread hog, sleeper, fresh;
    make(hog, SchedPolicy::Normal, 0);
    make(sleeper, SchedPolicy::Normal, 0);
    make(fresh, SchedPolicy::Normal, 0);
    Simulation sim;
    sim.start(sleeper);
    sim.start(hog);
    EXPECT_EQ(sim.rq.current, &sleeper);
    sim.block(); // the sleeper sleeps; the hog runs alone
    EXPECT_EQ(sim.rq.current, &hog);
    sim.run(1'000 * kMs);
    sim.wake(sleeper);
    EXPECT_EQ(sim.rq.current, &sleeper); // behind by the sleeper credit: runs at once
    // Its vruntime was raised to the floor, not left a second behind.
    EXPECT_EQ(hog.vruntime - sleeper.vruntime, sleeper_credit_ns(kSlice));

    // A new thread does not preempt: it starts a slice behind.
    sim.start(fresh);
    EXPECT_EQ(sim.rq.current, &sleeper);
}

TEST(RunQueue, ANewCompetitorShortensTheRunningSlice)
{
    Thread a, b;
    make(a, SchedPolicy::Normal, 0);
    make(b, SchedPolicy::Normal, 0);
    Simulation sim;
    sim.start(a);
    EXPECT_EQ(a.slice_end_ns, sim.now + kSlice);
    sim.run(10 * kMs);
    sim.rq.enqueue(b, EnqueueKind::New, sim.now);
    EXPECT_EQ(a.slice_end_ns, sim.now - 10 * kMs + kSlice / 2);
}

TEST(RunQueue, MigrationKeepsTheLagAcrossQueues)
{
    Thread a, b, moving;
    make(a, SchedPolicy::Normal, 0);
    make(b, SchedPolicy::Normal, 0);
    make(moving, SchedPolicy::Normal, 0);
    Simulation source, target;
    target.now = source.now = 5'000 * kMs;
    source.start(a);
    source.start(moving);
    source.run(3'000 * kMs);
    target.start(b);
    target.run(100 * kMs);
    // `moving` is queued on the source (not running), behind by some lag.
    Thread* queued = source.rq.current == &moving ? &a : &moving;
    if (queued != &moving) {
        source.switch_now();
    }
    ASSERT_TRUE(moving.on_run_queue);
    i64 lag = static_cast<i64>(moving.vruntime - source.rq.fair.min_vruntime());
    source.rq.dequeue(moving);
    EXPECT_EQ(static_cast<i64>(moving.vruntime), lag);
    target.rq.enqueue(moving, EnqueueKind::Migrated, target.now);
    EXPECT_EQ(static_cast<i64>(moving.vruntime - target.rq.fair.min_vruntime()), lag);
    EXPECT_EQ(moving.cpu, target.rq.cpu_id);
}

// Priority inversion (E3): a high-priority thread waits for a lock a
// low-priority one holds; a medium-priority thread then runs ahead of both.
// Raising the holder to the waiter's priority (priority inheritance, done
// by a policy change) lets the holder run first again.
TEST(RunQueue, PriorityInversionAndItsCureByInheritance)
{
    Thread low, medium, high;
    make(low, SchedPolicy::Fifo, 10);
    make(medium, SchedPolicy::Fifo, 50);
    make(high, SchedPolicy::Fifo, 90);
    Simulation sim;
    sim.start(low); // takes the lock
    sim.start(high);
    EXPECT_EQ(sim.rq.current, &high);
    sim.block(); // high blocks on low's lock
    EXPECT_EQ(sim.rq.current, &low);
    sim.wake(medium);
    EXPECT_EQ(sim.rq.current, &medium); // the inversion: high waits on medium
    // Inheritance: low runs at high's priority until it unlocks.
    sim.rq.dequeue(low);
    low.rt_priority = high.rt_priority;
    sim.rq.enqueue(low, EnqueueKind::Migrated, sim.now);
    EXPECT_TRUE(sim.rq.should_preempt(low, sim.now));
    sim.switch_now();
    EXPECT_EQ(sim.rq.current, &low);
}

TEST(ThreadState, OnlyTheTableTransitionsAreLegal)
{
    using S = ThreadState;
    EXPECT_TRUE(is_legal_transition(S::New, S::Ready));
    EXPECT_TRUE(is_legal_transition(S::Ready, S::Running));
    EXPECT_TRUE(is_legal_transition(S::Running, S::Ready));
    EXPECT_TRUE(is_legal_transition(S::Running, S::Waiting));
    EXPECT_TRUE(is_legal_transition(S::Waiting, S::Ready));
    EXPECT_TRUE(is_legal_transition(S::Waiting, S::Stopped));
    EXPECT_TRUE(is_legal_transition(S::Stopped, S::Ready));
    EXPECT_TRUE(is_legal_transition(S::Running, S::Zombie));
    EXPECT_TRUE(is_legal_transition(S::Zombie, S::Dead));
    EXPECT_TRUE(is_legal_transition(S::Ready, S::SuspendedReady));
    EXPECT_TRUE(is_legal_transition(S::SuspendedWaiting, S::SuspendedReady));
    EXPECT_FALSE(is_legal_transition(S::New, S::Running));
    EXPECT_FALSE(is_legal_transition(S::Waiting, S::Running));
    EXPECT_FALSE(is_legal_transition(S::Ready, S::Waiting));
    EXPECT_FALSE(is_legal_transition(S::Zombie, S::Running));
    EXPECT_FALSE(is_legal_transition(S::Dead, S::Ready));
    EXPECT_FALSE(is_legal_transition(S::Running, S::Dead));

    Thread thread;
    set_state(thread, S::Ready);
    set_state(thread, S::Running);
    EXPECT_EQ(thread_letter(thread), 'R');
    set_state(thread, S::Waiting);
    EXPECT_EQ(thread_letter(thread), 'S');
    thread.uninterruptible = true;
    EXPECT_EQ(thread_letter(thread), 'D');
    EXPECT_STREQ(thread_state_name(S::Zombie), "zombie");
    EXPECT_DEATH(set_state(thread, S::Running), "illegal state change waiting -> running");
}

TEST(LoadAverage, ConvergesToASteadyLoadAndDecays)
{
    using namespace sched::loadavg;
    State state;
    state.sample(1);
    EXPECT_EQ(state.averages[0], 164u); // Linux: 1 - e^(-5/60) of FIXED_1
    for (int i = 0; i < 12 * 60; ++i) // one hour of 5-second samples
        state.sample(2);
    for (u64 average : state.averages) {
        EXPECT_EQ(integer_part(average), 2u);
        EXPECT_EQ(hundredths(average), 0u);
    }
    for (int i = 0; i < 12; ++i) // one minute idle
        state.sample(0);
    // The 1-minute average fell to about 2/e, the 15-minute one barely moved.
    EXPECT_NEAR(static_cast<double>(state.averages[0]) / kFixed1, 2 * 0.3679, 0.02);
    EXPECT_GT(static_cast<double>(state.averages[2]) / kFixed1, 1.8);
    EXPECT_LT(state.averages[0], state.averages[1]);
    EXPECT_LT(state.averages[1], state.averages[2]);
}
