// File permission decisions (CONCEPTS A1, security manager): every "may
// this process do that to this file" of the file-system manager is decided
// here, from Credentials and a file's mode and owner, so the users issue
// extends one place (capabilities, ACL-free Linux semantics).
//
// Callers: kernel/fs/vfs (path walk search permission, open, create,
// unlink/rename, chmod, chown, utimens, access) and the file systems for
// the checks they make under their own locks (sticky directories).
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/types.h>
#include <security/credentials.h>

namespace security {

// What is asked for (Linux's MAY_EXEC, MAY_WRITE, MAY_READ).
constexpr u32 kMayExec = 1;
constexpr u32 kMayWrite = 2;
constexpr u32 kMayRead = 4;

// What a decision looks at: mode (type and permission bits) and owner.
struct FileOwnership {
    u32 mode;
    u32 uid;
    u32 gid;
};

// EACCES unless the owner, group or other bits (whichever class the
// credentials fall in) grant every access in `may`. The superuser may read
// and write anything and search any directory, and execute a file when at
// least one execute bit is set.
ErrorOr<void> check_access(Credentials const&, FileOwnership const&, u32 may);

// Owner of the file, or the superuser (Linux's inode_owner_or_capable).
bool is_owner(Credentials const&, FileOwnership const&);

// Removing or renaming `victim` out of `directory`: in a sticky directory
// (S_ISVTX, /tmp) only the owner of the file or of the directory or the
// superuser may (EPERM). The caller has checked write and search
// permission on the directory.
ErrorOr<void> check_sticky_delete(Credentials const&, FileOwnership const& directory, FileOwnership const& victim);

// The owner and mode a new file in `directory` gets (Linux's
// inode_init_owner): the effective uid; the directory's group when the
// directory is set-group-id (and then new directories are set-group-id
// too), otherwise the effective gid. A set-group-id bit the creator could
// not set with chmod is dropped. `mode` has its type bits and already had
// the umask applied.
struct NewOwner {
    u32 mode;
    u32 uid;
    u32 gid;
};
NewOwner owner_for_new_file(Credentials const&, FileOwnership const& directory, u32 mode);

// chmod: EPERM unless owner or superuser. Returns the permission bits to
// store: a non-superuser outside the file's group cannot set S_ISGID.
ErrorOr<u32> check_chmod(Credentials const&, FileOwnership const&, u32 new_permissions);

// chown with new_uid/new_gid of ~0u meaning "unchanged": only the superuser
// gives a file away; the owner may change the group to one of its own
// groups (EPERM otherwise). Returns the mode to store afterwards: changing
// the owner or group of a non-directory clears S_ISUID, and S_ISGID when
// group-execute is set (a set-group-id bit without it marks mandatory
// locking and stays).
ErrorOr<u32> check_chown(Credentials const&, FileOwnership const&, u32 new_uid, u32 new_gid);

// utimensat: setting explicit times needs ownership (EPERM); setting both
// to "now" also succeeds with write permission (EACCES otherwise).
ErrorOr<void> check_set_times(Credentials const&, FileOwnership const&, bool explicit_times);

// The mode a regular file keeps after a write by these credentials: a
// non-superuser writer clears S_ISUID, and S_ISGID when group-execute is set.
u32 mode_after_write(Credentials const&, u32 mode);

// mknod of a device node needs the superuser (EPERM).
ErrorOr<void> check_mknod(Credentials const&, u32 mode);

// mount, umount, chroot, sethostname, reboot, settimeofday: the process
// superuser (effective uid 0, Linux's CAP_SYS_ADMIN and friends) only (EPERM).
ErrorOr<void> check_admin(Credentials const&);

// execve of `program` (the ELF file itself, not a #! script that names it):
// a set-user-ID file makes its owner the effective uid, a set-group-ID file
// with group execute its group the effective gid (without group execute the
// bit marks mandatory locking), unless the mount is nosuid. Saved ids take
// the new effective ones and the file-system ids follow, as after any
// exec. `secure` becomes AT_SECURE: the program runs with ids its caller
// did not have, so its C library must not trust the environment
// (LD_PRELOAD, MALLOC_*...).
struct ExecCredentials {
    Credentials credentials;
    bool secure;
};
ExecCredentials credentials_for_exec(Credentials const&, FileOwnership const& program, bool nosuid_mount);

}
