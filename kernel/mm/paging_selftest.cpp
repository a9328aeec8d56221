// Self-tests of the kernel page tables (mm/paging.cpp) and kernel stacks:
// mapping, unmapping with TLB flush, per-section protection, guard pages.
#include <arch/x86_64/probe.h>
#include <lib/selftest.h>
#include <mm/kernel_stack.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>

extern "C" char _text_start[], _rodata_start[], boot_stack_guard[];

namespace {

// A kernel address nothing else uses: the last page of the MMIO window.
constexpr VirtAddr kTestAddress = mm::kMmioEnd - mm::kPageSize;

}

KERNEL_TEST(paging_map_unmap_and_remap_flushes_the_tlb)
{
    auto first = mm::page_allocator().allocate(0);
    auto second = mm::page_allocator().allocate(0);
    EXPECT(!first.is_error() && !second.is_error());
    *mm::phys_to_virt<u64>(first.value()) = 0x1111;
    *mm::phys_to_virt<u64>(second.value()) = 0x2222;

    u64 value = 0;
    EXPECT(!probe_read_u64(kTestAddress, value)); // not mapped yet
    EXPECT(!mm::map_kernel_page(kTestAddress, first.value(), { .writable = true }).is_error());
    EXPECT(probe_read_u64(kTestAddress, value));
    EXPECT_EQ(value, 0x1111u);
    // Writing through the new mapping is seen through the direct map: same page.
    EXPECT(probe_write_u64(kTestAddress, 0xabcd));
    EXPECT_EQ(*mm::phys_to_virt<u64>(first.value()), 0xabcdu);
    EXPECT_EQ(mm::translate(kTestAddress).value(), first.value());

    EXPECT_EQ(mm::unmap_kernel_page(kTestAddress).value(), first.value());
    EXPECT(!probe_read_u64(kTestAddress, value)); // a stale TLB entry would still read
    // Remap to another page: without the flush the old translation would win.
    EXPECT(!mm::map_kernel_page(kTestAddress, second.value(), { .writable = true }).is_error());
    EXPECT(probe_read_u64(kTestAddress, value));
    EXPECT_EQ(value, 0x2222u);
    EXPECT_EQ(mm::unmap_kernel_page(kTestAddress).value(), second.value());
    mm::page_allocator().free(first.value(), 0);
    mm::page_allocator().free(second.value(), 0);
}

KERNEL_TEST(paging_mapping_twice_is_refused)
{
    auto page = mm::page_allocator().allocate(0);
    EXPECT(!page.is_error());
    EXPECT(!mm::map_kernel_page(kTestAddress, page.value(), {}).is_error());
    auto again = mm::map_kernel_page(kTestAddress, page.value(), {});
    EXPECT(again.is_error() && again.error().code() == EEXIST);
    EXPECT(!mm::unmap_kernel_page(kTestAddress).is_error());
    mm::page_allocator().free(page.value(), 0);
}

KERNEL_TEST(paging_kernel_text_and_rodata_are_read_only)
{
    u64 original = 0;
    auto text = reinterpret_cast<VirtAddr>(_text_start);
    auto rodata = reinterpret_cast<VirtAddr>(_rodata_start);
    EXPECT(probe_read_u64(text, original));
    EXPECT(!probe_write_u64(text, original)); // write-protect holds even in ring 0 (CR0.WP)
    EXPECT(probe_read_u64(rodata, original));
    EXPECT(!probe_write_u64(rodata, original));
}

KERNEL_TEST(paging_data_is_not_executable)
{
    u64* entry = page_table::find_entry(mm::kernel_root(), reinterpret_cast<VirtAddr>(boot_stack_guard) + mm::kPageSize,
        [](PhysAddr p) { return mm::phys_to_virt<u64>(p); });
    EXPECT(entry != nullptr);
    EXPECT(*entry & page_table::kNoExecute);
    EXPECT(*entry & page_table::kWritable);
    u64* text = page_table::find_entry(mm::kernel_root(), reinterpret_cast<VirtAddr>(_text_start),
        [](PhysAddr p) { return mm::phys_to_virt<u64>(p); });
    EXPECT(text != nullptr);
    EXPECT(!(*text & page_table::kNoExecute));
    EXPECT(!(*text & page_table::kWritable));
}

KERNEL_TEST(paging_identity_map_is_gone)
{
    u64 value = 0;
    EXPECT(!probe_read_u64(0x100000, value)); // the kernel's own load address, identity-mapped at boot
    EXPECT(!probe_read_u64(0, value));
}

KERNEL_TEST(kernel_stacks_have_guard_pages)
{
    u64 stacks_before = mm::kernel_stacks_in_use();
    u64 free_before = mm::page_allocator().free_pages();
    auto stack = mm::allocate_kernel_stack();
    EXPECT(!stack.is_error());
    auto s = stack.value();
    EXPECT_EQ(s.top - s.bottom, mm::kKernelStackSize);
    u64 value = 0;
    EXPECT(probe_write_u64(s.bottom, 1));
    EXPECT(probe_write_u64(s.top - 8, 2));
    EXPECT(!probe_read_u64(s.bottom - 8, value)); // the guard page
    auto other = mm::allocate_kernel_stack();
    EXPECT(!other.is_error());
    EXPECT(other.value().bottom != s.bottom);
    EXPECT(!probe_read_u64(other.value().bottom - 8, value));
    mm::free_kernel_stack(other.value());
    mm::free_kernel_stack(s);
    EXPECT_EQ(mm::kernel_stacks_in_use(), stacks_before);
    // Page-table pages made on the way may stay; the stacks' own pages are back.
    EXPECT(mm::page_allocator().free_pages() + 2 >= free_before);
    EXPECT(!probe_read_u64(s.bottom, value)); // freed stacks are unmapped
}

KERNEL_TEST(boot_stack_has_a_guard_page)
{
    u64 value = 0;
    EXPECT(!probe_read_u64(reinterpret_cast<VirtAddr>(boot_stack_guard), value));
}

KERNEL_TEST(memory_totals_add_up)
{
    auto stats = mm::memory_stats();
    EXPECT(stats.total_bytes > 8 * MiB);
    EXPECT(stats.free_bytes > 0);
    EXPECT(stats.reserved_bytes > 0);
    EXPECT(stats.free_bytes <= stats.total_bytes);
}
