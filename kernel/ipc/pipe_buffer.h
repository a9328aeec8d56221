// PipeBuffer: the bytes in flight in one pipe or FIFO (CONCEPTS F6): a
// ring of a power-of-two capacity (64 KiB by default, Linux's 16 pages),
// allocated on the first write so that a pipe nobody writes to costs no
// memory. Data moves straight between the ring and the caller's IoBuffer
// (user memory, through copy_to_user/copy_from_user) in at most two copies
// per call, one per side of the wrap; there is no per-byte work.
//
// A copy that faults part way keeps what came before it: write_from()
// commits only the pieces that were copied in whole, read_into() consumes
// only the pieces that were copied out, so a bad user buffer never loses or
// duplicates pipe data. Either returns EFAULT only when nothing moved.
//
// No locking here: the pipe (ipc/pipe.h) holds its mutex around every call.
// Callers: ipc/pipe.cpp. Host-buildable; tests/host/pipe_test.cpp.
#pragma once

#include <fs/vfs/io_buffer.h>
#include <lib/error_or.h>
#include <lib/types.h>

namespace ipc {

class PipeBuffer {
public:
    static constexpr usize kDefaultCapacity = 64 * KiB;
    static constexpr usize kMinimumCapacity = 4 * KiB;

    // `capacity` is a power of two, at least kMinimumCapacity.
    explicit PipeBuffer(usize capacity = kDefaultCapacity);
    ~PipeBuffer();
    PipeBuffer(PipeBuffer const&) = delete;
    PipeBuffer& operator=(PipeBuffer const&) = delete;

    usize capacity() const { return m_capacity; }
    usize size() const { return static_cast<usize>(m_write_position - m_read_position); }
    usize space() const { return m_capacity - size(); }
    bool is_empty() const { return m_write_position == m_read_position; }
    bool is_full() const { return size() == m_capacity; }
    // Whether the ring's memory has been allocated (for tests).
    bool has_storage() const { return m_storage != nullptr; }

    // Appends up to `count` bytes from `source` (starting at `source_offset`
    // in it); returns how many fit. ENOMEM when the ring cannot be
    // allocated, EFAULT when the first piece could not be copied.
    ErrorOr<usize> write_from(IoBuffer const& source, usize source_offset, usize count);
    // Moves up to `count` bytes into `destination` at `destination_offset`;
    // returns how many. EFAULT when the first piece could not be copied.
    ErrorOr<usize> read_into(IoBuffer& destination, usize destination_offset, usize count);
    // Copies up to `count` bytes, starting `skip` bytes in, without
    // consuming them (MSG_PEEK of a UNIX stream socket, net/unix/).
    ErrorOr<usize> peek_into(IoBuffer& destination, usize destination_offset, usize skip, usize count) const;

    // F_SETPIPE_SZ: a new power-of-two capacity keeping the data in order.
    // EBUSY when more than `capacity` bytes are buffered, ENOMEM.
    ErrorOr<void> set_capacity(usize capacity);

    static bool is_valid_capacity(usize capacity) { return capacity >= kMinimumCapacity && (capacity & (capacity - 1)) == 0; }

private:
    usize index(u64 position) const { return static_cast<usize>(position) & (m_capacity - 1); }

    u8* m_storage { nullptr };
    usize m_capacity;
    // Free-running byte counts: size() is their difference, the ring index
    // their low bits; 64 bits never wrap in practice.
    u64 m_read_position { 0 };
    u64 m_write_position { 0 };
};

}
