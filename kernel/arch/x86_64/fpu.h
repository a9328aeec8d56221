// The FPU/SSE/AVX state of threads (CONCEPTS A8): turning the units on,
// the size and layout of the per-thread save area, and saving and
// restoring it on a context switch.
//
// The kernel itself is compiled without SSE (kernel/CMakeLists.txt), so the
// registers hold only what threads put there; the scheduler saves the
// outgoing thread's state and restores the incoming one's on every switch
// ("eager" switching: no device-not-available traps, correct for any user
// code, and one XSAVE/XRSTOR pair costs less than the trap lazy switching
// would take on most switches).
//
// XSAVE (with XCR0 = x87 | SSE | AVX, as far as the CPU has them) when
// CPUID says so, FXSAVE (x87 + SSE, 512 bytes) otherwise.
//
// Callers: the scheduler (init on each CPU, allocate/save/restore), the
// register-preservation self-test.
#pragma once

#include <lib/types.h>

namespace fpu {

constexpr usize kStateAlignment = 64;

// On each CPU before any thread uses the FPU: CR0/CR4 bits, XCR0. The first
// call (the boot CPU) also detects the save mechanism and logs it.
void init_this_cpu();

bool uses_xsave();
bool has_avx();       // AVX state is saved (XCR0 bit 2)
u64 xcr0();           // 0 with FXSAVE
usize state_size();   // bytes of one save area

// A save area in the initial state (x87 control word 0x37F, MXCSR 0x1F80,
// every register zero), from kmalloc_aligned; nullptr when memory ran out.
u8* allocate_state();
void free_state(u8* state);
void init_state(u8* state);

void save(u8* state);
void restore(u8 const* state);

}
