// Memory-manager bring-up; see memory.h. Called once from kernel_main.
#include <boot_info.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/kmalloc.h>
#include <mm/memory.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>

extern "C" char _kernel_phys_start[], _kernel_end[];

namespace mm {

namespace {

// Until the final page tables exist only the boot tables' direct map of the
// first 4 GiB is reachable, so RAM above it joins the allocator afterwards.
constexpr PhysAddr kBootMappedLimit = 4 * GiB;

u64 s_total_usable;
u64 s_reserved_at_boot;

bool overlaps(PhysAddr a_start, PhysAddr a_end, PhysAddr b_start, PhysAddr b_end)
{
    return a_start < b_end && b_start < a_end;
}

// Ranges the allocator must never hand out.
struct Range {
    PhysAddr start, end;
};

int collect_in_use(Range* out, int capacity)
{
    auto const& bi = boot_info();
    int n = 0;
    auto add = [&](PhysAddr s, PhysAddr e) {
        if (n < capacity)
            out[n++] = { align_down(s, kPageSize), align_up(e, kPageSize) };
    };
    // Real-mode data (BIOS, EBDA) and the SMP start-up trampoline (arch/x86_64/smp.cpp).
    add(0, 1 * MiB);
    add(reinterpret_cast<PhysAddr>(_kernel_phys_start), virt_to_phys(_kernel_end));
    add(bi.boot_info_start, bi.boot_info_end);
    for (int i = 0; i < bi.module_count; ++i)
        add(bi.modules[i].start, bi.modules[i].end);
    return n;
}

}

void init_memory()
{
    auto const& bi = boot_info();
    if (bi.region_count == 0)
        panic("memory: the boot loader gave no memory map");

    static const char* const kTypeNames[] = { "?", "usable", "reserved", "ACPI reclaimable", "ACPI NVS", "bad" };
    for (int i = 0; i < bi.region_count; ++i) {
        auto const& r = bi.regions[i];
        log_info("memory map: [%#014lx-%#014lx] %s", static_cast<unsigned long>(r.start),
            static_cast<unsigned long>(r.start + r.length - 1), kTypeNames[static_cast<u32>(r.type)]);
    }

    PhysAddr highest = 0;
    for (int i = 0; i < bi.region_count; ++i) {
        auto const& r = bi.regions[i];
        if (r.type != MemoryRegion::Type::Usable)
            continue;
        s_total_usable += r.length;
        if (r.start + r.length > highest)
            highest = r.start + r.length;
    }
    u64 frame_count = align_up(highest, kPageSize) / kPageSize;
    usize frames_bytes = align_up(frame_count * sizeof(PageFrame), kPageSize);

    Range in_use[BootInfo::kMaxModules + 4];
    int in_use_count = collect_in_use(in_use, ARRAY_SIZE(in_use));

    // The PageFrame array goes in the first usable, boot-mapped gap big
    // enough for it that overlaps nothing in use.
    PhysAddr frames_at = 0;
    for (int i = 0; i < bi.region_count && !frames_at; ++i) {
        auto const& r = bi.regions[i];
        if (r.type != MemoryRegion::Type::Usable)
            continue;
        PhysAddr candidate = align_up(r.start, kPageSize);
        PhysAddr region_end = align_down(r.start + r.length, kPageSize);
        while (candidate + frames_bytes <= region_end && candidate + frames_bytes <= kBootMappedLimit) {
            bool clash = false;
            for (int k = 0; k < in_use_count; ++k) {
                if (overlaps(candidate, candidate + frames_bytes, in_use[k].start, in_use[k].end)) {
                    candidate = in_use[k].end;
                    clash = true;
                    break;
                }
            }
            if (!clash) {
                frames_at = candidate;
                break;
            }
        }
    }
    if (!frames_at)
        panic("memory: no room for the page frame array (%lu KiB)", static_cast<unsigned long>(frames_bytes / KiB));

    auto* frames = phys_to_virt<PageFrame>(frames_at);
    memset(frames, 0, frames_bytes);
    auto& allocator = page_allocator();
    allocator.init(frames, 0, frame_count);
    for (int i = 0; i < bi.region_count; ++i) {
        auto const& r = bi.regions[i];
        if (r.type == MemoryRegion::Type::Usable && r.start < kBootMappedLimit) {
            PhysAddr end = r.start + r.length < kBootMappedLimit ? r.start + r.length : kBootMappedLimit;
            allocator.add_free_range(r.start, end);
        }
    }
    for (int k = 0; k < in_use_count; ++k)
        allocator.reserve_range(in_use[k].start, in_use[k].end);
    allocator.reserve_range(frames_at, frames_at + frames_bytes);

    init_paging();

    for (int i = 0; i < bi.region_count; ++i) {
        auto const& r = bi.regions[i];
        if (r.type == MemoryRegion::Type::Usable && r.start + r.length > kBootMappedLimit) {
            PhysAddr start = r.start > kBootMappedLimit ? r.start : kBootMappedLimit;
            allocator.add_free_range(start, r.start + r.length);
        }
    }
    // The heap: slab caches per kmalloc size class over the direct map.
    kmalloc_init(kernel_page_source());
    void* probe = kmalloc(kKmallocMinClassSize);
    if (!probe)
        panic("memory: the kernel heap cannot allocate its first object");
    kfree(probe);
    log_info("heap: kmalloc size classes %lu-%lu bytes in slab caches, larger requests from the buddy allocator",
        static_cast<unsigned long>(kKmallocMinClassSize), static_cast<unsigned long>(kKmallocMaxClassSize));

    s_reserved_at_boot = s_total_usable - allocator.free_pages() * kPageSize;
    auto stats = memory_stats();
    log_info("memory: %lu KiB total, %lu KiB reserved (kernel, modules, frame array %lu KiB), %lu KiB free",
        static_cast<unsigned long>(stats.total_bytes / KiB), static_cast<unsigned long>(stats.reserved_bytes / KiB),
        static_cast<unsigned long>(frames_bytes / KiB), static_cast<unsigned long>(stats.free_bytes / KiB));
}

MemoryStats memory_stats()
{
    return { s_total_usable, s_reserved_at_boot, page_allocator().free_pages() * kPageSize };
}

}
