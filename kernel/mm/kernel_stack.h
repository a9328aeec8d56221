// Kernel stacks: every thread's kernel stack lives in its own slot of the
// kernel-stack window (mm/layout.h) with an unmapped guard page below it, so
// an overflow faults at once (and the double-fault handler reports it)
// instead of silently corrupting a neighbour.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace mm {

constexpr usize kKernelStackSize = 16 * KiB;

struct KernelStack {
    VirtAddr bottom; // lowest usable byte; the guard page is just below
    VirtAddr top;    // initial stack pointer (one past the highest byte)
};

ErrorOr<KernelStack> allocate_kernel_stack();
void free_kernel_stack(KernelStack const&);
usize kernel_stacks_in_use();

}
