// Implementation of the kernel log (log.h).
// Locking: none yet; the SMP issue wraps emission in a spinlock.
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
    ring_append(line, length);
    if (static_cast<int>(level) <= s_max_level)
        emit(line, length);
}

void kputs(const char* text, size_t length)
{
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
    ring_append(text, length);
    emit(text, length);
}

size_t log_read_ring(char* buffer, size_t size)
{
    size_t available = s_ring_head < kRingSize ? s_ring_head : kRingSize;
    size_t count = available < size ? available : size;
    size_t start = s_ring_head - count;
    for (size_t i = 0; i < count; ++i)
        buffer[i] = s_ring[(start + i) % kRingSize];
    return count;
}
