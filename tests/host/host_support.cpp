// What the kernel's panic()/VERIFY() become on the host: a message and
// abort(), which GoogleTest death tests can expect.
#include <lib/panic.h>
#include <lib/verify.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

[[noreturn]] void verify_failed(const char* expression, const char* file, int line, const char* function)
{
    fprintf(stderr, "VERIFY(%s) failed at %s:%d in %s\n", expression, file, line, function);
    abort();
}

[[noreturn]] void panic(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "KERNEL PANIC: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}
