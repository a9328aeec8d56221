// Terminal job control (issue 5, CONCEPTS C1 jobs): which terminal is a
// process's controlling terminal, and what a terminal does to processes
// of its session that are not in its foreground group.
//
// The controlling terminal is kept on the terminal's side: a Tty names
// the session it controls (Tty::m_session), and the terminals that may be
// one are on a registry here, so a process's controlling terminal is the
// registered terminal whose session is its own - unless the process gave
// it up alone with TIOCNOTTY (Process::has_left_controlling_tty). A
// session has at most one, because only a leader without one may take
// one (TIOCSCTTY, or opening a terminal without O_NOCTTY).
//
// Rules (Linux's drivers/tty/tty_jobctrl.c):
//   read from the background      SIGTTIN to the reader's group and the
//                                 read restarts once it is continued; EIO
//                                 when SIGTTIN is ignored or blocked or
//                                 the group is orphaned
//   write with TOSTOP, tcsetattr, SIGTTOU likewise, but an ignored or
//   TIOCSPGRP, TCFLSH... from     blocked SIGTTOU lets it go through
//   the background
//   TIOCSCTTY                     session leader without a terminal;
//                                 one of another session only with arg 1
//                                 as root (it is taken from that session)
//   TIOCSPGRP                     ENOTTY unless the caller's terminal,
//                                 EPERM for a group of another session
//   the session leader exits      SIGHUP+SIGCONT to the foreground group,
//                                 the terminal leaves the session
//   hang-up (pty master closed)   SIGHUP+SIGCONT to the controlling
//                                 process and the foreground group
//
// Lock order: the process lock -> the registry mutex -> a terminal's
// mutex. Nothing here takes the process lock with a terminal lock held.
#pragma once

#include <fs/vfs/file_operations.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>
#include <lib/types.h>

namespace tty {

class Tty;

// Terminals that can be controlling terminals: the console at boot, each
// pty slave while its master is open.
void register_terminal(Tty&);
void unregister_terminal(Tty&);

// /dev/tty: the caller's controlling terminal opened (ENXIO: none).
ErrorOr<RefPtr<vfs::FileOperations>> open_controlling_terminal(u32 flags);

// Whether `tty` is the calling process's controlling terminal.
bool is_controlling_terminal_of_current(Tty&);

// Before a read (SIGTTIN) or a write with TOSTOP or a change of settings
// (SIGTTOU) by the calling process: 0 to go on, EINTR after sending the
// signal to the caller's group (the call restarts when it is continued),
// or EIO. Called with no terminal lock held.
ErrorOr<void> check_background(Tty&, int signal);

// Opening one of its devices without O_NOCTTY: a session leader without
// a controlling terminal takes this one if it is free.
void acquire_on_open(Tty&, u32 flags);

// The ioctls.
ErrorOr<void> set_controlling_terminal(Tty&, bool readable, bool steal);
ErrorOr<void> give_up_controlling_terminal(Tty&);
ErrorOr<void> set_foreground_group(Tty&, i32 pgid);

// The session's hold ends (hang-up, a leader's exit or TIOCNOTTY): SIGHUP
// and SIGCONT to the foreground group `pgid` and, with
// `signal_leader`, to the controlling process `sid`.
void signal_hang_up(i32 sid, i32 pgid, bool signal_leader);

}
