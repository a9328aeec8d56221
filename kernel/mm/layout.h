// The kernel's virtual memory map (CONCEPTS C8). x86-64 splits the 48-bit
// address space in two canonical halves: the lower half belongs to the user
// process that runs, the upper half is the one kernel, mapped identically in
// every address space. docs/ARCHITECTURE.md draws this as a table.
//
//   0x0000000000000000 - 0x00007fffffffffff  user half (128 TiB), per process
//   0xffff800000000000 - ...                 direct map of all physical RAM
//   0xffffc00000000000 - 0xffffc07fffffffff  MMIO windows (uncached)
//   0xffffc80000000000 - 0xffffc8ffffffffff  kernel stacks, guard page below each
//   0xffffffff80000000 - ...                 kernel image (text, rodata, data, bss)
#pragma once

#include <lib/types.h>

namespace mm {

constexpr usize kPageSize = 4096;
constexpr usize kPageShift = 12;
constexpr usize kLargePageSize = 2 * MiB;

constexpr VirtAddr kUserEnd = 0x0000800000000000ull;
constexpr VirtAddr kDirectMapBase = 0xffff800000000000ull;
constexpr VirtAddr kMmioBase = 0xffffc00000000000ull;
constexpr VirtAddr kMmioEnd = 0xffffc08000000000ull;
constexpr VirtAddr kKernelStackBase = 0xffffc80000000000ull;
constexpr VirtAddr kKernelStackEnd = 0xffffc90000000000ull;
constexpr VirtAddr kKernelImageBase = 0xffffffff80000000ull;

// The direct map makes every physical page reachable at a fixed offset.
template<typename T = void>
inline T* phys_to_virt(PhysAddr address) { return reinterpret_cast<T*>(address + kDirectMapBase); }

inline PhysAddr virt_to_phys(const void* pointer)
{
    auto address = reinterpret_cast<VirtAddr>(pointer);
    if (address >= kKernelImageBase)
        return address - kKernelImageBase; // the image is loaded at its link address minus the base
    return address - kDirectMapBase;
}

}
