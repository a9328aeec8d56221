// IovecBuffer: a user scatter/gather list (struct iovec[]) seen as one
// IoBuffer, for readv/writev and their kin (syscall/file_io.cpp) and for
// the msg_iov of sendmsg/recvmsg (syscall/socket.cpp).
#pragma once

#include <lib/error_or.h>
#include <lib/verify.h>
#include <new>
#include <syscall/uaccess.h>

namespace syscalls {

// Linux's MAX_RW_COUNT (INT_MAX & PAGE_MASK): no single read or write
// moves more; larger counts are quietly cut down to it.
constexpr usize kMaxRwCount = 0x7ffff000;
// UIO_MAXIOV, and UIO_FASTIOV (iovec arrays this short stay on the stack).
constexpr u64 kMaxIovecs = 1024;
constexpr usize kFastIovecs = 8;

struct LinuxIovec {
    u64 base;
    u64 length;
};
static_assert(sizeof(LinuxIovec) == 16);

inline ErrorOr<void> check_user_range(VirtAddr address, usize size)
{
    if (!uaccess::is_user_range(address, size))
        return Error::from_errno(EFAULT);
    return {};
}

// A scatter/gather list of user buffers (readv, writev...), seen as one
// IoBuffer so that a pipe or file gets the whole transfer in one call:
// a writev of at most PIPE_BUF bytes into a pipe stays atomic, and a readv
// takes what is there at once. Segments are validated on import.
class IovecBuffer final : public IoBuffer {
public:
    IovecBuffer() = default;
    ~IovecBuffer() override
    {
        if (m_segments != m_inline)
            delete[] m_segments;
    }
    IovecBuffer(IovecBuffer const&) = delete;
    IovecBuffer& operator=(IovecBuffer const&) = delete;

    // Linux's import_iovec: EINVAL for more than UIO_MAXIOV segments or a
    // negative length, EFAULT for an unreadable array or a segment outside
    // user space; the total is cut down to MAX_RW_COUNT.
    ErrorOr<void> import(UserPtr<LinuxIovec const> vector, u64 count)
    {
        if (count > kMaxIovecs)
            return Error::from_errno(EINVAL);
        if (count > kFastIovecs) {
            m_segments = new (std::nothrow) LinuxIovec[count];
            if (!m_segments) {
                m_segments = m_inline;
                return Error::from_errno(ENOMEM);
            }
        }
        if (count)
            TRY(copy_from_user(m_segments, vector.address(), count * sizeof(LinuxIovec)));
        m_count = count;
        for (usize i = 0; i < m_count; ++i) {
            LinuxIovec& segment = m_segments[i];
            if (static_cast<i64>(segment.length) < 0)
                return Error::from_errno(EINVAL);
            TRY(check_user_range(segment.base, segment.length));
            if (segment.length > kMaxRwCount - m_total)
                segment.length = kMaxRwCount - m_total;
            m_total += segment.length;
        }
        return {};
    }

    usize size() const { return m_total; }

    ErrorOr<void> write_bytes(usize offset, void const* source, usize length) override
    {
        auto const* bytes = static_cast<u8 const*>(source);
        return for_each_piece(offset, length, [&](VirtAddr user, usize done, usize piece) {
            return copy_to_user(user, bytes + done, piece);
        });
    }
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override
    {
        auto* bytes = static_cast<u8*>(destination);
        return for_each_piece(offset, length, [&](VirtAddr user, usize done, usize piece) {
            return copy_from_user(bytes + done, user, piece);
        });
    }
    ErrorOr<void> write_zeros(usize offset, usize length) override
    {
        return for_each_piece(offset, length, [&](VirtAddr user, usize, usize piece) {
            return clear_user(user, piece);
        });
    }

private:
    // Calls copy(user address, bytes done so far, piece length) for each
    // segment piece of [offset, offset + length). Accesses are nearly
    // always sequential, so the segment of the last call is remembered.
    template<typename Copy>
    ErrorOr<void> for_each_piece(usize offset, usize length, Copy copy) const
    {
        VERIFY(offset <= m_total && length <= m_total - offset);
        if (offset < m_cursor_start) {
            m_cursor_index = 0;
            m_cursor_start = 0;
        }
        usize done = 0;
        while (done < length) {
            VERIFY(m_cursor_index < m_count);
            LinuxIovec const& segment = m_segments[m_cursor_index];
            usize at = offset + done;
            if (at >= m_cursor_start + segment.length) {
                m_cursor_start += segment.length;
                ++m_cursor_index;
                continue;
            }
            usize inside = at - m_cursor_start;
            usize piece = segment.length - inside;
            if (piece > length - done)
                piece = length - done;
            TRY(copy(segment.base + inside, done, piece));
            done += piece;
        }
        return {};
    }

    LinuxIovec m_inline[kFastIovecs] {};
    LinuxIovec* m_segments { m_inline };
    usize m_count { 0 };
    usize m_total { 0 };
    mutable usize m_cursor_index { 0 };
    mutable usize m_cursor_start { 0 };
};

}
