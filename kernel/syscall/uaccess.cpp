// copy_from_user and friends (uaccess.h): range checks here, the copies in
// arch/x86_64/user_copy.S.
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <syscall/uaccess.h>

extern "C" usize user_copy_bytes(void* destination, void const* source, usize size);
extern "C" usize user_clear_bytes(void* destination, usize size);
extern "C" i64 user_copy_string(char* destination, char const* source, usize capacity);

namespace uaccess {

// The user half ends below the non-canonical hole; the last page stays
// unmapped (mm::kUserHighest) but the check only needs the hole.
constexpr VirtAddr kUserEnd = 0x0000800000000000ull;

bool is_user_range(VirtAddr address, usize size)
{
    if (address >= kUserEnd)
        return false;
    return size <= kUserEnd - address;
}

}

ErrorOr<void> copy_from_user(void* destination, VirtAddr source, usize size)
{
    if (size == 0)
        return {};
    if (!uaccess::is_user_range(source, size))
        return Error::from_errno(EFAULT);
    if (user_copy_bytes(destination, reinterpret_cast<void const*>(source), size) != 0)
        return Error::from_errno(EFAULT);
    return {};
}

ErrorOr<void> copy_to_user(VirtAddr destination, void const* source, usize size)
{
    if (size == 0)
        return {};
    if (!uaccess::is_user_range(destination, size))
        return Error::from_errno(EFAULT);
    if (user_copy_bytes(reinterpret_cast<void*>(destination), source, size) != 0)
        return Error::from_errno(EFAULT);
    return {};
}

ErrorOr<void> clear_user(VirtAddr destination, usize size)
{
    if (size == 0)
        return {};
    if (!uaccess::is_user_range(destination, size))
        return Error::from_errno(EFAULT);
    if (user_clear_bytes(reinterpret_cast<void*>(destination), size) != 0)
        return Error::from_errno(EFAULT);
    return {};
}

ErrorOr<usize> strncpy_from_user(char* buffer, VirtAddr source, usize capacity)
{
    if (capacity == 0)
        return Error::from_errno(ENAMETOOLONG);
    if (source >= uaccess::kUserEnd)
        return Error::from_errno(EFAULT);
    // Never read past the end of the user half.
    usize readable = capacity;
    if (readable > uaccess::kUserEnd - source)
        readable = uaccess::kUserEnd - source;
    i64 length = user_copy_string(buffer, reinterpret_cast<char const*>(source), readable);
    if (length < 0)
        return Error::from_errno(EFAULT);
    if (static_cast<usize>(length) == readable) {
        if (readable < capacity)
            return Error::from_errno(EFAULT); // ran into the end of the user half
        return Error::from_errno(ENAMETOOLONG);
    }
    return static_cast<usize>(length);
}

ErrorOr<KString> copy_string_from_user(UserPtr<char const> source, usize capacity)
{
    // Short strings (most paths) through a stack buffer, long ones through
    // the heap, so a 4 KiB path costs no 4 KiB stack frame.
    char small[256];
    auto length = strncpy_from_user(small, source.address(), sizeof(small));
    if (!length.is_error())
        return KString::create(StringView(small, length.value()));
    if (length.error().code() != ENAMETOOLONG || capacity <= sizeof(small))
        return length.error();
    auto* large = static_cast<char*>(kmalloc(capacity));
    if (!large)
        return Error::from_errno(ENOMEM);
    auto long_length = strncpy_from_user(large, source.address(), capacity);
    ErrorOr<KString> result = long_length.is_error() ? ErrorOr<KString>(long_length.error())
                                                     : KString::create(StringView(large, long_length.value()));
    kfree(large);
    return result;
}

ErrorOr<void> UserIoBuffer::write_bytes(usize offset, void const* source, usize length)
{
    return copy_to_user(m_address + offset, source, length);
}

ErrorOr<void> UserIoBuffer::read_bytes(usize offset, void* destination, usize length) const
{
    return copy_from_user(destination, m_address + offset, length);
}

ErrorOr<void> UserIoBuffer::write_zeros(usize offset, usize length)
{
    return clear_user(m_address + offset, length);
}
