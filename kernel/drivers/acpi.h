// ACPI static tables: finds the RSDP (GRUB's copy, else a scan of the EBDA
// and the BIOS area), walks the RSDT/XSDT verifying every checksum, and
// decodes what the interrupt and time code needs:
//   MADT  the local APIC address, every processor (the SMP start-up reads the
//         list), the I/O APICs, ISA interrupt source overrides, NMI wiring;
//   FADT  the RTC century register, the SCI line, legacy-device flags;
//   HPET  the timer block's address.
// Called once from kernel_main after paging is up; read by arch/x86_64/apic,
// ioapic, drivers/rtc and arch/x86_64/smp. Nothing here changes after
// init(), so readers need no lock.
#pragma once

#include <lib/types.h>

namespace acpi {

struct [[gnu::packed]] SdtHeader {
    char signature[4];
    u32 length; // of the whole table, header included
    u8 revision;
    u8 checksum;
    char oem_id[6];
    char oem_table_id[8];
    u32 oem_revision;
    u32 creator_id;
    u32 creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

// The MPS INTI flags of overrides and NMI entries. "Bus default" means what
// the bus defines: for ISA, active high and edge triggered.
enum class Polarity : u8 { BusDefault, ActiveHigh, ActiveLow };
enum class Trigger : u8 { BusDefault, Edge, Level };

struct Processor {
    u32 acpi_uid;
    u32 apic_id;
    bool enabled;        // usable now
    bool online_capable; // disabled, but could be hot-added
};

struct IoApic {
    u8 id;
    PhysAddr address;
    u32 gsi_base; // first global system interrupt its inputs carry
};

// "ISA IRQ `source` arrives at global system interrupt `gsi`" (QEMU and most
// PCs: the PIT's IRQ 0 is wired to I/O APIC input 2).
struct InterruptOverride {
    u8 bus;
    u8 source;
    u32 gsi;
    Polarity polarity;
    Trigger trigger;
};

// Which local APIC input (LINT0/1) carries NMI, for one processor or all.
struct LocalApicNmi {
    static constexpr u32 kAllProcessors = 0xFFFFFFFF;
    u32 acpi_uid;
    u8 lint;
    Polarity polarity;
    Trigger trigger;
};

// A global system interrupt that is an NMI source.
struct NmiSource {
    u32 gsi;
    Polarity polarity;
    Trigger trigger;
};

struct Madt {
    static constexpr int kMaxProcessors = 64;
    static constexpr int kMaxIoApics = 8;
    static constexpr int kMaxOverrides = 24;
    static constexpr int kMaxNmis = 8;

    PhysAddr local_apic_address; // after any 64-bit override entry
    bool has_8259;               // PCAT_COMPAT: legacy PICs present (to be masked)

    Processor processors[kMaxProcessors];
    int processor_count;
    IoApic io_apics[kMaxIoApics];
    int io_apic_count;
    InterruptOverride overrides[kMaxOverrides];
    int override_count;
    LocalApicNmi local_nmis[kMaxNmis];
    int local_nmi_count;
    NmiSource nmi_sources[kMaxNmis];
    int nmi_source_count;

    int enabled_processor_count() const;
    // The override for ISA IRQ `irq`, or nullptr when it maps to GSI `irq`.
    InterruptOverride const* isa_override(u8 irq) const;
};

struct Fadt {
    u8 revision;
    u16 sci_interrupt;
    u8 rtc_century_register; // CMOS index of the century, 0 when not provided
    u16 boot_arch_flags;     // IAPC_BOOT_ARCH; meaningful from revision 2 on
    static constexpr u16 kBootArchLegacyDevices = 1 << 0;
    static constexpr u16 kBootArch8042 = 1 << 1;
};

// Finds and checks the tables; false (logged) when the machine has no usable
// ACPI, in which case the has_*() below are false too.
bool init();

bool available();
u8 revision(); // of the RSDP: 0 means ACPI 1.0 (RSDT), 2+ means XSDT

bool has_madt();
Madt const& madt(); // zeroed when !has_madt()

bool has_fadt();
Fadt const& fadt();

// Physical address of the HPET's register block, 0 when there is no HPET.
PhysAddr hpet_address();

// The `index`-th table with this 4-letter signature ("MCFG", "SSDT"...),
// checksum verified, or nullptr. The header is followed by the table body,
// `length` bytes in all.
SdtHeader const* find_table(const char* signature, int index = 0);

}
