// Record locks (fcntl F_SETLK and friends, syscall/file_descriptors.cpp):
// what the process manager must tell them.
#pragma once

class Process;

namespace file_locks {

// Drops every POSIX record lock `process` holds (exit, execve).
void release_process(Process const& process);

}
