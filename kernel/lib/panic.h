// panic(): the kernel cannot go on. Prints the message, the registers of the
// CPU that panicked and a symbolized backtrace, stops every CPU and, when the
// kernel was booted for testing, ends QEMU with a failure status.
// Implemented in arch/x86_64/panic.cpp.
#pragma once

#include <lib/types.h>

[[noreturn]] void panic(const char* fmt, ...) PRINTF_FORMAT(1, 2);
