// /tests/bin/process_test: the process calls of issue 4 (CONCEPTS C2, C5,
// C6, C7): fork with copy-on-write, vfork, wait4/waitpid/waitid, exit
// status encoding, getpid/getppid/gettid, orphans re-parented to PID 1,
// zombies in /proc until waited, execve errors, exit_group from a thread,
// and RLIMIT_NPROC.
#include "guest_test.h"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <pthread.h>
#include <set>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

namespace {

// A page of its own in .bss, so the copy-on-write tests touch exactly one page.
alignas(4096) volatile int g_page[1024];
volatile int g_vfork_shared;

long now_ms()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sleep_ms(long ms)
{
    timespec ts { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

bool write_byte(int fd, char c) { return write(fd, &c, 1) == 1; }

bool read_byte(int fd, char* c)
{
    for (;;) {
        ssize_t n = read(fd, c, 1);
        if (n == 1)
            return true;
        if (n < 0 && errno == EINTR)
            continue;
        return false;
    }
}

// The state letter of /proc/<pid>/stat ("pid (comm) S ..."), 0 if unreadable.
char proc_state(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    char text[512];
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = 0;
    char* paren = strrchr(text, ')');
    if (!paren || paren[1] != ' ')
        return 0;
    return paren[2];
}

}

TEST(getpid_getppid_gettid_agree)
{
    pid_t pid = getpid();
    EXPECT_GT(pid, 0);
    EXPECT_EQ(syscall(SYS_getpid), pid);
    // The main thread's thread id is the process id.
    EXPECT_EQ(syscall(SYS_gettid), pid);
    EXPECT_GT(getppid(), 0);
    EXPECT_NE(getppid(), pid);
    int status = guest_test::in_child([&] {
        EXPECT_EQ(getppid(), pid);
        EXPECT_NE(getpid(), pid);
        EXPECT_EQ(syscall(SYS_gettid), getpid());
    });
    EXPECT_EXITED(status, 0);
}

TEST(fork_returns_child_pid_to_parent_and_zero_to_child)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        pid_t self = getpid();
        ssize_t ignored = write(fds[1], &self, sizeof(self));
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    pid_t reported = 0;
    EXPECT_EQ(read(fds[0], &reported, sizeof(reported)), (long)sizeof(reported));
    close(fds[0]);
    EXPECT_EQ(reported, pid);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
}

TEST(fork_child_sees_parent_memory)
{
    int on_stack = 1234;
    int* on_heap = static_cast<int*>(malloc(sizeof(int)));
    *on_heap = 5678;
    g_page[7] = 91011;
    int status = guest_test::in_child([&] {
        EXPECT_EQ(on_stack, 1234);
        EXPECT_EQ(*on_heap, 5678);
        EXPECT_EQ(g_page[7], 91011);
    });
    free(on_heap);
    EXPECT_EXITED(status, 0);
}

// Parent and child write the same page after fork; each must see its own
// value (CONCEPTS C8 copy-on-write). The pipes order the writes so that
// each side checks after the other has written.
TEST(fork_copy_on_write_parent_and_child_see_own_values)
{
    int to_parent[2], to_child[2];
    EXPECT_OK(pipe(to_parent));
    EXPECT_OK(pipe(to_child));
    g_page[0] = 1;
    int* heap = static_cast<int*>(malloc(64 * 1024));
    heap[0] = 1;
    heap[16 * 1024 - 1] = 1;
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        g_page[0] = 2;
        heap[0] = 2;
        heap[16 * 1024 - 1] = 2;
        char c;
        write_byte(to_parent[1], 'w');
        if (!read_byte(to_child[0], &c))
            _exit(10);
        // The parent has written 3 by now; the child must still see 2.
        if (g_page[0] != 2)
            _exit(11);
        if (heap[0] != 2 || heap[16 * 1024 - 1] != 2)
            _exit(12);
        _exit(0);
    }
    char c;
    EXPECT(read_byte(to_parent[0], &c));
    EXPECT_EQ(g_page[0], 1);
    EXPECT_EQ(heap[0], 1);
    EXPECT_EQ(heap[16 * 1024 - 1], 1);
    g_page[0] = 3;
    heap[0] = 3;
    EXPECT(write_byte(to_child[1], 'w'));
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(g_page[0], 3);
    EXPECT_EQ(heap[0], 3);
    free(heap);
    for (int fd : { to_parent[0], to_parent[1], to_child[0], to_child[1] })
        close(fd);
}

TEST(fork_1000_sequential_children_each_reaped)
{
    for (int i = 0; i < 1000; ++i) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(i & 0xff);
        EXPECT_GT(pid, 0);
        int status = 0;
        EXPECT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), i & 0xff);
    }
    EXPECT_ERRNO(wait(nullptr), ECHILD);
}

// 200 children alive at once (each blocks on a pipe until the parent closes
// it), then all reaped by wait(): every pid comes back exactly once.
TEST(fork_200_concurrent_children_all_reaped)
{
    constexpr int kChildren = 200;
    int gate[2];
    EXPECT_OK(pipe(gate));
    std::set<pid_t> pids;
    for (int i = 0; i < kChildren; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            close(gate[1]);
            char c;
            // EOF when the parent closes its end: all children then exit.
            ssize_t n = read(gate[0], &c, 1);
            _exit(n == 0 ? (i % 100) : 200);
        }
        if (pid < 0) {
            close(gate[1]);
            while (wait(nullptr) > 0) { }
            EXPECT_GT(pid, 0);
        }
        pids.insert(pid);
    }
    close(gate[0]);
    EXPECT_EQ(pids.size(), (size_t)kChildren);
    // None may have exited yet.
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), 0);
    close(gate[1]);
    int reaped = 0;
    for (int i = 0; i < kChildren; ++i) {
        int status = 0;
        pid_t pid = wait(&status);
        if (pid < 0)
            break;
        EXPECT_EQ(pids.count(pid), 1);
        pids.erase(pid);
        EXPECT(WIFEXITED(status));
        EXPECT_LT(WEXITSTATUS(status), 100);
        ++reaped;
    }
    EXPECT_EQ(reaped, kChildren);
    EXPECT_ERRNO(wait(nullptr), ECHILD);
}

TEST(waitpid_wnohang_returns_zero_while_child_runs)
{
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        close(gate[1]);
        char c;
        ssize_t ignored = read(gate[0], &c, 1);
        (void)ignored;
        _exit(42);
    }
    close(gate[0]);
    int status = -1;
    EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), 0);
    rusage usage {};
    EXPECT_EQ(wait4(pid, &status, WNOHANG, &usage), 0);
    close(gate[1]);
    EXPECT_EQ(wait4(pid, &status, 0, &usage), pid);
    EXPECT_EXITED(status, 42);
    // Reaped: it is gone.
    EXPECT_ERRNO(waitpid(pid, &status, WNOHANG), ECHILD);
    EXPECT_ERRNO(waitpid(pid, &status, 0), ECHILD);
}

TEST(wait_errors_echild_and_einval)
{
    EXPECT_ERRNO(waitpid(-1, nullptr, 0), ECHILD);
    EXPECT_ERRNO(waitpid(-1, nullptr, WNOHANG), ECHILD);
    // PID 1 exists but is not our child.
    EXPECT_ERRNO(waitpid(1, nullptr, 0), ECHILD);
    EXPECT_ERRNO(waitpid(-1, nullptr, 0x1000 /* no such option */), EINVAL);
    EXPECT_ERRNO(wait4(-1, nullptr, 0, nullptr), ECHILD);
}

TEST(waitid_wexited_wnohang_and_wnowait)
{
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        close(gate[1]);
        char c;
        ssize_t ignored = read(gate[0], &c, 1);
        (void)ignored;
        _exit(7);
    }
    close(gate[0]);
    siginfo_t info;
    memset(&info, 0xff, sizeof(info));
    // Nothing to report yet: 0, and si_pid zeroed by the kernel.
    EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED | WNOHANG), 0);
    EXPECT_EQ(info.si_pid, 0);
    close(gate[1]);
    // WNOWAIT leaves it waitable.
    memset(&info, 0, sizeof(info));
    EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
    EXPECT_EQ(info.si_pid, pid);
    EXPECT_EQ(info.si_signo, SIGCHLD);
    EXPECT_EQ(info.si_code, CLD_EXITED);
    EXPECT_EQ(info.si_status, 7);
    EXPECT_EQ(info.si_uid, getuid());
    memset(&info, 0, sizeof(info));
    EXPECT_EQ(waitid(P_ALL, 0, &info, WEXITED), 0);
    EXPECT_EQ(info.si_pid, pid);
    EXPECT_EQ(info.si_code, CLD_EXITED);
    EXPECT_EQ(info.si_status, 7);
    EXPECT_ERRNO(waitid(P_PID, pid, &info, WEXITED), ECHILD);
    // No state to wait for given: EINVAL.
    EXPECT_ERRNO(waitid(P_ALL, 0, &info, 0), EINVAL);
    EXPECT_ERRNO(waitid(P_ALL, 0, &info, WEXITED), ECHILD);
}

TEST(exit_status_encoding)
{
    struct Case {
        int code;
        int expected;
    };
    for (Case c : { Case { 0, 0 }, Case { 1, 1 }, Case { 42, 42 }, Case { 255, 255 }, Case { 256, 0 }, Case { 257, 1 }, Case { -1, 255 } }) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(c.code);
        EXPECT_GT(pid, 0);
        int status = 0;
        EXPECT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT(WIFEXITED(status));
        EXPECT(!WIFSIGNALED(status));
        EXPECT_EQ(WEXITSTATUS(status), c.expected);
        // The raw encoding: exit code in bits 8-15, low byte zero.
        EXPECT_EQ(status, c.expected << 8);
    }
    // exit_group(2) directly and exit(3) from main's only thread.
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0)
        syscall(SYS_exit_group, 3);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 3);
    pid = EXPECT_OK(fork());
    if (pid == 0)
        syscall(SYS_exit, 4);
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 4);
}

TEST(exit_status_of_child_killed_by_sigkill)
{
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_SIGNALED(status, SIGKILL);
    EXPECT_EQ(status & 0x7f, SIGKILL);
    EXPECT(!WIFEXITED(status));
}

// The grandchild outlives its parent and must be re-parented to PID 1
// (CONCEPTS C7); it reports getppid() through a pipe.
TEST(orphan_is_adopted_by_init)
{
    int report[2];
    EXPECT_OK(pipe(report));
    pid_t child = EXPECT_OK(fork());
    if (child == 0) {
        close(report[0]);
        pid_t grandchild = fork();
        if (grandchild < 0)
            _exit(2);
        if (grandchild == 0) {
            pid_t first_parent = getppid();
            // Wait (bounded) for the parent to exit.
            long deadline = now_ms() + 5000;
            while (getppid() == first_parent && now_ms() < deadline)
                sleep_ms(1);
            pid_t adopted_by = getppid();
            ssize_t ignored = write(report[1], &adopted_by, sizeof(adopted_by));
            (void)ignored;
            _exit(0);
        }
        _exit(0);
    }
    close(report[1]);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    pid_t adopted_by = -1;
    EXPECT_EQ(read(report[0], &adopted_by, sizeof(adopted_by)), (long)sizeof(adopted_by));
    close(report[0]);
    EXPECT_EQ(adopted_by, 1);
}

// An exited child stays a zombie ("Z" in /proc/<pid>/stat) until waited,
// then disappears from /proc (CONCEPTS C5, C9).
TEST(zombie_visible_in_proc_until_waited)
{
    if (access("/proc/self/stat", R_OK) != 0)
        SKIP("/proc is not mounted");
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0)
        _exit(5);
    char state = 0;
    long deadline = now_ms() + 5000;
    while ((state = proc_state(pid)) != 'Z' && now_ms() < deadline)
        sleep_ms(1);
    EXPECT_EQ(state, 'Z');
    // Still a zombie a while later: nothing reaps it but us.
    sleep_ms(20);
    EXPECT_EQ(proc_state(pid), 'Z');
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 5);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    EXPECT_ERRNO(open(path, O_RDONLY), ENOENT);
}

TEST(running_child_is_not_a_zombie_in_proc)
{
    if (access("/proc/self/stat", R_OK) != 0)
        SKIP("/proc is not mounted");
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        close(gate[1]);
        char c;
        ssize_t ignored = read(gate[0], &c, 1);
        (void)ignored;
        _exit(0);
    }
    close(gate[0]);
    char state = proc_state(pid);
    close(gate[1]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT(state == 'R' || state == 'S');
    EXPECT_EQ(proc_state(getpid()), 'R');
}

TEST(execve_missing_file_enoent_and_caller_lives)
{
    char* argv[] = { const_cast<char*>("missing"), nullptr };
    char* envp[] = { nullptr };
    EXPECT_ERRNO(execve("/nonexistent/program", argv, envp), ENOENT);
    EXPECT_ERRNO(execve("/tmp/no-such-program-here", argv, envp), ENOENT);
    EXPECT_ERRNO(execve("", argv, envp), ENOENT);
    // Still here, still able to fork.
    int status = guest_test::in_child([] { });
    EXPECT_EXITED(status, 0);
}

TEST(execve_non_executable_eacces_and_garbage_enoexec)
{
    char dir[] = "/tmp/gt_process_XXXXXX";
    EXPECT(mkdtemp(dir) != nullptr);
    char plain[128], garbage[128];
    snprintf(plain, sizeof(plain), "%s/plain", dir);
    snprintf(garbage, sizeof(garbage), "%s/garbage", dir);
    const char text[] = "this is not a program\n";
    int fd = EXPECT_OK(open(plain, O_CREAT | O_WRONLY | O_TRUNC, 0644));
    EXPECT_EQ(write(fd, text, sizeof(text) - 1), (long)sizeof(text) - 1);
    close(fd);
    fd = EXPECT_OK(open(garbage, O_CREAT | O_WRONLY | O_TRUNC, 0755));
    EXPECT_EQ(write(fd, text, sizeof(text) - 1), (long)sizeof(text) - 1);
    close(fd);
    char* argv[] = { plain, nullptr };
    char* envp[] = { nullptr };
    // No execute bit: EACCES even for root.
    errno = 0;
    int plain_result = execve(plain, argv, envp);
    int plain_errno = errno;
    // Executable but neither ELF nor "#!": ENOEXEC.
    errno = 0;
    int garbage_result = execve(garbage, argv, envp);
    int garbage_errno = errno;
    // A directory: EACCES.
    errno = 0;
    int dir_result = execve(dir, argv, envp);
    int dir_errno = errno;
    unlink(plain);
    unlink(garbage);
    rmdir(dir);
    EXPECT_EQ(plain_result, -1);
    EXPECT_EQ(plain_errno, EACCES);
    EXPECT_EQ(garbage_result, -1);
    EXPECT_EQ(garbage_errno, ENOEXEC);
    EXPECT_EQ(dir_result, -1);
    EXPECT_EQ(dir_errno, EACCES);
}

// vfork: the child borrows the parent's memory and the parent waits until
// the child exits (or execs).
TEST(vfork_shares_memory_and_parent_waits)
{
    g_vfork_shared = 0;
    pid_t parent = getpid();
    pid_t pid = vfork();
    if (pid == 0) {
        g_vfork_shared = (getppid() == parent) ? 42 : 41;
        _exit(9);
    }
    EXPECT_GT(pid, 0);
    // The child has already run to _exit.
    EXPECT_EQ(g_vfork_shared, 42);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 9);
}

TEST(vfork_then_failed_execve_returns_to_child)
{
    g_vfork_shared = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        char* argv[] = { const_cast<char*>("x"), nullptr };
        char* envp[] = { nullptr };
        execve("/nonexistent/program", argv, envp);
        g_vfork_shared = errno;
        _exit(127);
    }
    EXPECT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 127);
    EXPECT_EQ(g_vfork_shared, ENOENT);
}

namespace {

void* call_exit_group(void*)
{
    syscall(SYS_exit_group, 5);
    return nullptr;
}

}

// exit_group from a non-main thread ends every thread of the process:
// here the main thread is blocked in read() on a pipe nobody writes.
TEST(exit_group_from_thread_ends_blocked_main_thread)
{
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        int never[2];
        if (pipe(never) != 0)
            _exit(20);
        pthread_t thread;
        if (pthread_create(&thread, nullptr, call_exit_group, nullptr) != 0)
            _exit(21);
        char c;
        ssize_t ignored = read(never[0], &c, 1);
        (void)ignored;
        _exit(22);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 5);
}

// The same with the main thread running (spinning) instead of blocked; it
// gives up after 5 s with a distinct status instead of hanging the run.
TEST(exit_group_from_thread_ends_running_main_thread)
{
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        pthread_t thread;
        if (pthread_create(&thread, nullptr, call_exit_group, nullptr) != 0)
            _exit(21);
        long deadline = now_ms() + 5000;
        while (now_ms() < deadline) { }
        _exit(23);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 5);
}

// Exiting the main thread alone (SYS_exit) leaves the process running
// until its last thread exits; the exit status is the last exit_group's.
namespace {

void* exit_group_later(void*)
{
    struct timespec ts { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, nullptr);
    syscall(SYS_exit_group, 6);
    return nullptr;
}

}

TEST(main_thread_exit_leaves_other_threads_running)
{
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        pthread_t thread;
        if (pthread_create(&thread, nullptr, exit_group_later, nullptr) != 0)
            _exit(21);
        syscall(SYS_exit, 0);
        _exit(22);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 6);
}

// RLIMIT_NPROC caps the processes of a (non-root) user: with the limit at
// 2, a user-1000 process can fork once; the next fork fails with EAGAIN.
TEST(rlimit_nproc_fork_fails_with_eagain)
{
    if (geteuid() != 0)
        SKIP("needs root to become user 1000 (root ignores RLIMIT_NPROC)");
    int status = guest_test::in_child([] {
        rlimit limit { 2, 2 };
        EXPECT_OK(setrlimit(RLIMIT_NPROC, &limit));
        EXPECT_OK(setgid(1000));
        EXPECT_OK(setuid(1000));
        EXPECT_EQ(getuid(), 1000);
        int gate[2];
        EXPECT_OK(pipe(gate));
        pid_t first = fork();
        if (first == 0) {
            close(gate[1]);
            char c;
            ssize_t ignored = read(gate[0], &c, 1);
            (void)ignored;
            _exit(0);
        }
        EXPECT_GT(first, 0);
        errno = 0;
        pid_t second = fork();
        if (second == 0)
            _exit(0);
        int fork_errno = errno;
        close(gate[1]);
        waitpid(first, nullptr, 0);
        if (second > 0)
            waitpid(second, nullptr, 0);
        EXPECT_EQ(second, -1);
        EXPECT_EQ(fork_errno, EAGAIN);
        // With the first child gone there is room again.
        pid_t third = fork();
        if (third == 0)
            _exit(0);
        EXPECT_GT(third, 0);
        int third_status = 0;
        EXPECT_EQ(waitpid(third, &third_status, 0), third);
        EXPECT_EXITED(third_status, 0);
    });
    EXPECT_EXITED(status, 0);
}

TEST(getrlimit_nproc_and_errors)
{
    rlimit limit {};
    EXPECT_OK(getrlimit(RLIMIT_NPROC, &limit));
    EXPECT_LE(limit.rlim_cur, limit.rlim_max);
    EXPECT_ERRNO(syscall(SYS_prlimit64, 0, 1000, nullptr, &limit), EINVAL);
    int status = guest_test::in_child([] {
        rlimit limit {};
        EXPECT_OK(getrlimit(RLIMIT_NPROC, &limit));
        // Soft above hard: EINVAL.
        rlimit bad { 10, 5 };
        EXPECT_ERRNO(setrlimit(RLIMIT_NPROC, &bad), EINVAL);
    });
    EXPECT_EXITED(status, 0);
}

int main()
{
    return guest_test::run_tests();
}
