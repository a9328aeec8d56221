// devpts: /dev/pts (issue 5's pseudo-terminals). Like Linux's devpts, the
// file system where each pseudo-terminal slave has its node, named by its
// number ("/dev/pts/3", character device 136:3), made when /dev/ptmx is
// opened and removed when that master is closed; it also holds "ptmx"
// (5:2, mode 0000 as Linux's default ptmxmode). One instance, made at
// boot: mount -t devpts (init mounts it on /dev/pts) attaches it.
//
// Built on a tmpfs instance of type "devpts", as devfs is (fs/devfs).
// The pseudo-terminal driver (tty/pty.cpp) is its only caller.
// Host-buildable.
#pragma once

#include <fs/vfs/inode.h>
#include <lib/error_or.h>

namespace devpts {

// Makes the instance and registers the "devpts" type. Again: nothing.
ErrorOr<void> init();

// The node of slave `index`: character device `device`, mode 0620, owned
// by uid:gid (the opener of the master and the tty group, as grantpt
// leaves it). EEXIST when the number has a node.
ErrorOr<void> add_slave(u32 index, u64 device, u32 uid, u32 gid);
// Removes it (nothing if it is gone already).
void remove_slave(u32 index);

}
