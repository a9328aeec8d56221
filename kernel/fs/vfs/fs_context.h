// FsContext: a process's place in the file tree (Linux's fs_struct): its
// root directory (chroot), its working directory (chdir) and its umask.
// Reference counted because clone(CLONE_FS) shares one; fork copies it.
// The syscall layer turns it, with the credentials and the mount table,
// into the vfs::Context every path call takes (fs/vfs/vfs.h).
//
// Locking: its own lock; readers get copies of the Locations.
// Host-buildable.
#pragma once

#include <fs/vfs/fs_lock.h>
#include <fs/vfs/mount.h>
#include <lib/error_or.h>
#include <lib/ref_counted.h>

namespace vfs {

class FsContext : public RefCounted<FsContext> {
public:
    static constexpr u32 kDefaultUmask = 022;

    static ErrorOr<RefPtr<FsContext>> create(Location root, Location cwd, u32 umask = kDefaultUmask);

    Location root() const;
    Location cwd() const;
    u32 umask() const;

    void set_root(Location root);
    void set_cwd(Location cwd);
    // Returns the previous umask (what umask(2) returns).
    u32 set_umask(u32 umask);

    // An unshared copy for fork().
    ErrorOr<RefPtr<FsContext>> clone() const;

private:
    FsContext(Location root, Location cwd, u32 umask)
        : m_root(std::move(root))
        , m_cwd(std::move(cwd))
        , m_umask(umask & 0777)
    {
    }

    mutable FsLock m_lock { "fs context" };
    Location m_root;
    Location m_cwd;
    u32 m_umask;
};

}
