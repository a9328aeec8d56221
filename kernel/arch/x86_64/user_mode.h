// Ring 3 (CONCEPTS A5, B3): the pieces of the architecture layer that
// user mode needs. User registers live in an InterruptFrame at the top of
// each thread's kernel stack (syscall_entry.S); a thread enters user mode
// for the first time through enter_user_mode() with a frame built by
// initial_frame() (exec) or copied from its parent (fork, clone).
#pragma once

#include <arch/x86_64/interrupts.h>
#include <lib/types.h>

namespace user_mode {

// The vector field of a frame saved by a syscall (not a CPU vector).
constexpr u64 kSyscallVector = 0x100;

// Every CPU: EFER.SCE, STAR, LSTAR, FMASK, and SMEP/SMAP.
void init_this_cpu();

bool is_canonical_user_address(u64 address);

// Registers for the first instruction of a program: rip, rsp, user
// selectors, interrupts on, everything else zero.
InterruptFrame initial_frame(VirtAddr entry, VirtAddr stack_pointer);

// The saved user registers of the thread whose kernel stack tops at `top`.
inline InterruptFrame& frame_at_top(VirtAddr kernel_stack_top)
{
    return *reinterpret_cast<InterruptFrame*>(kernel_stack_top - sizeof(InterruptFrame));
}

}

// Copies `frame` to the top of the running thread's kernel stack and
// returns to user mode with it (syscall_entry.S).
extern "C" [[noreturn]] void enter_user_mode(InterruptFrame const* frame);
