// printf-style formatting into a caller's buffer: the kernel log, panic
// reports and procfs all format through here. No allocation.
// Supports %d %i %u %x %X %o %c %s %p %%, flags "-0+ #", width, precision
// and length modifiers hh h l ll z j t. Output is always NUL-terminated when
// size > 0; the return value is the length the full output would have had.
// Host-buildable.
#pragma once

#include <lib/types.h>
#include <stdarg.h>

size_t vformat(char* buffer, size_t size, const char* fmt, va_list args);
size_t format(char* buffer, size_t size, const char* fmt, ...) PRINTF_FORMAT(3, 4);
