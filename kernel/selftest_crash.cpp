// selftest_crash(): a genuine kernel bug, committed on purpose. kernel_main's
// self-test path calls it when the command line has `crash=null`, and the
// guest test guest.panic_report (tests/guest/CMakeLists.txt) checks that the
// resulting panic report names the page fault, the address, the decoded
// error code, the registers and this function in the backtrace.
//
// Kept out of line and non-static so it has its own frame and symbol.
#include <lib/panic.h>
#include <lib/types.h>

[[gnu::noinline]] void selftest_crash()
{
    // Loaded through a volatile pointer so the compiler cannot see the null
    // and replace the read with a trap instruction: the CPU must fault.
    volatile u64* volatile null_pointer = nullptr;
    u64 value = *null_pointer;
    // Only reached when page 0 is mapped (the boot page tables map low memory).
    panic("selftest_crash: reading address 0 did not fault (read %#lx): page 0 is mapped", value);
}
