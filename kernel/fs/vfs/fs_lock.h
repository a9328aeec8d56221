// The lock type of the file-system manager, in one place. Every lock of
// kernel/fs (inode metadata and data, a tmpfs namespace, the mount table,
// fd tables, open-file positions, the device registry) is an FsLock held
// through an FsLocker.
//
// In the kernel it is the blocking mutex (sched/mutex.h): a read() or
// write() holds its file's position lock while the file system copies to
// or from user memory, and that copy may fault and sleep (a file mapping's
// page comes from its inode, under that inode's FsLock). So an FsLock is
// never taken in an interrupt handler or under a spinlock (Mutex::lock
// panics if it is), and the lock-order checker (sched/lock_order.h) sees
// every nesting of them.
//
// Host builds (tests/host, one thread at a time per structure) keep the
// same interface over the spinlock.
// Host-buildable.
#pragma once

#ifdef HANEUL_HOST
#include <arch/x86_64/spinlock.h>

using FsLock = Spinlock;
using FsLocker = SpinlockLocker;
#else
#include <sched/mutex.h>

using FsLock = Mutex;
using FsLocker = MutexLocker;
#endif
