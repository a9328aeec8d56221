// signalfd (fs/signalfd.h). Taking a signal is rt_sigtimedwait's
// (signals::timed_wait), which also does the waiting.
#include <atomic>
#include <fs/anon_inode.h>
#include <fs/signalfd.h>
#include <fs/vfs/file_operations.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/string.h>
#include <proc/signals.h>

namespace signalfd {

namespace {

char const s_kind = 0;

// struct signalfd_siginfo (include/uapi/linux/signalfd.h).
struct SignalfdSiginfo {
    u32 signo;
    i32 error;
    i32 code;
    u32 pid;
    u32 uid;
    i32 fd;
    u32 tid;
    u32 band;
    u32 overrun;
    u32 trapno;
    i32 status;
    i32 int_value;
    u64 ptr;
    u64 utime;
    u64 stime;
    u64 addr;
    u16 addr_lsb;
    u16 pad2;
    i32 syscall;
    u64 call_addr;
    u32 arch;
    u8 pad[28];
};
static_assert(sizeof(SignalfdSiginfo) == 128);

// What Linux's signalfd_copyinfo fills in, by the siginfo's layout.
SignalfdSiginfo convert(signals::SigInfo const& info)
{
    using namespace signals;
    SignalfdSiginfo out;
    memset(&out, 0, sizeof(out));
    out.signo = static_cast<u32>(info.signo);
    out.error = info.error;
    out.code = info.code;
    bool from_kernel = info.code > 0 && info.code != kSiKernel;
    if (info.code == kSiTimer) {
        i32 tid;
        i32 overrun;
        u64 value;
        memcpy(&tid, info.fields.bytes, 4);
        memcpy(&overrun, info.fields.bytes + 4, 4);
        memcpy(&value, info.fields.bytes + 8, 8);
        out.tid = static_cast<u32>(tid);
        out.overrun = static_cast<u32>(overrun);
        out.int_value = static_cast<i32>(value);
        out.ptr = value;
    } else if (from_kernel && info.signo == kSigChld) {
        out.pid = static_cast<u32>(info.fields.child.pid);
        out.uid = info.fields.child.uid;
        out.status = info.fields.child.status;
        out.utime = static_cast<u64>(info.fields.child.utime);
        out.stime = static_cast<u64>(info.fields.child.stime);
    } else if (from_kernel && contains(kSynchronous, info.signo)) {
        out.addr = info.fields.fault.address;
        out.addr_lsb = info.fields.fault.address_lsb;
    } else {
        out.pid = static_cast<u32>(info.fields.kill.pid);
        out.uid = info.fields.kill.uid;
        out.int_value = static_cast<i32>(info.fields.kill.value);
        out.ptr = info.fields.kill.value;
    }
    return out;
}

class SignalFd final : public vfs::FileOperations {
public:
    explicit SignalFd(signals::SigSet mask)
        : m_mask(mask)
    {
    }

    void const* kind() const override { return &s_kind; }
    void set_mask(signals::SigSet mask) { m_mask.store(mask, std::memory_order_relaxed); }

    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override
    {
        usize wanted = count / sizeof(SignalfdSiginfo);
        if (wanted == 0)
            return Error::from_errno(EINVAL);
        signals::SigSet mask = m_mask.load(std::memory_order_relaxed);
        usize done = 0;
        while (done < wanted) {
            signals::SigInfo info {};
            // Only the first record may wait.
            u64 deadline = (done || file.is_nonblocking()) ? 1 : 0;
            auto taken = signals::timed_wait(mask, deadline, info);
            if (taken.is_error()) {
                if (done)
                    break;
                return taken.error();
            }
            SignalfdSiginfo record = convert(info);
            auto copied = buffer.write_bytes(done * sizeof(record), &record, sizeof(record));
            if (copied.is_error()) {
                if (done)
                    break;
                return copied.error();
            }
            ++done;
        }
        return done * sizeof(SignalfdSiginfo);
    }

    u32 poll(vfs::OpenFile&) override
    {
        return (signals::current_pending() & m_mask.load(std::memory_order_relaxed)) ? (POLLIN | POLLRDNORM) : 0;
    }
    poll_waiters::PollHead* poll_head(vfs::OpenFile&) override { return &signals::signalfd_head(); }

private:
    std::atomic<signals::SigSet> m_mask;
};

}

ErrorOr<RefPtr<vfs::OpenFile>> create(signals::SigSet mask, u32 flags)
{
    auto* signalfd = new (std::nothrow) SignalFd(mask);
    if (!signalfd)
        return Error::from_errno(ENOMEM);
    RefPtr<vfs::FileOperations> operations = adopt_ref(static_cast<vfs::FileOperations*>(signalfd));
    return anon_inode::create_file(std::move(operations), O_RDWR | (flags & kSfdNonblock ? O_NONBLOCK : 0));
}

bool is_signalfd(vfs::OpenFile const& file) { return file.operations().kind() == &s_kind; }

void set_mask(vfs::OpenFile& file, signals::SigSet mask)
{
    static_cast<SignalFd&>(file.operations()).set_mask(mask);
    signals::signalfd_head().notify(); // its readiness may have changed
}

}
