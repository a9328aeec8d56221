// The load average (CONCEPTS B2; what `uptime` and /proc/loadavg show):
// exponentially damped averages, over 1, 5 and 15 minutes, of the number of
// threads that are runnable or in an uninterruptible wait, sampled every
// 5 seconds. Linux's fixed-point arithmetic (11 fractional bits and its
// decay factors), so the numbers mean what they mean on Linux.
//
// The arithmetic is here (host-tested); scheduler.cpp samples the count on
// a 5-second timer on CPU 0. Host-buildable.
#pragma once

#include <lib/types.h>

namespace sched::loadavg {

constexpr u32 kFixedShift = 11;          // Linux's FSHIFT
constexpr u64 kFixed1 = 1ull << kFixedShift;
constexpr u64 kSampleIntervalNs = 5'000'000'000ull;
// exp(-5 s / 1 min), exp(-5 s / 5 min), exp(-5 s / 15 min) in fixed point.
constexpr u64 kExp1 = 1884;
constexpr u64 kExp5 = 2014;
constexpr u64 kExp15 = 2037;

// One damping step: the new average from the old one and `active` threads
// (a plain count, not fixed point).
u64 step(u64 average, u64 exponent, u64 active);

struct State {
    u64 averages[3] {}; // 1, 5, 15 minutes, fixed point
    void sample(u64 active);
};

// "1.25" from a fixed-point average: the integer part and hundredths,
// rounded to the nearest hundredth as /proc/loadavg does.
inline u64 integer_part(u64 average) { return (average + kFixed1 / 200) >> kFixedShift; }
inline u64 hundredths(u64 average) { return (((average + kFixed1 / 200) & (kFixed1 - 1)) * 100) >> kFixedShift; }

}
