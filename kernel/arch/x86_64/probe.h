// The exception fixup table, and memory probes built on it.
//
// Some instructions are allowed to fault: reading a pointer that may be bad
// (a backtrace walking a corrupt frame chain, copy_from_user given a user
// address that is not mapped). Each such instruction gets an entry
// {address of the instruction, address to resume at} in the linker section
// .exception_fixups (collected inside .rodata between
// _exception_fixups_start and _exception_fixups_end, see linker.ld). When a
// kernel-mode fault hits an instruction listed there, the exception code
// (exceptions.cpp) sets rip to the resume address instead of panicking, and
// counts it (interrupts::recovered_fault_count()).
//
// Add entries with EXCEPTION_FIXUP: in a .S file after a label on the
// faulting instruction, or as a string inside inline asm in arch/x86_64.
//
// Callers: panic.cpp (backtraces), traps_selftest.cpp, later copy_from_user
// and copy_to_user.
#pragma once

#ifdef __ASSEMBLER__

#define EXCEPTION_FIXUP(fault, resume)      \
    .pushsection .exception_fixups, "a";    \
    .balign 8;                              \
    .quad fault, resume;                    \
    .popsection

#else

#include <lib/types.h>

#define EXCEPTION_FIXUP(fault, resume)                  \
    ".pushsection .exception_fixups, \"a\"\n"           \
    ".balign 8\n"                                       \
    ".quad " fault ", " resume "\n"                     \
    ".popsection\n"

namespace probe {

struct ExceptionFixup {
    VirtAddr fault; // the instruction that may fault
    VirtAddr resume; // where execution continues if it does
};

// The resume address registered for a faulting instruction, or 0 if none.
VirtAddr find_fixup(VirtAddr faulting_rip);

}

// Read or write 8 bytes at `address`, which may be unmapped, non-canonical
// or protected: false instead of a fault. Interrupts may be on or off.
// Defined in probe.S with C linkage so their addresses are fixed labels.
extern "C" bool probe_read_u64(VirtAddr address, u64& out);
extern "C" bool probe_write_u64(VirtAddr address, u64 value);

#endif
