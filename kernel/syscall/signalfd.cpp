// signalfd(2), signalfd4(2): a new signalfd (fs/signalfd.h), or a new
// mask for an existing one.
#include <fs/anon_inode.h>
#include <fs/signalfd.h>
#include <fs/vfs/fd_table.h>
#include <proc/current.h>
#include <syscall/syscall.h>

namespace {

ErrorOr<long> do_signalfd4(int fd, UserPtr<signals::SigSet> user_mask, usize size, int flags)
{
    u32 bits = static_cast<u32>(flags);
    if (bits & ~(signalfd::kSfdCloexec | signalfd::kSfdNonblock))
        return Error::from_errno(EINVAL);
    if (size != signals::kSigSetSize)
        return Error::from_errno(EINVAL);
    signals::SigSet mask = TRY(copy_from_user(user_mask)) & ~signals::kUnblockable;
    if (fd == -1) {
        auto file = TRY(signalfd::create(mask, bits));
        return anon_inode::install(std::move(file), bits & signalfd::kSfdCloexec);
    }
    auto file = TRY(current::fd_table().get(fd));
    if (!signalfd::is_signalfd(*file))
        return Error::from_errno(EINVAL);
    signalfd::set_mask(*file, mask);
    return fd;
}

ErrorOr<long> sys_signalfd(int fd, UserPtr<signals::SigSet> mask, usize size)
{
    return do_signalfd4(fd, mask, size, 0);
}

ErrorOr<long> sys_signalfd4(int fd, UserPtr<signals::SigSet> mask, usize size, int flags)
{
    return do_signalfd4(fd, mask, size, flags);
}

}

REGISTER_SYSCALL(signalfd, sys_signalfd);
REGISTER_SYSCALL(signalfd4, sys_signalfd4);
