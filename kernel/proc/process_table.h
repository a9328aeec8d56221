// The process/thread table (issue 3 item 9, the precursor of /proc and
// ps -eL): one line per thread with its process's PID, parent, state,
// CPU, scheduling class and priority, user and system time, and voluntary
// and involuntary context switches. Printed by the `ps` boot option
// (kernel/main.cpp) and the kernel monitor's `ps` command
// (kernel/tty/kernel_monitor.cpp); the self-tests read it through a writer.
#pragma once

#include <lib/types.h>

namespace process_table {

// Receives the table a piece at a time.
using Writer = void (*)(const char* text, usize length, void* context);

// Writes the whole table; takes the process lock (may sleep).
void write(Writer writer, void* context);
// The table on every console.
void print();

}
