// TextBuffer: where procfs builds a file's text (Linux's seq_file buffer).
// It grows as needed; the first allocation failure sticks, so a generator
// appends without checking each call and returns finish(), which reports
// ENOMEM once at the end. The bytes may include NULs (/proc/<pid>/cmdline).
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/string_view.h>
#include <lib/types.h>

namespace procfs {

class TextBuffer {
public:
    TextBuffer() = default;
    TextBuffer(TextBuffer&& other);
    TextBuffer& operator=(TextBuffer&& other);
    TextBuffer(TextBuffer const&) = delete;
    TextBuffer& operator=(TextBuffer const&) = delete;
    ~TextBuffer();

    void append(StringView text);
    void append(char c) { append(StringView(&c, 1)); }
    void appendf(const char* fmt, ...) PRINTF_FORMAT(2, 3);
    // Linux's seq_escape: the characters of `escaped` (and nothing else)
    // become a backslash and three octal digits ("a b" -> "a\040b").
    void append_escaped(StringView text, StringView escaped);

    // ENOMEM if any append failed.
    ErrorOr<void> finish() const;

    StringView view() const { return StringView(m_data, m_length); }
    usize length() const { return m_length; }

private:
    bool reserve(usize needed);

    char* m_data { nullptr };
    usize m_length { 0 };
    usize m_capacity { 0 };
    bool m_failed { false };
};

}
