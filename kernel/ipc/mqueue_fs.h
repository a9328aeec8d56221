// The mqueue file system (CONCEPTS F7): the names of POSIX message queues.
// One instance for the whole system (Linux has one per IPC namespace):
// mq_open and mq_unlink work on its root directory whether or not it is
// mounted, and every mount(2) of type "mqueue" (init mounts it on
// /dev/mqueue) shows that same directory. A queue is a regular file there,
// owned by its creator with the mode it was made with; reading it gives
// its status line (ipc/mqueue.h), `ls` lists the queues, `rm` is
// mq_unlink. open(O_CREAT) of a new name there makes a queue with the
// default attributes, as on Linux.
//
// Callers: syscall/mqueue.cpp (the mq_* calls), kernel/main.cpp (init).
#pragma once

#include <fs/vfs/open_file.h>
#include <ipc/mqueue.h>
#include <lib/error_or.h>
#include <lib/string_view.h>
#include <security/credentials.h>

namespace ipc {

// Registers the "mqueue" file-system type. At boot, after the root file
// system; repeating it is harmless.
ErrorOr<void> mqueue_init();

// mq_attr's mq_maxmsg and mq_msgsize for a new queue.
struct MqCreateAttributes {
    long maxmsg;
    long msgsize;
};

struct MqOpenRequest {
    StringView name; // without glibc's leading '/'
    u32 flags;       // open(2) flags: access mode, O_CREAT, O_EXCL, O_NONBLOCK
    u32 mode;        // permission bits for a new queue (the umask not yet applied)
    MqCreateAttributes const* attributes; // null: the defaults
};

// mq_open: an open description of the queue `name`, made first with
// O_CREAT. ENOENT, EEXIST (O_CREAT|O_EXCL), EACCES (permissions, or a
// name that is not one path component), ENAMETOOLONG, EINVAL (bad
// attributes, or access mode 3), ENOSPC (queues_max), EMFILE
// (RLIMIT_MSGQUEUE `byte_limit`), ENOMEM.
ErrorOr<RefPtr<vfs::OpenFile>> mq_open(MqOpenRequest const& request, Credentials const& credentials, u32 umask,
    u64 byte_limit);
// mq_unlink: ENOENT, EACCES, EPERM (someone else's queue: the directory is
// sticky). The queue lives until its last descriptor closes.
ErrorOr<void> mq_unlink(StringView name, Credentials const& credentials);

// The queue behind an open file of the mqueue file system (from mq_open
// or open(2) of /dev/mqueue/NAME), or null.
MessageQueue* queue_of(vfs::OpenFile const& file);

}
