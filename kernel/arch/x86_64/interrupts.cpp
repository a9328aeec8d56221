// The IDT and the C++ half of interrupt entry: interrupt_dispatch(), called
// by interrupt_stubs.S for every vector, routes exceptions (0-31) to
// exceptions.cpp and everything else to the handler registered for it.
// Callers: kernel_main() (init), drivers and the APIC code (set_handler,
// set_end_of_interrupt), the memory manager (set_exception_handler).
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/percpu.h>
#include <lib/log.h>

extern "C" const u64 interrupt_entry_table[256];

namespace interrupts {

namespace {

struct PACKED IdtGate {
    u16 offset_low;
    u16 selector;
    u8 ist;             // bits 0-2: IST slot, 0 = stay on the current stack
    u8 type_attributes; // present, DPL, gate type
    u16 offset_mid;
    u32 offset_high;
    u32 reserved;
};
static_assert(sizeof(IdtGate) == 16);

constexpr u8 kPresent = 0x80;
constexpr u8 kDplUser = 3 << 5;
// Interrupt gates everywhere (not trap gates): the CPU clears IF on entry, so
// a handler runs with interrupts off until it chooses otherwise.
constexpr u8 kInterruptGate = 0xE;

alignas(16) IdtGate s_idt[256];
Handler s_handlers[256];
ExceptionHandler s_exception_handlers[kExceptionCount];
EndOfInterrupt s_end_of_interrupt;
ReturnHook s_return_hook;
ReturnHook s_user_entry_hook;
ReturnHook s_user_exit_hook;
u64 s_reported_unhandled[256 / 64]; // one bit per vector: logged already

struct PACKED DescriptorTablePointer {
    u16 limit;
    u64 base;
};

void set_gate(u8 vector, u8 ist, u8 dpl_bits)
{
    u64 target = interrupt_entry_table[vector];
    s_idt[vector] = IdtGate {
        static_cast<u16>(target),
        gdt::kKernelCode,
        ist,
        static_cast<u8>(kPresent | dpl_bits | kInterruptGate),
        static_cast<u16>(target >> 16),
        static_cast<u32>(target >> 32),
        0,
    };
}

void handle_unregistered(InterruptFrame& frame)
{
    auto vector = static_cast<u8>(frame.vector);
    // The local APIC's spurious vector is raised when an interrupt vanished
    // before it could be delivered; the SDM says it must not get an EOI.
    if (vector == kVectorSpurious)
        return;
    u64& word = s_reported_unhandled[vector / 64];
    u64 bit = 1ull << (vector % 64);
    if (!(word & bit)) {
        word |= bit;
        log_warn("interrupts: vector %u (%#x) has no handler; acknowledged and ignored (logged once)", vector,
            vector);
    }
    // Acknowledge, or the interrupt controller delivers nothing of equal or
    // lower priority again. Before one is installed (the 8259s are masked by
    // pic::disable, the APIC is not on yet) no device can have sent this.
    if (s_end_of_interrupt)
        s_end_of_interrupt();
}

}

void init()
{
    for (unsigned vector = 0; vector < 256; ++vector)
        set_gate(static_cast<u8>(vector), 0, 0);
    // Faults that cannot trust the current stack get a known-good one: a
    // double fault is often a kernel stack overflow, and an NMI or machine
    // check can arrive anywhere, even on the first instruction of a handler.
    set_gate(kDoubleFault, gdt::kIstDoubleFault, 0);
    set_gate(kNmi, gdt::kIstNmi, 0);
    set_gate(kMachineCheck, gdt::kIstMachineCheck, 0);
    // int3 and into may be executed by user programs (debuggers, SIGTRAP).
    set_gate(kBreakpoint, 0, kDplUser);
    set_gate(kOverflow, 0, kDplUser);

    load_on_this_cpu();
    log_info("interrupts: IDT loaded (256 vectors; #DF, NMI, #MC on IST %u/%u/%u)", gdt::kIstDoubleFault,
        gdt::kIstNmi, gdt::kIstMachineCheck);
}

void load_on_this_cpu()
{
    DescriptorTablePointer pointer { sizeof(s_idt) - 1, reinterpret_cast<u64>(s_idt) };
    asm volatile("lidt %0" : : "m"(pointer) : "memory");
}

void set_handler(u8 vector, Handler handler)
{
    if (vector < kExceptionCount) {
        log_error("interrupts: set_handler(%u) ignored: exceptions go through set_exception_handler", vector);
        return;
    }
    s_handlers[vector] = handler;
}

bool has_handler(u8 vector)
{
    return __atomic_load_n(&s_handlers[vector], __ATOMIC_RELAXED) != nullptr;
}

void set_exception_handler(u8 vector, ExceptionHandler handler)
{
    if (vector >= kExceptionCount)
        return;
    s_exception_handlers[vector] = handler;
}

void set_end_of_interrupt(EndOfInterrupt eoi) { s_end_of_interrupt = eoi; }

void set_return_hook(ReturnHook hook) { __atomic_store_n(&s_return_hook, hook, __ATOMIC_RELEASE); }

void set_user_mode_hooks(ReturnHook entry, ReturnHook exit)
{
    __atomic_store_n(&s_user_entry_hook, entry, __ATOMIC_RELEASE);
    __atomic_store_n(&s_user_exit_hook, exit, __ATOMIC_RELEASE);
}

ExceptionHandler exception_handler(u8 vector)
{
    return vector < kExceptionCount ? s_exception_handlers[vector] : nullptr;
}

}

static void dispatch_to_handler(InterruptFrame* frame)
{
    u64 vector = frame->vector;
    if (vector < interrupts::kExceptionCount) {
        interrupts::handle_exception(*frame);
        return;
    }
    if (auto handler = interrupts::s_handlers[vector & 0xff]) {
        handler(*frame);
        return;
    }
    interrupts::handle_unregistered(*frame);
}

extern "C" void interrupt_dispatch(InterruptFrame* frame)
{
    u64 vector = frame->vector;
    // NMI, #DF and #MC run on IST stacks: nothing may switch threads there
    // (the stack is this CPU's, not the thread's), so they skip the hook.
    bool on_ist = vector == interrupts::kNmi || vector == interrupts::kDoubleFault
        || vector == interrupts::kMachineCheck;
    if (on_ist) {
        if (vector == interrupts::kNmi) {
            ++this_cpu().nmis_handled;
            ++this_cpu().interrupts_handled;
        }
        dispatch_to_handler(frame);
        return;
    }
    // Interrupt context is the handling of an interrupt (vector 32 and
    // up); an exception runs in the context of the code that raised it (a
    // page fault may sleep, say).
    bool from_user = frame->from_user();
    if (from_user) {
        if (auto hook = __atomic_load_n(&interrupts::s_user_entry_hook, __ATOMIC_ACQUIRE))
            hook(*frame);
    }
    if (vector >= interrupts::kExceptionCount) {
        Cpu& cpu = this_cpu();
        ++cpu.interrupts_handled;
        if (vector - interrupts::kIrqBase < interrupts::kIsaIrqCount)
            ++cpu.irq_counts[vector - interrupts::kIrqBase];
        else if (vector == interrupts::kVectorLapicTimer)
            ++cpu.local_timer_interrupts;
        else if (vector == interrupts::kVectorSpurious)
            ++cpu.spurious_interrupts;
        ++cpu.interrupt_depth;
        dispatch_to_handler(frame);
        --cpu.interrupt_depth;
    } else {
        dispatch_to_handler(frame);
    }
    if (auto hook = __atomic_load_n(&interrupts::s_return_hook, __ATOMIC_ACQUIRE))
        hook(*frame);
    if (from_user) {
        if (auto hook = __atomic_load_n(&interrupts::s_user_exit_hook, __ATOMIC_ACQUIRE))
            hook(*frame);
    }
}
