// timerfd (fs/timerfd.h). The expiry lives in a kernel Timer (sched/
// timer.h) whose callback, in interrupt context, counts expirations
// under the spinlock, re-arms a periodic timer and notifies pollers.
// Changing the setting takes a mutex (one change at a time) and cancels
// the Timer before touching it, so a callback never races a new setting.
#include <fs/anon_inode.h>
#include <fs/timerfd.h>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/fs_clock.h>
#include <fs/vfs/poll_waiters.h>
#include <proc/current.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/timer.h>
#include <sched/wait_queue.h>

namespace timerfd {

namespace {

char const s_kind = 0;

class TimerFd final : public vfs::FileOperations {
public:
    explicit TimerFd(bool realtime)
        : m_realtime(realtime)
    {
    }

    void const* kind() const override { return &s_kind; }

    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override
    {
        if (count < sizeof(u64))
            return Error::from_errno(EINVAL);
        u64 ticks = 0;
        for (;;) {
            if (current::interrupted())
                return Error::from_errno(EINTR);
            SpinlockLocker locker(m_lock);
            if (m_ticks) {
                ticks = m_ticks;
                m_ticks = 0;
                break;
            }
            if (file.is_nonblocking())
                return Error::from_errno(EAGAIN);
            TRY(m_readers.wait(locker));
        }
        TRY(buffer.write_bytes(0, &ticks, sizeof(ticks)));
        return sizeof(ticks);
    }

    u32 poll(vfs::OpenFile&) override
    {
        SpinlockLocker locker(m_lock);
        return m_ticks ? (POLLIN | POLLRDNORM) : 0;
    }
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &m_head; }

    void closed(vfs::OpenFile&) override
    {
        MutexLocker change(m_change);
        stop();
    }

    void set(bool absolute, Spec const& spec, Spec& old)
    {
        MutexLocker change(m_change);
        stop();
        u64 arm_at = 0;
        {
            SpinlockLocker locker(m_lock);
            old = describe_locked();
            m_ticks = 0;
            m_interval_ns = spec.interval_ns;
            m_armed = spec.value_ns != 0;
            if (m_armed) {
                u64 now = ktime::monotonic_ns();
                u64 delay = spec.value_ns;
                if (absolute) {
                    u64 clock_now = m_realtime ? static_cast<u64>(vfs::fs_now_ns()) : now;
                    delay = spec.value_ns > clock_now ? spec.value_ns - clock_now : 0;
                }
                m_next_ns = saturating(now, delay);
                arm_at = m_next_ns;
            }
        }
        if (arm_at)
            timer::arm(m_timer, arm_at, fired, this);
    }

    Spec get()
    {
        SpinlockLocker locker(m_lock);
        return describe_locked();
    }

private:
    static u64 saturating(u64 a, u64 b) { return a + b < a ? ~0ull - 1 : a + b; }

    Spec describe_locked() const
    {
        Spec spec { m_interval_ns, 0 };
        if (m_armed) {
            u64 now = ktime::monotonic_ns();
            spec.value_ns = m_next_ns > now ? m_next_ns - now : 1;
        }
        return spec;
    }

    // Disarmed for good until the next set: no callback pending or running.
    void stop()
    {
        {
            SpinlockLocker locker(m_lock);
            m_armed = false;
        }
        (void)timer::cancel(m_timer);
        (void)timer::cancel(m_timer);
    }

    static void fired(Timer& timer)
    {
        auto& self = *static_cast<TimerFd*>(timer.context);
        u64 again = 0;
        bool expired = false;
        {
            SpinlockLocker locker(self.m_lock);
            if (!self.m_armed)
                return;
            u64 now = ktime::monotonic_ns();
            if (now < self.m_next_ns) {
                again = self.m_next_ns;
            } else {
                u64 count = 1;
                if (self.m_interval_ns) {
                    count += (now - self.m_next_ns) / self.m_interval_ns;
                    self.m_next_ns += count * self.m_interval_ns;
                    again = self.m_next_ns;
                } else {
                    self.m_armed = false;
                }
                self.m_ticks += count;
                self.m_readers.wake_all();
                expired = true;
            }
        }
        if (again)
            timer::arm(timer, again, fired, &self); // from its own callback, on its own CPU
        if (expired)
            self.m_head.notify();
    }

    bool m_realtime;
    Mutex m_change { "timerfd setting" };
    Spinlock m_lock { "timerfd" };
    Timer m_timer;
    bool m_armed { false };
    u64 m_next_ns { 0 }; // monotonic
    u64 m_interval_ns { 0 };
    u64 m_ticks { 0 };
    WaitQueue m_readers;
    poll_waiters::PollHead m_head;
};

TimerFd& of(vfs::OpenFile& file) { return static_cast<TimerFd&>(file.operations()); }

}

ErrorOr<RefPtr<vfs::OpenFile>> create(bool realtime, u32 flags)
{
    auto* timer = new (std::nothrow) TimerFd(realtime);
    if (!timer)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileOperations> operations = adopt_ref(static_cast<vfs::FileOperations*>(timer));
    return anon_inode::create_file(std::move(operations), O_RDWR | (flags & kTfdNonblock ? O_NONBLOCK : 0));
}

bool is_timerfd(vfs::OpenFile const& file) { return file.operations().kind() == &s_kind; }

ErrorOr<void> set(vfs::OpenFile& file, bool absolute, Spec const& spec, Spec& old)
{
    of(file).set(absolute, spec, old);
    return {};
}

Spec get(vfs::OpenFile& file) { return of(file).get(); }

}
