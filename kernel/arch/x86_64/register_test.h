// A test helper for the context-switch self-tests (sched/scheduler_selftest.cpp):
// the only way to put chosen values in every register and read them back
// is assembly, and assembly lives in arch/. The kernel itself never runs
// these outside the self-tests.
#pragma once

#include <lib/types.h>

// Every general register but rsp, and the 16 vector registers (as YMM:
// 32 bytes each; with SSE only the low 16 bytes count).
struct RegisterImage {
    // rax rbx rcx rdx rsi rdi rbp r8 r9 r10 r11 r12 r13 r14 r15, one spare
    u64 general[16];
    u64 vector[16][4];
};
static_assert(sizeof(RegisterImage) == 0x80 + 16 * 32);

enum RegisterIndex : u8 { kRax, kRbx, kRcx, kRdx, kRsi, kRdi, kRbp, kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15 };

extern "C" {
// Loads `in` into all 15 general registers and the vector registers (YMM
// when use_avx, else XMM), spins until arch_register_test_stop is non-zero,
// then stores every register into `out`. Interrupts (and the preemptions on
// their way out) are what may disturb the registers meanwhile.
void arch_register_test_spin(RegisterImage const* in, RegisterImage* out, u32 use_avx);
// Loads `in` into the callee-saved general registers (rbx, rbp, r12-r15)
// and the vector registers, calls yield_function(), and stores them into
// `out`: what a voluntary switch must preserve.
void arch_register_test_yield(RegisterImage const* in, RegisterImage* out, u32 use_avx, void (*yield_function)());
extern volatile u32 arch_register_test_stop;
}
