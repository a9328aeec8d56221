// The mount list of /proc/<pid>/mounts from a vfs::MountTable: each
// attached mount's source, path (from `root`, the reader's root
// directory), type and flags, in mount order. Sources call it with the
// table the process sees (the kernel's through its hook, fs/procfs/
// process_hooks.h; host tests with their own).
// Host-buildable.
#pragma once

#include <fs/procfs/source.h>
#include <fs/vfs/mount.h>

namespace procfs {

// Mounts whose path cannot be made (their mountpoint was removed) are
// left out.
ErrorOr<void> collect_mounts(vfs::MountTable& table, vfs::Location const& root, GrowableArray<MountInfo>& mounts);

}
