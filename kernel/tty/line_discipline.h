// The line discipline (Linux's N_TTY, drivers/tty/n_tty.c): what a
// terminal does between the bytes a keyboard or serial line delivers and
// what read() returns, and between what write() gets and the bytes the
// screen receives, as the termios flags say.
//
// Input: receive() takes one byte, applies ISTRIP/IUCLC, IXON (^S/^Q),
// ISIG (^C/^\/^Z: the caller sends the signal it reports), IGNCR/ICRNL/
// INLCR, and in canonical mode (ICANON) line editing: erase (VERASE, and
// both BS and DEL when the erase character is one of them), kill (VKILL),
// word erase (VWERASE), literal next (VLNEXT), reprint (VREPRINT), EOF
// (VEOF) and the line ends (NL, VEOL, VEOL2). Echo (ECHO, ECHOE, ECHOK,
// ECHOKE, ECHONL, ECHOCTL's "^C") is produced at once into an echo queue
// the terminal drains to its screen - Linux echoes on receive, whether or
// not anybody reads.
//
// Reading: read_canonical() hands out at most one line, read_raw() what is
// there; the VMIN/VTIME waiting is the terminal's (tty/tty.cpp), which asks
// input_available().
//
// Output: process_output() applies OPOST (ONLCR, OCRNL, ONOCR, ONLRET,
// OLCUC, XTABS) and tracks the cursor column, which erasing a tab needs.
//
// Pure logic with no locks and no allocation: the terminal holds its lock
// around every call. tests/host/tty_test.cpp checks it on the host.
// Host-buildable.
#pragma once

#include <lib/types.h>
#include <tty/termios.h>

namespace tty {

class LineDiscipline {
public:
    // N_TTY_BUF_SIZE: completed lines and the line being edited together.
    static constexpr u32 kBufferSize = 4096;
    static constexpr u32 kEchoSize = 4096;

    LineDiscipline();

    LinuxTermios const& termios() const { return m_termios; }
    // TCSETS. Switching ICANON off makes everything typed readable;
    // switching it on makes what is there one line (Linux's "push").
    void set_termios(LinuxTermios const& termios);
    bool is_canonical() const { return m_termios.c_lflag & ICANON; }

    struct ReceiveResult {
        int signal { 0 };          // kSigInt/kSigQuit/kSigTstp to send to the foreground group
        bool readable { false };   // data for readers may have appeared
        bool output_started { false }; // VSTART (or IXANY) restarted stopped output
    };
    ReceiveResult receive(u8 c);

    // Echo bytes waiting for the screen (already output-processed).
    bool has_echo() const { return m_echo_head != m_echo_tail; }
    usize take_echo(u8* out, usize capacity);

    // OPOST processing of written bytes: converts input bytes while their
    // conversion fits in `capacity` bytes of `out`; returns how many input
    // bytes it consumed and sets `produced`.
    usize process_output(u8 const* in, usize count, u8* out, usize capacity, usize& produced);

    // Whether a read would find something now: a completed line (canonical)
    // or at least one byte (raw; `for_poll`: VMIN bytes when VTIME is 0,
    // as poll() on Linux reports).
    bool input_available(bool for_poll = false) const;

    struct CanonicalRead {
        usize count { 0 };       // bytes copied to `out`
        bool line_done { false }; // the line's end was reached (count 0 then means end of file)
        bool eof_push { false };  // a lone EOF that ended a line already partly read: not end of file
    };
    // Copies from the oldest completed line, at most `capacity` bytes.
    // Only valid when input_available(): a line is there.
    CanonicalRead read_canonical(u8* out, usize capacity);
    // Non-canonical: copies up to `capacity` bytes of what is there.
    usize read_raw(u8* out, usize capacity);

    // FIONREAD: bytes a read could return (canonical: of completed lines,
    // without EOF markers).
    usize readable_count() const;
    // TCIFLUSH and ISIG: drops everything typed, lines and partial line.
    void flush_input();
    void flush_echo() { m_echo_head = m_echo_tail = 0; }

    // IXON flow control: VSTOP stops output, VSTART (or any key with IXANY)
    // starts it; tcflow() does the same.
    bool output_stopped() const { return m_output_stopped; }
    void stop_output() { m_output_stopped = true; }
    void start_output() { m_output_stopped = false; }

    u32 column() const { return m_column; }

private:
    static constexpr u32 kMask = kBufferSize - 1;
    static_assert((kBufferSize & kMask) == 0);

    bool iflag(u32 bit) const { return m_termios.c_iflag & bit; }
    bool oflag(u32 bit) const { return m_termios.c_oflag & bit; }
    bool lflag(u32 bit) const { return m_termios.c_lflag & bit; }
    // Whether `c` is the control character at `index` (never NUL: a 0
    // in c_cc disables it, _POSIX_VDISABLE).
    bool is_char(u8 c, int index) const { return c != 0 && c == m_termios.c_cc[index]; }
    bool is_erase(u8 c) const;
    bool is_continuation(u8 c) const { return iflag(IUTF8) && (c & 0xC0) == 0x80; }

    u8 at(u32 index) const { return m_buffer[index & kMask]; }
    bool is_line_end(u32 index) const { return m_line_ends[(index & kMask) / 64] & (1ull << (index % 64)); }
    void set_line_end(u32 index) { m_line_ends[(index & kMask) / 64] |= 1ull << (index % 64); }
    void clear_line_end(u32 index) { m_line_ends[(index & kMask) / 64] &= ~(1ull << (index % 64)); }
    u32 queued() const { return m_read_head - m_read_tail; }

    ReceiveResult receive_signal_char(int signal, u8 c);
    // The byte as data: echoed and queued (the path for ordinary bytes, and
    // for the byte after VLNEXT).
    bool receive_ordinary(u8 c);
    // Queues `c` as the end of a line (canonical): NL, EOL, EOL2 or the EOF
    // marker (NUL at a line end).
    bool end_line(u8 c);
    bool put(u8 c);
    void eraser(u8 c);
    void echo_erase_tab(u32 chars, bool after_tab);

    // Echo: `echo_char` renders controls as ^X with ECHOCTL; `echo_raw`
    // does not; both go through output processing as written bytes do.
    void echo_char(u8 c);
    void echo_raw(u8 c);
    void echo_byte(u8 c);
    void set_canon_column() { m_canon_column = m_column; }
    // One output byte through OPOST: writes its expansion into `out`
    // (room for 8 bytes) and returns its length.
    usize output_char(u8 c, u8* out);

    LinuxTermios m_termios;

    // The input ring: [read_tail, canon_head) is completed lines (canonical)
    // and [canon_head, read_head) the line being edited; in raw mode
    // everything in [read_tail, read_head) is readable. Free-running
    // counters, masked to index.
    u8 m_buffer[kBufferSize];
    u64 m_line_ends[kBufferSize / 64];
    u32 m_read_tail { 0 };
    u32 m_canon_head { 0 };
    u32 m_read_head { 0 };
    // Where the line a reader is in started: an EOF marker right after a
    // partly read line does not mean end of file.
    u32 m_line_start { 0 };
    // The last line end is the artificial one set_termios() made when
    // canonical mode came on (not an EOF even if it holds NUL).
    bool m_push { false };
    bool m_lnext { false };
    bool m_output_stopped { false };

    u32 m_column { 0 };       // the cursor's column as output moved it
    u32 m_canon_column { 0 }; // where the line being edited started

    u8 m_echo[kEchoSize];
    u32 m_echo_head { 0 };
    u32 m_echo_tail { 0 };
};

}
