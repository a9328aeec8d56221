// PageFrame: what the kernel knows about one physical page (CONCEPTS A1).
// One PageFrame exists per page the buddy allocator manages, in one array the
// boot code carves out of RAM (mm/page_allocator.h explains the sizing). The
// page allocator owns the state, order and free-list fields; the slab
// allocator (mm/slab.cpp) and kmalloc (mm/kmalloc.cpp) use `slab` and `flags`
// of blocks they hold; copy-on-write (a later issue) uses `refcount`.
// Host-buildable: nothing here touches the page itself.
#pragma once

#include <lib/types.h>
#include <lib/verify.h>

namespace mm {

class Slab;

struct PageFrame {
    // A block is 2^order contiguous, naturally aligned pages. Only its first
    // page (the head) carries the block's state and order; every other page
    // of the block is a Tail, so splitting and merging touch two frames, not
    // the whole block.
    enum class State : u8 {
        Reserved,  // not available: firmware, kernel image, the frame array itself, holes
        Free,      // head of a block on a buddy free list
        Tail,      // a non-first page of a block; its head says what the block is
        Allocated, // head of a block handed out by PageAllocator::allocate()
        Slab,      // head of an allocated block a SlabCache carves into objects
    };

    // flags: owner-specific marks on an Allocated head.
    static constexpr u8 kFlagKmallocLarge = 1 << 0; // a kmalloc() request too big for any size class

    static constexpr u32 kNoFrame = 0xffffffff;

    u32 next_free { kNoFrame }; // buddy free list of `order`, as frame indices (valid while Free)
    u32 prev_free { kNoFrame };
    u32 refcount { 0 };         // mappings of the page; 1 when allocated
    u8 order { 0 };
    State state { State::Reserved };
    u8 flags { 0 };
    u8 spare { 0 };    // free for the next owner that needs a mark; the size stays 24 either way
    Slab* slab { nullptr }; // State::Slab: the slab header (mm/slab.cpp)

    bool is_head() const { return state != State::Tail; }

    // The one way a frame changes state: every transition the allocators
    // make is listed here, so a frame handed to the wrong owner stops the
    // kernel at the point of the mistake instead of corrupting a free list.
    void set_state(State next)
    {
        VERIFY(is_valid_transition(state, next));
        state = next;
    }

    static constexpr bool is_valid_transition(State from, State to)
    {
        switch (from) {
        case State::Reserved:
            return to == State::Free; // add_free_range()
        case State::Free:
            // allocate(), merged into a buddy, reserve_range()
            return to == State::Allocated || to == State::Tail || to == State::Reserved;
        case State::Tail:
            return to == State::Free; // split off the block it belonged to
        case State::Allocated:
            return to == State::Free || to == State::Slab;
        case State::Slab:
            return to == State::Allocated; // the slab gives its block back
        }
        return false;
    }
};

// Small on purpose: the array costs sizeof(PageFrame) per 4 KiB of RAM
// (24 bytes, 0.6%).
static_assert(sizeof(PageFrame) == 24);

}
