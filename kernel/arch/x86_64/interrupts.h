// The interrupt descriptor table and the frame every interrupt, exception
// and IRQ handler sees. arch/x86_64/interrupt_stubs.S pushes the general
// registers and the vector, then calls interrupt_dispatch().
//
// Vectors: 0-31 CPU exceptions, 32-47 legacy ISA IRQs 0-15 through the I/O
// APIC, 0xF0+ local APIC (timer, IPIs, spurious 0xFF).
#pragma once

#include <lib/types.h>

struct InterruptFrame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector;
    u64 error_code; // pushed by the CPU for some exceptions, 0 otherwise
    // Pushed by the CPU:
    u64 rip, cs, rflags, rsp, ss;

    bool from_user() const { return (cs & 3) == 3; }
};

namespace interrupts {

constexpr u8 kIrqBase = 32;          // ISA IRQ n arrives at vector 32 + n
constexpr u8 kVectorLapicTimer = 0xF0;
constexpr u8 kVectorSpurious = 0xFF;

using Handler = void (*)(InterruptFrame& frame);

void init();             // build and load the IDT (boot CPU)
void load_on_this_cpu(); // lidt on an application processor
// Route a vector to a handler. An IRQ handler must acknowledge the interrupt
// controller itself (apic::end_of_interrupt()).
void set_handler(u8 vector, Handler handler);

// How many faults were recovered through the exception fixup table
// (arch/x86_64/probe.h) since boot.
u64 recovered_fault_count();

// The vector the last exception carried (for the exception self-test).
u64 last_exception_vector();

}

extern "C" void interrupt_dispatch(InterruptFrame* frame);
