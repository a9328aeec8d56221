// StringView (kernel/lib/string_view.h): comparison, searching, slicing,
// splitting and the number parsers the command line and procfs rely on.
#include <gtest/gtest.h>
#include <lib/string_view.h>
#include <ostream>
#include <string>
#include <vector>

// So GoogleTest prints views in failure messages.
static void PrintTo(StringView view, std::ostream* out)
{
    *out << '"' << std::string(view.characters_without_null_termination(), view.length()) << '"';
}

namespace {

std::vector<std::string> pieces(StringView text, char separator, StringView::SplitBehavior behavior = StringView::SplitBehavior::DiscardEmpty)
{
    std::vector<std::string> out;
    for (StringView piece : text.split(separator, behavior))
        out.emplace_back(piece.characters_without_null_termination(), piece.length());
    return out;
}

using Strings = std::vector<std::string>;

TEST(StringView, lengths_and_emptiness)
{
    EXPECT_EQ(StringView("hello").length(), 5u);
    EXPECT_TRUE(StringView("").is_empty());
    EXPECT_TRUE(StringView().is_empty());
    EXPECT_TRUE(StringView(nullptr).is_empty());
    StringView part("hello world", 5);
    EXPECT_EQ(part, "hello");
    EXPECT_EQ(part[4], 'o');
    static_assert(StringView("abc").length() == 3);
}

TEST(StringView, equality_is_by_content_not_pointer)
{
    char buffer[] = "init";
    EXPECT_EQ(StringView(buffer), StringView("init"));
    EXPECT_TRUE(StringView("init") == "init");
    EXPECT_TRUE("init" == StringView("init"));
    EXPECT_FALSE(StringView("init") == "ini");
    EXPECT_FALSE(StringView("ini") == "init");
    EXPECT_EQ(StringView(), StringView(""));
    static_assert(StringView("abc") == StringView("abc"));
}

TEST(StringView, compare_orders_like_strcmp)
{
    EXPECT_EQ(StringView("abc").compare("abc"), 0);
    EXPECT_LT(StringView("abc").compare("abd"), 0);
    EXPECT_GT(StringView("abd").compare("abc"), 0);
    EXPECT_LT(StringView("ab").compare("abc"), 0);
    EXPECT_GT(StringView("abc").compare("ab"), 0);
    EXPECT_LT(StringView("").compare("a"), 0);
    // Bytes compare unsigned: 0xe9 sorts after 'z'.
    EXPECT_GT(StringView("\xe9").compare("z"), 0);
}

TEST(StringView, prefixes_and_suffixes)
{
    StringView path("/bin/sh");
    EXPECT_TRUE(path.starts_with("/bin"));
    EXPECT_TRUE(path.starts_with(""));
    EXPECT_TRUE(path.starts_with('/'));
    EXPECT_FALSE(path.starts_with("/bin/sh/"));
    EXPECT_FALSE(path.starts_with("bin"));
    EXPECT_TRUE(path.ends_with("/sh"));
    EXPECT_TRUE(path.ends_with('h'));
    EXPECT_FALSE(path.ends_with("bash"));
    EXPECT_FALSE(StringView("").starts_with('x'));
    EXPECT_FALSE(StringView("").ends_with('x'));
}

TEST(StringView, find_characters_and_substrings)
{
    StringView text("key=value=more");
    EXPECT_EQ(text.find('='), 3u);
    EXPECT_EQ(text.find('=', 4), 9u);
    EXPECT_EQ(text.find('#'), StringView::npos);
    EXPECT_EQ(text.find_last('='), 9u);
    EXPECT_EQ(text.find_last('k'), 0u);
    EXPECT_EQ(text.find_last('#'), StringView::npos);
    EXPECT_EQ(text.find("value"), 4u);
    EXPECT_EQ(text.find("e", 2), 4u + 4u);
    EXPECT_EQ(text.find("more", 11), StringView::npos);
    EXPECT_EQ(text.find("morex"), StringView::npos);
    EXPECT_EQ(text.find(""), 0u);
    EXPECT_EQ(text.find("", 14), 14u);
    EXPECT_EQ(text.find("", 15), StringView::npos);
    EXPECT_EQ(StringView("aaab").find("aab"), 1u);
    EXPECT_TRUE(text.contains("lue="));
    EXPECT_FALSE(text.contains('#'));
    // A view does not see past its end even when the memory goes on.
    EXPECT_EQ(StringView("abcdef", 3).find('d'), StringView::npos);
    EXPECT_EQ(StringView("abcdef", 3).find("cd"), StringView::npos);
}

TEST(StringView, substrings_and_trimming)
{
    StringView text("  loglevel=7 \t\n");
    StringView trimmed = text.trim_whitespace();
    EXPECT_EQ(trimmed, "loglevel=7");
    EXPECT_EQ(trimmed.substring_view(0, 8), "loglevel");
    EXPECT_EQ(trimmed.substring_view(9), "7");
    EXPECT_EQ(trimmed.substring_view(10), "");
    EXPECT_EQ(StringView("   ").trim_whitespace(), "");
    EXPECT_EQ(StringView("").trim_whitespace(), "");
}

TEST(StringView, copy_to_terminates_and_reports_truncation)
{
    char buffer[6];
    EXPECT_TRUE(StringView("hello").copy_to(buffer, sizeof(buffer)));
    EXPECT_STREQ(buffer, "hello");
    EXPECT_FALSE(StringView("hello!").copy_to(buffer, sizeof(buffer)));
    EXPECT_STREQ(buffer, "hello");
    EXPECT_FALSE(StringView("x").copy_to(buffer, 0));
    EXPECT_TRUE(StringView("").copy_to(buffer, 1));
    EXPECT_STREQ(buffer, "");
}

TEST(StringView, iterates_characters)
{
    std::string out;
    for (char c : StringView("abc"))
        out.push_back(c);
    EXPECT_EQ(out, "abc");
}

TEST(StringView, split_discards_empty_pieces_by_default)
{
    EXPECT_EQ(pieces("/usr/local//bin/", '/'), (Strings { "usr", "local", "bin" }));
    EXPECT_EQ(pieces("single", '/'), (Strings { "single" }));
    EXPECT_EQ(pieces("", '/'), Strings {});
    EXPECT_EQ(pieces("///", '/'), Strings {});
}

TEST(StringView, split_can_keep_empty_pieces)
{
    auto keep = StringView::SplitBehavior::KeepEmpty;
    EXPECT_EQ(pieces("root:x:0:0::/root:/bin/sh", ':', keep),
        (Strings { "root", "x", "0", "0", "", "/root", "/bin/sh" }));
    EXPECT_EQ(pieces(":a:", ':', keep), (Strings { "", "a", "" }));
    EXPECT_EQ(pieces("", ':', keep), (Strings { "" }));
    EXPECT_EQ(pieces("::", ':', keep), (Strings { "", "", "" }));
}

TEST(StringView, split_pieces_point_into_the_original)
{
    char text[] = "a b";
    auto range = StringView(text).split(' ');
    auto it = range.begin();
    EXPECT_EQ((*it).characters_without_null_termination(), text);
    ++it;
    EXPECT_EQ((*it).characters_without_null_termination(), text + 2);
    ++it;
    EXPECT_TRUE(it == range.end());
}

TEST(StringView, to_uint_parses_decimal_and_hex)
{
    EXPECT_EQ(StringView("0").to_uint().value(), 0u);
    EXPECT_EQ(StringView("4096").to_uint().value(), 4096u);
    EXPECT_EQ(StringView("007").to_uint().value(), 7u); // decimal, not octal
    EXPECT_EQ(StringView("0x1000").to_uint().value(), 0x1000u);
    EXPECT_EQ(StringView("0XdeadBEEF").to_uint().value(), 0xdeadbeefu);
    EXPECT_EQ(StringView("18446744073709551615").to_uint().value(), 18446744073709551615ull);
    EXPECT_EQ(StringView("0xffffffffffffffff").to_uint().value(), ~u64(0));
    EXPECT_EQ(StringView("255").to_uint<u8>().value(), 255u);
    EXPECT_EQ(StringView("4294967295").to_uint<u32>().value(), 4294967295u);
}

TEST(StringView, to_uint_rejects_malformed_text_with_einval)
{
    for (const char* bad : { "", "0x", "12a", "a12", " 1", "1 ", "-1", "+1", "0x1g", "1.5", "0b101", "x10" }) {
        auto result = StringView(bad).to_uint();
        ASSERT_TRUE(result.is_error()) << bad;
        EXPECT_EQ(result.error().code(), EINVAL) << bad;
    }
    // Overflowing digits followed by junk are still junk.
    EXPECT_EQ(StringView("99999999999999999999999z").to_uint().error().code(), EINVAL);
}

TEST(StringView, to_uint_reports_overflow_with_erange)
{
    EXPECT_EQ(StringView("18446744073709551616").to_uint().error().code(), ERANGE);
    EXPECT_EQ(StringView("0x10000000000000000").to_uint().error().code(), ERANGE);
    EXPECT_EQ(StringView("256").to_uint<u8>().error().code(), ERANGE);
    EXPECT_EQ(StringView("0x100000000").to_uint<u32>().error().code(), ERANGE);
}

TEST(StringView, to_int_parses_signs)
{
    EXPECT_EQ(StringView("42").to_int().value(), 42);
    EXPECT_EQ(StringView("-42").to_int().value(), -42);
    EXPECT_EQ(StringView("+42").to_int().value(), 42);
    EXPECT_EQ(StringView("-0").to_int().value(), 0);
    EXPECT_EQ(StringView("-0x10").to_int().value(), -16);
    EXPECT_EQ(StringView("9223372036854775807").to_int().value(), INT64_MAX);
    EXPECT_EQ(StringView("-9223372036854775808").to_int().value(), INT64_MIN);
    EXPECT_EQ(StringView("-128").to_int<i8>().value(), -128);
    EXPECT_EQ(StringView("127").to_int<i8>().value(), 127);
    EXPECT_EQ(StringView("-2147483648").to_int<i32>().value(), INT32_MIN);
}

TEST(StringView, to_int_rejects_malformed_and_out_of_range)
{
    for (const char* bad : { "", "-", "+", "--1", "-+1", "1-", "- 1", "-0x" })
        EXPECT_EQ(StringView(bad).to_int().error().code(), EINVAL) << bad;
    EXPECT_EQ(StringView("9223372036854775808").to_int().error().code(), ERANGE);
    EXPECT_EQ(StringView("-9223372036854775809").to_int().error().code(), ERANGE);
    EXPECT_EQ(StringView("128").to_int<i8>().error().code(), ERANGE);
    EXPECT_EQ(StringView("-129").to_int<i8>().error().code(), ERANGE);
}

TEST(StringView, parses_only_within_the_view)
{
    // "12" out of "1234": the parser must stop at the view's end.
    EXPECT_EQ(StringView("1234", 2).to_uint().value(), 12u);
}

TEST(StringViewDeathTest, out_of_range_access_is_a_verify_failure)
{
    StringView text("abc");
    EXPECT_DEATH((void)text[3], "VERIFY");
    EXPECT_DEATH((void)text.substring_view(2, 2), "VERIFY");
    EXPECT_DEATH((void)text.substring_view(4), "VERIFY");
}

}
