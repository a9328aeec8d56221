// CMOS RTC driver; see rtc.h.
//
// The clock updates its registers once a second, which takes up to ~2 ms
// during which they are inconsistent; status A bit 7 (update in progress)
// announces it. A reading is therefore taken after that bit clears, twice,
// until two readings agree. Values are BCD or binary and the hour 12- or
// 24-hour, as status B says; the century comes from the register the ACPI
// FADT names, when it names one.
#include <arch/x86_64/cpu.h>
#include <drivers/acpi.h>
#include <drivers/rtc.h>
#include <lib/log.h>
#include <sched/clock.h>

namespace rtc {

namespace {

constexpr u16 kIndexPort = 0x70;
constexpr u16 kDataPort = 0x71;
// Bit 7 of the index port masks NMIs; it is kept clear so NMIs stay on.
constexpr u8 kIndexMask = 0x7F;

constexpr u8 kRegSeconds = 0x00;
constexpr u8 kRegMinutes = 0x02;
constexpr u8 kRegHours = 0x04;
constexpr u8 kRegDay = 0x07;
constexpr u8 kRegMonth = 0x08;
constexpr u8 kRegYear = 0x09;
constexpr u8 kRegStatusA = 0x0A;
constexpr u8 kRegStatusB = 0x0B;

constexpr u8 kStatusAUpdateInProgress = 1 << 7;
constexpr u8 kStatusB24Hour = 1 << 1;
constexpr u8 kStatusBBinary = 1 << 2;
constexpr u8 kHourPm = 1 << 7;

struct Raw {
    u8 second, minute, hour, day, month, year, century;
    bool operator==(Raw const&) const = default;
};

u8 read_register(u8 reg)
{
    cpu::outb(kIndexPort, reg & kIndexMask);
    return cpu::inb(kDataPort);
}

bool wait_while_updating()
{
    // An update lasts at most 2 ms; the bound only protects against a
    // missing chip (which reads 0xFF forever).
    for (int i = 0; i < 100000; ++i) {
        if (!(read_register(kRegStatusA) & kStatusAUpdateInProgress))
            return true;
        cpu::pause();
    }
    return false;
}

Raw read_raw(u8 century_register)
{
    Raw raw {};
    raw.second = read_register(kRegSeconds);
    raw.minute = read_register(kRegMinutes);
    raw.hour = read_register(kRegHours);
    raw.day = read_register(kRegDay);
    raw.month = read_register(kRegMonth);
    raw.year = read_register(kRegYear);
    raw.century = century_register ? read_register(century_register) : 0;
    return raw;
}

u8 from_bcd(u8 value) { return static_cast<u8>((value >> 4) * 10 + (value & 0x0F)); }

bool is_leap(u32 year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

u8 days_in_month(u32 year, u32 month)
{
    constexpr u8 kDays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

}

bool read(DateTime& out)
{
    u8 century_register = acpi::has_fadt() ? acpi::fadt().rtc_century_register : 0;
    bool were_enabled = cpu::interrupts_enabled();
    // The index/data pair must not be split by an interrupt handler that
    // reads the CMOS too.
    cpu::cli();
    Raw raw {};
    bool consistent = false;
    for (int attempt = 0; attempt < 5 && !consistent; ++attempt) {
        if (!wait_while_updating())
            break;
        raw = read_raw(century_register);
        if (!wait_while_updating())
            break;
        consistent = read_raw(century_register) == raw;
    }
    u8 status_b = read_register(kRegStatusB);
    if (were_enabled)
        cpu::sti();
    if (!consistent)
        return false;

    bool pm = raw.hour & kHourPm;
    raw.hour &= static_cast<u8>(~kHourPm);
    if (!(status_b & kStatusBBinary)) {
        raw.second = from_bcd(raw.second);
        raw.minute = from_bcd(raw.minute);
        raw.hour = from_bcd(raw.hour);
        raw.day = from_bcd(raw.day);
        raw.month = from_bcd(raw.month);
        raw.year = from_bcd(raw.year);
        raw.century = from_bcd(raw.century);
    }
    if (!(status_b & kStatusB24Hour)) {
        // 12-hour mode: 12 AM is midnight (0), 12 PM is noon (12).
        if (raw.hour == 12)
            raw.hour = 0;
        if (pm)
            raw.hour = static_cast<u8>(raw.hour + 12);
    }
    // Without a century register, assume this century: the clock cannot
    // hold a date before the machine was made.
    u32 century = raw.century >= 19 && raw.century <= 99 ? raw.century : 20;
    out = { static_cast<u16>(century * 100 + raw.year), raw.month, raw.day, raw.hour, raw.minute, raw.second };

    return out.month >= 1 && out.month <= 12 && out.day >= 1 && out.day <= days_in_month(out.year, out.month)
        && out.hour < 24 && out.minute < 60 && out.second < 60;
}

u64 to_unix_time(DateTime const& date)
{
    u64 days = 0;
    for (u32 year = 1970; year < date.year; ++year)
        days += is_leap(year) ? 366 : 365;
    for (u32 month = 1; month < date.month; ++month)
        days += days_in_month(date.year, month);
    days += date.day - 1;
    return ((days * 24 + date.hour) * 60 + date.minute) * 60 + date.second;
}

void init()
{
    DateTime now;
    if (!read(now)) {
        log_warn("RTC: no consistent date could be read; wall-clock time starts at the epoch");
        return;
    }
    // The reading is of "now"; time zero of the monotonic clock was earlier.
    u64 unix_now = to_unix_time(now);
    u64 since_boot = ktime::monotonic_ns() / 1'000'000'000;
    ktime::set_realtime_at_boot(unix_now > since_boot ? unix_now - since_boot : 0);
    log_info("RTC: %04u-%02u-%02u %02u:%02u:%02u UTC", now.year, now.month, now.day, now.hour, now.minute, now.second);
}

}
