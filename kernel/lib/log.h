// The kernel log: leveled, timestamped lines ("[    0.012345] text") sent to
// every registered console sink (serial, VGA) and kept in a ring buffer that
// /dev/kmsg and dmesg will read. Levels are syslog's, so `loglevel=N` on the
// kernel command line means what it means on Linux. Safe from any CPU and
// from interrupt handlers: lines never interleave mid-line.
// Host-buildable: sinks and the clock are plain function pointers.
#pragma once

#include <lib/types.h>

enum class LogLevel : int {
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
};

using LogSink = void (*)(const char* text, size_t length);
using LogClock = u64 (*)(); // nanoseconds since boot

void log_add_sink(LogSink sink);
void log_set_clock(LogClock clock);
void log_set_level(int max_level); // lines with level > max_level are kept but not printed
int log_level();

void klog(LogLevel level, const char* fmt, ...) PRINTF_FORMAT(2, 3);
// Raw text to every sink, no prefix: for panic reports and console echo.
void kputs(const char* text, size_t length);
void kprintf(const char* fmt, ...) PRINTF_FORMAT(1, 2);

// Panic: from now on lines go out without the log lock. Called once every
// other CPU is stopped (smp_stop_other_cpus), so one halted while holding
// the lock cannot silence the rest of the report.
void log_set_panic_mode();

// The most recent log text (for dmesg and tests): copies at most `size` bytes
// of the ring into `buffer`, returns the count.
size_t log_read_ring(char* buffer, size_t size);
// Bytes ever appended to the ring, and its size (syslog(2), dmesg).
size_t log_ring_total();
size_t log_ring_capacity();

// The last log lines as records (/dev/kmsg): level, time, a sequence
// number that only grows, and the text without the time prefix.
struct LogRecord {
    u64 sequence;
    u64 ns;
    u8 level;
    u16 length;
    char text[200];
};
// The record `sequence`, or the oldest one kept if it was overwritten
// (sequence is moved to it); false when there is none yet.
bool log_read_record(u64& sequence, LogRecord& out);
u64 log_first_sequence();
u64 log_next_sequence();

#define log_error(...) klog(LogLevel::Error, __VA_ARGS__)
#define log_warn(...) klog(LogLevel::Warning, __VA_ARGS__)
#define log_notice(...) klog(LogLevel::Notice, __VA_ARGS__)
#define log_info(...) klog(LogLevel::Info, __VA_ARGS__)
#define log_debug(...) klog(LogLevel::Debug, __VA_ARGS__)
