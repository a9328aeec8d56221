// PageIndex: the pages of one tmpfs file, found by page number (byte
// offset / 4096) through a radix tree of 512-way nodes, like x86-64 page
// tables: a one-page file is the page itself, a larger one grows levels as
// needed, up to four (2^36 pages, 256 TiB). Holes are simply absent pages
// (they read as zeros), so sparse files cost only what they hold.
//
// Pages are whole physical pages with reference counts (data_page.h), so
// mmap of a tmpfs file maps exactly these pages. The index holds one
// reference to every page in it: find() lends the page (the caller takes
// its own reference before it lets go of the inode lock), free_from()
// drops the index's references, and a page someone else still holds (a
// mapping, a read or write in progress) lives on until they drop theirs.
// The tree's own nodes are plain kernel memory.
//
// No locking: the file's inode lock guards its index.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace tmpfs {

class PageIndex {
public:
    static constexpr u64 kPageSize = 4096;
    static constexpr u32 kFanoutBits = 9;
    static constexpr u64 kFanout = u64(1) << kFanoutBits;
    static constexpr u32 kMaxHeight = 4;
    static constexpr u64 kMaxPages = u64(1) << (kFanoutBits * kMaxHeight);

    PageIndex() = default;
    PageIndex(PageIndex const&) = delete;
    PageIndex& operator=(PageIndex const&) = delete;
    ~PageIndex() { free_from(0); }

    // The page `index`, or null for a hole. The index keeps its reference.
    u8* find(u64 index) const;
    // The page `index`, allocated zeroed if it was a hole (ENOMEM; EFBIG
    // for an index >= kMaxPages). The index keeps its reference.
    ErrorOr<u8*> find_or_allocate(u64 index);
    // Drops the index's reference to every page at `first` or beyond (the
    // last reference frees the page) and frees the nodes left empty;
    // returns how many pages left the index.
    u64 free_from(u64 first);
    u64 page_count() const { return m_pages; }

private:
    static u64 capacity(u32 height) { return u64(1) << (kFanoutBits * height); }
    // A zeroed node of the tree.
    static void** allocate_node();
    static void free_node(void* node);
    // Frees the pages of `node` (a node of `level`, covering indices from
    // `base`) at `first` or beyond; true when the node became empty.
    bool free_below(void** node, u32 level, u64 base, u64 first);

    // Height 0: m_root is page 0 (or null). Height h: a node whose
    // entries each cover 512^(h-1) pages.
    void* m_root { nullptr };
    u32 m_height { 0 };
    u64 m_pages { 0 };
};

}
