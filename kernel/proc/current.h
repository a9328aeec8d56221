// The calling user process, for system-call handlers: its PCB and the
// pieces of it every file or memory call needs, as references (a user
// process always has them while it runs; see Process's field comments).
// Only for code running on behalf of a user process (a syscall, a fault
// from user mode): VERIFY-fails in a kernel thread.
#pragma once

#include <fs/vfs/context.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <mm/address_space.h>
#include <proc/process.h>

namespace vfs {
// The system's one mount table (fs/root.cpp).
MountTable& system_mounts();
}

namespace current {

Process& process();
Thread& thread();
mm::AddressSpace& address_space();
vfs::FdTable& fd_table();
vfs::FsContext& fs();
Credentials const& credentials();

// What the VFS's path calls take: mount table, root, credentials, umask.
vfs::Context vfs_context();
// The soft limit of RLIMIT_* `resource` (rlimit::kInfinity when unlimited).
u64 limit(int resource);
// A blocking call should stop waiting and return (EINTR): the process is
// exiting, or a signal is pending and not blocked.
bool interrupted();

}
