// Credentials (CONCEPTS A1, security manager): who a process acts as. The
// process manager keeps one per process (copied on fork, changed by the
// set*id calls of the users issue); the file-system manager passes it to
// every permission decision (security/permissions.h).
//
// Linux keeps real, effective, saved and file-system ids. File access
// (permission bits, ownership, the owner of new files) uses the file-system
// ids; every set*id call sets them to the new effective ids, so they differ
// only after setfsuid/setfsgid (a file server acting for a client without
// changing who may signal it). access(2) uses the real ones
// (for_access_check()). Superuser power stands for the capabilities Linux
// gives root: "effective uid 0" for the process ones (CAP_SYS_ADMIN,
// CAP_KILL, CAP_SETUID, CAP_SYS_NICE...), "file-system uid 0" for the file
// ones (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN, CAP_FSETID, CAP_MKNOD),
// which Linux drops when fsuid leaves 0 and raises when it returns.
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
    u32 fsuid { 0 };
    u32 fsgid { 0 };
    u32 group_count { 0 };
    u32 groups[kMaxGroups] {};

    static constexpr Credentials root() { return Credentials {}; }
    static constexpr Credentials user(u32 uid, u32 gid)
    {
        Credentials credentials;
        credentials.uid = credentials.euid = credentials.suid = credentials.fsuid = uid;
        credentials.gid = credentials.egid = credentials.sgid = credentials.fsgid = gid;
        return credentials;
    }

    bool is_superuser() const { return euid == 0; }
    // The file capabilities (see above): file permission decisions use this.
    bool is_fs_superuser() const { return fsuid == 0; }

    // True for the file-system group and every supplementary group (Linux's
    // in_group_p): what file permission decisions ask.
    bool in_group(u32 group) const
    {
        if (group == fsgid)
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
        copy.fsuid = uid;
        copy.fsgid = gid;
        return copy;
    }

    // After any set*id call: the file-system ids follow the effective ones.
    void sync_fs_ids()
    {
        fsuid = euid;
        fsgid = egid;
    }
};
