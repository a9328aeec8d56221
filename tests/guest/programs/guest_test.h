// The guest test protocol for user programs that run inside Haneul
// (docs/TESTING.md): each TEST prints "[TEST] name", then "[OK] name" or
// "[KO] name: why". /tests/runner runs every test program, relays these
// lines to the console and prints the closing "N passed, M failed".
//
//   TEST(fork_child_sees_parent_memory) {
//       int x = 42; pid_t pid = fork(); ...
//       EXPECT_EQ(WEXITSTATUS(status), 0);
//   }
//   int main() { return run_tests(); }
//
// Ordinary hosted C++20: these programs are built with g++ -static (glibc)
// and run unmodified on Linux too; guest_test_c.h is the same protocol in C
// for the musl-gcc -static programs (*_musl_test.c).
//
// Besides EXPECT, EXPECT_EQ and EXPECT_ERRNO: EXPECT_NE/LT/LE/GT/GE,
// EXPECT_STREQ, EXPECT_OK(call) (evaluates to the call's result, fails on
// -1 with errno), EXPECT_EXITED/EXPECT_SIGNALED on a wait status,
// guest_test::in_child(lambda) to run a body in a forked child, and
// SKIP(why) for a test that cannot run here.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace guest_test {

struct Test {
    const char* name;
    void (*body)();
    Test* next;
};

inline Test*& registry()
{
    static Test* head = nullptr;
    return head;
}

inline bool& failed_flag()
{
    static bool failed = false;
    return failed;
}

constexpr int kReasonSize = 512;

inline char* reason()
{
    static char text[kReasonSize];
    return text;
}

// A test that cannot run here (not root, no /bin/sh, ...) says why with
// SKIP(); it then reports "[SKIP] name: why" followed by "[OK] name", so
// that harnesses that only know OK/KO see it finish, while the runner
// counts it as skipped, never as passed.
inline char* skip_reason()
{
    static char text[256];
    return text;
}

struct Registrar {
    Registrar(Test* test)
    {
        // Keep declaration order: append at the tail.
        Test** slot = &registry();
        while (*slot)
            slot = &(*slot)->next;
        *slot = test;
    }
};

inline void fail(const char* file, int line, const char* what)
{
    if (failed_flag())
        return;
    failed_flag() = true;
    const char* base = strrchr(file, '/');
    snprintf(reason(), kReasonSize, "%s:%d: %s", base ? base + 1 : file, line, what);
}

inline void skip(const char* why)
{
    snprintf(skip_reason(), 256, "%s", why);
}

// Runs `body` in a forked child that then exits 0 (or 1 when an EXPECT in
// it failed); returns the child's wait status. A child's failed EXPECT is
// passed up through a pipe and becomes this test's failure reason, so
//   int status = guest_test::in_child([&] { EXPECT_EQ(getppid(), parent); });
//   EXPECT_EXITED(status, 0);
// reports the child's own file:line.
template<typename Body>
int in_child(Body body)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fail(__FILE__, __LINE__, "in_child: pipe2 failed");
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        fail(__FILE__, __LINE__, "in_child: fork failed");
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        failed_flag() = false;
        body();
        if (failed_flag()) {
            ssize_t ignored = write(fds[1], reason(), strlen(reason()));
            (void)ignored;
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            close(fds[0]);
            fail(__FILE__, __LINE__, "in_child: waitpid failed");
            return -1;
        }
    }
    // Read after the wait, without blocking: a grandchild may still hold
    // the pipe's write end, and the reason (if any) is already in it.
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    char text[kReasonSize];
    ssize_t length = read(fds[0], text, sizeof(text) - 1);
    close(fds[0]);
    if (length < 0)
        length = 0;
    text[length] = 0;
    if (length) {
        // Keep the child's own "file:line: what" as the reason.
        if (!failed_flag()) {
            failed_flag() = true;
            snprintf(reason(), kReasonSize, "in child: %.480s", text);
        }
    }
    return status;
}

inline bool streq_or_fail(const char* file, int line, const char* text, const char* actual, const char* expected)
{
    if (actual && expected && strcmp(actual, expected) == 0)
        return true;
    char what[300];
    snprintf(what, sizeof(what), "%.100s == \"%.80s\", expected \"%.80s\"", text, actual ? actual : "(null)",
        expected ? expected : "(null)");
    fail(file, line, what);
    return false;
}

// A pointer the compiler cannot see through, for the deliberately bad
// addresses that EFAULT tests pass to the kernel:
//   read(fd, guest_test::bad_pointer<void>(1), 10)
template<typename T = void>
inline T* bad_pointer(unsigned long address)
{
    asm volatile("" : "+r"(address));
    return reinterpret_cast<T*>(address);
}

// Values the compiler cannot constant-fold (e.g. a negative count).
template<typename T>
inline T opaque(T value)
{
    asm volatile("" : "+r"(value));
    return value;
}

// "exited with 3", "killed by signal 11 (Segmentation fault)": for messages.
inline const char* describe_status(int status)
{
    static char text[96];
    if (WIFEXITED(status))
        snprintf(text, sizeof(text), "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof(text), "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(text, sizeof(text), "wait status 0x%x", status);
    return text;
}

// Runs every test in this program; returns the number that failed.
inline int run_tests()
{
    int failures = 0;
    setvbuf(stdout, nullptr, _IOLBF, 0);
    for (Test* test = registry(); test; test = test->next) {
        printf("[TEST] %s\n", test->name);
        fflush(stdout);
        failed_flag() = false;
        skip_reason()[0] = 0;
        test->body();
        if (failed_flag()) {
            printf("[KO] %s: %s\n", test->name, reason());
            ++failures;
        } else {
            if (skip_reason()[0])
                printf("[SKIP] %s: %s\n", test->name, skip_reason());
            printf("[OK] %s\n", test->name);
        }
        fflush(stdout);
    }
    return failures;
}

}

#define TEST(test_name)                                                                            \
    static void test_body_##test_name();                                                          \
    static guest_test::Test test_entry_##test_name { #test_name, test_body_##test_name, nullptr }; \
    static guest_test::Registrar test_registrar_##test_name { &test_entry_##test_name };          \
    static void test_body_##test_name()

#define GT_STRINGIFY2(x) #x
#define GT_STRINGIFY(x) GT_STRINGIFY2(x)

#define EXPECT(condition)                                                               \
    do {                                                                                \
        if (!(condition)) {                                                             \
            guest_test::fail(__FILE__, __LINE__, "EXPECT(" #condition ")");             \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define EXPECT_EQ(actual, expected)                                                     \
    do {                                                                                \
        long long _a = (long long)(actual);                                             \
        long long _e = (long long)(expected);                                           \
        if (_a != _e) {                                                                 \
            char _what[200];                                                            \
            snprintf(_what, sizeof(_what), "%.120s == %lld, expected %lld", #actual, _a, _e); \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)

// A system call that must fail with `error` (checks the -1 and errno).
#define EXPECT_ERRNO(call, error)                                                       \
    do {                                                                                \
        errno = 0;                                                                      \
        long _r = (long)(call);                                                         \
        int _e = errno;                                                                 \
        if (_r != -1 || _e != (error)) {                                                \
            char _what[400];                                                            \
            snprintf(_what, sizeof(_what), "%.120s returned %ld errno %d (%s), expected errno %d (%s)", \
                #call, _r, _e, strerror(_e), (int)(error), strerror(error));           \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define GT_COMPARE(actual, op, expected)                                                \
    do {                                                                                \
        long long _a = (long long)(actual);                                             \
        long long _e = (long long)(expected);                                           \
        if (!(_a op _e)) {                                                              \
            char _what[200];                                                            \
            snprintf(_what, sizeof(_what), "%.120s == %lld, expected " #op " %lld", #actual, _a, _e); \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define EXPECT_NE(actual, expected) GT_COMPARE(actual, !=, expected)
#define EXPECT_LT(actual, expected) GT_COMPARE(actual, <, expected)
#define EXPECT_LE(actual, expected) GT_COMPARE(actual, <=, expected)
#define EXPECT_GT(actual, expected) GT_COMPARE(actual, >, expected)
#define EXPECT_GE(actual, expected) GT_COMPARE(actual, >=, expected)

// One call, so that temporaries such as (path + "/x").c_str() live until
// the comparison is done.
#define EXPECT_STREQ(actual, expected)                                                  \
    do {                                                                                \
        if (!guest_test::streq_or_fail(__FILE__, __LINE__, #actual, (actual), (expected))) \
            return;                                                                     \
    } while (0)

// A system call that must succeed: evaluates to its result, or fails the
// test with errno when it returns -1.
#define EXPECT_OK(call)                                                                 \
    ({                                                                                  \
        errno = 0;                                                                      \
        auto _r = (call);                                                               \
        if ((long)_r == -1) {                                                           \
            int _e = errno;                                                             \
            char _what[300];                                                            \
            snprintf(_what, sizeof(_what), "%.120s failed: errno %d (%s)", #call, _e, strerror(_e)); \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
        _r;                                                                             \
    })

// Wait statuses: exited normally with `code`, or killed by signal `sig`.
#define EXPECT_EXITED(status, code)                                                     \
    do {                                                                                \
        int _s = (status);                                                              \
        if (guest_test::failed_flag())                                                  \
            return;                                                                     \
        if (!WIFEXITED(_s) || WEXITSTATUS(_s) != (code)) {                              \
            char _what[300];                                                            \
            snprintf(_what, sizeof(_what), "child %s, expected exit %d",                \
                guest_test::describe_status(_s), (int)(code));                          \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define EXPECT_SIGNALED(status, sig)                                                    \
    do {                                                                                \
        int _s = (status);                                                              \
        if (guest_test::failed_flag())                                                  \
            return;                                                                     \
        if (!WIFSIGNALED(_s) || WTERMSIG(_s) != (sig)) {                                \
            char _what[300];                                                            \
            snprintf(_what, sizeof(_what), "child %s, expected death by signal %d (%s)", \
                guest_test::describe_status(_s), (int)(sig), strsignal(sig));           \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)

// The test cannot run here; say why and stop it (see skip_reason()).
#define SKIP(why)                                                                       \
    do {                                                                                \
        guest_test::skip(why);                                                          \
        return;                                                                         \
    } while (0)
