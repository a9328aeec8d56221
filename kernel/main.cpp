// kernel_main(): the boot path from the assembly entry (arch/x86_64/boot.S)
// to the idle loop. Each step logs one line, so the boot log reads as the
// list of what the kernel brought up and in which order.
#include <arch/x86_64/cpu.h>
#include <drivers/serial.h>
#include <lib/log.h>

extern "C" void (*_init_array_start[])();
extern "C" void (*_init_array_end[])();

static void run_global_constructors()
{
    for (auto* ctor = _init_array_start; ctor != _init_array_end; ++ctor)
        (*ctor)();
}

extern "C" [[noreturn]] void kernel_main(u32 multiboot_magic, u32 multiboot_info)
{
    run_global_constructors();
    serial::init();
    log_add_sink(serial::write);
    log_info("Haneul: multiboot magic %#x, info at %#x", multiboot_magic, multiboot_info);
    for (;;)
        cpu::sti_hlt();
}
