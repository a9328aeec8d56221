// TextBuffer (fs/procfs/text_buffer.h).
#include <fs/procfs/text_buffer.h>
#include <lib/format.h>
#include <lib/string.h>
#include <new>
#include <stdarg.h>

namespace procfs {

TextBuffer::TextBuffer(TextBuffer&& other)
    : m_data(other.m_data)
    , m_length(other.m_length)
    , m_capacity(other.m_capacity)
    , m_failed(other.m_failed)
{
    other.m_data = nullptr;
    other.m_length = other.m_capacity = 0;
    other.m_failed = false;
}

TextBuffer& TextBuffer::operator=(TextBuffer&& other)
{
    if (this != &other) {
        delete[] m_data;
        m_data = other.m_data;
        m_length = other.m_length;
        m_capacity = other.m_capacity;
        m_failed = other.m_failed;
        other.m_data = nullptr;
        other.m_length = other.m_capacity = 0;
        other.m_failed = false;
    }
    return *this;
}

TextBuffer::~TextBuffer()
{
    delete[] m_data;
}

bool TextBuffer::reserve(usize needed)
{
    if (m_failed)
        return false;
    if (needed <= m_capacity)
        return true;
    usize capacity = m_capacity ? m_capacity : 256;
    while (capacity < needed)
        capacity *= 2;
    char* data = new (std::nothrow) char[capacity];
    if (!data) {
        m_failed = true;
        return false;
    }
    if (m_length)
        memcpy(data, m_data, m_length);
    delete[] m_data;
    m_data = data;
    m_capacity = capacity;
    return true;
}

void TextBuffer::append(StringView text)
{
    if (text.is_empty() || !reserve(m_length + text.length()))
        return;
    memcpy(m_data + m_length, text.characters_without_null_termination(), text.length());
    m_length += text.length();
}

void TextBuffer::appendf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char line[128];
    va_list retry;
    va_copy(retry, args);
    usize length = vformat(line, sizeof(line), fmt, args);
    va_end(args);
    if (length < sizeof(line)) {
        append(StringView(line, length));
    } else if (reserve(m_length + length + 1)) {
        // Too long for the line buffer: format again straight into place
        // (vformat writes a NUL after the text, which stays outside m_length).
        vformat(m_data + m_length, length + 1, fmt, retry);
        m_length += length;
    }
    va_end(retry);
}

void TextBuffer::append_escaped(StringView text, StringView escaped)
{
    for (char c : text) {
        if (escaped.contains(c)) {
            auto byte = static_cast<unsigned char>(c);
            char octal[4] = { '\\', static_cast<char>('0' + (byte >> 6)), static_cast<char>('0' + ((byte >> 3) & 7)), static_cast<char>('0' + (byte & 7)) };
            append(StringView(octal, 4));
        } else {
            append(c);
        }
    }
}

ErrorOr<void> TextBuffer::finish() const
{
    if (m_failed)
        return Error::from_errno(ENOMEM);
    return {};
}

}
