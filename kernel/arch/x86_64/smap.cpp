// SMAP/SMEP set-up and the boot-time patching of stac/clac (see smap.h).
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/smap.h>
#include <lib/log.h>
#include <lib/types.h>

extern "C" u64 _smap_sites_start[];
extern "C" u64 _smap_sites_end[];

namespace smap {

namespace {

bool s_smap;
bool s_smep;

// CPUID.(EAX=7,ECX=0):EBX bit 7 = SMEP, bit 20 = SMAP.
bool cpu_has(u32 bit)
{
    if (cpu::cpuid(0).eax < 7)
        return false;
    return cpu::cpuid(7, 0).ebx & (1u << bit);
}

}

void patch_sites()
{
    s_smap = cpu_has(20);
    s_smep = cpu_has(7);
    if (s_smap)
        return;
    usize count = 0;
    for (u64* site = _smap_sites_start; site != _smap_sites_end; ++site, ++count) {
        auto* bytes = reinterpret_cast<volatile u8*>(*site);
        // 0f 1f 00: nopl (%rax), the 3-byte NOP.
        bytes[0] = 0x0f;
        bytes[1] = 0x1f;
        bytes[2] = 0x00;
    }
    log_info("smap: CPU has no SMAP; %zu stac/clac sites made NOPs", count);
}

void enable_this_cpu()
{
    u64 cr4 = cpu::read_cr4();
    if (s_smep)
        cr4 |= cpu::CR4_SMEP;
    if (s_smap)
        cr4 |= cpu::CR4_SMAP;
    cpu::write_cr4(cr4);
}

bool enabled() { return s_smap; }
bool smep_enabled() { return s_smep; }

}
