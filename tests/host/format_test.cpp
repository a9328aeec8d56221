// The kernel's printf-style formatter against the C library's behaviour.
#include <gtest/gtest.h>
#include <lib/format.h>
#include <stdio.h>
#include <string>

namespace {

template<typename... Args>
std::string kernel_format(const char* fmt, Args... args)
{
    char buffer[256];
    format(buffer, sizeof(buffer), fmt, args...);
    return buffer;
}

template<typename... Args>
std::string libc_format(const char* fmt, Args... args)
{
    char buffer[256];
    snprintf(buffer, sizeof(buffer), fmt, args...);
    return buffer;
}

#define EXPECT_SAME_AS_LIBC(...) EXPECT_EQ(kernel_format(__VA_ARGS__), libc_format(__VA_ARGS__))

TEST(Format, integers_match_libc)
{
    EXPECT_SAME_AS_LIBC("%d %i %u", 42, -7, 3000000000u);
    EXPECT_SAME_AS_LIBC("%ld %lu %lld", -1234567890123L, 18446744073709551615UL, -9223372036854775807LL - 1);
    EXPECT_SAME_AS_LIBC("%x %X %#x %#o %o", 0xbeef, 0xBEEF, 255, 8, 8);
    EXPECT_SAME_AS_LIBC("%hhd %hd %zu", 300, 70000, (size_t)12);
}

TEST(Format, width_precision_and_flags_match_libc)
{
    EXPECT_SAME_AS_LIBC("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
    EXPECT_SAME_AS_LIBC("[%8.3d] [%-8x] [%016lx]", 7, 0xab, 0xdeadbeefUL);
    EXPECT_SAME_AS_LIBC("[%.2s] [%10s] [%-10s]", "hello", "right", "left");
    EXPECT_SAME_AS_LIBC("[%*d] [%-*d] [%.*s]", 6, 1, 6, 2, 3, "abcdef");
    EXPECT_SAME_AS_LIBC("[%05d] [%-05d] [%+05d]", -42, -42, 42);
    EXPECT_SAME_AS_LIBC("%c%c%%", 'o', 'k');
    EXPECT_SAME_AS_LIBC("[%.0d] [%5.0d]", 0, 0);
}

TEST(Format, pointers_are_hex_with_prefix)
{
    EXPECT_EQ(kernel_format("%p", (void*)0xffffffff80001000ULL), "0xffffffff80001000");
}

TEST(Format, null_string_prints_null)
{
    EXPECT_EQ(kernel_format("%s", (const char*)nullptr), "(null)");
}

TEST(Format, truncates_and_reports_full_length)
{
    char buffer[8];
    size_t n = format(buffer, sizeof(buffer), "%s", "0123456789");
    EXPECT_EQ(n, 10u);
    EXPECT_STREQ(buffer, "0123456");
    char tiny[1] = { 'x' };
    EXPECT_EQ(format(tiny, 1, "abc"), 3u);
    EXPECT_EQ(tiny[0], 0);
}

}
