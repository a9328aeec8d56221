// epoll (Linux's epoll(7)): an instance is a file that watches other open
// file descriptions and reports which are ready.
//
// Design (Linux's): each watched (description, fd) pair is an Item that
// hooks itself on the description's PollHead (fs/vfs/poll_waiters.h; the
// global head for files without one). When the file announces a change,
// the hook puts the Item on the instance's ready list and wakes its
// waiters. epoll_wait looks only at the ready list: it asks each queued
// Item's file for its current events, reports those asked for, and
// leaves a level-triggered Item queued (so it is asked again next time),
// drops an edge-triggered one until its next hook call, and disarms an
// EPOLLONESHOT one until EPOLL_CTL_MOD. A wait therefore costs the number
// of ready Items, not the number watched.
//
// Lifetimes: an Item holds no reference to the description it watches.
// The description's destructor (its last close, wherever the descriptors
// were: shared by fork, dup'ed, passed on) calls release_watches first
// thing, which unhooks and frees every Item on it; an instance's last
// close frees all of its own. Nested instances are hooked through the
// inner instance's own head; ELOOP keeps the graph acyclic and shallow.
//
// Locking (lock order): s_structure (one mutex: item sets and the files'
// watch lists; epoll_ctl, last closes) -> an instance's mutex (its items;
// held while asking files for their events, so a description being
// released waits for that) -> inner instances' mutexes -> a file's locks.
// The ready list has a spinlock of its own, taken by hooks in any
// context. Hooks chain through heads: a file's head lock -> an
// instance's ready lock -> its head lock -> the parent's ready lock.
//
// Callers: syscall/epoll.cpp.
#pragma once

#include <fs/vfs/open_file.h>
#include <lib/error_or.h>

namespace epoll {

constexpr u32 kEpollIn = 0x001;
constexpr u32 kEpollPri = 0x002;
constexpr u32 kEpollOut = 0x004;
constexpr u32 kEpollErr = 0x008;
constexpr u32 kEpollHup = 0x010;
constexpr u32 kEpollRdHup = 0x2000;
constexpr u32 kEpollExclusive = 1u << 28;
constexpr u32 kEpollWakeup = 1u << 29;
constexpr u32 kEpollOneshot = 1u << 30;
constexpr u32 kEpollEt = 1u << 31;

constexpr int kCtlAdd = 1;
constexpr int kCtlDel = 2;
constexpr int kCtlMod = 3;

// struct epoll_event: packed on x86-64.
struct [[gnu::packed]] Event {
    u32 events;
    u64 data;
};
static_assert(sizeof(Event) == 12);

ErrorOr<RefPtr<vfs::OpenFile>> create_instance();
bool is_instance(vfs::OpenFile const&);

// epoll_ctl on instance `epoll_file` (is_instance): EEXIST, ENOENT,
// EINVAL, ELOOP, EPERM (a file that cannot be polled), ENOMEM.
ErrorOr<void> control(vfs::OpenFile& epoll_file, int op, int fd, vfs::OpenFile& target, Event const& event);

// epoll_wait: up to `max` ready events into `out`. `timeout_ns` ~0:
// forever, 0: do not wait; otherwise 0 events when it passes. EINTR.
ErrorOr<usize> wait(vfs::OpenFile& epoll_file, Event* out, usize max, u64 timeout_ns);

}
