// The kernel monitor (kernel_monitor.h): a line reader with backspace and
// Ctrl-C/Ctrl-U, and a table of commands. The console echoes every typed
// byte itself (drivers/console_input.cpp), so the monitor prints only what
// echo does not: the newline after Enter, the prompt, and the answers.
#include <arch/x86_64/percpu.h>
#include <drivers/console_input.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/kernel_stack.h>
#include <mm/kmalloc.h>
#include <mm/memory.h>
#include <proc/pid.h>
#include <proc/process.h>
#include <proc/process_table.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <tty/kernel_monitor.h>

namespace kernel_monitor {

namespace {

constexpr usize kLineMax = 128;

struct Command {
    const char* name;
    const char* help;
    void (*run)();
};

void show_help();

void show_processes() { process_table::print(); }

void show_memory()
{
    auto memory = mm::memory_stats();
    kprintf("memory:  %lu KiB total, %lu KiB reserved at boot, %lu KiB free\n",
        static_cast<unsigned long>(memory.total_bytes / KiB), static_cast<unsigned long>(memory.reserved_bytes / KiB),
        static_cast<unsigned long>(memory.free_bytes / KiB));
    auto heap = kmalloc_stats();
    kprintf("kmalloc: %zu bytes in use, %zu bytes of pages (%zu large blocks, %zu bytes)\n", heap.bytes_in_use,
        heap.bytes_from_pages, heap.large_blocks, heap.large_bytes);
    for (auto const& size_class : heap.classes) {
        if (size_class.slabs == 0)
            continue;
        kprintf("  %4zu-byte objects: %6zu in use, %3zu slabs (%zu bytes)\n", size_class.object_size,
            size_class.objects_in_use, size_class.slabs, size_class.slab_bytes);
    }
    kprintf("kernel stacks: %zu in use, %zu KiB each\n", mm::kernel_stacks_in_use(), mm::kKernelStackSize / KiB);
}

// Linux's LOAD_INT / LOAD_FRAC: 11 fractional bits to two decimals.
void format_load(char (&buffer)[16], u64 load)
{
    u64 rounded = load + (1ull << 11) / 200; // + 0.005
    format(buffer, sizeof(buffer), "%lu.%02lu", static_cast<unsigned long>(rounded >> 11),
        static_cast<unsigned long>(((rounded & ((1ull << 11) - 1)) * 100) >> 11));
}

void show_uptime()
{
    u64 seconds = ktime::monotonic_ns() / 1000000000;
    auto load = sched::load_average();
    char one[16], five[16], fifteen[16];
    format_load(one, load.one);
    format_load(five, load.five);
    format_load(fifteen, load.fifteen);
    kprintf("up %lu:%02lu:%02lu, %zu processes, %u CPUs, load average: %s, %s, %s\n",
        static_cast<unsigned long>(seconds / 3600), static_cast<unsigned long>(seconds / 60 % 60),
        static_cast<unsigned long>(seconds % 60), process::count(), percpu::count(), one, five, fifteen);
}

constexpr Command kCommands[] = {
    { "ps", "the process and thread table", show_processes },
    { "mem", "memory: pages, kmalloc, kernel stacks", show_memory },
    { "uptime", "time since boot and load average", show_uptime },
    { "help", "this list", show_help },
};

void show_help()
{
    kprintf("Haneul kernel monitor. Commands:\n");
    for (auto const& command : kCommands)
        kprintf("  %-8s %s\n", command.name, command.help);
}

// One line from the console. Enter ends it (CR, LF or CR LF); backspace
// and DEL take back a character (the echo already erased it on screen);
// Ctrl-C drops the line, Ctrl-U clears it.
void read_line(char (&line)[kLineMax])
{
    static bool s_last_was_cr;
    usize length = 0;
    for (;;) {
        char c = console_input::wait_char();
        bool was_cr = s_last_was_cr;
        s_last_was_cr = c == '\r';
        if (c == '\n' && was_cr)
            continue; // the LF of a CR LF pair
        if (c == '\r' || c == '\n') {
            // The echo of LF (what the serial driver and the keyboard
            // deliver for Enter) already ended the line on screen; a bare
            // CR only went back to its start.
            if (c == '\r')
                kputs("\n", 1);
            line[length] = 0;
            return;
        }
        if (c == 0x7F || c == '\b') {
            if (length > 0)
                --length;
        } else if (c == 0x03) {
            kputs("^C\n", 3);
            line[0] = 0;
            return;
        } else if (c == 0x15) {
            length = 0;
        } else if (c >= ' ' && length + 1 < kLineMax) {
            line[length++] = c;
        }
    }
}

void monitor_main(void*)
{
    kprintf("Kernel monitor: type `help` for its commands.\n");
    char line[kLineMax];
    for (;;) {
        kputs(kPrompt, strlen(kPrompt));
        read_line(line);
        run_command(line);
    }
}

}

bool run_command(const char* line)
{
    while (*line == ' ' || *line == '\t')
        ++line;
    usize length = strlen(line);
    while (length > 0 && (line[length - 1] == ' ' || line[length - 1] == '\t'))
        --length;
    if (length == 0)
        return true;
    for (auto const& command : kCommands) {
        if (strlen(command.name) == length && strncmp(command.name, line, length) == 0) {
            command.run();
            return true;
        }
    }
    kprintf("%.*s: unknown command (try `help`)\n", static_cast<int>(length), line);
    return false;
}

ErrorOr<void> start()
{
    TRY(process::spawn_kernel_process("kmon", monitor_main, nullptr));
    return {};
}

}
