// UNIX-domain sockets (net/unix/unix_socket.h): names, connections, the
// stream and datagram paths, options, poll, close.
#include <fs/vfs/abi.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/poll_waiters.h>
#include <fs/vfs/vfs.h>
#include <lib/format.h>
#include <lib/string.h>
#include <net/unix/unix_names.h>
#include <net/unix/unix_socket.h>
#include <proc/current.h>
#include <proc/signal_abi.h>
#include <sched/clock.h>
#include <security/permissions.h>
#include <syscall/uaccess.h>

// Hook of the signals code (proc/signals.cpp), as in ipc/pipe.cpp: a
// write to a stream whose peer is gone raises SIGPIPE in the writer.
namespace signals {
[[gnu::weak]] void send_sigpipe_to_current();
}

namespace net::af_unix {

namespace {

// Linux's defaults (net.core.wmem_default/rmem_default) and limits
// (wmem_max/rmem_max, SOCK_MIN_SNDBUF/SOCK_MIN_RCVBUF).
constexpr usize kDefaultBuffer = 212992;
constexpr usize kMaxBufferRequest = 212992;
constexpr usize kMinSendBuffer = 4608;
constexpr usize kMinReceiveBuffer = 2304;
// What a queued datagram costs besides its bytes (Linux counts the skb).
constexpr usize kDatagramOverhead = 512;
// net.unix.max_dgram_qlen: a datagram receiver is full above this many.
constexpr usize kMaxDatagramQueue = 10;
// net.core.somaxconn.
constexpr int kMaxBacklog = 4096;
// The largest stream receive ring.
constexpr usize kMaxStreamRing = 256 * KiB;

constexpr int kSolSocket = 1;
constexpr int kSoReuseaddr = 2;
constexpr int kSoType = 3;
constexpr int kSoError = 4;
constexpr int kSoSndbuf = 7;
constexpr int kSoRcvbuf = 8;
constexpr int kSoKeepalive = 9;
constexpr int kSoPriority = 12;
constexpr int kSoPasscred = 16;
constexpr int kSoPeercred = 17;
constexpr int kSoRcvlowat = 18;
constexpr int kSoRcvtimeoOld = 20;
constexpr int kSoSndtimeoOld = 21;
constexpr int kSoAcceptconn = 30;
constexpr int kSoSndbufforce = 32;
constexpr int kSoRcvbufforce = 33;
constexpr int kSoProtocol = 38;
constexpr int kSoDomain = 39;
constexpr int kSoRcvtimeoNew = 66;
constexpr int kSoDontroute = 5;
constexpr int kSoBroadcast = 6;
constexpr int kSoOobinline = 10;
constexpr int kSoLinger = 13;
constexpr int kSoPasssec = 34;

struct Linger {
    i32 on;
    i32 seconds;
};
constexpr int kSoSndtimeoNew = 67;

// FIONREAD/SIOCINQ and SIOCOUTQ.
constexpr u32 kFionread = 0x541B;
constexpr u32 kSiocoutq = 0x5411;

struct TimeValue {
    i64 seconds;
    i64 microseconds;
};

void raise_sigpipe(u32 flags)
{
    if (!(flags & kMsgNosignal) && signals::send_sigpipe_to_current)
        signals::send_sigpipe_to_current();
}

Error pipe_error(u32 flags)
{
    raise_sigpipe(flags);
    return Error::from_errno(EPIPE);
}

bool is_abstract(SocketAddress const& address) { return address.length > kPathOffset && address.bytes[kPathOffset] == 0; }

// The path of a pathname address: up to the first NUL, as Linux reads
// sun_path (it need not be terminated within the given length).
StringView path_of(SocketAddress const& address)
{
    auto const* path = reinterpret_cast<char const*>(address.bytes + kPathOffset);
    usize limit = address.length - kPathOffset;
    usize length = 0;
    while (length < limit && path[length])
        ++length;
    return StringView(path, length);
}

// unix_validate_addr: EINVAL for a length outside [2, 110] or another family.
ErrorOr<void> validate(SocketAddress const& address)
{
    if (address.length < kPathOffset || address.length > kAddressMax)
        return Error::from_errno(EINVAL);
    if (address.bytes[0] != kAfUnix || address.bytes[1] != 0)
        return Error::from_errno(EINVAL);
    return {};
}

template<typename T>
ErrorOr<T> option_value(u8 const* value, usize length)
{
    if (length < sizeof(T))
        return Error::from_errno(EINVAL);
    T out;
    memcpy(&out, value, sizeof(T));
    return out;
}

// Linux's sock_set_timeout: {0,0} is no timeout; a negative time none at all.
ErrorOr<u64> timeout_value(u8 const* value, usize length)
{
    TimeValue time = TRY(option_value<TimeValue>(value, length));
    if (time.microseconds < 0 || time.microseconds >= 1000000)
        return Error::from_errno(EDOM);
    if (time.seconds < 0)
        return u64(1);
    if (time.seconds == 0 && time.microseconds == 0)
        return u64(0);
    constexpr i64 kMaxSeconds = 1000000000ll * 1000;
    if (time.seconds > kMaxSeconds)
        return u64(0);
    return static_cast<u64>(time.seconds) * 1000000000ull + static_cast<u64>(time.microseconds) * 1000ull;
}

usize put_option(u8* value, usize capacity, void const* data, usize size)
{
    memcpy(value, data, size < capacity ? size : capacity);
    return size;
}

usize put_int(u8* value, usize capacity, int data) { return put_option(value, capacity, &data, sizeof(data)); }

usize put_timeout(u8* value, usize capacity, u64 timeout_ns)
{
    TimeValue time { static_cast<i64>(timeout_ns / 1000000000ull), static_cast<i64>(timeout_ns % 1000000000ull / 1000) };
    return put_option(value, capacity, &time, sizeof(time));
}

// The collector's mutex held while a message carrying files is queued,
// let go while the sender sleeps (net/unix/unix_gc.h). Taken before the
// receiving socket's mutex, never while holding it.
class GcHold {
public:
    explicit GcHold(bool wanted)
    {
        if (wanted)
            take();
    }
    ~GcHold() { let_go(); }
    GcHold(GcHold const&) = delete;
    GcHold& operator=(GcHold const&) = delete;
    void take()
    {
        gc::lock().lock();
        m_held = true;
    }
    void let_go()
    {
        if (m_held)
            gc::lock().unlock();
        m_held = false;
    }
    bool held() const { return m_held; }

private:
    bool m_held { false };
};

template<typename List>
void free_all(List& list)
{
    while (auto* item = list.pop_front())
        delete item;
}

}

// ---- life ----

UnixSocket::UnixSocket(int type)
    : m_type(type)
    , m_send_buffer(kDefaultBuffer)
    , m_receive_buffer(kDefaultBuffer)
{
}

ErrorOr<RefPtr<UnixSocket>> UnixSocket::create(int type)
{
    VERIFY(type == kSockStream || type == kSockDgram || type == kSockSeqpacket);
    auto* socket = new (std::nothrow) UnixSocket(type);
    if (!socket)
        return Error::from_errno(ENOMEM);
    static std::atomic<u64> s_next_number { 1 };
    socket->m_inode_number = s_next_number.fetch_add(1, std::memory_order_relaxed);
    names::add_to_all(*socket);
    return adopt_ref(socket);
}

UnixSocket::~UnixSocket()
{
    names::remove_from_all(*this);
    // release() ran (or the socket never had a file): only what a peer
    // might still have put in after that, which release() refuses.
    free_all(m_segments);
    free_all(m_datagrams);
    while (auto* embryo = m_accept_queue.pop_front())
        embryo->unref();
    delete m_stream;
}

u64 UnixSocket::deadline(u64 timeout_ns) const
{
    return timeout_ns ? ktime::monotonic_ns() + timeout_ns : 0;
}

ErrorOr<void> UnixSocket::sleep(ConditionVariable& condition, MutexLocker& locker, u32& waiting, u64 deadline_ns)
{
    // A timed wait interrupted by a handled signal is EINTR even under
    // SA_RESTART (Linux's sock_intr_errno); an untimed one restarts.
    auto interrupted = [&] {
        return Error::from_errno(deadline_ns ? signals::kErestartNoHand : EINTR);
    };
    if (current::interrupted())
        return interrupted();
    ++waiting;
    auto waited = condition.wait(locker, deadline_ns);
    --waiting;
    if (waited.is_error())
        return Error::from_errno(waited.error().code() == ETIMEDOUT ? EAGAIN : waited.error().code());
    if (current::interrupted())
        return interrupted();
    return {};
}

// A stream's ring holds what its writer's SO_SNDBUF allows in flight:
// half of it (the rest is Linux's bookkeeping), a power of two between 4
// KiB and 256 KiB; the default SO_SNDBUF gives 64 KiB.
usize ring_capacity_for(usize send_buffer)
{
    usize capacity = ipc::PipeBuffer::kMinimumCapacity;
    while (capacity * 2 <= send_buffer / 2 && capacity * 2 <= kMaxStreamRing)
        capacity *= 2;
    return capacity;
}

ErrorOr<void> UnixSocket::ensure_stream_buffer(usize writer_send_buffer)
{
    if (m_stream)
        return {};
    m_stream = new (std::nothrow) ipc::PipeBuffer(ring_capacity_for(writer_send_buffer));
    if (!m_stream)
        return Error::from_errno(ENOMEM);
    return {};
}

ErrorOr<void> UnixSocket::connect_pair(UnixSocket& a, UnixSocket& b)
{
    PeerCredentials peer = current_peer_credentials();
    PeerCredentials writer = current_message_credentials();
    auto join = [&](UnixSocket& side, UnixSocket& other) -> ErrorOr<void> {
        MutexLocker locker(side.m_lock);
        if (side.m_type == kSockStream)
            TRY(side.ensure_stream_buffer(other.m_send_buffer));
        side.m_peer = RefPtr<UnixSocket>(&other);
        side.m_state = State::Connected;
        side.m_has_peer_credentials = true;
        side.m_peer_credentials = peer;
        side.m_own_credentials = peer;
        side.m_stream_head_credentials = side.m_stream_tail_credentials = writer;
        return {};
    };
    TRY(join(a, b));
    TRY(join(b, a));
    return {};
}

void UnixSocket::attached(vfs::OpenFile& file)
{
    MutexLocker locker(m_lock);
    m_file = &file;
}

void UnixSocket::release()
{
    RefPtr<UnixSocket> peer;
    SegmentList segments;
    DatagramList datagrams;
    IntrusiveList<UnixSocket, &UnixSocket::m_accept_node> embryos;
    bool unread;
    {
        MutexLocker locker(m_lock);
        if (m_state == State::Closed)
            return;
        m_state = State::Closed;
        m_file = nullptr;
        m_shutdown = kRcvShutdown | kSendShutdown;
        peer = std::move(m_peer);
        unread = (m_stream && !m_stream->is_empty()) || !m_datagrams.is_empty();
        while (auto* segment = m_segments.pop_front())
            segments.append(*segment);
        while (auto* datagram = m_datagrams.pop_front())
            datagrams.append(*datagram);
        while (auto* embryo = m_accept_queue.pop_front())
            embryos.append(*embryo);
        m_queued_bytes = 0;
        delete m_stream;
        m_stream = nullptr;
    }
    m_receivers.notify_all();
    m_senders.notify_all();
    names::remove(*this);
    m_name_location = {};

    if (peer && m_type != kSockDgram) {
        {
            MutexLocker locker(peer->m_lock);
            if (peer->m_peer.ptr() == this) {
                peer->m_shutdown = kRcvShutdown | kSendShutdown;
                if (unread || !embryos.is_empty())
                    peer->m_error = ECONNRESET;
            }
        }
        peer->m_receivers.notify_all();
        peer->m_senders.notify_all();
    }
    poll_waiters::notify();

    // What was queued goes now: passed files drop their references (a
    // passed socket whose last reference this was closes in turn).
    free_all(segments);
    free_all(datagrams);
    while (auto* embryo = embryos.pop_front()) {
        embryo->release();
        embryo->unref();
    }
    // Closing may have left sockets that only passed files keep alive.
    if (gc::anything_in_flight())
        collect_cycles();
}

// ---- names ----

ErrorOr<void> UnixSocket::bind_name(SocketAddress const& address)
{
    // Called with m_binding set, the lock not held.
    if (address.length == kPathOffset)
        return autobind();
    if (is_abstract(address)) {
        MutexLocker locker(m_lock);
        m_name = address;
        m_name_inode = nullptr;
        auto added = names::add(*this);
        if (added.is_error())
            m_name.length = 0;
        return added;
    }
    StringView path = path_of(address);
    if (path.is_empty())
        return Error::from_errno(ENOENT);
    vfs::Context context = current::vfs_context();
    vfs::Location base = path.starts_with('/') ? context.root : current::fs().cwd();
    auto made = vfs::mknod(context, base, path, S_IFSOCK | 0777, 0);
    if (made.is_error())
        return Error::from_errno(made.error().code() == EEXIST ? EADDRINUSE : made.error().code());
    vfs::Location node = TRY(vfs::resolve(context, base, path, vfs::kResolveNoFollow));
    MutexLocker locker(m_lock);
    // The name as Linux reports it: the path and its NUL.
    m_name.length = static_cast<u32>(kPathOffset + path.length() + 1);
    memcpy(m_name.bytes, address.bytes, kPathOffset);
    memcpy(m_name.bytes + kPathOffset, path.characters_without_null_termination(), path.length());
    m_name.bytes[kPathOffset + path.length()] = 0;
    m_name_inode = node.inode.ptr();
    m_name_location = std::move(node);
    return names::add(*this);
}

ErrorOr<void> UnixSocket::autobind()
{
    // Linux's unix_autobind: "\0" and five hex digits, retried while taken.
    for (u32 attempt = 0; attempt < 0x100000; ++attempt) {
        SocketAddress name;
        name.bytes[0] = kAfUnix;
        name.bytes[1] = 0;
        name.bytes[2] = 0;
        u32 number = names::next_autobind_number();
        static constexpr char kHex[] = "0123456789abcdef";
        for (int i = 0; i < 5; ++i)
            name.bytes[3 + i] = kHex[(number >> (4 * (4 - i))) & 0xf];
        name.length = kPathOffset + 6;
        MutexLocker locker(m_lock);
        m_name = name;
        m_name_inode = nullptr;
        if (!names::add(*this).is_error())
            return {};
        m_name.length = 0;
    }
    return Error::from_errno(ENOSPC);
}

ErrorOr<void> UnixSocket::bind(SocketAddress const& address)
{
    TRY(validate(address));
    {
        MutexLocker locker(m_lock);
        // Linux: autobinding a bound socket succeeds and changes nothing.
        if (m_name.length != 0 && address.length == kPathOffset)
            return {};
        if (m_name.length != 0 || m_binding || m_state == State::Closed)
            return Error::from_errno(EINVAL);
        m_binding = true;
    }
    auto bound = bind_name(address);
    MutexLocker locker(m_lock);
    m_binding = false;
    return bound;
}

ErrorOr<RefPtr<UnixSocket>> UnixSocket::find_target(SocketAddress const& address)
{
    RefPtr<UnixSocket> target;
    if (is_abstract(address)) {
        target = names::find_abstract(address.bytes, address.length);
    } else {
        StringView path = path_of(address);
        if (path.is_empty())
            return Error::from_errno(ENOENT);
        vfs::Context context = current::vfs_context();
        vfs::Location base = path.starts_with('/') ? context.root : current::fs().cwd();
        vfs::Location node = TRY(vfs::resolve(context, base, path));
        if (!vfs::is_socket(node.inode->type()))
            return Error::from_errno(ECONNREFUSED);
        TRY(security::check_access(context.credentials, node.inode->ownership(), security::kMayWrite));
        target = names::find_inode(*node.inode);
    }
    if (!target)
        return Error::from_errno(ECONNREFUSED);
    if (target->m_type != m_type)
        return Error::from_errno(EPROTOTYPE);
    return target;
}

SocketAddress UnixSocket::local_address()
{
    MutexLocker locker(m_lock);
    if (m_name.length)
        return m_name;
    SocketAddress unnamed;
    unnamed.length = kPathOffset;
    unnamed.bytes[0] = kAfUnix;
    return unnamed;
}

ErrorOr<SocketAddress> UnixSocket::peer_address()
{
    RefPtr<UnixSocket> peer;
    {
        MutexLocker locker(m_lock);
        if (!m_peer || (m_type != kSockDgram && m_state != State::Connected))
            return Error::from_errno(ENOTCONN);
        peer = m_peer;
    }
    return peer->local_address();
}

// ---- connections ----

ErrorOr<void> UnixSocket::listen(int backlog)
{
    if (m_type == kSockDgram)
        return Error::from_errno(EOPNOTSUPP);
    if (backlog < 0 || backlog > kMaxBacklog)
        backlog = kMaxBacklog;
    MutexLocker locker(m_lock);
    if (m_name.length == 0 || m_binding)
        return Error::from_errno(EINVAL); // Linux: no listening on an unbound socket
    if (m_state != State::Unconnected && m_state != State::Listening)
        return Error::from_errno(EINVAL);
    bool waking = backlog > m_backlog && m_waiting_senders;
    m_backlog = backlog;
    if (m_state == State::Unconnected) {
        m_state = State::Listening;
        m_own_credentials = current_peer_credentials();
        m_stream_tail_credentials = current_message_credentials();
    }
    if (waking)
        m_senders.notify_all();
    return {};
}

ErrorOr<void> UnixSocket::connect(SocketAddress const& address, bool nonblocking)
{
    if (m_type != kSockDgram) {
        TRY(validate(address));
        return connect_stream(address, nonblocking);
    }
    if (address.length < sizeof(u16))
        return Error::from_errno(EINVAL);
    // A datagram socket's connect sets (or with AF_UNSPEC clears) its
    // default destination, and the only sender it takes from.
    if (address.length >= sizeof(u16) && address.bytes[0] == kAfUnspec && address.bytes[1] == 0) {
        RefPtr<UnixSocket> old;
        {
            MutexLocker locker(m_lock);
            old = std::move(m_peer);
        }
        poll_waiters::notify();
        return {};
    }
    TRY(validate(address));
    if (m_pass_credentials && local_address().length == kPathOffset)
        TRY(autobind());
    RefPtr<UnixSocket> target = TRY(find_target(address));
    RefPtr<UnixSocket> old;
    {
        MutexLocker locker(m_lock);
        old = std::move(m_peer);
        m_peer = std::move(target);
    }
    poll_waiters::notify();
    return {};
}

ErrorOr<void> UnixSocket::connect_stream(SocketAddress const& address, bool nonblocking)
{
    {
        MutexLocker locker(m_lock);
        if (m_state == State::Connected)
            return Error::from_errno(EISCONN);
        if (m_state != State::Unconnected)
            return Error::from_errno(EINVAL);
    }
    if (m_pass_credentials && local_address().length == kPathOffset)
        TRY(autobind());
    RefPtr<UnixSocket> listener = TRY(find_target(address));

    // The server's end, queued on the listener until accept() takes it.
    RefPtr<UnixSocket> embryo = TRY(create(m_type));
    PeerCredentials me = current_peer_credentials();
    embryo->m_peer = RefPtr<UnixSocket>(this);
    embryo->m_state = State::Connected;
    embryo->m_has_peer_credentials = true;
    embryo->m_peer_credentials = me;
    embryo->m_stream_head_credentials = embryo->m_stream_tail_credentials = current_message_credentials();
    if (m_type == kSockStream) {
        MutexLocker locker(m_lock);
        TRY(embryo->ensure_stream_buffer(m_send_buffer));
        TRY(ensure_stream_buffer(kDefaultBuffer));
    }

    PeerCredentials listener_credentials;
    PeerCredentials listener_writer;
    {
        u64 until = deadline(m_send_timeout_ns);
        MutexLocker locker(listener->m_lock);
        for (;;) {
            if (listener->m_state != State::Listening) {
                embryo->m_peer.clear();
                return Error::from_errno(ECONNREFUSED);
            }
            if (listener->m_accept_queue.size() <= static_cast<usize>(listener->m_backlog))
                break;
            if (nonblocking) {
                embryo->m_peer.clear();
                return Error::from_errno(EAGAIN);
            }
            auto waited = sleep(listener->m_senders, locker, listener->m_waiting_senders, until);
            if (waited.is_error()) {
                embryo->m_peer.clear();
                return waited.error();
            }
        }
        embryo->m_name = listener->m_name;
        embryo->m_own_credentials = listener->m_own_credentials;
        listener_credentials = listener->m_own_credentials;
        listener_writer = listener->m_stream_tail_credentials;
        // Our side first, so the accepter finds us connected.
        {
            MutexLocker mine(m_lock);
            if (m_state != State::Unconnected) {
                embryo->m_peer.clear();
                return Error::from_errno(m_state == State::Connected ? EISCONN : EINVAL);
            }
            m_peer = embryo;
            m_state = State::Connected;
            m_has_peer_credentials = true;
            m_peer_credentials = listener_credentials;
            m_stream_head_credentials = m_stream_tail_credentials = listener_writer;
        }
        listener->m_accept_queue.append(*embryo.leak_ref());
    }
    listener->m_receivers.notify_all();
    poll_waiters::notify();
    return {};
}

ErrorOr<RefPtr<Socket>> UnixSocket::accept(bool nonblocking, SocketAddress& peer)
{
    if (m_type == kSockDgram)
        return Error::from_errno(EOPNOTSUPP);
    UnixSocket* embryo;
    {
        u64 until = deadline(m_receive_timeout_ns);
        MutexLocker locker(m_lock);
        for (;;) {
            if (m_state != State::Listening)
                return Error::from_errno(EINVAL);
            if ((embryo = m_accept_queue.pop_front()))
                break;
            if (nonblocking)
                return Error::from_errno(EAGAIN);
            TRY(sleep(m_receivers, locker, m_waiting_receivers, until));
        }
        if (m_waiting_senders)
            m_senders.notify_all();
    }
    RefPtr<UnixSocket> accepted = adopt_ref(embryo);
    RefPtr<UnixSocket> client;
    {
        MutexLocker locker(accepted->m_lock);
        client = accepted->m_peer;
    }
    if (client)
        peer = client->local_address();
    else
        peer = SocketAddress { kPathOffset, { kAfUnix } };
    return RefPtr<Socket>(std::move(accepted));
}

ErrorOr<void> UnixSocket::shutdown(int how)
{
    if (how < kShutRd || how > kShutRdwr)
        return Error::from_errno(EINVAL);
    u8 mode = static_cast<u8>(how + 1); // SHUT_RD -> RCV, SHUT_WR -> SEND, both
    RefPtr<UnixSocket> peer;
    {
        MutexLocker locker(m_lock);
        m_shutdown |= mode;
        if (m_type != kSockDgram && m_state == State::Connected)
            peer = m_peer;
    }
    m_receivers.notify_all();
    m_senders.notify_all();
    if (peer) {
        u8 mirrored = static_cast<u8>(((mode & kRcvShutdown) ? kSendShutdown : 0) | ((mode & kSendShutdown) ? kRcvShutdown : 0));
        {
            MutexLocker locker(peer->m_lock);
            if (peer->m_peer.ptr() == this)
                peer->m_shutdown |= mirrored;
        }
        peer->m_receivers.notify_all();
        peer->m_senders.notify_all();
    }
    poll_waiters::notify();
    return {};
}

// ---- sending ----

ErrorOr<usize> UnixSocket::send(IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control, bool nonblocking)
{
    if (flags & kMsgOob)
        return Error::from_errno(EOPNOTSUPP);
    nonblocking |= (flags & kMsgDontwait) != 0;
    if (m_type == kSockStream) {
        if (to) {
            MutexLocker locker(m_lock);
            return Error::from_errno(m_state == State::Connected ? EISCONN : EOPNOTSUPP);
        }
        return send_stream(data, length, flags, control, nonblocking);
    }
    return send_datagram(data, length, flags, m_type == kSockDgram ? to : nullptr, control, nonblocking);
}

bool UnixSocket::queue_has_room_locked(usize cost) const
{
    if (m_datagrams.is_empty())
        return true;
    if (m_type == kSockDgram && m_datagrams.size() > kMaxDatagramQueue)
        return false;
    return m_queued_bytes + cost <= m_receive_buffer;
}

ErrorOr<usize> UnixSocket::send_stream(IoBuffer const& data, usize length, u32 flags, MessageControl& control, bool nonblocking)
{
    RefPtr<UnixSocket> peer;
    u64 until;
    {
        MutexLocker locker(m_lock);
        if (m_shutdown & kSendShutdown)
            return pipe_error(flags);
        if (m_state != State::Connected || !m_peer)
            return Error::from_errno(ENOTCONN);
        peer = m_peer;
        until = deadline(m_send_timeout_ns);
    }
    PeerCredentials writer = control.has_credentials ? control.credentials : current_message_credentials();
    // Passed files travel in a segment made before any lock is taken.
    StreamSegment* segment = nullptr;
    if (!control.files.is_empty() || control.has_credentials) {
        segment = new (std::nothrow) StreamSegment;
        if (!segment)
            return Error::from_errno(ENOMEM);
        segment->credentials = writer;
        segment->files = std::move(control.files);
    }
    if (length == 0) {
        delete segment; // Linux sends nothing, not even the files
        return 0;
    }

    usize done = 0;
    bool wake_readers = false;
    ErrorOr<usize> result = usize(0);
    {
        GcHold gc_hold(segment && !segment->files.is_empty());
        MutexLocker locker(peer->m_lock);
        for (;;) {
            if (segment && !segment->files.is_empty() && !gc_hold.held()) {
                locker.unlock();
                gc_hold.take();
                locker.relock();
            }
            if (peer->m_state == State::Closed || (peer->m_shutdown & kRcvShutdown) || !peer->m_stream) {
                if (done == 0)
                    result = pipe_error(flags);
                break;
            }
            usize space = peer->m_stream->space();
            if (space != 0) {
                bool need_segment = segment || peer->m_stream_tail_has_files || !(writer == peer->m_stream_tail_credentials);
                if (need_segment && !segment) {
                    segment = new (std::nothrow) StreamSegment;
                    if (!segment) {
                        if (done == 0)
                            result = Error::from_errno(ENOMEM);
                        break;
                    }
                    segment->credentials = writer;
                }
                bool was_empty = peer->m_stream->is_empty();
                auto copied = peer->m_stream->write_from(data, done, length - done);
                if (copied.is_error()) {
                    if (done == 0)
                        result = copied.error();
                    break;
                }
                usize stored = copied.value();
                if (segment && stored) {
                    segment->start = peer->m_stream_written;
                    peer->m_stream_tail_credentials = segment->credentials;
                    peer->m_stream_tail_has_files = !segment->files.is_empty();
                    segment->files.queued();
                    peer->m_segments.append(*segment);
                    segment = nullptr;
                    gc_hold.let_go();
                }
                peer->m_stream_written += stored;
                done += stored;
                if (stored) {
                    wake_readers = peer->m_waiting_receivers != 0;
                    if (was_empty)
                        poll_waiters::notify();
                }
                if (done == length)
                    break;
                if (stored < (space < length - done + stored ? space : length - done + stored))
                    break; // the caller's buffer faulted part way
            }
            if (nonblocking) {
                if (done == 0)
                    result = Error::from_errno(EAGAIN);
                break;
            }
            if (wake_readers) {
                wake_readers = false;
                locker.unlock();
                peer->m_receivers.notify_all();
                locker.relock();
                continue;
            }
            gc_hold.let_go();
            auto waited = sleep(peer->m_senders, locker, peer->m_waiting_senders, until);
            if (waited.is_error()) {
                if (done == 0)
                    result = waited.error();
                break;
            }
        }
    }
    if (wake_readers)
        peer->m_receivers.notify_all();
    delete segment; // unused: its files go back
    if (result.is_error())
        return result;
    return done;
}

ErrorOr<usize> UnixSocket::send_datagram(IoBuffer const& data, usize length, u32 flags, SocketAddress const* to, MessageControl& control, bool nonblocking)
{
    RefPtr<UnixSocket> target;
    u64 until;
    {
        MutexLocker locker(m_lock);
        if (m_type == kSockSeqpacket) {
            if (m_shutdown & kSendShutdown)
                return Error::from_errno(EPIPE);
            if (m_state != State::Connected || !m_peer)
                return Error::from_errno(ENOTCONN);
        } else if (m_shutdown & kSendShutdown) {
            return Error::from_errno(EPIPE);
        }
        if (!to) {
            if (!m_peer)
                return Error::from_errno(ENOTCONN);
            target = m_peer;
        }
        until = deadline(m_send_timeout_ns);
        if (length + 32 > m_send_buffer)
            return Error::from_errno(EMSGSIZE);
    }
    if (m_type == kSockDgram && m_pass_credentials && local_address().length == kPathOffset)
        TRY(autobind());
    if (to) {
        TRY(validate(*to));
        target = TRY(find_target(*to));
    }

    auto* message = new (std::nothrow) Datagram;
    if (!message)
        return Error::from_errno(ENOMEM);
    if (length) {
        message->data = new (std::nothrow) u8[length];
        if (!message->data) {
            delete message;
            return Error::from_errno(ENOMEM);
        }
        auto copied = data.read_bytes(0, message->data, length);
        if (copied.is_error()) {
            delete message;
            return copied.error();
        }
    }
    message->length = length;
    message->credentials = control.has_credentials ? control.credentials : current_message_credentials();
    message->files = std::move(control.files);
    if (m_type == kSockDgram) {
        MutexLocker locker(m_lock);
        message->source = m_name; // unnamed senders give no address
    }
    usize cost = length + kDatagramOverhead;

    ErrorOr<usize> result = length;
    bool wake_readers = false;
    {
        bool const carries_files = !message->files.is_empty();
        GcHold gc_hold(carries_files);
        MutexLocker locker(target->m_lock);
        for (;;) {
            if (carries_files && !gc_hold.held()) {
                locker.unlock();
                gc_hold.take();
                locker.relock();
            }
            if (target->m_state == State::Closed) {
                result = Error::from_errno(m_type == kSockDgram ? ECONNREFUSED : EPIPE);
                break;
            }
            if (m_type == kSockSeqpacket && (target->m_shutdown & kRcvShutdown)) {
                result = Error::from_errno(EPIPE);
                break;
            }
            if (m_type == kSockDgram && target->m_peer && target->m_peer.ptr() != this) {
                result = Error::from_errno(EPERM);
                break;
            }
            if (m_type == kSockDgram && (target->m_shutdown & kRcvShutdown)) {
                result = Error::from_errno(EPIPE);
                break;
            }
            if (target->queue_has_room_locked(cost)) {
                bool was_empty = target->m_datagrams.is_empty();
                message->files.queued();
                target->m_datagrams.append(*message);
                target->m_queued_bytes += cost;
                message = nullptr;
                wake_readers = target->m_waiting_receivers != 0;
                if (was_empty)
                    poll_waiters::notify();
                break;
            }
            if (nonblocking) {
                result = Error::from_errno(EAGAIN);
                break;
            }
            gc_hold.let_go();
            auto waited = sleep(target->m_senders, locker, target->m_waiting_senders, until);
            if (waited.is_error()) {
                result = waited.error();
                break;
            }
        }
    }
    if (wake_readers)
        target->m_receivers.notify_all();
    delete message; // not queued: its files go back
    return result;
}

// ---- receiving ----

ErrorOr<usize> UnixSocket::receive(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking)
{
    if (flags & kMsgOob)
        return Error::from_errno(EOPNOTSUPP);
    nonblocking |= (flags & kMsgDontwait) != 0;
    if (m_type == kSockStream)
        return receive_stream(data, length, flags, info, nonblocking);
    return receive_datagram(data, length, flags, info, nonblocking);
}

bool UnixSocket::writable_locked() const
{
    // What this socket's senders look at: is there room in its queue?
    if (m_type == kSockStream)
        return m_stream && m_stream->space() >= m_stream->capacity() / 4;
    return queue_has_room_locked(kDatagramOverhead);
}

ErrorOr<usize> UnixSocket::receive_stream(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking)
{
    bool const peek = flags & kMsgPeek;
    usize const target = (flags & kMsgWaitall) && !peek ? length : 1;
    usize copied = 0;
    bool wake_senders = false;
    SegmentList finished;
    ErrorOr<usize> result = usize(0);
    {
        MutexLocker locker(m_lock);
        u64 until = deadline(m_receive_timeout_ns);
        if (m_state != State::Connected && m_state != State::Closed)
            return Error::from_errno(EINVAL);
        if (length == 0)
            return 0;
        bool have_credentials = false;
        PeerCredentials first_credentials {};
        for (;;) {
            usize available = m_stream ? m_stream->size() : 0;
            if (available == 0) {
                if (copied >= target)
                    break;
                if (m_error) {
                    if (copied == 0)
                        result = Error::from_errno(m_error);
                    m_error = 0;
                    break;
                }
                if (m_shutdown & kRcvShutdown)
                    break; // end of file
                if (nonblocking) {
                    if (copied == 0)
                        result = Error::from_errno(EAGAIN);
                    break;
                }
                if (wake_senders) {
                    wake_senders = false;
                    locker.unlock();
                    m_senders.notify_all();
                    locker.relock();
                    continue;
                }
                auto waited = sleep(m_receivers, locker, m_waiting_receivers, until);
                if (waited.is_error()) {
                    if (copied == 0)
                        result = waited.error();
                    break;
                }
                continue;
            }
            u64 position = m_stream_read;
            // Segments whose bytes are all read are done with.
            while (auto* first = m_segments.first()) {
                auto* next = m_segments.next(*first);
                if (!next || next->start > position)
                    break;
                m_segments.remove(*first);
                m_stream_head_credentials = first->credentials;
                finished.append(*first);
            }
            StreamSegment* current = m_segments.first();
            StreamSegment* following = nullptr;
            if (current && current->start > position) {
                following = current;
                current = nullptr;
            } else if (current) {
                following = m_segments.next(*current);
            }
            PeerCredentials credentials = current ? current->credentials : m_stream_head_credentials;
            bool files_here = current && current->start == position && !current->files.is_empty();
            if (copied > 0 && (files_here || (m_pass_credentials && !(credentials == first_credentials))))
                break; // never glue different writers' data, or files, to what we have
            usize chunk = length - copied;
            if (chunk > available)
                chunk = available;
            if (following && following->start - position < chunk)
                chunk = static_cast<usize>(following->start - position);
            usize moved;
            if (peek) {
                auto peeked = m_stream->peek_into(data, copied, 0, chunk);
                if (peeked.is_error()) {
                    if (copied == 0)
                        result = peeked.error();
                    break;
                }
                moved = peeked.value();
            } else {
                bool was_writable = writable_locked();
                auto read = m_stream->read_into(data, copied, chunk);
                if (read.is_error()) {
                    if (copied == 0)
                        result = read.error();
                    break;
                }
                moved = read.value();
                m_stream_read += moved;
                if (moved) {
                    wake_senders = m_waiting_senders != 0;
                    if (!was_writable && writable_locked())
                        poll_waiters::notify();
                }
            }
            if (!have_credentials) {
                have_credentials = true;
                first_credentials = credentials;
                info.control.has_credentials = m_pass_credentials;
                info.control.credentials = credentials;
            }
            if (files_here && moved) {
                if (peek) {
                    auto duplicate = current->files.duplicate();
                    if (!duplicate.is_error())
                        info.control.files = duplicate.release_value();
                } else {
                    info.control.files = current->files.take();
                }
            }
            copied += moved;
            if (files_here || peek || copied >= target || moved < chunk)
                break;
        }
    }
    if (wake_senders)
        m_senders.notify_all();
    free_all(finished);
    if (result.is_error())
        return result;
    info.full_length = copied;
    if (copied && info.wants_source) {
        // recvfrom/recvmsg name the peer, if it has a name.
        RefPtr<UnixSocket> peer;
        {
            MutexLocker locker(m_lock);
            peer = m_peer;
        }
        if (peer) {
            MutexLocker locker(peer->m_lock);
            info.source = peer->m_name;
        }
    }
    return copied;
}

ErrorOr<usize> UnixSocket::receive_datagram(IoBuffer& data, usize length, u32 flags, ReceiveInfo& info, bool nonblocking)
{
    bool const peek = flags & kMsgPeek;
    Datagram* taken = nullptr;
    bool wake_senders = false;
    usize copied;
    {
        MutexLocker locker(m_lock);
        u64 until = deadline(m_receive_timeout_ns);
        for (;;) {
            if (!m_datagrams.is_empty())
                break;
            if (m_error) {
                int error = m_error;
                m_error = 0;
                return Error::from_errno(error);
            }
            if (m_shutdown & kRcvShutdown)
                return 0;
            if (m_type == kSockSeqpacket && m_state != State::Connected)
                return Error::from_errno(ENOTCONN);
            if (nonblocking)
                return Error::from_errno(EAGAIN);
            TRY(sleep(m_receivers, locker, m_waiting_receivers, until));
        }
        Datagram& message = *m_datagrams.first();
        copied = length < message.length ? length : message.length;
        if (copied)
            TRY(data.write_bytes(0, message.data, copied));
        info.full_length = message.length;
        if (message.length > length)
            info.message_flags |= kMsgTrunc;
        info.source = message.source;
        info.control.has_credentials = m_pass_credentials;
        info.control.credentials = message.credentials;
        if (peek) {
            auto duplicate = message.files.duplicate();
            if (!duplicate.is_error())
                info.control.files = duplicate.release_value();
        } else {
            info.control.files = message.files.take();
            bool was_writable = writable_locked();
            m_datagrams.remove(message);
            m_queued_bytes -= message.length + kDatagramOverhead;
            taken = &message;
            wake_senders = m_waiting_senders != 0;
            if (!was_writable)
                poll_waiters::notify();
        }
    }
    if (wake_senders)
        m_senders.notify_all();
    delete taken;
    return copied;
}

// ---- poll, ioctl ----

u32 UnixSocket::poll(vfs::OpenFile&)
{
    // Linux's unix_poll / unix_dgram_poll. The peer's lock is taken after
    // ours is let go (two pollers of a pair must not nest them).
    u32 events = 0;
    RefPtr<UnixSocket> peer;
    {
        MutexLocker locker(m_lock);
        if (m_error)
            events |= POLLERR;
        if (m_shutdown == (kRcvShutdown | kSendShutdown))
            events |= POLLHUP;
        if (m_shutdown & kRcvShutdown)
            events |= kPollRdhup | POLLIN | POLLRDNORM;
        bool readable = m_state == State::Listening ? !m_accept_queue.is_empty()
                                                     : (m_type == kSockStream ? (m_stream && !m_stream->is_empty()) : !m_datagrams.is_empty());
        if (readable)
            events |= POLLIN | POLLRDNORM;
        if (m_type != kSockDgram && m_state != State::Connected && m_state != State::Listening)
            events |= POLLHUP;
        if (m_state == State::Listening)
            return events;
        if (m_type == kSockDgram || m_state == State::Connected) {
            if (!(m_shutdown & kSendShutdown))
                peer = m_peer;
            else if (m_type != kSockDgram)
                events |= POLLOUT | POLLWRNORM; // Linux: a shut-down writer polls writable (the write fails at once)
        }
        if (!peer && m_type == kSockDgram && !(m_shutdown & kSendShutdown))
            events |= POLLOUT | POLLWRNORM;
        if (!peer && m_type != kSockDgram && m_state != State::Connected)
            events |= POLLOUT | POLLWRNORM;
    }
    if (peer) {
        MutexLocker locker(peer->m_lock);
        if (peer->m_state == State::Closed || peer->writable_locked())
            events |= POLLOUT | POLLWRNORM;
    }
    return events;
}

ErrorOr<long> UnixSocket::ioctl(vfs::OpenFile&, u32 request, u64 argument)
{
    int value = 0;
    switch (request) {
    case kFionread: {
        MutexLocker locker(m_lock);
        if (m_state == State::Listening)
            return Error::from_errno(EINVAL);
        if (m_type == kSockStream)
            value = m_stream ? static_cast<int>(m_stream->size()) : 0;
        else if (auto* first = m_datagrams.first())
            value = static_cast<int>(first->length);
        break;
    }
    case kSiocoutq: {
        RefPtr<UnixSocket> peer;
        {
            MutexLocker locker(m_lock);
            peer = m_peer;
        }
        if (peer && m_type == kSockStream) {
            MutexLocker locker(peer->m_lock);
            value = peer->m_stream ? static_cast<int>(peer->m_stream->size()) : 0;
        }
        break;
    }
    default:
        return Error::from_errno(ENOTTY);
    }
    TRY(copy_to_user(UserPtr<int>(argument), value));
    return 0;
}

// ---- options ----

ErrorOr<void> UnixSocket::set_option(int level, int name, u8 const* value, usize length)
{
    if (level != kSolSocket)
        return Error::from_errno(EOPNOTSUPP);
    switch (name) {
    case kSoLinger: {
        // Closing never waits here (nothing is ever unsent), so the
        // value is only kept for getsockopt.
        Linger linger = TRY(option_value<Linger>(value, length));
        MutexLocker locker(m_lock);
        m_linger_on = linger.on != 0;
        m_linger_seconds = linger.seconds;
        return {};
    }
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew:
    case kSoSndtimeoOld:
    case kSoSndtimeoNew: {
        u64 timeout = TRY(timeout_value(value, length));
        MutexLocker locker(m_lock);
        (name == kSoRcvtimeoOld || name == kSoRcvtimeoNew ? m_receive_timeout_ns : m_send_timeout_ns) = timeout;
        return {};
    }
    default:
        break;
    }
    int number = TRY(option_value<int>(value, length));
    MutexLocker locker(m_lock);
    switch (name) {
    case kSoReuseaddr:
        m_reuse_address = number != 0;
        return {};
    case kSoKeepalive:
        m_keepalive = number != 0;
        return {};
    case kSoPriority:
        m_priority = number;
        return {};
    case kSoDontroute:
    case kSoBroadcast:
    case kSoOobinline:
    case kSoPasssec: {
        // Accepted and kept, as Linux does for every socket; nothing here
        // depends on them.
        u32 bit = 1u << (name & 31);
        m_plain_flags = number ? (m_plain_flags | bit) : (m_plain_flags & ~bit);
        return {};
    }
    case kSoPasscred:
        m_pass_credentials = number != 0;
        return {};
    case kSoRcvlowat:
        m_receive_low_water = number < 1 ? 1 : number;
        return {};
    case kSoSndbuf:
    case kSoSndbufforce: {
        if (name == kSoSndbufforce && !current::credentials().is_superuser())
            return Error::from_errno(EPERM);
        usize requested = number < 0 ? 0 : static_cast<usize>(number);
        if (name == kSoSndbuf && requested > kMaxBufferRequest)
            requested = kMaxBufferRequest;
        requested *= 2;
        m_send_buffer = requested < kMinSendBuffer ? kMinSendBuffer : requested;
        if (m_type == kSockStream && m_peer) {
            // What we may have in flight is the peer's ring: resize it
            // (a ring holding more than the new size keeps its size).
            RefPtr<UnixSocket> peer = m_peer;
            usize capacity = ring_capacity_for(m_send_buffer);
            locker.unlock();
            bool wake;
            {
                MutexLocker peer_locker(peer->m_lock);
                if (!peer->m_stream || peer->m_state == State::Closed)
                    return {};
                (void)peer->m_stream->set_capacity(capacity);
                wake = peer->m_waiting_senders != 0;
            }
            if (wake)
                peer->m_senders.notify_all();
            poll_waiters::notify();
        }
        return {};
    }
    case kSoRcvbuf:
    case kSoRcvbufforce: {
        if (name == kSoRcvbufforce && !current::credentials().is_superuser())
            return Error::from_errno(EPERM);
        usize requested = number < 0 ? 0 : static_cast<usize>(number);
        if (name == kSoRcvbuf && requested > kMaxBufferRequest)
            requested = kMaxBufferRequest;
        requested *= 2;
        bool more = requested > m_receive_buffer;
        m_receive_buffer = requested < kMinReceiveBuffer ? kMinReceiveBuffer : requested;
        if (more && m_waiting_senders)
            m_senders.notify_all();
        return {};
    }
    case kSoType:
    case kSoError:
    case kSoPeercred:
    case kSoAcceptconn:
    case kSoDomain:
    case kSoProtocol:
        return Error::from_errno(ENOPROTOOPT);
    default:
        return Error::from_errno(ENOPROTOOPT);
    }
}

ErrorOr<usize> UnixSocket::get_option(int level, int name, u8* value, usize length)
{
    if (level != kSolSocket)
        return Error::from_errno(EOPNOTSUPP);
    MutexLocker locker(m_lock);
    switch (name) {
    case kSoType:
        return put_int(value, length, m_type);
    case kSoDomain:
        return put_int(value, length, kAfUnix);
    case kSoProtocol:
        return put_int(value, length, 0);
    case kSoError: {
        int error = m_error;
        m_error = 0;
        return put_int(value, length, error);
    }
    case kSoAcceptconn:
        return put_int(value, length, m_state == State::Listening ? 1 : 0);
    case kSoReuseaddr:
        return put_int(value, length, m_reuse_address);
    case kSoKeepalive:
        return put_int(value, length, m_keepalive);
    case kSoPriority:
        return put_int(value, length, m_priority);
    case kSoDontroute:
    case kSoBroadcast:
    case kSoOobinline:
    case kSoPasssec:
        return put_int(value, length, (m_plain_flags >> (name & 31)) & 1);
    case kSoLinger: {
        Linger linger { m_linger_on ? 1 : 0, m_linger_seconds };
        return put_option(value, length, &linger, sizeof(linger));
    }
    case kSoPasscred:
        return put_int(value, length, m_pass_credentials);
    case kSoRcvlowat:
        return put_int(value, length, m_receive_low_water);
    case kSoSndbuf:
        return put_int(value, length, static_cast<int>(m_send_buffer));
    case kSoRcvbuf:
        return put_int(value, length, static_cast<int>(m_receive_buffer));
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew:
        return put_timeout(value, length, m_receive_timeout_ns);
    case kSoSndtimeoOld:
    case kSoSndtimeoNew:
        return put_timeout(value, length, m_send_timeout_ns);
    case kSoPeercred: {
        // Linux: nobody connected reads as pid 0, uid and gid "overflow" (65534).
        PeerCredentials credentials { 0, 65534, 65534 };
        if (m_has_peer_credentials)
            credentials = m_peer_credentials;
        else if (m_state == State::Listening)
            credentials = m_own_credentials;
        return put_option(value, length, &credentials, sizeof(credentials));
    }
    default:
        return Error::from_errno(ENOPROTOOPT);
    }
}

// ---- /proc/net/unix ----

usize UnixSocket::describe(char* out, usize size)
{
    // Linux's unix_seq_show: the socket's kernel address as "Num" (a
    // number of ours serves), references, protocol 0, __SO_ACCEPTCON for
    // a listener, the type, SS_CONNECTED or SS_UNCONNECTED, the inode of
    // the socket's file, and the name ('@' for the NULs of an abstract one).
    MutexLocker locker(m_lock);
    u32 flags = m_state == State::Listening ? 0x10000 : 0;
    int state = m_state == State::Connected ? 3 : 1;
    u64 inode = m_file ? m_file->inode()->ino() : 0;
    char path[kAddressMax + 2] {};
    usize path_length = 0;
    if (m_name.length > kPathOffset) {
        usize name_length = m_name.length - kPathOffset;
        bool abstract = m_name.bytes[kPathOffset] == 0;
        for (usize i = 0; i < name_length && path_length + 1 < sizeof(path); ++i) {
            char c = static_cast<char>(m_name.bytes[kPathOffset + i]);
            if (c == 0 && !abstract)
                break;
            path[path_length++] = c == 0 ? '@' : c;
        }
    }
    return format(out, size, "%016lX: %08X %08X %08X %04X %02X %5lu%s%s\n", m_inode_number, ref_count(), 0u, flags,
        static_cast<u32>(m_type), static_cast<u32>(state), inode, path_length ? " " : "", path);
}

}

// /proc/net/unix (fs/procfs/kernel_source.cpp declares this hook).
namespace net_hooks {

void unix_socket_lines(void (*emit)(StringView line, void* context), void* context)
{
    struct Target {
        void (*emit)(StringView, void*);
        void* context;
    } target { emit, context };
    net::af_unix::names::for_each(
        [](net::af_unix::UnixSocket& socket, void* raw) {
            char line[256];
            usize length = socket.describe(line, sizeof(line));
            if (length >= sizeof(line))
                length = sizeof(line) - 1;
            auto* where = static_cast<Target*>(raw);
            where->emit(StringView(line, length), where->context);
        },
        &target);
}

}
