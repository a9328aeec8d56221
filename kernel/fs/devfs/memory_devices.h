// The memory devices of Linux's major 1 (drivers/char/mem.c):
//   /dev/null    1:3  reads end at once, writes vanish
//   /dev/zero    1:5  reads give zeros, writes vanish
//   /dev/full    1:7  reads give zeros, writes fail with ENOSPC
//   /dev/random  1:8  the kernel CSPRNG (fs/devfs/csprng.h); writes add entropy
//   /dev/urandom 1:9  the same (Linux's random no longer blocks once seeded)
// All of them accept lseek, which leaves the position at 0.
// Host-buildable.
#pragma once

#include <fs/vfs/char_device.h>
#include <lib/error_or.h>

namespace devfs {

constexpr u32 kMemoryMajor = 1;
constexpr u32 kNullMinor = 3;
constexpr u32 kZeroMinor = 5;
constexpr u32 kFullMinor = 7;
constexpr u32 kRandomMinor = 8;
constexpr u32 kUrandomMinor = 9;

// Registers the five devices (with their /dev nodes, mode 0666).
ErrorOr<void> register_memory_devices();

}
