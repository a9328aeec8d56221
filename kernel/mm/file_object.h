// File mappings (mmap of a regular file): a MemoryObject whose pages are
// the file's own pages, so a MAP_SHARED mapping and read()/write() see the
// same bytes, and a MAP_PRIVATE one reads them until its first write to a
// page copies it (the fault handler, address_space.cpp, does the copy).
//
// mm/ must not include fs/ (STYLE.md layering), so this class holds the
// memory-manager half — the end-of-file rule, page references, the
// reference on the file's page that a mapping holds — and asks a subclass
// for the file's page and size. The subclass that knows inodes lives above
// fs/ (syscall/memory.cpp: InodeFileObject over Inode::page_for_mapping).
//
// Locking: get_page() may sleep (file_page() and file_size() take the
// inode's mutex), so the fault path calls it with no spinlock held: it
// drops the address space's lock around the call and re-checks the area
// and the page-table entry after taking it again (address_space.cpp).
// Lock order: the caller's mutexes (a file position lock during a
// read()/write() whose user copy faults) -> inode; never address space ->
// inode.
#pragma once

#include <mm/vm_area.h>

namespace mm {

// A VMA flag for shared mappings of a descriptor that was not open for
// writing: mprotect may not add PROT_WRITE there (Linux's VM_MAYWRITE
// missing). Kept here, next to the only kind of area that sets it, above
// the bits of VmaFlag (vm_area.h).
constexpr u32 kVmaNoSharedWrite = 1u << 16;
static_assert(kVmaNoSharedWrite > kVmaStack, "kVmaNoSharedWrite must not collide with a VmaFlag");

class FileObject : public MemoryObject {
public:
    // The physical page `page_index` of the file with one reference for the
    // caller; EFAULT (SIGBUS) for a page wholly past the end of the file,
    // ENOMEM/ENOSPC when the file system cannot allocate a hole's page.
    ErrorOr<PhysAddr> get_page(u64 page_index) final;
    const char* describe() const override { return m_description; }

protected:
    // `description` for /proc/<pid>/maps (copied, truncated to 47 bytes).
    explicit FileObject(const char* description);

    // The kernel (direct-map) address of the page holding bytes
    // [index * 4096, +4096) of the file, allocated if it is a hole, with one
    // reference taken for the caller (get_page hands it to the mapping).
    // The file takes it while the page is surely its own (under its lock),
    // because a truncate may drop the file's reference the moment that
    // lock goes; the file keeps its own reference as long as it holds the
    // page. EFAULT for a page past the end of the file.
    virtual ErrorOr<u8*> file_page(u64 page_index) = 0;
    virtual u64 file_size() const = 0;

private:
    char m_description[48] {};
};

}
