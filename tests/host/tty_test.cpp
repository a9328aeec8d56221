// The terminal line discipline (kernel/tty/line_discipline.h) on the host:
// canonical editing and its echo, EOF, the input and output flags, raw
// mode's VMIN, ISIG, flushing - each compared with what Linux's n_tty does
// - and the termios ABI constants against the C library's.
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <tty/line_discipline.h>
#include <tty/termios.h>
#include <vector>

using tty::LineDiscipline;

namespace {

struct Terminal {
    LineDiscipline ld;
    std::vector<int> signals;
    bool readable { false };

    // Types `text`; returns what it echoed.
    std::string type(std::string_view text)
    {
        readable = false;
        for (char c : text) {
            auto result = ld.receive(static_cast<u8>(c));
            if (result.signal)
                signals.push_back(result.signal);
            readable |= result.readable;
        }
        return echo();
    }
    std::string echo()
    {
        std::string out;
        u8 chunk[16];
        while (usize n = ld.take_echo(chunk, sizeof(chunk)))
            out.append(reinterpret_cast<char*>(chunk), n);
        return out;
    }
    // One canonical read of at most `capacity` bytes.
    std::string read_line(usize capacity = 4096, LineDiscipline::CanonicalRead* info = nullptr)
    {
        std::string out(capacity, '\0');
        auto result = ld.read_canonical(reinterpret_cast<u8*>(out.data()), capacity);
        out.resize(result.count);
        if (info)
            *info = result;
        return out;
    }
    std::string read_raw(usize capacity = 4096)
    {
        std::string out(capacity, '\0');
        out.resize(ld.read_raw(reinterpret_cast<u8*>(out.data()), capacity));
        return out;
    }
    std::string output(std::string_view text)
    {
        std::string out;
        usize done = 0;
        while (done < text.size()) {
            u8 buffer[64];
            usize produced;
            done += ld.process_output(reinterpret_cast<u8 const*>(text.data()) + done, text.size() - done, buffer,
                sizeof(buffer), produced);
            out.append(reinterpret_cast<char*>(buffer), produced);
        }
        return out;
    }
    void change(auto edit)
    {
        LinuxTermios t = ld.termios();
        edit(t);
        ld.set_termios(t);
    }
};

std::string backspaces(int n)
{
    std::string out;
    for (int i = 0; i < n; ++i)
        out += "\b \b";
    return out;
}

}

TEST(TtyLineDiscipline, defaults_are_linuxs_tty_std_termios)
{
    Terminal t;
    auto const& termios = t.ld.termios();
    EXPECT_EQ(termios.c_iflag, unsigned(ICRNL | IXON));
    EXPECT_EQ(termios.c_oflag, unsigned(OPOST | ONLCR));
    EXPECT_EQ(termios.c_cflag, unsigned(B38400 | CS8 | CREAD | HUPCL));
    EXPECT_EQ(termios.c_lflag, unsigned(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN));
    // Linux's INIT_C_CC.
    const u8 expected_cc[17] = { 3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0 };
    for (int i = 0; i < 17; ++i)
        EXPECT_EQ(termios.c_cc[i], expected_cc[i]) << "c_cc[" << i << "]";
    EXPECT_TRUE(t.ld.is_canonical());
}

TEST(TtyLineDiscipline, canonical_line_is_readable_only_after_its_newline)
{
    Terminal t;
    EXPECT_EQ(t.type("hello"), "hello");
    EXPECT_FALSE(t.ld.input_available());
    EXPECT_EQ(t.type("\r"), "\r\n"); // ICRNL, then ONLCR on the echo
    EXPECT_TRUE(t.ld.input_available());
    LineDiscipline::CanonicalRead info;
    EXPECT_EQ(t.read_line(4096, &info), "hello\n");
    EXPECT_TRUE(info.line_done);
    EXPECT_FALSE(t.ld.input_available());
}

TEST(TtyLineDiscipline, a_read_returns_one_line_at_a_time)
{
    Terminal t;
    t.type("one\ntwo\n");
    EXPECT_EQ(t.read_line(), "one\n");
    EXPECT_EQ(t.read_line(), "two\n");
    EXPECT_FALSE(t.ld.input_available());
}

TEST(TtyLineDiscipline, a_short_buffer_reads_a_line_in_pieces)
{
    Terminal t;
    t.type("abcdef\n");
    LineDiscipline::CanonicalRead info;
    EXPECT_EQ(t.read_line(4, &info), "abcd");
    EXPECT_FALSE(info.line_done);
    EXPECT_EQ(t.read_line(4, &info), "ef\n");
    EXPECT_TRUE(info.line_done);
}

TEST(TtyLineDiscipline, erase_takes_back_one_character_with_del_or_backspace)
{
    Terminal t;
    EXPECT_EQ(t.type("abc\x7f"), "abc\b \b");
    EXPECT_EQ(t.type("\b"), "\b \b"); // ^H erases too while VERASE is DEL
    EXPECT_EQ(t.type("x\n"), "x\r\n");
    EXPECT_EQ(t.read_line(), "ax\n");
}

TEST(TtyLineDiscipline, erase_at_the_start_of_a_line_does_nothing)
{
    Terminal t;
    t.type("done\n");
    EXPECT_EQ(t.type("\x7f\x7f"), "");
    EXPECT_EQ(t.read_line(), "done\n"); // a completed line is beyond erasing
}

TEST(TtyLineDiscipline, erase_without_echoe_echoes_the_erase_character)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ECHOE; });
    EXPECT_EQ(t.type("ab\x7f"), "ab^?");
    t.type("\n");
    EXPECT_EQ(t.read_line(), "a\n");
}

TEST(TtyLineDiscipline, erasing_a_control_character_takes_back_its_two_columns)
{
    Terminal t;
    EXPECT_EQ(t.type("a\x01"), "a^A");
    EXPECT_EQ(t.type("\x7f"), backspaces(2));
}

TEST(TtyLineDiscipline, erasing_a_tab_goes_back_to_where_the_tab_started)
{
    Terminal t;
    EXPECT_EQ(t.type("ab\t"), "ab\t");
    EXPECT_EQ(t.ld.column(), 8u);
    EXPECT_EQ(t.type("\x7f"), std::string(6, '\b'));
    EXPECT_EQ(t.ld.column(), 2u);
}

TEST(TtyLineDiscipline, erasing_a_tab_counts_from_the_prompt_column)
{
    Terminal t;
    EXPECT_EQ(t.output("$ "), "$ ");
    t.type("\t");
    EXPECT_EQ(t.ld.column(), 8u);
    EXPECT_EQ(t.type("\x7f"), std::string(6, '\b'));
}

TEST(TtyLineDiscipline, erase_takes_a_whole_utf8_character_with_iutf8)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_iflag |= IUTF8; });
    EXPECT_EQ(t.type("a\xc3\xa9"), "a\xc3\xa9");
    EXPECT_EQ(t.ld.column(), 2u);
    EXPECT_EQ(t.type("\x7f"), backspaces(1));
    t.type("\n");
    EXPECT_EQ(t.read_line(), "a\n");
}

TEST(TtyLineDiscipline, kill_erases_the_line_on_screen_with_echoke)
{
    Terminal t;
    t.type("abc");
    EXPECT_EQ(t.type("\x15"), backspaces(3));
    t.type("xy\n");
    EXPECT_EQ(t.read_line(), "xy\n");
}

TEST(TtyLineDiscipline, kill_without_echoke_echoes_it_and_a_newline)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ECHOKE; });
    t.type("abc");
    EXPECT_EQ(t.type("\x15"), "^U\r\n");
    t.type("d\n");
    EXPECT_EQ(t.read_line(), "d\n");
}

TEST(TtyLineDiscipline, word_erase_takes_the_last_word_and_the_blanks_after_it)
{
    Terminal t;
    t.type("foo bar  ");
    EXPECT_EQ(t.type("\x17"), backspaces(5));
    t.type("\n");
    EXPECT_EQ(t.read_line(), "foo \n");

    t.type("foo-bar");
    t.type("\x17");
    t.type("\n");
    EXPECT_EQ(t.read_line(), "foo-\n");
}

TEST(TtyLineDiscipline, eof_at_the_start_of_a_line_reads_as_end_of_file)
{
    Terminal t;
    EXPECT_EQ(t.type("\x04"), ""); // ^D is not echoed
    EXPECT_TRUE(t.ld.input_available());
    EXPECT_EQ(t.ld.readable_count(), 0u);
    LineDiscipline::CanonicalRead info;
    EXPECT_EQ(t.read_line(4096, &info), "");
    EXPECT_TRUE(info.line_done);
    EXPECT_FALSE(info.eof_push);
    EXPECT_FALSE(t.ld.input_available());
}

TEST(TtyLineDiscipline, eof_mid_line_hands_over_the_line_without_a_newline)
{
    Terminal t;
    EXPECT_EQ(t.type("abc\x04"), "abc");
    EXPECT_EQ(t.ld.readable_count(), 3u);
    LineDiscipline::CanonicalRead info;
    EXPECT_EQ(t.read_line(4096, &info), "abc");
    EXPECT_TRUE(info.line_done);
    EXPECT_FALSE(t.ld.input_available()); // not an end of file after it
}

TEST(TtyLineDiscipline, eof_right_after_a_buffer_full_of_line_is_not_end_of_file)
{
    Terminal t;
    t.type("ab\x04");
    LineDiscipline::CanonicalRead info;
    EXPECT_EQ(t.read_line(2, &info), "ab");
    EXPECT_TRUE(info.line_done); // the marker went with the line
    EXPECT_FALSE(t.ld.input_available());
}

TEST(TtyLineDiscipline, icrnl_off_leaves_cr_as_data)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_iflag &= ~ICRNL; });
    EXPECT_EQ(t.type("a\r"), "a^M");
    EXPECT_FALSE(t.ld.input_available());
    t.type("\n");
    EXPECT_EQ(t.read_line(), "a\r\n");
}

TEST(TtyLineDiscipline, igncr_drops_cr_and_inlcr_turns_nl_into_cr)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_iflag |= IGNCR; });
    t.type("a\rb\n");
    EXPECT_EQ(t.read_line(), "ab\n");

    t.change([](LinuxTermios& termios) {
        termios.c_iflag &= ~(IGNCR | ICRNL);
        termios.c_iflag |= INLCR;
        termios.c_lflag &= ~ICANON;
    });
    t.type("x\n");
    EXPECT_EQ(t.read_raw(), "x\r");
}

TEST(TtyLineDiscipline, onlcr_turns_newline_into_cr_lf_on_output)
{
    Terminal t;
    EXPECT_EQ(t.output("one\ntwo\n"), "one\r\ntwo\r\n");
    EXPECT_EQ(t.ld.column(), 0u);
    t.change([](LinuxTermios& termios) { termios.c_oflag &= ~ONLCR; });
    EXPECT_EQ(t.output("a\nb"), "a\nb");
    t.change([](LinuxTermios& termios) { termios.c_oflag &= ~OPOST; termios.c_oflag |= ONLCR; });
    EXPECT_EQ(t.output("a\nb"), "a\nb"); // OPOST off: nothing is processed
}

TEST(TtyLineDiscipline, output_flags_ocrnl_onocr_olcuc_and_xtabs)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_oflag = OPOST | OCRNL; });
    EXPECT_EQ(t.output("a\r"), "a\n");
    t.change([](LinuxTermios& termios) { termios.c_oflag = OPOST | ONOCR; });
    EXPECT_EQ(t.output("x\r\r"), "x\r"); // the second CR: already at column 0
    t.change([](LinuxTermios& termios) { termios.c_oflag = OPOST | OLCUC; });
    EXPECT_EQ(t.output("abC"), "ABC");
    t.change([](LinuxTermios& termios) { termios.c_oflag = OPOST | XTABS; });
    EXPECT_EQ(t.output("\r12\tx"), "\r12      x");
}

TEST(TtyLineDiscipline, large_output_is_converted_in_pieces)
{
    Terminal t;
    std::string text;
    for (int i = 0; i < 100; ++i)
        text += "line\n";
    std::string expected;
    for (int i = 0; i < 100; ++i)
        expected += "line\r\n";
    EXPECT_EQ(t.output(text), expected);
}

TEST(TtyLineDiscipline, echoctl_shows_controls_as_caret_letters)
{
    Terminal t;
    EXPECT_EQ(t.type("\x01\x1b"), "^A^[");
    EXPECT_EQ(t.ld.column(), 4u);
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ECHOCTL; });
    EXPECT_EQ(t.type("\x01"), "\x01");
    EXPECT_EQ(t.type("\t"), "\t"); // a tab is never ^I
}

TEST(TtyLineDiscipline, echo_off_echoes_nothing_and_echonl_only_newlines)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ECHO; });
    EXPECT_EQ(t.type("secret\n"), "");
    EXPECT_EQ(t.read_line(), "secret\n");
    t.change([](LinuxTermios& termios) { termios.c_lflag |= ECHONL; });
    EXPECT_EQ(t.type("pw\n"), "\r\n");
}

TEST(TtyLineDiscipline, raw_mode_has_no_line_editing)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ICANON; });
    t.type("a\x7f\x15\x04");
    EXPECT_TRUE(t.readable);
    EXPECT_EQ(t.read_raw(), "a\x7f\x15\x04");
}

TEST(TtyLineDiscipline, raw_mode_poll_waits_for_vmin_bytes)
{
    Terminal t;
    t.change([](LinuxTermios& termios) {
        termios.c_lflag &= ~ICANON;
        termios.c_cc[VMIN] = 3;
        termios.c_cc[VTIME] = 0;
    });
    t.type("ab");
    EXPECT_TRUE(t.ld.input_available());      // a read finds bytes (and waits for the rest)
    EXPECT_FALSE(t.ld.input_available(true)); // poll() says readable at VMIN
    t.type("c");
    EXPECT_TRUE(t.ld.input_available(true));
    EXPECT_EQ(t.ld.readable_count(), 3u);
    EXPECT_EQ(t.read_raw(2), "ab");
    EXPECT_EQ(t.read_raw(), "c");
    EXPECT_FALSE(t.ld.input_available());
}

TEST(TtyLineDiscipline, isig_reports_the_signal_flushes_and_echoes_caret_c)
{
    Terminal t;
    t.type("done\n");
    EXPECT_EQ(t.type("partial\x03"), "partial^C");
    ASSERT_EQ(t.signals.size(), 1u);
    EXPECT_EQ(t.signals[0], tty::kSigInt);
    EXPECT_FALSE(t.ld.input_available()); // the completed line went too, as on Linux
    EXPECT_EQ(t.ld.readable_count(), 0u);

    t.type("\x1c\x1a");
    ASSERT_EQ(t.signals.size(), 3u);
    EXPECT_EQ(t.signals[1], tty::kSigQuit);
    EXPECT_EQ(t.signals[2], tty::kSigTstp);

    t.type("after\n");
    EXPECT_EQ(t.read_line(), "after\n");
}

TEST(TtyLineDiscipline, noflsh_keeps_the_input_on_a_signal)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag |= NOFLSH; });
    t.type("keep\n\x03");
    EXPECT_EQ(t.signals.size(), 1u);
    EXPECT_EQ(t.read_line(), "keep\n");
}

TEST(TtyLineDiscipline, isig_off_makes_interrupt_an_ordinary_byte)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ISIG; });
    EXPECT_EQ(t.type("\x03\n"), "^C\r\n");
    EXPECT_TRUE(t.signals.empty());
    EXPECT_EQ(t.read_line(), "\x03\n");
}

TEST(TtyLineDiscipline, lnext_quotes_the_next_character)
{
    Terminal t;
    EXPECT_EQ(t.type("\x16"), "^\b");
    EXPECT_EQ(t.type("\x03"), "^C");
    EXPECT_TRUE(t.signals.empty());
    t.type("\x16\x7f\n");
    EXPECT_EQ(t.read_line(), "\x03\x7f\n");
}

TEST(TtyLineDiscipline, reprint_echoes_the_line_again)
{
    Terminal t;
    t.type("ab");
    EXPECT_EQ(t.type("\x12"), "^R\r\nab");
}

TEST(TtyLineDiscipline, ixon_stop_and_start_are_not_data)
{
    Terminal t;
    t.type("\x13");
    EXPECT_TRUE(t.ld.output_stopped());
    t.type("\x11");
    EXPECT_FALSE(t.ld.output_stopped());
    t.type("\n");
    EXPECT_EQ(t.read_line(), "\n");
}

TEST(TtyLineDiscipline, fionread_counts_completed_lines_without_eof_markers)
{
    Terminal t;
    t.type("ab\ncd");
    EXPECT_EQ(t.ld.readable_count(), 3u);
    t.type("\x04");
    EXPECT_EQ(t.ld.readable_count(), 5u);
}

TEST(TtyLineDiscipline, flushing_input_drops_lines_and_the_partial_line)
{
    // TCSETSF and TCFLSH(TCIFLUSH) do this before anything else.
    Terminal t;
    t.type("one\ntwo");
    t.ld.flush_input();
    LinuxTermios termios = t.ld.termios();
    t.ld.set_termios(termios);
    EXPECT_FALSE(t.ld.input_available());
    t.type("\n");
    EXPECT_EQ(t.read_line(), "\n"); // "two" is gone as well
}

TEST(TtyLineDiscipline, leaving_canonical_mode_makes_the_partial_line_readable)
{
    Terminal t;
    t.type("abc");
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ICANON; });
    EXPECT_TRUE(t.ld.input_available());
    EXPECT_EQ(t.read_raw(), "abc");
}

TEST(TtyLineDiscipline, entering_canonical_mode_makes_pending_bytes_one_line)
{
    Terminal t;
    t.change([](LinuxTermios& termios) { termios.c_lflag &= ~ICANON; });
    t.type("xy");
    t.change([](LinuxTermios& termios) { termios.c_lflag |= ICANON; });
    EXPECT_TRUE(t.ld.input_available());
    EXPECT_EQ(t.read_line(), "xy");
    t.type("z\n");
    EXPECT_EQ(t.read_line(), "z\n");
}

TEST(TtyLineDiscipline, a_full_line_still_takes_its_newline)
{
    Terminal t;
    std::string typed(5000, 'x');
    t.type(typed);
    t.type("\n");
    std::string line = t.read_line(8192);
    EXPECT_EQ(line.size(), LineDiscipline::kBufferSize);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find_first_not_of('x'), LineDiscipline::kBufferSize - 1);
}

// -- the ABI constants --

struct TtyAbiValue {
    const char* name;
    long long value;
};
extern const TtyAbiValue kKernelTtyAbiValues[];
// <sys/ioctl.h> names it in TCGETS2 and friends without defining it (it
// would clash with the C library's own struct termios): asm/termbits.h's.
struct termios2 {
    tcflag_t c_iflag;
    tcflag_t c_oflag;
    tcflag_t c_cflag;
    tcflag_t c_lflag;
    cc_t c_line;
    cc_t c_cc[19];
    speed_t c_ispeed;
    speed_t c_ospeed;
};
extern const unsigned long kKernelTtyAbiValueCount;

TEST(TtyAbi, kernel_termios_constants_match_the_c_library)
{
    struct Host {
        const char* name;
        long long value;
    };
#define HANEUL_TTY_ABI_VALUE(name) { #name, static_cast<long long>(name) },
    const Host host[] = {
#include HANEUL_TTY_ABI_NAMES
    };
#undef HANEUL_TTY_ABI_VALUE
    ASSERT_EQ(sizeof(host) / sizeof(host[0]), kKernelTtyAbiValueCount);
    for (unsigned long i = 0; i < kKernelTtyAbiValueCount; ++i) {
        EXPECT_STREQ(kKernelTtyAbiValues[i].name, host[i].name);
        EXPECT_EQ(kKernelTtyAbiValues[i].value, host[i].value) << host[i].name;
    }
}

TEST(TtyAbi, structures_have_linuxs_layout)
{
    EXPECT_EQ(sizeof(LinuxTermios), 36u);
    EXPECT_EQ(offsetof(LinuxTermios, c_line), 16u);
    EXPECT_EQ(offsetof(LinuxTermios, c_cc), 17u);
    EXPECT_EQ(sizeof(LinuxTermios2), 44u);
    EXPECT_EQ(offsetof(LinuxTermios2, c_ispeed), 36u);
    EXPECT_EQ(sizeof(LinuxWinsize), sizeof(struct winsize));
    EXPECT_EQ(offsetof(LinuxWinsize, ws_col), offsetof(struct winsize, ws_col));
}
