// poll, ppoll, select, pselect6 (CONCEPTS F4): waiting for any of several
// descriptors to become ready. Each round asks every descriptor's
// OpenFile::poll(); with nothing ready the caller sleeps on the readiness
// generation (fs/vfs/poll_waiters.h) until something changes, the timeout
// passes or it is interrupted. ppoll and pselect6 install their signal
// mask for the wait only (signals::begin_temporary_mask); select, pselect6
// and ppoll write the time left back, as Linux does. epoll lives in
// fs/epoll.h (syscall/epoll.cpp).
#include <fs/vfs/abi.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/poll_waiters.h>
#include <mm/kmalloc.h>
#include <proc/current.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <syscall/syscall.h>

namespace {

struct PollFd {
    i32 fd;
    i16 events;
    i16 revents;
};

struct TimeSpec {
    i64 seconds;
    i64 nanoseconds;
};

struct TimeVal {
    i64 seconds;
    i64 microseconds;
};

constexpr u64 kNsPerSecond = 1000000000ull;
constexpr u32 kAlwaysReported = POLLERR | POLLHUP | POLLNVAL;

// The deadline for a timeout of `ns` from now; 0 when there is none.
u64 deadline_after(u64 ns)
{
    u64 deadline = ktime::monotonic_ns() + ns;
    return deadline ? deadline : 1;
}

ErrorOr<u64> timespec_ns(TimeSpec const& spec)
{
    if (spec.seconds < 0 || spec.nanoseconds < 0 || spec.nanoseconds >= static_cast<i64>(kNsPerSecond))
        return Error::from_errno(EINVAL);
    if (static_cast<u64>(spec.seconds) > 1000000000ull * 100)
        return 1000000000ull * 100 * kNsPerSecond; // "forever" in practice, without overflow
    return static_cast<u64>(spec.seconds) * kNsPerSecond + static_cast<u64>(spec.nanoseconds);
}

// Fills revents; returns how many entries have some.
usize scan(PollFd* fds, usize count)
{
    auto& table = current::fd_table();
    usize ready = 0;
    for (usize i = 0; i < count; ++i) {
        PollFd& entry = fds[i];
        entry.revents = 0;
        if (entry.fd < 0)
            continue;
        auto file = table.get(entry.fd);
        if (file.is_error()) {
            entry.revents = POLLNVAL;
        } else {
            u32 mask = file.value()->poll();
            entry.revents = static_cast<i16>(mask & (static_cast<u16>(entry.events) | kAlwaysReported));
        }
        if (entry.revents)
            ++ready;
    }
    return ready;
}

// The common loop: `timeout_ns` ~0 = wait forever, 0 = don't wait.
ErrorOr<long> do_poll(PollFd* fds, usize count, u64 timeout_ns)
{
    u64 deadline = (timeout_ns == ~0ull || timeout_ns == 0) ? 0 : deadline_after(timeout_ns);
    for (;;) {
        u64 seen = poll_waiters::generation();
        usize ready = scan(fds, count);
        if (ready || timeout_ns == 0)
            return static_cast<long>(ready);
        auto waited = poll_waiters::wait(seen, deadline);
        if (waited.is_error()) {
            if (waited.error().code() == ETIMEDOUT)
                return static_cast<long>(scan(fds, count));
            return waited.error();
        }
    }
}

ErrorOr<long> poll_user(UserPtr<PollFd> user_fds, u64 count, u64 timeout_ns)
{
    if (count > current::limit(rlimit::kNofile) || count > vfs::FdTable::kMaxDescriptors)
        return Error::from_errno(EINVAL);
    PollFd small[16];
    PollFd* fds = small;
    if (count > 16) {
        fds = static_cast<PollFd*>(kmalloc(count * sizeof(PollFd)));
        if (!fds)
            return Error::from_errno(ENOMEM);
    }
    ErrorOr<long> result = copy_from_user(fds, user_fds.address(), count * sizeof(PollFd)).is_error()
        ? ErrorOr<long>(Error::from_errno(EFAULT))
        : do_poll(fds, count, timeout_ns);
    if (!result.is_error()) {
        for (usize i = 0; i < count && !result.is_error(); ++i) {
            if (copy_to_user(user_fds.address() + i * sizeof(PollFd) + 6, &fds[i].revents, sizeof(i16)).is_error())
                result = Error::from_errno(EFAULT);
        }
    }
    if (fds != small)
        kfree(fds);
    return result;
}

ErrorOr<long> sys_poll(UserPtr<PollFd> fds, u64 count, int timeout_ms)
{
    u64 timeout_ns = timeout_ms < 0 ? ~0ull : static_cast<u64>(timeout_ms) * 1000000ull;
    return poll_user(fds, count, timeout_ns);
}
REGISTER_SYSCALL(poll, sys_poll);

// What is left of a timeout that started at `start_ns`, for the calls
// that write it back (select, pselect6, ppoll; Linux does, unless the
// personality has STICKY_TIMEOUTS). A read-only timeout is left alone, as
// Linux does: the call itself has already succeeded.
u64 remaining_ns(u64 timeout_ns, u64 start_ns)
{
    u64 spent = ktime::monotonic_ns() - start_ns;
    return spent >= timeout_ns ? 0 : timeout_ns - spent;
}

// ppoll, pselect6: `mask` (when given) replaces the blocked set for the
// duration of the wait, atomically with starting it: a signal it unblocks
// that arrives at any point ends the wait with EINTR, and its handler
// runs before the old mask comes back (signals::end_temporary_mask).
template<typename Wait>
ErrorOr<long> with_mask(bool has_mask, signals::SigSet mask, Wait wait)
{
    if (!has_mask)
        return wait();
    signals::begin_temporary_mask(mask);
    ErrorOr<long> result = wait();
    signals::end_temporary_mask(result.is_error() && result.error().code() == EINTR);
    return result;
}

ErrorOr<long> sys_ppoll(UserPtr<PollFd> fds, u64 count, UserPtr<TimeSpec> user_timeout, UserPtr<signals::SigSet> user_mask,
    usize sigsetsize)
{
    u64 timeout_ns = ~0ull;
    if (!user_timeout.is_null())
        timeout_ns = TRY(timespec_ns(TRY(copy_from_user(user_timeout))));
    signals::SigSet mask = 0;
    if (!user_mask.is_null()) {
        if (sigsetsize != signals::kSigSetSize)
            return Error::from_errno(EINVAL);
        mask = TRY(copy_from_user(user_mask));
    }
    u64 start = ktime::monotonic_ns();
    auto result = with_mask(!user_mask.is_null(), mask, [&] { return poll_user(fds, count, timeout_ns); });
    if (!user_timeout.is_null() && timeout_ns != ~0ull) {
        u64 left = remaining_ns(timeout_ns, start);
        (void)copy_to_user(user_timeout, TimeSpec { static_cast<i64>(left / kNsPerSecond), static_cast<i64>(left % kNsPerSecond) });
    }
    return result;
}
REGISTER_SYSCALL(ppoll, sys_ppoll);

// select: three bitmaps of `n` descriptors, turned into poll entries.
ErrorOr<long> do_select(int n, VirtAddr read_set, VirtAddr write_set, VirtAddr except_set, u64 timeout_ns)
{
    if (n < 0)
        return Error::from_errno(EINVAL);
    // Linux looks only at the descriptors its table has room for (at
    // least 64, growing by whole words): bits past them are ignored, not
    // EBADF, and a huge `n` costs nothing.
    int highest = current::fd_table().highest_open();
    int room = (highest + 1 + 63) / 64 * 64;
    if (room < 64)
        room = 64;
    if (n > room)
        n = room;
    usize words = (static_cast<usize>(n) + 63) / 64;
    usize bytes = words * 8;
    u64* sets = static_cast<u64*>(kzalloc(bytes * 3 + 8));
    if (!sets && bytes)
        return Error::from_errno(ENOMEM);
    u64* in[3] = { sets, sets + words, sets + 2 * words };
    VirtAddr user[3] = { read_set, write_set, except_set };
    ErrorOr<long> result = 0;
    PollFd* fds = nullptr;
    usize count = 0;
    for (int k = 0; k < 3 && !result.is_error(); ++k) {
        if (user[k] && bytes && copy_from_user(in[k], user[k], bytes).is_error())
            result = Error::from_errno(EFAULT);
    }
    if (!result.is_error()) {
        fds = static_cast<PollFd*>(kmalloc((n ? n : 1) * sizeof(PollFd)));
        if (!fds)
            result = Error::from_errno(ENOMEM);
    }
    if (!result.is_error()) {
        for (int fd = 0; fd < n; ++fd) {
            u64 bit = 1ull << (fd % 64);
            i16 events = 0;
            if (in[0][fd / 64] & bit)
                events |= POLLIN;
            if (in[1][fd / 64] & bit)
                events |= POLLOUT;
            if (in[2][fd / 64] & bit)
                events |= POLLPRI;
            if (events)
                fds[count++] = { fd, events, 0 };
        }
        result = do_poll(fds, count, timeout_ns);
    }
    if (!result.is_error()) {
        // select reports a closed descriptor as EBADF, not as ready.
        for (usize i = 0; i < count; ++i) {
            if (fds[i].revents & POLLNVAL)
                result = Error::from_errno(EBADF);
        }
    }
    if (!result.is_error()) {
        for (int k = 0; k < 3; ++k) {
            for (usize w = 0; w < words; ++w)
                in[k][w] = 0;
        }
        long ready = 0;
        for (usize i = 0; i < count; ++i) {
            int fd = fds[i].fd;
            u64 bit = 1ull << (fd % 64);
            u32 revents = static_cast<u16>(fds[i].revents);
            if ((fds[i].events & POLLIN) && (revents & (POLLIN | POLLHUP | POLLERR))) {
                in[0][fd / 64] |= bit;
                ++ready;
            }
            if ((fds[i].events & POLLOUT) && (revents & (POLLOUT | POLLERR))) {
                in[1][fd / 64] |= bit;
                ++ready;
            }
            if ((fds[i].events & POLLPRI) && (revents & POLLPRI)) {
                in[2][fd / 64] |= bit;
                ++ready;
            }
        }
        for (int k = 0; k < 3 && !result.is_error(); ++k) {
            if (user[k] && bytes && copy_to_user(user[k], in[k], bytes).is_error())
                result = Error::from_errno(EFAULT);
        }
        if (!result.is_error())
            result = ready;
    }
    kfree(fds);
    kfree(sets);
    return result;
}

ErrorOr<long> sys_select(int n, u64 read_set, u64 write_set, u64 except_set, UserPtr<TimeVal> user_timeout)
{
    u64 timeout_ns = ~0ull;
    if (!user_timeout.is_null()) {
        auto value = TRY(copy_from_user(user_timeout));
        if (value.seconds < 0 || value.microseconds < 0 || value.microseconds >= 1000000)
            return Error::from_errno(EINVAL);
        timeout_ns = TRY(timespec_ns({ value.seconds, value.microseconds * 1000 }));
    }
    u64 start = ktime::monotonic_ns();
    auto result = do_select(n, read_set, write_set, except_set, timeout_ns);
    if (!user_timeout.is_null()) {
        u64 left = remaining_ns(timeout_ns, start);
        (void)copy_to_user(user_timeout, TimeVal { static_cast<i64>(left / kNsPerSecond), static_cast<i64>(left % kNsPerSecond / 1000) });
    }
    return result;
}
REGISTER_SYSCALL(select, sys_select);

// pselect6's sixth argument: { const sigset_t* ss; size_t ss_len; }.
struct SigMaskArgument {
    u64 mask;
    u64 size;
};

ErrorOr<long> sys_pselect6(int n, u64 read_set, u64 write_set, u64 except_set, UserPtr<TimeSpec> user_timeout,
    UserPtr<SigMaskArgument> user_mask_argument)
{
    u64 timeout_ns = ~0ull;
    if (!user_timeout.is_null())
        timeout_ns = TRY(timespec_ns(TRY(copy_from_user(user_timeout))));
    bool has_mask = false;
    signals::SigSet mask = 0;
    if (!user_mask_argument.is_null()) {
        auto argument = TRY(copy_from_user(user_mask_argument));
        if (argument.mask) {
            if (argument.size != signals::kSigSetSize)
                return Error::from_errno(EINVAL);
            mask = TRY(copy_from_user(UserPtr<signals::SigSet>(argument.mask)));
            has_mask = true;
        }
    }
    u64 start = ktime::monotonic_ns();
    auto result = with_mask(has_mask, mask, [&] { return do_select(n, read_set, write_set, except_set, timeout_ns); });
    if (!user_timeout.is_null() && timeout_ns != ~0ull) {
        u64 left = remaining_ns(timeout_ns, start);
        (void)copy_to_user(user_timeout, TimeSpec { static_cast<i64>(left / kNsPerSecond), static_cast<i64>(left % kNsPerSecond) });
    }
    return result;
}
REGISTER_SYSCALL(pselect6, sys_pselect6);

}
