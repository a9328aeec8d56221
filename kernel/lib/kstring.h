// KString: an owned, immutable, NUL-terminated string on the kernel heap
// (operator new, which is kmalloc in the kernel). For names that must
// outlive the buffer they came from: directory entries, symlink targets,
// mount sources. Creation can fail (ENOMEM); a KString is moved, never
// copied, so ownership is always plain.
//
//   KString name = TRY(KString::create("passwd"));
//   if (name.view() == "passwd") ...
//
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/string_view.h>
#include <lib/types.h>

class KString {
public:
    // A copy of `text` (which may contain any byte but NUL in practice).
    static ErrorOr<KString> create(StringView text);

    KString() = default;
    KString(KString&& other)
        : m_characters(other.m_characters)
        , m_length(other.m_length)
    {
        other.m_characters = nullptr;
        other.m_length = 0;
    }
    KString& operator=(KString&& other);
    KString(KString const&) = delete;
    KString& operator=(KString const&) = delete;
    ~KString();

    StringView view() const { return StringView(m_characters ? m_characters : "", m_length); }
    // Always a valid C string ("" when empty).
    const char* c_str() const { return m_characters ? m_characters : ""; }
    usize length() const { return m_length; }
    bool is_empty() const { return m_length == 0; }

private:
    char* m_characters { nullptr };
    usize m_length { 0 };
};
