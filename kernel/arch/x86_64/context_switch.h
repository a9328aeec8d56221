// The machine half of a context switch (CONCEPTS C4, A8): moving the CPU
// from one thread's kernel stack to another's. Everything a C++ caller
// expects a call to preserve (rbx, rbp, r12-r15, the stack pointer and the
// return address) is pushed on the old stack, the stack pointer is stored
// in the old thread, and the new thread's saved stack pointer is loaded
// and popped from. The other general registers are caller-saved by the ABI
// (the compiler already spilled what it needs), rflags travels with the
// scheduler's saved interrupt state, and the FPU/SSE/AVX state is switched
// separately (fpu.h), as are FS/GS base, CR3 and the TSS (scheduler.cpp).
//
// Layering: arch knows nothing of sched's types; the scheduler passes
// opaque pointers and the two functions a new thread starts through.
// Callers: sched/scheduler.cpp only.
#pragma once

#include <lib/types.h>

extern "C" {
// Saves the callee-saved registers on the current stack, stores the stack
// pointer at *save_rsp, switches to next_rsp and returns there. Returns, in
// the thread switched to, the `token` of the switch that resumed it (the
// scheduler passes the previous thread, so the resumed side learns whom it
// replaced).
void* arch_context_switch(VirtAddr* save_rsp, VirtAddr next_rsp, void* token);
}

namespace context_switch {

// How a new thread starts: the first switch to it "returns" into a
// trampoline that calls first_run(token) (the scheduler finishes the
// switch: releases its run-queue lock), enables interrupts, calls
// entry(argument), and, if entry returns, exit(0), which must not return.
struct ThreadStart {
    void (*first_run)(void* token);
    void (*entry)(void* argument);
    void* argument;
    void (*exit)(int code);
};

// Builds the initial frame of a new thread on the stack whose top is
// `stack_top` and returns the stack pointer arch_context_switch() should
// load to start it.
VirtAddr build_initial_frame(VirtAddr stack_top, ThreadStart const&);

// The number of bytes of stack a switched-out thread keeps on it.
constexpr usize kSwitchFrameSize = 7 * 8;

}
