// The kernel command line (kernel/lib/cmdline.cpp): flags, key=value,
// numbers, quoting, repeated names and the 512-byte limit.
#include <gtest/gtest.h>
#include <lib/cmdline.h>
#include <string>

namespace {

TEST(Cmdline, flags_and_values)
{
    cmdline::parse("test loglevel=7 timeslice=50 quiet");
    EXPECT_TRUE(cmdline::has("test"));
    EXPECT_TRUE(cmdline::has("quiet"));
    EXPECT_TRUE(cmdline::has("loglevel"));
    EXPECT_FALSE(cmdline::has("tes"));
    EXPECT_FALSE(cmdline::has("testx"));
    EXPECT_FALSE(cmdline::has("log"));
    EXPECT_STREQ(cmdline::get("loglevel"), "7");
    EXPECT_STREQ(cmdline::get("timeslice", "10"), "50");
    EXPECT_STREQ(cmdline::text(), "test loglevel=7 timeslice=50 quiet");
    EXPECT_FALSE(cmdline::truncated());
}

TEST(Cmdline, absent_names_and_bare_flags_give_the_fallback)
{
    cmdline::parse("quiet root=");
    EXPECT_EQ(cmdline::get("missing"), nullptr);
    EXPECT_STREQ(cmdline::get("missing", "default"), "default");
    // A flag has no value.
    EXPECT_STREQ(cmdline::get("quiet", "none"), "none");
    // An empty value is a value.
    EXPECT_STREQ(cmdline::get("root", "none"), "");
    EXPECT_EQ(cmdline::get_int("root", -1), -1);
    EXPECT_EQ(cmdline::get(nullptr, "x"), std::string("x"));
    EXPECT_FALSE(cmdline::has(nullptr));
}

TEST(Cmdline, get_int_parses_decimal_and_hex_and_falls_back_when_malformed)
{
    cmdline::parse("a=42 b=0x1F c=-3 d=12abc e=0x f= g=99999999999999999999 h=007");
    EXPECT_EQ(cmdline::get_int("a", 0), 42);
    EXPECT_EQ(cmdline::get_int("b", 0), 0x1f);
    EXPECT_EQ(cmdline::get_int("c", 0), -3);
    EXPECT_EQ(cmdline::get_int("d", 5), 5);
    EXPECT_EQ(cmdline::get_int("e", 5), 5);
    EXPECT_EQ(cmdline::get_int("f", 5), 5);
    EXPECT_EQ(cmdline::get_int("g", 5), 5);
    EXPECT_EQ(cmdline::get_int("h", 0), 7);
    EXPECT_EQ(cmdline::get_int("absent", 77), 77);
}

TEST(Cmdline, values_are_nul_terminated_copies_that_outlive_the_input)
{
    std::string line = "init=/sbin/init console=ttyS0,115200";
    cmdline::parse(line.c_str());
    const char* init = cmdline::get("init");
    line.assign(line.size(), 'X'); // the loader's memory is reused
    EXPECT_STREQ(init, "/sbin/init");
    EXPECT_STREQ(cmdline::get("console"), "ttyS0,115200");
    EXPECT_STREQ(cmdline::text(), "init=/sbin/init console=ttyS0,115200");
}

TEST(Cmdline, value_keeps_everything_after_the_first_equals)
{
    cmdline::parse("opt=a=b=c");
    EXPECT_STREQ(cmdline::get("opt"), "a=b=c");
    EXPECT_FALSE(cmdline::has("a"));
}

TEST(Cmdline, any_whitespace_separates_and_runs_of_it_are_one_separator)
{
    cmdline::parse("  one\ttwo=2 \n  three   ");
    EXPECT_TRUE(cmdline::has("one"));
    EXPECT_EQ(cmdline::get_int("two", 0), 2);
    EXPECT_TRUE(cmdline::has("three"));
    EXPECT_FALSE(cmdline::has(""));
}

TEST(Cmdline, later_values_override_earlier_ones)
{
    cmdline::parse("loglevel=3 quiet loglevel=7 loglevel");
    // The last *value* wins; a later bare flag does not erase it.
    EXPECT_EQ(cmdline::get_int("loglevel", 0), 7);
    EXPECT_TRUE(cmdline::has("loglevel"));
}

TEST(Cmdline, quotes_group_spaces_and_are_removed)
{
    cmdline::parse("init=\"/bin/sh -x\" msg=\"a b\"c plain \"quoted flag\"");
    EXPECT_STREQ(cmdline::get("init"), "/bin/sh -x");
    EXPECT_STREQ(cmdline::get("msg"), "a bc");
    EXPECT_TRUE(cmdline::has("plain"));
    EXPECT_TRUE(cmdline::has("quoted flag"));
    EXPECT_FALSE(cmdline::has("-x\""));
    // An unterminated quote runs to the end of the line.
    cmdline::parse("x=\"open quote y=1");
    EXPECT_STREQ(cmdline::get("x"), "open quote y=1");
    EXPECT_FALSE(cmdline::has("y"));
}

TEST(Cmdline, empty_and_null_lines)
{
    cmdline::parse("a=1");
    cmdline::parse("");
    EXPECT_FALSE(cmdline::has("a"));
    EXPECT_STREQ(cmdline::text(), "");
    cmdline::parse(nullptr);
    EXPECT_STREQ(cmdline::text(), "");
    EXPECT_EQ(cmdline::get_int("a", 9), 9);
    cmdline::parse("=orphan \"\"");
    EXPECT_FALSE(cmdline::has(""));
    EXPECT_FALSE(cmdline::has("orphan"));
}

TEST(Cmdline, a_line_of_511_characters_fits_and_longer_is_truncated)
{
    std::string fits = "a=" + std::string(509, 'v');
    ASSERT_EQ(fits.size(), 511u);
    cmdline::parse(fits.c_str());
    EXPECT_FALSE(cmdline::truncated());
    EXPECT_EQ(std::string(cmdline::get("a")), std::string(509, 'v'));
    EXPECT_EQ(std::string(cmdline::text()), fits);

    std::string line;
    for (int i = 0; i < 100; ++i)
        line += "k" + std::to_string(i) + "=" + std::to_string(i) + " ";
    cmdline::parse(line.c_str());
    EXPECT_TRUE(cmdline::truncated());
    EXPECT_EQ(std::string(cmdline::text()), line.substr(0, 511));
    EXPECT_EQ(cmdline::get_int("k0", -1), 0);
    EXPECT_EQ(cmdline::get_int("k50", -1), 50);
    EXPECT_EQ(cmdline::get_int("k99", -1), -1);
}

TEST(Cmdline, more_words_than_the_table_holds_are_dropped_and_reported)
{
    std::string line;
    for (int i = 0; i < 100; ++i)
        line += "f" + std::to_string(i % 10) + " ";
    cmdline::parse(line.c_str());
    EXPECT_TRUE(cmdline::truncated());
    EXPECT_TRUE(cmdline::has("f9"));

    // 256 one-letter words: fits the text buffer but not the word table.
    std::string many;
    for (int i = 0; i < 255; ++i)
        many += (i < 200 ? "a " : "b ");
    many += "z";
    cmdline::parse(many.c_str());
    EXPECT_TRUE(cmdline::truncated());
    EXPECT_TRUE(cmdline::has("a"));
    EXPECT_FALSE(cmdline::has("z"));
}

TEST(Cmdline, a_full_line_of_the_most_words_the_table_holds)
{
    // 511 characters in exactly 64 words (the table's size): nothing is
    // dropped, and the quoted last word still splits correctly.
    std::string line;
    for (int i = 0; i < 63; ++i)
        line += "xxxxxxx ";
    line += "\"a b\"cc";
    ASSERT_EQ(line.size(), 511u);
    cmdline::parse(line.c_str());
    EXPECT_FALSE(cmdline::truncated());
    EXPECT_TRUE(cmdline::has("xxxxxxx"));
    EXPECT_TRUE(cmdline::has("a bcc"));
    EXPECT_EQ(std::string(cmdline::text()), line);
}

}
