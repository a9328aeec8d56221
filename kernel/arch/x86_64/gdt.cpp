// GDT and TSS construction and loading; see gdt.h. Called by kernel_main()
// (gdt::init for the boot CPU) and later by the SMP start-up code.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/percpu.h>
#include <lib/log.h>

namespace gdt {

namespace {

// Access byte bits of a code/data descriptor.
constexpr u64 kPresent = 1ull << 47;
constexpr u64 kDplUser = 3ull << 45;
constexpr u64 kCodeOrData = 1ull << 44; // S: not a system descriptor
constexpr u64 kExecutable = 1ull << 43;
constexpr u64 kReadWrite = 1ull << 41;  // readable code / writable data
// Flags nibble.
constexpr u64 kLongMode = 1ull << 53;   // L: 64-bit code
constexpr u64 kDefault32 = 1ull << 54;  // D/B: 32-bit operands (must be 0 with L)
constexpr u64 kGranularity4K = 1ull << 55;
// Base and limit are ignored for 64-bit code and for data in long mode, but a
// flat 4 GiB limit keeps the 32-bit user code descriptor well-formed.
constexpr u64 kFlatLimit = 0xffffull | (0xfull << 48);

constexpr u64 kNull = 0;
constexpr u64 kKernelCode64 = kPresent | kCodeOrData | kExecutable | kReadWrite | kLongMode | kGranularity4K | kFlatLimit;
constexpr u64 kKernelData32 = kPresent | kCodeOrData | kReadWrite | kDefault32 | kGranularity4K | kFlatLimit;
constexpr u64 kUserCode32Descriptor = kKernelData32 | kExecutable | kDplUser;
constexpr u64 kUserDataDescriptor = kKernelData32 | kDplUser;
constexpr u64 kUserCode64Descriptor = kKernelCode64 | kDplUser;
static_assert(kKernelCode64 == 0x00af9a000000ffffull);
static_assert(kKernelData32 == 0x00cf92000000ffffull);

constexpr u64 kTssTypeAvailable = 0x9ull << 40; // 64-bit TSS, not busy

// One CPU's IST stacks. Static for the boot CPU; application processors
// get theirs from the kernel-stack allocator.
struct alignas(16) IstStack {
    u8 bytes[kIstStackSize];
};
IstStack s_boot_double_fault_stack;
IstStack s_boot_nmi_stack;
IstStack s_boot_machine_check_stack;

CpuTables s_boot_tables;

VirtAddr top_of(IstStack& stack) { return reinterpret_cast<VirtAddr>(stack.bytes + sizeof(stack.bytes)); }

struct PACKED DescriptorTablePointer {
    u16 limit;
    u64 base;
};

}

void build(CpuTables& tables, IstStacks const& stacks)
{
    auto& tss = tables.m_tss;
    tss = {};
    tss.ist[kIstDoubleFault - 1] = stacks.double_fault_top;
    tss.ist[kIstNmi - 1] = stacks.nmi_top;
    tss.ist[kIstMachineCheck - 1] = stacks.machine_check_top;
    tss.iomap_base = sizeof(TaskStateSegment);

    auto base = reinterpret_cast<u64>(&tss);
    u64 limit = sizeof(TaskStateSegment) - 1;
    u64 tss_low = (limit & 0xffff) | ((base & 0xffffff) << 16) | kTssTypeAvailable | kPresent
        | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    u64 tss_high = base >> 32;

    tables.m_descriptors[0] = kNull;
    tables.m_descriptors[kKernelCode >> 3] = kKernelCode64;
    tables.m_descriptors[kKernelData >> 3] = kKernelData32;
    tables.m_descriptors[kUserCode32 >> 3] = kUserCode32Descriptor;
    tables.m_descriptors[kUserData >> 3] = kUserDataDescriptor;
    tables.m_descriptors[kUserCode64 >> 3] = kUserCode64Descriptor;
    tables.m_descriptors[kTss >> 3] = tss_low;
    tables.m_descriptors[(kTss >> 3) + 1] = tss_high;
}

void load(CpuTables& tables)
{
    DescriptorTablePointer pointer { sizeof(tables.m_descriptors) - 1, reinterpret_cast<u64>(tables.m_descriptors) };
    // Reloading GS may clear its base on some CPUs; the base points at this
    // CPU's block (percpu.h), so it is kept across the reload.
    u64 gs_base = cpu::rdmsr(cpu::MSR_GS_BASE);
    // lgdt alone changes nothing the CPU has cached: each segment register
    // keeps the descriptor it was loaded from until it is reloaded. CS can
    // only be reloaded by a far transfer, hence the lretq to the next line.
    // FS and GS get the null selector; their bases are MSRs in long mode.
    asm volatile(
        "lgdt %[pointer]\n"
        "pushq %[code]\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movw %[data], %%ax\n"
        "movw %%ax, %%ds\n"
        "movw %%ax, %%es\n"
        "movw %%ax, %%ss\n"
        "xorl %%eax, %%eax\n"
        "movw %%ax, %%fs\n"
        "movw %%ax, %%gs\n"
        "ltr %w[tss]\n"
        :
        : [pointer] "m"(pointer), [code] "i"(static_cast<u64>(kKernelCode)), [data] "i"(kKernelData),
        [tss] "r"(kTss)
        : "rax", "memory");
    cpu::wrmsr(cpu::MSR_GS_BASE, gs_base);
}

void init()
{
    build(s_boot_tables,
        IstStacks {
            top_of(s_boot_double_fault_stack),
            top_of(s_boot_nmi_stack),
            top_of(s_boot_machine_check_stack),
        });
    load(s_boot_tables);
    log_info("gdt: loaded (kernel CS %#x, user CS %#x, TSS %#x with IST stacks for #DF, NMI, #MC)", kKernelCode,
        kUserCode64, kTss);
}

void set_kernel_stack(CpuTables& tables, VirtAddr top) { tables.m_tss.rsp[0] = top; }

void set_kernel_stack(VirtAddr top) { set_kernel_stack(current(), top); }

// Each CPU's block (percpu.h) names its tables; before the boot CPU's block
// is filled in, only the boot CPU runs and its tables are the static ones.
CpuTables& current()
{
    CpuTables* tables = this_cpu().tables;
    return tables ? *tables : s_boot_tables;
}

}
