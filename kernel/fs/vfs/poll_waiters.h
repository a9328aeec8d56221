// Where poll(), select() and their kin sleep (CONCEPTS F4): one system-wide
// generation counter and wait queue. Whatever can change a file's
// readiness (a pipe gaining data or losing its last writer, a terminal
// receiving a line) calls notify(); a poller that found nothing ready
// sleeps until the generation moves past the one it saw, then scans its
// descriptors again. notify() costs one atomic increment and one load
// when nobody polls, so the hot paths (pipe read/write) pay almost nothing.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

namespace poll_waiters {

u64 generation();
void notify();
// Sleeps until the generation differs from `seen`, the monotonic clock
// reaches `deadline_ns` (0 = none: ETIMEDOUT then), or the caller is
// interrupted (EINTR).
ErrorOr<void> wait(u64 seen, u64 deadline_ns);

}
