// The system's names (Linux's UTS namespace, of which Haneul has one): the
// host name and the NIS domain name that uname(2) reports and
// sethostname(2)/setdomainname(2) change. Callers: system_info.cpp (the
// calls), later /proc/sys/kernel/hostname.
//
// Locking: one spinlock around both names; readers copy them out.
#pragma once

#include <lib/types.h>
#include <lib/string_view.h>

namespace hostname {

// Both fields of struct utsname are 65 bytes: 64 characters and a NUL.
constexpr usize kFieldSize = 65;

// Copies the name, NUL-terminated, into `out` (kFieldSize bytes).
void copy_host_name(char (&out)[kFieldSize]);
void copy_domain_name(char (&out)[kFieldSize]);
// Replaces the name with `name` (at most 64 bytes; the caller checked the
// length and the privilege). Bytes after a NUL inside `name` are kept, as
// Linux keeps them, but uname shows the name up to the NUL.
void set_host_name(StringView name);
void set_domain_name(StringView name);

}
