// devfs: /dev (CONCEPTS A7, F4). Like Linux's devtmpfs, it is one tmpfs
// instance of type "devtmpfs" in which the kernel makes a node for every
// character device a driver registers; mount -t devtmpfs (or the init
// process mounting /dev) attaches that one instance. Opening any node -
// here or one made with mknod elsewhere - reaches the driver through the
// character device registry (fs/vfs/char_device.h).
//
// Besides device nodes it holds the usual symlinks fd -> /proc/self/fd and
// stdin, stdout, stderr -> /proc/self/fd/0, 1, 2.
//
// Drivers register with register_device: the console, tty, ttyS0 and kmsg
// drivers of later issues, and the memory devices here
// (fs/devfs/memory_devices.h).
// Host-buildable.
#pragma once

#include <fs/vfs/char_device.h>
#include <fs/vfs/inode.h>
#include <lib/error_or.h>

namespace devfs {

// Makes the devtmpfs instance, registers the memory devices and the
// "devtmpfs" file-system type. Calling it again does nothing.
ErrorOr<void> init();

// The instance's root directory (made on first use).
ErrorOr<RefPtr<vfs::Inode>> root();

// Registers `device` under its number and makes its node: the device's
// name (which may name subdirectories, "input/event0"; they are made
// 0755), character device type, permission bits `mode`, owner uid:gid.
// EBUSY when the number is taken, EEXIST when the name is.
ErrorOr<void> register_device(RefPtr<vfs::CharDevice> device, u32 mode, u32 uid = 0, u32 gid = 0);
// Removes a device and its node (ENXIO if not registered).
ErrorOr<void> unregister_device(u64 device);

}
