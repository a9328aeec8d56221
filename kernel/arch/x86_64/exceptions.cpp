// CPU exceptions (vectors 0-31): what happens when an instruction faults.
// interrupt_dispatch() (interrupts.cpp) calls handle_exception() for each.
//
// In order, an exception is:
//   1. a breakpoint (int3): logged, and execution continues after it;
//   2. offered to the handler a subsystem registered for the vector
//      (interrupts::set_exception_handler: the memory manager's page-fault
//      handler), which may resolve it;
//   3. from user mode: fatal for now (becomes a signal with the process work);
//   4. from kernel mode at an instruction listed in the exception fixup table
//      (probe.h): resumed at the fixup address and counted;
//   5. otherwise fatal: panic with the exception decoded, the interrupted
//      registers and a backtrace from the interrupted RBP/RIP.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/probe.h>
#include <arch/x86_64/symbols.h>
#include <lib/format.h>
#include <lib/log.h>
#include <stdarg.h>

extern "C" char boot_stack_guard[];
extern "C" char boot_stack_bottom[];

namespace interrupts {

namespace {

// Written from exception context and read by tests: volatile so each access
// really happens. One CPU takes exceptions at a time in the self-tests; the
// counters are statistics, not synchronisation.
volatile u64 s_last_exception_vector = ~0ull;
volatile u64 s_recovered_fault_count;

constexpr const char* kExceptionNames[kExceptionCount] = {
    "divide error",               // 0  #DE
    "debug exception",            // 1  #DB
    "non-maskable interrupt",     // 2  NMI
    "breakpoint",                 // 3  #BP
    "overflow",                   // 4  #OF
    "bound range exceeded",       // 5  #BR
    "invalid opcode",             // 6  #UD
    "device not available",       // 7  #NM
    "double fault",               // 8  #DF
    "coprocessor segment overrun", // 9
    "invalid TSS",                // 10 #TS
    "segment not present",        // 11 #NP
    "stack-segment fault",        // 12 #SS
    "general protection fault",   // 13 #GP
    "page fault",                 // 14 #PF
    "reserved exception 15",      // 15
    "x87 floating-point error",   // 16 #MF
    "alignment check",            // 17 #AC
    "machine check",              // 18 #MC
    "SIMD floating-point error",  // 19 #XM
    "virtualization exception",   // 20 #VE
    "control protection fault",   // 21 #CP
    "reserved exception 22", "reserved exception 23", "reserved exception 24", "reserved exception 25",
    "reserved exception 26", "reserved exception 27",
    "hypervisor injection",       // 28 #HV
    "VMM communication",          // 29 #VC
    "security exception",         // 30 #SX
    "reserved exception 31",
};

constexpr const char* kExceptionMnemonics[kExceptionCount] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

// Faults caused by the instruction at the saved RIP, which a fixup can
// therefore skip. Not the debug trap, NMI, #DF or #MC: those are not the
// instruction's doing (or leave no state to resume from).
bool fixup_may_apply(u64 vector)
{
    switch (vector) {
    case kDivideError:
    case kBoundRange:
    case kInvalidOpcode:
    case kSegmentNotPresent:
    case kStackFault:
    case kGeneralProtection:
    case kPageFault:
    case kX87Fault:
    case kAlignmentCheck:
    case kSimdFault:
        return true;
    default:
        return false;
    }
}

// A small appender over a fixed buffer, for building one report line.
struct Text {
    char buffer[320];
    usize length { 0 };

    void add(const char* fmt, ...) PRINTF_FORMAT(2, 3)
    {
        if (length >= sizeof(buffer) - 1)
            return;
        va_list args;
        va_start(args, fmt);
        length += vformat(buffer + length, sizeof(buffer) - length, fmt, args);
        va_end(args);
        if (length > sizeof(buffer) - 1)
            length = sizeof(buffer) - 1;
    }
};

// Page-fault error code bits (Intel SDM vol. 3, 4.7).
constexpr u64 kPfPresent = 1 << 0;
constexpr u64 kPfWrite = 1 << 1;
constexpr u64 kPfUser = 1 << 2;
constexpr u64 kPfReservedBit = 1 << 3;
constexpr u64 kPfInstructionFetch = 1 << 4;
constexpr u64 kPfProtectionKey = 1 << 5;
constexpr u64 kPfShadowStack = 1 << 6;

void describe_page_fault(Text& text, u64 error_code, VirtAddr address)
{
    text.add(" at address 0x%lx: %s, %s, %s mode", address,
        (error_code & kPfPresent) ? "protection violation" : "not-present",
        (error_code & kPfInstructionFetch) ? "instruction fetch" : (error_code & kPfWrite) ? "write" : "read",
        (error_code & kPfUser) ? "user" : "kernel");
    if (error_code & kPfReservedBit)
        text.add(", reserved bit set in a page-table entry");
    if (error_code & kPfProtectionKey)
        text.add(", protection key");
    if (error_code & kPfShadowStack)
        text.add(", shadow stack");
    text.add(" (error code %#lx)", error_code);
}

// #TS, #NP, #SS and #GP report a segment selector (Intel SDM vol. 3, 6.13).
void describe_selector_error(Text& text, u64 error_code)
{
    if (error_code == 0) {
        text.add(", error code 0 (no selector involved: a non-canonical address, a privileged "
                 "instruction or a bad operand)");
        return;
    }
    bool external = error_code & 1;
    bool idt = error_code & 2;
    bool ldt = error_code & 4;
    u64 index = (error_code >> 3) & 0x1fff;
    text.add(", error code %#lx: ", error_code);
    if (idt)
        text.add("IDT entry %lu (vector %#lx)", index, index);
    else
        text.add("%s index %lu (selector %#lx)", ldt ? "LDT" : "GDT", index, index << 3);
    if (external)
        text.add(", during delivery of an external event");
}

void describe_double_fault(Text& text, InterruptFrame const& frame)
{
    text.add(": a fault while delivering another fault -- possible kernel stack overflow");
    // A stack overflow shows as a stack pointer just above an unmapped page:
    // the CPU could not push the first fault's frame.
    u64 below = 0;
    VirtAddr probe_at = align_down(frame.rsp - 8, 8);
    auto guard = reinterpret_cast<VirtAddr>(boot_stack_guard);
    if (probe_at >= guard && probe_at < reinterpret_cast<VirtAddr>(boot_stack_bottom))
        text.add(" (RSP 0x%lx is at the boot stack's guard page)", frame.rsp);
    else if (!probe_read_u64(probe_at, below))
        text.add(" (RSP 0x%lx lies just above an unmapped page: a guard page)", frame.rsp);
    else
        text.add(" (RSP 0x%lx)", frame.rsp);
}

[[noreturn]] void report_fatal(InterruptFrame const& frame, VirtAddr fault_address, const char* context)
{
    u64 vector = frame.vector;
    Text text;
    text.add("%s%s (%s, vector %lu)", context, exception_name(vector),
        vector < kExceptionCount ? kExceptionMnemonics[vector] : "?", vector);
    switch (vector) {
    case kPageFault:
        describe_page_fault(text, frame.error_code, fault_address);
        break;
    case kInvalidTss:
    case kSegmentNotPresent:
    case kStackFault:
    case kGeneralProtection:
        describe_selector_error(text, frame.error_code);
        break;
    case kDoubleFault:
        describe_double_fault(text, frame);
        break;
    case kNmi:
        text.add(": a hardware error or watchdog signal");
        break;
    case kMachineCheck:
        text.add(": the CPU detected a hardware error");
        break;
    default:
        if (frame.error_code)
            text.add(", error code %#lx", frame.error_code);
        break;
    }
    text.add(" at RIP 0x%lx", frame.rip);
    panic_with_frame(frame, "%s", text.buffer);
}

// An exception raised by a user program. With processes and signals these
// become SIGSEGV (#PF, #GP), SIGFPE (#DE, #MF, #XM), SIGILL (#UD), SIGTRAP
// (#BP, #DB), SIGBUS (#AC) for the process, and the kernel goes on. Until
// then there is no process to signal, so it is reported like a kernel fault,
// but marked as coming from user mode.
UserFaultHandler s_user_fault_handler;

[[noreturn]] void handle_user_exception(InterruptFrame& frame, VirtAddr fault_address)
{
    if (auto handler = __atomic_load_n(&s_user_fault_handler, __ATOMIC_ACQUIRE))
        handler(frame, fault_address);
    report_fatal(frame, fault_address, "user-mode ");
}

}

const char* exception_name(u64 vector)
{
    return vector < kExceptionCount ? kExceptionNames[vector] : "unknown exception";
}

u64 last_exception_vector() { return s_last_exception_vector; }

void set_user_fault_handler(UserFaultHandler handler) { __atomic_store_n(&s_user_fault_handler, handler, __ATOMIC_RELEASE); }

u64 recovered_fault_count() { return s_recovered_fault_count; }

void handle_exception(InterruptFrame& frame)
{
    u64 vector = frame.vector;
    // CR2 first: any fault taken while handling this one would overwrite it.
    VirtAddr fault_address = vector == kPageFault ? cpu::read_cr2() : 0;
    s_last_exception_vector = vector;

    if (vector == kBreakpoint && !frame.from_user()) {
        // A trap: the saved RIP is already past the int3, so returning goes on.
        char where[128];
        symbols::format_address(frame.rip - 1, where, sizeof(where));
        log_notice("breakpoint (int3) at RIP %#lx (%s)", frame.rip, where);
        return;
    }

    if (auto handler = exception_handler(static_cast<u8>(vector)); handler && handler(frame))
        return;

    if (frame.from_user())
        handle_user_exception(frame, fault_address);

    if (fixup_may_apply(vector)) {
        if (VirtAddr resume = probe::find_fixup(frame.rip)) {
            frame.rip = resume;
            s_recovered_fault_count = s_recovered_fault_count + 1;
            return;
        }
    }

    report_fatal(frame, fault_address, "");
}

}
