// /tests/bin/thread_test: threads as glibc and libstdc++ make them (clone3 or
// clone with CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|
// CHILD_CLEARTID, futex, set_robust_list), and raw clone() for the thread
// ids and the sharing flags themselves (issue 4, point 5).
#include "guest_test.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <fcntl.h>
#include <linux/futex.h>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <vector>

namespace {

long raw_syscall0(long number)
{
    long result;
    asm volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

}

TEST(mutex_8_threads_x_100000_increments_exact)
{
    constexpr int kThreads = 8;
    constexpr int kIncrements = 100000;
    std::mutex mutex;
    long counter = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < kIncrements; ++j) {
                std::lock_guard<std::mutex> lock(mutex);
                ++counter;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counter, (long)kThreads * kIncrements);
}

TEST(condition_variable_ping_pong_1000_rounds)
{
    constexpr int kRounds = 1000;
    std::mutex mutex;
    std::condition_variable changed;
    int turn = 0; // even: main's turn, odd: the thread's
    int thread_rounds = 0;
    std::thread other([&] {
        for (int i = 0; i < kRounds; ++i) {
            std::unique_lock<std::mutex> lock(mutex);
            changed.wait(lock, [&] { return turn % 2 == 1; });
            ++turn;
            ++thread_rounds;
            changed.notify_one();
        }
    });
    for (int i = 0; i < kRounds; ++i) {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return turn % 2 == 0; });
        ++turn;
        changed.notify_one();
    }
    other.join();
    EXPECT_EQ(turn, 2 * kRounds);
    EXPECT_EQ(thread_rounds, kRounds);
}

TEST(condition_variable_wait_for_times_out)
{
    std::mutex mutex;
    std::condition_variable never;
    std::unique_lock<std::mutex> lock(mutex);
    auto start = std::chrono::steady_clock::now();
    bool woken = never.wait_for(lock, std::chrono::milliseconds(30), [] { return false; });
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT(!woken);
    EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(), 30);
}

namespace {

thread_local int t_initialized = 1234;
thread_local int t_zeroed;
thread_local char t_big[8192];

}

// Each thread has its own copy of thread-local storage, initialized from
// the TLS image (t_initialized) or zeroed (t_zeroed, t_big), at its own
// address (CLONE_SETTLS / arch_prctl FS base).
TEST(thread_local_storage_distinct_per_thread)
{
    constexpr int kThreads = 4;
    t_initialized = -1;
    t_zeroed = -1;
    std::atomic<int> arrived { 0 };
    std::atomic<int> bad { 0 };
    std::vector<std::uintptr_t> addresses(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            if (t_initialized != 1234 || t_zeroed != 0 || t_big[0] != 0 || t_big[8191] != 0)
                ++bad;
            t_initialized = i;
            t_zeroed = 100 + i;
            t_big[100] = static_cast<char>(i);
            addresses[i] = reinterpret_cast<std::uintptr_t>(&t_initialized);
            // Wait until every thread has written its own values.
            ++arrived;
            while (arrived.load() < kThreads)
                std::this_thread::yield();
            if (t_initialized != i || t_zeroed != 100 + i || t_big[100] != i)
                ++bad;
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(t_initialized, -1);
    EXPECT_EQ(t_zeroed, -1);
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_NE(addresses[i], reinterpret_cast<std::uintptr_t>(&t_initialized));
        for (int j = i + 1; j < kThreads; ++j)
            EXPECT_NE(addresses[i], addresses[j]);
    }
}

namespace {

void* return_argument_times_ten(void* argument)
{
    return reinterpret_cast<void*>(reinterpret_cast<std::intptr_t>(argument) * 10);
}

void* exit_with_argument(void* argument)
{
    pthread_exit(reinterpret_cast<void*>(reinterpret_cast<std::intptr_t>(argument) + 7));
}

}

TEST(pthread_join_returns_thread_results)
{
    constexpr int kThreads = 16;
    pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; ++i) {
        void* (*body)(void*) = (i % 2) ? exit_with_argument : return_argument_times_ten;
        EXPECT_EQ(pthread_create(&threads[i], nullptr, body, reinterpret_cast<void*>(std::intptr_t(i))), 0);
    }
    for (int i = 0; i < kThreads; ++i) {
        void* result = nullptr;
        EXPECT_EQ(pthread_join(threads[i], &result), 0);
        std::intptr_t expected = (i % 2) ? i + 7 : i * 10;
        EXPECT_EQ(reinterpret_cast<std::intptr_t>(result), expected);
    }
}

TEST(create_and_join_200_threads_in_sequence)
{
    for (int i = 0; i < 200; ++i) {
        pthread_t thread;
        EXPECT_EQ(pthread_create(&thread, nullptr, return_argument_times_ten, reinterpret_cast<void*>(std::intptr_t(i))), 0);
        void* result = nullptr;
        EXPECT_EQ(pthread_join(thread, &result), 0);
        EXPECT_EQ(reinterpret_cast<std::intptr_t>(result), i * 10);
    }
}

TEST(threads_have_own_tid_and_share_pid)
{
    constexpr int kThreads = 4;
    pid_t main_tid = gettid();
    EXPECT_EQ(main_tid, getpid());
    pid_t tids[kThreads] = {};
    pid_t pids[kThreads] = {};
    pid_t ppids[kThreads] = {};
    std::vector<std::thread> threads;
    std::atomic<int> arrived { 0 };
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            tids[i] = gettid();
            pids[i] = getpid();
            ppids[i] = getppid();
            // All alive at once, so no tid can be reused.
            ++arrived;
            while (arrived.load() < kThreads)
                std::this_thread::yield();
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(pids[i], getpid());
        EXPECT_EQ(ppids[i], getppid());
        EXPECT_GT(tids[i], 0);
        EXPECT_NE(tids[i], main_tid);
        for (int j = i + 1; j < kThreads; ++j)
            EXPECT_NE(tids[i], tids[j]);
    }
}

namespace {

struct CloneRecord {
    long tid;
    long pid;
    std::atomic<int> done;
};

// Runs on a raw clone() thread without its own TLS: raw syscalls only (no
// errno, no libc state).
int record_ids(void* argument)
{
    auto* record = static_cast<CloneRecord*>(argument);
    record->tid = raw_syscall0(SYS_gettid);
    record->pid = raw_syscall0(SYS_getpid);
    record->done.store(1);
    return 0;
}

}

// clone() with the thread flags: gettid differs, getpid is the same, the
// tid lands in the parent's ptid (CLONE_PARENT_SETTID) and in ctid
// (CLONE_CHILD_SETTID), and ctid is cleared with a futex wake when the
// thread exits (CLONE_CHILD_CLEARTID), which is how pthread_join works.
TEST(clone_thread_flags_tid_pid_settid_cleartid)
{
    constexpr size_t kStack = 64 * 1024;
    void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    EXPECT(stack != MAP_FAILED);
    CloneRecord record {};
    static volatile pid_t ptid;
    static volatile pid_t ctid;
    ptid = 0;
    // Not 0, so "cleared" cannot be mistaken for "not started yet".
    ctid = -1;
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
        | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    int tid = clone(record_ids, static_cast<char*>(stack) + kStack, flags, &record,
        const_cast<pid_t*>(&ptid), nullptr, const_cast<pid_t*>(&ctid));
    EXPECT_GT(tid, 0);
    EXPECT_EQ(ptid, tid);
    // Wait for the kernel to clear ctid at the thread's exit (bounded: a
    // 5 s futex timeout per round, and ctid is re-checked each time).
    for (int round = 0; round < 50 && ctid != 0; ++round) {
        pid_t seen = ctid;
        if (seen == 0)
            break;
        timespec timeout { 0, 100 * 1000 * 1000 };
        syscall(SYS_futex, &ctid, FUTEX_WAIT, seen, &timeout, nullptr, 0);
    }
    EXPECT_EQ(ctid, 0);
    EXPECT_EQ(record.done.load(), 1);
    EXPECT_EQ(record.tid, tid);
    EXPECT_NE(record.tid, getpid());
    EXPECT_EQ(record.pid, getpid());
    munmap(stack, kStack);
}

namespace {

volatile int g_clone_vm_value;

int write_shared_value(void*)
{
    g_clone_vm_value = 77;
    return 3;
}

}

// CLONE_VM without CLONE_THREAD: a new process (own pid, waitable, exit
// status from the function's return) that shares the parent's memory.
TEST(clone_vm_process_shares_memory_and_is_waitable)
{
    constexpr size_t kStack = 64 * 1024;
    void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    EXPECT(stack != MAP_FAILED);
    g_clone_vm_value = 0;
    int pid = clone(write_shared_value, static_cast<char*>(stack) + kStack, CLONE_VM | SIGCHLD, nullptr);
    EXPECT_GT(pid, 0);
    EXPECT_NE(pid, getpid());
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 3);
    EXPECT_EQ(g_clone_vm_value, 77);
    munmap(stack, kStack);
}

TEST(clone_bad_flags_einval)
{
    // CLONE_THREAD requires CLONE_SIGHAND, which requires CLONE_VM.
    EXPECT_ERRNO(syscall(SYS_clone, CLONE_THREAD, nullptr, nullptr, nullptr, 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clone, CLONE_SIGHAND, nullptr, nullptr, nullptr, 0), EINVAL);
}

// Threads share the descriptor table (CLONE_FILES) and the working
// directory (CLONE_FS).
TEST(threads_share_descriptors_and_working_directory)
{
    char dir[] = "/tmp/gt_thread_XXXXXX";
    EXPECT(mkdtemp(dir) != nullptr);
    char old_cwd[4096];
    EXPECT(getcwd(old_cwd, sizeof(old_cwd)) != nullptr);
    int fd = -1;
    std::thread opener([&] {
        fd = open("/dev/null", O_WRONLY);
        if (chdir(dir) != 0)
            fd = -2;
    });
    opener.join();
    char cwd[4096];
    char* got = getcwd(cwd, sizeof(cwd));
    bool chdir_shared = got && strcmp(cwd, dir) == 0;
    EXPECT_EQ(chdir(old_cwd), 0);
    rmdir(dir);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, "x", 1), 1);
    EXPECT_EQ(close(fd), 0);
    EXPECT(chdir_shared);
    // And a descriptor closed by a thread is closed for all.
    int other = EXPECT_OK(open("/dev/null", O_RDONLY));
    std::thread closer([&] { close(other); });
    closer.join();
    EXPECT_ERRNO(close(other), EBADF);
}

TEST(exceptions_thrown_and_caught_in_threads)
{
    constexpr int kThreads = 4;
    std::atomic<int> caught { 0 };
    std::exception_ptr forwarded;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            try {
                throw std::runtime_error("thread " + std::to_string(i));
            } catch (std::runtime_error const& error) {
                if (std::string(error.what()) == "thread " + std::to_string(i))
                    ++caught;
            }
        });
    }
    std::thread forwarder([&] {
        try {
            throw std::logic_error("forwarded");
        } catch (...) {
            forwarded = std::current_exception();
        }
    });
    for (auto& thread : threads)
        thread.join();
    forwarder.join();
    EXPECT_EQ(caught.load(), kThreads);
    bool rethrown = false;
    try {
        std::rethrow_exception(forwarded);
    } catch (std::logic_error const& error) {
        rethrown = strcmp(error.what(), "forwarded") == 0;
    }
    EXPECT(rethrown);
}

TEST(detached_threads_run_to_completion)
{
    constexpr int kThreads = 8;
    std::atomic<int> finished { 0 };
    for (int i = 0; i < kThreads; ++i)
        std::thread([&] { ++finished; }).detach();
    for (int spins = 0; spins < 5000 && finished.load() < kThreads; ++spins) {
        timespec ts { 0, 1000 * 1000 };
        nanosleep(&ts, nullptr);
    }
    EXPECT_EQ(finished.load(), kThreads);
}

// In a child process: the main thread's clear-child-tid address is then
// left pointing at `scratch`, which matters to nobody there.
TEST(set_tid_address_returns_tid)
{
    int status = guest_test::in_child([] {
        static int scratch;
        EXPECT_EQ(syscall(SYS_set_tid_address, &scratch), gettid());
    });
    EXPECT_EXITED(status, 0);
}

int main()
{
    return guest_test::run_tests();
}
