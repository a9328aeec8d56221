// The socket calls (CONCEPTS F5): socket, socketpair, bind, listen,
// accept, accept4, connect, sendto, recvfrom, sendmsg, recvmsg,
// shutdown, getsockopt, setsockopt, getsockname, getpeername. What is
// here is the Linux ABI around net::Socket (net/socket.h): descriptors
// (EBADF, ENOTSOCK), the order of the checks, addresses copied in and out
// (move_addr_to_kernel / move_addr_to_user), struct msghdr and its
// control messages (SCM_RIGHTS turned into open files and back into
// descriptors, SCM_CREDENTIALS validated), MSG_TRUNC and MSG_CTRUNC.
// send/recv reach here as sendto/recvfrom (the x86-64 ABI has no others).
#include <fs/vfs/abi.h>
#include <lib/string.h>
#include <net/socket.h>
#include <net/unix/unix_socket.h>
#include <proc/current.h>
#include <syscall/iovec_buffer.h>
#include <syscall/syscall.h>

namespace {

using net::MessageControl;
using net::ReceiveInfo;
using net::Socket;
using net::SocketAddress;
using syscalls::IovecBuffer;
using syscalls::LinuxIovec;

constexpr int kSolSocket = 1;
constexpr int kScmRights = 1;
constexpr int kScmCredentials = 2;
// The largest msg_control a sendmsg may pass (Linux's optmem_max).
constexpr usize kMaxControl = 64 * KiB;
// Option values are small: the largest is a struct timeval.
constexpr usize kMaxOption = 64;

struct LinuxMsghdr {
    u64 name;
    i32 name_length;
    u32 pad0;
    u64 iov;
    u64 iov_length;
    u64 control;
    u64 control_length;
    i32 flags;
    u32 pad1;
};
static_assert(sizeof(LinuxMsghdr) == 56);

struct LinuxCmsghdr {
    u64 length;
    i32 level;
    i32 type;
};
static_assert(sizeof(LinuxCmsghdr) == 16);

constexpr usize cmsg_align(usize length) { return (length + 7) & ~usize(7); }
constexpr usize cmsg_len(usize data) { return sizeof(LinuxCmsghdr) + data; }
constexpr usize cmsg_space(usize data) { return sizeof(LinuxCmsghdr) + cmsg_align(data); }

struct SocketFile {
    RefPtr<vfs::OpenFile> file;
    Socket* socket;
};

// Linux's sockfd_lookup: EBADF, then ENOTSOCK.
ErrorOr<SocketFile> socket_for(int fd)
{
    RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(fd));
    Socket* socket = net::socket_of(*file);
    if (!socket)
        return Error::from_errno(ENOTSOCK);
    return SocketFile { std::move(file), socket };
}

// move_addr_to_kernel.
ErrorOr<SocketAddress> address_from_user(u64 address, i64 length)
{
    if (length < 0 || static_cast<u64>(length) > SocketAddress::kCapacity)
        return Error::from_errno(EINVAL);
    SocketAddress out;
    out.length = static_cast<u32>(length);
    if (length)
        TRY(copy_from_user(out.bytes, address, out.length));
    return out;
}

// move_addr_to_user: as much as fits, and the full length.
ErrorOr<void> address_to_user(SocketAddress const& address, u64 user_address, u64 user_length)
{
    if (!user_address)
        return {};
    i32 capacity = TRY(copy_from_user(UserPtr<i32>(user_length)));
    if (capacity < 0)
        return Error::from_errno(EINVAL);
    usize length = address.length < static_cast<u32>(capacity) ? address.length : static_cast<u32>(capacity);
    if (length)
        TRY(copy_to_user(user_address, address.bytes, length));
    TRY(copy_to_user(UserPtr<i32>(user_length), static_cast<i32>(address.length)));
    return {};
}

ErrorOr<int> install(RefPtr<vfs::OpenFile> file, bool close_on_exec)
{
    return current::fd_table().allocate(std::move(file), close_on_exec, current::limit(rlimit::kNofile));
}

// ---- socket, socketpair ----

ErrorOr<RefPtr<Socket>> make_socket(int domain, int type, int protocol)
{
    if (domain != net::kAfUnix)
        return Error::from_errno(EAFNOSUPPORT);
    if (protocol != 0 && protocol != net::kAfUnix)
        return Error::from_errno(EPROTONOSUPPORT);
    int kind = type & net::kSockTypeMask;
    if (kind == net::kSockRaw)
        kind = net::kSockDgram; // Linux treats SOCK_RAW as SOCK_DGRAM here
    if (kind != net::kSockStream && kind != net::kSockDgram && kind != net::kSockSeqpacket)
        return Error::from_errno(ESOCKTNOSUPPORT);
    return RefPtr<Socket>(TRY(net::af_unix::UnixSocket::create(kind)));
}

ErrorOr<u32> socket_flags(int type)
{
    u32 flags = static_cast<u32>(type) & ~static_cast<u32>(net::kSockTypeMask);
    if (flags & ~(net::kSockNonblock | net::kSockCloexec))
        return Error::from_errno(EINVAL);
    return flags;
}

ErrorOr<long> sys_socket(int domain, int type, int protocol)
{
    u32 flags = TRY(socket_flags(type));
    RefPtr<Socket> socket = TRY(make_socket(domain, type, protocol));
    auto file = net::open_socket_file(socket, flags, current::credentials());
    if (file.is_error()) {
        socket->release();
        return file.error();
    }
    return TRY(install(file.release_value(), flags & net::kSockCloexec));
}

ErrorOr<long> sys_socketpair(int domain, int type, int protocol, UserPtr<int> user_fds)
{
    u32 flags = TRY(socket_flags(type));
    RefPtr<Socket> first = TRY(make_socket(domain, type, protocol));
    RefPtr<Socket> second = TRY(make_socket(domain, type, protocol));
    auto release_both = [&] {
        first->release();
        second->release();
    };
    auto connected = net::af_unix::UnixSocket::connect_pair(static_cast<net::af_unix::UnixSocket&>(*first), static_cast<net::af_unix::UnixSocket&>(*second));
    if (connected.is_error()) {
        release_both();
        return connected.error();
    }
    auto first_file = net::open_socket_file(first, flags, current::credentials());
    if (first_file.is_error()) {
        release_both();
        return first_file.error();
    }
    auto second_file = net::open_socket_file(second, flags, current::credentials());
    if (second_file.is_error()) {
        second->release();
        return second_file.error(); // the first goes with its file
    }
    bool close_on_exec = flags & net::kSockCloexec;
    int first_fd = TRY(install(first_file.release_value(), close_on_exec));
    auto second_fd = install(second_file.release_value(), close_on_exec);
    if (second_fd.is_error()) {
        (void)current::fd_table().close(first_fd);
        return second_fd.error();
    }
    int pair[2] = { first_fd, second_fd.value() };
    auto copied = copy_to_user(user_fds.address(), pair, sizeof(pair));
    if (copied.is_error()) {
        (void)current::fd_table().close(pair[0]);
        (void)current::fd_table().close(pair[1]);
        return copied.error();
    }
    return 0;
}

// ---- names and connections ----

ErrorOr<long> sys_bind(int fd, UserPtr<void const> address, int length)
{
    SocketFile socket = TRY(socket_for(fd));
    SocketAddress name = TRY(address_from_user(address.address(), length));
    TRY(socket.socket->bind(name));
    return 0;
}

ErrorOr<long> sys_connect(int fd, UserPtr<void const> address, int length)
{
    SocketFile socket = TRY(socket_for(fd));
    SocketAddress name = TRY(address_from_user(address.address(), length));
    TRY(socket.socket->connect(name, socket.file->is_nonblocking()));
    return 0;
}

ErrorOr<long> sys_listen(int fd, int backlog)
{
    SocketFile socket = TRY(socket_for(fd));
    TRY(socket.socket->listen(backlog));
    return 0;
}

ErrorOr<long> sys_accept4(int fd, UserPtr<void> address, UserPtr<i32> length, int flags)
{
    if (static_cast<u32>(flags) & ~(net::kSockNonblock | net::kSockCloexec))
        return Error::from_errno(EINVAL);
    SocketFile socket = TRY(socket_for(fd));
    SocketAddress peer;
    RefPtr<Socket> accepted = TRY(socket.socket->accept(socket.file->is_nonblocking(), peer));
    auto file = net::open_socket_file(accepted, static_cast<u32>(flags), current::credentials());
    if (file.is_error()) {
        accepted->release();
        return file.error();
    }
    // Linux copies the address out before installing the descriptor: a
    // bad pointer loses the connection, never leaks a descriptor.
    TRY(address_to_user(peer, address.address(), length.address()));
    return TRY(install(file.release_value(), flags & net::kSockCloexec));
}

ErrorOr<long> sys_accept(int fd, UserPtr<void> address, UserPtr<i32> length)
{
    return sys_accept4(fd, address, length, 0);
}

ErrorOr<long> sys_getsockname(int fd, UserPtr<void> address, UserPtr<i32> length)
{
    SocketFile socket = TRY(socket_for(fd));
    TRY(address_to_user(socket.socket->local_address(), address.address(), length.address()));
    return 0;
}

ErrorOr<long> sys_getpeername(int fd, UserPtr<void> address, UserPtr<i32> length)
{
    SocketFile socket = TRY(socket_for(fd));
    SocketAddress peer = TRY(socket.socket->peer_address());
    TRY(address_to_user(peer, address.address(), length.address()));
    return 0;
}

ErrorOr<long> sys_shutdown(int fd, int how)
{
    SocketFile socket = TRY(socket_for(fd));
    TRY(socket.socket->shutdown(how));
    return 0;
}

// ---- options ----

ErrorOr<long> sys_setsockopt(int fd, int level, int name, UserPtr<void const> value, int length)
{
    SocketFile socket = TRY(socket_for(fd));
    if (length < 0)
        return Error::from_errno(EINVAL);
    u8 buffer[kMaxOption] {};
    usize copied = static_cast<usize>(length) < kMaxOption ? static_cast<usize>(length) : kMaxOption;
    if (copied)
        TRY(copy_from_user(buffer, value.address(), copied));
    TRY(socket.socket->set_option(level, name, buffer, copied));
    return 0;
}

ErrorOr<long> sys_getsockopt(int fd, int level, int name, UserPtr<void> value, UserPtr<i32> length)
{
    SocketFile socket = TRY(socket_for(fd));
    i32 capacity = TRY(copy_from_user(length));
    if (capacity < 0)
        return Error::from_errno(EINVAL);
    u8 buffer[kMaxOption] {};
    usize room = static_cast<usize>(capacity) < kMaxOption ? static_cast<usize>(capacity) : kMaxOption;
    usize full = TRY(socket.socket->get_option(level, name, buffer, room));
    usize given = full < room ? full : room;
    if (given)
        TRY(copy_to_user(value.address(), buffer, given));
    TRY(copy_to_user(length, static_cast<i32>(given)));
    return 0;
}

// ---- control messages ----

// __scm_send: SCM_RIGHTS descriptors become open files, SCM_CREDENTIALS
// are checked against who the caller may claim to be.
ErrorOr<void> parse_control(u8 const* control, usize length, MessageControl& out)
{
    // Two passes: count the descriptors, then take the files.
    usize file_count = 0;
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1 && file_count)
            TRY(out.files.reserve(file_count));
        usize position = 0;
        while (position + sizeof(LinuxCmsghdr) <= length) {
            LinuxCmsghdr header;
            memcpy(&header, control + position, sizeof(header));
            if (header.length < sizeof(LinuxCmsghdr) || header.length > length - position)
                return Error::from_errno(EINVAL);
            u8 const* data = control + position + sizeof(LinuxCmsghdr);
            usize data_length = header.length - sizeof(LinuxCmsghdr);
            if (header.level == kSolSocket) {
                switch (header.type) {
                case kScmRights: {
                    usize count = data_length / sizeof(i32);
                    if (pass == 0) {
                        file_count += count;
                        if (file_count > net::kMaxPassedFiles)
                            return Error::from_errno(EINVAL);
                        break;
                    }
                    for (usize i = 0; i < count; ++i) {
                        i32 fd;
                        memcpy(&fd, data + i * sizeof(i32), sizeof(fd));
                        RefPtr<vfs::OpenFile> file = TRY(current::fd_table().get(fd));
                        out.files.append(std::move(file));
                    }
                    break;
                }
                case kScmCredentials: {
                    if (header.length != cmsg_len(sizeof(i32) * 3))
                        return Error::from_errno(EINVAL);
                    if (pass == 1)
                        break;
                    i32 given[3];
                    memcpy(given, data, sizeof(given));
                    Credentials const& me = current::credentials();
                    bool root = me.is_superuser();
                    auto uid = static_cast<u32>(given[1]);
                    auto gid = static_cast<u32>(given[2]);
                    if (given[0] != current::process().pid() && !root)
                        return Error::from_errno(EPERM);
                    if (uid != me.uid && uid != me.euid && uid != me.suid && !root)
                        return Error::from_errno(EPERM);
                    if (gid != me.gid && gid != me.egid && gid != me.sgid && !root)
                        return Error::from_errno(EPERM);
                    out.has_credentials = true;
                    out.credentials = net::PeerCredentials { given[0], uid, gid };
                    break;
                }
                default:
                    return Error::from_errno(EINVAL);
                }
            }
            position += cmsg_align(header.length);
        }
    }
    return {};
}

// scm_recv: SCM_CREDENTIALS (with SO_PASSCRED), then SCM_RIGHTS as new
// descriptors; what does not fit sets MSG_CTRUNC (files that found no
// room are closed). Returns the control bytes used.
ErrorOr<usize> deliver_control(MessageControl& control, u64 user_control, usize capacity, u32 receive_flags, u32& message_flags)
{
    bool any = control.has_credentials || !control.files.is_empty();
    if (!any)
        return 0;
    if (!user_control) {
        message_flags |= net::kMsgCtrunc;
        control.files.clear();
        return 0;
    }
    usize used = 0;
    if (control.has_credentials) {
        usize needed = cmsg_len(sizeof(i32) * 3);
        if (capacity - used < needed) {
            message_flags |= net::kMsgCtrunc;
        } else {
            struct {
                LinuxCmsghdr header;
                i32 credentials[3];
            } message { { needed, kSolSocket, kScmCredentials }, { control.credentials.pid, static_cast<i32>(control.credentials.uid), static_cast<i32>(control.credentials.gid) } };
            TRY(copy_to_user(user_control + used, &message, needed));
            used += cmsg_space(sizeof(i32) * 3);
            if (used > capacity)
                used = capacity;
        }
    }
    if (!control.files.is_empty()) {
        usize room = capacity - used > sizeof(LinuxCmsghdr) ? (capacity - used - sizeof(LinuxCmsghdr)) / sizeof(i32) : 0;
        usize count = control.files.count();
        usize wanted = count < room ? count : room;
        bool close_on_exec = receive_flags & net::kMsgCmsgCloexec;
        usize installed = 0;
        int fds[net::kMaxPassedFiles];
        for (; installed < wanted; ++installed) {
            auto fd = install(RefPtr<vfs::OpenFile>(control.files.at(installed)), close_on_exec);
            if (fd.is_error())
                break;
            fds[installed] = fd.value();
        }
        if (installed < count)
            message_flags |= net::kMsgCtrunc;
        if (installed) {
            LinuxCmsghdr header { cmsg_len(installed * sizeof(i32)), kSolSocket, kScmRights };
            auto written = copy_to_user(user_control + used, &header, sizeof(header));
            if (!written.is_error())
                written = copy_to_user(user_control + used + sizeof(header), fds, installed * sizeof(i32));
            if (written.is_error()) {
                // Linux leaves the descriptors installed too; take them
                // back instead so nothing leaks unseen.
                for (usize i = 0; i < installed; ++i)
                    (void)current::fd_table().close(fds[i]);
                control.files.clear();
                return written.error();
            }
            used += cmsg_space(installed * sizeof(i32));
            if (used > capacity)
                used = capacity;
        }
        control.files.clear();
    }
    return used;
}

// ---- data ----

ErrorOr<long> do_send(SocketFile& socket, IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control)
{
    return static_cast<long>(TRY(socket.socket->send(data, length, flags, to, control, socket.file->is_nonblocking())));
}

ErrorOr<long> sys_sendto(int fd, UserPtr<void const> buffer, usize length, u32 flags, UserPtr<void const> address, int address_length)
{
    SocketFile socket = TRY(socket_for(fd));
    if (length > syscalls::kMaxRwCount)
        length = syscalls::kMaxRwCount;
    TRY(syscalls::check_user_range(buffer.address(), length));
    SocketAddress to;
    bool has_address = !address.is_null() && address_length != 0;
    if (has_address)
        to = TRY(address_from_user(address.address(), address_length));
    UserIoBuffer data(buffer.address(), length);
    MessageControl control;
    return do_send(socket, data, length, flags, has_address ? &to : nullptr, control);
}

ErrorOr<long> sys_recvfrom(int fd, UserPtr<void> buffer, usize length, u32 flags, UserPtr<void> address, UserPtr<i32> address_length)
{
    SocketFile socket = TRY(socket_for(fd));
    if (length > syscalls::kMaxRwCount)
        length = syscalls::kMaxRwCount;
    TRY(syscalls::check_user_range(buffer.address(), length));
    UserIoBuffer data(buffer.address(), length);
    ReceiveInfo info;
    info.wants_source = !address.is_null();
    usize received = TRY(socket.socket->receive(data, length, flags, info, socket.file->is_nonblocking()));
    info.control.files.clear(); // recvfrom has no control buffer: passed files are dropped
    if (!address.is_null())
        TRY(address_to_user(info.source, address.address(), address_length.address()));
    if ((flags & net::kMsgTrunc) && socket.socket->type() != net::kSockStream)
        return static_cast<long>(info.full_length);
    return static_cast<long>(received);
}

ErrorOr<long> sys_sendmsg(int fd, UserPtr<LinuxMsghdr> user_message, u32 flags)
{
    SocketFile socket = TRY(socket_for(fd));
    LinuxMsghdr message = TRY(copy_from_user(user_message));
    if (message.iov_length > syscalls::kMaxIovecs)
        return Error::from_errno(EMSGSIZE);
    if (message.name_length < 0)
        return Error::from_errno(EINVAL);
    SocketAddress to;
    bool has_address = message.name && message.name_length;
    if (has_address) {
        i64 name_length = message.name_length > static_cast<i32>(SocketAddress::kCapacity) ? SocketAddress::kCapacity : message.name_length;
        to = TRY(address_from_user(message.name, name_length));
    }
    IovecBuffer data;
    TRY(data.import(UserPtr<LinuxIovec const>(message.iov), message.iov_length));
    MessageControl control;
    if (message.control_length) {
        if (message.control_length > 0x7fffffff || message.control_length > kMaxControl)
            return Error::from_errno(ENOBUFS);
        auto* bytes = new (std::nothrow) u8[message.control_length];
        if (!bytes)
            return Error::from_errno(ENOMEM);
        auto copied = copy_from_user(bytes, message.control, message.control_length);
        auto parsed = copied.is_error() ? ErrorOr<void>(copied.error()) : parse_control(bytes, message.control_length, control);
        delete[] bytes;
        TRY(parsed);
    }
    return do_send(socket, data, data.size(), flags, has_address ? &to : nullptr, control);
}

ErrorOr<long> sys_recvmsg(int fd, UserPtr<LinuxMsghdr> user_message, u32 flags)
{
    SocketFile socket = TRY(socket_for(fd));
    LinuxMsghdr message = TRY(copy_from_user(user_message));
    if (message.iov_length > syscalls::kMaxIovecs)
        return Error::from_errno(EMSGSIZE);
    if (message.name_length < 0)
        return Error::from_errno(EINVAL);
    IovecBuffer data;
    TRY(data.import(UserPtr<LinuxIovec const>(message.iov), message.iov_length));
    ReceiveInfo info;
    info.wants_source = message.name != 0;
    usize received = TRY(socket.socket->receive(data, data.size(), flags, info, socket.file->is_nonblocking()));
    u32 message_flags = info.message_flags;
    usize control_capacity = message.control_length > 0x7fffffff ? 0x7fffffff : message.control_length;
    usize control_used = TRY(deliver_control(info.control, message.control, control_capacity, flags, message_flags));

    // msg_name, msg_namelen, msg_controllen and msg_flags go back.
    i32 name_length = 0;
    if (message.name && info.source.length) {
        usize fits = info.source.length < static_cast<u32>(message.name_length) ? info.source.length : static_cast<u32>(message.name_length);
        if (fits)
            TRY(copy_to_user(message.name, info.source.bytes, fits));
        name_length = static_cast<i32>(info.source.length);
    }
    message.name_length = name_length;
    message.control_length = control_used;
    message.flags = static_cast<i32>(message_flags);
    TRY(copy_to_user(user_message, message));
    if ((flags & net::kMsgTrunc) && socket.socket->type() != net::kSockStream)
        return static_cast<long>(info.full_length);
    return static_cast<long>(received);
}

}

REGISTER_SYSCALL(socket, sys_socket);
REGISTER_SYSCALL(socketpair, sys_socketpair);
REGISTER_SYSCALL(bind, sys_bind);
REGISTER_SYSCALL(connect, sys_connect);
REGISTER_SYSCALL(listen, sys_listen);
REGISTER_SYSCALL(accept, sys_accept);
REGISTER_SYSCALL(accept4, sys_accept4);
REGISTER_SYSCALL(getsockname, sys_getsockname);
REGISTER_SYSCALL(getpeername, sys_getpeername);
REGISTER_SYSCALL(shutdown, sys_shutdown);
REGISTER_SYSCALL(setsockopt, sys_setsockopt);
REGISTER_SYSCALL(getsockopt, sys_getsockopt);
REGISTER_SYSCALL(sendto, sys_sendto);
REGISTER_SYSCALL(recvfrom, sys_recvfrom);
REGISTER_SYSCALL(sendmsg, sys_sendmsg);
REGISTER_SYSCALL(recvmsg, sys_recvmsg);
