// MessageQueue (ipc/mqueue.h).
#include <fs/vfs/abi.h>
#include <fs/vfs/poll_waiters.h>
#include <ipc/mqueue.h>
#include <lib/format.h>
#include <mm/kmalloc.h>
#include <new>
#include <proc/current.h>

namespace ipc {

MqLimits& mq_limits()
{
    static MqLimits s_limits;
    return s_limits;
}

ErrorOr<MqMessage*> MqMessage::create(usize size)
{
    void* memory = kmalloc(sizeof(MqMessage) + size);
    if (!memory)
        return Error::from_errno(ENOMEM);
    auto* message = new (memory) MqMessage;
    message->size = size;
    return message;
}

void MqMessage::destroy(MqMessage* message)
{
    if (!message)
        return;
    message->~MqMessage();
    kfree(message);
}

ErrorOr<RefPtr<MessageQueue>> MessageQueue::create(long maxmsg, long msgsize)
{
    if (maxmsg <= 0 || msgsize <= 0)
        return Error::from_errno(EINVAL);
    auto* queue = new (std::nothrow) MessageQueue(maxmsg, msgsize);
    if (!queue)
        return Error::from_errno(ENOMEM);
    return adopt_ref(queue);
}

MessageQueue::~MessageQueue()
{
    while (MqMessage* message = m_messages.pop_front())
        MqMessage::destroy(message);
}

long MessageQueue::current_messages()
{
    SpinlockLocker locker(m_lock);
    return m_count;
}

ErrorOr<void> MessageQueue::wait(WaitQueue& queue, SpinlockLocker& locker, u64 deadline_ns, u32& waiting)
{
    // A pending signal ends the wait (EINTR, which the signal code turns
    // into a restart under SA_RESTART, as Linux's ERESTARTSYS here); a
    // signal sent between this check and the sleep wakes the sleeper.
    if (current::interrupted())
        return Error::from_errno(EINTR);
    ++waiting;
    auto waited = queue.wait(locker, deadline_ns);
    --waiting;
    if (current::interrupted())
        return Error::from_errno(EINTR);
    return waited;
}

ErrorOr<void> MessageQueue::send(MqMessage* message, bool nonblocking, u64 deadline_ns,
    MqPendingNotification& notification, i32 sender_pid, u32 sender_uid)
{
    {
        SpinlockLocker locker(m_lock);
        while (m_count >= m_maxmsg) {
            if (nonblocking)
                return Error::from_errno(EAGAIN);
            TRY(wait(m_not_full, locker, deadline_ns, m_waiting_senders));
        }
        // Behind every message of the same or a higher priority: walk from
        // the back (the lowest priorities) to the first one that is not lower.
        MqMessage* after = m_messages.last();
        while (after && after->priority < message->priority)
            after = m_messages.prev(*after);
        if (!after)
            m_messages.prepend(*message);
        else if (MqMessage* next = m_messages.next(*after))
            m_messages.insert_before(*next, *message);
        else
            m_messages.append(*message);
        ++m_count;
        m_bytes += message->size;
        // Linux notifies when the queue stops being empty and nobody is
        // waiting to take the message; the registration is then used up.
        if (m_count == 1 && m_registered && m_waiting_receivers == 0) {
            notification.send = m_notification.notify == kSigevSignal;
            notification.target_pid = m_notification.pid;
            notification.signo = m_notification.signo;
            notification.value = m_notification.value;
            notification.sender_pid = sender_pid;
            notification.sender_uid = sender_uid;
            m_registered = false;
        }
        // Every waiter, not one: a receiver that a signal or its deadline
        // takes away must not swallow the only wake-up.
        if (m_waiting_receivers)
            m_not_empty.wake_all();
    }
    poll_waiters::notify();
    return {};
}

ErrorOr<MqMessage*> MessageQueue::receive(bool nonblocking, u64 deadline_ns)
{
    MqMessage* message;
    {
        SpinlockLocker locker(m_lock);
        while (m_count == 0) {
            if (nonblocking)
                return Error::from_errno(EAGAIN);
            TRY(wait(m_not_empty, locker, deadline_ns, m_waiting_receivers));
        }
        message = m_messages.pop_front();
        --m_count;
        m_bytes -= message->size;
        if (m_waiting_senders)
            m_not_full.wake_all();
    }
    poll_waiters::notify();
    return message;
}

ErrorOr<void> MessageQueue::set_notification(MqNotification const* request, i32 pid)
{
    SpinlockLocker locker(m_lock);
    if (!request) {
        if (m_registered && m_notification.pid == pid)
            m_registered = false;
        return {};
    }
    if (m_registered)
        return Error::from_errno(EBUSY); // even for the owner itself, as Linux
    m_notification = *request;
    m_notification.pid = pid;
    m_registered = true;
    return {};
}

void MessageQueue::file_closed(void const* file)
{
    SpinlockLocker locker(m_lock);
    if (m_registered && m_notification.file == file)
        m_registered = false;
}

u32 MessageQueue::poll()
{
    SpinlockLocker locker(m_lock);
    u32 events = 0;
    if (m_count > 0)
        events |= POLLIN | POLLRDNORM;
    if (m_count < m_maxmsg)
        events |= POLLOUT | POLLWRNORM;
    return events;
}

usize MessageQueue::status_line(char* buffer, usize size)
{
    SpinlockLocker locker(m_lock);
    int notify = m_registered ? m_notification.notify : 0;
    int signo = m_registered && m_notification.notify == kSigevSignal ? m_notification.signo : 0;
    int pid = m_registered ? m_notification.pid : 0;
    return format(buffer, size, "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
        static_cast<unsigned long>(m_bytes), notify, signo, pid);
}

}
