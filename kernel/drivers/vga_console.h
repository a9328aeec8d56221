// The VGA text-mode console (CONCEPTS A4, A7 display): the screen a person at
// the machine sees. 80x25 character cells at physical 0xB8000, each a
// character and a colour attribute; the blinking cursor is the CRT
// controller's (ports 0x3D4/0x3D5).
//
// It understands the control characters a terminal does (newline, carriage
// return, tab, backspace, bell) and the common ANSI escape sequences (colours,
// cursor movement, clearing), so the log, the console echo and, later, the
// tty layer can all write to it as to a terminal.
//
// Callers: kernel_main (init, after paging); the log, as one of its sinks.
#pragma once

#include <lib/types.h>

namespace vga_console {

// Maps the text buffer, clears it, replays the recent log onto it and joins
// the log's sinks. Does nothing (and says so) when the boot loader set a
// graphics mode instead of text.
void init();
bool active();

// Write text as a terminal would (the log-sink signature).
void write(const char* text, size_t length);

u32 columns();
u32 rows();
// For the self-tests: what the screen holds and where the cursor is.
u16 cell(u32 row, u32 column); // character | attribute << 8
void cursor(u32& row, u32& column);
u16 hardware_cursor_offset(); // row * columns + column, as the CRTC has it

}
