// The console terminal (tty/console_tty.h): its driver, its four devices.
#include <drivers/console_input.h>
#include <fs/devfs/devfs.h>
#include <lib/log.h>
#include <tty/console_tty.h>
#include <tty/job_control.h>
#include <tty/tty.h>

namespace console_tty {

namespace {

// Linux's numbers (Documentation/admin-guide/devices.txt).
constexpr u32 kTtyMajor = 4;       // tty1.. virtual consoles, ttyS0.. serial ports
constexpr u32 kTtyAuxMajor = 5;    // /dev/tty, /dev/console
constexpr u32 kTty1Minor = 1;
constexpr u32 kTtyS0Minor = 64;
constexpr u32 kControllingMinor = 0;
constexpr u32 kConsoleMinor = 1;
constexpr u32 kTtyGroup = 5;       // Debian's "tty" group
constexpr u32 kDialoutGroup = 20;  // Debian's "dialout" group

class ConsoleDriver final : public tty::TtyDriver {
public:
    // /dev/console (5, 1): what getty opens and ps shows as "console".
    void device_number(u32& major, u32& minor) const override
    {
        major = 5;
        minor = 1;
    }

    void write_output(u8 const* bytes, usize count) override
    {
        // Through the log's sinks (serial and VGA) under the log's lock, so
        // terminal output and kernel messages never tear each other. Both
        // sinks already end a line with CR LF for "\n" (serial::write
        // adds the CR, the VGA console's newline returns to column 0), so
        // the CR that ONLCR put before it is dropped. (Hence ONLCR off
        // still returns to column 0 on this console: a raw output path
        // below the log would fix it.)
        char text[256];
        usize length = 0;
        for (usize i = 0; i < count; ++i) {
            if (bytes[i] == '\r' && i + 1 < count && bytes[i + 1] == '\n')
                continue;
            text[length++] = static_cast<char>(bytes[i]);
            if (length == sizeof(text)) {
                kputs(text, length);
                length = 0;
            }
        }
        if (length)
            kputs(text, length);
    }

    void first_open() override;
    ErrorOr<RefPtr<vfs::FileOperations>> open_as_controlling(u32 flags) override;

    tty::TtyDevice* device { nullptr }; // /dev/console, for /dev/tty
};

ConsoleDriver s_driver;
// 80x24: fits both the VGA screen (80x25) and the usual serial terminal.
tty::Tty s_console { "console", s_driver, LinuxWinsize { 24, 80, 0, 0 } };

void receive_from_interrupt(char c) { s_console.receive_from_interrupt(static_cast<u8>(c)); }

void ConsoleDriver::first_open()
{
    log_info("console: /dev/console opened; keyboard and serial input now go to the terminal");
    console_input::set_receiver(receive_from_interrupt);
}

ErrorOr<RefPtr<vfs::FileOperations>> ConsoleDriver::open_as_controlling(u32 flags)
{
    if (!device)
        return Error::from_errno(ENXIO);
    return device->open(flags);
}

// /dev/tty: opens the caller's controlling terminal (tty/job_control.h),
// ENXIO for a process without one.
class ControllingTtyDevice final : public vfs::CharDevice {
public:
    ControllingTtyDevice()
        : CharDevice(kTtyAuxMajor, kControllingMinor, StringView("tty"))
    {
    }

    ErrorOr<RefPtr<vfs::FileOperations>> open(u32 flags) override { return tty::open_controlling_terminal(flags); }
};

}

tty::Tty& console() { return s_console; }

ErrorOr<void> init()
{
    // Linux never makes /dev/console a controlling terminal on open (only
    // TIOCSCTTY does); tty1 and ttyS0 become a session leader's.
    auto console_device = TRY(try_make_ref_counted<tty::TtyDevice>(kTtyAuxMajor, kConsoleMinor, StringView("console"), s_console, false));
    TRY(devfs::register_device(console_device, 0600));
    s_driver.device = console_device.ptr();
    TRY(devfs::register_device(TRY(try_make_ref_counted<tty::TtyDevice>(kTtyMajor, kTty1Minor, StringView("tty1"), s_console)), 0620, 0, kTtyGroup));
    TRY(devfs::register_device(TRY(try_make_ref_counted<tty::TtyDevice>(kTtyMajor, kTtyS0Minor, StringView("ttyS0"), s_console)), 0660, 0, kDialoutGroup));
    TRY(devfs::register_device(TRY(try_make_ref_counted<ControllingTtyDevice>()), 0666));
    tty::register_terminal(s_console);
    TRY(s_console.start_input_worker());
    log_info("console: /dev/console, /dev/tty, /dev/tty1, /dev/ttyS0 registered (80x24 terminal)");
    return {};
}

}
