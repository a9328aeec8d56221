// vfs::Context: who resolves a path and against which tree - what every
// path call of the VFS takes (fs/vfs/namei.h, fs/vfs/vfs.h). The syscall
// layer builds it per call from the calling process: the mount table, the
// process root (chroot), its credentials and its umask. Where a relative
// path starts (the working directory, or a dirfd's directory) is passed
// next to it as a Location.
// Host-buildable.
#pragma once

#include <fs/vfs/mount.h>
#include <security/credentials.h>

namespace vfs {

struct Context {
    MountTable& mounts;
    Location root;
    Credentials const& credentials;
    u32 umask { 022 };
};

}
