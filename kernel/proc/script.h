// `#!` interpreter scripts (issue 4 item 4), parsed exactly as Linux's
// binfmt_script does, so a script that runs there runs here with the same
// argv. Exec reads the first kScriptHeadSize bytes of the file; when they
// start with "#!" (script_has_shebang), script_parse() finds the
// interpreter and its optional argument, script_build_argv() makes the new
// argv, and exec starts over with the interpreter, counting the rewrites:
// more than kMaxScriptDepth gives ELOOP (the caller's check).
//
// The rules, from Linux: only the first 256 bytes are looked at, and bytes
// past the end of a short file count as NULs. The line ends at the first
// '\n'; without one, the interpreter path must still end (at a space, tab
// or NUL) within the first 255 bytes, or the line is refused (ENOEXEC) as
// a truncated path; the argument is then cut at byte 255. Trailing spaces
// and tabs are trimmed (not '\r': "#!/bin/sh\r" names "/bin/sh\r"). The
// path is the first word after "#!" and any spaces or tabs; the argument
// is everything after the spaces and tabs that follow it, inner spaces
// included, up to the first NUL. No path at all is ENOEXEC; an empty one
// ("#!" then a NUL) is EACCES, which is what Linux ends up reporting.
//
// The new argv is: interpreter, [argument], the script's path as given to
// execve, then the original argv[1..] (argv[0] is dropped; an empty argv
// drops nothing).
//
// Host-buildable. Nothing is copied: the views point into the caller's
// buffer of the file's first bytes, which must outlive them.
#pragma once

#include <lib/error_or.h>
#include <lib/string_view.h>
#include <lib/types.h>

// How much of the file Linux reads to recognise a format (BINPRM_BUF_SIZE).
constexpr usize kScriptHeadSize = 256;
// How many #! rewrites one execve allows before ELOOP. Measured on Linux
// 6.x: five nested scripts run, a sixth fails (fs/exec.c stops when its
// depth counter passes 5, though its comment says 4).
constexpr unsigned kMaxScriptDepth = 5;
// What script_build_argv() adds at most in front of argv[1..].
constexpr usize kScriptArgvPrefix = 3;

struct ScriptInterpreter {
    StringView path;     // the interpreter, never empty
    bool has_argument;   // the argument may be present and empty ("#!/bin/sh \0")
    StringView argument; // no NUL inside
};

bool script_has_shebang(u8 const* head, usize size);

// Parses the #! line in `head` (the file's first `size` bytes; only the
// first kScriptHeadSize are looked at). ENOEXEC when it does not start
// with "#!", names no interpreter, or the path is cut off; EACCES when the
// path is empty.
ErrorOr<ScriptInterpreter> script_parse(u8 const* head, usize size);

// The length of the rewritten argv for an original argv of `argc` strings.
usize script_argv_count(ScriptInterpreter const& script, usize argc);

// Writes the rewritten argv into `out` (room for `capacity` views) and
// returns its length. `script_path` is the path given to execve. E2BIG
// when `out` is too small (script_argv_count() says how much is needed).
ErrorOr<usize> script_build_argv(ScriptInterpreter const& script, StringView script_path, StringView const* argv, usize argc,
    StringView* out, usize capacity);
