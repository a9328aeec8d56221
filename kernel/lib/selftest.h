// In-kernel self-tests. Booted with `test` on its command line, the kernel
// runs every KERNEL_TEST after bring-up and prints, per test, the guest test
// protocol of docs/ (one "[TEST] name" line, then "[OK] name" or
// "[KO] name: why"), a closing "N passed, M failed" line, and ends QEMU
// through isa-debug-exit. tests/guest/run_guest.py reads that.
//
//   KERNEL_TEST(page_allocator_returns_distinct_pages) {
//       auto a = ...; EXPECT(a != b); EXPECT_EQ(x, 3);
//   }
#pragma once

#include <lib/types.h>

struct KernelTestContext {
    const char* name;
    bool failed;
    char why[160];
};

void selftest_fail(KernelTestContext& ctx, const char* file, int line, const char* fmt, ...) PRINTF_FORMAT(4, 5);

struct KernelTest {
    const char* name;
    void (*run)(KernelTestContext& ctx);
};

#define KERNEL_TEST(test_name)                                                                   \
    static void kernel_test_##test_name(KernelTestContext& ctx);                                 \
    [[gnu::used, gnu::section(".kernel_tests")]] static const KernelTest kernel_test_entry_##test_name \
        = { #test_name, kernel_test_##test_name };                                               \
    static void kernel_test_##test_name([[maybe_unused]] KernelTestContext& ctx)

// Record a failure and leave the test.
#define EXPECT(condition)                                                      \
    do {                                                                       \
        if (!(condition)) {                                                    \
            selftest_fail(ctx, __FILE__, __LINE__, "EXPECT(%s)", #condition);  \
            return;                                                            \
        }                                                                      \
    } while (0)

#define EXPECT_EQ(actual, expected)                                                                    \
    do {                                                                                               \
        auto _a = (actual);                                                                            \
        auto _e = (expected);                                                                          \
        if (!(_a == _e)) {                                                                             \
            selftest_fail(ctx, __FILE__, __LINE__, "%s == %#llx, expected %#llx", #actual,             \
                (unsigned long long)_a, (unsigned long long)_e);                                       \
            return;                                                                                    \
        }                                                                                              \
    } while (0)

namespace selftest {
// Runs every registered test; returns the number that failed.
int run_all();
}
