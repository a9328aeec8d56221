/* The guest test protocol (docs/TESTING.md, guest_test.h) in C, for the
 * musl-gcc -static programs (*_musl_test.c): "[TEST] name", then "[OK]
 * name" or "[KO] name: why"; run_tests() returns the number that failed.
 *
 *   TEST(fork_returns_twice) { ... EXPECT_EQ(WEXITSTATUS(status), 3); }
 *   int main(void) { return run_tests(); }
 *
 * Tests register themselves from constructors, in source order. */
#ifndef GUEST_TEST_C_H
#define GUEST_TEST_C_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct gt_test {
    const char* name;
    void (*body)(void);
    struct gt_test* next;
};

static struct gt_test* gt_head;
static struct gt_test** gt_tail = &gt_head;
static int gt_failed;
static char gt_reason[512];

static void gt_register(struct gt_test* test)
{
    *gt_tail = test;
    gt_tail = &test->next;
}

static void gt_fail(const char* file, int line, const char* what)
{
    const char* base;
    if (gt_failed)
        return;
    gt_failed = 1;
    base = strrchr(file, '/');
    snprintf(gt_reason, sizeof(gt_reason), "%s:%d: %s", base ? base + 1 : file, line, what);
}

static int run_tests(void)
{
    int failures = 0;
    struct gt_test* test;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (test = gt_head; test; test = test->next) {
        printf("[TEST] %s\n", test->name);
        fflush(stdout);
        gt_failed = 0;
        test->body();
        if (gt_failed) {
            printf("[KO] %s: %s\n", test->name, gt_reason);
            ++failures;
        } else {
            printf("[OK] %s\n", test->name);
        }
        fflush(stdout);
    }
    return failures;
}

#define TEST(test_name)                                                                  \
    static void test_body_##test_name(void);                                            \
    static struct gt_test test_entry_##test_name = { #test_name, test_body_##test_name, 0 }; \
    __attribute__((constructor)) static void test_register_##test_name(void)             \
    {                                                                                   \
        gt_register(&test_entry_##test_name);                                           \
    }                                                                                   \
    static void test_body_##test_name(void)

#define EXPECT(condition)                                                               \
    do {                                                                                \
        if (!(condition)) {                                                             \
            gt_fail(__FILE__, __LINE__, "EXPECT(" #condition ")");                      \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define EXPECT_EQ(actual, expected)                                                     \
    do {                                                                                \
        long long gt_a = (long long)(actual);                                           \
        long long gt_e = (long long)(expected);                                         \
        if (gt_a != gt_e) {                                                             \
            char gt_what[300];                                                          \
            snprintf(gt_what, sizeof(gt_what), "%.120s == %lld, expected %lld", #actual, gt_a, gt_e); \
            gt_fail(__FILE__, __LINE__, gt_what);                                       \
            return;                                                                     \
        }                                                                               \
    } while (0)

/* A system call that must fail with `error` (checks the -1 and errno). */
#define EXPECT_ERRNO(call, error)                                                       \
    do {                                                                                \
        long gt_r;                                                                      \
        int gt_e;                                                                       \
        errno = 0;                                                                      \
        gt_r = (long)(call);                                                            \
        gt_e = errno;                                                                   \
        if (gt_r != -1 || gt_e != (error)) {                                            \
            char gt_what[400];                                                          \
            snprintf(gt_what, sizeof(gt_what), "%.120s returned %ld errno %d (%s), expected errno %d (%s)", \
                #call, gt_r, gt_e, strerror(gt_e), (int)(error), strerror(error));      \
            gt_fail(__FILE__, __LINE__, gt_what);                                       \
            return;                                                                     \
        }                                                                               \
    } while (0)

/* A system call that must succeed (not return -1). */
#define EXPECT_OK(call)                                                                 \
    do {                                                                                \
        errno = 0;                                                                      \
        if ((long)(call) == -1) {                                                       \
            char gt_what[300];                                                          \
            int gt_e = errno;                                                           \
            snprintf(gt_what, sizeof(gt_what), "%.120s failed: errno %d (%s)", #call, gt_e, strerror(gt_e)); \
            gt_fail(__FILE__, __LINE__, gt_what);                                       \
            return;                                                                     \
        }                                                                               \
    } while (0)

#endif
