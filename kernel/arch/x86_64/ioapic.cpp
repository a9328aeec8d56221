// I/O APIC driver; see ioapic.h. Register layout from the Intel 82093AA
// datasheet: an index register (IOREGSEL) and a data window (IOWIN); each
// input has a 64-bit redirection entry at index 0x10 + 2n.
//
// An IOREGSEL write and the IOWIN access after it form one operation, so
// every access runs with interrupts off (an IRQ handler that masks a line
// must not move IOREGSEL under an interrupted access).
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/ioapic.h>
#include <drivers/acpi.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <mm/mmio.h>

namespace ioapic {

namespace {

constexpr usize kRegisterSelect = 0x00;
constexpr usize kWindow = 0x10;
constexpr u32 kRegId = 0x00;
constexpr u32 kRegVersion = 0x01;
constexpr u32 kRegRedirection = 0x10;
constexpr PhysAddr kPcDefaultAddress = 0xFEC00000;

struct Controller {
    VirtAddr base;
    u8 id;
    u32 gsi_base;
    u32 inputs;
};

constexpr int kMaxControllers = acpi::Madt::kMaxIoApics;
Controller s_controllers[kMaxControllers];
int s_controller_count;


u32 read(Controller const& c, u32 reg)
{
    *mm::mmio_register<u32>(c.base, kRegisterSelect) = reg;
    return *mm::mmio_register<u32>(c.base, kWindow);
}

void write(Controller const& c, u32 reg, u32 value)
{
    *mm::mmio_register<u32>(c.base, kRegisterSelect) = reg;
    *mm::mmio_register<u32>(c.base, kWindow) = value;
}

Controller const* controller_for(u32 gsi)
{
    for (int i = 0; i < s_controller_count; ++i) {
        auto const& c = s_controllers[i];
        if (gsi >= c.gsi_base && gsi < c.gsi_base + c.inputs)
            return &c;
    }
    return nullptr;
}

bool add_controller(u8 id, PhysAddr address, u32 gsi_base)
{
    if (s_controller_count == kMaxControllers)
        return false;
    auto mapped = mm::map_mmio(address, 0x20);
    if (mapped.is_error()) {
        log_error("I/O APIC: cannot map %#llx: %s", static_cast<unsigned long long>(address), mapped.error().name());
        return false;
    }
    Controller c { mapped.value(), id, gsi_base, 0 };
    c.inputs = ((read(c, kRegVersion) >> 16) & 0xFF) + 1;
    // Nothing may fire before a driver asks for it.
    for (u32 input = 0; input < c.inputs; ++input) {
        write(c, kRegRedirection + 2 * input + 1, 0);
        write(c, kRegRedirection + 2 * input, kEntryMasked);
    }
    s_controllers[s_controller_count++] = c;
    return true;
}

void set_mask(u32 gsi, bool masked)
{
    InterruptsOff guard;
    auto const* c = controller_for(gsi);
    if (!c)
        return;
    u32 reg = kRegRedirection + 2 * (gsi - c->gsi_base);
    u32 low = read(*c, reg);
    write(*c, reg, masked ? (low | kEntryMasked) : (low & ~static_cast<u32>(kEntryMasked)));
}

}

void init()
{
    if (acpi::has_madt()) {
        auto const& madt = acpi::madt();
        for (int i = 0; i < madt.io_apic_count; ++i)
            add_controller(madt.io_apics[i].id, madt.io_apics[i].address, madt.io_apics[i].gsi_base);
    } else {
        add_controller(0, kPcDefaultAddress, 0);
    }
    if (s_controller_count == 0)
        panic("I/O APIC: none usable; no device interrupts possible");
    auto const& first = s_controllers[0];
    log_info("I/O APIC: %d controller(s); id %u has GSIs %u-%u, all masked", s_controller_count,
        (read(first, kRegId) >> 24) & 0xF, first.gsi_base, first.gsi_base + first.inputs - 1);
}

u32 isa_irq_to_gsi(u8 irq)
{
    if (acpi::has_madt()) {
        if (auto const* o = acpi::madt().isa_override(irq))
            return o->gsi;
    }
    return irq;
}

bool route_gsi(u32 gsi, u8 vector, bool active_low, bool level_triggered, u32 destination_apic_id)
{
    InterruptsOff guard;
    auto const* c = controller_for(gsi);
    if (!c)
        return false;
    u32 reg = kRegRedirection + 2 * (gsi - c->gsi_base);
    // Fixed delivery, physical destination mode: one CPU receives it.
    u32 low = vector;
    if (active_low)
        low |= kEntryActiveLow;
    if (level_triggered)
        low |= kEntryLevel;
    // Masked while the destination is written, so the line never fires at
    // a half-written entry.
    write(*c, reg, low | kEntryMasked);
    write(*c, reg + 1, destination_apic_id << 24);
    write(*c, reg, low);
    return true;
}

bool route_isa_irq(u8 irq, u8 vector)
{
    bool active_low = false; // ISA: active high, edge
    bool level = false;
    u32 gsi = irq;
    if (acpi::has_madt()) {
        if (auto const* o = acpi::madt().isa_override(irq)) {
            gsi = o->gsi;
            active_low = o->polarity == acpi::Polarity::ActiveLow;
            level = o->trigger == acpi::Trigger::Level;
        }
    }
    return route_gsi(gsi, vector, active_low, level, apic::id());
}

void mask_gsi(u32 gsi) { set_mask(gsi, true); }
void unmask_gsi(u32 gsi) { set_mask(gsi, false); }
void mask_isa_irq(u8 irq) { mask_gsi(isa_irq_to_gsi(irq)); }
void unmask_isa_irq(u8 irq) { unmask_gsi(isa_irq_to_gsi(irq)); }

u64 redirection_entry(u32 gsi)
{
    InterruptsOff guard;
    auto const* c = controller_for(gsi);
    if (!c)
        return 0;
    u32 reg = kRegRedirection + 2 * (gsi - c->gsi_base);
    return read(*c, reg) | (static_cast<u64>(read(*c, reg + 1)) << 32);
}

}
