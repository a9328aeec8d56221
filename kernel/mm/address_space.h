// A process's address space (CONCEPTS C8): its own top-level page table
// whose upper half is the shared kernel, its VMAs (code, data, heap, mmap
// areas, stack), and the page-fault logic that fills the lower half on
// demand: zero pages for anonymous memory, object pages for file and shared
// mappings, private copies on the first write after fork (copy-on-write).
//
// Locking: one spinlock per address space guards its VMAs and page tables;
// page faults, mmap, munmap, mprotect, brk and fork take it. Nothing under it
// sleeps. A fault on an area whose object may sleep to supply a page (a
// file: its inode mutex) is the one place that lets go of it in the middle:
// look up the area, drop the lock, get the page, take the lock again and
// check everything afresh (address_space.cpp, fault()).
//
// Lock order: a caller's mutexes (file position, inode) -> address space
// spinlock -> SharedMemory's spinlock -> page allocator. Nothing takes a
// mutex with the address space lock held.
//
// Why a spinlock and not a sleeping lock: the common fault (anonymous
// memory, copy-on-write, a page already present) never needs to sleep and
// stays one spinlock round trip; only file faults pay a second one. A
// mutex would put every fault through the mutex's own spinlock and, in
// debug builds, the global lock-order checker.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/intrusive_list.h>
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
    NeedObjectPage, // internal to AddressSpace: never returned by handle_fault
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

    // mremap's move (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP):
    // [from, from + old_size), which must lie in one area (EFAULT), becomes
    // an area of new_size bytes at `to` (`fixed`, replacing what is there)
    // or wherever a gap is. The page-table entries move, pages and all, so
    // nothing is copied and copy-on-write sharing and shared mappings stay
    // exactly as they were; the old range is then unmapped, or with
    // `keep_old` left mapped and empty (private anonymous memory reads
    // zeros there again). Returns where the area went.
    ErrorOr<VirtAddr> move_range(VirtAddr from, usize old_size, VirtAddr to, usize new_size, bool fixed, bool keep_old);

    // madvise(MADV_DONTFORK / MADV_DOFORK): sets or clears kVmaDontFork on
    // [address, address + size) (ENOMEM if any of it is unmapped).
    ErrorOr<void> set_dont_fork(VirtAddr address, usize size, bool dont_fork);

    // Bytes of private writable memory other than the stack (Linux's
    // data_vm): what RLIMIT_DATA limits. Under lock().
    usize data_bytes_locked();
    VirtAddr brk_start() const { return m_brk_start; }

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

    // A file (MemoryObject::file_identity) shrank to `first_index` pages:
    // every address space drops its entries for the file's pages from
    // there on, so the next access faults and finds the end of the file
    // (SIGBUS), or, once the file grows again, its new page.
    static void unmap_file_pages(void const* file, u64 first_index);

    VmaList& areas() { return m_areas; }

    // On the list of every address space (unmap_file_pages walks it;
    // address_space.cpp only).
    IntrusiveListNode m_registry_node;
    usize resident_pages() const { return m_resident_pages; }

private:
    AddressSpace(PhysAddr root)
        : m_root(root)
        , m_areas(kUserLowest, kUserHighest)
    {
    }
    // A page an object supplied while the lock was down, holding one
    // reference until the fault maps it; whatever is left (a lost race)
    // is dropped with it.
    struct SuppliedPage {
        RefPtr<MemoryObject> object; // the object asked; keeps its address unique meanwhile
        u64 index { 0 };
        PhysAddr page { 0 };
        ~SuppliedPage() { release(); }
        void release();
    };
    // The fault under the lock held by `locker`, which it may drop and
    // take again (above); returns with it held.
    FaultResult fault(SpinlockLocker& locker, VirtAddr address, bool write, bool instruction_fetch,
        bool ignore_protection, PhysAddr& stale_page);
    // One attempt; NeedObjectPage asks fault() to fill `supplied` unlocked.
    // A copy-on-write break leaves the old page in `stale_page`, still
    // referenced: the caller shoots down the CPUs that have this space
    // loaded with the lock down (remote_flush), then drops the reference.
    FaultResult fault_locked(VirtAddr address, bool write, bool instruction_fetch, bool ignore_protection,
        SuppliedPage& supplied, PhysAddr& stale_page);
    void drop_range(VirtAddr start, VirtAddr end);
    void reprotect_range(Vma const& area, VirtAddr start, VirtAddr end);
    bool try_grow_stack(VirtAddr address);
    ErrorOr<void> map_page(VirtAddr page, PhysAddr physical, Vma const& area, bool writable);
    ErrorOr<void> move_page(VirtAddr from, VirtAddr to);
    void flush_local(VirtAddr start, usize size);

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

// AddressSpace::unmap_file_pages for the file systems, which declare it
// weak (tmpfs is host-built without address spaces).
void unmap_file_pages(void const* file, u64 first_index);

}
