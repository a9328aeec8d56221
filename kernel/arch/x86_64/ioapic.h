// The I/O APIC(s): where device interrupt lines (ISA IRQs, later PCI) become
// vectors delivered to a CPU's local APIC. Inputs are numbered by global
// system interrupt (GSI); ISA IRQ n is GSI n unless an ACPI interrupt source
// override says otherwise (the PIT's IRQ 0 is GSI 2 on PCs).
//
// Callers: kernel_main (init, after acpi::init and apic::init) and each
// device driver that takes an interrupt (the keyboard, COM1, later disks and
// network cards), which routes its line and installs a handler for the vector.
#pragma once

#include <lib/types.h>

namespace ioapic {

// Maps every I/O APIC the MADT lists (or the PC's one at 0xFEC00000 when
// there is no MADT) and masks all their inputs.
void init();

// Routes ISA IRQ `irq` to `vector` on the boot CPU, unmasked, with the
// polarity and trigger mode the MADT override gives (ISA default: active
// high, edge). False if no I/O APIC has that input.
bool route_isa_irq(u8 irq, u8 vector);
// Routes a global system interrupt explicitly (PCI lines are active low, level).
bool route_gsi(u32 gsi, u8 vector, bool active_low, bool level_triggered, u32 destination_apic_id);

u32 isa_irq_to_gsi(u8 irq);
void mask_isa_irq(u8 irq);
void unmask_isa_irq(u8 irq);
void mask_gsi(u32 gsi);
void unmask_gsi(u32 gsi);

// The raw 64-bit redirection entry of `gsi` (for diagnostics and the
// self-tests), 0 if no I/O APIC has it.
u64 redirection_entry(u32 gsi);
constexpr u64 kEntryVectorMask = 0xFF;
constexpr u64 kEntryActiveLow = 1 << 13;
constexpr u64 kEntryLevel = 1 << 15;
constexpr u64 kEntryMasked = 1 << 16;

}
