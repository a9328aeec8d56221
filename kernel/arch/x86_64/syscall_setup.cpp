// Turning the `syscall` instruction on (syscall_entry.S is the door it
// opens): EFER.SCE, the code selectors in STAR, the entry point in LSTAR,
// and the RFLAGS bits cleared on entry in FMASK. Every CPU does this for
// itself (the MSRs are per CPU).
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/smap.h>
#include <arch/x86_64/user_mode.h>
#include <stddef.h>

extern "C" void syscall_entry();

// syscall_entry.S reads these two fields by offset.
static_assert(offsetof(Cpu, kernel_stack_top) == 64);
static_assert(offsetof(Cpu, user_stack_scratch) == 72);
static_assert(sizeof(InterruptFrame) == 22 * 8);

namespace user_mode {

namespace {

constexpr u64 kEferSystemCallEnable = 1 << 0;
constexpr u64 kRflagsTrap = 1 << 8;
constexpr u64 kRflagsInterrupt = 1 << 9;
constexpr u64 kRflagsDirection = 1 << 10;
constexpr u64 kRflagsNestedTask = 1 << 14;
constexpr u64 kRflagsAlignmentCheck = 1 << 18;

}

void init_this_cpu()
{
    cpu::wrmsr(cpu::MSR_EFER, cpu::rdmsr(cpu::MSR_EFER) | kEferSystemCallEnable);
    // syscall: CS = STAR[47:32], SS = that + 8. sysretq: CS = STAR[63:48] +
    // 16, SS = STAR[63:48] + 8, both with RPL 3 (gdt.h orders the
    // descriptors for this arithmetic).
    u64 star = (static_cast<u64>(gdt::kUserCode32 & ~3) << 48) | (static_cast<u64>(gdt::kKernelCode) << 32);
    cpu::wrmsr(cpu::MSR_STAR, star);
    cpu::wrmsr(cpu::MSR_LSTAR, reinterpret_cast<u64>(&syscall_entry));
    // Interrupts stay off until the entry is on the kernel stack; DF clear
    // for C++; no single-step or AC (SMAP) leaking into the kernel.
    cpu::wrmsr(cpu::MSR_FMASK,
        kRflagsTrap | kRflagsInterrupt | kRflagsDirection | kRflagsNestedTask | kRflagsAlignmentCheck);
    cpu::wrmsr(cpu::MSR_KERNEL_GS_BASE, 0);
    smap::enable_this_cpu();
}

bool is_canonical_user_address(u64 address) { return address < 0x0000800000000000ull; }

InterruptFrame initial_frame(VirtAddr entry, VirtAddr stack_pointer)
{
    InterruptFrame frame {};
    frame.rip = entry;
    frame.rsp = stack_pointer;
    frame.cs = gdt::kUserCode64;
    frame.ss = gdt::kUserData;
    frame.rflags = kRflagsInterrupt | 0x2; // bit 1 is always set
    frame.vector = kSyscallVector;
    return frame;
}

}
