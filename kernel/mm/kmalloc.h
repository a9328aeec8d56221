// kmalloc: the kernel's general-purpose heap (CONCEPTS A1), for objects
// whose size is known only at run time and for operator new
// (mm/new_delete.cpp). Requests up to kKmallocMaxClassSize bytes come from
// one slab cache per power-of-two size class (16 ... 2048); larger ones are
// whole page blocks. kfree() needs no size: the PageFrame of the pointer's
// block says whether it is a slab (and so which cache) or a large block
// (and so its order).
//
// Alignment: every allocation is aligned to the largest power of two that
// divides its rounded size, at least 16 bytes (a class's objects are
// aligned to the class size; a large block to its own size), which is what
// kmalloc_aligned() and aligned operator new rely on.
//
// Pages come from a PageSource: kernel_page_source() (page_allocator()
// through the direct map) unless kmalloc_init() named another before the
// first allocation; host tests pass one over a host arena.
//
// Locking: safe from any CPU and from interrupt handlers; each size class's
// slab cache has its own lock (mm/kmalloc.cpp). kmalloc_init() is the
// exception: it runs before anything else allocates.
// Host-buildable.
#pragma once

#include <lib/types.h>
#include <mm/page_allocator.h>

constexpr usize kKmallocMinClassSize = 16;
constexpr usize kKmallocMaxClassSize = 2048;
constexpr usize kKmallocClassCount = 8; // 16, 32, ..., 2048

// Starts kmalloc over `source`, forgetting any earlier state: in the kernel
// at most once, before the first kmalloc(); host tests call it per test.
void kmalloc_init(mm::PageSource& source);

// At least `size` bytes (size 0 gives a unique minimal object), or nullptr
// when memory ran out or no block is that large. Never any other bad pointer.
void* kmalloc(usize size);
// kmalloc() with the memory zeroed.
void* kzalloc(usize size);
// kmalloc() aligned to `alignment`, a power of two; free it with kfree().
void* kmalloc_aligned(usize size, usize alignment);
// Returns memory from any of the above; nullptr is ignored. Anything else
// (an interior pointer, a double free, foreign memory) is a VERIFY failure.
void kfree(void* pointer);
// Bytes usable at `pointer` (at least what was asked for).
usize kmalloc_usable_size(void const* pointer);
// Gives the empty slabs of every size class back to the page source.
void kmalloc_shrink();

struct KmallocClassStats {
    usize object_size;
    usize objects_in_use;
    usize bytes_in_use; // objects_in_use * object_size
    usize slabs;
    usize slab_bytes;
};

struct KmallocStats {
    KmallocClassStats classes[kKmallocClassCount];
    usize large_blocks;   // requests above kKmallocMaxClassSize
    usize large_bytes;    // whole blocks, as taken from the page source
    usize bytes_in_use;   // every class's bytes_in_use plus large_bytes
    usize bytes_from_pages; // slab_bytes of every class plus large_bytes
};

// A snapshot for leak checks: equal bytes_in_use before and after an
// operation means it gave back everything it took.
KmallocStats kmalloc_stats();

// Every size class's SlabCache::check_invariants(). For tests.
bool kmalloc_check_invariants();
