// The interrupt descriptor table and the frame every interrupt, exception
// and IRQ handler sees. arch/x86_64/interrupt_stubs.S pushes the general
// registers and the vector, then calls interrupt_dispatch() (interrupts.cpp),
// which sends vectors 0-31 to the exception code (exceptions.cpp) and the
// others to the handlers registered here.
//
// Vectors: 0-31 CPU exceptions, 32-47 legacy ISA IRQs 0-15 through the I/O
// APIC, 0xF0+ local APIC (timer, IPIs, spurious 0xFF).
//
// Callers: kernel_main() (init), the SMP start-up code (load_on_this_cpu),
// device drivers and the APIC code (set_handler, set_end_of_interrupt),
// the memory manager (set_exception_handler for #PF).
#pragma once

#include <lib/types.h>

// The stack layout interrupt_stubs.S builds, lowest address first. Keep the
// two in step: the push order there is the reverse of this field order.
struct InterruptFrame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector;
    u64 error_code; // pushed by the CPU for some exceptions, 0 otherwise
    // Pushed by the CPU:
    u64 rip, cs, rflags, rsp, ss;

    bool from_user() const { return (cs & 3) == 3; }
};
static_assert(sizeof(InterruptFrame) == 22 * 8);

namespace interrupts {

constexpr u8 kIrqBase = 32;          // ISA IRQ n arrives at vector 32 + n
constexpr u8 kIsaIrqCount = 16;
constexpr u8 kVectorLapicTimer = 0xF0;
constexpr u8 kVectorSpurious = 0xFF;

// CPU exception vectors (Intel SDM vol. 3, table 6-1).
constexpr u8 kDivideError = 0;
constexpr u8 kDebug = 1;
constexpr u8 kNmi = 2;
constexpr u8 kBreakpoint = 3;
constexpr u8 kOverflow = 4;
constexpr u8 kBoundRange = 5;
constexpr u8 kInvalidOpcode = 6;
constexpr u8 kDeviceNotAvailable = 7;
constexpr u8 kDoubleFault = 8;
constexpr u8 kInvalidTss = 10;
constexpr u8 kSegmentNotPresent = 11;
constexpr u8 kStackFault = 12;
constexpr u8 kGeneralProtection = 13;
constexpr u8 kPageFault = 14;
constexpr u8 kX87Fault = 16;
constexpr u8 kAlignmentCheck = 17;
constexpr u8 kMachineCheck = 18;
constexpr u8 kSimdFault = 19;
constexpr u8 kVirtualization = 20;
constexpr u8 kControlProtection = 21;
constexpr u8 kExceptionCount = 32;

using Handler = void (*)(InterruptFrame& frame);
// An exception handler returns true if it resolved the cause (a demand-paged
// page is now mapped, say) so the faulting instruction can run again.
using ExceptionHandler = bool (*)(InterruptFrame& frame);
using EndOfInterrupt = void (*)();

void init();             // build and load the IDT (boot CPU)
void load_on_this_cpu(); // lidt on an application processor
// Route a vector (32-255) to a handler (nullptr removes it). An IRQ handler
// must acknowledge the interrupt controller itself (apic::end_of_interrupt()).
// A vector without a handler is logged once and acknowledged through the
// end-of-interrupt below, except the spurious vector, which takes none.
void set_handler(u8 vector, Handler handler);
// Whether a driver handles `vector` (for /proc/interrupts).
bool has_handler(u8 vector);
// Give an exception (0-31) a handler that is asked first, before the fixup
// table and the fatal report: the memory manager's page-fault handler (which
// finds the faulting address in cpu::read_cr2(), still intact when called).
void set_exception_handler(u8 vector, ExceptionHandler handler);
// How an interrupt nobody registered is acknowledged: the interrupt
// controller code (apic::init) installs its end-of-interrupt here.
void set_end_of_interrupt(EndOfInterrupt eoi);
// Called on the way out of every interrupt and exception that runs on the
// interrupted stack (all but NMI, #DF, #MC, which have IST stacks), after
// the handler, with interrupts off: the scheduler preempts there
// (sched::init registers it; arch does not include sched). The frame's
// rflags tells whether the interrupted code had interrupts on.
using ReturnHook = void (*)(InterruptFrame& frame);
void set_return_hook(ReturnHook hook);
// Called on entry to and on the way out of every interrupt or exception
// taken in user mode (after the return hook), on the thread's kernel
// stack: the process manager accounts user time and acts on pending
// work (a kill, later signals) before user code runs again.
void set_user_mode_hooks(ReturnHook entry, ReturnHook exit);

// An exception in user mode that no exception handler resolved (a page
// fault outside every VMA, #GP, #UD, #DE...): the process manager turns it
// into a signal for the process. Never returns to the faulting code.
using UserFaultHandler = void (*)(InterruptFrame& frame, VirtAddr fault_address);
void set_user_fault_handler(UserFaultHandler handler);

// How many faults were recovered through the exception fixup table
// (arch/x86_64/probe.h) since boot.
u64 recovered_fault_count();

// The vector the last exception carried (for the exception self-test).
u64 last_exception_vector();

// "page fault", "general protection fault", ...; "unknown exception" past 31.
const char* exception_name(u64 vector);

// Called by interrupt_dispatch() for vectors 0-31 (exceptions.cpp).
void handle_exception(InterruptFrame& frame);
ExceptionHandler exception_handler(u8 vector);

}

extern "C" void interrupt_dispatch(InterruptFrame* frame);

// panic() reporting the registers and backtrace of an interrupted context
// instead of the caller's (arch/x86_64/panic.cpp): for fatal exceptions.
[[noreturn]] void panic_with_frame(InterruptFrame const& frame, const char* fmt, ...) PRINTF_FORMAT(2, 3);
