// Ending the emulator from inside: QEMU's isa-debug-exit device (port 0xf4,
// added by tools/qemu.py) turns a byte v into QEMU's exit status (v<<1)|1.
// Used when the kernel was booted with `test`: the harness reads the status.
#pragma once

namespace qemu {

// Exits QEMU with status 33 (passed) or 35 (failed). On a machine without
// the device the write is ignored and the CPU halts instead.
[[noreturn]] void exit(bool passed);

}
