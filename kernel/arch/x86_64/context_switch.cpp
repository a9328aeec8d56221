// The initial frame of a new thread; see context_switch.h and
// context_switch.S for the layout it must match.
#include <arch/x86_64/context_switch.h>
#include <lib/verify.h>

extern "C" void thread_start_trampoline();

namespace context_switch {

VirtAddr build_initial_frame(VirtAddr stack_top, ThreadStart const& start)
{
    VERIFY(is_aligned(stack_top, 16) && start.first_run && start.entry && start.exit);
    auto* slot = reinterpret_cast<u64*>(stack_top);
    // Two zero quadwords at the very top: a null frame record (saved rbp,
    // return address) where a backtrace stops, and they leave the
    // trampoline's rsp 16-byte aligned.
    *--slot = 0;
    *--slot = 0;
    *--slot = reinterpret_cast<u64>(&thread_start_trampoline); // the "return address"
    *--slot = 0;                                              // rbp
    *--slot = 0;                                              // rbx
    *--slot = reinterpret_cast<u64>(start.entry);             // r12
    *--slot = reinterpret_cast<u64>(start.argument);          // r13
    *--slot = reinterpret_cast<u64>(start.first_run);         // r14
    *--slot = reinterpret_cast<u64>(start.exit);              // r15
    return reinterpret_cast<VirtAddr>(slot);
}

}
