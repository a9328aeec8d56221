// The root file system at boot (CONCEPTS F4, B1): a tmpfs mounted as "/",
// filled from the initramfs module (cpio newc), and the device file system
// mounted at /dev so that init finds /dev/console. Everything a user
// process sees of files starts here.
#pragma once

#include <fs/vfs/mount.h>
#include <lib/error_or.h>

namespace vfs {
MountTable& system_mounts();
}

namespace root_fs {

// Registers the file-system types, mounts "/" and /dev, unpacks the
// initramfs. Logs one line per step; a missing or broken initramfs leaves
// an empty root (init will not be found) rather than a panic.
ErrorOr<void> init();

}
