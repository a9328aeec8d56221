// Reaching user memory from the kernel (issue 4 item 2): every read or
// write of a user address goes through here, never through a plain pointer.
//
// A user address is checked to lie wholly in the user half, then accessed
// with SMAP lifted for just the copy (stac/clac in user_copy.S). A page
// that is not there yet is demand-paged by the page-fault handler as if
// user code had touched it; an address that no VMA covers, or one the
// protection forbids, ends the copy through the exception fixup table
// (arch/x86_64/probe.h) and the call returns EFAULT. The kernel never
// faults fatally on a user pointer.
//
// UserPtr<T> is what a system call receives for a pointer argument
// (syscall.h refuses raw pointers there), so a handler cannot dereference
// user memory by accident.
#pragma once

#include <fs/vfs/io_buffer.h>
#include <lib/error_or.h>
#include <lib/kstring.h>
#include <lib/types.h>
#include <type_traits>

template<typename T>
class UserPtr {
public:
    UserPtr() = default;
    explicit UserPtr(u64 address)
        : m_address(address)
    {
    }
    VirtAddr address() const { return m_address; }
    bool is_null() const { return m_address == 0; }
    // The element `index` places further on (no check: the copy checks).
    UserPtr offset(usize index) const { return UserPtr(m_address + index * element_size()); }
    template<typename U>
    UserPtr<U> as() const { return UserPtr<U>(m_address); }

private:
    static constexpr usize element_size()
    {
        if constexpr (std::is_void_v<T>)
            return 1;
        else
            return sizeof(T);
    }
    VirtAddr m_address { 0 };
};

template<typename T>
struct is_user_pointer : std::false_type { };
template<typename T>
struct is_user_pointer<UserPtr<T>> : std::true_type { };

namespace uaccess {

// Linux's PATH_MAX: a path with its NUL in at most this many bytes.
constexpr usize kPathMax = 4096;

// True when [address, address + size) lies in the user half (no wrap).
bool is_user_range(VirtAddr address, usize size);

// Turns SMAP and SMEP on where the CPU has them and patches the stac/clac
// instructions out where it does not. Boot CPU first, then each AP.
void init_this_cpu();
bool smap_enabled();

}

// EFAULT unless every byte could be copied.
ErrorOr<void> copy_from_user(void* destination, VirtAddr source, usize size);
ErrorOr<void> copy_to_user(VirtAddr destination, void const* source, usize size);
ErrorOr<void> clear_user(VirtAddr destination, usize size);

template<typename T>
ErrorOr<T> copy_from_user(UserPtr<T> source)
{
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    TRY(copy_from_user(&value, source.address(), sizeof(T)));
    return value;
}

template<typename T>
ErrorOr<void> copy_to_user(UserPtr<T> destination, T const& value)
{
    static_assert(std::is_trivially_copyable_v<T>);
    return copy_to_user(destination.address(), &value, sizeof(T));
}

// The NUL-terminated string at `source` into `buffer` (at most `capacity`
// bytes, NUL included); returns its length without the NUL. ENAMETOOLONG
// when it does not fit, EFAULT when it is not readable.
ErrorOr<usize> strncpy_from_user(char* buffer, VirtAddr source, usize capacity);
// The same into a new KString (paths: kPathMax; other strings their limit).
ErrorOr<KString> copy_string_from_user(UserPtr<char const> source, usize capacity = uaccess::kPathMax);

// An IoBuffer over user memory: what read() fills and write() drains.
class UserIoBuffer final : public IoBuffer {
public:
    UserIoBuffer(VirtAddr address, usize size)
        : m_address(address)
        , m_size(size)
    {
    }
    ErrorOr<void> write_bytes(usize offset, void const* source, usize length) override;
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override;
    ErrorOr<void> write_zeros(usize offset, usize length) override;
    usize size() const { return m_size; }

private:
    VirtAddr m_address;
    usize m_size;
};
