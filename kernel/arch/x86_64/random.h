// The CPU's random number instructions (RDRAND, RDSEED) and the time stamp
// counter as entropy sources for the kernel CSPRNG (fs/devfs/csprng.h),
// which takes its samples through a function pointer (entropy_sample is
// the kernel's default) so host tests can feed it their own.
// Kernel-only (inline asm).
#pragma once

#include <lib/types.h>

namespace hw_random {

bool has_rdrand();
bool has_rdseed();

// One 64-bit value from the instruction; false when the CPU lacks it or it
// kept failing (the instructions may report "no entropy right now").
bool rdrand64(u64& value);
bool rdseed64(u64& value);

// The best sample at hand: RDSEED, else RDRAND, each XORed with the TSC;
// on a CPU with neither, the TSC alone (whose low bits still jitter with
// interrupts and emulation timing: weak, but never nothing). Always true.
bool entropy_sample(u64& value);

}
