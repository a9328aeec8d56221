// The line discipline (tty/line_discipline.h), after Linux's n_tty.c:
// the same order of checks on input, the same echo for each editing key
// and the same output processing, so that programs and people see what
// they see on Linux.
#include <lib/string.h>
#include <tty/line_discipline.h>

namespace tty {

namespace {

// ASCII controls. (Linux's ctype also counts 0x80-0x9F, which would turn
// UTF-8 continuation bytes into "^X" echoes; ASCII is what a person means.)
bool is_control(u8 c) { return c < 0x20 || c == 0x7F; }
bool is_word_char(u8 c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}

LineDiscipline::LineDiscipline()
    : m_termios(default_termios())
{
    memset(m_line_ends, 0, sizeof(m_line_ends));
}

bool LineDiscipline::is_erase(u8 c) const
{
    u8 erase = m_termios.c_cc[VERASE];
    if (c == 0)
        return false;
    if (c == erase)
        return true;
    // Backspace and DEL both erase while the erase character is one of
    // them: terminals disagree on which the key sends (the PS/2 driver and
    // Linux's console send DEL, many serial terminals ^H).
    return (erase == 0x7F || erase == 0x08) && (c == 0x7F || c == 0x08);
}

void LineDiscipline::set_termios(LinuxTermios const& termios)
{
    bool had_ixon = iflag(IXON);
    bool mode_changed = (m_termios.c_lflag ^ termios.c_lflag) & (ICANON | EXTPROC);
    m_termios = termios;
    if (mode_changed) {
        memset(m_line_ends, 0, sizeof(m_line_ends));
        m_line_start = m_read_tail;
        if (!is_canonical() || queued() == 0) {
            m_canon_head = m_read_tail;
            m_push = false;
        } else {
            // What raw mode left unread becomes one line, ending at its
            // last byte (not an EOF marker even if that byte is NUL).
            set_line_end(m_read_head - 1);
            m_canon_head = m_read_head;
            m_push = true;
        }
        m_lnext = false;
    }
    if (had_ixon && !iflag(IXON))
        m_output_stopped = false;
}

LineDiscipline::ReceiveResult LineDiscipline::receive(u8 c)
{
    ReceiveResult result;
    if (iflag(ISTRIP))
        c &= 0x7F;
    if (iflag(IUCLC) && lflag(IEXTEN) && c >= 'A' && c <= 'Z')
        c = static_cast<u8>(c - 'A' + 'a');

    if (m_lnext) {
        m_lnext = false;
        result.readable = receive_ordinary(c);
        return result;
    }

    if (iflag(IXON)) {
        if (is_char(c, VSTART)) {
            m_output_stopped = false;
            result.output_started = true;
            return result;
        }
        if (is_char(c, VSTOP)) {
            m_output_stopped = true;
            return result;
        }
    }
    if (lflag(ISIG)) {
        if (is_char(c, VINTR))
            return receive_signal_char(kSigInt, c);
        if (is_char(c, VQUIT))
            return receive_signal_char(kSigQuit, c);
        if (is_char(c, VSUSP))
            return receive_signal_char(kSigTstp, c);
    }
    if (m_output_stopped && iflag(IXON) && iflag(IXANY)) {
        m_output_stopped = false;
        result.output_started = true;
    }

    if (c == '\r') {
        if (iflag(IGNCR))
            return result;
        if (iflag(ICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(INLCR)) {
        c = '\r';
    }

    if (is_canonical()) {
        if (is_erase(c) || is_char(c, VKILL) || (is_char(c, VWERASE) && lflag(IEXTEN))) {
            eraser(c);
            return result;
        }
        if (is_char(c, VLNEXT) && lflag(IEXTEN)) {
            m_lnext = true;
            if (lflag(ECHO) && lflag(ECHOCTL)) {
                // A '^' the next character's echo overwrites.
                echo_raw('^');
                echo_raw('\b');
            }
            return result;
        }
        if (is_char(c, VREPRINT) && lflag(ECHO) && lflag(IEXTEN)) {
            echo_char(c);
            echo_raw('\n');
            for (u32 i = m_canon_head; i != m_read_head; ++i)
                echo_char(at(i));
            return result;
        }
        if (c == '\n') {
            if (lflag(ECHO) || lflag(ECHONL))
                echo_raw('\n');
            result.readable = end_line(c);
            return result;
        }
        if (is_char(c, VEOF)) {
            // Not echoed; queued as the NUL that marks an end of file.
            result.readable = end_line(0);
            return result;
        }
        if (is_char(c, VEOL) || (is_char(c, VEOL2) && lflag(IEXTEN))) {
            if (lflag(ECHO)) {
                if (m_canon_head == m_read_head)
                    set_canon_column();
                echo_char(c);
            }
            result.readable = end_line(c);
            return result;
        }
    }

    result.readable = receive_ordinary(c);
    return result;
}

LineDiscipline::ReceiveResult LineDiscipline::receive_signal_char(int signal, u8 c)
{
    ReceiveResult result;
    result.signal = signal;
    // Linux also drops echo not yet written; here echo of what was typed
    // before stays, so the screen shows "partial^C" whether or not the
    // bytes arrived in one batch.
    if (!lflag(NOFLSH))
        flush_input();
    if (iflag(IXON) && m_output_stopped) {
        m_output_stopped = false;
        result.output_started = true;
    }
    if (lflag(ECHO))
        echo_char(c);
    return result;
}

bool LineDiscipline::receive_ordinary(u8 c)
{
    // A canonical line keeps its last slot for the newline that ends it.
    u32 limit = is_canonical() ? kBufferSize - 1 : kBufferSize;
    if (queued() >= limit) {
        if (iflag(IMAXBEL))
            echo_byte('\a');
        return false;
    }
    if (lflag(ECHO)) {
        if (c == '\n') {
            echo_raw('\n');
        } else {
            if (m_canon_head == m_read_head)
                set_canon_column();
            echo_char(c);
        }
    }
    put(c);
    return !is_canonical();
}

bool LineDiscipline::end_line(u8 c)
{
    if (!put(c))
        return false;
    set_line_end(m_read_head - 1);
    m_canon_head = m_read_head;
    return true;
}

bool LineDiscipline::put(u8 c)
{
    if (queued() >= kBufferSize)
        return false;
    clear_line_end(m_read_head);
    m_buffer[m_read_head & kMask] = c;
    ++m_read_head;
    return true;
}

void LineDiscipline::eraser(u8 c)
{
    if (m_read_head == m_canon_head)
        return;
    enum class Kind { Erase, WordErase, Kill } kind;
    if (is_erase(c)) {
        kind = Kind::Erase;
    } else if (is_char(c, VWERASE)) {
        kind = Kind::WordErase;
    } else {
        if (!lflag(ECHO)) {
            m_read_head = m_canon_head;
            return;
        }
        if (!lflag(ECHOK) || !lflag(ECHOKE) || !lflag(ECHOE)) {
            // Killed without erasing on screen: show the kill character,
            // and with ECHOK go to a new line.
            m_read_head = m_canon_head;
            echo_char(c);
            if (lflag(ECHOK))
                echo_raw('\n');
            return;
        }
        kind = Kind::Kill;
    }

    u32 seen_word_chars = 0;
    while (m_read_head != m_canon_head) {
        // One character: with IUTF8, a UTF-8 sequence as a whole.
        u32 head = m_read_head;
        u8 erased;
        do {
            --head;
            erased = at(head);
        } while (is_continuation(erased) && head != m_canon_head);
        if (is_continuation(erased))
            break; // never half a character

        if (kind == Kind::WordErase) {
            // Linux's (BSD's ALTWERASE) rule: separators after the word
            // go too, the word's own characters, then stop.
            if (is_word_char(erased))
                ++seen_word_chars;
            else if (seen_word_chars)
                break;
        }
        m_read_head = head;

        if (lflag(ECHO)) {
            if (kind == Kind::Erase && !lflag(ECHOE)) {
                echo_char(c);
            } else if (erased == '\t') {
                // How far back the tab went depends on what precedes it
                // back to the previous tab or the start of the line.
                u32 columns = 0;
                bool after_tab = false;
                for (u32 tail = m_read_head; tail != m_canon_head;) {
                    --tail;
                    u8 before = at(tail);
                    if (before == '\t') {
                        after_tab = true;
                        break;
                    }
                    if (is_control(before)) {
                        if (lflag(ECHOCTL))
                            columns += 2;
                    } else if (!is_continuation(before)) {
                        ++columns;
                    }
                }
                echo_erase_tab(columns, after_tab);
            } else {
                // A control echoed as "^X" takes two columns, one echoed raw none.
                if (is_control(erased) && lflag(ECHOCTL)) {
                    echo_raw('\b');
                    echo_raw(' ');
                    echo_raw('\b');
                }
                if (!is_control(erased) || lflag(ECHOCTL)) {
                    echo_raw('\b');
                    echo_raw(' ');
                    echo_raw('\b');
                }
            }
        }
        if (kind == Kind::Erase)
            break;
    }
}

void LineDiscipline::echo_erase_tab(u32 columns, bool after_tab)
{
    if (!after_tab)
        columns += m_canon_column;
    u32 backspaces = 8 - (columns & 7);
    if (backspaces > m_column)
        backspaces = m_column;
    while (backspaces--) {
        echo_byte('\b');
        if (m_column > 0)
            --m_column;
    }
}

void LineDiscipline::echo_char(u8 c)
{
    if (lflag(ECHOCTL) && is_control(c) && c != '\t') {
        echo_byte('^');
        echo_byte(c ^ 0x40); // ^C for 0x03, ^? for DEL
        m_column += 2;
        return;
    }
    echo_raw(c);
}

void LineDiscipline::echo_raw(u8 c)
{
    if (!oflag(OPOST)) {
        echo_byte(c);
        return;
    }
    u8 out[8];
    usize length = output_char(c, out);
    for (usize i = 0; i < length; ++i)
        echo_byte(out[i]);
}

void LineDiscipline::echo_byte(u8 c)
{
    if (m_echo_head - m_echo_tail >= kEchoSize)
        return; // the screen is that far behind: drop, as Linux overwrites
    m_echo[m_echo_head % kEchoSize] = c;
    ++m_echo_head;
}

usize LineDiscipline::take_echo(u8* out, usize capacity)
{
    usize count = 0;
    while (count < capacity && m_echo_tail != m_echo_head) {
        out[count++] = m_echo[m_echo_tail % kEchoSize];
        ++m_echo_tail;
    }
    if (m_echo_tail == m_echo_head)
        m_echo_head = m_echo_tail = 0;
    return count;
}

usize LineDiscipline::output_char(u8 c, u8* out)
{
    switch (c) {
    case '\n':
        if (oflag(ONLRET))
            m_column = 0;
        if (oflag(ONLCR)) {
            m_canon_column = m_column = 0;
            out[0] = '\r';
            out[1] = '\n';
            return 2;
        }
        m_canon_column = m_column;
        break;
    case '\r':
        if (oflag(ONOCR) && m_column == 0)
            return 0;
        if (oflag(OCRNL)) {
            c = '\n';
            if (oflag(ONLRET))
                m_canon_column = m_column = 0;
            break;
        }
        m_canon_column = m_column = 0;
        break;
    case '\t': {
        u32 spaces = 8 - (m_column & 7);
        m_column += spaces;
        if ((m_termios.c_oflag & TABDLY) == XTABS) {
            for (u32 i = 0; i < spaces; ++i)
                out[i] = ' ';
            return spaces;
        }
        break;
    }
    case '\b':
        if (m_column > 0)
            --m_column;
        break;
    default:
        if (!is_control(c)) {
            if (oflag(OLCUC) && c >= 'a' && c <= 'z')
                c = static_cast<u8>(c - 'a' + 'A');
            if (!is_continuation(c))
                ++m_column;
        }
        break;
    }
    out[0] = c;
    return 1;
}

usize LineDiscipline::process_output(u8 const* in, usize count, u8* out, usize capacity, usize& produced)
{
    produced = 0;
    if (!oflag(OPOST)) {
        usize length = count < capacity ? count : capacity;
        memcpy(out, in, length);
        produced = length;
        return length;
    }
    usize consumed = 0;
    // One byte expands to at most 8 (a tab under XTABS).
    while (consumed < count && capacity - produced >= 8) {
        produced += output_char(in[consumed], out + produced);
        ++consumed;
    }
    return consumed;
}

bool LineDiscipline::input_available(bool for_poll) const
{
    if (is_canonical())
        return m_canon_head != m_read_tail;
    u32 amount = 1;
    if (for_poll && m_termios.c_cc[VTIME] == 0 && m_termios.c_cc[VMIN] > 0)
        amount = m_termios.c_cc[VMIN];
    return queued() >= amount;
}

LineDiscipline::CanonicalRead LineDiscipline::read_canonical(u8* out, usize capacity)
{
    CanonicalRead result;
    u32 available = m_canon_head - m_read_tail;
    if (capacity == 0 || available == 0)
        return result;
    // Look one byte past what fits: an EOF marker there ends the line
    // without taking room.
    u32 limit = capacity < available ? static_cast<u32>(capacity) + 1 : available;
    if (limit > available)
        limit = available;
    u32 tail = m_read_tail;
    u32 length = 0;
    bool found = false;
    for (; length < limit; ++length) {
        if (is_line_end(tail + length)) {
            found = true;
            break;
        }
    }

    u32 copy;
    u32 consume;
    if (!found) {
        copy = consume = length < capacity ? length : static_cast<u32>(capacity);
    } else if (!m_push && at(tail + length) == 0) {
        copy = length; // the data before the EOF marker; the marker is dropped
        consume = length + 1;
        result.line_done = true;
        result.eof_push = length == 0 && m_read_tail != m_line_start;
    } else if (length + 1 <= capacity) {
        copy = consume = length + 1; // the line with its end character
        result.line_done = true;
    } else {
        copy = consume = static_cast<u32>(capacity); // the end character does not fit
    }

    for (u32 i = 0; i < copy; ++i)
        out[i] = at(tail + i);
    m_read_tail += consume;
    result.count = copy;
    if (result.line_done) {
        clear_line_end(tail + length);
        if (!m_push)
            m_line_start = m_read_tail;
        else
            m_push = false;
    }
    return result;
}

usize LineDiscipline::read_raw(u8* out, usize capacity)
{
    u32 count = queued();
    if (capacity < count)
        count = static_cast<u32>(capacity);
    for (u32 i = 0; i < count; ++i)
        out[i] = at(m_read_tail + i);
    m_read_tail += count;
    return count;
}

usize LineDiscipline::readable_count() const
{
    if (!is_canonical())
        return queued();
    usize count = 0;
    bool push = m_push; // the first line end is then the pushed one: data
    for (u32 i = m_read_tail; i != m_canon_head; ++i) {
        if (is_line_end(i)) {
            bool eof_marker = !push && at(i) == 0;
            push = false;
            if (eof_marker)
                continue;
        }
        ++count;
    }
    return count;
}

void LineDiscipline::flush_input()
{
    m_read_tail = m_canon_head = m_read_head = m_line_start = 0;
    memset(m_line_ends, 0, sizeof(m_line_ends));
    m_push = false;
    m_lnext = false;
}

}
