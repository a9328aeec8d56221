// eventfd (Linux's eventfd(2)): a 64-bit counter as a file. A write of
// an 8-byte value adds it (waiting while the sum would pass
// 0xfffffffffffffffe); a read returns the counter and zeroes it, or with
// EFD_SEMAPHORE returns 1 and decrements it, waiting while it is zero.
// Readable while the counter is above zero, writable while at least 1
// more fits. Buffers under 8 bytes and the value ~0 are EINVAL;
// O_NONBLOCK turns the waits into EAGAIN. Pollable through a PollHead,
// so epoll watches it without scanning.
//
// Callers: syscall/eventfd.cpp (eventfd, eventfd2).
#pragma once

#include <fs/vfs/open_file.h>
#include <lib/error_or.h>

namespace ipc {

constexpr u32 kEfdSemaphore = 1;
constexpr u32 kEfdCloexec = 02000000;
constexpr u32 kEfdNonblock = 04000;

// A new eventfd description starting at `initial`; `flags` may hold
// kEfdSemaphore and kEfdNonblock (the caller handles kEfdCloexec).
ErrorOr<RefPtr<vfs::OpenFile>> create_eventfd(u32 initial, u32 flags);

}
