// The frame a signal handler finds on its stack (Linux x86-64's
// rt_sigframe), and the pure steps of building it and of rt_sigreturn:
// where it goes (plan_frame), the registers it saves and how they come
// back checked (save_registers / restore_registers), the handler's
// registers (enter_handler), the FPU area's markers and its sanitising
// before XRSTOR (mark_fpu_area / sanitize_fpu_area).
//
// Layout, from the stack pointer the handler starts with (16-byte
// aligned minus 8, as after a call):
//
//   frame + 0     pretcode: sa_restorer, where the handler's `ret` goes
//                 (it calls rt_sigreturn)
//   frame + 8     struct ucontext: uc_flags, uc_link, uc_stack,
//                 uc_mcontext (struct sigcontext), uc_sigmask
//   frame + 312   siginfo_t
//   ...           padding
//   fpstate       the FXSAVE/XSAVE image, 64-byte aligned, with
//                 FP_XSTATE_MAGIC1 and the sizes in its software bytes
//                 (464..511) and FP_XSTATE_MAGIC2 just after it
//   rsp - 128     the interrupted code's red zone, left alone
//
// tests/host/signal_frame_test.cpp checks the offsets against the host's
// <asm/sigcontext.h> and <sys/ucontext.h>. The kernel side (copying to and
// from user memory, the FPU registers) is in proc/signals.cpp.
// Host-buildable.
#pragma once

#include <arch/x86_64/interrupts.h>
#include <proc/signal_abi.h>

namespace signals {

// struct sigcontext (asm/sigcontext.h, 64-bit).
struct SigContext {
    u64 r8, r9, r10, r11, r12, r13, r14, r15;
    u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    u16 cs, gs, fs, ss;
    u64 err, trapno, oldmask, cr2;
    u64 fpstate; // user address of the FPU image; 0: none
    u64 reserved1[8];
};
static_assert(sizeof(SigContext) == 256);

// struct ucontext (asm/ucontext.h with the kernel's 8-byte sigset_t).
struct UContext {
    u64 flags;
    u64 link;
    StackT stack;
    SigContext mcontext;
    SigSet sigmask;
};
static_assert(sizeof(UContext) == 304);

struct RtSigFrame {
    u64 pretcode;
    UContext uc;
    SigInfo info;
};
static_assert(sizeof(RtSigFrame) == 440);

constexpr u64 kUcFpXstate = 0x1;
constexpr u64 kUcSigcontextSs = 0x2;
constexpr u64 kUcStrictRestoreSs = 0x4;

constexpr u32 kFpXstateMagic1 = 0x46505853;
constexpr u32 kFpXstateMagic2 = 0x46505845;
constexpr usize kFpXstateMagic2Size = 4;
constexpr usize kFxsaveSize = 512;
constexpr usize kSwBytesOffset = 464;
constexpr usize kXsaveHeaderOffset = 512;
constexpr usize kXsaveHeaderSize = 64;
constexpr usize kMxcsrOffset = 24;
constexpr usize kMxcsrMaskOffset = 28;
constexpr u64 kXfeatureX87 = 1 << 0;
constexpr u64 kXfeatureSse = 1 << 1;

// struct _fpx_sw_bytes: the software part (bytes 464..511) of the image.
struct FpxSwBytes {
    u32 magic1;
    u32 extended_size; // xstate_size + FP_XSTATE_MAGIC2_SIZE
    u64 xfeatures;
    u32 xstate_size;
    u32 padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

constexpr usize kRedZone = 128;
constexpr u16 kUserCs = 0x28 | 3; // arch/x86_64/gdt.h's kUserCode64 (checked in signals.cpp)
constexpr u16 kUserSs = 0x20 | 3; // kUserData
// The frame's error-code slot holds the number of the system call that
// made it (syscall_entry.S), or this once nothing is to be restarted.
constexpr u64 kNoSyscall = ~0ull;

// How this CPU saves the FPU: XSAVE with `size` bytes for the features
// `xfeatures` (XCR0), or FXSAVE (512 bytes).
struct FpuFormat {
    bool xsave;
    usize size;
    u64 xfeatures;
};

// Bytes the frame reserves for the FPU image (XSAVE: with MAGIC2).
usize fpu_frame_size(FpuFormat const&);

struct FramePlan {
    bool ok; // false: the alternate stack would overflow (SIGSEGV)
    u64 frame;   // the handler's rsp, where RtSigFrame starts
    u64 fpstate; // the FPU image
};
// Where a handler's frame goes for a thread at `user_rsp` with `altstack`,
// SA_ONSTACK given or not (Linux's get_sigframe).
FramePlan plan_frame(u64 user_rsp, AltStack const& altstack, bool on_stack_requested, usize fpu_bytes);

void save_registers(InterruptFrame const& frame, SigContext& context);
// rt_sigreturn: the registers of `context` into `frame`, user selectors
// forced, flags sanitised. False (nothing changed) when rip or rsp is not
// a canonical user address.
bool restore_registers(SigContext const& context, InterruptFrame& frame);
// The flags a user may choose (Linux's FIX_EFLAGS: arithmetic flags, DF,
// TF, RF, AC) from `requested`, the rest from `current`; IF on, IOPL 0,
// no NT/VM/VIF/VIP.
u64 sanitize_rflags(u64 current, u64 requested);
// Registers for the handler's first instruction (frame at `frame_address`).
void enter_handler(InterruptFrame& frame, u64 frame_address, int signal, u64 handler);

// The image as the CPU saved it -> the image user space sees: software
// bytes and MAGIC2 for XSAVE. `area` holds fpu_frame_size() bytes.
void mark_fpu_area(u8* area, FpuFormat const& format);
// rt_sigreturn reads the first 512 bytes, then asks how many to read in
// all (512 for an FXSAVE-only image, or the XSAVE size plus MAGIC2).
usize fpu_bytes_to_read(u8 const* legacy_area, FpuFormat const& format);
// Makes `buffer` (format.size + 4 bytes, of which the first `got` came
// from the user) safe for FXRSTOR/XRSTOR: the rest zeroed, MXCSR limited
// to `mxcsr_mask`, the XSAVE header to known features in the standard
// format; components the image does not carry (no MAGIC2: x87 and SSE
// only) are loaded in their initial state.
void sanitize_fpu_area(u8* buffer, usize got, FpuFormat const& format, u32 mxcsr_mask);

}
