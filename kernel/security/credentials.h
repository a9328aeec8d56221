// Credentials (CONCEPTS A1, security manager): who a process acts as. The
// process manager keeps one per process (copied on fork, changed by the
// set*id calls of the users issue); the file-system manager passes it to
// every permission decision (security/permissions.h).
//
// Linux keeps real, effective, saved and file-system ids; file access uses
// the effective ones (the file-system ids equal them unless setfsuid is
// called), access(2) uses the real ones (for_access_check()). Superuser
// power is "effective uid 0", standing for the capabilities Linux gives
// root (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN, CAP_MKNOD, CAP_SYS_ADMIN...).
// Host-buildable.
#pragma once

#include <lib/types.h>

struct Credentials {
    // Supplementary groups kept inline: no allocation on fork.
    static constexpr usize kMaxGroups = 32;

    u32 uid { 0 };
    u32 gid { 0 };
    u32 euid { 0 };
    u32 egid { 0 };
    u32 suid { 0 };
    u32 sgid { 0 };
    u32 group_count { 0 };
    u32 groups[kMaxGroups] {};

    static constexpr Credentials root() { return Credentials {}; }
    static constexpr Credentials user(u32 uid, u32 gid)
    {
        Credentials credentials;
        credentials.uid = credentials.euid = credentials.suid = uid;
        credentials.gid = credentials.egid = credentials.sgid = gid;
        return credentials;
    }

    bool is_superuser() const { return euid == 0; }

    // True for the effective group and every supplementary group.
    bool in_group(u32 group) const
    {
        if (group == egid)
            return true;
        for (u32 i = 0; i < group_count; ++i) {
            if (groups[i] == group)
                return true;
        }
        return false;
    }

    // access(2) and faccessat(2) without AT_EACCESS check with the real ids.
    Credentials for_access_check() const
    {
        Credentials copy = *this;
        copy.euid = uid;
        copy.egid = gid;
        return copy;
    }
};
