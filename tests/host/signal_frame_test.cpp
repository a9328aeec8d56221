// The signal frame (kernel/proc/signal_frame.h) against Linux's layout
// (the host's <asm/sigcontext.h> and <sys/ucontext.h>), where it is put
// (red zone, alignment, the alternate stack and its overflow), the
// registers saved and how rt_sigreturn checks them, and the FPU image's
// markers and sanitising. (glibc's <sys/ucontext.h> brings its copy of
// <asm/sigcontext.h>, with a few fields renamed.)
#include <cstddef>
#include <cstring>
#include <gtest/gtest.h>
#include <proc/signal_frame.h>
#include <sys/ucontext.h>
#include <vector>

using namespace signals;

namespace {

constexpr u64 kFlagInterrupt = 1 << 9;
constexpr u64 kFlagTrap = 1 << 8;
constexpr u64 kFlagDirection = 1 << 10;
constexpr u64 kFlagIopl = 3 << 12;
constexpr u64 kFlagNestedTask = 1 << 14;
constexpr u64 kFlagCarry = 1;
constexpr u64 kFlagAlignmentCheck = 1 << 18;

InterruptFrame sample_frame()
{
    InterruptFrame frame {};
    u64 value = 0x1000;
    for (u64* field : { &frame.r15, &frame.r14, &frame.r13, &frame.r12, &frame.r11, &frame.r10, &frame.r9,
             &frame.r8, &frame.rbp, &frame.rdi, &frame.rsi, &frame.rdx, &frame.rcx, &frame.rbx, &frame.rax })
        *field = value++;
    frame.rip = 0x401234;
    frame.rsp = 0x7ffffff0e008;
    frame.rflags = kFlagInterrupt | 0x2 | kFlagCarry;
    frame.cs = kUserCs;
    frame.ss = kUserSs;
    frame.vector = 0x100;
    frame.error_code = 0;
    return frame;
}

}

TEST(SignalFrame, sigcontext_matches_linux)
{
    EXPECT_EQ(sizeof(SigContext), sizeof(struct sigcontext));
    EXPECT_EQ(offsetof(SigContext, r8), offsetof(struct sigcontext, r8));
    EXPECT_EQ(offsetof(SigContext, r15), offsetof(struct sigcontext, r15));
    EXPECT_EQ(offsetof(SigContext, rdi), offsetof(struct sigcontext, rdi));
    EXPECT_EQ(offsetof(SigContext, rax), offsetof(struct sigcontext, rax));
    EXPECT_EQ(offsetof(SigContext, rsp), offsetof(struct sigcontext, rsp));
    EXPECT_EQ(offsetof(SigContext, rip), offsetof(struct sigcontext, rip));
    EXPECT_EQ(offsetof(SigContext, eflags), offsetof(struct sigcontext, eflags));
    EXPECT_EQ(offsetof(SigContext, cs), offsetof(struct sigcontext, cs));
    EXPECT_EQ(offsetof(SigContext, gs), offsetof(struct sigcontext, gs));
    EXPECT_EQ(offsetof(SigContext, fs), offsetof(struct sigcontext, fs));
    EXPECT_EQ(offsetof(SigContext, err), offsetof(struct sigcontext, err));
    EXPECT_EQ(offsetof(SigContext, trapno), offsetof(struct sigcontext, trapno));
    EXPECT_EQ(offsetof(SigContext, oldmask), offsetof(struct sigcontext, oldmask));
    EXPECT_EQ(offsetof(SigContext, cr2), offsetof(struct sigcontext, cr2));
    EXPECT_EQ(offsetof(SigContext, fpstate), offsetof(struct sigcontext, fpstate));
    EXPECT_EQ(offsetof(SigContext, reserved1), offsetof(struct sigcontext, __reserved1));
}

TEST(SignalFrame, ucontext_matches_glibc)
{
    // glibc's ucontext_t starts as the kernel's; only its sigset is longer.
    EXPECT_EQ(offsetof(UContext, flags), offsetof(ucontext_t, uc_flags));
    EXPECT_EQ(offsetof(UContext, link), offsetof(ucontext_t, uc_link));
    EXPECT_EQ(offsetof(UContext, stack), offsetof(ucontext_t, uc_stack));
    EXPECT_EQ(offsetof(UContext, mcontext), offsetof(ucontext_t, uc_mcontext));
    EXPECT_EQ(offsetof(UContext, sigmask), offsetof(ucontext_t, uc_sigmask));
    EXPECT_EQ(sizeof(SigContext), sizeof(mcontext_t));
    // The general registers by glibc's REG_* index.
    EXPECT_EQ(offsetof(SigContext, r8), REG_R8 * 8u);
    EXPECT_EQ(offsetof(SigContext, rdi), REG_RDI * 8u);
    EXPECT_EQ(offsetof(SigContext, rbx), REG_RBX * 8u);
    EXPECT_EQ(offsetof(SigContext, rsp), REG_RSP * 8u);
    EXPECT_EQ(offsetof(SigContext, rip), REG_RIP * 8u);
    EXPECT_EQ(offsetof(SigContext, eflags), REG_EFL * 8u);
    EXPECT_EQ(offsetof(SigContext, err), REG_ERR * 8u);
    EXPECT_EQ(offsetof(SigContext, trapno), REG_TRAPNO * 8u);
    EXPECT_EQ(offsetof(SigContext, oldmask), REG_OLDMASK * 8u);
    EXPECT_EQ(offsetof(SigContext, cr2), REG_CR2 * 8u);
    EXPECT_EQ(offsetof(SigContext, fpstate), offsetof(mcontext_t, fpregs));
}

TEST(SignalFrame, rt_sigframe_layout_and_fpu_markers_match_linux)
{
    EXPECT_EQ(offsetof(RtSigFrame, pretcode), 0u);
    EXPECT_EQ(offsetof(RtSigFrame, uc), 8u);
    EXPECT_EQ(offsetof(RtSigFrame, info), 8u + sizeof(UContext));
    EXPECT_EQ(kFpXstateMagic1, FP_XSTATE_MAGIC1);
    EXPECT_EQ(kFpXstateMagic2, FP_XSTATE_MAGIC2);
    EXPECT_EQ(kFpXstateMagic2Size, FP_XSTATE_MAGIC2_SIZE);
    EXPECT_EQ(sizeof(FpxSwBytes), sizeof(struct _fpx_sw_bytes));
    EXPECT_EQ(offsetof(FpxSwBytes, extended_size), offsetof(struct _fpx_sw_bytes, extended_size));
    EXPECT_EQ(offsetof(FpxSwBytes, xfeatures), offsetof(struct _fpx_sw_bytes, xstate_bv));
    EXPECT_EQ(offsetof(FpxSwBytes, xstate_size), offsetof(struct _fpx_sw_bytes, xstate_size));
    EXPECT_EQ(kSwBytesOffset, sizeof(struct _fpstate) - sizeof(struct _fpx_sw_bytes)); // the last 48 bytes
    EXPECT_EQ(kMxcsrOffset, offsetof(struct _fpstate, mxcsr));
    EXPECT_EQ(kMxcsrMaskOffset, offsetof(struct _fpstate, mxcr_mask));
    EXPECT_EQ(kFxsaveSize, sizeof(struct _fpstate));
}

TEST(SignalFrame, frame_skips_the_red_zone_and_is_aligned)
{
    AltStack none;
    for (u64 rsp : { 0x7ffffff0e000ull, 0x7ffffff0e008ull, 0x7ffffff0e003ull }) {
        for (usize fpu : { usize(512), usize(832 + 4), usize(2696 + 4) }) {
            auto plan = plan_frame(rsp, none, false, fpu);
            ASSERT_TRUE(plan.ok);
            EXPECT_EQ(plan.frame % 16, 8u) << rsp; // as after a call
            EXPECT_EQ(plan.fpstate % 64, 0u);
            EXPECT_LE(plan.frame + sizeof(RtSigFrame), plan.fpstate);
            EXPECT_LE(plan.fpstate + fpu, rsp - kRedZone);
            EXPECT_GT(plan.frame, rsp - kRedZone - fpu - sizeof(RtSigFrame) - 128); // no waste
        }
    }
}

TEST(SignalFrame, sa_onstack_moves_to_the_alternate_stack)
{
    AltStack stack { 0x10000, 0x8000, 0 };
    u64 rsp = 0x7ffffff0e000;
    auto normal = plan_frame(rsp, stack, false, 836);
    EXPECT_GT(normal.frame, 0x7ff000000000ull);
    auto on_stack = plan_frame(rsp, stack, true, 836);
    ASSERT_TRUE(on_stack.ok);
    EXPECT_GT(on_stack.frame, stack.sp);
    EXPECT_LE(on_stack.fpstate + 836, stack.sp + stack.size);
    // Already on it (a nested signal): goes on below, red zone skipped.
    u64 inside = on_stack.frame - 64;
    auto nested = plan_frame(inside, stack, true, 836);
    ASSERT_TRUE(nested.ok);
    EXPECT_LE(nested.fpstate + 836, inside - kRedZone);
    // No alternate stack: SA_ONSTACK changes nothing.
    auto plain = plan_frame(rsp, AltStack {}, true, 836);
    EXPECT_EQ(plain.frame, normal.frame);
}

TEST(SignalFrame, overflowing_the_alternate_stack_fails)
{
    AltStack stack { 0x10000, 0x400, 0 }; // too small for an XSAVE image and a frame
    auto plan = plan_frame(0x7ffffff0e000, stack, true, 836);
    EXPECT_FALSE(plan.ok);
    AltStack roomy { 0x10000, 0x4000, 0 };
    auto deep = plan_frame(0x10000 + 0x200, roomy, true, 836); // near its bottom already
    EXPECT_FALSE(deep.ok);
}

TEST(SignalFrame, registers_round_trip_through_the_sigcontext)
{
    InterruptFrame frame = sample_frame();
    SigContext context {};
    save_registers(frame, context);
    EXPECT_EQ(context.rax, frame.rax);
    EXPECT_EQ(context.r8, frame.r8);
    EXPECT_EQ(context.rip, frame.rip);
    EXPECT_EQ(context.rsp, frame.rsp);
    EXPECT_EQ(context.cs, kUserCs);
    EXPECT_EQ(context.eflags, frame.rflags);

    InterruptFrame restored = frame;
    restored.rax = 0;
    restored.rip = 0;
    ASSERT_TRUE(restore_registers(context, restored));
    EXPECT_EQ(restored.rax, frame.rax);
    EXPECT_EQ(restored.rbx, frame.rbx);
    EXPECT_EQ(restored.r15, frame.r15);
    EXPECT_EQ(restored.rip, frame.rip);
    EXPECT_EQ(restored.rflags, frame.rflags);
    EXPECT_EQ(restored.error_code, kNoSyscall); // nothing left to restart
}

TEST(SignalFrame, sigreturn_forces_user_selectors_and_sanitises_flags)
{
    InterruptFrame frame = sample_frame();
    SigContext context {};
    save_registers(frame, context);
    context.cs = 0x08; // kernel code
    context.ss = 0x10;
    context.eflags = kFlagIopl | kFlagNestedTask | kFlagTrap | kFlagDirection | kFlagAlignmentCheck; // IF off
    ASSERT_TRUE(restore_registers(context, frame));
    EXPECT_EQ(frame.cs, kUserCs);
    EXPECT_EQ(frame.ss, kUserSs);
    EXPECT_EQ(frame.rflags & kFlagIopl, 0u);
    EXPECT_EQ(frame.rflags & kFlagNestedTask, 0u);
    EXPECT_NE(frame.rflags & kFlagInterrupt, 0u);
    EXPECT_NE(frame.rflags & kFlagTrap, 0u); // the user asked for single-stepping: Linux allows it
    EXPECT_NE(frame.rflags & kFlagDirection, 0u);
    EXPECT_NE(frame.rflags & kFlagAlignmentCheck, 0u);
    EXPECT_EQ(frame.rflags & kFlagCarry, 0u); // the user's choice, cleared
    EXPECT_EQ(sanitize_rflags(kFlagInterrupt | 0x2, 0) & kFlagTrap, 0u);
}

TEST(SignalFrame, sigreturn_refuses_non_canonical_rip_or_rsp)
{
    InterruptFrame frame = sample_frame();
    SigContext context {};
    save_registers(frame, context);
    InterruptFrame untouched = frame;
    context.rip = 0x0000800000000000ull;
    EXPECT_FALSE(restore_registers(context, frame));
    context.rip = 0xffffffff80001000ull;
    EXPECT_FALSE(restore_registers(context, frame));
    context.rip = 0x401000;
    context.rsp = 0xffff800000000000ull;
    EXPECT_FALSE(restore_registers(context, frame));
    EXPECT_EQ(memcmp(&frame, &untouched, sizeof(frame)), 0);
}

TEST(SignalFrame, handler_entry_registers)
{
    InterruptFrame frame = sample_frame();
    frame.rflags |= kFlagDirection | kFlagTrap;
    enter_handler(frame, 0x7ffffff0d008, 10, 0x402000);
    EXPECT_EQ(frame.rip, 0x402000u);
    EXPECT_EQ(frame.rsp, 0x7ffffff0d008u);
    EXPECT_EQ(frame.rdi, 10u);
    EXPECT_EQ(frame.rsi, 0x7ffffff0d008u + offsetof(RtSigFrame, info));
    EXPECT_EQ(frame.rdx, 0x7ffffff0d008u + offsetof(RtSigFrame, uc));
    EXPECT_EQ(frame.rax, 0u);
    EXPECT_EQ(frame.rflags & (kFlagDirection | kFlagTrap), 0u);
    EXPECT_EQ(frame.error_code, kNoSyscall);
}

namespace {

FpuFormat xsave_format() { return { true, 832, 0x7 }; }

std::vector<u8> user_image(FpuFormat const& format)
{
    std::vector<u8> image(format.size + kFpXstateMagic2Size, 0);
    for (usize i = 0; i < format.size; ++i)
        image[i] = static_cast<u8>(i * 7 + 1);
    mark_fpu_area(image.data(), format);
    u32 mxcsr = 0x1f80;
    memcpy(image.data() + kMxcsrOffset, &mxcsr, 4);
    u64 header[8] = { 0x7, 0, 0, 0, 0, 0, 0, 0 };
    memcpy(image.data() + kXsaveHeaderOffset, header, sizeof(header));
    return image;
}

u64 load64(std::vector<u8> const& image, usize offset)
{
    u64 value;
    memcpy(&value, image.data() + offset, 8);
    return value;
}

u32 load32(std::vector<u8> const& image, usize offset)
{
    u32 value;
    memcpy(&value, image.data() + offset, 4);
    return value;
}

}

TEST(SignalFpu, markers_describe_the_xsave_image)
{
    auto format = xsave_format();
    auto image = user_image(format);
    struct _fpx_sw_bytes sw;
    memcpy(&sw, image.data() + kSwBytesOffset, sizeof(sw));
    EXPECT_EQ(sw.magic1, FP_XSTATE_MAGIC1);
    EXPECT_EQ(sw.xstate_size, 832u);
    EXPECT_EQ(sw.extended_size, 836u);
    EXPECT_EQ(sw.xstate_bv, 0x7u);
    EXPECT_EQ(load32(image, 832), FP_XSTATE_MAGIC2);
    EXPECT_EQ(fpu_frame_size(format), 836u);
    EXPECT_EQ(fpu_bytes_to_read(image.data(), format), 836u);
    FpuFormat fxsave { false, 512, 0 };
    EXPECT_EQ(fpu_frame_size(fxsave), 512u);
    EXPECT_EQ(fpu_bytes_to_read(image.data(), fxsave), 512u);
}

TEST(SignalFpu, a_valid_image_keeps_its_features)
{
    auto format = xsave_format();
    auto image = user_image(format);
    sanitize_fpu_area(image.data(), 836, format, 0xffbf);
    EXPECT_EQ(load64(image, kXsaveHeaderOffset), 0x7u);
    EXPECT_EQ(load32(image, kMxcsrOffset), 0x1f80u);
}

TEST(SignalFpu, the_xsave_header_is_made_safe_for_xrstor)
{
    auto format = xsave_format();
    auto image = user_image(format);
    u64 header[8] = { ~0ull, 0x8000000000000003ull, 1, 2, 3, 4, 5, 6 }; // unknown features, compacted, junk
    memcpy(image.data() + kXsaveHeaderOffset, header, sizeof(header));
    u32 mxcsr = 0xffffffff;
    memcpy(image.data() + kMxcsrOffset, &mxcsr, 4);
    sanitize_fpu_area(image.data(), 836, format, 0xffbf);
    EXPECT_EQ(load64(image, kXsaveHeaderOffset), 0x7u); // only what XCR0 has
    for (usize offset = 8; offset < kXsaveHeaderSize; offset += 8)
        EXPECT_EQ(load64(image, kXsaveHeaderOffset + offset), 0u) << offset;
    EXPECT_EQ(load32(image, kMxcsrOffset), 0xffbfu);
}

TEST(SignalFpu, without_magic_only_x87_and_sse_are_restored)
{
    auto format = xsave_format();
    auto image = user_image(format);
    u32 wrong = 0x12345678;
    memcpy(image.data() + kSwBytesOffset, &wrong, 4);
    EXPECT_EQ(fpu_bytes_to_read(image.data(), format), 512u);
    sanitize_fpu_area(image.data(), 512, format, 0xffbf);
    EXPECT_EQ(load64(image, kXsaveHeaderOffset), kXfeatureX87 | kXfeatureSse);
    for (usize offset = 576; offset < 832; ++offset)
        ASSERT_EQ(image[offset], 0) << offset; // nothing past what was read
}

TEST(SignalFpu, a_missing_magic2_means_x87_and_sse_only)
{
    auto format = xsave_format();
    auto image = user_image(format);
    u32 wrong = 0;
    memcpy(image.data() + 832, &wrong, 4);
    sanitize_fpu_area(image.data(), 836, format, 0xffbf);
    EXPECT_EQ(load64(image, kXsaveHeaderOffset), kXfeatureX87 | kXfeatureSse);
}

TEST(SignalFpu, bad_sizes_in_the_software_bytes_fall_back_to_fxsave)
{
    auto format = xsave_format();
    auto image = user_image(format);
    struct _fpx_sw_bytes sw;
    memcpy(&sw, image.data() + kSwBytesOffset, sizeof(sw));
    sw.xstate_size = 100000; // bigger than this CPU's area
    memcpy(image.data() + kSwBytesOffset, &sw, sizeof(sw));
    EXPECT_EQ(fpu_bytes_to_read(image.data(), format), 512u);
    sw.xstate_size = 832;
    sw.extended_size = 100; // smaller than the state
    memcpy(image.data() + kSwBytesOffset, &sw, sizeof(sw));
    EXPECT_EQ(fpu_bytes_to_read(image.data(), format), 512u);
}
