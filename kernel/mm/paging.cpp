// Kernel page tables; see paging.h. Also implements mm::map_mmio (mmio.h).
//
// The kernel half uses four top-level (PML4) slots, each pre-populated with
// its PDPT at boot so that every later address space can share them by
// copying four entries, and kernel mappings made later (MMIO, stacks) appear
// in all address spaces without any synchronisation:
//   slot 256  direct map      slot 384  MMIO window
//   slot 400  kernel stacks   slot 511  kernel image
//
// Locking (SMP): s_lock serialises changes to the kernel's tables and the
// MMIO window bookkeeping. Lock order: s_lock, then the page allocator's
// lock (a new table page). TLB shoot-downs (smp::flush_tlb_range) happen
// after s_lock is dropped, so they go out as plain IPIs, not NMIs, and no
// CPU waiting for s_lock holds them up.
// translate() walks without the lock: kernel table pages are never freed,
// and a leaf entry is read in one access.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/smp.h>
#include <arch/x86_64/spinlock.h>
#include <boot_info.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/mmio.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>

extern "C" char _text_start[], _text_end[], _rodata_start[], _rodata_end[], _data_start[], _kernel_end[];
extern "C" char boot_stack_guard[];

namespace mm {

namespace {

Spinlock s_lock { "kernel page tables" };
PhysAddr s_kernel_root;
VirtAddr s_mmio_next = kMmioBase;

struct MmioMapping {
    PhysAddr phys;
    usize size;
    VirtAddr virt;
};
MmioMapping s_mmio_mappings[32];
int s_mmio_mapping_count;

u64* table_virt(PhysAddr phys) { return phys_to_virt<u64>(phys); }

// Maps [phys, phys+size) at virt using 2 MiB pages where both sides are
// aligned and 4 KiB pages at the edges.
ErrorOr<void> map_range(VirtAddr virt, PhysAddr phys, usize size, page_table::Attributes const& attributes)
{
    usize done = 0;
    while (done < size) {
        usize remaining = size - done;
        bool large = is_aligned(virt + done, kLargePageSize) && is_aligned(phys + done, kLargePageSize)
            && remaining >= kLargePageSize;
        usize step = large ? kLargePageSize : kPageSize;
        auto result = page_table::map(s_kernel_root, virt + done, phys + done, step, attributes,
            allocate_table_page, table_virt);
        // Overlapping firmware regions may map the same page twice: harmless.
        if (result.is_error() && result.error().code() != EEXIST)
            return result.error();
        done += step;
    }
    return {};
}

void map_or_panic(VirtAddr virt, PhysAddr phys, usize size, page_table::Attributes const& attributes, const char* what)
{
    auto result = map_range(virt, phys, size, attributes);
    if (result.is_error())
        panic("paging: cannot map %s: %s", what, result.error().name());
}

void prepopulate_kernel_slot(VirtAddr address)
{
    u64* pml4 = table_virt(s_kernel_root);
    unsigned slot = page_table::index_of(address, 4);
    if (pml4[slot] & page_table::kPresent)
        return;
    auto table = allocate_table_page();
    if (table.is_error())
        panic("paging: no memory for the kernel's top-level tables");
    pml4[slot] = table.value() | page_table::kPresent | page_table::kWritable;
}

}

ErrorOr<PhysAddr> allocate_table_page()
{
    PhysAddr page = TRY(page_allocator().allocate(0));
    memset(phys_to_virt(page), 0, kPageSize);
    return page;
}

PhysAddr kernel_root() { return s_kernel_root; }

void init_paging()
{
    bool nx = cpu::cpuid(0x80000001).edx & (1u << 20);
    page_table::set_no_execute_supported(nx);
    cpu::write_cr4(cpu::read_cr4() | cpu::CR4_PGE);

    auto root = allocate_table_page();
    if (root.is_error())
        panic("paging: no memory for the kernel page tables");
    s_kernel_root = root.value();
    prepopulate_kernel_slot(kDirectMapBase);
    prepopulate_kernel_slot(kMmioBase);
    prepopulate_kernel_slot(kKernelStackBase);
    prepopulate_kernel_slot(kKernelImageBase);

    // Direct map: RAM and ACPI regions wherever they are, reserved regions
    // below 4 GiB (firmware tables live there), and the first MiB. Never
    // device holes the firmware did not list, nor the huge reserved windows
    // some firmware reports above 4 GiB (they would cost page tables for
    // nothing).
    page_table::Attributes data { .writable = true, .global = true };
    map_or_panic(kDirectMapBase, 0, 1 * MiB, data, "low memory");
    auto const& bi = boot_info();
    u64 mapped_bytes = 0;
    for (int i = 0; i < bi.region_count; ++i) {
        auto const& r = bi.regions[i];
        if (r.type == MemoryRegion::Type::Reserved && r.start >= 4 * GiB)
            continue;
        PhysAddr start = align_down(r.start, kPageSize);
        PhysAddr end = align_up(r.start + r.length, kPageSize);
        map_or_panic(kDirectMapBase + start, start, end - start, data, "the direct map");
        mapped_bytes += end - start;
    }

    // The kernel image, section by section: text R+X, rodata R, data/bss RW.
    auto image = [](char* start, char* end, page_table::Attributes a, const char* what) {
        auto v = reinterpret_cast<VirtAddr>(start);
        map_or_panic(v, v - kKernelImageBase, reinterpret_cast<VirtAddr>(end) - v, a, what);
    };
    image(_text_start, _text_end, { .executable = true, .global = true }, "kernel text");
    image(_rodata_start, _rodata_end, { .global = true }, "kernel rodata");
    image(_data_start, _kernel_end, { .writable = true, .global = true }, "kernel data");
    // The boot stack's guard page: an overflow faults instead of corrupting bss.
    (void)page_table::unmap(s_kernel_root, reinterpret_cast<VirtAddr>(boot_stack_guard), table_virt);

    cpu::write_cr3(s_kernel_root);
    log_info("paging: kernel page tables live (direct map %lu MiB, text RX, rodata R, data RW+NX%s), identity map gone",
        static_cast<unsigned long>(mapped_bytes / MiB), nx ? "" : ", no NX on this CPU");
}

// A page that was not mapped cannot be in any TLB, so mapping needs no
// shoot-down; the local invlpg drops any paging-structure cache entry.
static ErrorOr<void> map_kernel_page_locked(VirtAddr virt, PhysAddr phys, page_table::Attributes const& attributes)
{
    VERIFY(s_lock.is_held_by_this_cpu());
    TRY(page_table::map(s_kernel_root, virt, phys, kPageSize, attributes, allocate_table_page, table_virt));
    cpu::invlpg(virt);
    return {};
}

ErrorOr<void> map_kernel_page(VirtAddr virt, PhysAddr phys, page_table::Attributes const& attributes)
{
    SpinlockLocker locker(s_lock);
    return map_kernel_page_locked(virt, phys, attributes);
}

ErrorOr<PhysAddr> unmap_kernel_page(VirtAddr virt)
{
    PhysAddr old;
    {
        SpinlockLocker locker(s_lock);
        old = TRY(page_table::unmap(s_kernel_root, virt, table_virt));
    }
    smp::flush_tlb_range(virt, kPageSize);
    return old;
}

usize unmap_kernel_pages(VirtAddr start, usize count, PhysAddr* physical)
{
    usize unmapped = 0;
    {
        SpinlockLocker locker(s_lock);
        for (usize i = 0; i < count; ++i) {
            auto old = page_table::unmap(s_kernel_root, start + i * kPageSize, table_virt);
            physical[i] = old.is_error() ? 0 : old.value();
            unmapped += old.is_error() ? 0 : 1;
        }
    }
    if (unmapped)
        smp::flush_tlb_range(start, count * kPageSize);
    return unmapped;
}

ErrorOr<PhysAddr> translate(VirtAddr virt)
{
    usize size = 0;
    u64* entry = page_table::find_entry(cpu::read_cr3() & page_table::kAddressMask, virt, table_virt, &size);
    if (!entry)
        return Error::from_errno(EFAULT);
    return (*entry & page_table::kAddressMask & ~(size - 1)) + (virt & (size - 1));
}

ErrorOr<VirtAddr> map_mmio(PhysAddr physical, usize size)
{
    PhysAddr start = align_down(physical, kPageSize);
    PhysAddr end = align_up(physical + size, kPageSize);
    SpinlockLocker locker(s_lock);
    for (int i = 0; i < s_mmio_mapping_count; ++i) {
        auto const& m = s_mmio_mappings[i];
        if (start >= m.phys && end <= m.phys + m.size)
            return m.virt + (physical - m.phys);
    }
    if (s_mmio_mapping_count == static_cast<int>(ARRAY_SIZE(s_mmio_mappings)) || s_mmio_next + (end - start) > kMmioEnd)
        return Error::from_errno(ENOMEM);
    VirtAddr virt = s_mmio_next;
    page_table::Attributes device { .writable = true, .global = true, .uncached = true };
    for (PhysAddr p = start; p < end; p += kPageSize)
        TRY(map_kernel_page_locked(virt + (p - start), p, device));
    // A page of unmapped space between windows catches overruns.
    s_mmio_next += (end - start) + kPageSize;
    s_mmio_mappings[s_mmio_mapping_count++] = { start, end - start, virt };
    return virt + (physical - start);
}

}
