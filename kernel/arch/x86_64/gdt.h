// The global descriptor table and task-state segment of each CPU.
//
// In long mode segmentation is almost gone, but the CPU still needs: code and
// data descriptors for ring 0 and ring 3 (their selectors are what CS/SS
// hold, and what syscall/sysret load), and a TSS, which is where the CPU
// finds the stack to switch to on an interrupt from user mode (rsp0) and the
// interrupt stack table (IST) used for faults that cannot trust the current
// stack (double fault, NMI, machine check).
//
// Callers: kernel_main() calls gdt::init() for the boot CPU before the IDT is
// loaded; the SMP start-up code builds a CpuTables per application processor
// with gdt::build() and loads it with gdt::load(); the scheduler calls
// set_kernel_stack() on every switch to a thread that may enter user mode.
#pragma once

#include <lib/types.h>

namespace gdt {

// Selector layout. syscall loads CS = STAR[47:32] and SS = CS + 8, so kernel
// code and data are adjacent. sysret (64-bit) loads CS = STAR[63:48] + 16 and
// SS = STAR[63:48] + 8, so with STAR[63:48] = kUserCode32 the user data and
// user code64 descriptors must follow the (unused) 32-bit user code one.
constexpr u16 kKernelCode = 0x08;
constexpr u16 kKernelData = 0x10;
constexpr u16 kUserCode32 = 0x18 | 3; // placeholder that sysret's arithmetic needs
constexpr u16 kUserData = 0x20 | 3;
constexpr u16 kUserCode64 = 0x28 | 3;
constexpr u16 kTss = 0x30; // a 16-byte system descriptor: slots 6 and 7

// Interrupt stack table slots (1-based, as the IDT gate's IST field counts).
constexpr u8 kIstDoubleFault = 1;
constexpr u8 kIstNmi = 2;
constexpr u8 kIstMachineCheck = 3;
constexpr usize kIstStackSize = 16 * KiB;

// The 64-bit TSS (Intel SDM vol. 3, "Task Management in 64-bit Mode").
// Packed: rsp0 sits at offset 4.
struct PACKED TaskStateSegment {
    u32 reserved0;
    u64 rsp[3];  // stack loaded on a switch to ring 0/1/2; only rsp[0] is used
    u64 reserved1;
    u64 ist[7];  // ist[n - 1] is IST slot n
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base; // past the limit: no I/O permission bitmap, ring 3 gets no ports
};
static_assert(sizeof(TaskStateSegment) == 104);

// One CPU's descriptor tables. Each CPU needs its own TSS (rsp0 is per CPU)
// and, because ltr marks the TSS descriptor busy, its own GDT holding it.
// The 256-byte alignment keeps the TSS inside one page.
struct alignas(256) CpuTables {
    alignas(16) u64 m_descriptors[8];
    alignas(16) TaskStateSegment m_tss;
};

// Tops of the three IST stacks a CPU gets.
struct IstStacks {
    VirtAddr double_fault_top;
    VirtAddr nmi_top;
    VirtAddr machine_check_top;
};

// Fills `tables` for one CPU: the descriptors above, a TSS with the given IST
// stacks and rsp0 = 0 (set by set_kernel_stack before the first user entry).
void build(CpuTables& tables, IstStacks const& stacks);
// lgdt + segment reloads + ltr on the calling CPU. After this the CPU's
// FS and GS bases are zero; per-CPU GS_BASE must be written afterwards.
void load(CpuTables& tables);
// The boot CPU: builds its tables over static IST stacks and loads them.
void init();

// The stack the CPU switches to when an interrupt or exception arrives in
// user mode. Applies to the calling CPU's TSS (the boot CPU's until per-CPU
// data exists).
void set_kernel_stack(VirtAddr top);
void set_kernel_stack(CpuTables& tables, VirtAddr top);

// The calling CPU's tables (for tests and diagnostics).
CpuTables& current();

}
