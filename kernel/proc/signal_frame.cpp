// The pure parts of building a signal frame and of rt_sigreturn (see
// signal_frame.h). Host-buildable (tests/host/signal_frame_test.cpp).
#include <lib/string.h>
#include <proc/signal_frame.h>

namespace signals {

namespace {

constexpr u64 kCanonicalUserEnd = 0x0000800000000000ull;

constexpr u64 kFlagCarry = 1 << 0;
constexpr u64 kFlagFixed = 1 << 1; // always 1
constexpr u64 kFlagParity = 1 << 2;
constexpr u64 kFlagAdjust = 1 << 4;
constexpr u64 kFlagZero = 1 << 6;
constexpr u64 kFlagSign = 1 << 7;
constexpr u64 kFlagTrap = 1 << 8;
constexpr u64 kFlagInterrupt = 1 << 9;
constexpr u64 kFlagDirection = 1 << 10;
constexpr u64 kFlagOverflow = 1 << 11;
constexpr u64 kFlagIopl = 3 << 12;
constexpr u64 kFlagNestedTask = 1 << 14;
constexpr u64 kFlagResume = 1 << 16;
constexpr u64 kFlagVirtual8086 = 1 << 17;
constexpr u64 kFlagAlignmentCheck = 1 << 18;
constexpr u64 kFlagVirtualInterrupt = 1 << 19;
constexpr u64 kFlagVirtualInterruptPending = 1 << 20;

constexpr u64 kUserChangeableFlags = kFlagAlignmentCheck | kFlagOverflow | kFlagDirection | kFlagTrap | kFlagSign
    | kFlagZero | kFlagAdjust | kFlagParity | kFlagCarry | kFlagResume;

bool is_canonical_user(u64 address) { return address < kCanonicalUserEnd; }

template<typename T>
T load(u8 const* at)
{
    T value;
    memcpy(&value, at, sizeof(T));
    return value;
}

template<typename T>
void store(u8* at, T value)
{
    memcpy(at, &value, sizeof(T));
}

}

usize fpu_frame_size(FpuFormat const& format)
{
    return format.xsave ? format.size + kFpXstateMagic2Size : kFxsaveSize;
}

FramePlan plan_frame(u64 user_rsp, AltStack const& altstack, bool on_stack_requested, usize fpu_bytes)
{
    bool nested = altstack.contains(user_rsp);
    bool entering = false;
    u64 sp = user_rsp - kRedZone;
    if (on_stack_requested && altstack.status(sp) == 0) {
        sp = altstack.sp + altstack.size;
        entering = true;
    }
    sp = (sp - fpu_bytes) & ~u64(63);
    u64 fpstate = sp;
    sp -= sizeof(RtSigFrame);
    sp = (sp & ~u64(15)) - 8;
    bool on_altstack = sp > altstack.sp && sp - altstack.sp <= altstack.size;
    if ((nested || entering) && !on_altstack)
        return { false, 0, 0 };
    return { true, sp, fpstate };
}

void save_registers(InterruptFrame const& frame, SigContext& context)
{
    context.r8 = frame.r8;
    context.r9 = frame.r9;
    context.r10 = frame.r10;
    context.r11 = frame.r11;
    context.r12 = frame.r12;
    context.r13 = frame.r13;
    context.r14 = frame.r14;
    context.r15 = frame.r15;
    context.rdi = frame.rdi;
    context.rsi = frame.rsi;
    context.rbp = frame.rbp;
    context.rbx = frame.rbx;
    context.rdx = frame.rdx;
    context.rax = frame.rax;
    context.rcx = frame.rcx;
    context.rsp = frame.rsp;
    context.rip = frame.rip;
    context.eflags = frame.rflags;
    context.cs = static_cast<u16>(frame.cs);
    context.gs = 0;
    context.fs = 0;
    context.ss = static_cast<u16>(frame.ss);
}

u64 sanitize_rflags(u64 current, u64 requested)
{
    u64 flags = (current & ~kUserChangeableFlags) | (requested & kUserChangeableFlags);
    flags |= kFlagInterrupt | kFlagFixed;
    flags &= ~(kFlagIopl | kFlagNestedTask | kFlagVirtual8086 | kFlagVirtualInterrupt | kFlagVirtualInterruptPending);
    return flags;
}

bool restore_registers(SigContext const& context, InterruptFrame& frame)
{
    if (!is_canonical_user(context.rip) || !is_canonical_user(context.rsp))
        return false;
    frame.r8 = context.r8;
    frame.r9 = context.r9;
    frame.r10 = context.r10;
    frame.r11 = context.r11;
    frame.r12 = context.r12;
    frame.r13 = context.r13;
    frame.r14 = context.r14;
    frame.r15 = context.r15;
    frame.rdi = context.rdi;
    frame.rsi = context.rsi;
    frame.rbp = context.rbp;
    frame.rbx = context.rbx;
    frame.rdx = context.rdx;
    frame.rax = context.rax;
    frame.rcx = context.rcx;
    frame.rsp = context.rsp;
    frame.rip = context.rip;
    frame.rflags = sanitize_rflags(frame.rflags, context.eflags);
    frame.cs = kUserCs;
    frame.ss = kUserSs;
    frame.error_code = kNoSyscall; // what comes back is no system call to restart
    return true;
}

void enter_handler(InterruptFrame& frame, u64 frame_address, int signal, u64 handler)
{
    frame.rip = handler;
    frame.rsp = frame_address;
    frame.rdi = static_cast<u64>(signal);
    frame.rsi = frame_address + __builtin_offsetof(RtSigFrame, info);
    frame.rdx = frame_address + __builtin_offsetof(RtSigFrame, uc);
    frame.rax = 0;
    frame.cs = kUserCs;
    frame.ss = kUserSs;
    frame.rflags &= ~(kFlagDirection | kFlagResume | kFlagTrap);
    frame.error_code = kNoSyscall;
}

void mark_fpu_area(u8* area, FpuFormat const& format)
{
    if (!format.xsave)
        return;
    FpxSwBytes sw {};
    sw.magic1 = kFpXstateMagic1;
    sw.extended_size = static_cast<u32>(format.size + kFpXstateMagic2Size);
    sw.xfeatures = format.xfeatures;
    sw.xstate_size = static_cast<u32>(format.size);
    memcpy(area + kSwBytesOffset, &sw, sizeof(sw));
    store<u32>(area + format.size, kFpXstateMagic2);
}

namespace {

// The software bytes describe an XSAVE image this CPU can load.
bool has_xstate(u8 const* legacy_area, FpuFormat const& format)
{
    if (!format.xsave)
        return false;
    FpxSwBytes sw;
    memcpy(&sw, legacy_area + kSwBytesOffset, sizeof(sw));
    return sw.magic1 == kFpXstateMagic1 && sw.xstate_size >= kXsaveHeaderOffset + kXsaveHeaderSize
        && sw.xstate_size <= format.size && sw.xstate_size <= sw.extended_size;
}

}

usize fpu_bytes_to_read(u8 const* legacy_area, FpuFormat const& format)
{
    if (!has_xstate(legacy_area, format))
        return kFxsaveSize;
    FpxSwBytes sw;
    memcpy(&sw, legacy_area + kSwBytesOffset, sizeof(sw));
    return sw.xstate_size + kFpXstateMagic2Size;
}

void sanitize_fpu_area(u8* buffer, usize got, FpuFormat const& format, u32 mxcsr_mask)
{
    usize total = format.size + kFpXstateMagic2Size;
    if (got < total)
        memset(buffer + got, 0, total - got);
    store<u32>(buffer + kMxcsrOffset, load<u32>(buffer + kMxcsrOffset) & mxcsr_mask);
    if (!format.xsave)
        return;
    u64 features = kXfeatureX87 | kXfeatureSse;
    if (got > kFxsaveSize && has_xstate(buffer, format)) {
        FpxSwBytes sw;
        memcpy(&sw, buffer + kSwBytesOffset, sizeof(sw));
        if (got >= sw.xstate_size + kFpXstateMagic2Size && load<u32>(buffer + sw.xstate_size) == kFpXstateMagic2)
            features = load<u64>(buffer + kXsaveHeaderOffset) & sw.xfeatures;
    }
    features &= format.xfeatures;
    // XSTATE_BV, then XCOMP_BV 0 (standard format) and the reserved bytes
    // 0: anything else makes XRSTOR fault.
    memset(buffer + kXsaveHeaderOffset, 0, kXsaveHeaderSize);
    store<u64>(buffer + kXsaveHeaderOffset, features);
}

}
