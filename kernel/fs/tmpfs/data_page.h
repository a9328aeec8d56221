// The data pages of tmpfs files: whole physical pages from the page
// allocator (mm/page_allocator.h), reached through the direct map, whose
// lifetime is the reference count in their PageFrame (mm/page_ref.h).
//
// A file's PageIndex (page_index.h) holds one reference to each page it
// indexes; whoever else uses a page takes a reference of its own first,
// under the file's inode lock, and drops it when done: read() and write()
// while they copy (without the lock, page_index.h says why), a mapping
// for as long as a page table maps the page (Inode::page_for_mapping
// hands out a referenced page, mm/file_object.h). truncate, unlink and
// the file's destruction drop only the index's reference, so a page a
// process still maps outlives its file and is freed by the last unmap.
//
// Host builds (tests/host) use the same page allocator and references: the
// first allocation fills the global page allocator with an arena of host
// memory, whose "physical" addresses are the host addresses minus the
// direct-map base (mm/layout.h), so phys_to_virt/virt_to_phys work as in
// the kernel.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace tmpfs {

// A zero-filled page with one reference, the caller's. ENOMEM.
ErrorOr<u8*> allocate_data_page();
// Takes one more reference to `page`; the caller must already hold one
// (directly, or through a PageIndex it has locked).
void ref_data_page(u8* page);
// Drops one reference; the last one frees the page.
void unref_data_page(u8* page);
// The references `page` has now (tests and assertions).
u32 data_page_references(u8 const* page);

// One reference to a data page, dropped on every way out of a scope.
class PageHold {
public:
    PageHold() = default;
    PageHold(PageHold const&) = delete;
    PageHold& operator=(PageHold const&) = delete;
    ~PageHold() { release(); }

    // Takes a reference to `page` (null: a hole, nothing to hold); for a
    // page of a file, under its inode lock, while its index holds it.
    void take(u8* page)
    {
        release();
        if (page)
            ref_data_page(page);
        m_page = page;
    }
    // Takes over a reference the caller holds (a page just allocated).
    void adopt(u8* page)
    {
        release();
        m_page = page;
    }
    void release()
    {
        if (m_page)
            unref_data_page(m_page);
        m_page = nullptr;
    }
    u8* page() const { return m_page; }

private:
    u8* m_page { nullptr };
};

}
