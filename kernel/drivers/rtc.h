// The CMOS real-time clock (MC146818-compatible, ports 0x70/0x71): the
// battery-backed calendar clock that gives the kernel the date at boot.
// Callers: kernel_main (init, after ktime::init), the self-tests, and later
// settimeofday / hwclock.
#pragma once

#include <lib/types.h>

namespace rtc {

struct DateTime {
    u16 year; // full year, e.g. 2026
    u8 month; // 1-12
    u8 day;   // 1-31
    u8 hour;  // 0-23
    u8 minute;
    u8 second;
};

// Reads the clock (as UTC, the convention on Linux machines), tells
// ktime::set_realtime_at_boot() and logs the date.
void init();

// A consistent reading: never one torn by an update in progress. False when
// no plausible date could be read.
bool read(DateTime& out);

// Seconds since 1970-01-01 00:00:00 UTC.
u64 to_unix_time(DateTime const& date);

}
