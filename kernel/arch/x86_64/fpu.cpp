// FPU/SSE/AVX state; see fpu.h. Bit positions and area layout are the
// Intel SDM's (vol. 1 ch. 13 "Managing State Using the XSAVE Feature Set",
// vol. 3 "System Registers").
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <lib/log.h>
#include <lib/string.h>
#include <lib/verify.h>
#include <mm/kmalloc.h>

namespace fpu {

namespace {

constexpr u64 kCr0MonitorCoprocessor = 1 << 1; // MP
constexpr u64 kCr0Emulation = 1 << 2;          // EM: x87 instructions trap
constexpr u64 kCr0TaskSwitched = 1 << 3;       // TS: next FPU use traps (#NM)
constexpr u64 kCr0NumericError = 1 << 5;       // NE: x87 errors as #MF, not IRQ 13
constexpr u64 kCr4OsXsave = 1 << 18;

constexpr u32 kCpuid1EcxXsave = 1 << 26;
constexpr u32 kCpuid1EcxAvx = 1 << 28;
constexpr u32 kCpuid1EdxFxsr = 1 << 24;

constexpr u64 kXcr0X87 = 1 << 0;
constexpr u64 kXcr0Sse = 1 << 1;
constexpr u64 kXcr0Avx = 1 << 2;

constexpr usize kFxsaveSize = 512;
// Offsets in the legacy (FXSAVE) region, shared by the XSAVE layout.
constexpr usize kFcwOffset = 0;
constexpr usize kMxcsrOffset = 24;
constexpr u16 kInitialFcw = 0x037F;   // all exceptions masked, 64-bit precision, round to nearest
constexpr u32 kInitialMxcsr = 0x1F80; // all SIMD exceptions masked, round to nearest

bool s_detected;
bool s_xsave;
u64 s_xcr0;
usize s_size = kFxsaveSize;

void xsetbv(u32 index, u64 value)
{
    asm volatile("xsetbv" : : "c"(index), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
}

void detect()
{
    auto leaf1 = cpu::cpuid(1);
    if (!(leaf1.edx & kCpuid1EdxFxsr))
        VERIFY_NOT_REACHED(); // every x86-64 CPU has FXSAVE
    s_xsave = (leaf1.ecx & kCpuid1EcxXsave) && cpu::cpuid(0).eax >= 0xD;
    if (s_xsave) {
        auto leaf_d = cpu::cpuid(0xD, 0);
        u64 supported = (static_cast<u64>(leaf_d.edx) << 32) | leaf_d.eax;
        s_xcr0 = kXcr0X87 | kXcr0Sse;
        if ((leaf1.ecx & kCpuid1EcxAvx) && (supported & kXcr0Avx))
            s_xcr0 |= kXcr0Avx;
    }
}

}

void init_this_cpu()
{
    bool first = !s_detected;
    if (first) {
        detect();
        s_detected = true;
    }
    u64 cr0 = cpu::read_cr0();
    cr0 &= ~(kCr0Emulation | kCr0TaskSwitched);
    cr0 |= kCr0MonitorCoprocessor | kCr0NumericError;
    cpu::write_cr0(cr0);
    u64 cr4 = cpu::read_cr4() | cpu::CR4_OSFXSR | cpu::CR4_OSXMMEXCPT;
    if (s_xsave)
        cr4 |= kCr4OsXsave;
    cpu::write_cr4(cr4);
    if (s_xsave) {
        xsetbv(0, s_xcr0);
        // EBX of leaf 0xD is the area size for the features XCR0 enables now.
        if (first)
            s_size = cpu::cpuid(0xD, 0).ebx;
    }
    asm volatile("fninit");
    if (first) {
        log_info("fpu: %s, XCR0 %#llx (x87%s%s), %zu-byte save area per thread", s_xsave ? "XSAVE" : "FXSAVE",
            static_cast<unsigned long long>(s_xcr0), (s_xcr0 & kXcr0Sse) || !s_xsave ? " SSE" : "",
            (s_xcr0 & kXcr0Avx) ? " AVX" : "", s_size);
    }
}

bool uses_xsave() { return s_xsave; }
bool has_avx() { return s_xcr0 & kXcr0Avx; }
u64 xcr0() { return s_xcr0; }
usize state_size() { return s_size; }

void init_state(u8* state)
{
    // Zero means "initial" for every component, and for XSAVE a zero
    // header (XSTATE_BV = 0) tells XRSTOR to load the initial values; only
    // the two control registers have non-zero initial values.
    memset(state, 0, s_size);
    *reinterpret_cast<u16*>(state + kFcwOffset) = kInitialFcw;
    *reinterpret_cast<u32*>(state + kMxcsrOffset) = kInitialMxcsr;
}

u8* allocate_state()
{
    auto* state = static_cast<u8*>(kmalloc_aligned(s_size, kStateAlignment));
    if (state)
        init_state(state);
    return state;
}

void free_state(u8* state) { kfree(state); }

void save(u8* state)
{
    if (s_xsave)
        asm volatile("xsave64 (%0)" : : "r"(state), "a"(0xFFFFFFFFu), "d"(0xFFFFFFFFu) : "memory");
    else
        asm volatile("fxsave64 (%0)" : : "r"(state) : "memory");
}

void restore(u8 const* state)
{
    if (s_xsave)
        asm volatile("xrstor64 (%0)" : : "r"(state), "a"(0xFFFFFFFFu), "d"(0xFFFFFFFFu) : "memory");
    else
        asm volatile("fxrstor64 (%0)" : : "r"(state) : "memory");
}

}
