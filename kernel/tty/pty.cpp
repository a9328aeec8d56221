// Pseudo-terminals (tty/pty.h): the pair, its master and slave files,
// /dev/ptmx. Lock order: the slave Tty's locks -> the pair's mutex (the
// Tty calls write_output()/output_room() holding its own); the pair's
// mutex is never held while calling into the Tty.
#include <fs/devfs/devfs.h>
#include <fs/devpts/devpts.h>
#include <fs/vfs/char_device.h>
#include <fs/vfs/open_file.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <proc/current.h>
#include <syscall/uaccess.h>
#include <tty/job_control.h>
#include <tty/pty.h>
#include <tty/tty.h>

namespace pty {

namespace {

constexpr u32 kPtmxMajor = 5;
constexpr u32 kPtmxMinor = 2;
constexpr u32 kSlaveMajor = 136; // Linux's UNIX98_PTY_SLAVE_MAJOR
constexpr u32 kMaxPtys = 256;
constexpr usize kMasterBufferSize = 4096;
constexpr usize kWriteChunk = 128;
constexpr u32 kTtyGroup = 5;

// ioctls of the master (asm-generic/ioctls.h).
constexpr u32 kTiocgptn = 0x80045430;
constexpr u32 kTiocsptlck = 0x40045431;
constexpr u32 kTiocgptlck = 0x80045439;

usize min(usize a, usize b) { return a < b ? a : b; }

// --- pty numbers ---

Spinlock s_numbers_lock { "pty numbers" };
u64 s_numbers_used[kMaxPtys / 64];

ErrorOr<u32> allocate_number()
{
    SpinlockLocker locker(s_numbers_lock);
    for (u32 i = 0; i < kMaxPtys; ++i) {
        if (!(s_numbers_used[i / 64] & (1ull << (i % 64)))) {
            s_numbers_used[i / 64] |= 1ull << (i % 64);
            return i;
        }
    }
    return Error::from_errno(ENOSPC);
}

void release_number(u32 number)
{
    SpinlockLocker locker(s_numbers_lock);
    s_numbers_used[number / 64] &= ~(1ull << (number % 64));
}

class Pair;

// One open of the slave: counts the slave's open descriptions, so the
// master knows when none is left (its destructor, also when an open
// failed after the count was taken).
class SlaveFile final : public vfs::FileOperations {
public:
    explicit SlaveFile(RefPtr<Pair> pair)
        : m_pair(std::move(pair))
    {
    }
    ~SlaveFile() override;

    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer&, usize count, u64& offset) override;
    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const&, usize count, u64& offset) override;
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override;
    u32 poll(vfs::OpenFile&) override;

private:
    RefPtr<Pair> m_pair;
};

class MasterFile final : public vfs::FileOperations {
public:
    explicit MasterFile(RefPtr<Pair> pair)
        : m_pair(std::move(pair))
    {
    }
    ~MasterFile() override;

    ErrorOr<usize> read(vfs::OpenFile&, IoBuffer&, usize count, u64& offset) override;
    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const&, usize count, u64& offset) override;
    ErrorOr<long> ioctl(vfs::OpenFile&, u32 request, u64 argument) override;
    u32 poll(vfs::OpenFile&) override;
    void closed(vfs::OpenFile&) override;

private:
    RefPtr<Pair> m_pair;
};

// The slave's device number, registered while the master is open.
class SlaveDevice final : public vfs::CharDevice {
public:
    SlaveDevice(u32 number, RefPtr<Pair> pair);
    ErrorOr<RefPtr<vfs::FileOperations>> open(u32 flags) override;

private:
    RefPtr<Pair> m_pair;
};

class Pair final : public RefCounted<Pair>, public tty::TtyDriver {
public:
    Pair(u32 number, u8* buffer)
        : m_number(number)
        , m_slave(format_name(m_name, number), *this, LinuxWinsize { 24, 80, 0, 0 })
        , m_buffer(buffer)
    {
    }
    ~Pair() { kfree(m_buffer); }

    u32 number() const { return m_number; }
    tty::Tty& slave() { return m_slave; }
    void device_number(u32& major, u32& minor) const override
    {
        major = kSlaveMajor;
        minor = m_number;
    }

    // -- the slave's side --
    void write_output(u8 const* bytes, usize count) override
    {
        {
            MutexLocker locker(m_lock);
            if (m_master_closed)
                return;
            // The Tty waits for room; only echo can overflow: dropped.
            usize room = kMasterBufferSize - (m_head - m_tail);
            count = min(count, room);
            for (usize i = 0; i < count; ++i)
                m_buffer[(m_head + i) % kMasterBufferSize] = bytes[i];
            m_head += count;
        }
        m_master_readable.notify_all();
        poll_waiters::notify();
    }

    usize output_room() override
    {
        MutexLocker locker(m_lock);
        if (m_master_closed)
            return kMasterBufferSize; // the Tty is hung up: writes fail anyway
        return kMasterBufferSize - (m_head - m_tail);
    }

    ErrorOr<RefPtr<vfs::FileOperations>> open_as_controlling(u32 flags) override { return open_slave(flags); }

    ErrorOr<RefPtr<vfs::FileOperations>> open_slave(u32 flags)
    {
        {
            MutexLocker locker(m_lock);
            if (m_locked || m_master_closed)
                return Error::from_errno(EIO);
            ++m_slave_opens;
            m_slave_was_opened = true;
        }
        auto* file = new (std::nothrow) SlaveFile(RefPtr<Pair>(this));
        if (!file) {
            slave_closed();
            return Error::from_errno(ENOMEM);
        }
        RefPtr<vfs::FileOperations> result = adopt_ref(static_cast<vfs::FileOperations*>(file));
        m_slave.opened();
        m_slave.opened_by_current(flags);
        return result;
    }

    void slave_closed()
    {
        {
            MutexLocker locker(m_lock);
            --m_slave_opens;
        }
        m_master_readable.notify_all();
        poll_waiters::notify();
    }

    // -- the master's side --
    ErrorOr<usize> master_read(IoBuffer& buffer, usize count, bool nonblocking)
    {
        if (count == 0)
            return usize(0);
        usize done = 0;
        {
            MutexLocker locker(m_lock);
            for (;;) {
                if (m_head != m_tail)
                    break;
                if (m_slave_was_opened && m_slave_opens == 0)
                    return Error::from_errno(EIO);
                if (nonblocking)
                    return Error::from_errno(EAGAIN);
                if (current::interrupted())
                    return Error::from_errno(EINTR);
                (void)m_master_readable.wait(locker);
            }
            while (done < count && m_tail != m_head) {
                usize start = m_tail % kMasterBufferSize;
                usize length = min(min(count - done, m_head - m_tail), kMasterBufferSize - start);
                auto copied = buffer.write_bytes(done, m_buffer + start, length);
                if (copied.is_error()) {
                    if (!done)
                        return copied.error();
                    break;
                }
                m_tail += length;
                done += length;
            }
        }
        // The slave's writers may have been waiting for this room.
        m_slave.output_room_changed();
        return done;
    }

    ErrorOr<usize> master_write(IoBuffer const& buffer, usize count)
    {
        u8 chunk[kWriteChunk];
        usize done = 0;
        while (done < count) {
            usize length = min(sizeof(chunk), count - done);
            auto copied = buffer.read_bytes(done, chunk, length);
            if (copied.is_error())
                return done ? ErrorOr<usize>(done) : ErrorOr<usize>(copied.error());
            // Typed at the slave's keyboard, as it were.
            m_slave.receive(chunk, length);
            done += length;
        }
        return done;
    }

    u32 master_poll()
    {
        MutexLocker locker(m_lock);
        u32 events = POLLOUT | POLLWRNORM;
        if (m_head != m_tail)
            events |= POLLIN | POLLRDNORM;
        if (m_slave_was_opened && m_slave_opens == 0)
            events |= POLLHUP;
        return events;
    }

    usize master_pending()
    {
        MutexLocker locker(m_lock);
        return m_head - m_tail;
    }

    void set_locked(bool locked)
    {
        MutexLocker locker(m_lock);
        m_locked = locked;
    }
    bool is_locked()
    {
        MutexLocker locker(m_lock);
        return m_locked;
    }

    // The master's last close (or a failed open): the slave hangs up, its
    // node and number go. Once.
    void master_closed()
    {
        {
            MutexLocker locker(m_lock);
            if (m_master_closed)
                return;
            m_master_closed = true;
        }
        m_master_readable.notify_all();
        tty::unregister_terminal(m_slave);
        devpts::remove_slave(m_number);
        (void)vfs::char_devices().remove(vfs::make_device(kSlaveMajor, m_number));
        m_slave.hang_up();
        release_number(m_number);
    }

private:
    static const char* format_name(char* buffer, u32 number)
    {
        format(buffer, 16, "pts/%u", number);
        return buffer;
    }

    u32 m_number;
    char m_name[16] {};
    tty::Tty m_slave;

    Mutex m_lock { "pty" };
    ConditionVariable m_master_readable { "pty master readable" };
    // Guarded by m_lock: what the slave wrote, for the master.
    u8* m_buffer;
    usize m_head { 0 };
    usize m_tail { 0 };
    u32 m_slave_opens { 0 };
    bool m_slave_was_opened { false };
    bool m_locked { true }; // until unlockpt (TIOCSPTLCK 0)
    bool m_master_closed { false };
};

// --- the slave ---

SlaveFile::~SlaveFile() { m_pair->slave_closed(); }

ErrorOr<usize> SlaveFile::read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&)
{
    return m_pair->slave().read(buffer, count, file.is_nonblocking());
}

ErrorOr<usize> SlaveFile::write(vfs::OpenFile& file, IoBuffer const& buffer, usize count, u64&)
{
    return m_pair->slave().write(buffer, count, file.is_nonblocking());
}

ErrorOr<long> SlaveFile::ioctl(vfs::OpenFile& file, u32 request, u64 argument)
{
    return m_pair->slave().ioctl(file, request, argument);
}

u32 SlaveFile::poll(vfs::OpenFile&) { return m_pair->slave().poll(); }

SlaveDevice::SlaveDevice(u32 number, RefPtr<Pair> pair)
    : CharDevice(kSlaveMajor, number, StringView("pts")) // its node is devpts's, not devfs's
    , m_pair(std::move(pair))
{
}

ErrorOr<RefPtr<vfs::FileOperations>> SlaveDevice::open(u32 flags) { return m_pair->open_slave(flags); }

// --- the master ---

MasterFile::~MasterFile() { m_pair->master_closed(); }

ErrorOr<usize> MasterFile::read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&)
{
    return m_pair->master_read(buffer, count, file.is_nonblocking());
}

ErrorOr<usize> MasterFile::write(vfs::OpenFile&, IoBuffer const& buffer, usize count, u64&)
{
    return m_pair->master_write(buffer, count);
}

ErrorOr<long> MasterFile::ioctl(vfs::OpenFile& file, u32 request, u64 argument)
{
    switch (request) {
    case kTiocgptn: {
        u32 number = m_pair->number();
        TRY(copy_to_user(argument, &number, sizeof(number)));
        return 0;
    }
    case kTiocsptlck: {
        int lock;
        TRY(copy_from_user(&lock, argument, sizeof(lock)));
        m_pair->set_locked(lock != 0);
        return 0;
    }
    case kTiocgptlck: {
        int lock = m_pair->is_locked() ? 1 : 0;
        TRY(copy_to_user(argument, &lock, sizeof(lock)));
        return 0;
    }
    case FIONREAD: {
        i32 pending = static_cast<i32>(m_pair->master_pending());
        TRY(copy_to_user(argument, &pending, sizeof(pending)));
        return 0;
    }
    default:
        // The slave's settings, window size and groups, as the master
        // sees them (never its controlling terminal).
        return m_pair->slave().ioctl(file, request, argument, true);
    }
}

u32 MasterFile::poll(vfs::OpenFile&) { return m_pair->master_poll(); }

void MasterFile::closed(vfs::OpenFile&) { m_pair->master_closed(); }

// --- /dev/ptmx ---

class PtmxDevice final : public vfs::CharDevice {
public:
    PtmxDevice()
        : CharDevice(kPtmxMajor, kPtmxMinor, StringView("ptmx"))
    {
    }

    ErrorOr<RefPtr<vfs::FileOperations>> open(u32) override
    {
        u32 number = TRY(allocate_number());
        auto* buffer = static_cast<u8*>(kmalloc(kMasterBufferSize));
        auto* made = buffer ? new (std::nothrow) Pair(number, buffer) : nullptr;
        if (!made) {
            kfree(buffer);
            release_number(number);
            return Error::from_errno(ENOMEM);
        }
        RefPtr<Pair> pair = adopt_ref(made);
        // From here on the master's destructor undoes everything.
        auto* master = new (std::nothrow) MasterFile(pair);
        if (!master) {
            release_number(number);
            return Error::from_errno(ENOMEM);
        }
        RefPtr<vfs::FileOperations> result = adopt_ref(static_cast<vfs::FileOperations*>(master));
        auto device = TRY(try_make_ref_counted<SlaveDevice>(number, pair));
        TRY(vfs::char_devices().add(device));
        auto const& credentials = current::credentials();
        TRY(devpts::add_slave(number, device->device(), credentials.euid, kTtyGroup));
        tty::register_terminal(pair->slave());
        return result;
    }
};

}

ErrorOr<void> init()
{
    TRY(devpts::init());
    TRY(devfs::register_device(TRY(try_make_ref_counted<PtmxDevice>()), 0666));
    log_info("pty: /dev/ptmx registered, devpts ready (up to %u pseudo-terminals)", kMaxPtys);
    return {};
}

}
