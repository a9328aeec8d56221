/*
 * The system-call door (syscall/syscall.h) and the way back to user mode.
 *
 * `syscall` arrives here in ring 0 with the user's rsp, rip in rcx, rflags
 * in r11, and IF/DF/TF/AC cleared by MSR_FMASK. The entry swaps GS to this
 * CPU's block, moves to the running thread's kernel stack (Cpu::
 * kernel_stack_top, kept by the scheduler) and saves every user register
 * as an InterruptFrame at the very top of that stack: exactly where an
 * interrupt from user mode puts its frame, so "the user registers of a
 * thread" are always at kernel_stack_top - sizeof(InterruptFrame).
 *
 * The way back uses sysret, the fast path, when the frame still holds what
 * sysret can restore (rcx == rip, r11 == rflags, rip canonical, no TF/RF);
 * otherwise (after execve, a signal, a new thread's first entry) iretq,
 * which restores everything.
 */
#include <arch/x86_64/register_frame.h>
#include <arch/x86_64/smap.h>

#define CPU_KERNEL_STACK_TOP 64
#define CPU_USER_RSP_SCRATCH 72
#define USER_DATA (0x20 | 3)
#define USER_CODE64 (0x28 | 3)
#define SYSCALL_VECTOR 0x100        /* marks a frame made by a syscall */
#define FRAME_RIP (17 * 8)
#define FRAME_SIZE (22 * 8)

.section .text

.global syscall_entry
.type syscall_entry, @function
.balign 16
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_USER_RSP_SCRATCH
    movq %gs:CPU_KERNEL_STACK_TOP, %rsp
    pushq $USER_DATA                /* ss */
    pushq %gs:CPU_USER_RSP_SCRATCH  /* rsp */
    pushq %r11                      /* rflags */
    pushq $USER_CODE64              /* cs */
    pushq %rcx                      /* rip */
    pushq %rax                      /* error code slot: the call's number (orig_rax), for signal restarts */
    pushq $SYSCALL_VECTOR
    PUSH_GENERAL_REGISTERS
    sti
    movq %rsp, %rdi                 /* InterruptFrame* */
    pushq FRAME_RIP(%rsp)           /* frame record for backtraces */
    pushq %rbp
    movq %rsp, %rbp
    call syscall_dispatch           /* stores the result in frame->rax; returns 1 if sysret may be used */
    addq $16, %rsp
    cli
    testl %eax, %eax
    jz return_to_user_iret
    POP_GENERAL_REGISTERS               /* rcx == rip and r11 == rflags: checked */
    movq 40(%rsp), %rsp             /* past vector, error, rip, cs, rflags: the user rsp */
    swapgs
    sysretq
.size syscall_entry, . - syscall_entry

/* The general way out: restores every register from the frame at rsp. */
.global return_to_user_iret
.type return_to_user_iret, @function
return_to_user_iret:
    POP_GENERAL_REGISTERS
    addq $16, %rsp                  /* vector and error code */
    swapgs
    iretq
.size return_to_user_iret, . - return_to_user_iret

/*
 * [[noreturn]] void enter_user_mode(InterruptFrame const* frame (rdi))
 * Starts user mode with the registers of `frame`, which may lie anywhere on
 * this thread's kernel stack, even inside the top FRAME_SIZE bytes: it is
 * copied to the top of the stack (highest quadword first, so an overlap
 * with the source, which lies lower, is harmless), then left through iretq.
 */
.global enter_user_mode
.type enter_user_mode, @function
enter_user_mode:
    cli
    movq %gs:CPU_KERNEL_STACK_TOP, %rsi
    subq $FRAME_SIZE, %rsi          /* destination */
    movq $21, %rcx
1:  movq (%rdi,%rcx,8), %rax
    movq %rax, (%rsi,%rcx,8)
    decq %rcx
    jns 1b
    movq %rsi, %rsp
    jmp return_to_user_iret
.size enter_user_mode, . - enter_user_mode
