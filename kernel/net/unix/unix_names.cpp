// The UNIX socket name registry (net/unix/unix_names.h).
#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <lib/string.h>
#include <net/unix/unix_names.h>
#include <net/unix/unix_socket.h>

namespace net::af_unix::names {

namespace {

Spinlock s_lock { "unix names" };
IntrusiveList<UnixSocket, &UnixSocket::m_name_node> s_bound;
IntrusiveList<UnixSocket, &UnixSocket::m_all_node> s_all;
std::atomic<u32> s_autobind { 0 };

bool same_abstract(UnixSocket const& socket, u8 const* name, usize length)
{
    SocketAddress const& bound = socket.name();
    return !socket.name_inode() && bound.length == length && memcmp(bound.bytes, name, length) == 0;
}

}

ErrorOr<void> add(UnixSocket& socket)
{
    SpinlockLocker locker(s_lock);
    if (!socket.name_inode()) {
        SocketAddress const& name = socket.name();
        for (auto& other : s_bound) {
            if (same_abstract(other, name.bytes, name.length))
                return Error::from_errno(EADDRINUSE);
        }
    }
    s_bound.append(socket);
    return {};
}

void remove(UnixSocket& socket)
{
    SpinlockLocker locker(s_lock);
    if (s_bound.contains(socket))
        s_bound.remove(socket);
}

RefPtr<UnixSocket> find_abstract(u8 const* name, usize length)
{
    SpinlockLocker locker(s_lock);
    for (auto& socket : s_bound) {
        if (same_abstract(socket, name, length) && socket.try_ref())
            return adopt_ref(&socket);
    }
    return {};
}

RefPtr<UnixSocket> find_inode(vfs::Inode const& inode)
{
    SpinlockLocker locker(s_lock);
    for (auto& socket : s_bound) {
        if (socket.name_inode() == &inode && socket.try_ref())
            return adopt_ref(&socket);
    }
    return {};
}

u32 next_autobind_number()
{
    return s_autobind.fetch_add(1, std::memory_order_relaxed) & 0xfffff;
}

void add_to_all(UnixSocket& socket)
{
    SpinlockLocker locker(s_lock);
    s_all.append(socket);
}

void remove_from_all(UnixSocket& socket)
{
    SpinlockLocker locker(s_lock);
    if (s_all.contains(socket))
        s_all.remove(socket);
}

Snapshot::~Snapshot()
{
    for (usize i = 0; i < count; ++i)
        sockets[i]->unref();
    delete[] sockets;
}

ErrorOr<Snapshot> snapshot()
{
    for (;;) {
        usize wanted;
        {
            SpinlockLocker locker(s_lock);
            wanted = s_all.size() + 8;
        }
        Snapshot taken;
        taken.sockets = new (std::nothrow) UnixSocket*[wanted];
        if (!taken.sockets)
            return Error::from_errno(ENOMEM);
        {
            SpinlockLocker locker(s_lock);
            if (s_all.size() > wanted)
                continue; // grew meanwhile: try again with more room
            for (auto& socket : s_all) {
                if (socket.try_ref())
                    taken.sockets[taken.count++] = &socket;
            }
        }
        return taken;
    }
}

void for_each(void (*line)(UnixSocket&, void*), void* context)
{
    // One socket at a time, with a reference, the lock released while
    // `line` runs (it locks the socket). A socket listed after the one we
    // hold is found again through it; one that went meanwhile is skipped.
    RefPtr<UnixSocket> held;
    for (;;) {
        RefPtr<UnixSocket> next;
        {
            SpinlockLocker locker(s_lock);
            UnixSocket* candidate = held ? (s_all.contains(*held) ? s_all.next(*held) : nullptr) : s_all.first();
            if (held && !s_all.contains(*held))
                return;
            while (candidate && !candidate->try_ref())
                candidate = s_all.next(*candidate);
            if (!candidate)
                return;
            next = adopt_ref(candidate);
        }
        line(*next, context);
        held = std::move(next);
    }
}

}
