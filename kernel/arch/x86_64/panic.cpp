// panic() and VERIFY failure: report and stop. See lib/panic.h.
#include <arch/x86_64/cpu.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/verify.h>
#include <stdarg.h>

[[noreturn]] void panic(const char* fmt, ...)
{
    cpu::cli();
    char message[256];
    va_list args;
    va_start(args, fmt);
    vformat(message, sizeof(message), fmt, args);
    va_end(args);
    kprintf("\nKERNEL PANIC: %s\n", message);
    cpu::halt_forever();
}

[[noreturn]] void verify_failed(const char* expression, const char* file, int line, const char* function)
{
    panic("VERIFY(%s) failed at %s:%d in %s", expression, file, line, function);
}
