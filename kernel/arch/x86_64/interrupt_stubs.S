/*
 * The first instructions of every interrupt, exception and IRQ: 256 small
 * entry routines and the common path they share. interrupts.cpp points IDT
 * gate n at interrupt_entry_table[n].
 *
 * Each routine makes the stack uniform, whatever the vector: it pushes a zero
 * where the CPU pushed no error code, then its vector. The common path
 * pushes the general registers in the order that makes the stack an
 * InterruptFrame (interrupts.h: r15 at the lowest address), calls
 * interrupt_dispatch(frame), restores the registers and returns with iretq.
 * A handler may change the frame (a fixup rewrites rip) and the change takes
 * effect on return.
 */

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3, table 6-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define CPU_PUSHES_ERROR_CODE(v) \
    ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || \
     (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

#include <arch/x86_64/register_frame.h>
#include <arch/x86_64/smap.h>

/* Offsets into the InterruptFrame once the 15 general registers are pushed. */
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define MSR_GS_BASE 0xC0000101

.section .text
.balign 16
.global interrupt_entry_points
interrupt_entry_points:

.pushsection .rodata
.balign 8
.global interrupt_entry_table
interrupt_entry_table:
.popsection

.set vector, 0
.rept 256
    .balign 16
1:
    .if CPU_PUSHES_ERROR_CODE(vector)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp interrupt_common
    .pushsection .rodata
    .quad 1b
    .popsection
    .set vector, vector + 1
.endr

.balign 16
interrupt_common:
    PUSH_GENERAL_REGISTERS
    cld                             /* the C++ ABI expects DF clear */
    SMAP_CLAC                       /* user code may have left AC set */
    /*
     * GS must address this CPU's block (percpu.h) while the kernel runs.
     * From user mode it holds the user's base: swap. rbx (callee-saved, so
     * it survives the handler and any switch away and back) remembers
     * whether to swap back on the way out.
     */
    xorl %ebx, %ebx
    testb $3, FRAME_CS(%rsp)
    jz 3f
    swapgs
    movl $1, %ebx
    jmp 4f
3:
    /*
     * From kernel mode GS is normally the kernel's, except in the few
     * instructions of a syscall entry before its swapgs and of a return
     * before its sysret/iretq. Only NMI, #MC and #DF (on IST stacks) can
     * land there; for them ask the MSR: a kernel GS base has its top bit set.
     */
    cmpq $2, FRAME_VECTOR(%rsp)
    je 5f
    cmpq $8, FRAME_VECTOR(%rsp)
    je 5f
    cmpq $18, FRAME_VECTOR(%rsp)
    jne 4f
5:
    movl $MSR_GS_BASE, %ecx
    rdmsr
    testl %edx, %edx
    js 4f
    swapgs
    movl $1, %ebx
4:
    movq %rsp, %rdi                 /* InterruptFrame* */
    /*
     * A frame record (saved rbp, "return address" = interrupted rip) so a
     * backtrace taken inside a handler walks on into the interrupted code.
     * The CPU aligned rsp to 16 before its pushes; 22 quadwords of frame and
     * these 2 keep it aligned for the call, as the ABI requires.
     */
    pushq FRAME_RIP(%rsp)
    pushq %rbp
    movq %rsp, %rbp
    call interrupt_dispatch
    addq $16, %rsp
    testl %ebx, %ebx
    jz 6f
    swapgs
6:
    POP_GENERAL_REGISTERS
    addq $16, %rsp                  /* vector and error code */
    iretq
