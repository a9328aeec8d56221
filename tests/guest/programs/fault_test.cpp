// /tests/bin/fault_test: a CPU fault in user mode kills only the process
// that made it (CONCEPTS B3), with the signal Linux delivers for it:
// privileged instructions and bad addresses give SIGSEGV, division by zero
// SIGFPE, an invalid opcode SIGILL, int3 SIGTRAP. Every fault happens in a
// forked child; the parent checks WIFSIGNALED/WTERMSIG and that it, and a
// sibling, are still alive. (Handlers and siginfo are the signals issue's
// tests.)
#include "guest_test.h"

#include <cstdint>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>

namespace {

// Runs `fault` in a child with core dumps off; returns its wait status.
template<typename Fault>
int status_of(Fault fault)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        rlimit no_core { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        fault();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

}

TEST(hlt_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { asm volatile("hlt"); }), SIGSEGV);
}

TEST(cli_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { asm volatile("cli"); }), SIGSEGV);
}

TEST(sti_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { asm volatile("sti"); }), SIGSEGV);
}

TEST(port_io_kills_with_sigsegv)
{
    // outb to the QEMU debug-exit port: must never reach the device.
    EXPECT_SIGNALED(status_of([] { asm volatile("outb %%al, %%dx" ::"a"(0x11), "d"(0xf4)); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] {
        unsigned char value;
        asm volatile("inb %%dx, %%al" : "=a"(value) : "d"(0x3f8));
    }),
        SIGSEGV);
}

TEST(control_register_and_msr_access_kill_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] {
        unsigned long value;
        asm volatile("mov %%cr3, %0" : "=r"(value));
    }),
        SIGSEGV);
    EXPECT_SIGNALED(status_of([] { asm volatile("mov %0, %%cr3" ::"r"(0UL)); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] {
        unsigned lo, hi;
        asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080)); // EFER
    }),
        SIGSEGV);
    EXPECT_SIGNALED(status_of([] {
        struct __attribute__((packed)) {
            uint16_t limit;
            uint64_t base;
        } table { 0, 0 };
        asm volatile("lgdt %0" ::"m"(table));
    }),
        SIGSEGV);
}

TEST(reading_kernel_address_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile char*>(0xffffffff80000000UL); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile char*>(0xffff800000000000UL); }), SIGSEGV);
}

TEST(writing_kernel_address_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile char*>(0xffffffff80000000UL) = 1; }), SIGSEGV);
}

TEST(jumping_to_kernel_address_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { reinterpret_cast<void (*)()>(0xffffffff80100000UL)(); }), SIGSEGV);
}

TEST(non_canonical_address_kills_with_sigsegv)
{
    // Not a page fault but a general-protection fault: still SIGSEGV.
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile char*>(0x0000800000000000UL); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile char*>(0x8000000000000000UL) = 1; }), SIGSEGV);
}

TEST(null_dereference_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile int*>(uintptr_t(0)); }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] { *reinterpret_cast<volatile int*>(uintptr_t(0)) = 1; }), SIGSEGV);
    EXPECT_SIGNALED(status_of([] { reinterpret_cast<void (*)()>(uintptr_t(0))(); }), SIGSEGV);
}

TEST(integer_divide_by_zero_kills_with_sigfpe)
{
    EXPECT_SIGNALED(status_of([] {
        int divisor = 0;
        int quotient;
        asm volatile("cltd; idivl %2" : "=a"(quotient) : "a"(1), "r"(divisor) : "rdx");
    }),
        SIGFPE);
    // INT_MIN / -1 overflows: the same #DE.
    EXPECT_SIGNALED(status_of([] {
        int quotient;
        asm volatile("cltd; idivl %2" : "=a"(quotient) : "a"(INT32_MIN), "r"(-1) : "rdx");
    }),
        SIGFPE);
}

TEST(ud2_kills_with_sigill)
{
    EXPECT_SIGNALED(status_of([] { asm volatile("ud2"); }), SIGILL);
}

TEST(int3_kills_with_sigtrap)
{
    EXPECT_SIGNALED(status_of([] { asm volatile("int3"); }), SIGTRAP);
}

TEST(stack_overflow_kills_with_sigsegv)
{
    EXPECT_SIGNALED(status_of([] {
        // A small stack limit makes the overflow quick.
        rlimit stack { 256 * 1024, 256 * 1024 };
        setrlimit(RLIMIT_STACK, &stack);
        struct Recurse {
            static long down(long depth)
            {
                volatile char frame[1024];
                frame[0] = static_cast<char>(depth);
                // The bound is never reached; it only keeps the compiler
                // from calling the recursion infinite.
                return depth > (1L << 40) ? 0 : down(depth + 1) + frame[0];
            }
        };
        Recurse::down(0);
    }),
        SIGSEGV);
}

namespace {

void* fault_in_thread(void*)
{
    *reinterpret_cast<volatile int*>(uintptr_t(0)) = 1;
    return nullptr;
}

}

// A fault in one thread kills the whole process, not only that thread.
TEST(fault_in_a_thread_kills_the_whole_process)
{
    EXPECT_SIGNALED(status_of([] {
        pthread_t thread;
        if (pthread_create(&thread, nullptr, fault_in_thread, nullptr) != 0)
            _exit(20);
        // If only the thread died, join returns and we exit 21; bounded.
        pthread_join(thread, nullptr);
        _exit(21);
    }),
        SIGSEGV);
}

// B3: the faulting process dies; a sibling started before it and this
// process carry on.
TEST(fault_leaves_parent_and_sibling_alive)
{
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t sibling = EXPECT_OK(fork());
    if (sibling == 0) {
        close(gate[1]);
        char c;
        ssize_t n = read(gate[0], &c, 1);
        _exit(n == 1 && c == 'g' ? 0 : 1);
    }
    close(gate[0]);
    for (int i = 0; i < 20; ++i)
        EXPECT_SIGNALED(status_of([] { asm volatile("hlt"); }), SIGSEGV);
    EXPECT_EQ(write(gate[1], "g", 1), 1);
    close(gate[1]);
    int status = 0;
    EXPECT_EQ(waitpid(sibling, &status, 0), sibling);
    EXPECT_EXITED(status, 0);
    // And this process still works: a plain child exits normally.
    EXPECT_EXITED(status_of([] { }), 0);
}

int main()
{
    return guest_test::run_tests();
}
