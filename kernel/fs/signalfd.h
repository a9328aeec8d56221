// signalfd (Linux's signalfd(2)): the calling thread's pending signals of
// a mask, read as struct signalfd_siginfo records (128 bytes each) and
// taken off the pending sets as they are read, instead of being
// delivered to handlers. The signals are normally blocked too, so they
// wait for the reader. Readable (poll/epoll) while one of the mask is
// pending for the thread asking; every signal that becomes pending runs
// signals::signalfd_head()'s hooks, which is how epoll hears of them.
//
// Callers: syscall/signalfd.cpp.
#pragma once

#include <fs/vfs/open_file.h>
#include <lib/error_or.h>
#include <proc/signal_abi.h>

namespace signalfd {

constexpr u32 kSfdCloexec = 02000000;
constexpr u32 kSfdNonblock = 04000;

ErrorOr<RefPtr<vfs::OpenFile>> create(signals::SigSet mask, u32 flags);
bool is_signalfd(vfs::OpenFile const&);
void set_mask(vfs::OpenFile&, signals::SigSet mask);

}
