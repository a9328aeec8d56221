// What an exiting process asks of the layers above the process manager,
// which it cannot include: declared here with weak defaults that do
// nothing (proc/process_groups.cpp); the terminal's job control
// (tty/job_control.cpp) defines the real one and the linker takes it.
#pragma once

#include <proc/pid.h>

namespace process::hooks {

// The last thread of session leader `sid` is exiting (exit_user_thread,
// no lock held): its controlling terminal's foreground group gets SIGHUP
// and SIGCONT, and the terminal leaves the session (Linux's
// disassociate_ctty on exit).
void session_leader_exiting(pid_t sid);

}
