// The console terminal: the one Tty behind /dev/console (5,1), /dev/tty1
// (4,1) and /dev/ttyS0 (4,64) - output to the serial line and the VGA
// screen, input from the serial line and the PS/2 keyboard - and /dev/tty
// (5,0), "the caller's controlling terminal", which for now is always the
// console (issue 5 looks up the caller's session).
//
// Input stays with drivers/console_input (and the kernel monitor reading
// it) until one of these devices is first opened; from then on every byte
// goes to the terminal, so the monitor and a shell never both take a key.
#pragma once

#include <lib/error_or.h>

namespace tty {
class Tty;
}

namespace console_tty {

// Boot, after devfs::init() and process::init(): registers the four
// devices (with their /dev nodes) and starts the terminal's input worker.
ErrorOr<void> init();

// The console terminal (for the self-tests and a future kernel user).
tty::Tty& console();

}
