// COM1 (16550 UART at I/O port 0x3F8): the kernel's first console, the one
// `make run` and every test harness talk to. Output is polled so a panic can
// always print; input arrives by interrupt (IRQ 4) once interrupts are up.
#pragma once

#include <lib/types.h>

namespace serial {

void init();
void write(const char* text, size_t length); // translates "\n" to "\r\n"
void put_char(char c);
// Called from the IRQ 4 handler; hands received bytes to the console input.
void handle_interrupt();
// Turns on the receive interrupt (after the I/O APIC routes IRQ 4).
void enable_receive_interrupt();

}
