// Virtual memory areas (CONCEPTS C8): the regions of a process's user half —
// code, data, heap, mmap areas, stack — each with its protection, sharing
// and backing. The VmaList is the bookkeeping behind mmap, munmap,
// mprotect, brk and the page-fault handler's "is this address valid, and
// what should be there?". It only keeps the map; page tables and pages are
// the address space's business, told through callbacks.
//
// Kept sorted by address in an intrusive list with a last-hit cache (the
// fault path asks about the same region over and over). Pure logic:
// host-buildable and tested by tests/host/vm_area_test.cpp.
#pragma once

#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <lib/types.h>

namespace mm {

// Linux's PROT_* bits.
constexpr u32 kProtRead = 1;
constexpr u32 kProtWrite = 2;
constexpr u32 kProtExec = 4;

enum VmaFlag : u32 {
    kVmaShared = 1 << 0,    // MAP_SHARED: writes reach the object and every sharer
    kVmaAnonymous = 1 << 1, // no file behind it
    kVmaGrowsDown = 1 << 2, // the stack: faults just below extend it
    kVmaNoReserve = 1 << 3,
    kVmaHeap = 1 << 4,      // brk area, "[heap]" in /proc/<pid>/maps
    kVmaStack = 1 << 5,     // "[stack]"
};

// What a mapping shows: pages of a file, or of shared anonymous memory.
// Private anonymous mappings have no object (zero-filled on demand).
class MemoryObject : public RefCounted<MemoryObject> {
public:
    virtual ~MemoryObject() = default;
    // For /proc/<pid>/maps: a path or a bracketed name, and the file's
    // device and inode numbers (0 for memory no file stands behind).
    virtual const char* describe() const = 0;
    virtual u64 device_number() const { return 0; }
    virtual u64 inode_number() const { return 0; }
    // The physical page at `page_index` of the object, with one reference
    // taken for the caller (who maps it, or copies it and drops the
    // reference). Allocates it zero-filled if it does not exist yet.
    // EFAULT past the object's end (the fault becomes SIGBUS).
    virtual ErrorOr<PhysAddr> get_page(u64 page_index) = 0;

protected:
    MemoryObject() = default;
};

struct Vma {
    VirtAddr start { 0 }; // page aligned
    VirtAddr end { 0 };   // exclusive, page aligned
    u32 prot { 0 };
    u32 flags { 0 };
    RefPtr<MemoryObject> object;
    u64 object_offset { 0 }; // byte offset in the object of `start`
    IntrusiveListNode node;

    usize size() const { return end - start; }
    bool contains(VirtAddr address) const { return address >= start && address < end; }
    bool is_shared() const { return flags & kVmaShared; }
};

class VmaList {
public:
    // The user range this list manages, e.g. [0x10000, 0x7ffffffff000).
    VmaList(VirtAddr lowest, VirtAddr highest);
    ~VmaList();
    VmaList(VmaList const&) = delete;
    VmaList& operator=(VmaList const&) = delete;

    // The area containing `address`, or nullptr.
    Vma* find(VirtAddr address);
    // The first area that ends after `address` (for growing stacks, gaps).
    Vma* find_next(VirtAddr address);

    // A free, page-aligned gap of `size` bytes: at `hint` when it fits,
    // otherwise the highest gap below `top_down_from` (Linux places mmap
    // areas top-down under the stack), else ENOMEM.
    ErrorOr<VirtAddr> find_free(usize size, VirtAddr hint, VirtAddr top_down_from);
    bool is_free(VirtAddr start, usize size);

    // Adds an area over a free range (EEXIST if anything is mapped there,
    // EINVAL for a bad range). Adjacent areas with identical attributes and
    // contiguous backing are merged.
    ErrorOr<Vma*> insert(VirtAddr start, usize size, u32 prot, u32 flags, RefPtr<MemoryObject> object = {},
        u64 object_offset = 0);

    // Called for each [start, end) piece of an area being removed or
    // changed, so the caller can drop page-table entries and pages.
    using RangeCallback = void (*)(Vma const& area, VirtAddr start, VirtAddr end, void* context);

    // Removes [start, start+size) wherever it is mapped, splitting areas at
    // the edges. Unmapped holes in the range are fine (as munmap).
    ErrorOr<void> unmap(VirtAddr start, usize size, RangeCallback removed, void* context);

    // Changes the protection of [start, start+size); ENOMEM if any part of
    // the range is not mapped (as mprotect). `changed` sees each piece with
    // its new protection already set.
    ErrorOr<void> protect(VirtAddr start, usize size, u32 prot, RangeCallback changed, void* context);

    // Copies every area (for fork); objects are shared by reference.
    ErrorOr<void> clone_into(VmaList& other) const;

    usize count() const { return m_areas.size(); }
    usize mapped_bytes() const;

    template<typename Callback>
    void for_each(Callback callback)
    {
        for (auto& area : m_areas)
            callback(area);
    }

    VirtAddr lowest() const { return m_lowest; }
    VirtAddr highest() const { return m_highest; }

private:
    ErrorOr<Vma*> split(Vma& area, VirtAddr at); // returns the upper half
    void try_merge_with_neighbours(Vma& area);
    void remove(Vma& area);

    VirtAddr m_lowest;
    VirtAddr m_highest;
    IntrusiveList<Vma, &Vma::node> m_areas;
    Vma* m_last_hit { nullptr };
};

}
