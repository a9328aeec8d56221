// The way back to user mode (after every syscall, interrupt and fault
// taken in user mode): the last moment the kernel can act for the thread
// before its code runs again: a thread of an exiting process leaves
// (exit_group, a fatal fault in another thread), and pending signals are
// delivered (proc/signals.h).
#pragma once

#include <arch/x86_64/interrupts.h>

namespace user_return {

// Interrupts may be off; may not return (the thread exits).
void prepare(InterruptFrame& frame);

// Installs the hooks of user-mode interrupts and exceptions (accounting,
// prepare(), page faults, fatal faults): at boot, before the first user
// process.
void init();

}

namespace process {

// Ends the calling user thread; the process too if it was the last, with
// `status` (wait()'s encoding) as its exit status.
[[noreturn]] void exit_user_thread(int status);
// Ends every thread of the calling process with `status`.
[[noreturn]] void exit_group(int status);

}

// Wakes up to `count` threads waiting on the futex word at `address` of
// the calling process (ipc/futex.cpp). Returns how many woke.
usize futex_wake_address(VirtAddr address, usize count);
