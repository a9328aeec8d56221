// The kernel command line (cmdline.h): parse() copies the boot loader's text
// into static buffers once at boot, because the loader's memory may be
// reused later; has()/get()/get_int() are then asked by each subsystem
// (loglevel, test, timeslice, init=...). Everything is static: parsing runs
// before the allocator exists, and the answers must stay valid for the life
// of the kernel. A later parse() replaces them (host tests use that).
//
// Words are separated by whitespace; a word is `flag` or `name=value`.
// Double quotes group text containing spaces and are removed, as on Linux:
// init="/bin/sh -x" gives init the value `/bin/sh -x`. When a name repeats,
// the last value wins, so an appended option overrides a default.
#include <lib/cmdline.h>
#include <lib/string_view.h>

namespace cmdline {

namespace {

constexpr usize kBufferSize = 512;
constexpr usize kMaxWords = 64;

struct Word {
    const char* name;
    const char* value; // null for a bare flag
};

// The line as given, for text() and the boot log.
char s_text[kBufferSize];
// The same characters, split: a NUL ends every name and value, quotes are
// gone. Never longer than s_text plus one NUL (the separators and quotes it
// drops pay for the NULs it adds), so it fits in the same size.
char s_words[kBufferSize];
Word s_table[kMaxWords];
usize s_word_count;
bool s_truncated;

// The last word called `name` that satisfies `wanted`, or null.
template<typename Predicate>
Word const* find_last(const char* name, Predicate wanted)
{
    if (!name)
        return nullptr;
    StringView key(name);
    for (usize i = s_word_count; i > 0; --i) {
        Word const& word = s_table[i - 1];
        if (StringView(word.name) == key && wanted(word))
            return &word;
    }
    return nullptr;
}

}

void parse(const char* line)
{
    s_word_count = 0;
    s_truncated = false;

    usize length = 0;
    if (line) {
        while (line[length] && length < kBufferSize - 1) {
            s_text[length] = line[length];
            ++length;
        }
        s_truncated = line[length] != 0;
    }
    s_text[length] = 0;

    usize read = 0;
    usize write = 0;
    for (;;) {
        while (read < length && StringView::is_whitespace(s_text[read]))
            ++read;
        if (read == length)
            break;

        char* name = &s_words[write];
        char* value = nullptr;
        bool in_quotes = false;
        while (read < length && (in_quotes || !StringView::is_whitespace(s_text[read]))) {
            char c = s_text[read++];
            if (c == '"') {
                in_quotes = !in_quotes;
                continue;
            }
            if (c == '=' && !value && !in_quotes) {
                s_words[write++] = 0;
                value = &s_words[write];
                continue;
            }
            s_words[write++] = c;
        }
        s_words[write++] = 0;

        // "=x" or a lone pair of quotes names nothing anyone can ask for.
        if (*name == 0)
            continue;
        if (s_word_count == kMaxWords) {
            s_truncated = true;
            break;
        }
        s_table[s_word_count++] = { name, value };
    }
}

bool has(const char* name)
{
    return find_last(name, [](Word const&) { return true; }) != nullptr;
}

const char* get(const char* name, const char* fallback)
{
    Word const* word = find_last(name, [](Word const& w) { return w.value != nullptr; });
    return word ? word->value : fallback;
}

i64 get_int(const char* name, i64 fallback)
{
    const char* value = get(name);
    if (!value)
        return fallback;
    auto number = StringView(value).to_int<i64>();
    if (number.is_error())
        return fallback;
    return number.value();
}

const char* text()
{
    return s_text;
}

bool truncated()
{
    return s_truncated;
}

}
