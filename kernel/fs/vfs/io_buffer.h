// IoBuffer: the memory a read fills or a write drains, named by an
// interface so the same file-system code serves kernel callers (a kernel
// array: KernelIoBuffer) and, later, user space (the syscall layer's
// buffer over copy_to_user/copy_from_user, whose copies fail with EFAULT).
// Offsets are relative to the start of the buffer; the caller never asks
// for more than the size it was given.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>

class IoBuffer {
public:
    virtual ~IoBuffer() = default;

    // Stores `length` bytes from kernel memory `source` at `offset` in the
    // buffer (what a read does).
    virtual ErrorOr<void> write_bytes(usize offset, void const* source, usize length) = 0;
    // Loads `length` bytes at `offset` of the buffer into kernel memory
    // `destination` (what a write does).
    virtual ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const = 0;
    // Stores `length` zero bytes at `offset` (holes of sparse files, /dev/zero).
    virtual ErrorOr<void> write_zeros(usize offset, usize length);
};

class KernelIoBuffer final : public IoBuffer {
public:
    KernelIoBuffer(void* data, usize size)
        : m_data(static_cast<u8*>(data))
        , m_size(size)
    {
    }
    // A buffer that is only ever read from (the data of a write).
    KernelIoBuffer(void const* data, usize size)
        : m_data(const_cast<u8*>(static_cast<u8 const*>(data)))
        , m_size(size)
    {
    }

    ErrorOr<void> write_bytes(usize offset, void const* source, usize length) override;
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override;
    ErrorOr<void> write_zeros(usize offset, usize length) override;

    usize size() const { return m_size; }

private:
    u8* m_data;
    usize m_size;
};
