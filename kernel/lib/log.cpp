// Implementation of the kernel log (log.h).
//
// Locking: one spinlock (s_lock) around the ring and the sinks, so a line is
// appended and printed whole even when several CPUs log at once; lines are
// formatted before it is taken, so the lock is held only for the copy and
// the output. It is a leaf: nothing that logs runs under it (sinks do not).
// Two escapes keep a panic report from deadlocking on it: the CPU that
// already holds it (a fault inside a sink, an NMI) writes without it, and
// after log_set_panic_mode() (the other CPUs are stopped) nobody takes it.
#include <arch/x86_64/spinlock.h>
#include <lib/format.h>
#include <lib/log.h>
#include <stdarg.h>

namespace {

constexpr int kMaxSinks = 4;
constexpr size_t kRingSize = 16 * KiB;

LogSink s_sinks[kMaxSinks];
int s_sink_count;
LogClock s_clock;
int s_max_level = static_cast<int>(LogLevel::Info);

char s_ring[kRingSize];
size_t s_ring_head; // total bytes ever written; position is head % size

// The same lines as records (level, time, sequence number), for /dev/kmsg.
constexpr size_t kRecordCount = 128;
LogRecord s_records[kRecordCount];
u64 s_next_sequence; // the sequence number the next record gets

Spinlock s_lock { "log" };
bool s_panic_mode;

// Holds s_lock for a scope, unless this CPU holds it already or the other
// CPUs are stopped (see the top of the file).
class LogLocker {
public:
    LogLocker()
    {
#ifndef HANEUL_HOST
        if (__atomic_load_n(&s_panic_mode, __ATOMIC_ACQUIRE) || s_lock.is_held_by_this_cpu())
            return;
#endif
        m_flags = s_lock.lock();
        m_locked = true;
    }
    ~LogLocker()
    {
        if (m_locked)
            s_lock.unlock(m_flags);
    }
    LogLocker(LogLocker const&) = delete;
    LogLocker& operator=(LogLocker const&) = delete;

private:
    u64 m_flags { 0 };
    bool m_locked { false };
};

void ring_append(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        s_ring[(s_ring_head + i) % kRingSize] = text[i];
    s_ring_head += length;
}

void emit(const char* text, size_t length)
{
    for (int i = 0; i < s_sink_count; ++i)
        s_sinks[i](text, length);
}

}

void log_add_sink(LogSink sink)
{
    if (s_sink_count < kMaxSinks)
        s_sinks[s_sink_count++] = sink;
}

void log_set_clock(LogClock clock) { s_clock = clock; }
void log_set_level(int max_level) { s_max_level = max_level; }
int log_level() { return s_max_level; }

void klog(LogLevel level, const char* fmt, ...)
{
    char line[512];
    u64 ns = s_clock ? s_clock() : 0;
    size_t prefix = format(line, sizeof(line), "[%5lu.%06lu] ", static_cast<unsigned long>(ns / 1000000000),
        static_cast<unsigned long>((ns / 1000) % 1000000));
    va_list args;
    va_start(args, fmt);
    size_t length = prefix + vformat(line + prefix, sizeof(line) - prefix, fmt, args);
    va_end(args);
    if (length > sizeof(line) - 2)
        length = sizeof(line) - 2;
    line[length++] = '\n';
    line[length] = 0;
    LogLocker locker;
    ring_append(line, length);
    LogRecord& record = s_records[s_next_sequence % kRecordCount];
    record.sequence = s_next_sequence++;
    record.ns = ns;
    record.level = static_cast<u8>(level);
    size_t text_length = length - 1 - prefix; // without the time prefix and the newline
    if (text_length > sizeof(record.text))
        text_length = sizeof(record.text);
    for (size_t i = 0; i < text_length; ++i)
        record.text[i] = line[prefix + i];
    record.length = static_cast<u16>(text_length);
    if (static_cast<int>(level) <= s_max_level)
        emit(line, length);
}

bool log_read_record(u64& sequence, LogRecord& out)
{
    LogLocker locker;
    u64 oldest = s_next_sequence > kRecordCount ? s_next_sequence - kRecordCount : 0;
    if (sequence < oldest)
        sequence = oldest; // overwritten meanwhile: go on from the oldest kept
    if (sequence >= s_next_sequence)
        return false;
    out = s_records[sequence % kRecordCount];
    return true;
}

u64 log_first_sequence()
{
    LogLocker locker;
    return s_next_sequence > kRecordCount ? s_next_sequence - kRecordCount : 0;
}

u64 log_next_sequence()
{
    LogLocker locker;
    return s_next_sequence;
}

void kputs(const char* text, size_t length)
{
    LogLocker locker;
    emit(text, length);
}

void kprintf(const char* fmt, ...)
{
    char text[512];
    va_list args;
    va_start(args, fmt);
    size_t length = vformat(text, sizeof(text), fmt, args);
    va_end(args);
    if (length > sizeof(text) - 1)
        length = sizeof(text) - 1;
    LogLocker locker;
    ring_append(text, length);
    emit(text, length);
}

void log_set_panic_mode() { __atomic_store_n(&s_panic_mode, true, __ATOMIC_RELEASE); }

size_t log_ring_total()
{
    LogLocker locker;
    return s_ring_head;
}

size_t log_ring_capacity() { return kRingSize; }

size_t log_read_ring(char* buffer, size_t size)
{
    LogLocker locker;
    size_t available = s_ring_head < kRingSize ? s_ring_head : kRingSize;
    size_t count = available < size ? available : size;
    size_t start = s_ring_head - count;
    for (size_t i = 0; i < count; ++i)
        buffer[i] = s_ring[(start + i) % kRingSize];
    return count;
}
