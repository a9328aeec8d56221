// Kernel-stack slots; see kernel_stack.h. Slot i spans
// [base + i*kSlotSize, base + (i+1)*kSlotSize): one guard page, then the
// stack. Callers serialise (single CPU until the SMP issue adds the lock).
#include <mm/kernel_stack.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>

namespace mm {

namespace {

constexpr usize kSlotSize = kKernelStackSize + kPageSize;
constexpr usize kMaxStacks = 4096;
u64 s_used[kMaxStacks / 64];
usize s_in_use;

VirtAddr slot_base(usize slot) { return kKernelStackBase + slot * kSlotSize; }

}

ErrorOr<KernelStack> allocate_kernel_stack()
{
    usize slot = kMaxStacks;
    for (usize word = 0; word < ARRAY_SIZE(s_used) && slot == kMaxStacks; ++word) {
        if (~s_used[word])
            slot = word * 64 + __builtin_ctzll(~s_used[word]);
    }
    if (slot == kMaxStacks)
        return Error::from_errno(EAGAIN);

    VirtAddr bottom = slot_base(slot) + kPageSize;
    usize mapped = 0;
    for (; mapped < kKernelStackSize; mapped += kPageSize) {
        auto page = page_allocator().allocate(0);
        if (page.is_error())
            break;
        if (map_kernel_page(bottom + mapped, page.value(), { .writable = true, .global = true }).is_error()) {
            page_allocator().free(page.value(), 0);
            break;
        }
    }
    if (mapped < kKernelStackSize) {
        for (usize off = 0; off < mapped; off += kPageSize)
            page_allocator().free(unmap_kernel_page(bottom + off).value(), 0);
        return Error::from_errno(ENOMEM);
    }
    s_used[slot / 64] |= 1ull << (slot % 64);
    ++s_in_use;
    return KernelStack { bottom, bottom + kKernelStackSize };
}

void free_kernel_stack(KernelStack const& stack)
{
    usize slot = (stack.bottom - kPageSize - kKernelStackBase) / kSlotSize;
    for (usize off = 0; off < kKernelStackSize; off += kPageSize) {
        auto page = unmap_kernel_page(stack.bottom + off);
        if (!page.is_error())
            page_allocator().free(page.value(), 0);
    }
    s_used[slot / 64] &= ~(1ull << (slot % 64));
    --s_in_use;
}

usize kernel_stacks_in_use() { return s_in_use; }

}
