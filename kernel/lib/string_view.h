// StringView: a pointer and a length naming characters someone else owns,
// not necessarily NUL-terminated. The kernel command line (lib/cmdline.cpp),
// the initramfs reader (fs/cpio.cpp), path walking and procfs parse text
// through it without copying or allocating.
//
//   for (StringView part : StringView("usr/local/bin").split('/')) ...
//   u64 pages = TRY(StringView("0x200").to_uint());
//
// A view never outlives what it points at; that is the caller's care.
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>
#include <lib/verify.h>
#include <concepts>
#include <limits>

class StringSplitRange;

class StringView {
public:
    // What find() returns when nothing matches.
    static constexpr usize npos = ~static_cast<usize>(0);

    enum class SplitBehavior {
        DiscardEmpty, // "a,,b" -> "a", "b"
        KeepEmpty,    // "a,,b" -> "a", "", "b"
    };

    constexpr StringView() = default;
    constexpr StringView(const char* characters, usize length)
        : m_characters(characters)
        , m_length(length)
    {
        VERIFY(characters || length == 0);
    }
    // From a NUL-terminated string (not including the NUL); null is empty.
    constexpr StringView(const char* cstring)
        : m_characters(cstring)
        , m_length(cstring ? __builtin_strlen(cstring) : 0)
    {
    }

    // The name says what to remember: a view is usually not a C string.
    constexpr const char* characters_without_null_termination() const { return m_characters; }
    constexpr usize length() const { return m_length; }
    constexpr bool is_empty() const { return m_length == 0; }

    constexpr char operator[](usize index) const
    {
        VERIFY(index < m_length);
        return m_characters[index];
    }

    constexpr const char* begin() const { return m_characters; }
    constexpr const char* end() const { return m_characters + m_length; }

    constexpr bool operator==(StringView other) const
    {
        return m_length == other.m_length && (m_length == 0 || __builtin_memcmp(m_characters, other.m_characters, m_length) == 0);
    }

    // Byte-wise lexicographic order (as unsigned chars, like strcmp):
    // negative, zero or positive.
    constexpr int compare(StringView other) const
    {
        usize common = m_length < other.m_length ? m_length : other.m_length;
        for (usize i = 0; i < common; ++i) {
            auto a = static_cast<unsigned char>(m_characters[i]);
            auto b = static_cast<unsigned char>(other.m_characters[i]);
            if (a != b)
                return a < b ? -1 : 1;
        }
        if (m_length == other.m_length)
            return 0;
        return m_length < other.m_length ? -1 : 1;
    }

    constexpr bool starts_with(StringView prefix) const
    {
        return prefix.m_length <= m_length && substring_view(0, prefix.m_length) == prefix;
    }
    constexpr bool starts_with(char c) const { return m_length > 0 && m_characters[0] == c; }
    constexpr bool ends_with(StringView suffix) const
    {
        return suffix.m_length <= m_length && substring_view(m_length - suffix.m_length) == suffix;
    }
    constexpr bool ends_with(char c) const { return m_length > 0 && m_characters[m_length - 1] == c; }

    // First index >= from of `c` or of `needle`, or npos. An empty needle is
    // found at `from` (when from <= length).
    constexpr usize find(char c, usize from = 0) const
    {
        for (usize i = from; i < m_length; ++i) {
            if (m_characters[i] == c)
                return i;
        }
        return npos;
    }
    constexpr usize find(StringView needle, usize from = 0) const
    {
        if (from > m_length || needle.m_length > m_length - from)
            return npos;
        for (usize i = from; i + needle.m_length <= m_length; ++i) {
            if (substring_view(i, needle.m_length) == needle)
                return i;
        }
        return npos;
    }
    constexpr usize find_last(char c) const
    {
        for (usize i = m_length; i > 0; --i) {
            if (m_characters[i - 1] == c)
                return i - 1;
        }
        return npos;
    }
    constexpr bool contains(char c) const { return find(c) != npos; }
    constexpr bool contains(StringView needle) const { return find(needle) != npos; }

    constexpr StringView substring_view(usize start, usize length) const
    {
        VERIFY(start <= m_length && length <= m_length - start);
        return StringView(m_characters + start, length);
    }
    constexpr StringView substring_view(usize start) const
    {
        VERIFY(start <= m_length);
        return StringView(m_characters + start, m_length - start);
    }

    static constexpr bool is_whitespace(char c)
    {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    }
    constexpr StringView trim_whitespace() const
    {
        usize start = 0;
        usize end = m_length;
        while (start < end && is_whitespace(m_characters[start]))
            ++start;
        while (end > start && is_whitespace(m_characters[end - 1]))
            --end;
        return StringView(m_characters + start, end - start);
    }

    // Copies the characters and a NUL into `buffer`; false (with as much as
    // fits, still NUL-terminated) when `size` is too small.
    bool copy_to(char* buffer, usize size) const
    {
        if (size == 0)
            return false;
        usize count = m_length < size - 1 ? m_length : size - 1;
        for (usize i = 0; i < count; ++i)
            buffer[i] = m_characters[i];
        buffer[count] = 0;
        return count == m_length;
    }

    // Range-for over the pieces between separators:
    //   for (StringView field : line.split(':', SplitBehavior::KeepEmpty))
    // With KeepEmpty there is always one more piece than separators, so the
    // empty string gives one empty piece; with DiscardEmpty it gives none.
    constexpr StringSplitRange split(char separator, SplitBehavior behavior = SplitBehavior::DiscardEmpty) const;

    // The whole view as an unsigned number: decimal ("4096") or hex with a
    // 0x/0X prefix ("0x1000"). No sign, spaces or suffix. EINVAL when it is
    // not a number, ERANGE when it does not fit in T.
    template<std::unsigned_integral T = u64>
    ErrorOr<T> to_uint() const
    {
        u64 magnitude = TRY(parse_magnitude(*this));
        if (magnitude > std::numeric_limits<T>::max())
            return Error::from_errno(ERANGE);
        return static_cast<T>(magnitude);
    }

    // As to_uint(), with an optional leading '-' or '+' ("-0x10" is -16).
    template<std::signed_integral T = i64>
    ErrorOr<T> to_int() const
    {
        StringView digits = *this;
        bool negative = false;
        if (starts_with('-') || starts_with('+')) {
            negative = starts_with('-');
            digits = substring_view(1);
        }
        u64 magnitude = TRY(parse_magnitude(digits));
        // The most negative value has no positive twin, hence the + 1.
        u64 limit = static_cast<u64>(std::numeric_limits<T>::max()) + (negative ? 1 : 0);
        if (magnitude > limit)
            return Error::from_errno(ERANGE);
        if (negative) {
            // Unsigned negation wraps to the two's complement pattern, which
            // C++20 defines the conversion to i64 to keep.
            return static_cast<T>(static_cast<i64>(u64(0) - magnitude));
        }
        return static_cast<T>(magnitude);
    }

private:
    static ErrorOr<u64> parse_magnitude(StringView text)
    {
        u64 base = 10;
        if (text.starts_with("0x") || text.starts_with("0X")) {
            base = 16;
            text = text.substring_view(2);
        }
        if (text.is_empty())
            return Error::from_errno(EINVAL);
        u64 value = 0;
        // A malformed string is EINVAL even when its digits also overflow.
        bool overflow = false;
        for (char c : text) {
            u64 digit;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (base == 16 && c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (base == 16 && c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            else
                return Error::from_errno(EINVAL);
            if (value > (std::numeric_limits<u64>::max() - digit) / base)
                overflow = true;
            value = value * base + digit;
        }
        if (overflow)
            return Error::from_errno(ERANGE);
        return value;
    }

    const char* m_characters { nullptr };
    usize m_length { 0 };
};

// The iterator and range behind StringView::split(). They hold views, so
// they live outside the (then still incomplete) StringView class.
class StringSplitIterator {
public:
    struct End { };

    constexpr StringSplitIterator(StringView text, char separator, StringView::SplitBehavior behavior)
        : m_remaining(text)
        , m_separator(separator)
        , m_keep_empty(behavior == StringView::SplitBehavior::KeepEmpty)
    {
        advance();
    }

    constexpr StringView operator*() const { return m_current; }
    constexpr StringSplitIterator& operator++()
    {
        advance();
        return *this;
    }
    constexpr bool operator==(End) const { return m_done; }

private:
    constexpr void advance()
    {
        for (;;) {
            if (!m_more) {
                m_done = true;
                return;
            }
            usize index = m_remaining.find(m_separator);
            if (index == StringView::npos) {
                m_current = m_remaining;
                m_more = false;
            } else {
                m_current = m_remaining.substring_view(0, index);
                m_remaining = m_remaining.substring_view(index + 1);
            }
            if (m_keep_empty || !m_current.is_empty())
                return;
        }
    }

    StringView m_remaining;
    StringView m_current;
    char m_separator;
    bool m_keep_empty;
    bool m_more { true }; // a piece (possibly empty) is still to come
    bool m_done { false };
};

class StringSplitRange {
public:
    constexpr StringSplitRange(StringView text, char separator, StringView::SplitBehavior behavior)
        : m_text(text)
        , m_separator(separator)
        , m_behavior(behavior)
    {
    }
    constexpr StringSplitIterator begin() const { return StringSplitIterator(m_text, m_separator, m_behavior); }
    constexpr StringSplitIterator::End end() const { return {}; }

private:
    StringView m_text;
    char m_separator;
    StringView::SplitBehavior m_behavior;
};

constexpr StringSplitRange StringView::split(char separator, SplitBehavior behavior) const
{
    return StringSplitRange(*this, separator, behavior);
}
