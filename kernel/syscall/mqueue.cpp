// POSIX message queues (CONCEPTS F7): mq_open, mq_unlink, mq_timedsend,
// mq_timedreceive, mq_notify, mq_getsetattr. The names are the mqueue
// file system's (ipc/mqueue_fs.h), the queues ipc/mqueue.h. glibc's
// mq_open strips the leading '/' of the name before the call, as Linux
// expects; librt's mq_send/mq_receive are these calls without a timeout.
#include <fs/vfs/abi.h>
#include <ipc/mqueue_fs.h>
#include <proc/current.h>
#include <proc/process.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <syscall/syscall.h>

namespace {

// struct mq_attr: four longs and four reserved.
struct MqAttr {
    i64 flags;
    i64 maxmsg;
    i64 msgsize;
    i64 curmsgs;
    i64 reserved[4];
};
static_assert(sizeof(MqAttr) == 64);

// The head of struct sigevent that mq_notify reads.
struct SigEventHead {
    u64 value;
    i32 signo;
    i32 notify;
};

struct TimeSpec {
    i64 seconds;
    i64 nanoseconds;
};

// An absolute CLOCK_REALTIME timeout as a monotonic deadline (0: none).
// Checked before anything else, as Linux does (EINVAL even if the call
// would not have waited).
ErrorOr<u64> deadline_from(u64 user_timeout)
{
    if (!user_timeout)
        return u64(0);
    auto spec = TRY(copy_from_user(UserPtr<TimeSpec>(user_timeout)));
    if (spec.seconds < 0 || spec.nanoseconds < 0 || spec.nanoseconds >= 1000000000)
        return Error::from_errno(EINVAL);
    u64 now = ktime::monotonic_ns();
    u64 real_now = ktime::realtime_ns();
    if (static_cast<u64>(spec.seconds) > (~0ull / 1000000000) - 1)
        return ~0ull / 2;
    u64 wanted = static_cast<u64>(spec.seconds) * 1000000000ull + static_cast<u64>(spec.nanoseconds);
    u64 deadline = wanted > real_now ? now + (wanted - real_now) : now;
    return deadline ? deadline : 1;
}

ErrorOr<KString> queue_name(u64 user_name)
{
    return copy_string_from_user(UserPtr<char const>(user_name));
}

struct QueueFile {
    RefPtr<vfs::OpenFile> file;
    ipc::MessageQueue* queue;
};

ErrorOr<QueueFile> queue_file(int fd)
{
    auto file = current::fd_table().get(fd);
    if (file.is_error())
        return Error::from_errno(EBADF);
    ipc::MessageQueue* queue = ipc::queue_of(*file.value());
    if (!queue)
        return Error::from_errno(EBADF);
    return QueueFile { file.release_value(), queue };
}

// The notification signal: SI_MESGQ, the sender's pid and uid, the
// registration's value. Sent as the kernel would, without the kill()
// permission check (the receiver asked for it).
void deliver(ipc::MqPendingNotification const& notification)
{
    auto found = process::find(notification.target_pid);
    if (found.is_error())
        return; // the owner is gone
    Process* target = found.value();
    signals::SigInfo info = signals::make_sender_info(notification.signo, signals::kSiMesgq, notification.sender_pid, notification.sender_uid);
    info.fields.kill.value = notification.value;
    {
        MutexLocker locker(process::lock());
        if (target->state() == ProcessState::Live)
            (void)signals::send(*target, info);
    }
    target->unref();
}

ErrorOr<long> sys_mq_open(u64 user_name, int flags, u32 mode, u64 user_attributes)
{
    KString name = TRY(queue_name(user_name));
    ipc::MqCreateAttributes attributes {};
    ipc::MqOpenRequest request {
        .name = name.view(),
        .flags = static_cast<u32>(flags),
        .mode = mode,
        .attributes = nullptr,
    };
    if ((flags & O_CREAT) && user_attributes) {
        MqAttr given = TRY(copy_from_user(UserPtr<MqAttr>(user_attributes)));
        attributes = { given.maxmsg, given.msgsize };
        request.attributes = &attributes;
    }
    vfs::Context context = current::vfs_context();
    u64 byte_limit = current::limit(rlimit::kMsgqueue);
    auto file = TRY(ipc::mq_open(request, context.credentials, context.umask, byte_limit));
    int fd = TRY(current::fd_table().allocate(std::move(file), flags & O_CLOEXEC, current::limit(rlimit::kNofile)));
    return fd;
}

ErrorOr<long> sys_mq_unlink(u64 user_name)
{
    KString name = TRY(queue_name(user_name));
    TRY(ipc::mq_unlink(name.view(), current::credentials()));
    return 0;
}

ErrorOr<long> sys_mq_timedsend(int fd, u64 user_message, u64 length, u32 priority, u64 user_timeout)
{
    if (priority >= ipc::kMqPrioMax)
        return Error::from_errno(EINVAL);
    u64 deadline = TRY(deadline_from(user_timeout));
    QueueFile target = TRY(queue_file(fd));
    if (!target.file->is_writable())
        return Error::from_errno(EBADF);
    if (length > static_cast<u64>(target.queue->msgsize()))
        return Error::from_errno(EMSGSIZE);
    ipc::MqMessage* message = TRY(ipc::MqMessage::create(length));
    message->priority = priority;
    if (auto copied = copy_from_user(message->data, user_message, length); copied.is_error()) {
        ipc::MqMessage::destroy(message);
        return copied.error();
    }
    ipc::MqPendingNotification notification;
    Process& me = current::process();
    auto sent = target.queue->send(message, target.file->is_nonblocking(), deadline, notification, me.pid(),
        current::credentials().uid);
    if (sent.is_error()) {
        ipc::MqMessage::destroy(message);
        return sent.error();
    }
    if (notification.send)
        deliver(notification);
    return 0;
}

ErrorOr<long> sys_mq_timedreceive(int fd, u64 user_buffer, u64 length, u64 user_priority, u64 user_timeout)
{
    u64 deadline = TRY(deadline_from(user_timeout));
    QueueFile source = TRY(queue_file(fd));
    if (!source.file->is_readable())
        return Error::from_errno(EBADF);
    if (length < static_cast<u64>(source.queue->msgsize()))
        return Error::from_errno(EMSGSIZE);
    ipc::MqMessage* message = TRY(source.queue->receive(source.file->is_nonblocking(), deadline));
    // The message is taken: a bad buffer loses it, as on Linux.
    auto copied = copy_to_user(user_buffer, message->data, message->size);
    if (!copied.is_error() && user_priority)
        copied = copy_to_user(UserPtr<u32>(user_priority), message->priority);
    long size = static_cast<long>(message->size);
    ipc::MqMessage::destroy(message);
    TRY(copied);
    return size;
}

ErrorOr<long> sys_mq_notify(int fd, u64 user_event)
{
    ipc::MqNotification request;
    if (user_event) {
        SigEventHead event = TRY(copy_from_user(UserPtr<SigEventHead>(user_event)));
        if (event.notify != ipc::kSigevSignal && event.notify != ipc::kSigevNone)
            return Error::from_errno(EINVAL); // SIGEV_THREAD needs a netlink socket: none here
        if (event.notify == ipc::kSigevSignal && (event.signo <= 0 || event.signo > signals::kSigMax))
            return Error::from_errno(EINVAL);
        request.notify = event.notify;
        request.signo = event.signo;
        request.value = event.value;
    }
    QueueFile queue = TRY(queue_file(fd));
    request.file = queue.file.ptr();
    TRY(queue.queue->set_notification(user_event ? &request : nullptr, current::process().pid()));
    return 0;
}

ErrorOr<long> sys_mq_getsetattr(int fd, u64 user_new, u64 user_old)
{
    MqAttr wanted {};
    if (user_new) {
        wanted = TRY(copy_from_user(UserPtr<MqAttr>(user_new)));
        if (wanted.flags & ~static_cast<i64>(O_NONBLOCK))
            return Error::from_errno(EINVAL);
    }
    QueueFile queue = TRY(queue_file(fd));
    MqAttr old {};
    old.flags = queue.file->flags() & O_NONBLOCK;
    old.maxmsg = queue.queue->maxmsg();
    old.msgsize = queue.queue->msgsize();
    old.curmsgs = queue.queue->current_messages();
    if (user_new) {
        u32 flags = queue.file->flags() & ~O_NONBLOCK;
        queue.file->set_status_flags(flags | static_cast<u32>(wanted.flags));
    }
    if (user_old)
        TRY(copy_to_user(UserPtr<MqAttr>(user_old), old));
    return 0;
}

}

REGISTER_SYSCALL(mq_open, sys_mq_open);
REGISTER_SYSCALL(mq_unlink, sys_mq_unlink);
REGISTER_SYSCALL(mq_timedsend, sys_mq_timedsend);
REGISTER_SYSCALL(mq_timedreceive, sys_mq_timedreceive);
REGISTER_SYSCALL(mq_notify, sys_mq_notify);
REGISTER_SYSCALL(mq_getsetattr, sys_mq_getsetattr);
