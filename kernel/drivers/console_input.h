// Where typed characters go: both the serial UART and the PS/2 keyboard hand
// each byte to console_input::receive() from their interrupt handlers. Until
// the terminal layer (kernel/tty) exists, this echoes the character to every
// console and keeps it in a small ring a reader can drain.
#pragma once

#include <lib/types.h>

namespace console_input {

void receive(char c);
// Takes the oldest buffered character; false when none is waiting.
bool read_char(char& out);
// Takes the oldest buffered character, sleeping on a wait queue until one
// arrives (thread context only; the kernel monitor reads lines with it).
char wait_char();
// Total characters received since boot (for the self-tests).
u64 received_count();

}
