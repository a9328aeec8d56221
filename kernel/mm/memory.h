// Memory-manager bring-up: turns the firmware's memory map into the page
// allocator's free pages, reserving what is already in use (the first MiB,
// the kernel image, the boot modules, the boot information), then builds the
// kernel page tables. Logs the total / reserved / free line of the boot log.
#pragma once

#include <lib/types.h>

namespace mm {

void init_memory();

struct MemoryStats {
    u64 total_bytes;    // usable RAM the firmware reported
    u64 reserved_bytes; // of that, in use before the allocator started
    u64 free_bytes;     // free pages now
};
MemoryStats memory_stats();

}
