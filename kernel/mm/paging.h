// The kernel's half of every address space (CONCEPTS C8): builds the final
// kernel page tables at boot (direct map of RAM, the kernel image with
// per-section protection, the MMIO and kernel-stack windows), and maps and
// unmaps kernel pages afterwards. User address spaces (the user-mode issue)
// copy the kernel half's top-level entries from kernel_root(). Safe from any
// CPU (mm/paging.cpp says how it is locked).
#pragma once

#include <arch/x86_64/page_table.h>
#include <lib/error_or.h>

namespace mm {

// Builds the final kernel page tables and switches to them. Needs the page
// allocator running (mm/memory.cpp).
void init_paging();
// Physical address of the kernel's top-level table (CR3 of kernel threads).
PhysAddr kernel_root();

// Maps one 4 KiB kernel page and flushes its stale TLB entry.
ErrorOr<void> map_kernel_page(VirtAddr virt, PhysAddr phys, page_table::Attributes const&);
// Unmaps one kernel page, flushes it from every CPU's TLB (a shoot-down,
// arch/x86_64/smp.h), returns the physical page, which no CPU can reach any
// more through `virt`.
ErrorOr<PhysAddr> unmap_kernel_page(VirtAddr virt);
// The same for `count` consecutive pages with one shoot-down: physical[i]
// gets page i's physical address (0 if it was not mapped). Returns how many
// were mapped.
usize unmap_kernel_pages(VirtAddr start, usize count, PhysAddr* physical);
// Physical address behind a kernel virtual address, if mapped.
ErrorOr<PhysAddr> translate(VirtAddr virt);

// A zeroed page for a page table, from the page allocator.
ErrorOr<PhysAddr> allocate_table_page();

}
