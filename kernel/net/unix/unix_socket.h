// UNIX-domain sockets (CONCEPTS F5, AF_UNIX): local sockets between
// processes, with Linux's semantics for SOCK_STREAM, SOCK_DGRAM and
// SOCK_SEQPACKET.
//
// Names: a pathname address makes bind() create an S_IFSOCK inode in the
// file system (EADDRINUSE when the name exists); connect() resolves the
// path with the caller's permissions (write permission on the socket
// inode) and finds the bound socket by inode. An abstract address
// (sun_path[0] == 0) lives in its own namespace, the bytes of its given
// length. An empty address (autobind) gets a fresh abstract name of five
// hex digits. Both kinds are listed in unix_names.cpp.
//
// Data: each socket owns its receive queue, and the sender puts data
// straight into the peer's queue under the peer's lock (a stream write
// is one copy into the peer's ring, ipc/pipe_buffer.h, as a pipe write
// is); the reader wakes senders and the sender wakes readers only when
// someone sleeps. Stream ancillary data (passed files, credentials that
// differ from the last writer's) rides in StreamSegments tied to byte
// positions: a read stops at a segment boundary and gets the segment's
// files with its first byte. Datagram and seqpacket sockets queue
// Datagrams, one allocation per message.
//
// Bounds: a stream ring is 64 KiB (allocated on the first write); a
// datagram queue holds at most SO_RCVBUF bytes (counting a per-message
// overhead) and, for SOCK_DGRAM, Linux's 11 messages
// (net.unix.max_dgram_qlen + 1). Everything queued is freed on close.
//
// Lock order: a socket's mutex, then the locks inside its condition
// variables. Two sockets' mutexes are never held together: a sender
// takes only the receiver's, closing takes its own and then the peer's
// one after the other. The name registry's spinlock is taken alone. No
// reference that could be the last one (passed files, sockets) is dropped
// under a socket's mutex: what a call removes is freed after it unlocks.
//
// Callers: syscall/socket.cpp through net::Socket. Kernel-only.
#pragma once

#include <fs/vfs/mount.h>
#include <ipc/pipe_buffer.h>
#include <lib/intrusive_list.h>
#include <net/socket.h>
#include <net/unix/unix_gc.h>
#include <sched/condition_variable.h>
#include <sched/mutex.h>

namespace net::af_unix {

// offsetof(struct sockaddr_un, sun_path) and sizeof(struct sockaddr_un).
constexpr usize kPathOffset = 2;
constexpr usize kAddressMax = 110;

// Ancillary data tied to a stream position: the bytes from `start` to
// the next segment's start were written with `credentials`; `files` go to
// the reader of the byte at `start`.
struct StreamSegment {
    IntrusiveListNode m_node;
    u64 start { 0 };
    PeerCredentials credentials {};
    gc::QueuedFiles files;
};

// One datagram or seqpacket record.
struct Datagram {
    IntrusiveListNode m_node;
    usize length { 0 };
    u8* data { nullptr };
    PeerCredentials credentials {};
    gc::QueuedFiles files;
    SocketAddress source;
    ~Datagram() { delete[] data; }
};

using SegmentList = IntrusiveList<StreamSegment, &StreamSegment::m_node>;
using DatagramList = IntrusiveList<Datagram, &Datagram::m_node>;

class UnixSocket final : public Socket {
public:
    // `type`: kSockStream, kSockDgram or kSockSeqpacket.
    static ErrorOr<RefPtr<UnixSocket>> create(int type);
    // socketpair(): two sockets connected to each other.
    static ErrorOr<void> connect_pair(UnixSocket& a, UnixSocket& b);
    ~UnixSocket() override;

    int domain() const override { return kAfUnix; }
    int type() const override { return m_type; }

    ErrorOr<void> bind(SocketAddress const& address) override;
    ErrorOr<void> connect(SocketAddress const& address, bool nonblocking) override;
    ErrorOr<void> listen(int backlog) override;
    ErrorOr<RefPtr<Socket>> accept(bool nonblocking, SocketAddress& peer) override;
    ErrorOr<usize> send(IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control, bool nonblocking) override;
    ErrorOr<usize> receive(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking) override;
    ErrorOr<void> shutdown(int how) override;
    SocketAddress local_address() override;
    ErrorOr<SocketAddress> peer_address() override;
    ErrorOr<void> set_option(int level, int name, u8 const* value, usize length) override;
    ErrorOr<usize> get_option(int level, int name, u8* value, usize length) override;

    u32 poll(vfs::OpenFile&) override;
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override;
    void attached(vfs::OpenFile& file) override;
    void closed(vfs::OpenFile&) override { release(); }
    void release() override;
    // The collector (net/unix/unix_gc.h); runs again if asked meanwhile.
    static void collect_cycles();

    // For the name registry (unix_names.cpp) and /proc/net/unix.
    IntrusiveListNode m_name_node;
    IntrusiveListNode m_all_node;
    SocketAddress const& name() const { return m_name; }
    vfs::Inode const* name_inode() const { return m_name_inode; }
    // A line of /proc/net/unix for this socket into `out` (capacity `size`).
    usize describe(char* out, usize size);

private:
    enum class State : u8 {
        Unconnected,
        Listening,
        Connected, // stays so after the peer goes (reads see EOF, writes EPIPE)
        Closed,    // released: its file was closed
    };
    static constexpr u8 kRcvShutdown = 1;
    static constexpr u8 kSendShutdown = 2;

    explicit UnixSocket(int type);

    // Sleeps on `condition` (held by `locker`, counted in `waiting`) until
    // notified, `deadline_ns` (EAGAIN), or a signal (EINTR, or
    // ERESTARTNOHAND when a timeout is set, as Linux's sock_intr_errno).
    static ErrorOr<void> sleep(ConditionVariable& condition, MutexLocker& locker, u32& waiting, u64 deadline_ns);
    ErrorOr<void> autobind();
    ErrorOr<void> bind_name(SocketAddress const& address);
    // The bound socket `address` names (ECONNREFUSED, ENOENT, EACCES, EPROTOTYPE...).
    ErrorOr<RefPtr<UnixSocket>> find_target(SocketAddress const& address);
    ErrorOr<void> connect_stream(SocketAddress const& address, bool nonblocking);
    ErrorOr<usize> send_stream(IoBuffer const& data, usize length, u32 flags, MessageControl& control, bool nonblocking);
    ErrorOr<usize> send_datagram(IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control, bool nonblocking);
    ErrorOr<usize> receive_stream(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking);
    ErrorOr<usize> receive_datagram(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking);
    bool queue_has_room_locked(usize cost) const;
    bool writable_locked() const;
    // The receive ring of a stream, sized for the writer's SO_SNDBUF.
    ErrorOr<void> ensure_stream_buffer(usize writer_send_buffer);
    u64 deadline(u64 timeout_ns) const;

    int const m_type;
    Mutex m_lock { "unix socket" };
    ConditionVariable m_receivers { "unix receivers" }; // data, EOF, a connection to accept
    ConditionVariable m_senders { "unix senders" };     // room in this socket's queue
    u32 m_waiting_receivers { 0 };
    u32 m_waiting_senders { 0 };

    State m_state { State::Unconnected };
    u8 m_shutdown { 0 };
    int m_error { 0 }; // SO_ERROR: ECONNRESET when the peer closed with our data unread
    RefPtr<UnixSocket> m_peer;

    // The bound name (length 0: none), and for a pathname its inode.
    SocketAddress m_name;
    vfs::Inode const* m_name_inode { nullptr };
    vfs::Location m_name_location; // keeps the inode while bound
    bool m_binding { false };

    // Receive side of a stream: the ring, the segments, and the
    // credentials of the bytes before the first segment / of the last
    // writer (a write by someone else starts a segment).
    ipc::PipeBuffer* m_stream { nullptr };
    u64 m_stream_read { 0 };
    u64 m_stream_written { 0 };
    SegmentList m_segments;
    PeerCredentials m_stream_head_credentials {};
    PeerCredentials m_stream_tail_credentials {};
    bool m_stream_tail_has_files { false };
    // Receive side of a datagram or seqpacket socket.
    DatagramList m_datagrams;
    usize m_queued_bytes { 0 };

    // Listening: connections made and not yet accepted.
    int m_backlog { 0 };
public:
    IntrusiveListNode m_accept_node;
private:
    IntrusiveList<UnixSocket, &UnixSocket::m_accept_node> m_accept_queue;

    // Options.
    bool m_pass_credentials { false };
    bool m_reuse_address { false };
    bool m_keepalive { false };
    u64 m_receive_timeout_ns { 0 }; // 0: none
    u64 m_send_timeout_ns { 0 };
    usize m_send_buffer;
    usize m_receive_buffer;
    int m_receive_low_water { 1 };
    int m_priority { 0 };
    u32 m_plain_flags { 0 }; // SO_DONTROUTE, SO_BROADCAST...: bit = option number
    bool m_linger_on { false };
    int m_linger_seconds { 0 };

    // SO_PEERCRED: the peer's credentials when the connection was made
    // (for a listener, its own at listen()).
    bool m_has_peer_credentials { false };
    PeerCredentials m_peer_credentials {};
    PeerCredentials m_own_credentials {};
    u64 m_inode_number { 0 };

    // The open file this socket serves (null for an embryo or once
    // released), and the collector's scratch index.
    vfs::OpenFile* m_file { nullptr };
    usize m_gc_index { 0 };
};

}
