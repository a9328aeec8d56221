// pipe(2) and pipe2(2): a new pipe (ipc/pipe.h) as two descriptors, the
// read end first, stored into the caller's int[2].
#include <fs/vfs/abi.h>
#include <ipc/pipe.h>
#include <proc/current.h>
#include <syscall/syscall.h>

namespace {

// O_NOTIFICATION_PIPE (== O_EXCL) needs CONFIG_WATCH_QUEUE, which Linux
// builds usually have; nothing here implements it.
constexpr u32 kPipe2Flags = O_CLOEXEC | O_NONBLOCK | O_DIRECT;

ErrorOr<long> do_pipe2(UserPtr<int> fds, u32 flags)
{
    if (flags & ~kPipe2Flags)
        return Error::from_errno(EINVAL);
    // O_DIRECT (packet mode, one read per write) is accepted and not
    // honoured: the pipe stays a byte stream.
    ipc::PipeFiles files = TRY(ipc::create_pipe(flags & O_NONBLOCK, current::credentials()));
    vfs::FdTable& table = current::fd_table();
    u64 limit = current::limit(rlimit::kNofile);
    bool close_on_exec = flags & O_CLOEXEC;
    int read_fd = TRY(table.allocate(std::move(files.read_end), close_on_exec, limit));
    auto write_fd = table.allocate(std::move(files.write_end), close_on_exec, limit);
    if (write_fd.is_error()) {
        (void)table.close(read_fd);
        return write_fd.error();
    }
    int pair[2] = { read_fd, write_fd.value() };
    // Linux installs the descriptors only after the copy succeeds; here
    // another thread could glimpse them in between, which is harmless.
    auto copied = copy_to_user(fds.address(), pair, sizeof(pair));
    if (copied.is_error()) {
        (void)table.close(pair[0]);
        (void)table.close(pair[1]);
        return copied.error();
    }
    return 0;
}

ErrorOr<long> sys_pipe(UserPtr<int> fds)
{
    return do_pipe2(fds, 0);
}

ErrorOr<long> sys_pipe2(UserPtr<int> fds, int flags)
{
    return do_pipe2(fds, static_cast<u32>(flags));
}

}

REGISTER_SYSCALL(pipe, sys_pipe);
REGISTER_SYSCALL(pipe2, sys_pipe2);
