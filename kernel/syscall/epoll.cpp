// epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
// epoll_pwait2 (fs/epoll.h does the work; here are the arguments, in the
// order Linux checks them).
#include <fs/epoll.h>
#include <fs/anon_inode.h>
#include <fs/vfs/fd_table.h>
#include <mm/kmalloc.h>
#include <proc/current.h>
#include <proc/signals.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;

constexpr u32 kEpollCloexec = 02000000;
// EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event).
constexpr u64 kMaxEvents = 0x7fffffff / sizeof(epoll::Event);
// Events gathered per call at most (a short count is always allowed).
constexpr usize kEventsPerCall = 256;

ErrorOr<long> create(u32 flags)
{
    if (flags & ~kEpollCloexec)
        return Error::from_errno(EINVAL);
    auto file = TRY(epoll::create_instance());
    return anon_inode::install(std::move(file), flags & kEpollCloexec);
}

ErrorOr<long> sys_epoll_create(int size)
{
    if (size <= 0)
        return Error::from_errno(EINVAL);
    return create(0);
}

ErrorOr<long> sys_epoll_create1(int flags)
{
    return create(static_cast<u32>(flags));
}

ErrorOr<long> sys_epoll_ctl(int epfd, int op, int fd, UserPtr<epoll::Event> user_event)
{
    epoll::Event event {};
    if (op != epoll::kCtlDel)
        event = TRY(copy_from_user(user_event));
    auto& table = current::fd_table();
    auto epoll_file = TRY(table.get(epfd));
    auto target = TRY(table.get(fd));
    TRY(epoll::control(*epoll_file, op, fd, *target, event));
    return 0;
}

// The common part of the waits; `timeout_ns` ~0: forever.
ErrorOr<long> do_wait(int epfd, UserPtr<epoll::Event> events, int max_events, u64 timeout_ns)
{
    if (max_events <= 0 || static_cast<u64>(max_events) > kMaxEvents)
        return Error::from_errno(EINVAL);
    usize max = static_cast<usize>(max_events);
    if (!uaccess::is_user_range(events.address(), max * sizeof(epoll::Event)))
        return Error::from_errno(EFAULT);
    auto file = TRY(current::fd_table().get(epfd));
    if (!epoll::is_instance(*file))
        return Error::from_errno(EINVAL);
    if (max > kEventsPerCall)
        max = kEventsPerCall;
    auto* buffer = static_cast<epoll::Event*>(kmalloc(max * sizeof(epoll::Event)));
    if (!buffer)
        return Error::from_errno(ENOMEM);
    ErrorOr<long> result = 0;
    auto count = epoll::wait(*file, buffer, max, timeout_ns);
    if (count.is_error())
        result = count.error();
    else if (copy_to_user(events.address(), buffer, count.value() * sizeof(epoll::Event)).is_error())
        result = Error::from_errno(EFAULT);
    else
        result = static_cast<long>(count.value());
    kfree(buffer);
    return result;
}

u64 timeout_from_ms(int timeout_ms)
{
    return timeout_ms < 0 ? ~0ull : static_cast<u64>(timeout_ms) * 1000000ull;
}

// epoll_pwait/epoll_pwait2: the mask in force for the wait only.
ErrorOr<long> wait_with_mask(int epfd, UserPtr<epoll::Event> events, int max_events, u64 timeout_ns,
    UserPtr<signals::SigSet> user_mask, usize sigsetsize)
{
    if (user_mask.is_null())
        return do_wait(epfd, events, max_events, timeout_ns);
    if (sigsetsize != signals::kSigSetSize)
        return Error::from_errno(EINVAL);
    signals::SigSet mask = TRY(copy_from_user(user_mask));
    signals::begin_temporary_mask(mask);
    auto result = do_wait(epfd, events, max_events, timeout_ns);
    signals::end_temporary_mask(result.is_error() && result.error().code() == EINTR);
    return result;
}

ErrorOr<long> sys_epoll_wait(int epfd, UserPtr<epoll::Event> events, int max_events, int timeout_ms)
{
    return do_wait(epfd, events, max_events, timeout_from_ms(timeout_ms));
}

ErrorOr<long> sys_epoll_pwait(int epfd, UserPtr<epoll::Event> events, int max_events, int timeout_ms,
    UserPtr<signals::SigSet> mask, usize sigsetsize)
{
    return wait_with_mask(epfd, events, max_events, timeout_from_ms(timeout_ms), mask, sigsetsize);
}

ErrorOr<long> sys_epoll_pwait2(int epfd, UserPtr<epoll::Event> events, int max_events,
    UserPtr<LinuxTimespec> user_timeout, UserPtr<signals::SigSet> mask, usize sigsetsize)
{
    u64 timeout_ns = ~0ull;
    if (!user_timeout.is_null())
        timeout_ns = TRY(timespec_to_ns(TRY(copy_from_user(user_timeout))));
    return wait_with_mask(epfd, events, max_events, timeout_ns, mask, sigsetsize);
}

}

REGISTER_SYSCALL(epoll_create, sys_epoll_create);
REGISTER_SYSCALL(epoll_create1, sys_epoll_create1);
REGISTER_SYSCALL(epoll_ctl, sys_epoll_ctl);
REGISTER_SYSCALL(epoll_wait, sys_epoll_wait);
REGISTER_SYSCALL(epoll_pwait, sys_epoll_pwait);
REGISTER_SYSCALL(epoll_pwait2, sys_epoll_pwait2);
