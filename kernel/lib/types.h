// Fixed-width integer names used throughout the kernel, and the two address
// kinds the memory manager keeps apart: physical and virtual.
// Host-buildable: no kernel-only headers here.
#pragma once

#include <stddef.h>
#include <stdint.h>

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using uptr = uintptr_t;
using usize = size_t;
using isize = ptrdiff_t;

// A physical address is never dereferenced directly; it goes through the
// direct map (mm/layout.h). Keeping it a distinct name makes that visible.
using PhysAddr = u64;
using VirtAddr = u64;

constexpr usize KiB = 1024;
constexpr usize MiB = 1024 * KiB;
constexpr usize GiB = 1024 * MiB;

constexpr u64 align_down(u64 value, u64 alignment) { return value & ~(alignment - 1); }
constexpr u64 align_up(u64 value, u64 alignment) { return (value + alignment - 1) & ~(alignment - 1); }
constexpr bool is_aligned(u64 value, u64 alignment) { return (value & (alignment - 1)) == 0; }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) (void)(x)
#define NO_RETURN [[noreturn]]
#define PACKED __attribute__((packed))
#define PRINTF_FORMAT(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
