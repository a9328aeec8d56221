// IoBuffer (fs/vfs/io_buffer.h) and its kernel-memory form.
#include <fs/vfs/io_buffer.h>
#include <lib/string.h>
#include <lib/verify.h>

ErrorOr<void> IoBuffer::write_zeros(usize offset, usize length)
{
    static constexpr u8 kZeros[256] = {};
    while (length) {
        usize chunk = length < sizeof(kZeros) ? length : sizeof(kZeros);
        TRY(write_bytes(offset, kZeros, chunk));
        offset += chunk;
        length -= chunk;
    }
    return {};
}

ErrorOr<void> KernelIoBuffer::write_bytes(usize offset, void const* source, usize length)
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (length)
        memcpy(m_data + offset, source, length);
    return {};
}

ErrorOr<void> KernelIoBuffer::read_bytes(usize offset, void* destination, usize length) const
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (length)
        memcpy(destination, m_data + offset, length);
    return {};
}

ErrorOr<void> KernelIoBuffer::write_zeros(usize offset, usize length)
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (length)
        memset(m_data + offset, 0, length);
    return {};
}
