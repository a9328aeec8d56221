// Errors as values (house idiom, after SerenityOS's AK/Error.h): a fallible
// kernel function returns ErrorOr<T>; TRY() hands an error to the caller.
// An Error carries a Linux errno so a syscall returns -errno unchanged.
// Host-buildable.
#pragma once

#include <lib/errno.h>
#include <lib/verify.h>
#include <new>
#include <type_traits>
#include <utility>

class Error {
public:
    static constexpr Error from_errno(int code) { return Error(code); }
    constexpr int code() const { return m_code; }
    const char* name() const { return errno_name(m_code); }
    constexpr bool operator==(Error const& other) const { return m_code == other.m_code; }

private:
    constexpr explicit Error(int code)
        : m_code(code)
    {
    }
    int m_code;
};

template<typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(Error error)
        : m_has_value(false)
        , m_error(error)
    {
    }
    template<typename U>
        requires std::is_convertible_v<U&&, T>
    ErrorOr(U&& value)
        : m_has_value(true)
    {
        new (&m_storage) T(std::forward<U>(value));
    }
    ErrorOr(ErrorOr&& other)
        : m_has_value(other.m_has_value)
        , m_error(other.m_error)
    {
        if (m_has_value)
            new (&m_storage) T(std::move(other.value()));
    }
    ErrorOr(ErrorOr const&) = delete;
    ErrorOr& operator=(ErrorOr const&) = delete;
    ErrorOr& operator=(ErrorOr&& other)
    {
        if (this == &other)
            return *this;
        if (m_has_value)
            value().~T();
        m_has_value = other.m_has_value;
        m_error = other.m_error;
        if (m_has_value)
            new (&m_storage) T(std::move(other.value()));
        return *this;
    }
    ~ErrorOr()
    {
        if (m_has_value)
            value().~T();
    }

    bool is_error() const { return !m_has_value; }
    Error error() const
    {
        VERIFY(!m_has_value);
        return m_error;
    }
    T& value()
    {
        VERIFY(m_has_value);
        return *reinterpret_cast<T*>(&m_storage);
    }
    T const& value() const
    {
        VERIFY(m_has_value);
        return *reinterpret_cast<T const*>(&m_storage);
    }
    T release_value() { return std::move(value()); }

private:
    bool m_has_value;
    Error m_error { Error::from_errno(0) };
    alignas(T) unsigned char m_storage[sizeof(T)];
};

template<>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr()
        : m_is_error(false)
        , m_error(Error::from_errno(0))
    {
    }
    ErrorOr(Error error)
        : m_is_error(true)
        , m_error(error)
    {
    }
    bool is_error() const { return m_is_error; }
    Error error() const
    {
        VERIFY(m_is_error);
        return m_error;
    }
    void release_value() { }

private:
    bool m_is_error;
    Error m_error;
};

// TRY(expr): evaluate an ErrorOr; on error return it from the enclosing
// function, otherwise yield the value. (A GNU statement expression, as in
// SerenityOS; g++ supports it in both kernel and host builds.)
#define TRY(expression)                                  \
    ({                                                   \
        auto&& _try_result = (expression);               \
        if (_try_result.is_error()) [[unlikely]]         \
            return _try_result.error();                  \
        _try_result.release_value();                     \
    })
