// The kernel's symbol table, for naming functions in backtraces.
//
// GRUB loads it as the module "symbols": the text tools/mksyms.sh makes with
// `nm -C -n`, one function per line, sorted by address:
//     ffffffff80101234 T kernel_main
//     ffffffff80101300 t interrupts::init()
// init() indexes that text in place (the module stays in memory, reached
// through the direct map); names point into it and end at the line's end,
// not at a NUL. Nothing is allocated, so this works before the heap, and a
// missing or garbled module only means backtraces show raw addresses.
//
// Callers: kernel_main() (init, once boot information is parsed), panic.cpp
// (format_address for each backtrace frame).
#pragma once

#include <lib/types.h>

namespace symbols {

// Longest name printed; longer demangled names are cut short.
constexpr usize kMaxPrintedNameLength = 100;

// Indexes `length` bytes of symbol text at `text`. Garbled lines are
// skipped; text out of address order disables the table.
void init(const char* text, usize length);
bool available();
usize count(); // functions indexed

// The name of the function containing `address` (and the offset into it),
// or nullptr when the address is outside the kernel's text or no table was
// loaded. The name ends at a newline; name_length() measures it.
const char* lookup(VirtAddr address, usize& offset);
usize name_length(const char* name);

// Writes "name+0xoffset" (the name cut to kMaxPrintedNameLength) or "?" into
// `buffer`, always NUL-terminated. Returns the characters written.
usize format_address(VirtAddr address, char* buffer, usize size);

}
