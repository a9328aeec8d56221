// RDRAND, RDSEED and the TSC as entropy (arch/x86_64/random.h).
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/random.h>

namespace hw_random {

namespace {

// CPUID.1:ECX bit 30 and CPUID.(7,0):EBX bit 18.
constexpr u32 kRdrandBit = 1u << 30;
constexpr u32 kRdseedBit = 1u << 18;
// Intel's advice: ten RDRAND attempts before giving up; RDSEED fails more
// often under load, so it gets more.
constexpr int kRdrandRetries = 10;
constexpr int kRdseedRetries = 100;

// CPUID is slow (a VM exit under virtualisation): ask once. Racing
// first callers compute the same answer.
enum class Known : u8 { Unknown, No, Yes };
Known s_rdrand = Known::Unknown;
Known s_rdseed = Known::Unknown;

}

bool has_rdrand()
{
    if (s_rdrand == Known::Unknown)
        s_rdrand = (cpu::cpuid(1).ecx & kRdrandBit) ? Known::Yes : Known::No;
    return s_rdrand == Known::Yes;
}

bool has_rdseed()
{
    if (s_rdseed == Known::Unknown)
        s_rdseed = (cpu::cpuid(0).eax >= 7 && (cpu::cpuid(7, 0).ebx & kRdseedBit)) ? Known::Yes : Known::No;
    return s_rdseed == Known::Yes;
}

bool rdrand64(u64& value)
{
    if (!has_rdrand())
        return false;
    for (int attempt = 0; attempt < kRdrandRetries; ++attempt) {
        u8 ok;
        asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok)
            return true;
    }
    return false;
}

bool rdseed64(u64& value)
{
    if (!has_rdseed())
        return false;
    for (int attempt = 0; attempt < kRdseedRetries; ++attempt) {
        u8 ok;
        asm volatile("rdseed %0; setc %1" : "=r"(value), "=qm"(ok) : : "cc");
        if (ok)
            return true;
        cpu::pause();
    }
    return false;
}

bool entropy_sample(u64& value)
{
    u64 hardware = 0;
    if (!rdseed64(hardware))
        (void)rdrand64(hardware);
    value = hardware ^ cpu::rdtsc();
    return true;
}

}
