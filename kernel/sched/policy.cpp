// Scheduling policy arithmetic; see policy.h. Host-buildable.
#include <sched/policy.h>

namespace sched::policy {

namespace {

// Nice -20 .. 19. The values are Linux's (kernel/sched/core.c), so a nice
// level means on Haneul what it means on Linux.
constexpr u32 kNiceToWeight[40] = {
    /* -20 */ 88761, 71755, 56483, 46273, 36291,
    /* -15 */ 29154, 23254, 18705, 14949, 11916,
    /* -10 */ 9548, 7620, 6100, 4904, 3906,
    /*  -5 */ 3121, 2501, 1991, 1586, 1277,
    /*   0 */ 1024, 820, 655, 526, 423,
    /*   5 */ 335, 272, 215, 172, 137,
    /*  10 */ 110, 87, 70, 56, 45,
    /*  15 */ 36, 29, 23, 18, 15,
};

}

u32 weight_of_nice(int nice)
{
    if (nice < kMinNice)
        nice = kMinNice;
    if (nice > kMaxNice)
        nice = kMaxNice;
    return kNiceToWeight[nice - kMinNice];
}

u64 virtual_delta(u64 delta_ns, u32 weight)
{
    if (weight == kNiceZeroWeight)
        return delta_ns;
    return static_cast<u64>(static_cast<unsigned __int128>(delta_ns) * kNiceZeroWeight / weight);
}

u64 min_granularity_ns(u64 timeslice_ns) { return timeslice_ns / 8; }

u64 fair_slice_ns(u32 weight, u64 total_weight, u64 timeslice_ns)
{
    if (total_weight < weight)
        total_weight = weight;
    u64 slice = static_cast<u64>(static_cast<unsigned __int128>(timeslice_ns) * weight / total_weight);
    u64 minimum = min_granularity_ns(timeslice_ns);
    if (slice < minimum)
        slice = minimum;
    if (slice == 0)
        slice = 1;
    return slice;
}

u64 sleeper_credit_ns(u64 timeslice_ns) { return timeslice_ns / 2; }

u64 place_new(u64 min_vruntime, u32 weight, u64 total_weight_with_it, u64 timeslice_ns)
{
    return min_vruntime + virtual_delta(fair_slice_ns(weight, total_weight_with_it, timeslice_ns), weight);
}

u64 place_woken(u64 min_vruntime, u64 vruntime, u64 timeslice_ns)
{
    u64 floor = min_vruntime - sleeper_credit_ns(timeslice_ns);
    return vruntime_before(vruntime, floor) ? floor : vruntime;
}

bool wakeup_preempts(Thread const& running, Thread const& woken)
{
    SchedClass running_class = class_of(running);
    SchedClass woken_class = class_of(woken);
    if (woken_class != running_class)
        return woken_class < running_class;
    switch (woken_class) {
    case SchedClass::RealTime:
        return woken.rt_priority > running.rt_priority;
    case SchedClass::Fair: {
        // Preempt when the woken thread is behind by more than the wake-up
        // granularity, measured on the woken thread's virtual clock.
        i64 behind = static_cast<i64>(running.vruntime - woken.vruntime);
        return behind > static_cast<i64>(virtual_delta(kWakeupGranularityNs, woken.weight));
    }
    case SchedClass::Batch:
    case SchedClass::IdlePolicy:
        // Linux's SCHED_BATCH: never preempts on wake-up; throughput first.
        return false;
    case SchedClass::IdleThread:
        return false;
    }
    return false;
}

}
