// /tests/bin/futex_test: the futex(2) operations of issue 4, point 5: WAIT
// and WAKE (private and shared), timeouts (relative, and absolute for
// WAIT_BITSET on CLOCK_MONOTONIC and CLOCK_REALTIME), REQUEUE,
// CMP_REQUEUE, WAKE_OP, WAIT_BITSET/WAKE_BITSET, and their errors.
//
// To know that waiter threads are really asleep in the kernel before
// waking them, count_waiters() moves every waiter of a word to a scratch
// word and back with CMP_REQUEUE (whose result is the number moved):
// deterministic, no sleeping and hoping.
#include "guest_test.h"

#include <atomic>
#include <climits>
#include <cstdint>
#include <ctime>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <thread>
#include <vector>

namespace {

long futex(void* address, int op, int value, const timespec* timeout = nullptr, void* address2 = nullptr, int value3 = 0)
{
    return syscall(SYS_futex, address, op, value, timeout, address2, value3);
}

// The (val2) form of the fourth argument that REQUEUE and WAKE_OP use.
long futex2(void* address, int op, int value, long value2, void* address2, int value3)
{
    return syscall(SYS_futex, address, op, value, value2, address2, value3);
}

long now_ms()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sleep_ms(long ms)
{
    timespec ts { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, nullptr);
}

timespec add_ms(timespec ts, long ms)
{
    ts.tv_nsec += (ms % 1000) * 1000000L;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

// How many threads sleep on `word` right now (see the file comment).
long count_waiters(int* word, bool is_private)
{
    static int scratch;
    int flag = is_private ? FUTEX_PRIVATE_FLAG : 0;
    long moved = futex2(word, FUTEX_CMP_REQUEUE | flag, 0, INT_MAX, &scratch, *word);
    if (moved > 0)
        futex2(&scratch, FUTEX_CMP_REQUEUE | flag, 0, INT_MAX, word, scratch);
    return moved;
}

// Waits (up to 5 s) until exactly `expected` threads sleep on `word`.
bool wait_for_waiters(int* word, long expected, bool is_private = true)
{
    long deadline = now_ms() + 5000;
    while (now_ms() < deadline) {
        if (count_waiters(word, is_private) == expected)
            return true;
        sleep_ms(1);
    }
    return false;
}

// Threads that each make one FUTEX_WAIT (or WAIT_BITSET) call and record
// what it returned.
struct Waiters {
    std::vector<std::thread> threads;
    std::atomic<int> returned { 0 };
    std::atomic<int> returned_zero { 0 };

    void start(int* word, int count, int op = FUTEX_WAIT_PRIVATE, int bitset = 0)
    {
        for (int i = 0; i < count; ++i) {
            threads.emplace_back([this, word, op, bitset] {
                // Bounded: a lost wake-up ends in ETIMEDOUT after 5 s
                // (relative for WAIT, absolute for WAIT_BITSET).
                timespec timeout { 5, 0 };
                if ((op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET) {
                    clock_gettime(CLOCK_MONOTONIC, &timeout);
                    timeout.tv_sec += 5;
                }
                long result = futex(word, op, 0, &timeout, nullptr, bitset);
                if (result == 0)
                    ++returned_zero;
                ++returned;
            });
        }
    }

    // Waits (up to 5 s) for `count` of them to have returned.
    bool wait_returned(int count)
    {
        long deadline = now_ms() + 5000;
        while (returned.load() < count && now_ms() < deadline)
            sleep_ms(1);
        return returned.load() >= count;
    }

    ~Waiters()
    {
        for (auto& thread : threads)
            thread.join();
    }
};

}

TEST(wait_with_mismatched_value_eagain)
{
    int word = 1;
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0), EAGAIN);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 0), EAGAIN);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY), EAGAIN);
}

TEST(wait_relative_timeout_etimedout)
{
    int word = 0;
    timespec timeout { 0, 50 * 1000 * 1000 };
    long start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &timeout), ETIMEDOUT);
    long waited = now_ms() - start;
    EXPECT_GE(waited, 50);
    EXPECT_LT(waited, 5000);
    // Shared (non-private) too.
    start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 0, &timeout), ETIMEDOUT);
    EXPECT_GE(now_ms() - start, 50);
}

TEST(wait_zero_timeout_returns_at_once)
{
    int word = 0;
    timespec timeout { 0, 0 };
    long start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &timeout), ETIMEDOUT);
    EXPECT_LT(now_ms() - start, 1000);
}

// FUTEX_WAIT_BITSET takes an absolute time, on CLOCK_MONOTONIC unless
// FUTEX_CLOCK_REALTIME is given.
TEST(wait_bitset_absolute_monotonic_timeout)
{
    int word = 0;
    timespec now {};
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    timespec deadline = add_ms(now, 50);
    long start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &deadline, nullptr, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    timespec after {};
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &after));
    EXPECT(after.tv_sec > deadline.tv_sec || (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec));
    EXPECT_LT(now_ms() - start, 5000);
}

TEST(wait_bitset_absolute_realtime_timeout)
{
    int word = 0;
    timespec now {};
    EXPECT_OK(clock_gettime(CLOCK_REALTIME, &now));
    timespec deadline = add_ms(now, 50);
    long start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &deadline, nullptr,
                     FUTEX_BITSET_MATCH_ANY),
        ETIMEDOUT);
    long waited = now_ms() - start;
    EXPECT_GE(waited, 40); // the two clocks are read at slightly different times
    EXPECT_LT(waited, 5000);
}

TEST(wait_bitset_deadline_in_the_past_times_out_at_once)
{
    int word = 0;
    timespec now {};
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    // A second ago, or the clock's zero early after boot (Haneul's tests run
    // within a second of it; a negative tv_sec would be EINVAL).
    timespec past = now.tv_sec >= 1 ? timespec { now.tv_sec - 1, now.tv_nsec } : timespec { 0, 0 };
    long start = now_ms();
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, nullptr, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    EXPECT_LT(now_ms() - start, 1000);
}

TEST(wait_bad_timeout_einval_and_efault)
{
    int word = 0;
    timespec bad_nsec { 0, 1000000000L };
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &bad_nsec), EINVAL);
    timespec negative { -1, 0 };
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &negative), EINVAL);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, reinterpret_cast<timespec*>(1)), EFAULT);
}

TEST(wake_with_no_waiters_returns_zero)
{
    int word = 0;
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 1), 0);
    EXPECT_EQ(futex(&word, FUTEX_WAKE, INT_MAX), 0);
}

TEST(wake_returns_number_woken)
{
    static int word;
    word = 0;
    Waiters waiters;
    waiters.start(&word, 3);
    EXPECT(wait_for_waiters(&word, 3));
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 2), 2);
    EXPECT(waiters.wait_returned(2));
    EXPECT(wait_for_waiters(&word, 1));
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX), 1);
    EXPECT(waiters.wait_returned(3));
    EXPECT_EQ(waiters.returned_zero.load(), 3);
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX), 0);
}

// FUTEX_REQUEUE wakes nr_wake waiters and moves the rest to the second
// word; Linux returns woken + requeued.
TEST(requeue_moves_waiters_to_second_word)
{
    static int first, second;
    first = second = 0;
    Waiters waiters;
    waiters.start(&first, 3);
    EXPECT(wait_for_waiters(&first, 3));
    EXPECT_EQ(futex2(&first, FUTEX_REQUEUE_PRIVATE, 1, INT_MAX, &second, 0), 3);
    EXPECT(waiters.wait_returned(1));
    EXPECT_EQ(futex(&first, FUTEX_WAKE_PRIVATE, INT_MAX), 0);
    EXPECT(wait_for_waiters(&second, 2));
    EXPECT_EQ(futex(&second, FUTEX_WAKE_PRIVATE, INT_MAX), 2);
    EXPECT(waiters.wait_returned(3));
    EXPECT_EQ(waiters.returned_zero.load(), 3);
}

TEST(cmp_requeue_checks_value_and_limits_count)
{
    static int first, second;
    first = second = 0;
    Waiters waiters;
    waiters.start(&first, 3);
    EXPECT(wait_for_waiters(&first, 3));
    // The word is not what the caller expected: EAGAIN, nobody moves.
    EXPECT_ERRNO(futex2(&first, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &second, 1), EAGAIN);
    EXPECT(wait_for_waiters(&first, 3));
    // Wake none, move one.
    EXPECT_EQ(futex2(&first, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &second, 0), 1);
    EXPECT(wait_for_waiters(&second, 1));
    EXPECT(wait_for_waiters(&first, 2));
    EXPECT_EQ(futex(&second, FUTEX_WAKE_PRIVATE, INT_MAX), 1);
    EXPECT_EQ(futex(&first, FUTEX_WAKE_PRIVATE, INT_MAX), 2);
    EXPECT(waiters.wait_returned(3));
    EXPECT_EQ(waiters.returned_zero.load(), 3);
}

TEST(requeue_negative_counts_einval)
{
    int first = 0, second = 0;
    EXPECT_ERRNO(futex2(&first, FUTEX_CMP_REQUEUE_PRIVATE, -1, 1, &second, 0), EINVAL);
    EXPECT_ERRNO(futex2(&first, FUTEX_CMP_REQUEUE_PRIVATE, 1, -1, &second, 0), EINVAL);
}

// FUTEX_WAKE_OP: apply an operation to *uaddr2, wake nr_wake waiters of
// uaddr, and, if the old *uaddr2 passes the comparison, nr_wake2 waiters
// of uaddr2. Returns the total woken.
TEST(wake_op_updates_second_word_and_wakes_conditionally)
{
    static int first, second;
    first = second = 0;
    {
        Waiters waiters;
        waiters.start(&first, 1);
        waiters.start(&second, 1);
        EXPECT(wait_for_waiters(&first, 1));
        EXPECT(wait_for_waiters(&second, 1));
        // second += 5; wake uaddr2's waiter too if its old value == 0.
        int op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0);
        EXPECT_EQ(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, op), 2);
        EXPECT_EQ(second, 5);
        EXPECT(waiters.wait_returned(2));
        EXPECT_EQ(waiters.returned_zero.load(), 2);
    }
    second = 0;
    {
        Waiters waiters;
        waiters.start(&first, 1);
        waiters.start(&second, 1);
        EXPECT(wait_for_waiters(&first, 1));
        EXPECT(wait_for_waiters(&second, 1));
        // second = 9; the old value 0 is not > 100: only uaddr's waiter wakes.
        int op = FUTEX_OP(FUTEX_OP_SET, 9, FUTEX_OP_CMP_GT, 100);
        EXPECT_EQ(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, op), 1);
        EXPECT_EQ(second, 9);
        EXPECT(waiters.wait_returned(1));
        EXPECT(wait_for_waiters(&second, 1));
        EXPECT_EQ(futex(&second, FUTEX_WAKE_PRIVATE, 1), 1);
        EXPECT(waiters.wait_returned(2));
    }
    // Operations with an OPARG_SHIFT operand, OR, ANDN and XOR, no waiters.
    second = 1;
    EXPECT_EQ(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, FUTEX_OP(FUTEX_OP_OR | (FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0)), 0);
    EXPECT_EQ(second, 1 | (1 << 4));
    EXPECT_EQ(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_EQ, 0)), 0);
    EXPECT_EQ(second, 1 << 4);
    EXPECT_EQ(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, FUTEX_OP(FUTEX_OP_XOR, 0x11, FUTEX_OP_CMP_EQ, 0)), 0);
    EXPECT_EQ(second, 1);
}

TEST(wake_op_bad_operation_enosys_and_bad_address_efault)
{
    int first = 0, second = 0;
    int bad_op = (7 << 28) | (0 << 24); // operation 7 does not exist
    EXPECT_ERRNO(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, &second, bad_op), ENOSYS);
    int op = FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0);
    EXPECT_ERRNO(futex2(&first, FUTEX_WAKE_OP_PRIVATE, 1, 1, nullptr, op), EFAULT);
}

TEST(wait_bitset_and_wake_bitset_match_masks)
{
    static int word;
    word = 0;
    Waiters waiters;
    waiters.start(&word, 1, FUTEX_WAIT_BITSET_PRIVATE, 0x1);
    waiters.start(&word, 1, FUTEX_WAIT_BITSET_PRIVATE, 0x2);
    EXPECT(wait_for_waiters(&word, 2));
    EXPECT_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, nullptr, nullptr, 0x4), 0);
    EXPECT_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, nullptr, nullptr, 0x2), 1);
    EXPECT(waiters.wait_returned(1));
    EXPECT(wait_for_waiters(&word, 1));
    // A plain FUTEX_WAKE matches every bitset.
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX), 1);
    EXPECT(waiters.wait_returned(2));
    EXPECT_EQ(waiters.returned_zero.load(), 2);
}

TEST(bitset_zero_einval)
{
    int word = 0;
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, nullptr, nullptr, 0), EINVAL);
    EXPECT_ERRNO(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, nullptr, nullptr, 0), EINVAL);
}

TEST(bad_addresses_efault_and_misaligned_einval)
{
    EXPECT_ERRNO(futex(nullptr, FUTEX_WAIT_PRIVATE, 0), EFAULT);
    EXPECT_ERRNO(futex(nullptr, FUTEX_WAIT, 0), EFAULT);
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(page != MAP_FAILED);
    EXPECT_OK(munmap(page, 4096));
    EXPECT_ERRNO(futex(page, FUTEX_WAIT_PRIVATE, 0), EFAULT);
    EXPECT_ERRNO(futex(reinterpret_cast<void*>(0xffffffff80000000UL), FUTEX_WAIT_PRIVATE, 0), EFAULT);
    EXPECT_ERRNO(futex(reinterpret_cast<void*>(0xffff800000000000UL), FUTEX_WAIT, 0), EFAULT);
    alignas(8) char bytes[8] = {};
    EXPECT_ERRNO(futex(bytes + 1, FUTEX_WAIT_PRIVATE, 0), EINVAL);
    EXPECT_ERRNO(futex(bytes + 2, FUTEX_WAKE_PRIVATE, 1), EINVAL);
}

TEST(unknown_operation_enosys)
{
    int word = 0;
    EXPECT_ERRNO(futex(&word, 99, 0), ENOSYS);
    EXPECT_ERRNO(futex(&word, 99 | FUTEX_PRIVATE_FLAG, 0), ENOSYS);
    // FUTEX_CLOCK_REALTIME is only for the waits that take a deadline.
    EXPECT_ERRNO(futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1), ENOSYS);
}

// A shared (non-private) futex on MAP_SHARED memory works across fork: the
// child waits, the parent wakes it.
TEST(shared_futex_wakes_across_processes)
{
    auto* word = static_cast<int*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    EXPECT(word != MAP_FAILED);
    *word = 0;
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        timespec timeout { 5, 0 };
        long result = futex(word, FUTEX_WAIT, 0, &timeout);
        _exit(result == 0 ? 0 : (errno == ETIMEDOUT ? 2 : 3));
    }
    long woken = 0;
    long deadline = now_ms() + 5000;
    while (woken == 0 && now_ms() < deadline) {
        woken = futex(word, FUTEX_WAKE, 1);
        if (woken == 0)
            sleep_ms(1);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    munmap(word, 4096);
    EXPECT_EQ(woken, 1);
    EXPECT_EXITED(status, 0);
}

// A private futex is keyed by address space: another process's
// FUTEX_WAKE_PRIVATE, or a shared FUTEX_WAKE, on the same shared page must
// not wake it (both return 0); the child times out.
TEST(private_futex_not_woken_from_another_process)
{
    auto* words = static_cast<int*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    EXPECT(words != MAP_FAILED);
    words[0] = 0; // the futex
    words[1] = 0; // set by the child just before it waits
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        __atomic_store_n(&words[1], 1, __ATOMIC_SEQ_CST);
        timespec timeout { 0, 300 * 1000 * 1000 };
        long result = futex(&words[0], FUTEX_WAIT_PRIVATE, 0, &timeout);
        _exit(result == -1 && errno == ETIMEDOUT ? 0 : 1);
    }
    long deadline = now_ms() + 5000;
    while (__atomic_load_n(&words[1], __ATOMIC_SEQ_CST) == 0 && now_ms() < deadline)
        sleep_ms(1);
    sleep_ms(50);
    long private_woken = futex(&words[0], FUTEX_WAKE_PRIVATE, INT_MAX);
    long shared_woken = futex(&words[0], FUTEX_WAKE, INT_MAX);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    munmap(words, 4096);
    EXPECT_EQ(private_woken, 0);
    EXPECT_EQ(shared_woken, 0);
    EXPECT_EXITED(status, 0);
}

// Within one process private and shared waits on ordinary memory both work
// and do not mix: a private wake does not wake a shared waiter.
TEST(private_and_shared_waiters_are_distinct)
{
    static int word;
    word = 0;
    Waiters waiters;
    waiters.start(&word, 1, FUTEX_WAIT);
    EXPECT(wait_for_waiters(&word, 1, false));
    EXPECT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX), 0);
    EXPECT_EQ(futex(&word, FUTEX_WAKE, INT_MAX), 1);
    EXPECT(waiters.wait_returned(1));
    EXPECT_EQ(waiters.returned_zero.load(), 1);
}

int main()
{
    return guest_test::run_tests();
}
