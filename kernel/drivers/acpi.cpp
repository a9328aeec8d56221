// ACPI table discovery and MADT/FADT/HPET decoding; see acpi.h.
//
// Tables live in firmware-owned RAM that the kernel's direct map covers (the
// paging code maps every region of the firmware memory map). A table outside
// every region the loader reported (the BIOS ROM area is often left out) is
// mapped through the MMIO window instead, so a sparse memory map does not
// make ACPI disappear.
#include <boot_info.h>
#include <drivers/acpi.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/mmio.h>

namespace acpi {

namespace {

constexpr int kMaxTables = 48;

struct [[gnu::packed]] Rsdp {
    char signature[8]; // "RSD PTR "
    u8 checksum;       // over the first 20 bytes (the ACPI 1.0 structure)
    char oem_id[6];
    u8 revision;
    u32 rsdt_address;
    // ACPI 2.0 and later:
    u32 length;
    u64 xsdt_address;
    u8 extended_checksum; // over all `length` bytes
    u8 reserved[3];
};
static_assert(sizeof(Rsdp) == 36);
constexpr usize kRsdpV1Size = 20;

bool s_available;
u8 s_revision;
PhysAddr s_tables[kMaxTables];
int s_table_count;
bool s_has_madt;
Madt s_madt;
bool s_has_fadt;
Fadt s_fadt;
PhysAddr s_hpet_address;

// MADT entry types (ACPI 6.5, table 5.21).
enum MadtEntryType : u8 {
    kLocalApic = 0,
    kIoApic = 1,
    kInterruptOverride = 2,
    kNmiSource = 3,
    kLocalApicNmi = 4,
    kLocalApicAddressOverride = 5,
    kLocalX2Apic = 9,
    kLocalX2ApicNmi = 10,
};
constexpr usize kMadtEntriesOffset = 44; // header + local APIC address + flags
constexpr u32 kMadtPcatCompat = 1 << 0;
constexpr u32 kProcessorEnabled = 1 << 0;
constexpr u32 kProcessorOnlineCapable = 1 << 1;

// Offsets of the FADT fields read here (ACPI 6.5, table 5.9).
constexpr usize kFadtSciInterrupt = 46;
constexpr usize kFadtCentury = 108;
constexpr usize kFadtBootArch = 109;
// Offset of the address inside the HPET table's generic address structure.
constexpr usize kHpetBaseAddress = 44;

// Tables are byte-packed: fields are read with memcpy so that an unaligned
// one (XSDT entries sit at offset 36) is never a misaligned access in C++.
template<typename T>
T read_field(u8 const* base, usize offset)
{
    T value;
    memcpy(&value, base + offset, sizeof(T));
    return value;
}

bool covered_by_memory_map(PhysAddr start, usize length)
{
    auto const& info = boot_info();
    for (int i = 0; i < info.region_count; ++i) {
        auto const& region = info.regions[i];
        if (start >= region.start && start + length <= region.start + region.length)
            return true;
    }
    return false;
}

// A readable view of [address, address + length) of physical memory.
u8 const* view(PhysAddr address, usize length)
{
    if (covered_by_memory_map(address, length))
        return mm::phys_to_virt<u8 const>(address);
    auto mapped = mm::map_mmio(address, length);
    if (mapped.is_error())
        return nullptr;
    return reinterpret_cast<u8 const*>(mapped.value());
}

bool checksum_ok(u8 const* bytes, usize length)
{
    u8 sum = 0;
    for (usize i = 0; i < length; ++i)
        sum = static_cast<u8>(sum + bytes[i]);
    return sum == 0;
}

bool rsdp_valid(u8 const* bytes)
{
    if (memcmp(bytes, "RSD PTR ", 8) != 0 || !checksum_ok(bytes, kRsdpV1Size))
        return false;
    auto const* rsdp = reinterpret_cast<Rsdp const*>(bytes);
    if (rsdp->revision >= 2)
        return rsdp->length >= sizeof(Rsdp) && checksum_ok(bytes, sizeof(Rsdp));
    return true;
}

// The RSDP sits on a 16-byte boundary in the first KiB of the EBDA or in the
// BIOS area 0xE0000-0xFFFFF (ACPI 6.5, 5.2.5.1).
bool scan_for_rsdp(PhysAddr start, usize length, Rsdp& out)
{
    u8 const* area = view(start, length);
    if (!area)
        return false;
    for (usize offset = 0; offset + sizeof(Rsdp) <= length; offset += 16) {
        if (rsdp_valid(area + offset)) {
            memcpy(&out, area + offset, sizeof(Rsdp));
            return true;
        }
    }
    return false;
}

bool find_rsdp(Rsdp& out, const char*& source)
{
    auto const& info = boot_info();
    // GRUB copies the RSDP into the multiboot structure (tag 14 or 15); its
    // length is the revision's, so a v1 copy has only 20 meaningful bytes.
    Rsdp copy {};
    memcpy(&copy, info.acpi_rsdp_copy, sizeof(copy));
    if (rsdp_valid(reinterpret_cast<u8 const*>(&copy))) {
        out = copy;
        source = "boot loader";
        return true;
    }
    if (u8 const* bda = view(0x40E, 2)) {
        PhysAddr ebda = static_cast<PhysAddr>(read_field<u16>(bda, 0)) << 4;
        if (ebda >= 0x80000 && ebda < 0xA0000 && scan_for_rsdp(ebda, 1024, out)) {
            source = "EBDA";
            return true;
        }
    }
    if (scan_for_rsdp(0xE0000, 0x20000, out)) {
        source = "BIOS area";
        return true;
    }
    return false;
}

// The whole table at `address` if its header, length and checksum are sane.
SdtHeader const* map_table(PhysAddr address)
{
    auto const* header = reinterpret_cast<SdtHeader const*>(view(address, sizeof(SdtHeader)));
    if (!header || header->length < sizeof(SdtHeader) || header->length > 16 * MiB)
        return nullptr;
    auto const* whole = view(address, header->length);
    if (!whole || !checksum_ok(whole, header->length))
        return nullptr;
    return reinterpret_cast<SdtHeader const*>(whole);
}

Polarity polarity_from(u16 inti_flags)
{
    switch (inti_flags & 3) {
    case 1:
        return Polarity::ActiveHigh;
    case 3:
        return Polarity::ActiveLow;
    default:
        return Polarity::BusDefault;
    }
}

Trigger trigger_from(u16 inti_flags)
{
    switch ((inti_flags >> 2) & 3) {
    case 1:
        return Trigger::Edge;
    case 3:
        return Trigger::Level;
    default:
        return Trigger::BusDefault;
    }
}

void add_processor(u32 acpi_uid, u32 apic_id, u32 flags)
{
    bool enabled = flags & kProcessorEnabled;
    bool online_capable = flags & kProcessorOnlineCapable;
    if (!enabled && !online_capable)
        return; // the spec says to ignore such entries
    // Firmware may list a processor both as local APIC and as x2APIC.
    for (int i = 0; i < s_madt.processor_count; ++i) {
        if (s_madt.processors[i].apic_id == apic_id)
            return;
    }
    if (s_madt.processor_count == Madt::kMaxProcessors)
        return;
    s_madt.processors[s_madt.processor_count++] = { acpi_uid, apic_id, enabled, online_capable };
}

void parse_madt(SdtHeader const* table)
{
    auto const* bytes = reinterpret_cast<u8 const*>(table);
    s_madt.local_apic_address = read_field<u32>(bytes, 36);
    s_madt.has_8259 = read_field<u32>(bytes, 40) & kMadtPcatCompat;

    for (usize offset = kMadtEntriesOffset; offset + 2 <= table->length;) {
        u8 const* entry = bytes + offset;
        u8 type = entry[0];
        u8 length = entry[1];
        if (length < 2 || offset + length > table->length)
            break; // a malformed entry: stop rather than read past the table
        switch (type) {
        case kLocalApic:
            if (length >= 8)
                add_processor(entry[2], entry[3], read_field<u32>(entry, 4));
            break;
        case kLocalX2Apic:
            if (length >= 16)
                add_processor(read_field<u32>(entry, 12), read_field<u32>(entry, 4), read_field<u32>(entry, 8));
            break;
        case kIoApic:
            if (length >= 12 && s_madt.io_apic_count < Madt::kMaxIoApics)
                s_madt.io_apics[s_madt.io_apic_count++] = { entry[2], read_field<u32>(entry, 4), read_field<u32>(entry, 8) };
            break;
        case kInterruptOverride:
            if (length >= 10 && s_madt.override_count < Madt::kMaxOverrides) {
                u16 flags = read_field<u16>(entry, 8);
                s_madt.overrides[s_madt.override_count++]
                    = { entry[2], entry[3], read_field<u32>(entry, 4), polarity_from(flags), trigger_from(flags) };
            }
            break;
        case kNmiSource:
            if (length >= 8 && s_madt.nmi_source_count < Madt::kMaxNmis) {
                u16 flags = read_field<u16>(entry, 2);
                s_madt.nmi_sources[s_madt.nmi_source_count++]
                    = { read_field<u32>(entry, 4), polarity_from(flags), trigger_from(flags) };
            }
            break;
        case kLocalApicNmi:
            if (length >= 6 && s_madt.local_nmi_count < Madt::kMaxNmis) {
                u16 flags = read_field<u16>(entry, 3);
                u32 uid = entry[2] == 0xFF ? LocalApicNmi::kAllProcessors : entry[2];
                s_madt.local_nmis[s_madt.local_nmi_count++] = { uid, entry[5], polarity_from(flags), trigger_from(flags) };
            }
            break;
        case kLocalX2ApicNmi:
            if (length >= 12 && s_madt.local_nmi_count < Madt::kMaxNmis) {
                u16 flags = read_field<u16>(entry, 2);
                s_madt.local_nmis[s_madt.local_nmi_count++]
                    = { read_field<u32>(entry, 4), entry[8], polarity_from(flags), trigger_from(flags) };
            }
            break;
        case kLocalApicAddressOverride:
            if (length >= 12)
                s_madt.local_apic_address = read_field<u64>(entry, 4);
            break;
        default:
            break; // SAPIC, GIC and other architectures' entries
        }
        offset += length;
    }
}

void parse_fadt(SdtHeader const* table)
{
    auto const* bytes = reinterpret_cast<u8 const*>(table);
    s_fadt.revision = table->revision;
    if (table->length >= kFadtSciInterrupt + 2)
        s_fadt.sci_interrupt = read_field<u16>(bytes, kFadtSciInterrupt);
    if (table->length > kFadtCentury)
        s_fadt.rtc_century_register = bytes[kFadtCentury];
    if (table->length >= kFadtBootArch + 2)
        s_fadt.boot_arch_flags = read_field<u16>(bytes, kFadtBootArch);
}

void log_madt()
{
    auto const& m = s_madt;
    char io_apic[64] = "no I/O APIC";
    if (m.io_apic_count > 0) {
        format(io_apic, sizeof(io_apic), "I/O APIC at %#llx GSI %u%s",
            static_cast<unsigned long long>(m.io_apics[0].address), m.io_apics[0].gsi_base,
            m.io_apic_count > 1 ? " (and more)" : "");
    }
    char lint[32] = "";
    if (m.local_nmi_count > 0)
        format(lint, sizeof(lint), ", NMI on LINT%u", m.local_nmis[0].lint);
    log_info("ACPI: MADT: %d CPU(s), local APIC at %#llx, %s, %d override(s)%s%s", m.enabled_processor_count(),
        static_cast<unsigned long long>(m.local_apic_address), io_apic, m.override_count, lint,
        m.has_8259 ? ", 8259 present" : "");
}

}

int Madt::enabled_processor_count() const
{
    int count = 0;
    for (int i = 0; i < processor_count; ++i)
        count += processors[i].enabled;
    return count;
}

InterruptOverride const* Madt::isa_override(u8 irq) const
{
    for (int i = 0; i < override_count; ++i) {
        if (overrides[i].bus == 0 && overrides[i].source == irq)
            return &overrides[i];
    }
    return nullptr;
}

bool init()
{
    Rsdp rsdp;
    const char* source = nullptr;
    if (!find_rsdp(rsdp, source)) {
        log_warn("ACPI: no RSDP found; assuming a PC with one I/O APIC");
        return false;
    }
    s_revision = rsdp.revision;

    bool use_xsdt = rsdp.revision >= 2 && rsdp.xsdt_address != 0;
    PhysAddr root_address = use_xsdt ? rsdp.xsdt_address : rsdp.rsdt_address;
    SdtHeader const* root = map_table(root_address);
    if (!root) {
        log_warn("ACPI: %s at %#llx is unreadable or fails its checksum", use_xsdt ? "XSDT" : "RSDT",
            static_cast<unsigned long long>(root_address));
        return false;
    }

    usize entry_size = use_xsdt ? 8 : 4;
    usize entries = (root->length - sizeof(SdtHeader)) / entry_size;
    auto const* bytes = reinterpret_cast<u8 const*>(root);
    char names[5 * kMaxTables + 1] = "";
    usize names_length = 0;
    for (usize i = 0; i < entries && s_table_count < kMaxTables; ++i) {
        usize offset = sizeof(SdtHeader) + i * entry_size;
        PhysAddr address = use_xsdt ? read_field<u64>(bytes, offset) : read_field<u32>(bytes, offset);
        SdtHeader const* table = map_table(address);
        if (!table) {
            log_warn("ACPI: table %zu at %#llx fails its checksum; ignored", i, static_cast<unsigned long long>(address));
            continue;
        }
        s_tables[s_table_count++] = address;
        names_length += format(names + names_length, sizeof(names) - names_length, " %.4s", table->signature);
    }
    s_available = true;
    log_info("ACPI: revision %u RSDP (from the %s), %s with %d table(s):%s", s_revision, source,
        use_xsdt ? "XSDT" : "RSDT", s_table_count, names);

    if (auto const* madt = find_table("APIC")) {
        s_has_madt = true;
        parse_madt(madt);
        log_madt();
    } else {
        log_warn("ACPI: no MADT");
    }
    if (auto const* fadt = find_table("FACP")) {
        s_has_fadt = true;
        parse_fadt(fadt);
    }
    if (auto const* hpet = find_table("HPET"); hpet && hpet->length >= kHpetBaseAddress + 8) {
        s_hpet_address = read_field<u64>(reinterpret_cast<u8 const*>(hpet), kHpetBaseAddress);
        log_info("ACPI: HPET at %#llx", static_cast<unsigned long long>(s_hpet_address));
    }
    return true;
}

bool available() { return s_available; }
u8 revision() { return s_revision; }
bool has_madt() { return s_has_madt; }
Madt const& madt() { return s_madt; }
bool has_fadt() { return s_has_fadt; }
Fadt const& fadt() { return s_fadt; }
PhysAddr hpet_address() { return s_hpet_address; }

SdtHeader const* find_table(const char* signature, int index)
{
    for (int i = 0; i < s_table_count; ++i) {
        SdtHeader const* table = map_table(s_tables[i]);
        if (table && memcmp(table->signature, signature, 4) == 0 && index-- == 0)
            return table;
    }
    return nullptr;
}

}
