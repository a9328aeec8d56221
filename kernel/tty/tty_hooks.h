// What the terminal asks of the process manager, which it cannot include
// (tty sits above proc only for job control, issue 5): one function,
// declared here with a weak default in tty_hooks.cpp that does nothing.
// Issue 5 (signals, sessions, job control) defines the real one in
// kernel/proc/ and the linker takes it instead.
//
// Callers: tty/tty.cpp, when ISIG turns ^C, ^\ or ^Z into a signal and
// when TIOCSWINSZ changes the window size. By then the line discipline has
// already done its part (dropped the typed input unless NOFLSH, echoed
// "^C"), so a missing signal leaves the terminal correct.
// Host-buildable.
#pragma once

#include <lib/types.h>

namespace tty::hooks {

// Sends signal `signo` (tty/termios.h: kSigInt, kSigQuit, kSigTstp,
// kSigWinch) to every process of group `pgid` (> 0). Called in thread
// context - the terminal's input worker or an ioctl - with no terminal
// lock held, so it may take mutexes and sleep.
void signal_foreground_group(i32 pgid, int signo);

}
