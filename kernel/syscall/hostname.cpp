// The system's host and domain names; see hostname.h.
#include <arch/x86_64/spinlock.h>
#include <lib/string.h>
#include <syscall/hostname.h>

namespace hostname {

namespace {

constinit Spinlock s_lock { "hostname" };
// Linux boots with "(none)" for both until user space sets them; the host
// name starts as the system's own name, so a shell prompt says something.
char s_host_name[kFieldSize] = "haneul";
char s_domain_name[kFieldSize] = "(none)";

void copy_out(char const (&from)[kFieldSize], char (&out)[kFieldSize])
{
    SpinlockLocker locker(s_lock);
    memcpy(out, from, kFieldSize);
}

void copy_in(char (&to)[kFieldSize], StringView name)
{
    usize length = name.length() < kFieldSize - 1 ? name.length() : kFieldSize - 1;
    SpinlockLocker locker(s_lock);
    if (length)
        memcpy(to, name.characters_without_null_termination(), length);
    memset(to + length, 0, kFieldSize - length);
}

}

void copy_host_name(char (&out)[kFieldSize]) { copy_out(s_host_name, out); }
void copy_domain_name(char (&out)[kFieldSize]) { copy_out(s_domain_name, out); }
void set_host_name(StringView name) { copy_in(s_host_name, name); }
void set_domain_name(StringView name) { copy_in(s_domain_name, name); }

}
