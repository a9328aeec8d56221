// The kernel command line ("test loglevel=7 timeslice=50"): words separated
// by spaces, each a flag or key=value. Parsed once at boot; every subsystem
// asks for its own options by name. Host-buildable.
#pragma once

#include <lib/types.h>

namespace cmdline {

void parse(const char* text);
// True if the word `name` or `name=...` was given.
bool has(const char* name);
// The value of `name=value`, or `fallback` when absent. Returned pointers stay valid.
const char* get(const char* name, const char* fallback = nullptr);
// Numeric value of `name=N` (decimal or 0x hex); `fallback` if absent or malformed.
i64 get_int(const char* name, i64 fallback);
const char* text();
// True when the last parse() dropped text: the line did not fit the 512-byte
// buffer or had more words than the table holds. Boot logs a warning.
bool truncated();

}
