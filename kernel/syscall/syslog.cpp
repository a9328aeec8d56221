// syslog(2) (klogctl in C libraries): reading the kernel log's ring from
// user space, what busybox `dmesg` does. The ring (lib/log.cpp) keeps the
// last 16 KiB of log text; "clear" remembers how much had been written, so
// READ_CLEAR and a later READ_ALL after CLEAR show only newer lines.
#include <lib/log.h>
#include <mm/kmalloc.h>
#include <proc/current.h>
#include <syscall/syscall.h>

namespace {

constexpr int kClose = 0;
constexpr int kOpen = 1;
constexpr int kRead = 2;
constexpr int kReadAll = 3;
constexpr int kReadClear = 4;
constexpr int kClear = 5;
constexpr int kConsoleOff = 6;
constexpr int kConsoleOn = 7;
constexpr int kConsoleLevel = 8;
constexpr int kSizeUnread = 9;
constexpr int kSizeBuffer = 10;

std::atomic<size_t> s_cleared_at { 0 };
int s_saved_console_level = -1;

// Bytes written since the last clear that the ring still holds.
size_t readable()
{
    size_t total = log_ring_total();
    size_t since_clear = total - s_cleared_at.load(std::memory_order_relaxed);
    size_t held = total < log_ring_capacity() ? total : log_ring_capacity();
    return since_clear < held ? since_clear : held;
}

ErrorOr<long> read_all(u64 user_buffer, int length, bool clear)
{
    if (length < 0)
        return Error::from_errno(EINVAL);
    if (length == 0)
        return 0;
    size_t wanted = readable();
    if (wanted > static_cast<size_t>(length))
        wanted = static_cast<size_t>(length);
    auto* text = static_cast<char*>(kmalloc(wanted ? wanted : 1));
    if (!text)
        return Error::from_errno(ENOMEM);
    size_t got = log_read_ring(text, wanted);
    auto copied = copy_to_user(user_buffer, text, got);
    kfree(text);
    TRY(copied);
    if (clear)
        s_cleared_at.store(log_ring_total(), std::memory_order_relaxed);
    return static_cast<long>(got);
}

ErrorOr<long> sys_syslog(int type, u64 buffer, int length)
{
    // Linux's dmesg_restrict=0 default: anyone may read; changing needs root.
    bool privileged = current::credentials().is_superuser();
    switch (type) {
    case kClose:
    case kOpen:
        return 0;
    case kRead:
        // The blocking, consuming read (what klogd uses) has no reader
        // bookkeeping here.
        return Error::from_errno(ENOSYS);
    case kReadAll:
        return read_all(buffer, length, false);
    case kReadClear:
        if (!privileged)
            return Error::from_errno(EPERM);
        return read_all(buffer, length, true);
    case kClear:
        if (!privileged)
            return Error::from_errno(EPERM);
        s_cleared_at.store(log_ring_total(), std::memory_order_relaxed);
        return 0;
    case kConsoleOff:
        if (!privileged)
            return Error::from_errno(EPERM);
        if (s_saved_console_level < 0)
            s_saved_console_level = log_level();
        log_set_level(static_cast<int>(LogLevel::Alert)); // Linux keeps only the most urgent
        return 0;
    case kConsoleOn:
        if (!privileged)
            return Error::from_errno(EPERM);
        if (s_saved_console_level >= 0)
            log_set_level(s_saved_console_level);
        s_saved_console_level = -1;
        return 0;
    case kConsoleLevel:
        if (!privileged)
            return Error::from_errno(EPERM);
        if (length < 1 || length > 8)
            return Error::from_errno(EINVAL);
        // syslog's level n shows messages below n: Haneul's log shows those <= max.
        log_set_level(length - 1);
        s_saved_console_level = -1;
        return 0;
    case kSizeUnread:
        return static_cast<long>(readable());
    case kSizeBuffer:
        return static_cast<long>(log_ring_capacity());
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(syslog, sys_syslog);

}
