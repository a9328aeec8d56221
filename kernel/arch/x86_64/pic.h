// The legacy pair of 8259 programmable interrupt controllers. Haneul routes
// every device interrupt through the I/O APIC, so the PICs are only put into
// a harmless state at boot (kernel/main.cpp calls pic::disable() before the
// local APIC comes up) and never touched again.
#pragma once

namespace pic {

// Re-bases the PICs' vectors above the CPU exceptions (IRQ n -> 32 + n), in
// case one still raises a spurious interrupt, then masks all sixteen lines.
void disable();

}
