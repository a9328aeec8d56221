// Kernel-stack slots; see kernel_stack.h. Slot i spans
// [base + i*kSlotSize, base + (i+1)*kSlotSize): one guard page, then the
// stack.
//
// Locking (SMP): s_lock guards only the slot bitmap; a slot is claimed under
// it, mapped and unmapped outside it (the page tables have their own lock).
// A freed stack is unmapped and shot down from every CPU's TLB before its
// pages go back and before its slot can be claimed again, so no CPU can
// still reach the old pages through a stale translation.
#include <arch/x86_64/spinlock.h>
#include <mm/kernel_stack.h>
#include <mm/layout.h>
#include <mm/page_allocator.h>
#include <mm/paging.h>

namespace mm {

namespace {

constexpr usize kSlotSize = kKernelStackSize + kPageSize;
constexpr usize kMaxStacks = 4096;
constexpr usize kPagesPerStack = kKernelStackSize / kPageSize;
Spinlock s_lock { "kernel stacks" };
u64 s_used[kMaxStacks / 64];
usize s_in_use;

VirtAddr slot_base(usize slot) { return kKernelStackBase + slot * kSlotSize; }

ErrorOr<usize> claim_slot()
{
    SpinlockLocker locker(s_lock);
    for (usize word = 0; word < ARRAY_SIZE(s_used); ++word) {
        if (~s_used[word]) {
            usize slot = word * 64 + __builtin_ctzll(~s_used[word]);
            s_used[slot / 64] |= 1ull << (slot % 64);
            ++s_in_use;
            return slot;
        }
    }
    return Error::from_errno(EAGAIN);
}

void release_slot(usize slot)
{
    SpinlockLocker locker(s_lock);
    VERIFY(s_used[slot / 64] & (1ull << (slot % 64)));
    s_used[slot / 64] &= ~(1ull << (slot % 64));
    --s_in_use;
}

// Unmaps a stack's pages (one shoot-down for all) and frees them.
void unmap_and_free(VirtAddr bottom)
{
    PhysAddr pages[kPagesPerStack];
    unmap_kernel_pages(bottom, kPagesPerStack, pages);
    for (PhysAddr page : pages) {
        if (page)
            page_allocator().free(page, 0);
    }
}

}

ErrorOr<KernelStack> allocate_kernel_stack()
{
    usize slot = TRY(claim_slot());

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
        unmap_and_free(bottom);
        release_slot(slot);
        return Error::from_errno(ENOMEM);
    }
    return KernelStack { bottom, bottom + kKernelStackSize };
}

void free_kernel_stack(KernelStack const& stack)
{
    usize slot = (stack.bottom - kPageSize - kKernelStackBase) / kSlotSize;
    VERIFY(slot < kMaxStacks && stack.bottom == slot_base(slot) + kPageSize);
    unmap_and_free(stack.bottom);
    release_slot(slot);
}

usize kernel_stacks_in_use() { return __atomic_load_n(&s_in_use, __ATOMIC_RELAXED); }

}
