// Multiboot2 parsing; see multiboot2.h. Layouts from the Multiboot2
// specification: an 8-byte header (total size, reserved) followed by tags,
// each 8-byte aligned, {u32 type, u32 size, payload}, ended by type 0.
#include <arch/x86_64/multiboot2.h>
#include <lib/string.h>
#include <mm/layout.h>

namespace {

BootInfo s_boot_info;

enum TagType : u32 {
    End = 0,
    CommandLine = 1,
    LoaderName = 2,
    Module = 3,
    MemoryMap = 6,
    FramebufferInfo = 8,
    AcpiOldRsdp = 14,
    AcpiNewRsdp = 15,
};

struct Tag {
    u32 type;
    u32 size;
};

struct ModuleTag {
    Tag tag;
    u32 start;
    u32 end;
    char name[];
};

struct MemoryMapTag {
    Tag tag;
    u32 entry_size;
    u32 entry_version;
};

struct MemoryMapEntry {
    u64 base;
    u64 length;
    u32 type;
    u32 reserved;
};

struct FramebufferTag {
    Tag tag;
    u64 address;
    u32 pitch;
    u32 width;
    u32 height;
    u8 bpp;
    u8 type;
};

void copy_string(char* dest, usize capacity, const char* src, usize src_max)
{
    usize n = strnlen(src, src_max);
    if (n >= capacity)
        n = capacity - 1;
    memcpy(dest, src, n);
    dest[n] = 0;
}

}

BootInfo const& boot_info() { return s_boot_info; }

BootModule const* BootInfo::module(const char* wanted) const
{
    for (int i = 0; i < module_count; ++i) {
        if (strcmp(modules[i].name, wanted) == 0)
            return &modules[i];
    }
    return nullptr;
}

namespace multiboot2 {

bool parse(u32 magic, PhysAddr info)
{
    if (magic != kBootloaderMagic)
        return false;
    auto& bi = s_boot_info;
    auto* base = mm::phys_to_virt<u8>(info);
    u32 total_size = *reinterpret_cast<u32*>(base);
    bi.boot_info_start = info;
    bi.boot_info_end = info + total_size;

    for (u32 offset = 8; offset + sizeof(Tag) <= total_size;) {
        auto* tag = reinterpret_cast<Tag*>(base + offset);
        if (tag->type == End || tag->size < sizeof(Tag))
            break;
        auto* payload = reinterpret_cast<const char*>(tag + 1);
        usize payload_size = tag->size - sizeof(Tag);
        switch (tag->type) {
        case CommandLine:
            copy_string(bi.command_line, sizeof(bi.command_line), payload, payload_size);
            break;
        case LoaderName:
            copy_string(bi.loader_name, sizeof(bi.loader_name), payload, payload_size);
            break;
        case Module: {
            if (bi.module_count == BootInfo::kMaxModules)
                break;
            auto* m = reinterpret_cast<ModuleTag*>(tag);
            auto& out = bi.modules[bi.module_count++];
            out.start = m->start;
            out.end = m->end;
            copy_string(out.name, sizeof(out.name), m->name, tag->size - sizeof(ModuleTag));
            break;
        }
        case MemoryMap: {
            auto* mm_tag = reinterpret_cast<MemoryMapTag*>(tag);
            if (mm_tag->entry_size < sizeof(MemoryMapEntry))
                break;
            for (u32 at = sizeof(MemoryMapTag); at + sizeof(MemoryMapEntry) <= tag->size; at += mm_tag->entry_size) {
                if (bi.region_count == BootInfo::kMaxRegions)
                    break;
                auto* entry = reinterpret_cast<MemoryMapEntry*>(reinterpret_cast<u8*>(tag) + at);
                auto& region = bi.regions[bi.region_count++];
                region.start = entry->base;
                region.length = entry->length;
                // Unknown types are treated as reserved: never hand them out.
                region.type = entry->type >= 1 && entry->type <= 5 ? static_cast<MemoryRegion::Type>(entry->type)
                                                                     : MemoryRegion::Type::Reserved;
            }
            break;
        }
        case FramebufferInfo: {
            auto* fb = reinterpret_cast<FramebufferTag*>(tag);
            bi.framebuffer = { fb->address, fb->pitch, fb->width, fb->height, fb->bpp, fb->type };
            bi.has_framebuffer = true;
            break;
        }
        case AcpiOldRsdp:
        case AcpiNewRsdp: {
            // Prefer the v2 RSDP (XSDT) when GRUB gives both.
            if (tag->type == AcpiOldRsdp && bi.acpi_rsdp)
                break;
            usize n = payload_size < sizeof(bi.acpi_rsdp_copy) ? payload_size : sizeof(bi.acpi_rsdp_copy);
            memcpy(bi.acpi_rsdp_copy, payload, n);
            bi.acpi_rsdp = info + offset + sizeof(Tag);
            break;
        }
        default:
            break;
        }
        offset += align_up(tag->size, 8);
    }
    return true;
}

}
