// Mapping device registers (local APIC, I/O APIC, HPET, framebuffer) into the
// kernel's MMIO window, uncached. Implemented in mm/paging.cpp.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace mm {

// Maps [physical, physical + size) uncached (page granular) and returns the
// virtual address of `physical` itself. Calling it twice for the same range
// returns the same mapping.
ErrorOr<VirtAddr> map_mmio(PhysAddr physical, usize size);

template<typename T>
inline T volatile* mmio_register(VirtAddr base, usize offset) { return reinterpret_cast<T volatile*>(base + offset); }

}
