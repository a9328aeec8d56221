// Reads the multiboot2 boot information GRUB leaves in memory and copies
// what the kernel needs into the BootInfo of kernel/boot_info.h.
#pragma once

#include <boot_info.h>

namespace multiboot2 {

constexpr u32 kBootloaderMagic = 0x36d76289;

// Parses the structure at physical address `info` (reachable through the
// boot page tables' direct map). Returns false if `magic` is wrong.
bool parse(u32 magic, PhysAddr info);

}
