// eventfd(2) and eventfd2(2): a new eventfd (ipc/eventfd.h) as a descriptor.
#include <fs/anon_inode.h>
#include <ipc/eventfd.h>
#include <syscall/syscall.h>

namespace {

ErrorOr<long> do_eventfd2(u32 initial, int flags)
{
    u32 bits = static_cast<u32>(flags);
    if (bits & ~(ipc::kEfdSemaphore | ipc::kEfdCloexec | ipc::kEfdNonblock))
        return Error::from_errno(EINVAL);
    auto file = TRY(ipc::create_eventfd(initial, bits));
    return anon_inode::install(std::move(file), bits & ipc::kEfdCloexec);
}

ErrorOr<long> sys_eventfd(u32 initial)
{
    return do_eventfd2(initial, 0);
}

ErrorOr<long> sys_eventfd2(u32 initial, int flags)
{
    return do_eventfd2(initial, flags);
}

}

REGISTER_SYSCALL(eventfd, sys_eventfd);
REGISTER_SYSCALL(eventfd2, sys_eventfd2);
