// Who a process is (CONCEPTS A1, security manager): the get/set calls for
// real, effective, saved and file-system user and group IDs and the
// supplementary groups, with Linux's rules (kernel/sys.c): every set*id
// call that succeeds leaves the file-system id equal to the new effective
// one; only setfsuid/setfsgid move it apart. "Privileged" is effective UID 0, standing for
// CAP_SETUID/CAP_SETGID. Changes happen under the process lock, for the
// whole process (Linux's C libraries broadcast them to every thread).
#include <proc/current.h>
#include <syscall/syscall.h>

namespace {

constexpr u32 kUnchanged = 0xffffffff; // -1: "leave this one alone"

template<typename Change>
ErrorOr<long> update(Change change)
{
    MutexLocker locker(process::lock());
    Credentials& credentials = current::process().credentials_for_update();
    Credentials updated = credentials;
    TRY(change(updated));
    updated.sync_fs_ids();
    credentials = updated;
    return 0;
}

bool is_one_of(u32 id, u32 a, u32 b, u32 c) { return id == a || id == b || id == c; }

ErrorOr<long> sys_setuid(u32 uid)
{
    if (uid == kUnchanged)
        return Error::from_errno(EINVAL);
    return update([&](Credentials& c) -> ErrorOr<void> {
        if (c.is_superuser()) {
            c.uid = c.euid = c.suid = uid;
        } else if (uid == c.uid || uid == c.suid) {
            c.euid = uid;
        } else {
            return Error::from_errno(EPERM);
        }
        return {};
    });
}
REGISTER_SYSCALL(setuid, sys_setuid);

ErrorOr<long> sys_setgid(u32 gid)
{
    if (gid == kUnchanged)
        return Error::from_errno(EINVAL);
    return update([&](Credentials& c) -> ErrorOr<void> {
        if (c.is_superuser()) {
            c.gid = c.egid = c.sgid = gid;
        } else if (gid == c.gid || gid == c.sgid) {
            c.egid = gid;
        } else {
            return Error::from_errno(EPERM);
        }
        return {};
    });
}
REGISTER_SYSCALL(setgid, sys_setgid);

// setreuid/setregid: the real ID may become the real or effective one, the
// effective ID the real, effective or saved one; setting the real ID, or
// the effective one to something other than the old real ID, also sets
// the saved ID to the new effective one.
ErrorOr<void> set_real_effective(u32& real, u32& effective, u32& saved, u32 new_real, u32 new_effective, bool privileged)
{
    u32 old_real = real;
    if (new_real != kUnchanged && !privileged && new_real != real && new_real != effective)
        return Error::from_errno(EPERM);
    if (new_effective != kUnchanged && !privileged && !is_one_of(new_effective, real, effective, saved))
        return Error::from_errno(EPERM);
    if (new_real != kUnchanged)
        real = new_real;
    if (new_effective != kUnchanged)
        effective = new_effective;
    if (new_real != kUnchanged || (new_effective != kUnchanged && new_effective != old_real))
        saved = effective;
    return {};
}

ErrorOr<long> sys_setreuid(u32 real, u32 effective)
{
    return update([&](Credentials& c) { return set_real_effective(c.uid, c.euid, c.suid, real, effective, c.is_superuser()); });
}
REGISTER_SYSCALL(setreuid, sys_setreuid);

ErrorOr<long> sys_setregid(u32 real, u32 effective)
{
    return update([&](Credentials& c) { return set_real_effective(c.gid, c.egid, c.sgid, real, effective, c.is_superuser()); });
}
REGISTER_SYSCALL(setregid, sys_setregid);

// setresuid/setresgid: each of the three may become any of the current three.
ErrorOr<void> set_three(u32& real, u32& effective, u32& saved, u32 new_real, u32 new_effective, u32 new_saved, bool privileged)
{
    if (!privileged) {
        for (u32 id : { new_real, new_effective, new_saved }) {
            if (id != kUnchanged && !is_one_of(id, real, effective, saved))
                return Error::from_errno(EPERM);
        }
    }
    if (new_real != kUnchanged)
        real = new_real;
    if (new_effective != kUnchanged)
        effective = new_effective;
    if (new_saved != kUnchanged)
        saved = new_saved;
    return {};
}

ErrorOr<long> sys_setresuid(u32 real, u32 effective, u32 saved)
{
    return update([&](Credentials& c) { return set_three(c.uid, c.euid, c.suid, real, effective, saved, c.is_superuser()); });
}
REGISTER_SYSCALL(setresuid, sys_setresuid);

ErrorOr<long> sys_setresgid(u32 real, u32 effective, u32 saved)
{
    return update([&](Credentials& c) { return set_three(c.gid, c.egid, c.sgid, real, effective, saved, c.is_superuser()); });
}
REGISTER_SYSCALL(setresgid, sys_setresgid);

ErrorOr<long> write_three(UserPtr<u32> a, UserPtr<u32> b, UserPtr<u32> c, u32 x, u32 y, u32 z)
{
    TRY(copy_to_user(a, x));
    TRY(copy_to_user(b, y));
    TRY(copy_to_user(c, z));
    return 0;
}

ErrorOr<long> sys_getresuid(UserPtr<u32> real, UserPtr<u32> effective, UserPtr<u32> saved)
{
    Credentials c = current::credentials();
    return write_three(real, effective, saved, c.uid, c.euid, c.suid);
}
REGISTER_SYSCALL(getresuid, sys_getresuid);

ErrorOr<long> sys_getresgid(UserPtr<u32> real, UserPtr<u32> effective, UserPtr<u32> saved)
{
    Credentials c = current::credentials();
    return write_three(real, effective, saved, c.gid, c.egid, c.sgid);
}
REGISTER_SYSCALL(getresgid, sys_getresgid);

ErrorOr<long> sys_getgroups(int size, UserPtr<u32> list)
{
    if (size < 0)
        return Error::from_errno(EINVAL);
    Credentials c = current::credentials();
    if (size == 0)
        return c.group_count;
    if (static_cast<u32>(size) < c.group_count)
        return Error::from_errno(EINVAL);
    TRY(copy_to_user(list.address(), c.groups, c.group_count * sizeof(u32)));
    return c.group_count;
}
REGISTER_SYSCALL(getgroups, sys_getgroups);

ErrorOr<long> sys_setgroups(int size, UserPtr<u32> list)
{
    constexpr int kNgroupsMax = 65536;
    // Linux asks for CAP_SETGID before it looks at the arguments.
    if (!current::credentials().is_superuser())
        return Error::from_errno(EPERM);
    if (size < 0 || size > kNgroupsMax)
        return Error::from_errno(EINVAL);
    if (static_cast<usize>(size) > Credentials::kMaxGroups)
        return Error::from_errno(EINVAL); // Haneul keeps up to 32 supplementary groups inline
    u32 groups[Credentials::kMaxGroups];
    TRY(copy_from_user(groups, list.address(), static_cast<usize>(size) * sizeof(u32)));
    return update([&](Credentials& c) -> ErrorOr<void> {
        if (!c.is_superuser())
            return Error::from_errno(EPERM); // changed by another thread meanwhile
        c.group_count = static_cast<u32>(size);
        for (int i = 0; i < size; ++i)
            c.groups[i] = groups[i];
        return {};
    });
}
REGISTER_SYSCALL(setgroups, sys_setgroups);

// setfsuid/setfsgid: the file-system id may become the real, effective,
// saved or current file-system id, or anything for the privileged. The
// call always returns the previous value, success or not (so a caller
// checks by calling again); -1 only asks.
template<typename Ids>
long set_fs_id(u32 id, Ids ids)
{
    MutexLocker locker(process::lock());
    Credentials& credentials = current::process().credentials_for_update();
    auto [real, effective, saved, fs] = ids(credentials);
    u32 old = *fs;
    if (id == kUnchanged)
        return old;
    if (credentials.is_superuser() || is_one_of(id, *real, *effective, *saved) || id == old)
        *fs = id;
    return old;
}

struct IdRefs {
    u32* real;
    u32* effective;
    u32* saved;
    u32* fs;
};

ErrorOr<long> sys_setfsuid(u32 uid)
{
    return set_fs_id(uid, [](Credentials& c) { return IdRefs { &c.uid, &c.euid, &c.suid, &c.fsuid }; });
}
REGISTER_SYSCALL(setfsuid, sys_setfsuid);

ErrorOr<long> sys_setfsgid(u32 gid)
{
    return set_fs_id(gid, [](Credentials& c) { return IdRefs { &c.gid, &c.egid, &c.sgid, &c.fsgid }; });
}
REGISTER_SYSCALL(setfsgid, sys_setfsgid);

}
