// The PS/2 keyboard (CONCEPTS A7 keyboard): the 8042 controller at ports
// 0x60/0x64, the keyboard on its first port, IRQ 1 through the I/O APIC.
// Key presses become the bytes a terminal would send (ASCII, control
// characters for Ctrl, ESC-prefixed for Alt, ANSI escape sequences for
// arrows and editing keys) and each byte goes to console_input::receive(),
// exactly as bytes typed on the serial line do.
//
// This file also wires COM1's receive interrupt (serial_input::init), the
// other way characters reach the console: serial.cpp has the UART, this the
// interrupt plumbing the two input devices share.
//
// Callers: kernel_main (both inits, after ioapic::init and ktime::init), the
// self-tests (handle_scancode, inject_through_controller).
#pragma once

#include <lib/types.h>

namespace ps2_keyboard {

// Resets the controller to a known state (devices off, buffer flushed,
// translation to scan code set 1 on), enables the keyboard and IRQ 1.
// Logs one line; leaves the keyboard off when no controller answers.
void init();
bool present();

// Decodes one byte of scan code set 1 (what the controller delivers with
// translation on). Called by the IRQ handler; public so that the decoding can
// be tested without a keyboard.
void handle_scancode(u8 scancode);

// Makes the controller deliver `scancode` as if the keyboard had sent it
// (command 0xD2), so it travels the whole path: controller, IRQ 1, I/O APIC,
// handler. For the self-tests.
bool inject_through_controller(u8 scancode);

u64 interrupt_count();

}

namespace serial_input {

// Routes COM1's IRQ 4 through the I/O APIC to serial::handle_interrupt()
// and turns the UART's receive interrupt on.
void init();
u64 interrupt_count();

}
