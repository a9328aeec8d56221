// POSIX message queues (CONCEPTS F7): the queue itself. Messages of up to
// `msgsize` bytes, at most `maxmsg` of them, taken highest priority first
// and in arrival order within one priority; senders wait while the queue
// is full and receivers while it is empty (or fail with EAGAIN under
// O_NONBLOCK), until an absolute deadline (ETIMEDOUT) or a signal (EINTR).
// One process at a time may ask to be told (mq_notify) when a message
// arrives in the empty queue and no receiver is waiting for it.
//
// The names (mq_open, mq_unlink, /dev/mqueue) are the mqueue file system's
// (ipc/mqueue_fs.h); the system calls are syscall/mqueue.cpp. Messages are
// allocated by the sender before it takes the queue's lock and freed by
// the receiver after it let go, so the lock is never held across an
// allocation or a user copy.
//
// Locking: m_lock, a spinlock (every step under it is short and neither
// allocates nor copies), guards everything below; waiters sleep on the
// two wait queues, which release it atomically. Notifications are sent
// after it is released.
#pragma once

#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <lib/types.h>
#include <arch/x86_64/spinlock.h>
#include <sched/wait_queue.h>

namespace ipc {

// Linux's MQ_PRIO_MAX: priorities are 0 .. 32767.
constexpr u32 kMqPrioMax = 32768;
// The bounds even a privileged creator cannot pass (HARD_MSGMAX,
// HARD_MSGSIZEMAX).
constexpr long kMqHardMsgMax = 65536;
constexpr long kMqHardMsgSizeMax = 16 * 1024 * 1024;

// /proc/sys/fs/mqueue: the limits an unprivileged creator must keep to, and
// the attributes of a queue made without any.
struct MqLimits {
    long msg_max { 10 };
    long msgsize_max { 8192 };
    long queues_max { 256 };
    long msg_default { 10 };
    long msgsize_default { 8192 };
};
MqLimits& mq_limits();

// sigevent's sigev_notify values mq_notify takes.
constexpr int kSigevSignal = 0;
constexpr int kSigevNone = 1;
constexpr int kSigevThread = 2;

struct MqMessage {
    IntrusiveListNode node;
    u32 priority { 0 };
    usize size { 0 };
    u8 data[];

    // `size` bytes of data, uninitialised; ENOMEM. Freed with destroy().
    static ErrorOr<MqMessage*> create(usize size);
    static void destroy(MqMessage*);
};

// A mq_notify registration.
struct MqNotification {
    int notify { kSigevNone }; // SIGEV_SIGNAL or SIGEV_NONE
    int signo { 0 };
    u64 value { 0 };           // sigev_value
    i32 pid { 0 };             // who asked: the owner (NOTIFY_PID)
    void const* file { nullptr }; // the open description it came through
};

// A notification to send once the queue's lock is released.
struct MqPendingNotification {
    bool send { false };
    i32 target_pid { 0 };
    int signo { 0 };
    u64 value { 0 };
    i32 sender_pid { 0 }; // si_pid, si_uid of the signal
    u32 sender_uid { 0 };
};

class MessageQueue final : public RefCounted<MessageQueue> {
public:
    // EINVAL for a non-positive count or size (the caller checked limits).
    static ErrorOr<RefPtr<MessageQueue>> create(long maxmsg, long msgsize);
    ~MessageQueue();

    long maxmsg() const { return m_maxmsg; }
    long msgsize() const { return m_msgsize; }
    long current_messages();

    // Queues `message` (taking it over on success). EAGAIN (full and
    // `nonblocking`), ETIMEDOUT at `deadline_ns` (monotonic, 0: none),
    // EINTR. `notification` says whom to tell, after the call, that the
    // queue is no longer empty (`sender_pid`/`sender_uid` go in si_pid/si_uid).
    ErrorOr<void> send(MqMessage* message, bool nonblocking, u64 deadline_ns, MqPendingNotification& notification,
        i32 sender_pid, u32 sender_uid);
    // The oldest message of the highest priority, now the caller's.
    // EAGAIN, ETIMEDOUT, EINTR as send().
    ErrorOr<MqMessage*> receive(bool nonblocking, u64 deadline_ns);

    // mq_notify: `request` null removes the registration if `pid` owns it;
    // otherwise registers it, EBUSY when someone is registered already.
    ErrorOr<void> set_notification(MqNotification const* request, i32 pid);
    // The open description `file` had its last close: a registration made
    // through it goes (Linux drops it when its owner closes the queue).
    void file_closed(void const* file);

    // POLLIN when a message waits, POLLOUT when there is room.
    u32 poll();
    // The line reading the queue's file gives (Linux's format):
    // "QSIZE:<bytes> NOTIFY:<how> SIGNO:<signal> NOTIFY_PID:<pid>\n".
    usize status_line(char* buffer, usize size);

private:
    MessageQueue(long maxmsg, long msgsize)
        : m_maxmsg(maxmsg)
        , m_msgsize(msgsize)
    {
    }
    ErrorOr<void> wait(WaitQueue& queue, SpinlockLocker& locker, u64 deadline_ns, u32& waiting);

    Spinlock m_lock { "message queue" };
    WaitQueue m_not_empty;
    WaitQueue m_not_full;
    // Highest priority first; arrival order within a priority.
    IntrusiveList<MqMessage, &MqMessage::node> m_messages;
    long m_maxmsg;
    long m_msgsize;
    long m_count { 0 };
    u64 m_bytes { 0 }; // QSIZE: the data bytes queued
    u32 m_waiting_receivers { 0 };
    u32 m_waiting_senders { 0 };
    bool m_registered { false };
    MqNotification m_notification;
};

}
