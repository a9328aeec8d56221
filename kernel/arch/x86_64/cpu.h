// Thin wrappers over x86-64 instructions: port I/O, MSRs, control registers,
// interrupt flag, TLB and CPUID. Only kernel/arch/x86_64 contains inline asm;
// everything above calls these.
#pragma once

#include <lib/types.h>

namespace cpu {

inline void outb(u16 port, u8 value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void outw(u16 port, u16 value) { asm volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
inline void outl(u16 port, u32 value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
inline u8 inb(u16 port)
{
    u8 v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline u16 inw(u16 port)
{
    u16 v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline u32 inl(u16 port)
{
    u32 v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
// A write to an unused port: about a microsecond of delay on real hardware.
inline void io_wait() { outb(0x80, 0); }

inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<u64>(hi) << 32) | lo;
}
inline void wrmsr(u32 msr, u64 value)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
}

inline u64 read_cr0() { u64 v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
inline u64 read_cr2() { u64 v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
inline u64 read_cr3() { u64 v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
inline u64 read_cr4() { u64 v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
inline void write_cr0(u64 v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
inline void write_cr3(u64 v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void write_cr4(u64 v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

inline u64 read_rflags()
{
    u64 flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}
constexpr u64 kRflagsIF = 1 << 9;

inline void cli() { asm volatile("cli" ::: "memory"); }
inline void sti() { asm volatile("sti" ::: "memory"); }
inline void hlt() { asm volatile("hlt" ::: "memory"); }
// Enable interrupts and halt atomically (sti's one-instruction shadow), so a
// wake-up interrupt cannot slip in between and leave the CPU asleep.
inline void sti_hlt() { asm volatile("sti; hlt" ::: "memory"); }
inline void pause() { asm volatile("pause"); }
inline bool interrupts_enabled() { return read_rflags() & kRflagsIF; }

inline void invlpg(VirtAddr address) { asm volatile("invlpg (%0)" : : "r"(address) : "memory"); }
inline void flush_tlb() { write_cr3(read_cr3()); }

inline u64 rdtsc()
{
    u32 lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<u64>(hi) << 32) | lo;
}

struct CpuidResult {
    u32 eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(u32 leaf, u32 subleaf = 0)
{
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

[[noreturn]] inline void halt_forever()
{
    for (;;) {
        cli();
        hlt();
    }
}

// Model-specific registers the kernel uses.
constexpr u32 MSR_EFER = 0xC0000080;
constexpr u32 MSR_STAR = 0xC0000081;
constexpr u32 MSR_LSTAR = 0xC0000082;
constexpr u32 MSR_FMASK = 0xC0000084;
constexpr u32 MSR_FS_BASE = 0xC0000100;
constexpr u32 MSR_GS_BASE = 0xC0000101;
constexpr u32 MSR_KERNEL_GS_BASE = 0xC0000102;
constexpr u32 MSR_APIC_BASE = 0x1B;

constexpr u64 EFER_NXE = 1 << 11;
constexpr u64 CR0_WP = 1 << 16;
constexpr u64 CR4_PGE = 1 << 7;
constexpr u64 CR4_OSFXSR = 1 << 9;
constexpr u64 CR4_OSXMMEXCPT = 1 << 10;
constexpr u64 CR4_SMEP = 1 << 20;
constexpr u64 CR4_SMAP = 1 << 21;

}
