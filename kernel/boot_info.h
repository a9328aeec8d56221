// What the boot loader told us, copied out of the multiboot2 structure early
// in boot (arch/x86_64/multiboot2.cpp) into plain kernel data, so nothing
// later depends on the loader's memory staying intact.
#pragma once

#include <lib/types.h>

struct MemoryRegion {
    PhysAddr start;
    u64 length;
    enum class Type : u32 {
        Usable = 1,
        Reserved = 2,
        AcpiReclaimable = 3,
        AcpiNvs = 4,
        Bad = 5,
    } type;
};

struct BootModule {
    PhysAddr start;
    PhysAddr end;
    char name[32]; // the text after the path on GRUB's module2 line ("initramfs", "symbols")
};

struct Framebuffer {
    PhysAddr address;
    u32 pitch, width, height;
    u8 bpp;
    u8 type; // 0 indexed, 1 RGB, 2 EGA text
};

struct BootInfo {
    static constexpr int kMaxRegions = 64;
    static constexpr int kMaxModules = 8;

    char command_line[512];
    char loader_name[64];
    MemoryRegion regions[kMaxRegions];
    int region_count;
    BootModule modules[kMaxModules];
    int module_count;
    Framebuffer framebuffer;
    bool has_framebuffer;
    PhysAddr acpi_rsdp;  // physical address of a copy of the RSDP, 0 if none given
    u8 acpi_rsdp_copy[36]; // the RSDP bytes themselves (v1 is 20, v2 is 36)
    PhysAddr boot_info_start, boot_info_end; // the multiboot structure itself

    BootModule const* module(const char* name) const;
};

BootInfo const& boot_info();
