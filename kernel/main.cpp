// kernel_main(): the boot path from the assembly entry (arch/x86_64/boot.S)
// to the idle loop. Each step logs one line, so the boot log reads as the
// list of what the kernel brought up and in which order (CONCEPTS B1).
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/ioapic.h>
#include <arch/x86_64/multiboot2.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/pic.h>
#include <arch/x86_64/qemu_exit.h>
#include <arch/x86_64/smap.h>
#include <arch/x86_64/smp.h>
#include <arch/x86_64/user_mode.h>
#include <arch/x86_64/symbols.h>
#include <boot_info.h>
#include <drivers/acpi.h>
#include <drivers/ps2_keyboard.h>
#include <drivers/rtc.h>
#include <drivers/serial.h>
#include <drivers/vga_console.h>
#include <fs/initramfs.h>
#include <fs/root.h>
#include <ipc/mqueue_fs.h>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/selftest.h>
#include <lib/string.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <proc/process.h>
#include <proc/init_process.h>
#include <proc/process_table.h>
#include <proc/user_return.h>
#include <syscall/syscall.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <tty/console_tty.h>
#include <tty/pty.h>
#include <tty/kernel_monitor.h>

extern "C" void (*_init_array_start[])();
extern "C" void (*_init_array_end[])();

void selftest_crash();

static void run_global_constructors()
{
    for (auto* ctor = _init_array_start; ctor != _init_array_end; ++ctor)
        (*ctor)();
}

static void print_banner()
{
    kprintf("\n"
            "  Haneul (하늘) 0.1 -- x86-64, C++20\n"
            "  Welcome to Haneul.\n"
            "\n");
}

// Booted with `test`: run the self-tests and end QEMU with their verdict.
[[noreturn]] static void run_self_tests()
{
    if (const char* crash = cmdline::get("crash")) {
        if (strcmp(crash, "hang") == 0) {
            // For the harness's own test: a kernel that stops talking must
            // be caught by the timeout, not wait forever.
            log_notice("selftest: crash=hang requested: the kernel now stops with interrupts off");
            cpu::halt_forever();
        }
        log_notice("selftest: crash=%s requested: the kernel will now fault on purpose", crash);
        selftest_crash();
    }
    // On the boot CPU, where the tests of the local APIC, its timer and the
    // I/O APIC routes (which point at the boot CPU) expect to be: with
    // several CPUs the scheduler could otherwise move kmain anywhere.
    (void)sched::set_affinity(sched::current(), 1ull << 0);
    int failed = selftest::run_all();
    qemu::exit(failed == 0);
}

extern "C" [[noreturn]] void kernel_main(u32 multiboot_magic, u32 multiboot_info)
{
    run_global_constructors();
    serial::init();
    log_add_sink(serial::write);
    // Our own GDT/TSS and IDT before anything can fault, so that any fault
    // from here on ends in a readable panic report instead of a reset.
    gdt::init();
    percpu::init_boot_cpu();
    interrupts::init();
    // Before the kernel text becomes read-only: stac/clac become NOPs on a
    // CPU without SMAP.
    smap::patch_sites();

    if (!multiboot2::parse(multiboot_magic, multiboot_info))
        panic("not booted by a multiboot2 loader (magic %#x)", multiboot_magic);
    auto const& bi = boot_info();
    cmdline::parse(bi.command_line);
    log_set_level(static_cast<int>(cmdline::get_int("loglevel", static_cast<int>(LogLevel::Info))));
    log_info("Haneul booting: loader \"%s\", command line \"%s\"", bi.loader_name, bi.command_line);

    // -- CPU tables and traps --
    // The "symbols" module names backtrace frames; without it they are raw addresses.
    if (auto const* symbol_module = bi.module("symbols"))
        symbols::init(mm::phys_to_virt<const char>(symbol_module->start), symbol_module->end - symbol_module->start);
    else
        symbols::init(nullptr, 0);

    mm::init_memory();

    // -- devices and time --
    vga_console::init(); // first, so the rest of the boot log shows on screen too
    acpi::init();
    pic::disable();
    apic::init();
    ioapic::init();
    ktime::init(); // the tick runs from here on (once interrupts are on)
    rtc::init();
    ps2_keyboard::init();
    serial_input::init();
    // From here this flow is the kernel thread "kmain": it may sleep and
    // block; CPU 0 gets its idle thread and the timers go one-shot.
    sched::init();
    user_mode::init_this_cpu(); // syscall/sysret, SMEP, SMAP (each AP does its own)
    cpu::sti();
    // The other CPUs (CONCEPTS E1); each ends in the scheduler, so this
    // comes after sched::init().
    smp::init();
    // The process manager (CONCEPTS C2, C3): PID 0 for the idle tasks,
    // kernel processes for kmain and the scheduler's daemons.
    process::init();

    // The system-call table, the user-mode fault and return hooks, and the
    // root file system (CONCEPTS A5, F4).
    syscalls::init();
    user_return::init();
    if (cmdline::has("lsinitramfs"))
        (void)initramfs::list();
    if (auto mounted = root_fs::init(); mounted.is_error())
        log_error("rootfs: %s", mounted.error().name());
    // POSIX message queues' names (mq_open works from here on; init
    // mounts them on /dev/mqueue).
    if (auto mqueue = ipc::mqueue_init(); mqueue.is_error())
        log_error("mqueue: %s", mqueue.error().name());
    // The console terminal: /dev/console, /dev/tty1, /dev/ttyS0 (init's
    // standard descriptors), unless the kernel monitor takes the console.
    if (!cmdline::has("kmon")) {
        if (auto console = console_tty::init(); console.is_error())
            log_error("console: no terminal device: %s", console.error().name());
    }
    // Pseudo-terminals: /dev/ptmx and the devpts file system.
    if (auto ptys = pty::init(); ptys.is_error())
        log_error("pty: %s", ptys.error().name());
    print_banner();

    // `ps`: the process/thread table once, after boot (issue 3 item 9).
    if (cmdline::has("ps"))
        process_table::print();

    if (cmdline::has("test"))
        run_self_tests();

    // The first user process (CONCEPTS C1): init, then the shell. The
    // kernel monitor (haneul-kmon>) on the console instead with `kmon`.
    if (cmdline::has("kmon")) {
        if (auto monitor = kernel_monitor::start(); monitor.is_error())
            log_warn("kernel monitor: not started: %s", monitor.error().name());
    } else if (auto started = process::start_init(); started.is_error()) {
        log_error("init: cannot start PID 1: %s", started.error().name());
    }

    // kmain's work is done; the idle threads halt each CPU until an
    // interrupt brings work (QEMU's CPU use stays near zero while Haneul
    // waits).
    sched::exit_current(0);
}
