// Self-tests (KERNEL_TEST, lib/selftest.h) of the CPU tables and traps: the
// GDT/TSS and IDT as loaded, the interrupt entry frame, the breakpoint trap,
// faults recovered through the exception fixup table (probe.h) and the
// symbol table. Run by selftest::run_all() when booted with `test`.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/page_table.h>
#include <arch/x86_64/probe.h>
#include <arch/x86_64/symbols.h>
#include <lib/log.h>
#include <lib/selftest.h>
#include <lib/string.h>
#include <mm/layout.h>

namespace {

u64* table_at(PhysAddr address) { return mm::phys_to_virt<u64>(address); }

PhysAddr current_root() { return cpu::read_cr3() & page_table::kAddressMask; }

// The base of a kernel-half top-level slot with nothing mapped in it: an
// address that faults whatever the memory manager has mapped elsewhere.
VirtAddr unmapped_kernel_address()
{
    u64* pml4 = table_at(current_root());
    for (unsigned slot = 257; slot < 511; ++slot) {
        if (!(pml4[slot] & page_table::kPresent))
            return 0xffff000000000000ull | (static_cast<u64>(slot) << 39);
    }
    return 0;
}

u16 read_selector_cs() { u16 v; asm volatile("movw %%cs, %0" : "=r"(v)); return v; }
u16 read_selector_ss() { u16 v; asm volatile("movw %%ss, %0" : "=r"(v)); return v; }
u16 read_selector_ds() { u16 v; asm volatile("movw %%ds, %0" : "=r"(v)); return v; }
u16 read_task_register() { u16 v; asm volatile("str %0" : "=r"(v)); return v; }

struct PACKED DescriptorTablePointer {
    u16 limit;
    u64 base;
};

// Bits 0-2 of the gate's fifth byte: the IST slot the CPU switches to.
u8 idt_gate_ist(u8 vector)
{
    DescriptorTablePointer idtr;
    asm volatile("sidt %0" : "=m"(idtr));
    return reinterpret_cast<const u8*>(idtr.base)[vector * 16 + 4] & 7;
}

// What the test handler saw.
volatile u64 s_seen_vector;
volatile u64 s_seen_rax;
volatile u64 s_seen_rdi;
volatile u64 s_seen_cs;
volatile u64 s_seen_error_code;

void record_frame(InterruptFrame& frame)
{
    s_seen_vector = frame.vector;
    s_seen_rax = frame.rax;
    s_seen_rdi = frame.rdi;
    s_seen_cs = frame.cs;
    s_seen_error_code = frame.error_code;
}

constexpr u8 kTestVector = 0xE0;

// Divides by `divisor`; a #DE resumes at the fixup and reports it.
bool divide_faulted(u64 dividend, u64 divisor, u64& quotient)
{
    u64 faulted;
    u64 high = 0;
    quotient = dividend;
    asm volatile("xorl %k[faulted], %k[faulted]\n"
                 "1: divq %[divisor]\n"
                 "jmp 3f\n"
                 "2: movl $1, %k[faulted]\n"
                 "3:\n" EXCEPTION_FIXUP("1b", "2b")
                 : [faulted] "=&r"(faulted), "+a"(quotient), "+d"(high)
                 : [divisor] "r"(divisor)
                 : "cc");
    return faulted;
}

u64 s_probe_target = 0x5a5a'1234'5678'a5a5ull;

}

KERNEL_TEST(gdt_selectors_and_tss_are_loaded)
{
    EXPECT_EQ(read_selector_cs(), gdt::kKernelCode);
    EXPECT_EQ(read_selector_ss(), gdt::kKernelData);
    EXPECT_EQ(read_selector_ds(), gdt::kKernelData);
    EXPECT_EQ(read_task_register(), gdt::kTss);
    auto& tss = gdt::current().m_tss;
    EXPECT(tss.ist[gdt::kIstDoubleFault - 1] != 0);
    EXPECT(tss.ist[gdt::kIstNmi - 1] != 0);
    EXPECT(tss.ist[gdt::kIstMachineCheck - 1] != 0);
    EXPECT(is_aligned(tss.ist[gdt::kIstDoubleFault - 1], 16));
}

KERNEL_TEST(double_fault_nmi_and_machine_check_use_their_ist_stacks)
{
    EXPECT_EQ(idt_gate_ist(interrupts::kDoubleFault), gdt::kIstDoubleFault);
    EXPECT_EQ(idt_gate_ist(interrupts::kNmi), gdt::kIstNmi);
    EXPECT_EQ(idt_gate_ist(interrupts::kMachineCheck), gdt::kIstMachineCheck);
    EXPECT_EQ(idt_gate_ist(interrupts::kPageFault), 0);
}

KERNEL_TEST(set_kernel_stack_updates_tss_rsp0)
{
    auto& tss = gdt::current().m_tss;
    u64 before = tss.rsp[0];
    gdt::set_kernel_stack(0xffffc80000004000ull);
    u64 seen = tss.rsp[0];
    gdt::set_kernel_stack(before);
    EXPECT_EQ(seen, 0xffffc80000004000ull);
}

KERNEL_TEST(registered_handler_sees_vector_and_registers)
{
    s_seen_vector = 0;
    s_seen_error_code = ~0ull;
    interrupts::set_handler(kTestVector, record_frame);
    asm volatile("int %[vector]" : : [vector] "i"(kTestVector), "a"(0x1234'5678'9abc'def0ull), "D"(0xfeedull)
                 : "memory");
    interrupts::set_handler(kTestVector, nullptr);
    EXPECT_EQ(s_seen_vector, kTestVector);
    EXPECT_EQ(s_seen_rax, 0x1234'5678'9abc'def0ull);
    EXPECT_EQ(s_seen_rdi, 0xfeedull);
    EXPECT_EQ(s_seen_cs, gdt::kKernelCode);
    EXPECT_EQ(s_seen_error_code, 0ull); // the dummy error code pushed on entry
}

// How many times `needle` occurs in the recent kernel log.
static int occurrences_in_log(const char* needle)
{
    static char text[4096];
    usize length = log_read_ring(text, sizeof(text) - 1);
    text[length] = 0;
    int count = 0;
    usize needle_length = strlen(needle);
    for (usize i = 0; i + needle_length <= length; ++i) {
        if (strncmp(text + i, needle, needle_length) == 0)
            ++count;
    }
    return count;
}

KERNEL_TEST(unregistered_vector_is_logged_once_and_ignored)
{
    constexpr const char* kLine = "vector 225 (0xe1) has no handler";
    int before = occurrences_in_log(kLine);
    asm volatile("int $0xE1" ::: "memory");
    asm volatile("int $0xE1" ::: "memory");
    EXPECT_EQ(occurrences_in_log(kLine), before == 0 ? 1 : before);
}

KERNEL_TEST(breakpoint_exception_reports_vector_3)
{
    // Something else first, so the test sees int3 overwrite it.
    u64 value = 0;
    EXPECT(!probe_read_u64(unmapped_kernel_address(), value));
    EXPECT(interrupts::last_exception_vector() != interrupts::kBreakpoint);
    volatile bool continued = false;
    asm volatile("int3" ::: "memory");
    continued = true;
    EXPECT_EQ(interrupts::last_exception_vector(), interrupts::kBreakpoint);
    EXPECT(continued);
}

KERNEL_TEST(page_fault_in_test_mapping_is_recovered)
{
    VirtAddr unmapped = unmapped_kernel_address();
    EXPECT(unmapped != 0);
    u64 before = interrupts::recovered_fault_count();
    u64 value = 0x77;
    EXPECT(!probe_read_u64(unmapped, value));
    EXPECT_EQ(interrupts::recovered_fault_count(), before + 1);
    EXPECT_EQ(interrupts::last_exception_vector(), interrupts::kPageFault);
    EXPECT_EQ(value, 0x77ull); // a failed probe leaves the output alone

    EXPECT(probe_read_u64(reinterpret_cast<VirtAddr>(&s_probe_target), value));
    EXPECT_EQ(value, 0x5a5a'1234'5678'a5a5ull);
    EXPECT_EQ(interrupts::recovered_fault_count(), before + 1);
}

KERNEL_TEST(probe_write_to_read_only_kernel_page_fails)
{
    // Kernel text is read-only once mm/paging.cpp's final tables are in; with
    // the boot tables (all writable) an unmapped page stands in for it.
    auto text = reinterpret_cast<VirtAddr>(&probe_read_u64);
    u64* entry = page_table::find_entry(current_root(), text, table_at);
    bool text_read_only = entry && !(*entry & page_table::kWritable) && (cpu::read_cr0() & cpu::CR0_WP);
    VirtAddr target = text_read_only ? text : unmapped_kernel_address();
    if (!text_read_only)
        log_notice("traps test: kernel text is writable (boot page tables); probing an unmapped page instead");

    u64 original = 0;
    if (text_read_only)
        EXPECT(probe_read_u64(target, original));
    u64 before = interrupts::recovered_fault_count();
    EXPECT(!probe_write_u64(target, 0xdead'beefull));
    EXPECT_EQ(interrupts::recovered_fault_count(), before + 1);
    EXPECT_EQ(interrupts::last_exception_vector(), interrupts::kPageFault);
    if (text_read_only) {
        u64 after = 0;
        EXPECT(probe_read_u64(target, after));
        EXPECT_EQ(after, original);
    }

    u64 writable = 0;
    EXPECT(probe_write_u64(reinterpret_cast<VirtAddr>(&writable), 0x1122'3344'5566'7788ull));
    EXPECT_EQ(writable, 0x1122'3344'5566'7788ull);
}

KERNEL_TEST(non_canonical_access_general_protection_is_recovered)
{
    u64 before = interrupts::recovered_fault_count();
    u64 value = 0;
    EXPECT(!probe_read_u64(0x8000'0000'0000'0000ull, value));
    EXPECT_EQ(interrupts::last_exception_vector(), interrupts::kGeneralProtection);
    EXPECT_EQ(interrupts::recovered_fault_count(), before + 1);
}

KERNEL_TEST(divide_error_is_recovered_through_fixup)
{
    volatile u64 zero = 0;
    u64 before = interrupts::recovered_fault_count();
    u64 quotient = 0;
    EXPECT(divide_faulted(42, zero, quotient));
    EXPECT_EQ(interrupts::last_exception_vector(), interrupts::kDivideError);
    EXPECT_EQ(interrupts::recovered_fault_count(), before + 1);
    EXPECT(!divide_faulted(42, 6, quotient));
    EXPECT_EQ(quotient, 7ull);
}

KERNEL_TEST(symbols_name_the_function_containing_an_address)
{
    EXPECT(symbols::available());
    usize offset = 0;
    auto address = reinterpret_cast<VirtAddr>(&probe_write_u64);
    const char* name = symbols::lookup(address + 3, offset);
    EXPECT(name != nullptr);
    EXPECT_EQ(symbols::name_length(name), strlen("probe_write_u64"));
    EXPECT(strncmp(name, "probe_write_u64", strlen("probe_write_u64")) == 0);
    EXPECT_EQ(offset, 3ull);
    EXPECT(symbols::lookup(0x1000, offset) == nullptr);
}
