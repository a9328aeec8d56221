// Pseudo-terminals (issue 5): /dev/ptmx (5:2) and the slaves /dev/pts/N
// (136:N) of fs/devpts, as Linux's Unix98 ptys, so glibc's posix_openpt,
// grantpt, unlockpt and ptsname work unchanged.
//
// Each open of /dev/ptmx makes a pair: a master (the open file it
// returns) and a slave, a Tty (tty/tty.h) with the same line discipline
// and job control as the console, whose "hardware" is the master:
//   master write  -> the slave's input (Tty::receive: echo, canonical
//                    lines, ^C/^Z to the slave's foreground group)
//   slave write   -> OPOST processing (ONLCR...) -> a 4 KiB buffer the
//                    master reads; a full buffer blocks the slave's writers
//   master ioctl  TIOCGPTN (the number), TIOCSPTLCK/TIOCGPTLCK (the slave
//                 is locked - its open EIO - until unlockpt), FIONREAD, and
//                 the slave's settings (TCGETS/TCSETS, TIOCSWINSZ: SIGWINCH
//                 to the slave's foreground group, TIOCGPGRP...)
// The slave's node appears with the master, owned by the opener, group
// tty, mode 0620 (what grantpt would leave), and goes with it.
//
// Ends: the master's last close hangs the slave up (reads end of file,
// writes EIO, SIGHUP+SIGCONT to the session's controlling process and
// foreground group) and frees its number; a master read once every slave
// descriptor is closed is EIO (after what was buffered), and poll says
// POLLHUP. Both sides poll through the VFS (poll_waiters).
//
// Not here: packet mode (TIOCPKT), TIOCGPTPEER, TIOCSTI.
#pragma once

#include <lib/error_or.h>

namespace pty {

// Boot, after devfs::init(): the devpts instance and /dev/ptmx.
ErrorOr<void> init();

}
