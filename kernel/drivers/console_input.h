// Where typed characters go: both the serial UART and the PS/2 keyboard hand
// each byte to console_input::receive() from their interrupt handlers. Until
// the console terminal (tty/console_tty.cpp) takes the input over, this
// echoes the character to every console and keeps it in a small ring a
// reader can drain (the kernel monitor's wait_char()). Once a receiver is
// set, every byte goes to it instead - no echo here, nothing in the ring -
// so the monitor and the terminal never compete for a keystroke.
#pragma once

#include <lib/types.h>

namespace console_input {

void receive(char c);
// Hands all later input to `receiver` (called in interrupt context; it
// must only queue the byte), after passing it what the ring holds.
using Receiver = void (*)(char c);
void set_receiver(Receiver receiver);
// Takes the oldest buffered character; false when none is waiting.
bool read_char(char& out);
// Takes the oldest buffered character, sleeping on a wait queue until one
// arrives (thread context only; the kernel monitor reads lines with it).
char wait_char();
// Total characters received since boot (for the self-tests).
u64 received_count();

}
