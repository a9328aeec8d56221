// Collecting UNIX sockets that only passed descriptors keep alive (Linux's
// unix_gc): socket A queued on B and B queued on A (or A on itself), with
// no descriptor left in any process, would otherwise never be closed,
// since each holds the other's last reference.
//
// The collector (UnixSocket::collect_cycles, in unix_gc.cpp) runs after a
// UNIX socket is closed while passed files are queued somewhere. Under the
// collector's mutex it counts, for every UNIX socket with a file, the
// references to that file held by queued messages ("in flight"); a socket
// all of whose references are in flight is a candidate. Candidates that
// the queue of a non-candidate reaches (directly or through other
// candidates) are live; the rest are garbage, and their queues are
// emptied, which drops the references that formed the cycle.
//
// Senders queue messages that carry files while holding the collector's
// mutex (taken before the receiving socket's), so the collector sees every
// queue either before or after such a message, never half way. Receiving
// needs no such care: a receiver holds a descriptor of its socket, which
// is therefore never a candidate, and its queue's edges were recorded.
//
// Lock order: the collector's mutex, then a socket's mutex.
// Callers: net/unix/unix_socket.cpp. Kernel-only.
#pragma once

#include <net/socket.h>
#include <sched/mutex.h>

namespace net::af_unix::gc {

Mutex& lock();
// Queued messages or segments that hold passed files.
void hold();
void drop();
bool anything_in_flight();
// One collection at a time: false (and the running one goes round again)
// when one is under way. end_pass: true when another pass was asked for.
bool begin_collection();
bool end_pass();

// The passed files of one queued message, counted while queued.
class QueuedFiles {
public:
    QueuedFiles() = default;
    ~QueuedFiles()
    {
        if (m_counted)
            drop();
    }
    QueuedFiles(QueuedFiles const&) = delete;
    QueuedFiles& operator=(QueuedFiles const&) = delete;
    QueuedFiles& operator=(PassedFiles&& files)
    {
        m_files = std::move(files);
        return *this;
    }

    bool is_empty() const { return m_files.is_empty(); }
    usize count() const { return m_files.count(); }
    vfs::OpenFile* at(usize index) const { return m_files.at(index); }
    ErrorOr<PassedFiles> duplicate() const { return m_files.duplicate(); }

    // The message went on a queue (under the collector's mutex).
    void queued()
    {
        if (!m_files.is_empty() && !m_counted) {
            m_counted = true;
            hold();
        }
    }
    // The receiver takes the files.
    PassedFiles take()
    {
        if (m_counted) {
            m_counted = false;
            drop();
        }
        return std::move(m_files);
    }

private:
    PassedFiles m_files;
    bool m_counted { false };
};

}
