// The self-test runner (lib/selftest.h): walks the .kernel_tests section the
// linker collects KERNEL_TEST entries into.
#include <lib/cmdline.h>
#include <lib/format.h>
#include <lib/string.h>
#include <lib/log.h>
#include <lib/selftest.h>
#include <stdarg.h>

extern "C" const KernelTest _kernel_tests_start[];
extern "C" const KernelTest _kernel_tests_end[];

void selftest_fail(KernelTestContext& ctx, const char* file, int line, const char* fmt, ...)
{
    ctx.failed = true;
    size_t n = format(ctx.why, sizeof(ctx.why), "%s:%d: ", file, line);
    if (n >= sizeof(ctx.why))
        return;
    va_list args;
    va_start(args, fmt);
    vformat(ctx.why + n, sizeof(ctx.why) - n, fmt, args);
    va_end(args);
}

namespace selftest {

namespace {

// `test=smp_,sched_`: only tests whose names start with one of the listed
// prefixes run (plain `test` runs all). Lets a guest configuration (amp,
// maxcpus=2, ...) run the tests about what it changes.
bool selected(const char* name)
{
    const char* filter = cmdline::get("test");
    if (!filter || !*filter)
        return true;
    const char* at = filter;
    while (*at) {
        const char* end = strchr(at, ',');
        usize length = end ? static_cast<usize>(end - at) : strlen(at);
        if (length && strncmp(name, at, length) == 0)
            return true;
        if (!end)
            break;
        at = end + 1;
    }
    return false;
}

}

int run_all()
{
    int passed = 0;
    int failed = 0;
    for (auto const* test = _kernel_tests_start; test != _kernel_tests_end; ++test) {
        if (!selected(test->name))
            continue;
        KernelTestContext ctx { test->name, false, {} };
        kprintf("[TEST] %s\n", test->name);
        test->run(ctx);
        if (ctx.failed) {
            kprintf("[KO] %s: %s\n", test->name, ctx.why);
            ++failed;
        } else {
            kprintf("[OK] %s\n", test->name);
            ++passed;
        }
    }
    kprintf("%d passed, %d failed\n", passed, failed);
    return failed;
}

}
