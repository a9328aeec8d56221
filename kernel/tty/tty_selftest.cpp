// Self-tests of the terminal's kernel side (tty/tty.h): blocking canonical
// and VMIN/VTIME reads woken by input from an interrupt (through the input
// worker), O_NONBLOCK,
// writes through OPOST, TCSETSF, ISIG, the device's ioctl answer. They use
// a terminal of their own whose driver keeps the output; the console is
// left alone. The line discipline's rules are tested on the host
// (tests/host/tty_test.cpp).
#include <fs/vfs/io_buffer.h>
#include <fs/vfs/open_file.h>
#include <lib/selftest.h>
#include <lib/string.h>
#include <sched/clock.h>
#include <sched/timer.h>
#include <tty/tty.h>

namespace {

class CaptureDriver final : public tty::TtyDriver {
public:
    void write_output(u8 const* bytes, usize count) override
    {
        for (usize i = 0; i < count && m_length < sizeof(m_text) - 1; ++i)
            m_text[m_length++] = static_cast<char>(bytes[i]);
        m_text[m_length] = 0;
    }
    void clear() { m_text[m_length = 0] = 0; }
    bool equals(const char* expected) const { return strcmp(m_text, expected) == 0; }
    const char* text() const { return m_text; }

private:
    char m_text[512] {};
    usize m_length { 0 };
};

CaptureDriver s_output;
tty::Tty s_tty { "selftest", s_output, LinuxWinsize { 24, 80, 0, 0 } };

// A fresh terminal: Linux's defaults, nothing typed, nothing shown. Its
// input worker starts once and stays, like the console's (a test must not
// leave a thread exiting behind it: the next test may count PIDs).
bool s_worker_started;
void reset(void (*edit)(LinuxTermios&) = nullptr)
{
    if (!s_worker_started)
        s_worker_started = !s_tty.start_input_worker().is_error();
    LinuxTermios termios = tty::default_termios();
    if (edit)
        edit(termios);
    s_tty.set_termios(termios, tty::Tty::When::Flush);
    s_tty.set_foreground_group(0);
    s_output.clear();
}

void type(const char* text) { s_tty.receive(reinterpret_cast<u8 const*>(text), strlen(text)); }

// Types `text` after `delay_ns` from a timer interrupt, the way the serial
// and keyboard interrupts do, while the reader sleeps.
struct Typist {
    Timer timer;
    const char* text;
};
void typist_fire(Timer& timer)
{
    for (auto* c = static_cast<Typist*>(timer.context)->text; *c; ++c)
        s_tty.receive_from_interrupt(static_cast<u8>(*c));
}
// File scope: a function-local static with a destructor would need atexit().
Typist s_typist_line { {}, "lo\n" };
Typist s_typist_bytes { {}, "cd" };
bool type_later(Typist& typist, u64 delay_ns)
{
    timer::arm(typist.timer, ktime::monotonic_ns() + delay_ns, typist_fire, &typist);
    return s_worker_started;
}

struct ReadResult {
    int error { 0 };
    usize count { 0 };
    char text[64] {};
};
ReadResult read(usize count, bool nonblocking)
{
    ReadResult result;
    KernelIoBuffer buffer(result.text, sizeof(result.text) - 1);
    auto done = s_tty.read(buffer, count, nonblocking);
    if (done.is_error())
        result.error = done.error().code();
    else
        result.count = done.value();
    return result;
}

void raw_mode(LinuxTermios& termios) { termios.c_lflag &= ~(ICANON | ECHO); }

}

KERNEL_TEST(tty_canonical_read_sleeps_until_the_line_is_complete)
{
    reset();
    type("hel");
    EXPECT(type_later(s_typist_line, 20'000'000));
    u64 start = ktime::monotonic_ns();
    auto result = read(63, false);
    EXPECT_EQ(result.error, 0);
    EXPECT(strcmp(result.text, "hello\n") == 0);
    EXPECT(ktime::monotonic_ns() - start >= 10'000'000);
    EXPECT(s_output.equals("hello\r\n"));
}

KERNEL_TEST(tty_nonblocking_read_of_an_unfinished_line_fails_with_eagain)
{
    reset();
    type("abc");
    EXPECT_EQ(read(63, true).error, EAGAIN);
    type("\n");
    auto result = read(63, true);
    EXPECT_EQ(result.count, 4u);
}

KERNEL_TEST(tty_eof_at_line_start_reads_zero_bytes)
{
    reset();
    type("\x04");
    auto result = read(63, false);
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.count, 0u);
}

KERNEL_TEST(tty_vmin_read_waits_for_vmin_bytes)
{
    reset([](LinuxTermios& termios) {
        raw_mode(termios);
        termios.c_cc[VMIN] = 4;
        termios.c_cc[VTIME] = 0;
    });
    type("ab");
    EXPECT(type_later(s_typist_bytes, 20'000'000));
    auto result = read(63, false);
    EXPECT_EQ(result.error, 0);
    EXPECT(strcmp(result.text, "abcd") == 0);
}

KERNEL_TEST(tty_vmin_zero_vtime_read_times_out_with_nothing)
{
    reset([](LinuxTermios& termios) {
        raw_mode(termios);
        termios.c_cc[VMIN] = 0;
        termios.c_cc[VTIME] = 1; // 0.1 s
    });
    u64 start = ktime::monotonic_ns();
    auto result = read(63, false);
    u64 elapsed = ktime::monotonic_ns() - start;
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.count, 0u);
    EXPECT(elapsed >= 90'000'000);
}

KERNEL_TEST(tty_vmin_zero_vtime_zero_read_returns_at_once)
{
    reset([](LinuxTermios& termios) {
        raw_mode(termios);
        termios.c_cc[VMIN] = 0;
        termios.c_cc[VTIME] = 0;
    });
    EXPECT_EQ(read(63, true).count, 0u); // 0, not EAGAIN, even with O_NONBLOCK
    type("xy");
    auto result = read(63, false);
    EXPECT(strcmp(result.text, "xy") == 0);
}

KERNEL_TEST(tty_write_goes_out_through_onlcr)
{
    reset();
    KernelIoBuffer buffer("one\ntwo\n", 8);
    auto written = s_tty.write(buffer, 8);
    EXPECT(!written.is_error());
    EXPECT_EQ(written.value(), 8u);
    EXPECT(s_output.equals("one\r\ntwo\r\n"));
}

KERNEL_TEST(tty_tcsetsf_drops_unread_input)
{
    reset();
    type("unread\n");
    EXPECT_EQ(s_tty.input_count(), 7u);
    s_tty.set_termios(s_tty.termios(), tty::Tty::When::Flush);
    EXPECT_EQ(s_tty.input_count(), 0u);
    EXPECT_EQ(read(63, true).error, EAGAIN);
}

KERNEL_TEST(tty_interrupt_character_drops_the_line_and_echoes_caret_c)
{
    reset();
    s_tty.set_foreground_group(12345); // no such group: the hook has nobody to signal
    type("sleep 10\x03");
    EXPECT(s_output.equals("sleep 10^C"));
    EXPECT_EQ(read(63, true).error, EAGAIN);
    type("ok\n");
    EXPECT(strcmp(read(63, false).text, "ok\n") == 0);
}

KERNEL_TEST(tty_device_answers_enotty_to_unknown_ioctls_and_honours_o_nonblock)
{
    reset();
    auto device = try_make_ref_counted<tty::TtyDevice>(0u, 0u, StringView("selftest"), s_tty);
    EXPECT(!device.is_error());
    auto file = vfs::OpenFile::create(device.value(), vfs::Location {}, O_RDWR | O_NONBLOCK, Credentials::root());
    EXPECT(!file.is_error());
    auto answer = file.value()->ioctl(0x5499, 0);
    EXPECT(answer.is_error() && answer.error().code() == ENOTTY);
    char byte;
    KernelIoBuffer buffer(&byte, 1);
    auto result = file.value()->read(buffer, 1);
    EXPECT(result.is_error() && result.error().code() == EAGAIN);
}
