// x86-64 4-level page tables (PML4 -> PDPT -> PD -> PT): the entry format and
// the walk. Which tables an address space has, and where their pages come
// from, is the memory manager's business (mm/paging.cpp, mm/address_space
// later); this file only knows the hardware format.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace page_table {

constexpr u64 kPresent = 1ull << 0;
constexpr u64 kWritable = 1ull << 1;
constexpr u64 kUser = 1ull << 2;
constexpr u64 kWriteThrough = 1ull << 3;
constexpr u64 kCacheDisable = 1ull << 4;
constexpr u64 kAccessed = 1ull << 5;
constexpr u64 kDirty = 1ull << 6;
constexpr u64 kHuge = 1ull << 7; // 2 MiB page in a PD entry, 1 GiB in a PDPT entry
constexpr u64 kGlobal = 1ull << 8;
constexpr u64 kNoExecute = 1ull << 63;
constexpr u64 kAddressMask = 0x000ffffffffff000ull;

constexpr unsigned index_of(VirtAddr address, int level) // level 4 = PML4 ... 1 = PT
{
    return (address >> (12 + 9 * (level - 1))) & 511;
}

// Protection and caching wanted for a mapping, independent of the format.
struct Attributes {
    bool writable { false };
    bool user { false };
    bool executable { false };
    bool global { false };
    bool uncached { false };
};

// Gives a zeroed page for a new intermediate table; returns its physical address.
using TableAllocator = ErrorOr<PhysAddr> (*)();
// Reaches a table's memory from its physical address (the direct map).
using PhysToVirt = u64* (*)(PhysAddr);

void set_no_execute_supported(bool supported);
u64 entry_bits(Attributes const&, bool huge);

// Maps one page of `page_size` (4 KiB or 2 MiB) at `virt` -> `phys` in the
// tree rooted at `root`. EEXIST if something is mapped there already.
ErrorOr<void> map(PhysAddr root, VirtAddr virt, PhysAddr phys, usize page_size, Attributes const&,
    TableAllocator allocate, PhysToVirt to_virt);
// Removes the mapping of the page containing `virt`; returns the physical
// address it pointed to (or ENOENT). The caller flushes the TLB.
ErrorOr<PhysAddr> unmap(PhysAddr root, VirtAddr virt, PhysToVirt to_virt);
// The leaf entry mapping `virt`, or nullptr; `page_size` tells its size.
u64* find_entry(PhysAddr root, VirtAddr virt, PhysToVirt to_virt, usize* page_size = nullptr);

}
