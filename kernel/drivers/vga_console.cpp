// VGA text console; see vga_console.h.
//
// Every cell lives twice: in a RAM shadow and in the VGA buffer. Scrolling
// moves the shadow and copies it out, so the device memory (slow, uncached,
// and in an emulator a trap per access) is only ever written, never read.
// Writes run with interrupts off because the keyboard's echo reaches this
// code from interrupt context, in the middle of a log line.
#include <arch/x86_64/cpu.h>
#include <boot_info.h>
#include <drivers/vga_console.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/mmio.h>

namespace vga_console {

namespace {

constexpr PhysAddr kTextBuffer = 0xB8000;
constexpr u32 kMaxColumns = 132;
constexpr u32 kMaxRows = 60;
constexpr u16 kCrtcIndex = 0x3D4;
constexpr u16 kCrtcData = 0x3D5;
constexpr u8 kCrtcCursorStart = 0x0A;
constexpr u8 kCrtcCursorEnd = 0x0B;
constexpr u8 kCrtcCursorHigh = 0x0E;
constexpr u8 kCrtcCursorLow = 0x0F;
constexpr u8 kFramebufferEgaText = 2;

// VGA colour numbers for the ANSI colours 0-7 (black, red, green, yellow,
// blue, magenta, cyan, white); VGA orders them blue-green-red instead.
constexpr u8 kAnsiToVga[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };
constexpr u8 kDefaultForeground = 7; // light grey
constexpr u8 kDefaultBackground = 0;

class TextConsole {
public:
    void attach(VirtAddr buffer, u32 columns, u32 rows);
    bool attached() const { return m_buffer != nullptr; }
    void write(const char* text, size_t length);
    u32 columns() const { return m_columns; }
    u32 rows() const { return m_rows; }
    u16 cell(u32 row, u32 column) const { return m_shadow[row * m_columns + column]; }
    u32 row() const { return m_row; }
    u32 column() const { return m_column; }

private:
    enum class State { Text, Escape, Csi };
    static constexpr int kMaxParams = 4;

    u8 attribute() const;
    void put(u32 row, u32 column, char c);
    void put_printable(char c);
    void newline();
    void scroll_up();
    void clear(u32 from, u32 to); // cell offsets, [from, to)
    void flush_all();
    void sync_cursor();
    void csi(char command);
    void sgr();

    u16 volatile* m_buffer { nullptr };
    u32 m_columns { 0 };
    u32 m_rows { 0 };
    u32 m_row { 0 };
    u32 m_column { 0 }; // == m_columns: the line is full, wrap at the next character
    u8 m_foreground { kDefaultForeground };
    u8 m_background { kDefaultBackground };
    bool m_reverse { false };
    State m_state { State::Text };
    int m_params[kMaxParams] {};
    int m_param_count { 0 };
    u16 m_shadow[kMaxColumns * kMaxRows] {};
};

TextConsole s_console;

u8 TextConsole::attribute() const
{
    u8 fg = m_reverse ? m_background : m_foreground;
    u8 bg = m_reverse ? m_foreground : m_background;
    // Bit 7 of the attribute is blink, not bright background: keep it clear.
    return static_cast<u8>(((bg & 7) << 4) | (fg & 0xF));
}

void TextConsole::attach(VirtAddr buffer, u32 columns, u32 rows)
{
    m_buffer = reinterpret_cast<u16 volatile*>(buffer);
    m_columns = columns;
    m_rows = rows;
    clear(0, m_columns * m_rows);
    // Underline cursor in the last two scan lines of the 16-line font; the
    // top bits of both registers belong to other settings and are kept.
    cpu::outb(kCrtcIndex, kCrtcCursorStart);
    cpu::outb(kCrtcData, static_cast<u8>((cpu::inb(kCrtcData) & 0xC0) | 14));
    cpu::outb(kCrtcIndex, kCrtcCursorEnd);
    cpu::outb(kCrtcData, static_cast<u8>((cpu::inb(kCrtcData) & 0xE0) | 15));
    sync_cursor();
}

void TextConsole::put(u32 row, u32 column, char c)
{
    u32 offset = row * m_columns + column;
    u16 value = static_cast<u16>(static_cast<u8>(c) | (attribute() << 8));
    m_shadow[offset] = value;
    m_buffer[offset] = value;
}

void TextConsole::clear(u32 from, u32 to)
{
    u16 blank = static_cast<u16>(' ' | (attribute() << 8));
    for (u32 i = from; i < to; ++i) {
        m_shadow[i] = blank;
        m_buffer[i] = blank;
    }
}

void TextConsole::flush_all()
{
    for (u32 i = 0; i < m_columns * m_rows; ++i)
        m_buffer[i] = m_shadow[i];
}

void TextConsole::scroll_up()
{
    memmove(m_shadow, m_shadow + m_columns, (m_rows - 1) * m_columns * sizeof(u16));
    u16 blank = static_cast<u16>(' ' | (attribute() << 8));
    for (u32 i = (m_rows - 1) * m_columns; i < m_rows * m_columns; ++i)
        m_shadow[i] = blank;
    flush_all();
}

void TextConsole::newline()
{
    m_column = 0;
    if (m_row + 1 < m_rows)
        ++m_row;
    else
        scroll_up();
}

void TextConsole::put_printable(char c)
{
    if (m_column == m_columns)
        newline();
    put(m_row, m_column, c);
    ++m_column;
}

void TextConsole::sync_cursor()
{
    u32 column = m_column < m_columns ? m_column : m_columns - 1;
    u16 offset = static_cast<u16>(m_row * m_columns + column);
    cpu::outb(kCrtcIndex, kCrtcCursorHigh);
    cpu::outb(kCrtcData, static_cast<u8>(offset >> 8));
    cpu::outb(kCrtcIndex, kCrtcCursorLow);
    cpu::outb(kCrtcData, static_cast<u8>(offset & 0xFF));
}

// Select Graphic Rendition: ESC [ n ; n ... m
void TextConsole::sgr()
{
    if (m_param_count == 0)
        m_params[m_param_count++] = 0;
    for (int i = 0; i < m_param_count; ++i) {
        int p = m_params[i];
        if (p == 0) {
            m_foreground = kDefaultForeground;
            m_background = kDefaultBackground;
            m_reverse = false;
        } else if (p == 1) {
            m_foreground |= 8; // bold shows as bright on VGA
        } else if (p == 22) {
            m_foreground &= 7;
        } else if (p == 7) {
            m_reverse = true;
        } else if (p == 27) {
            m_reverse = false;
        } else if (p >= 30 && p <= 37) {
            m_foreground = static_cast<u8>((m_foreground & 8) | kAnsiToVga[p - 30]);
        } else if (p == 39) {
            m_foreground = static_cast<u8>((m_foreground & 8) | kDefaultForeground);
        } else if (p >= 40 && p <= 47) {
            m_background = kAnsiToVga[p - 40];
        } else if (p == 49) {
            m_background = kDefaultBackground;
        } else if (p >= 90 && p <= 97) {
            m_foreground = static_cast<u8>(8 | kAnsiToVga[p - 90]);
        } else if (p >= 100 && p <= 107) {
            m_background = kAnsiToVga[p - 100];
        }
    }
}

void TextConsole::csi(char command)
{
    int first = m_param_count > 0 ? m_params[0] : 0;
    u32 count = first > 0 ? static_cast<u32>(first) : 1;
    u32 column = m_column < m_columns ? m_column : m_columns - 1;
    switch (command) {
    case 'm':
        sgr();
        break;
    case 'A':
        m_row = m_row > count ? m_row - count : 0;
        break;
    case 'B':
        m_row = m_row + count < m_rows ? m_row + count : m_rows - 1;
        break;
    case 'C':
        m_column = column + count < m_columns ? column + count : m_columns - 1;
        break;
    case 'D':
        m_column = column > count ? column - count : 0;
        break;
    case 'H':
    case 'f': {
        // 1-based row;column, clamped to the screen.
        u32 row = first > 0 ? static_cast<u32>(first) - 1 : 0;
        u32 col = m_param_count > 1 && m_params[1] > 0 ? static_cast<u32>(m_params[1]) - 1 : 0;
        m_row = row < m_rows ? row : m_rows - 1;
        m_column = col < m_columns ? col : m_columns - 1;
        break;
    }
    case 'J': {
        u32 here = m_row * m_columns + column;
        if (first == 0)
            clear(here, m_columns * m_rows);
        else if (first == 1)
            clear(0, here + 1);
        else
            clear(0, m_columns * m_rows);
        break;
    }
    case 'K': {
        u32 line = m_row * m_columns;
        if (first == 0)
            clear(line + column, line + m_columns);
        else if (first == 1)
            clear(line, line + column + 1);
        else
            clear(line, line + m_columns);
        break;
    }
    default:
        break; // unsupported sequences are swallowed, never shown
    }
}

void TextConsole::write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        char c = text[i];
        if (m_state == State::Escape) {
            if (c == '[') {
                m_state = State::Csi;
                m_param_count = 0;
                m_params[0] = 0;
            } else {
                m_state = State::Text; // two-character escapes: ignored
            }
            continue;
        }
        if (m_state == State::Csi) {
            if (c >= '0' && c <= '9') {
                if (m_param_count == 0)
                    m_param_count = 1;
                int& p = m_params[m_param_count - 1];
                p = p < 10000 ? p * 10 + (c - '0') : p;
            } else if (c == ';') {
                if (m_param_count == 0)
                    m_param_count = 1;
                if (m_param_count < kMaxParams)
                    m_params[m_param_count++] = 0;
            } else if (c >= 0x40 && c <= 0x7E) {
                csi(c);
                m_state = State::Text;
            } else if (c == '?') {
                // private-mode marker (ESC [ ? 25 l): parsed, then ignored
            } else {
                m_state = State::Text;
            }
            continue;
        }
        switch (c) {
        case '\n':
            newline();
            break;
        case '\r':
            m_column = 0;
            break;
        case '\t': {
            u32 next = (m_column / 8 + 1) * 8;
            while (m_column < next && m_column < m_columns)
                put_printable(' ');
            break;
        }
        case '\b':
            if (m_column > 0)
                m_column = (m_column < m_columns ? m_column : m_columns) - 1;
            break;
        case 0x1B:
            m_state = State::Escape;
            break;
        default: {
            auto byte = static_cast<u8>(c);
            if (byte < 0x20 || byte == 0x7F)
                break; // bell and other controls: no glyph
            if (byte >= 0x80) {
                // UTF-8: one '?' per character, not one per byte; the VGA
                // font is code page 437, not Unicode.
                if ((byte & 0xC0) != 0x80)
                    put_printable('?');
                break;
            }
            put_printable(c);
        }
        }
    }
    sync_cursor();
}

// The text the log held before the console existed: whole lines only.
char s_replay[4096];

void replay_log()
{
    size_t count = log_read_ring(s_replay, sizeof(s_replay));
    size_t start = 0;
    if (count == sizeof(s_replay)) {
        while (start < count && s_replay[start] != '\n')
            ++start;
        ++start;
    }
    if (start < count)
        s_console.write(s_replay + start, count - start);
}

}

void init()
{
    auto const& info = boot_info();
    u32 columns = 80;
    u32 rows = 25;
    PhysAddr address = kTextBuffer;
    if (info.has_framebuffer) {
        auto const& fb = info.framebuffer;
        if (fb.type != kFramebufferEgaText) {
            log_info("VGA: the boot loader set a %ux%u graphics mode; no text console", fb.width, fb.height);
            return;
        }
        if (fb.width > 0 && fb.width <= kMaxColumns && fb.height > 0 && fb.height <= kMaxRows) {
            columns = fb.width;
            rows = fb.height;
            address = fb.address;
        }
    }
    auto mapped = mm::map_mmio(address, columns * rows * sizeof(u16));
    if (mapped.is_error()) {
        log_error("VGA: cannot map the text buffer at %#llx: %s", static_cast<unsigned long long>(address),
            mapped.error().name());
        return;
    }
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    s_console.attach(mapped.value(), columns, rows);
    replay_log();
    if (were_enabled)
        cpu::sti();
    log_add_sink(write);
    log_info("VGA: %ux%u text console at %#llx", columns, rows, static_cast<unsigned long long>(address));
}

bool active() { return s_console.attached(); }

void write(const char* text, size_t length)
{
    if (!s_console.attached())
        return;
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    s_console.write(text, length);
    if (were_enabled)
        cpu::sti();
}

u32 columns() { return s_console.columns(); }
u32 rows() { return s_console.rows(); }
u16 cell(u32 row, u32 column) { return s_console.cell(row, column); }

void cursor(u32& row, u32& column)
{
    row = s_console.row();
    column = s_console.column();
}

u16 hardware_cursor_offset()
{
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli();
    cpu::outb(kCrtcIndex, kCrtcCursorHigh);
    u8 high = cpu::inb(kCrtcData);
    cpu::outb(kCrtcIndex, kCrtcCursorLow);
    u8 low = cpu::inb(kCrtcData);
    if (were_enabled)
        cpu::sti();
    return static_cast<u16>((high << 8) | low);
}

}
