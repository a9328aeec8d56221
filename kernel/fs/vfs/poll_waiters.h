// Where poll(), select() and their kin sleep (CONCEPTS F4): one system-wide
// generation counter and wait queue. Whatever can change a file's
// readiness (a pipe gaining data or losing its last writer, a terminal
// receiving a line) calls notify(); a poller that found nothing ready
// sleeps until the generation moves past the one it saw, then scans its
// descriptors again. notify() costs one atomic increment and one load
// when nobody polls, so the hot paths (pipe read/write) pay almost nothing.
//
// epoll (fs/epoll.h) needs to know *which* file changed, so that a wait
// looks only at its ready list instead of every watched descriptor. A
// file that can say so has a PollHead (FileOperations::poll_head): a list
// of PollHooks, each a callback an epoll item registered. Its owner calls
// PollHead::notify(), which runs the hooks and then notify(). A file
// without a head of its own (a terminal, a device, a socket that has not
// grown one) is watched through global_head(), whose hooks every
// notify() runs: it works everywhere, at the price of a little spurious
// work for those few files.
//
// Hooks run with the head's spinlock held, possibly in interrupt context
// (a terminal's input, a timer): they must not sleep or allocate, and
// once PollHead::remove() returns the hook is not running and never will.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/types.h>

namespace poll_waiters {

struct PollHook {
    using Callback = void (*)(PollHook&);
    Callback callback { nullptr };
    void* context { nullptr };
    IntrusiveListNode node; // on a PollHead while registered
};

class PollHead {
public:
    constexpr PollHead() = default;
    PollHead(PollHead const&) = delete;
    PollHead& operator=(PollHead const&) = delete;

    void add(PollHook&);
    void remove(PollHook&);
    // Runs the hooks, then the global notify(): the one call a file's
    // owner makes when its readiness may have changed.
    void notify();
    // Runs the hooks only: for a hook that chains to another head (nested
    // epoll), inside an outer notify() that will wake the pollers anyway.
    void run_hooks();
    bool has_hooks() const { return m_count.load(std::memory_order_acquire) != 0; }

private:
    Spinlock m_lock { "poll head" };
    IntrusiveList<PollHook, &PollHook::node> m_hooks;
    std::atomic<u32> m_count { 0 };
};

// The head of files that have none of their own: notify() runs its hooks.
PollHead& global_head();

u64 generation();
void notify();
// Sleeps until the generation differs from `seen`, the monotonic clock
// reaches `deadline_ns` (0 = none: ETIMEDOUT then), or the caller is
// interrupted (EINTR).
ErrorOr<void> wait(u64 seen, u64 deadline_ns);

}
