// Anonymous-inode files (Linux's anon_inodefs): epoll instances, eventfds,
// timerfds and signalfds are open file descriptions with no path. They
// share one inode of an internal file system (mode 0600, no file type,
// as on Linux), so fstat and the other calls that want a Location work
// on them. The file system is made on first use and kept for good.
//
// Callers: fs/epoll.cpp, ipc/eventfd.cpp, fs/timerfd.cpp, fs/signalfd.cpp.
#pragma once

#include <fs/vfs/open_file.h>
#include <lib/error_or.h>

namespace anon_inode {

// A new description served by `operations`; `flags` are the access mode
// and status flags (O_RDWR | O_NONBLOCK...).
ErrorOr<RefPtr<vfs::OpenFile>> create_file(RefPtr<vfs::FileOperations> operations, u32 flags);

// Installs `file` as the lowest free descriptor of the caller.
ErrorOr<long> install(RefPtr<vfs::OpenFile> file, bool close_on_exec);

}
