// /dev/kmsg (1,11): the kernel log as records, Linux's format. Each read
// returns one record, "LEVEL,SEQUENCE,MICROSECONDS,-;TEXT\n"; each open
// starts at the oldest record still kept and reads on from there (EPIPE
// once, as Linux, if records it had not read yet were overwritten).
// SEEK_SET 0 goes back to the oldest, SEEK_END to the next new one. A
// write logs its text (an optional "<N>" prefix gives the level).
//
// A blocking read waits by polling the log every 20 ms: the log is written
// from any context (interrupt handlers, the scheduler with its locks held)
// where waking a reader is not allowed.
#include <fs/devfs/devfs.h>
#include <fs/devfs/kmsg.h>
#include <fs/devfs/memory_devices.h>
#include <fs/vfs/open_file.h>
#include <lib/format.h>
#include <lib/log.h>
#include <proc/current.h>
#include <proc/signals.h>
#include <sched/clock.h>
#include <new>

namespace devfs {

namespace {

constexpr u32 kKmsgMinor = 11;
constexpr u64 kPollIntervalNs = 20'000'000;

// One open of /dev/kmsg: where its reader is.
class KmsgReader final : public vfs::FileOperations {
public:
    ErrorOr<usize> read(vfs::OpenFile& file, IoBuffer& buffer, usize count, u64&) override
    {
        LogRecord record;
        for (;;) {
            if (log_read_record(m_sequence, record))
                break;
            if (file.is_nonblocking())
                return Error::from_errno(EAGAIN);
            if (current::interrupted())
                return Error::from_errno(EINTR);
            (void)signals::sleep_until_signal(ktime::monotonic_ns() + kPollIntervalNs);
        }
        if (record.sequence > m_sequence_expected) {
            // Records this reader never saw were overwritten: say so once.
            m_sequence_expected = record.sequence;
            return Error::from_errno(EPIPE);
        }
        char line[sizeof(record.text) + 64];
        usize length = format(line, sizeof(line), "%u,%lu,%lu,-;%.*s\n", record.level,
            static_cast<unsigned long>(record.sequence), static_cast<unsigned long>(record.ns / 1000),
            static_cast<int>(record.length), record.text);
        if (length > sizeof(line) - 1)
            length = sizeof(line) - 1;
        if (count < length)
            return Error::from_errno(EINVAL); // a record is read whole, as on Linux
        TRY(buffer.write_bytes(0, line, length));
        m_sequence = record.sequence + 1;
        m_sequence_expected = m_sequence;
        return length;
    }

    ErrorOr<usize> write(vfs::OpenFile&, IoBuffer const& buffer, usize count, u64&) override
    {
        char text[256];
        usize length = count < sizeof(text) - 1 ? count : sizeof(text) - 1;
        TRY(buffer.read_bytes(0, text, length));
        while (length && (text[length - 1] == '\n' || text[length - 1] == 0))
            --length;
        int level = static_cast<int>(LogLevel::Info);
        usize start = 0;
        if (length >= 3 && text[0] == '<' && text[1] >= '0' && text[1] <= '7' && text[2] == '>') {
            level = text[1] - '0';
            start = 3;
        }
        klog(static_cast<LogLevel>(level), "%.*s", static_cast<int>(length - start), text + start);
        return count;
    }

    bool is_seekable() const override { return true; }

    ErrorOr<u64> seek(vfs::OpenFile&, u64, i64 offset, int whence) override
    {
        constexpr int kSeekSet = 0, kSeekEnd = 2;
        if (offset != 0)
            return Error::from_errno(EINVAL);
        if (whence == kSeekSet)
            m_sequence = log_first_sequence();
        else if (whence == kSeekEnd)
            m_sequence = log_next_sequence();
        else
            return Error::from_errno(EINVAL);
        m_sequence_expected = m_sequence;
        return u64(0);
    }

    u32 poll(vfs::OpenFile&) override
    {
        u32 mask = POLLOUT | POLLWRNORM;
        if (m_sequence < log_next_sequence())
            mask |= POLLIN | POLLRDNORM;
        return mask;
    }

private:
    u64 m_sequence { log_first_sequence() };
    u64 m_sequence_expected { m_sequence };
};

class KmsgDevice final : public vfs::CharDevice {
public:
    KmsgDevice()
        : CharDevice(kMemoryMajor, kKmsgMinor, "kmsg")
    {
    }
    ErrorOr<RefPtr<vfs::FileOperations>> open(u32) override
    {
        auto* reader = new (std::nothrow) KmsgReader;
        if (!reader)
            return Error::from_errno(ENOMEM);
        return RefPtr<vfs::FileOperations>(adopt_ref<vfs::FileOperations>(reader));
    }
};

}

ErrorOr<void> register_kmsg()
{
    auto device = TRY(try_make_ref_counted<KmsgDevice>());
    return register_device(std::move(device), 0644);
}

}
