// The load average's arithmetic; see load_average.h. Host-buildable.
#include <sched/load_average.h>

namespace sched::loadavg {

u64 step(u64 average, u64 exponent, u64 active)
{
    u64 active_fixed = active * kFixed1;
    u64 next = average * exponent + active_fixed * (kFixed1 - exponent);
    // Round up while rising, so that a steady load of n converges to
    // exactly n instead of stopping one unit short (Linux does the same).
    if (active_fixed >= average)
        next += kFixed1 - 1;
    return next / kFixed1;
}

void State::sample(u64 active)
{
    averages[0] = step(averages[0], kExp1, active);
    averages[1] = step(averages[1], kExp5, active);
    averages[2] = step(averages[2], kExp15, active);
}

}
