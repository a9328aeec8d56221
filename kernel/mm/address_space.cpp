// AddressSpace; see address_space.h.
//
// Page-table entries of the user half follow the VMA they belong to:
// present with the user bit, writable only where the area allows writing
// and, for private memory, only while this address space holds the page
// alone (refcount 1) — a shared private page is read-only until written,
// which is copy-on-write. PROT_NONE areas have no entries at all.
//
// TLB: an entry that loses rights is flushed at once on this CPU; the
// CPUs that have this space loaded (smp::cpus_with_root) are flushed after
// the lock is dropped (a CPU spinning on this lock with interrupts off
// could not answer the shoot-down IPI). An entry that gains rights (a
// fill, a sole owner's write upgrade) needs no shoot-down: a CPU still
// caching the old entry faults, and x86 drops the entry that faulted, so
// the handler finds the new one.
#include <arch/x86_64/cpu.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/address_space.h>
#include <mm/layout.h>
#include <mm/page_ref.h>
#include <mm/paging.h>
#include <new>

namespace smp {
[[gnu::weak]] void flush_tlb_range(VirtAddr start, usize length);
[[gnu::weak]] void flush_tlb_range_on(u64 cpu_mask, VirtAddr start, usize length);
[[gnu::weak]] u64 cpus_with_root(PhysAddr root);
}

namespace mm {

namespace {

u64* table_virt(PhysAddr p) { return phys_to_virt<u64>(p); }

constexpr u64 kStackGuardGap = 256 * kPageSize; // Linux's stack_guard_gap: 1 MiB
constexpr usize kStackGrowthLimit = 64 * KiB * 1024; // how far below the stack one fault may reach

void free_user_tables(PhysAddr table, int level)
{
    u64* entries = table_virt(table);
    for (int i = 0; i < 512; ++i) {
        u64 e = entries[i];
        if (!(e & page_table::kPresent))
            continue;
        PhysAddr next = e & page_table::kAddressMask;
        if (level > 1)
            free_user_tables(next, level - 1);
        else
            page_unref(next);
    }
    page_allocator().free(table, 0);
}

// After entries of the space with top-level table `root` lost rights:
// flushes the CPUs that have it loaded (this one too, if so).
void remote_flush(PhysAddr root, VirtAddr start, usize size)
{
    if (!&smp::flush_tlb_range_on || !size)
        return;
    if (u64 targets = smp::cpus_with_root(root))
        smp::flush_tlb_range_on(targets, start, size);
}

// Every address space, for unmap_file_pages. Lock order: this lock ->
// an address space's lock. An address space leaves the list in its
// destructor, under this lock, so a walk never meets a dead one.
Spinlock s_registry_lock { "address spaces" };
IntrusiveList<AddressSpace, &AddressSpace::m_registry_node> s_spaces;
IntrusiveList<AddressSpace, &AddressSpace::m_registry_node>& registry() { return s_spaces; }

}

ErrorOr<RefPtr<AddressSpace>> AddressSpace::create()
{
    PhysAddr root = TRY(allocate_table_page());
    // The kernel half: the same top-level entries as every other address
    // space (paging.cpp populated them all at boot, so they never change).
    u64* mine = table_virt(root);
    u64* kernel = table_virt(kernel_root());
    for (int i = 256; i < 512; ++i)
        mine[i] = kernel[i];
    auto* space = new (std::nothrow) AddressSpace(root);
    if (!space) {
        page_allocator().free(root, 0);
        return Error::from_errno(ENOMEM);
    }
    {
        SpinlockLocker locker(s_registry_lock);
        registry().append(*space);
    }
    return adopt_ref(space);
}

AddressSpace::~AddressSpace()
{
    {
        SpinlockLocker locker(s_registry_lock);
        registry().remove(*this);
    }
    VERIFY((cpu::read_cr3() & page_table::kAddressMask) != m_root);
    u64* entries = table_virt(m_root);
    for (int i = 0; i < 256; ++i) {
        if (entries[i] & page_table::kPresent)
            free_user_tables(entries[i] & page_table::kAddressMask, 3);
    }
    page_allocator().free(m_root, 0);
}

void AddressSpace::flush_local(VirtAddr start, usize size)
{
    // This CPU only; other CPUs get remote_flush once the lock is down.
    if ((cpu::read_cr3() & page_table::kAddressMask) != m_root)
        return;
    if (size > 64 * kPageSize) {
        cpu::write_cr3(cpu::read_cr3());
        return;
    }
    for (VirtAddr at = start; at < start + size; at += kPageSize)
        cpu::invlpg(at);
}

ErrorOr<void> AddressSpace::map_page(VirtAddr page, PhysAddr physical, Vma const& area, bool writable)
{
    page_table::Attributes attributes {
        .writable = writable,
        .user = true,
        .executable = (area.prot & kProtExec) != 0,
    };
    TRY(page_table::map(m_root, page, physical, kPageSize, attributes, allocate_table_page, table_virt));
    ++m_resident_pages;
    return {};
}

bool AddressSpace::try_grow_stack(VirtAddr address)
{
    Vma* stack = m_areas.find_next(address);
    if (!stack || !(stack->flags & kVmaGrowsDown) || address >= stack->start)
        return false;
    if (stack->start - address > kStackGrowthLimit)
        return false;
    VirtAddr new_start = align_down(address, kPageSize);
    if (stack->end - new_start > m_stack_limit)
        return false; // RLIMIT_STACK: the fault becomes SIGSEGV
    // Keep a gap to whatever lies below, so a runaway stack faults instead
    // of growing into the heap.
    Vma* below = nullptr;
    m_areas.for_each([&](Vma& area) {
        if (area.end <= stack->start)
            below = &area;
    });
    if (below && new_start < below->end + kStackGuardGap)
        return false;
    if (new_start < kUserLowest)
        return false;
    stack->start = new_start;
    return true;
}

void AddressSpace::SuppliedPage::release()
{
    if (page)
        page_unref(page);
    page = 0;
    object = nullptr;
}

FaultResult AddressSpace::fault_locked(VirtAddr address, bool write, bool instruction_fetch, bool ignore_protection,
    SuppliedPage& supplied, PhysAddr& stale_page)
{
    VirtAddr page = align_down(address, kPageSize);
    Vma* area = m_areas.find(address);
    if (!area) {
        if (!try_grow_stack(address))
            return FaultResult::NoMapping;
        area = m_areas.find(address);
    }
    if (!ignore_protection) {
        if (!(area->prot & (kProtRead | kProtWrite | kProtExec)))
            return FaultResult::AccessError;
        if (write && !(area->prot & kProtWrite))
            return FaultResult::AccessError;
        if (instruction_fetch && !(area->prot & kProtExec))
            return FaultResult::AccessError;
    }
    // `ignore_protection` (the kernel loading a program) needs a private,
    // exclusively owned page to write through the direct map; the user's
    // entry still gets exactly the rights of the area.
    bool may_write = area->prot & kProtWrite;

    u64* entry = page_table::find_entry(m_root, page, table_virt);
    if (entry && (*entry & page_table::kPresent)) {
        // A page supplied while the lock was down is simply dropped when
        // the entry is already there (SuppliedPage's destructor).
        if (!write || (*entry & page_table::kWritable))
            return FaultResult::Handled; // another thread of this process got here first
        PhysAddr current = *entry & page_table::kAddressMask;
        if (area->is_shared() || page_ref_count(current) == 1) {
            if (!may_write)
                return FaultResult::Handled; // the kernel's own write: the page is already exclusively ours
            *entry |= page_table::kWritable; // sole owner: no copy needed, only rights gained
            flush_local(page, kPageSize);
            return FaultResult::Handled;
        } else {
            auto copy = page_allocator().allocate(0);
            if (copy.is_error())
                return FaultResult::OutOfMemory;
            memcpy(phys_to_virt(copy.value()), phys_to_virt(current), kPageSize);
            *entry = (*entry & ~(page_table::kAddressMask | page_table::kWritable)) | copy.value()
                | (may_write ? page_table::kWritable : 0);
            // Other CPUs may still read the old page through their cached
            // entries: the caller shoots them down once the lock is down,
            // and only then drops this space's reference to it (until then
            // it can neither be freed nor become another space's to write).
            stale_page = current;
        }
        flush_local(page, kPageSize);
        return FaultResult::Handled;
    }

    // Not present: fill it.
    PhysAddr physical;
    bool writable = false;
    if (area->object) {
        u64 index = (area->object_offset + (page - area->start)) / kPageSize;
        if (supplied.page && supplied.object.ptr() == area->object.ptr() && supplied.index == index) {
            // Fetched with the lock down, and the area still shows that
            // page of that object here: the mapping takes its reference.
            physical = supplied.page;
            supplied.page = 0;
        } else if (area->object->get_page_may_sleep()) {
            // Not under a spinlock: fault() asks with the lock down and
            // comes back here. (A stale page from an area that changed
            // meanwhile is dropped now.)
            supplied.release();
            supplied.object = area->object;
            supplied.index = index;
            return FaultResult::NeedObjectPage;
        } else {
            auto object_page = area->object->get_page(index);
            if (object_page.is_error())
                return object_page.error().code() == ENOMEM ? FaultResult::OutOfMemory : FaultResult::BusError;
            physical = object_page.value();
        }
        if (area->is_shared()) {
            writable = may_write;
        } else if (write) {
            // A private mapping's first write: its own copy of the page.
            // (Read faults map the object's page read-only: copy-on-write.)
            auto copy = page_allocator().allocate(0);
            if (copy.is_error()) {
                page_unref(physical);
                return FaultResult::OutOfMemory;
            }
            memcpy(phys_to_virt(copy.value()), phys_to_virt(physical), kPageSize);
            page_unref(physical);
            physical = copy.value();
            writable = may_write;
        }
    } else {
        auto zero = allocate_zeroed_page();
        if (zero.is_error())
            return FaultResult::OutOfMemory;
        physical = zero.value();
        writable = may_write;
    }
    if (map_page(page, physical, *area, writable).is_error()) {
        page_unref(physical);
        return FaultResult::OutOfMemory;
    }
    return FaultResult::Handled;
}

FaultResult AddressSpace::fault(SpinlockLocker& locker, VirtAddr address, bool write, bool instruction_fetch,
    bool ignore_protection, PhysAddr& stale_page)
{
    SuppliedPage supplied;
    for (;;) {
        FaultResult result = fault_locked(address, write, instruction_fetch, ignore_protection, supplied,
            stale_page);
        if (result != FaultResult::NeedObjectPage)
            return result; // `supplied`, if not consumed, lost a race: its reference goes here
        // The object may sleep. That is only allowed when the code that
        // faulted could have slept itself: the lock we hold is its only
        // spinlock, it ran with interrupts on, preemption allowed. A user
        // copy made under some other spinlock (a kernel bug) fails with
        // EFAULT rather than sleeping there.
        Cpu& cpu = this_cpu();
        if (cpu.spinlocks_held != 1 || cpu.preempt_count != 0 || !(locker.saved_flags() & cpu::kRflagsIF)) {
            log_warn("page fault at %#lx needs a file page, but the faulting code may not sleep "
                     "(%u spinlocks held): refused", address, cpu.spinlocks_held - 1);
            return FaultResult::AccessError;
        }
        RefPtr<MemoryObject> object = supplied.object;
        locker.unlock();
        auto object_page = object->get_page(supplied.index);
        locker.relock();
        if (object_page.is_error())
            return object_page.error().code() == ENOMEM ? FaultResult::OutOfMemory : FaultResult::BusError;
        supplied.page = object_page.value();
        // Around again: the area may have been unmapped, changed or
        // replaced, or another thread may have mapped the page meanwhile.
    }
}

FaultResult AddressSpace::handle_fault(VirtAddr address, bool write, bool instruction_fetch)
{
    if (address >= kUserEnd)
        return FaultResult::NoMapping;
    FaultResult result;
    PhysAddr stale_page = 0;
    {
        SpinlockLocker locker(m_lock);
        result = fault(locker, address, write, instruction_fetch, false, stale_page);
    }
    // A copy-on-write break changed a translation other CPUs may cache.
    if (stale_page) {
        remote_flush(m_root, align_down(address, kPageSize), kPageSize);
        page_unref(stale_page);
    }
    return result;
}

void AddressSpace::drop_range(VirtAddr start, VirtAddr end)
{
    for (VirtAddr at = start; at < end; at += kPageSize) {
        u64* entry = page_table::find_entry(m_root, at, table_virt);
        if (!entry || !(*entry & page_table::kPresent))
            continue;
        PhysAddr physical = *entry & page_table::kAddressMask;
        *entry = 0;
        cpu::invlpg(at); // harmless if this space is not loaded here
        page_unref(physical);
        --m_resident_pages;
    }
}

void AddressSpace::drop_callback(Vma const&, VirtAddr start, VirtAddr end, void* self)
{
    static_cast<AddressSpace*>(self)->drop_range(start, end);
}

void AddressSpace::unmap_file_pages(void const* file, u64 first_index)
{
    u64 targets = 0;
    {
        SpinlockLocker registry_locker(s_registry_lock);
        for (auto& space : registry()) {
            SpinlockLocker locker(space.m_lock);
            space.m_areas.for_each([&](Vma& area) {
                // Shared mappings only: a private mapping's pages may be
                // copies of its own (possibly shared copy-on-write after a
                // fork) that must stay; Linux drops the file's pages there
                // too, which would need to tell them apart.
                if (!area.is_shared() || !area.object || area.object->file_identity() != file)
                    return;
                u64 first_byte = first_index * kPageSize;
                u64 area_bytes = area.size();
                if (area.object_offset + area_bytes <= first_byte)
                    return; // wholly before the new end
                VirtAddr from = first_byte > area.object_offset ? area.start + (first_byte - area.object_offset) : area.start;
                space.drop_range(from, area.end);
                if (&smp::cpus_with_root)
                    targets |= smp::cpus_with_root(space.m_root); // after the entries changed
            });
        }
    }
    // Other CPUs may cache the dropped translations: flush those that have
    // one of these spaces loaded once no lock is held (more than 64 pages:
    // a whole flush).
    if (targets && &smp::flush_tlb_range_on)
        smp::flush_tlb_range_on(targets, kUserLowest, 65 * kPageSize);
}

void unmap_file_pages(void const* file, u64 first_index)
{
    AddressSpace::unmap_file_pages(file, first_index);
}

void AddressSpace::reprotect_range(Vma const& area, VirtAddr start, VirtAddr end)
{
    for (VirtAddr at = start; at < end; at += kPageSize) {
        u64* entry = page_table::find_entry(m_root, at, table_virt);
        if (!entry || !(*entry & page_table::kPresent))
            continue;
        PhysAddr physical = *entry & page_table::kAddressMask;
        if (!(area.prot & (kProtRead | kProtWrite | kProtExec))) {
            // PROT_NONE: the page must keep its contents for a later
            // mprotect, so it stays mapped but supervisor-only: every user
            // access faults, and the fault handler sees PROT_NONE.
            *entry = (*entry & ~(page_table::kUser | page_table::kWritable));
        } else {
            bool writable = (area.prot & kProtWrite) && (area.is_shared() || page_ref_count(physical) == 1);
            page_table::Attributes a { .writable = writable, .user = true, .executable = (area.prot & kProtExec) != 0 };
            *entry = physical | page_table::entry_bits(a, false);
        }
        cpu::invlpg(at);
    }
}

void AddressSpace::reprotect_callback(Vma const& area, VirtAddr start, VirtAddr end, void* self)
{
    static_cast<AddressSpace*>(self)->reprotect_range(area, start, end);
}

ErrorOr<VirtAddr> AddressSpace::map(VirtAddr address, usize size, u32 prot, u32 flags, RefPtr<MemoryObject> object,
    u64 object_offset, bool fixed, bool no_replace)
{
    if (size == 0)
        return Error::from_errno(EINVAL);
    size = align_up(size, kPageSize);
    if (size > kUserHighest)
        return Error::from_errno(ENOMEM);
    VirtAddr start;
    {
        SpinlockLocker locker(m_lock);
        if (fixed || no_replace) {
            if (!is_aligned(address, kPageSize))
                return Error::from_errno(EINVAL);
            if (address < kUserLowest || address + size > kUserHighest || address + size < address)
                return Error::from_errno(fixed ? EINVAL : ENOMEM);
            if (!m_areas.is_free(address, size)) {
                if (no_replace)
                    return Error::from_errno(EEXIST);
                TRY(m_areas.unmap(address, size, drop_callback, this));
            }
            start = address;
        } else {
            start = TRY(m_areas.find_free(size, address, kMmapBase));
        }
        TRY(m_areas.insert(start, size, prot, flags, std::move(object), object_offset));
    }
    if (fixed)
        remote_flush(m_root, start, size);
    return start;
}

ErrorOr<void> AddressSpace::unmap(VirtAddr address, usize size)
{
    if (!is_aligned(address, kPageSize) || size == 0 || address + size < address)
        return Error::from_errno(EINVAL);
    size = align_up(size, kPageSize);
    {
        SpinlockLocker locker(m_lock);
        TRY(m_areas.unmap(address, size, drop_callback, this));
    }
    remote_flush(m_root, address, size);
    return {};
}

ErrorOr<void> AddressSpace::protect(VirtAddr address, usize size, u32 prot)
{
    if (!is_aligned(address, kPageSize) || address + size < address)
        return Error::from_errno(EINVAL);
    if (size == 0)
        return {};
    size = align_up(size, kPageSize);
    {
        SpinlockLocker locker(m_lock);
        TRY(m_areas.protect(address, size, prot, reprotect_callback, this));
    }
    remote_flush(m_root, address, size);
    return {};
}

ErrorOr<void> AddressSpace::discard(VirtAddr address, usize size)
{
    if (!is_aligned(address, kPageSize))
        return Error::from_errno(EINVAL);
    size = align_up(size, kPageSize);
    {
        SpinlockLocker locker(m_lock);
        for (VirtAddr at = address; at < address + size;) {
            Vma* area = m_areas.find(at);
            if (!area)
                return Error::from_errno(ENOMEM);
            VirtAddr end = area->end < address + size ? area->end : address + size;
            drop_range(at, end); // shared pages live on in their object
            at = end;
        }
    }
    remote_flush(m_root, address, size);
    return {};
}

ErrorOr<void> AddressSpace::move_page(VirtAddr from, VirtAddr to)
{
    u64* entry = page_table::find_entry(m_root, from, table_virt);
    if (!entry || !(*entry & page_table::kPresent))
        return {}; // never touched: it faults in at its new address as it would have at the old one
    u64 bits = *entry & ~page_table::kAddressMask;
    page_table::Attributes a {
        .writable = (bits & page_table::kWritable) != 0,
        .user = (bits & page_table::kUser) != 0, // off for PROT_NONE pages (reprotect_range)
        .executable = !(bits & page_table::kNoExecute),
    };
    TRY(page_table::map(m_root, to, *entry & page_table::kAddressMask, kPageSize, a, allocate_table_page, table_virt));
    // The page's reference moves with the entry: its count (and with it
    // copy-on-write) is unchanged.
    *entry = 0;
    cpu::invlpg(from);
    return {};
}

ErrorOr<VirtAddr> AddressSpace::move_range(VirtAddr from, usize old_size, VirtAddr to, usize new_size, bool fixed,
    bool keep_old)
{
    if (old_size == 0 || new_size == 0)
        return Error::from_errno(EINVAL);
    VirtAddr target;
    {
        SpinlockLocker locker(m_lock);
        Vma* area = m_areas.find(from);
        if (!area || old_size > area->end - from)
            return Error::from_errno(EFAULT);
        u32 prot = area->prot;
        u32 flags = area->flags;
        RefPtr<MemoryObject> object = area->object;
        u64 offset = area->object_offset + (from - area->start);
        if (fixed) {
            if (!m_areas.is_free(to, new_size))
                TRY(m_areas.unmap(to, new_size, drop_callback, this));
            target = to;
        } else {
            target = TRY(m_areas.find_free(new_size, 0, kMmapBase));
        }
        TRY(m_areas.insert(target, new_size, prot, flags, std::move(object), offset));
        usize length = old_size < new_size ? old_size : new_size;
        usize moved = 0;
        auto undo = [&] {
            // Back where they were: the old tables are all still there, so
            // this cannot fail.
            for (usize back = 0; back < moved; back += kPageSize)
                VERIFY(!move_page(target + back, from + back).is_error());
            (void)m_areas.unmap(target, new_size, drop_callback, this);
        };
        for (; moved < length; moved += kPageSize) {
            if (move_page(from + moved, target + moved).is_error()) {
                undo();
                return Error::from_errno(ENOMEM); // a page table for the target
            }
        }
        if (!keep_old) {
            // Only the split at the old range's edges can fail, and it
            // fails before anything is removed.
            if (auto removed = m_areas.unmap(from, old_size, drop_callback, this); removed.is_error()) {
                undo();
                return removed.error();
            }
        }
    }
    remote_flush(m_root, from, old_size);
    return target;
}

ErrorOr<void> AddressSpace::set_dont_fork(VirtAddr address, usize size, bool dont_fork)
{
    SpinlockLocker locker(m_lock);
    u32 flag = kVmaDontFork;
    return m_areas.change_flags(address, size, dont_fork ? flag : 0u, dont_fork ? 0u : flag);
}

usize AddressSpace::data_bytes_locked()
{
    usize total = 0;
    m_areas.for_each([&](Vma& area) {
        if ((area.prot & kProtWrite) && !(area.flags & (kVmaShared | kVmaStack | kVmaGrowsDown)))
            total += area.size();
    });
    return total;
}

void AddressSpace::set_brk_start(VirtAddr start)
{
    m_brk_start = m_brk = align_up(start, kPageSize);
}

ErrorOr<VirtAddr> AddressSpace::set_brk(VirtAddr new_brk)
{
    SpinlockLocker locker(m_lock);
    if (new_brk < m_brk_start)
        return m_brk; // Linux: brk(0) or a lower value just reports
    VirtAddr old_top = align_up(m_brk, kPageSize);
    VirtAddr new_top = align_up(new_brk, kPageSize);
    if (new_top > old_top) {
        if (!m_areas.is_free(old_top, new_top - old_top))
            return m_brk; // would run into another mapping: refused, brk unchanged
        auto inserted = m_areas.insert(old_top, new_top - old_top, kProtRead | kProtWrite, kVmaAnonymous | kVmaHeap);
        if (inserted.is_error())
            return m_brk;
    } else if (new_top < old_top) {
        TRY(m_areas.unmap(new_top, old_top - new_top, drop_callback, this));
    }
    m_brk = new_brk;
    return m_brk;
}

ErrorOr<RefPtr<AddressSpace>> AddressSpace::fork()
{
    auto child = TRY(create());
    SpinlockLocker locker(m_lock);
    TRY(m_areas.clone_into(child->m_areas));
    child->m_brk_start = m_brk_start;
    child->m_brk = m_brk;
    bool write_protected_any = false;
    Error failure = Error::from_errno(0);
    m_areas.for_each([&](Vma& area) {
        if (area.flags & kVmaDontFork)
            return; // not in the child (clone_into left it out too)
        for (VirtAddr at = area.start; at < area.end && !failure.code(); at += kPageSize) {
            u64* entry = page_table::find_entry(m_root, at, table_virt);
            if (!entry || !(*entry & page_table::kPresent))
                continue;
            PhysAddr physical = *entry & page_table::kAddressMask;
            u64 bits = *entry & ~page_table::kAddressMask;
            if (!area.is_shared() && (bits & page_table::kWritable)) {
                // Copy-on-write: both sides read-only until one writes.
                bits &= ~page_table::kWritable;
                *entry = physical | bits;
                write_protected_any = true;
            }
            page_ref(physical);
            page_table::Attributes a {
                .writable = (bits & page_table::kWritable) != 0,
                .user = (bits & page_table::kUser) != 0,
                .executable = !(bits & page_table::kNoExecute),
            };
            auto mapped = page_table::map(child->m_root, at, physical, kPageSize, a, allocate_table_page, table_virt);
            if (mapped.is_error()) {
                page_unref(physical);
                failure = mapped.error(); // the child's destructor frees what it got
                continue;
            }
            ++child->m_resident_pages;
        }
    });
    if (write_protected_any)
        flush_local(0, kUserEnd); // whole-TLB flush of this space on this CPU
    locker.unlock();
    if (write_protected_any)
        remote_flush(m_root, kUserLowest, 65 * kPageSize); // > 64 pages: a whole flush there
    if (failure.code())
        return failure;
    return child;
}

ErrorOr<void> AddressSpace::write_bytes(VirtAddr address, void const* data, usize size)
{
    auto const* from = static_cast<u8 const*>(data);
    SpinlockLocker locker(m_lock);
    while (size > 0) {
        VirtAddr page = align_down(address, kPageSize);
        usize offset = address - page;
        usize chunk = kPageSize - offset < size ? kPageSize - offset : size;
        PhysAddr stale_page = 0;
        if (fault(locker, address, true, false, true, stale_page) != FaultResult::Handled)
            return Error::from_errno(EFAULT);
        if (stale_page) {
            // A copy-on-write break: shot down with the lock down (as in
            // handle_fault), then this page again, as things may have moved.
            locker.unlock();
            remote_flush(m_root, page, kPageSize);
            page_unref(stale_page);
            locker.relock();
            continue;
        }
        u64* entry = page_table::find_entry(m_root, page, table_virt);
        VERIFY(entry && (*entry & page_table::kPresent));
        u8* target = phys_to_virt<u8>(*entry & page_table::kAddressMask) + offset;
        if (from)
            memcpy(target, from, chunk);
        else
            memset(target, 0, chunk);
        if (from)
            from += chunk;
        address += chunk;
        size -= chunk;
    }
    return {};
}

ErrorOr<void> AddressSpace::zero_bytes(VirtAddr address, usize size)
{
    return write_bytes(address, nullptr, size);
}

ErrorOr<void> AddressSpace::read_bytes(VirtAddr address, void* data, usize size)
{
    auto* to = static_cast<u8*>(data);
    SpinlockLocker locker(m_lock);
    while (size > 0) {
        VirtAddr page = align_down(address, kPageSize);
        usize offset = address - page;
        usize chunk = kPageSize - offset < size ? kPageSize - offset : size;
        u64* entry = page_table::find_entry(m_root, page, table_virt);
        if (!entry || !(*entry & page_table::kPresent) || !(*entry & page_table::kUser))
            return Error::from_errno(EFAULT);
        memcpy(to, phys_to_virt<u8>(*entry & page_table::kAddressMask) + offset, chunk);
        to += chunk;
        address += chunk;
        size -= chunk;
    }
    return {};
}

ErrorOr<PhysAddr> AddressSpace::translate(VirtAddr address)
{
    SpinlockLocker locker(m_lock);
    u64* entry = page_table::find_entry(m_root, align_down(address, kPageSize), table_virt);
    if (!entry || !(*entry & page_table::kPresent))
        return Error::from_errno(EFAULT);
    return (*entry & page_table::kAddressMask) + (address & (kPageSize - 1));
}

}
