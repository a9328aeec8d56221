// A process's address space (CONCEPTS C8): its own top-level page table
// whose upper half is the shared kernel, its VMAs (code, data, heap, mmap
// areas, stack), and the page-fault logic that fills the lower half on
// demand: zero pages for anonymous memory, object pages for file and shared
// mappings, private copies on the first write after fork (copy-on-write).
//
// Locking: one spinlock per address space guards its VMAs and page tables;
// page faults, mmap, munmap, mprotect, brk and fork take it. Nothing under it
// sleeps (tmpfs pages are in memory).
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/ref_counted.h>
#include <mm/vm_area.h>

namespace mm {

// Where the user half's pieces go (Linux's defaults, so programs and their
// expectations about addresses behave the same).
constexpr VirtAddr kUserLowest = 0x10000;            // mmap_min_addr: page 0 stays unmapped (null pointers fault)
constexpr VirtAddr kUserHighest = 0x7ffffffff000;    // top of the user half, less a guard page
constexpr VirtAddr kUserStackTop = 0x7ffffffde000;   // below it a little padding, like Linux
constexpr usize kUserStackInitialSize = 128 * KiB;
constexpr usize kUserStackMaxSize = 8 * MiB;         // RLIMIT_STACK default
constexpr VirtAddr kMmapBase = kUserStackTop - kUserStackMaxSize - 64 * MiB;
constexpr VirtAddr kStaticPieBase = 0x555555554000;

enum class FaultResult {
    Handled,
    NoMapping,   // SIGSEGV, si_code SEGV_MAPERR
    AccessError, // SIGSEGV, si_code SEGV_ACCERR
    BusError,    // SIGBUS: past the end of the backing object
    OutOfMemory, // the process is killed (Linux's OOM-on-fault)
};

class AddressSpace final : public RefCounted<AddressSpace> {
public:
    static ErrorOr<RefPtr<AddressSpace>> create();
    ~AddressSpace();

    PhysAddr root() const { return m_root; }
    Spinlock& lock() { return m_lock; }

    // The CPU faulted at `address` in this address space.
    FaultResult handle_fault(VirtAddr address, bool write, bool instruction_fetch);

    // mmap: `fixed` places the area exactly at `address` replacing what was
    // there (MAP_FIXED); `no_replace` fails with EEXIST instead
    // (MAP_FIXED_NOREPLACE); otherwise `address` is a hint.
    ErrorOr<VirtAddr> map(VirtAddr address, usize size, u32 prot, u32 flags, RefPtr<MemoryObject> object,
        u64 object_offset, bool fixed, bool no_replace);
    ErrorOr<void> unmap(VirtAddr address, usize size);
    ErrorOr<void> protect(VirtAddr address, usize size, u32 prot);
    // madvise(MADV_DONTNEED): drop the pages; anonymous private memory reads
    // back as zeros, shared memory keeps its contents.
    ErrorOr<void> discard(VirtAddr address, usize size);

    // The program break (brk): the heap area grows or shrinks with it.
    void set_brk_start(VirtAddr start);
    VirtAddr brk() const { return m_brk; }
    ErrorOr<VirtAddr> set_brk(VirtAddr new_brk);

    // A copy-on-write copy for fork(): private pages are shared read-only
    // by both until one writes; shared mappings stay shared.
    ErrorOr<RefPtr<AddressSpace>> fork();

    // Writes into user memory regardless of protection (loading a program),
    // allocating pages and breaking copy-on-write as needed.
    ErrorOr<void> write_bytes(VirtAddr address, void const* data, usize size);
    ErrorOr<void> zero_bytes(VirtAddr address, usize size);
    // Copies out of this address space (not necessarily the current one)
    // what is resident now, without faulting anything in: /proc/<pid>/
    // environ reading another process's stack. EFAULT at the first page
    // that is not present.
    ErrorOr<void> read_bytes(VirtAddr address, void* data, usize size);

    // Physical page behind a user address if present (tests, /proc).
    ErrorOr<PhysAddr> translate(VirtAddr address);

    // RLIMIT_STACK: how far a growing stack area may extend (its size).
    void set_stack_limit(u64 bytes) { m_stack_limit = bytes; }
    u64 stack_limit() const { return m_stack_limit; }

    VmaList& areas() { return m_areas; }
    usize resident_pages() const { return m_resident_pages; }

private:
    AddressSpace(PhysAddr root)
        : m_root(root)
        , m_areas(kUserLowest, kUserHighest)
    {
    }
    FaultResult fault_locked(VirtAddr address, bool write, bool instruction_fetch, bool ignore_protection);
    void drop_range(VirtAddr start, VirtAddr end);
    void reprotect_range(Vma const& area, VirtAddr start, VirtAddr end);
    bool try_grow_stack(VirtAddr address);
    ErrorOr<void> map_page(VirtAddr page, PhysAddr physical, Vma const& area, bool writable);
    void flush(VirtAddr start, usize size);

    PhysAddr m_root;
    Spinlock m_lock { "address space" };
    VmaList m_areas;
    VirtAddr m_brk_start { 0 };
    VirtAddr m_brk { 0 };
    usize m_resident_pages { 0 };
    u64 m_stack_limit { kUserStackMaxSize };

    static void drop_callback(Vma const&, VirtAddr start, VirtAddr end, void* self);
    static void reprotect_callback(Vma const& area, VirtAddr start, VirtAddr end, void* self);
};

}
