// The #! line parser (script.h), called by exec and by
// tests/host/script_test.cpp. It follows Linux's binfmt_script step by
// step over a virtual 256-byte buffer: `byte(i)` reads the file's bytes and
// NUL past their end, so a short file behaves as it does in Linux's zeroed
// buffer and nothing outside the caller's bytes is read.
#include <proc/script.h>

namespace {

struct Head {
    u8 const* data;
    usize size;

    char byte(usize index) const { return index < size ? static_cast<char>(data[index]) : '\0'; }
};

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }
bool is_terminator(char c) { return is_space_or_tab(c) || c == '\0'; }

// First index in [first, last) whose byte is not a space or tab, or `last`.
usize skip_spaces_and_tabs(Head const& head, usize first, usize last)
{
    while (first < last && is_space_or_tab(head.byte(first)))
        ++first;
    return first;
}

// First index in [first, last) holding a space, tab or NUL, or `last`.
usize find_terminator(Head const& head, usize first, usize last)
{
    while (first < last && !is_terminator(head.byte(first)))
        ++first;
    return first;
}

}

bool script_has_shebang(u8 const* head, usize size)
{
    return size >= 2 && head[0] == '#' && head[1] == '!';
}

ErrorOr<ScriptInterpreter> script_parse(u8 const* data, usize size)
{
    if (!script_has_shebang(data, size))
        return Error::from_errno(ENOEXEC);
    Head head { data, size < kScriptHeadSize ? size : kScriptHeadSize };
    // Linux looks at 256 bytes for the newline but treats the last one as
    // the end of the buffer otherwise.
    constexpr usize buffer_end = kScriptHeadSize - 1;

    usize line_end = kScriptHeadSize;
    for (usize i = 0; i < kScriptHeadSize; ++i) {
        if (head.byte(i) == '\n') {
            line_end = i;
            break;
        }
    }
    if (line_end == kScriptHeadSize) {
        // No newline: the path must at least be complete.
        usize name = skip_spaces_and_tabs(head, 2, buffer_end);
        if (name == buffer_end)
            return Error::from_errno(ENOEXEC); // only spaces and tabs
        if (find_terminator(head, name, buffer_end) == buffer_end)
            return Error::from_errno(ENOEXEC); // the path is cut off
        line_end = buffer_end;
    }
    while (line_end > 2 && is_space_or_tab(head.byte(line_end - 1)))
        --line_end;

    usize name = skip_spaces_and_tabs(head, 2, line_end);
    if (name >= line_end)
        return Error::from_errno(ENOEXEC); // no interpreter named
    usize separator = find_terminator(head, name, line_end);
    // "#!" followed by a NUL (a file of just "#!" included) names the empty
    // path. Linux goes on to open it, which finds the current directory and
    // fails with EACCES; answer the same without the lookup.
    if (separator == name)
        return Error::from_errno(EACCES);

    ScriptInterpreter script {};
    // The path and argument never reach past the caller's bytes: the NULs
    // beyond them end both.
    script.path = StringView(reinterpret_cast<const char*>(data) + name, separator - name);
    if (separator < line_end && head.byte(separator) != '\0') {
        usize argument = skip_spaces_and_tabs(head, separator, line_end);
        usize end = argument;
        while (end < line_end && head.byte(end) != '\0')
            ++end;
        script.has_argument = true;
        script.argument = StringView(reinterpret_cast<const char*>(data) + argument, end - argument);
    }
    return script;
}

usize script_argv_count(ScriptInterpreter const& script, usize argc)
{
    return (script.has_argument ? 2 : 1) + 1 + (argc > 0 ? argc - 1 : 0);
}

ErrorOr<usize> script_build_argv(ScriptInterpreter const& script, StringView script_path, StringView const* argv, usize argc,
    StringView* out, usize capacity)
{
    usize count = script_argv_count(script, argc);
    if (count > capacity)
        return Error::from_errno(E2BIG);
    usize at = 0;
    out[at++] = script.path;
    if (script.has_argument)
        out[at++] = script.argument;
    out[at++] = script_path;
    for (usize i = 1; i < argc; ++i)
        out[at++] = argv[i];
    return count;
}
