// selftest_crash(): a genuine kernel bug, committed on purpose. kernel_main's
// self-test path calls it when the command line has `crash=null`, and the
// guest test guest.panic_report (tests/guest/CMakeLists.txt) checks that the
// resulting panic report names the page fault, the address, the decoded
// error code, the registers and this function in the backtrace.
//
// Kept out of line and non-static so it has its own frame and symbol.
//
// Other crash= values name other deliberate bugs, each living next to the
// mechanism that must catch it:
//   crash=sleep_in_spinlock  sched/sync_selftest.cpp (guest.panic_sleep_in_spinlock)
#include <lib/cmdline.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <lib/types.h>

[[noreturn]] void selftest_crash_sleep_in_spinlock();

[[gnu::noinline]] void selftest_crash()
{
    const char* which = cmdline::get("crash", "null");
    if (strcmp(which, "sleep_in_spinlock") == 0)
        selftest_crash_sleep_in_spinlock();

    // Loaded through a volatile pointer so the compiler cannot see the null
    // and replace the read with a trap instruction: the CPU must fault.
    volatile u64* volatile null_pointer = nullptr;
    u64 value = *null_pointer;
    // Only reached when page 0 is mapped (the boot page tables map low memory).
    panic("selftest_crash: reading address 0 did not fault (read %#lx): page 0 is mapped", value);
}
