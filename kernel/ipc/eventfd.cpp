// eventfd (ipc/eventfd.h). One spinlock guards the counter; the readers
// and writers sleep on their own wait queues and check for signals
// outside it (a sender's second wake-up covers the gap).
#include <fs/anon_inode.h>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/poll_waiters.h>
#include <ipc/eventfd.h>
#include <proc/current.h>
#include <sched/wait_queue.h>

namespace ipc {

namespace {

constexpr u64 kMaxCounter = 0xfffffffffffffffeull;

class EventFd final : public vfs::FileOperations {
public:
    EventFd(u64 initial, bool semaphore)
        : m_count(initial)
        , m_semaphore(semaphore)
    {
    }

    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override
    {
        if (count < sizeof(u64))
            return Error::from_errno(EINVAL);
        u64 value = 0;
        for (;;) {
            {
                SpinlockLocker locker(m_lock);
                if (m_count > 0) {
                    value = m_semaphore ? 1 : m_count;
                    m_count -= value;
                    m_writers.wake_all();
                    break;
                }
                if (file.is_nonblocking())
                    return Error::from_errno(EAGAIN);
                TRY(sleep(m_readers, locker));
            }
            if (current::interrupted())
                return Error::from_errno(EINTR);
        }
        m_head.notify();
        TRY(buffer.write_bytes(0, &value, sizeof(value)));
        return sizeof(value);
    }

    ErrorOr<usize> write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&) override
    {
        if (count < sizeof(u64))
            return Error::from_errno(EINVAL);
        u64 value = 0;
        TRY(buffer.read_bytes(0, &value, sizeof(value)));
        if (value == ~0ull)
            return Error::from_errno(EINVAL);
        for (;;) {
            {
                SpinlockLocker locker(m_lock);
                if (kMaxCounter - m_count >= value) {
                    m_count += value;
                    if (value)
                        m_readers.wake_all();
                    break;
                }
                if (file.is_nonblocking())
                    return Error::from_errno(EAGAIN);
                TRY(sleep(m_writers, locker));
            }
            if (current::interrupted())
                return Error::from_errno(EINTR);
        }
        if (value)
            m_head.notify();
        return sizeof(value);
    }

    u32 poll(vfs::OpenFile&) override
    {
        SpinlockLocker locker(m_lock);
        u32 mask = 0;
        if (m_count > 0)
            mask |= POLLIN | POLLRDNORM;
        if (m_count < kMaxCounter)
            mask |= POLLOUT | POLLWRNORM;
        return mask;
    }

    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_head; }

private:
    // One sleep; the caller re-checks everything. The interruption check
    // comes first and outside our lock (it takes a siglock).
    static ErrorOr<void> sleep(WaitQueue& queue, SpinlockLocker& locker)
    {
        locker.unlock();
        bool stop = current::interrupted();
        locker.relock();
        if (stop)
            return Error::from_errno(EINTR);
        return queue.wait(locker);
    }

    Spinlock m_lock { "eventfd" };
    u64 m_count;
    bool m_semaphore;
    WaitQueue m_readers;
    WaitQueue m_writers;
    poll_waiters::PollHead m_head;
};

}

ErrorOr<RefPtr<vfs::OpenFile>> create_eventfd(u32 initial, u32 flags)
{
    auto* eventfd = new (std::nothrow) EventFd(initial, flags & kEfdSemaphore);
    if (!eventfd)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileOperations> operations = adopt_ref(static_cast<vfs::FileOperations*>(eventfd));
    return anon_inode::create_file(std::move(operations), O_RDWR | (flags & kEfdNonblock ? O_NONBLOCK : 0));
}

}
