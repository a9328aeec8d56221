// PS/2 keyboard driver and COM1 receive-interrupt wiring; see ps2_keyboard.h.
//
// The controller translates the keyboard's scan code set 2 into set 1, the
// original PC/XT codes: one byte per key press (the "make" code), the same
// byte | 0x80 on release (the "break" code), an 0xE0 prefix for the keys the
// XT did not have (arrows, right Ctrl/Alt, keypad Enter and /), and the
// six-byte 0xE1 sequence of Pause. The tables below are the US layout.
#include <arch/x86_64/apic.h>
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/ioapic.h>
#include <drivers/console_input.h>
#include <drivers/ps2_keyboard.h>
#include <drivers/serial.h>
#include <lib/log.h>
#include <sched/clock.h>

namespace ps2_keyboard {

namespace {

constexpr u16 kData = 0x60;
constexpr u16 kStatus = 0x64; // read
constexpr u16 kCommand = 0x64; // write
constexpr u8 kStatusOutputFull = 1 << 0;
constexpr u8 kStatusInputFull = 1 << 1;
constexpr u8 kStatusAuxData = 1 << 5; // the byte is the mouse's, not the keyboard's

constexpr u8 kCmdReadConfig = 0x20;
constexpr u8 kCmdWriteConfig = 0x60;
constexpr u8 kCmdDisablePort2 = 0xA7;
constexpr u8 kCmdSelfTest = 0xAA;
constexpr u8 kCmdTestPort1 = 0xAB;
constexpr u8 kCmdDisablePort1 = 0xAD;
constexpr u8 kCmdEnablePort1 = 0xAE;
constexpr u8 kCmdWriteOutputBuffer = 0xD2;
constexpr u8 kSelfTestPassed = 0x55;
constexpr u8 kPortTestPassed = 0x00;

constexpr u8 kConfigPort1Irq = 1 << 0;
constexpr u8 kConfigPort2Irq = 1 << 1;
constexpr u8 kConfigPort1ClockOff = 1 << 4;
constexpr u8 kConfigPort2ClockOff = 1 << 5;
constexpr u8 kConfigTranslate = 1 << 6;

constexpr u8 kKbdSetLeds = 0xED;
constexpr u8 kKbdScanCodeSet = 0xF0;
constexpr u8 kKbdEnableScanning = 0xF4;
constexpr u8 kKbdAck = 0xFA;
constexpr u8 kKbdResend = 0xFE;

constexpr u8 kIrq = 1;
constexpr u64 kTimeoutNs = 50'000'000;

// Set 1 make codes 0x00-0x39 of the US layout; 0 for keys that are not
// characters (modifiers, locks). Backspace sends DEL as a Linux console does.
constexpr char kPlain[0x3A] = {
    0, 0x1B, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7F, '\t',       // 0x00-0x0F
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',        // 0x10-0x1F
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',       // 0x20-0x2F
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',                                         // 0x30-0x39
};
constexpr char kShifted[0x3A] = {
    0, 0x1B, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7F, '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

// Make codes of the keys handled by name.
enum Scancode : u8 {
    kLeftCtrl = 0x1D, // 0xE0 0x1D: right Ctrl
    kLeftShift = 0x2A,
    kRightShift = 0x36,
    kLeftAlt = 0x38, // 0xE0 0x38: right Alt
    kCapsLock = 0x3A,
    kF1 = 0x3B,
    kF10 = 0x44,
    kNumLock = 0x45,
    kScrollLock = 0x46,
    kKeypad7 = 0x47, // keypad block 0x47-0x53
    kKeypadMinus = 0x4A,
    kKeypadPlus = 0x4E,
    kKeypadDot = 0x53,
    kIso102nd = 0x56, // the extra key left of Z on ISO keyboards
    kF11 = 0x57,
    kF12 = 0x58,
    kExtendedPrefix = 0xE0,
    kPausePrefix = 0xE1,
    kKeypadEnterExt = 0x1C,
    kKeypadSlashExt = 0x35,
    kBreakBit = 0x80,
};

// The navigation function of keypad keys 0x47-0x53 (and of the 0xE0 keys
// with the same codes): the escape sequence an xterm / Linux console sends.
const char* navigation_sequence(u8 code)
{
    switch (code) {
    case 0x47: return "\x1b[H";  // Home
    case 0x48: return "\x1b[A";  // Up
    case 0x49: return "\x1b[5~"; // Page Up
    case 0x4B: return "\x1b[D";  // Left
    case 0x4D: return "\x1b[C";  // Right
    case 0x4F: return "\x1b[F";  // End
    case 0x50: return "\x1b[B";  // Down
    case 0x51: return "\x1b[6~"; // Page Down
    case 0x52: return "\x1b[2~"; // Insert
    case 0x53: return "\x1b[3~"; // Delete
    default: return nullptr;
    }
}

const char* function_key_sequence(u8 code)
{
    constexpr const char* kF1ToF10[10] = { "\x1bOP", "\x1bOQ", "\x1bOR", "\x1bOS", "\x1b[15~", "\x1b[17~",
        "\x1b[18~", "\x1b[19~", "\x1b[20~", "\x1b[21~" };
    if (code >= kF1 && code <= kF10)
        return kF1ToF10[code - kF1];
    if (code == kF11)
        return "\x1b[23~";
    if (code == kF12)
        return "\x1b[24~";
    return nullptr;
}

class Keyboard {
public:
    void handle(u8 byte);
    void reset_state() { *this = Keyboard {}; }

private:
    void press(u8 code, bool extended);
    void release(u8 code, bool extended);
    void emit_char(char c);
    void emit_sequence(const char* sequence);
    void toggle_lock(bool& lock);
    char translate(u8 code) const;

    bool m_extended { false };
    int m_pause_bytes_left { 0 };
    bool m_left_shift { false }, m_right_shift { false };
    bool m_left_ctrl { false }, m_right_ctrl { false };
    bool m_left_alt { false }, m_right_alt { false };
    bool m_caps_lock { false }, m_num_lock { false }, m_scroll_lock { false };
    bool m_led_update_pending { false };
};

Keyboard s_keyboard;
bool s_present;
volatile u64 s_interrupts;

u8 status() { return cpu::inb(kStatus); }

bool wait_input_empty()
{
    u64 deadline = ktime::monotonic_ns() + kTimeoutNs;
    while (status() & kStatusInputFull) {
        if (ktime::monotonic_ns() > deadline)
            return false;
        cpu::pause();
    }
    return true;
}

bool wait_output_full()
{
    u64 deadline = ktime::monotonic_ns() + kTimeoutNs;
    while (!(status() & kStatusOutputFull)) {
        if (ktime::monotonic_ns() > deadline)
            return false;
        cpu::pause();
    }
    return true;
}

bool send_command(u8 command)
{
    if (!wait_input_empty())
        return false;
    cpu::outb(kCommand, command);
    return true;
}

bool send_data(u8 data)
{
    if (!wait_input_empty())
        return false;
    cpu::outb(kData, data);
    return true;
}

bool read_data(u8& out)
{
    if (!wait_output_full())
        return false;
    out = cpu::inb(kData);
    return true;
}

void flush_output()
{
    for (int i = 0; i < 64 && (status() & kStatusOutputFull); ++i)
        cpu::inb(kData);
}

// A command to the keyboard itself (not the controller), polled while IRQ 1
// is still off; true when it acknowledged.
bool keyboard_command(u8 byte)
{
    for (int attempt = 0; attempt < 3; ++attempt) {
        u8 reply;
        if (!send_data(byte) || !read_data(reply))
            return false;
        if (reply == kKbdAck)
            return true;
        if (reply != kKbdResend)
            return false;
    }
    return false;
}

bool read_config(u8& config) { return send_command(kCmdReadConfig) && read_data(config); }
bool write_config(u8 config) { return send_command(kCmdWriteConfig) && send_data(config); }

void Keyboard::emit_char(char c)
{
    // Alt works as Meta: ESC before the character, as xterm's metaSendsEscape.
    if (m_left_alt || m_right_alt)
        console_input::receive(0x1B);
    console_input::receive(c);
}

void Keyboard::emit_sequence(const char* sequence)
{
    for (; *sequence; ++sequence)
        console_input::receive(*sequence);
}

void Keyboard::toggle_lock(bool& lock)
{
    lock = !lock;
    // The LED byte may only follow the keyboard's ACK of 0xED; handle()
    // sends it when that ACK arrives (from interrupt context, no waiting),
    // computed then, so a second toggle before the ACK needs no command.
    if (s_present && !m_led_update_pending && send_data(kKbdSetLeds))
        m_led_update_pending = true;
}

char Keyboard::translate(u8 code) const
{
    bool shift = m_left_shift || m_right_shift;
    char c = shift ? kShifted[code] : kPlain[code];
    if (c >= 'a' && c <= 'z' && m_caps_lock)
        c = static_cast<char>(c - 'a' + 'A');
    else if (c >= 'A' && c <= 'Z' && m_caps_lock)
        c = static_cast<char>(c - 'A' + 'a');
    if (m_left_ctrl || m_right_ctrl) {
        // Ctrl clears bits 5 and 6: ^A = 1 ... ^Z = 26, ^[ = ESC, ^@ and
        // Ctrl-Space = NUL, as on every terminal.
        if (c >= 'a' && c <= 'z')
            return static_cast<char>(c - 'a' + 1);
        if (c >= '@' && c <= '_')
            return static_cast<char>(c - '@');
        if (c == ' ')
            return 0;
        if (c == '?')
            return 0x7F;
    }
    return c;
}

void Keyboard::press(u8 code, bool extended)
{
    if (extended) {
        switch (code) {
        case kLeftCtrl:
            m_right_ctrl = true;
            return;
        case kLeftAlt:
            m_right_alt = true;
            return;
        case kKeypadEnterExt:
            emit_char('\n');
            return;
        case kKeypadSlashExt:
            emit_char('/');
            return;
        default:
            // Arrows and the editing block; 0xE0 0x2A ("fake shift") and the
            // Windows keys fall through to nothing.
            if (const char* sequence = navigation_sequence(code))
                emit_sequence(sequence);
            return;
        }
    }
    switch (code) {
    case kLeftShift:
        m_left_shift = true;
        return;
    case kRightShift:
        m_right_shift = true;
        return;
    case kLeftCtrl:
        m_left_ctrl = true;
        return;
    case kLeftAlt:
        m_left_alt = true;
        return;
    case kCapsLock:
        toggle_lock(m_caps_lock);
        return;
    case kNumLock:
        toggle_lock(m_num_lock);
        return;
    case kScrollLock:
        toggle_lock(m_scroll_lock);
        return;
    case kIso102nd:
        emit_char(m_left_shift || m_right_shift ? '|' : '\\');
        return;
    default:
        break;
    }
    if (code >= kKeypad7 && code <= kKeypadDot) {
        if (code == kKeypadMinus || code == kKeypadPlus) {
            emit_char(code == kKeypadMinus ? '-' : '+');
            return;
        }
        // Num Lock on: the digits; off (or with Shift, as on a PC): the
        // navigation keys printed under them.
        constexpr char kDigits[] = "789-456+1230.";
        bool digits = m_num_lock != (m_left_shift || m_right_shift);
        if (digits) {
            emit_char(kDigits[code - kKeypad7]);
        } else if (const char* sequence = navigation_sequence(code)) {
            emit_sequence(sequence);
        }
        return;
    }
    if (const char* sequence = function_key_sequence(code)) {
        emit_sequence(sequence);
        return;
    }
    if (code < sizeof(kPlain) && kPlain[code] != 0) {
        char c = translate(code);
        // Ctrl turns some characters into NUL: still a character to send.
        emit_char(c);
    }
}

void Keyboard::release(u8 code, bool extended)
{
    switch (code) {
    case kLeftShift:
        if (!extended) // 0xE0 0xAA is a "fake shift" release
            m_left_shift = false;
        break;
    case kRightShift:
        if (!extended)
            m_right_shift = false;
        break;
    case kLeftCtrl:
        (extended ? m_right_ctrl : m_left_ctrl) = false;
        break;
    case kLeftAlt:
        (extended ? m_right_alt : m_left_alt) = false;
        break;
    default:
        break;
    }
}

void Keyboard::handle(u8 byte)
{
    if (m_pause_bytes_left > 0) {
        --m_pause_bytes_left;
        return;
    }
    switch (byte) {
    case kPausePrefix:
        m_pause_bytes_left = 5; // E1 1D 45 E1 9D C5: Pause has no release and no meaning here
        return;
    case kExtendedPrefix:
        m_extended = true;
        return;
    case kKbdAck:
        if (m_led_update_pending) {
            m_led_update_pending = false;
            send_data(static_cast<u8>((m_scroll_lock ? 1 : 0) | (m_num_lock ? 2 : 0) | (m_caps_lock ? 4 : 0)));
        }
        return;
    case kKbdResend:
    case 0x00: // key detection error / buffer overrun
    case 0xFF:
    case 0xEE: // echo
        m_extended = false;
        return;
    default:
        break;
    }
    bool extended = m_extended;
    m_extended = false;
    if (byte & kBreakBit)
        release(byte & ~kBreakBit, extended);
    else
        press(byte, extended);
}

void keyboard_interrupt(InterruptFrame&)
{
    s_interrupts = s_interrupts + 1;
    // One byte per interrupt is the norm; draining what is there keeps a
    // lost edge from wedging the controller with a full buffer.
    for (int i = 0; i < 16; ++i) {
        u8 s = status();
        if (!(s & kStatusOutputFull))
            break;
        u8 byte = cpu::inb(kData);
        if (!(s & kStatusAuxData))
            s_keyboard.handle(byte);
    }
    apic::end_of_interrupt();
}

}

void init()
{
    if (status() == 0xFF) {
        log_info("PS/2: no controller (status port floats); no keyboard");
        return;
    }
    // Both devices off while the controller is set up, so no byte of theirs
    // is mistaken for a reply.
    send_command(kCmdDisablePort1);
    send_command(kCmdDisablePort2);
    flush_output();

    u8 config;
    if (!read_config(config)) {
        log_warn("PS/2: controller does not answer; no keyboard");
        return;
    }
    config &= static_cast<u8>(~(kConfigPort1Irq | kConfigPort2Irq | kConfigTranslate));
    write_config(config);

    u8 reply = 0;
    if (!send_command(kCmdSelfTest) || !read_data(reply) || reply != kSelfTestPassed) {
        log_warn("PS/2: controller self-test failed (%#x); no keyboard", reply);
        return;
    }
    // Some controllers reset their configuration in the self-test.
    write_config(config);
    if (!send_command(kCmdTestPort1) || !read_data(reply) || reply != kPortTestPassed) {
        log_warn("PS/2: first port test failed (%#x); no keyboard", reply);
        return;
    }
    send_command(kCmdEnablePort1);
    flush_output();

    // Scan code set 2 is every keyboard's default, and what the controller's
    // translation expects; say so explicitly in case the firmware changed it.
    bool answered = keyboard_command(kKbdScanCodeSet) && keyboard_command(2);
    answered = keyboard_command(kKbdSetLeds) && keyboard_command(0) && answered;
    answered = keyboard_command(kKbdEnableScanning) && answered;
    flush_output();

    s_keyboard.reset_state();
    s_present = true;
    interrupts::set_handler(interrupts::kIrqBase + kIrq, keyboard_interrupt);
    ioapic::route_isa_irq(kIrq, interrupts::kIrqBase + kIrq);
    config = static_cast<u8>((config | kConfigPort1Irq | kConfigTranslate | kConfigPort2ClockOff) & ~kConfigPort1ClockOff);
    write_config(config);
    log_info("PS/2: keyboard on IRQ %u (GSI %u, vector %u), scan code set 2 translated to 1%s", kIrq,
        ioapic::isa_irq_to_gsi(kIrq), interrupts::kIrqBase + kIrq, answered ? "" : ", keyboard silent");
}

bool present() { return s_present; }

void handle_scancode(u8 scancode)
{
    bool were_enabled = cpu::interrupts_enabled();
    cpu::cli(); // the decoder state is shared with the IRQ handler
    s_keyboard.handle(scancode);
    if (were_enabled)
        cpu::sti();
}

bool inject_through_controller(u8 scancode)
{
    if (!s_present)
        return false;
    return send_command(kCmdWriteOutputBuffer) && send_data(scancode);
}

u64 interrupt_count() { return s_interrupts; }

}

namespace serial_input {

namespace {
constexpr u8 kIrq = 4;
volatile u64 s_interrupts;

void serial_interrupt(InterruptFrame&)
{
    s_interrupts = s_interrupts + 1;
    serial::handle_interrupt();
    apic::end_of_interrupt();
}
}

void init()
{
    interrupts::set_handler(interrupts::kIrqBase + kIrq, serial_interrupt);
    ioapic::route_isa_irq(kIrq, interrupts::kIrqBase + kIrq);
    serial::enable_receive_interrupt();
    log_info("serial: COM1 input on IRQ %u (GSI %u, vector %u)", kIrq, ioapic::isa_irq_to_gsi(kIrq),
        interrupts::kIrqBase + kIrq);
}

u64 interrupt_count() { return s_interrupts; }

}
