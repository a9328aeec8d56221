// Remapping and masking the 8259 PICs; see pic.h.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/pic.h>
#include <lib/log.h>

namespace pic {

namespace {
constexpr u16 kMasterCommand = 0x20;
constexpr u16 kMasterData = 0x21;
constexpr u16 kSlaveCommand = 0xA0;
constexpr u16 kSlaveData = 0xA1;

constexpr u8 kIcw1Init = 0x10;      // start the initialisation sequence
constexpr u8 kIcw1NeedsIcw4 = 0x01;
constexpr u8 kIcw3SlaveOnIrq2 = 1 << 2; // master: a slave hangs on line 2
constexpr u8 kIcw3SlaveId = 2;          // slave: its cascade identity
constexpr u8 kIcw4Mode8086 = 0x01;
}

void disable()
{
    // The firmware leaves the master at vectors 8-15, on top of the CPU's own
    // exceptions (8 is the double fault). Even masked, a PIC can signal a
    // spurious IRQ 7 or 15, so first move both to 32-47 where such a stray
    // interrupt is recognisable as one.
    cpu::outb(kMasterCommand, kIcw1Init | kIcw1NeedsIcw4);
    cpu::io_wait();
    cpu::outb(kSlaveCommand, kIcw1Init | kIcw1NeedsIcw4);
    cpu::io_wait();
    cpu::outb(kMasterData, interrupts::kIrqBase);
    cpu::io_wait();
    cpu::outb(kSlaveData, interrupts::kIrqBase + 8);
    cpu::io_wait();
    cpu::outb(kMasterData, kIcw3SlaveOnIrq2);
    cpu::io_wait();
    cpu::outb(kSlaveData, kIcw3SlaveId);
    cpu::io_wait();
    cpu::outb(kMasterData, kIcw4Mode8086);
    cpu::io_wait();
    cpu::outb(kSlaveData, kIcw4Mode8086);
    cpu::io_wait();

    cpu::outb(kMasterData, 0xFF);
    cpu::outb(kSlaveData, 0xFF);
    log_info("PIC: 8259 pair remapped to vectors %u-%u and masked", interrupts::kIrqBase, interrupts::kIrqBase + 15);
}

}
