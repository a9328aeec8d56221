// 16550 UART driver for COM1; see serial.h.
#include <arch/x86_64/cpu.h>
#include <drivers/console_input.h>
#include <drivers/serial.h>

namespace serial {

namespace {
constexpr u16 kPort = 0x3F8;
constexpr u16 kData = kPort + 0;
constexpr u16 kInterruptEnable = kPort + 1;
constexpr u16 kFifoControl = kPort + 2;
constexpr u16 kLineControl = kPort + 3;
constexpr u16 kModemControl = kPort + 4;
constexpr u16 kLineStatus = kPort + 5;
constexpr u8 kLineStatusDataReady = 1 << 0;
constexpr u8 kLineStatusTransmitEmpty = 1 << 5;
bool s_present;
}

void init()
{
    cpu::outb(kInterruptEnable, 0x00);
    cpu::outb(kLineControl, 0x80); // DLAB: set the baud divisor
    cpu::outb(kData, 0x01);        // 115200 baud
    cpu::outb(kInterruptEnable, 0x00);
    cpu::outb(kLineControl, 0x03); // 8 bits, no parity, one stop bit
    cpu::outb(kFifoControl, 0xC7); // FIFO on, cleared, 14-byte threshold
    cpu::outb(kModemControl, 0x0B); // DTR, RTS, OUT2 (OUT2 gates the IRQ line)
    // A UART that is absent reads back 0xFF from every register.
    s_present = cpu::inb(kLineStatus) != 0xFF;
}

void put_char(char c)
{
    if (!s_present)
        return;
    // Bounded wait: a wedged UART must not hang the kernel log.
    for (int i = 0; i < 100000 && !(cpu::inb(kLineStatus) & kLineStatusTransmitEmpty); ++i)
        cpu::pause();
    cpu::outb(kData, static_cast<u8>(c));
}

void write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n')
            put_char('\r');
        put_char(text[i]);
    }
}

void enable_receive_interrupt()
{
    if (s_present)
        cpu::outb(kInterruptEnable, 0x01); // data available
}

void handle_interrupt()
{
    while (cpu::inb(kLineStatus) & kLineStatusDataReady) {
        char c = static_cast<char>(cpu::inb(kData));
        // Terminals send CR for Enter; the console works in "\n".
        console_input::receive(c == '\r' ? '\n' : c);
    }
}

}
