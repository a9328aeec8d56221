// The pipe ring (ipc/pipe_buffer.h).
#include <ipc/pipe_buffer.h>
#include <lib/string.h>
#include <lib/verify.h>
#include <new>

namespace ipc {

PipeBuffer::PipeBuffer(usize capacity)
    : m_capacity(capacity)
{
    VERIFY(is_valid_capacity(capacity));
}

PipeBuffer::~PipeBuffer()
{
    delete[] m_storage;
}

ErrorOr<usize> PipeBuffer::write_from(IoBuffer const& source, usize source_offset, usize count)
{
    if (count > space())
        count = space();
    if (count == 0)
        return 0;
    if (!m_storage) {
        m_storage = new (std::nothrow) u8[m_capacity];
        if (!m_storage)
            return Error::from_errno(ENOMEM);
    }
    usize at = index(m_write_position);
    usize first = m_capacity - at;
    if (first > count)
        first = count;
    TRY(source.read_bytes(source_offset, m_storage + at, first));
    m_write_position += first;
    usize second = count - first;
    if (second) {
        // A fault in the second piece keeps the first.
        if (source.read_bytes(source_offset + first, m_storage, second).is_error())
            return first;
        m_write_position += second;
    }
    return count;
}

ErrorOr<usize> PipeBuffer::read_into(IoBuffer& destination, usize destination_offset, usize count)
{
    if (count > size())
        count = size();
    if (count == 0)
        return 0;
    usize at = index(m_read_position);
    usize first = m_capacity - at;
    if (first > count)
        first = count;
    TRY(destination.write_bytes(destination_offset, m_storage + at, first));
    m_read_position += first;
    usize second = count - first;
    if (second) {
        if (destination.write_bytes(destination_offset + first, m_storage, second).is_error())
            return first;
        m_read_position += second;
    }
    return count;
}

ErrorOr<usize> PipeBuffer::peek_into(IoBuffer& destination, usize destination_offset, usize skip, usize count) const
{
    if (skip >= size())
        return 0;
    if (count > size() - skip)
        count = size() - skip;
    if (count == 0)
        return 0;
    usize at = index(m_read_position + skip);
    usize first = m_capacity - at;
    if (first > count)
        first = count;
    TRY(destination.write_bytes(destination_offset, m_storage + at, first));
    usize second = count - first;
    if (second && destination.write_bytes(destination_offset + first, m_storage, second).is_error())
        return first;
    return count;
}

ErrorOr<void> PipeBuffer::set_capacity(usize capacity)
{
    VERIFY(is_valid_capacity(capacity));
    if (capacity == m_capacity)
        return {};
    usize used = size();
    if (used > capacity)
        return Error::from_errno(EBUSY);
    if (!m_storage) {
        m_capacity = capacity;
        return {};
    }
    u8* storage = new (std::nothrow) u8[capacity];
    if (!storage)
        return Error::from_errno(ENOMEM);
    usize at = index(m_read_position);
    usize first = m_capacity - at;
    if (first > used)
        first = used;
    memcpy(storage, m_storage + at, first);
    memcpy(storage + first, m_storage, used - first);
    delete[] m_storage;
    m_storage = storage;
    m_capacity = capacity;
    m_read_position = 0;
    m_write_position = used;
    return {};
}

}
