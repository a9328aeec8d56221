// Lookup in the exception fixup table (probe.h). Called by the exception
// code (exceptions.cpp) for every kernel-mode fault.
#include <arch/x86_64/probe.h>

extern "C" const probe::ExceptionFixup _exception_fixups_start[];
extern "C" const probe::ExceptionFixup _exception_fixups_end[];

namespace probe {

VirtAddr find_fixup(VirtAddr faulting_rip)
{
    // A linear scan: the table holds a handful of entries per user-copy
    // routine, and a fault that gets here is already the slow path. Sort it
    // at boot and bisect if it ever grows to hundreds.
    for (auto const* entry = _exception_fixups_start; entry != _exception_fixups_end; ++entry) {
        if (entry->fault == faulting_rip)
            return entry->resume;
    }
    return 0;
}

}
