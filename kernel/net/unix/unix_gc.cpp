// The collector of UNIX sockets kept alive only by passed descriptors
// (net/unix/unix_gc.h).
#include <atomic>
#include <net/unix/unix_gc.h>
#include <net/unix/unix_names.h>
#include <net/unix/unix_socket.h>

namespace net::af_unix {

namespace gc {

namespace {

Mutex s_lock { "unix gc" };
std::atomic<usize> s_in_flight { 0 };
std::atomic<bool> s_running { false };
std::atomic<bool> s_again { false };

}

Mutex& lock() { return s_lock; }
void hold() { s_in_flight.fetch_add(1, std::memory_order_relaxed); }
void drop() { s_in_flight.fetch_sub(1, std::memory_order_relaxed); }
bool anything_in_flight() { return s_in_flight.load(std::memory_order_relaxed) != 0; }

bool begin_collection()
{
    if (s_running.exchange(true)) {
        s_again.store(true);
        return false;
    }
    return true;
}

bool end_pass()
{
    if (s_again.exchange(false))
        return true;
    s_running.store(false);
    // A request that came in between: take it on unless someone else did.
    if (s_again.load() && !s_running.exchange(true)) {
        s_again.store(false);
        return true;
    }
    return false;
}

}

namespace {

// The UNIX socket a passed file is, or null.
UnixSocket* unix_socket_of(vfs::OpenFile* file)
{
    Socket* socket = socket_of(*file);
    if (!socket || socket->domain() != kAfUnix)
        return nullptr;
    return static_cast<UnixSocket*>(socket);
}

struct Edge {
    usize from;
    usize to;
};

// A growable array of edges, allocated as the scan finds them.
struct Edges {
    Edge* items { nullptr };
    usize count { 0 };
    usize capacity { 0 };
    ~Edges() { delete[] items; }
    bool add(usize from, usize to)
    {
        if (count == capacity) {
            usize grown = capacity ? capacity * 2 : 64;
            auto* bigger = new (std::nothrow) Edge[grown];
            if (!bigger)
                return false;
            for (usize i = 0; i < count; ++i)
                bigger[i] = items[i];
            delete[] items;
            items = bigger;
            capacity = grown;
        }
        items[count++] = Edge { from, to };
        return true;
    }
};

struct Counts {
    u32 references { 0 };
    u32 in_flight { 0 };
    bool candidate { false };
};

}

void UnixSocket::collect_cycles()
{
    if (!gc::begin_collection())
        return; // the running collection goes round again
    do {
        SegmentList segments;
        DatagramList datagrams;
        {
            MutexLocker gc_locker(gc::lock());
            auto taken = names::snapshot();
            if (taken.is_error())
                continue; // (ends the pass) out of memory: another close tries again
            names::Snapshot sockets = taken.release_value();
            auto* counts = new (std::nothrow) Counts[sockets.count ? sockets.count : 1];
            if (!counts)
                continue;
            for (usize i = 0; i < sockets.count; ++i)
                sockets.sockets[i]->m_gc_index = i;
            auto index_of = [&](UnixSocket* socket) -> usize {
                usize index = socket->m_gc_index;
                return index < sockets.count && sockets.sockets[index] == socket ? index : sockets.count;
            };
            // Scan: references to each file, and who holds whose file in flight.
            Edges edges;
            bool complete = true;
            for (usize i = 0; i < sockets.count && complete; ++i) {
                UnixSocket& socket = *sockets.sockets[i];
                MutexLocker locker(socket.m_lock);
                if (socket.m_file)
                    counts[i].references = socket.m_file->ref_count();
                auto note = [&](gc::QueuedFiles const& files) {
                    for (usize f = 0; f < files.count() && complete; ++f) {
                        UnixSocket* target = unix_socket_of(files.at(f));
                        if (!target)
                            continue;
                        usize to = index_of(target);
                        if (to == sockets.count)
                            continue;
                        ++counts[to].in_flight;
                        complete = edges.add(i, to);
                    }
                };
                for (auto& segment : socket.m_segments)
                    note(segment.files);
                for (auto& datagram : socket.m_datagrams)
                    note(datagram.files);
            }
            if (!complete) {
                delete[] counts;
                continue; // out of memory: collect another time, never wrongly
            }
            for (usize i = 0; i < sockets.count; ++i)
                counts[i].candidate = counts[i].references != 0 && counts[i].in_flight >= counts[i].references;
            // Mark: what a live socket's queue holds is live.
            for (bool changed = true; changed;) {
                changed = false;
                for (usize e = 0; e < edges.count; ++e) {
                    Edge const& edge = edges.items[e];
                    if (!counts[edge.from].candidate && counts[edge.to].candidate) {
                        counts[edge.to].candidate = false;
                        changed = true;
                    }
                }
            }
            // Sweep: empty the queues of the garbage; the references go
            // after every lock is let go.
            for (usize i = 0; i < sockets.count; ++i) {
                if (!counts[i].candidate)
                    continue;
                UnixSocket& socket = *sockets.sockets[i];
                MutexLocker locker(socket.m_lock);
                while (auto* segment = socket.m_segments.pop_front())
                    segments.append(*segment);
                while (auto* datagram = socket.m_datagrams.pop_front())
                    datagrams.append(*datagram);
                socket.m_queued_bytes = 0;
            }
            delete[] counts;
        }
        while (auto* segment = segments.pop_front())
            delete segment;
        while (auto* datagram = datagrams.pop_front())
            delete datagram;
    } while (gc::end_pass());
}

}
