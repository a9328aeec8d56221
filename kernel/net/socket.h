// Sockets (CONCEPTS F5): the generic socket file object and sockfs.
//
// A socket is an open file whose FileOperations is a Socket: read, write,
// poll and close reach it through the VFS like any file (so poll/select
// and epoll see it), and the socket calls (syscall/socket.cpp) reach it
// through socket_of(). Each socket gets an inode of the internal "sockfs"
// (type S_IFSOCK, mode 0777, owned by its creator) so fstat reports a
// socket; no path reaches it. A pathname UNIX socket is a different inode
// (the one bind() made in the real tree); the open file never points there.
//
// The address family code (net/unix/ for AF_UNIX) implements Socket. What
// crosses this interface is kernel data: addresses as sockaddr bytes,
// payloads as IoBuffers, ancillary data as MessageControl (passed open
// files and credentials, already validated by the syscall layer).
//
// Callers: syscall/socket.cpp. Kernel-only.
#pragma once

#include <fs/vfs/file_operations.h>
#include <fs/vfs/open_file.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>
#include <lib/types.h>
#include <security/credentials.h>

namespace net {

// The ABI constants the socket calls share (linux/socket.h, linux/net.h,
// asm-generic/socket.h).
constexpr int kAfUnspec = 0;
constexpr int kAfUnix = 1;

constexpr int kSockStream = 1;
constexpr int kSockDgram = 2;
constexpr int kSockRaw = 3;
constexpr int kSockSeqpacket = 5;
constexpr int kSockTypeMask = 0xf;
constexpr u32 kSockNonblock = 04000;   // O_NONBLOCK
constexpr u32 kSockCloexec = 02000000; // O_CLOEXEC

constexpr u32 kMsgOob = 0x1;
constexpr u32 kMsgPeek = 0x2;
constexpr u32 kMsgCtrunc = 0x8;
constexpr u32 kMsgTrunc = 0x20;
constexpr u32 kMsgDontwait = 0x40;
constexpr u32 kMsgEor = 0x80;
constexpr u32 kMsgWaitall = 0x100;
constexpr u32 kMsgNosignal = 0x4000;
constexpr u32 kMsgCmsgCloexec = 0x40000000;

constexpr int kShutRd = 0;
constexpr int kShutWr = 1;
constexpr int kShutRdwr = 2;

constexpr u32 kPollRdhup = 0x2000;

// SCM_MAX_FD: at most this many descriptors in one message.
constexpr usize kMaxPassedFiles = 253;

// sockaddr_storage: the largest address any family uses.
struct SocketAddress {
    static constexpr usize kCapacity = 128;
    u32 length { 0 };
    u8 bytes[kCapacity] {};
};

// struct ucred: what SO_PEERCRED and SCM_CREDENTIALS carry.
struct PeerCredentials {
    i32 pid { 0 };
    u32 uid { 0 };
    u32 gid { 0 };
    bool operator==(PeerCredentials const&) const = default;
};

// The caller's identity as the socket code records it: SCM_CREDENTIALS
// defaults to the real ids, SO_PEERCRED to the effective ones (as Linux).
PeerCredentials current_message_credentials();
PeerCredentials current_peer_credentials();

// Open files in flight (SCM_RIGHTS): an owned array of references. Moving
// it moves the references; destroying it drops them, which is how files
// in a message nobody received get released.
class PassedFiles {
public:
    PassedFiles() = default;
    ~PassedFiles() { clear(); }
    PassedFiles(PassedFiles&& other);
    PassedFiles& operator=(PassedFiles&& other);
    PassedFiles(PassedFiles const&) = delete;
    PassedFiles& operator=(PassedFiles const&) = delete;

    // Room for `count` files (ENOMEM), then append() up to that many.
    ErrorOr<void> reserve(usize count);
    void append(RefPtr<vfs::OpenFile> file);
    // A second set of references to the same files (MSG_PEEK).
    ErrorOr<PassedFiles> duplicate() const;

    usize count() const { return m_count; }
    bool is_empty() const { return m_count == 0; }
    vfs::OpenFile* at(usize index) const { return m_files[index]; }
    void clear();

private:
    vfs::OpenFile** m_files { nullptr }; // each holds one reference
    usize m_count { 0 };
    usize m_capacity { 0 };
};

// The ancillary data of one message, in the kernel.
struct MessageControl {
    PassedFiles files;
    // Sending: explicit SCM_CREDENTIALS (validated). Receiving: the
    // sender's credentials, present when the receiver asked (SO_PASSCRED).
    bool has_credentials { false };
    PeerCredentials credentials {};
};

// What a receive reports besides the bytes.
struct ReceiveInfo {
    usize full_length { 0 };  // the message's length (MSG_TRUNC)
    u32 message_flags { 0 };  // msg_flags out: MSG_TRUNC...
    bool wants_source { false }; // in: the caller takes `source` (recvfrom/recvmsg with a name)
    SocketAddress source;     // the sender's address, length 0 if none
    MessageControl control;
};

class Socket : public vfs::FileOperations {
public:
    virtual int domain() const = 0;
    virtual int type() const = 0;

    virtual ErrorOr<void> bind(SocketAddress const& address) = 0;
    virtual ErrorOr<void> connect(SocketAddress const& address, bool nonblocking) = 0;
    virtual ErrorOr<void> listen(int backlog) = 0;
    // A new connection's socket; `peer` gets its address.
    virtual ErrorOr<RefPtr<Socket>> accept(bool nonblocking, SocketAddress& peer) = 0;
    // `to` is null for send/write. `control` is consumed (files move into the message).
    virtual ErrorOr<usize> send(IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control, bool nonblocking) = 0;
    virtual ErrorOr<usize> receive(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking) = 0;
    virtual ErrorOr<void> shutdown(int how) = 0;
    virtual SocketAddress local_address() = 0;
    virtual ErrorOr<SocketAddress> peer_address() = 0;
    // Socket options: `value` holds `length` bytes from (to) user space.
    virtual ErrorOr<void> set_option(int level, int name, u8 const* value, usize length) = 0;
    // Fills `value` (capacity `length`); returns the option's full size.
    virtual ErrorOr<usize> get_option(int level, int name, u8* value, usize length) = 0;

    // Disconnects and frees what the socket holds (its file's last
    // close; also for an accepted socket whose file could not be made).
    // A socket may be referenced by its peer after this; it is then inert.
    virtual void release() = 0;
    // open_socket_file made `file` for this socket.
    virtual void attached(vfs::OpenFile&) { }

    // read/write are recv/send with no flags.
    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override;
    ErrorOr<usize> write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&) override;
};

// A new open file (O_RDWR plus O_NONBLOCK from `flags`) over `socket`,
// with a fresh sockfs inode owned by `creator`.
ErrorOr<RefPtr<vfs::OpenFile>> open_socket_file(RefPtr<Socket> socket, u32 flags, Credentials const& creator);

// The socket behind an open file, or null (ENOTSOCK for the caller).
Socket* socket_of(vfs::OpenFile const& file);

}
