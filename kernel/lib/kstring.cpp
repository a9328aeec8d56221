// KString (lib/kstring.h): owned strings on the kernel heap.
#include <lib/kstring.h>
#include <lib/string.h>
#include <new>

ErrorOr<KString> KString::create(StringView text)
{
    char* characters = new (std::nothrow) char[text.length() + 1];
    if (!characters)
        return Error::from_errno(ENOMEM);
    if (text.length())
        memcpy(characters, text.characters_without_null_termination(), text.length());
    characters[text.length()] = 0;
    KString string;
    string.m_characters = characters;
    string.m_length = text.length();
    return string;
}

KString& KString::operator=(KString&& other)
{
    if (this != &other) {
        delete[] m_characters;
        m_characters = other.m_characters;
        m_length = other.m_length;
        other.m_characters = nullptr;
        other.m_length = 0;
    }
    return *this;
}

KString::~KString()
{
    delete[] m_characters;
}
