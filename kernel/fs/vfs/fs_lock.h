// The lock type of the file-system manager, in one place. Every lock of
// kernel/fs (inode metadata and data, a tmpfs namespace, the mount table,
// fd tables, open-file positions, the device registry) is an FsLock held
// through an FsLocker.
//
// Today it is the spinlock: nothing in tmpfs or devfs sleeps, and the
// buffers copied under these locks are kernel memory. When the syscall
// layer passes user buffers (whose copies may fault and sleep) and the
// blocking mutex of kernel/sched/mutex.h exists, these two lines switch to
// it and every hold becomes a sleeping one; no other file changes.
// Host-buildable.
#pragma once

#include <arch/x86_64/spinlock.h>

using FsLock = Spinlock;
using FsLocker = SpinlockLocker;
