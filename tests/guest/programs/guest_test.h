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
// or musl-gcc -static and run unmodified on Linux too.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
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

inline char* reason()
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
    snprintf(reason(), 256, "%s:%d: %s", base ? base + 1 : file, line, what);
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
        test->body();
        if (failed_flag()) {
            printf("[KO] %s: %s\n", test->name, reason());
            ++failures;
        } else {
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
            char _what[160];                                                            \
            snprintf(_what, sizeof(_what), "%s == %lld, expected %lld", #actual, _a, _e); \
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
            char _what[160];                                                            \
            snprintf(_what, sizeof(_what), "%s returned %ld errno %d (%s), expected errno %d (%s)", \
                #call, _r, _e, strerror(_e), (int)(error), strerror(error));           \
            guest_test::fail(__FILE__, __LINE__, _what);                                \
            return;                                                                     \
        }                                                                               \
    } while (0)
