// The kernel monitor (CONCEPTS A3/A4 before user mode exists): a kernel
// process, "kmon", that reads command lines from the console (serial and
// PS/2 keyboard, through drivers/console_input) and answers them:
//
//   haneul-kmon> ps        the process/thread table (proc/process_table.h)
//   haneul-kmon> mem       physical memory, kmalloc, kernel stacks
//   haneul-kmon> uptime    time since boot, process count, load average
//   haneul-kmon> help
//
// kernel_main starts it after boot unless booted with `test`. The shell of
// the user-mode issue (busybox ash) replaces it as the console's reader.
#pragma once

#include <lib/error_or.h>

namespace kernel_monitor {

constexpr const char* kPrompt = "haneul-kmon> ";

// Starts the monitor's kernel process; it prints the first prompt.
ErrorOr<void> start();
// Runs one command line, printing its output on the consoles. False when
// the command is unknown (a message says so). The self-tests call it too.
bool run_command(const char* line);

}
