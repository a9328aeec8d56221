// The bound names of UNIX sockets (net/unix/unix_socket.h): abstract names
// by their bytes, pathname names by the socket inode bind() made. A socket
// is listed while bound and open; its name and inode do not change while
// it is listed. Also the list of every UNIX socket, for /proc/net/unix.
//
// Locking: one spinlock, a leaf (taken under a socket's mutex, never
// around one); lookups take a reference with try_ref() so a socket whose
// last reference is going is skipped.
// Callers: net/unix/unix_socket.cpp. Kernel-only.
#pragma once

#include <fs/vfs/inode.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>

namespace net::af_unix {

class UnixSocket;

namespace names {

// Lists `socket` under its name(); EADDRINUSE when an abstract name is taken.
ErrorOr<void> add(UnixSocket& socket);
void remove(UnixSocket& socket);
RefPtr<UnixSocket> find_abstract(u8 const* name, usize length);
RefPtr<UnixSocket> find_inode(vfs::Inode const& inode);
// A fresh autobind name "\0xxxxx" (5 hex digits), not in use right now.
u32 next_autobind_number();

void add_to_all(UnixSocket& socket);
void remove_from_all(UnixSocket& socket);
// References to every live socket at one moment (for the collector).
struct Snapshot {
    UnixSocket** sockets { nullptr };
    usize count { 0 };
    Snapshot() = default;
    Snapshot(Snapshot&& other)
        : sockets(other.sockets)
        , count(other.count)
    {
        other.sockets = nullptr;
        other.count = 0;
    }
    ~Snapshot();
};
ErrorOr<Snapshot> snapshot();

// Calls `line(socket)` for each live socket, one reference held at a time.
void for_each(void (*line)(UnixSocket&, void*), void* context);

}

}
