/*
 * Register-preservation test helpers; see register_test.h. RegisterImage:
 * general[] at 0 (rax rbx rcx rdx rsi rdi rbp r8..r15), vector[] at 0x80,
 * 32 bytes per register.
 */
#define VEC(n) (0x80 + 32 * (n))

/* All sixteen vector registers from/to a RegisterImage at \base:
 * \insn is vmovdqu (ymm, AVX) or movdqu (xmm, SSE only). */
.macro LOAD_VECTORS insn, kind, base
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    \insn VEC(\n)(\base), %\kind\n
    .endr
.endm
.macro STORE_VECTORS insn, kind, base
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    \insn %\kind\n, VEC(\n)(\base)
    .endr
.endm

.section .data
.balign 4
.global arch_register_test_stop
arch_register_test_stop: .long 0

.section .text

/* void arch_register_test_spin(RegisterImage const* in (rdi), RegisterImage* out (rsi), u32 use_avx (edx)) */
.global arch_register_test_spin
.type arch_register_test_spin, @function
arch_register_test_spin:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rsi                  /* out: 8(%rsp) */
    pushq %rdx                  /* use_avx: 0(%rsp) */
    testl %edx, %edx
    jz 1f

    LOAD_VECTORS vmovdqu, ymm, %rdi
    jmp 2f
1:
    LOAD_VECTORS movdqu, xmm, %rdi
2:
    movq 0(%rdi), %rax
    movq 8(%rdi), %rbx
    movq 16(%rdi), %rcx
    movq 24(%rdi), %rdx
    movq 32(%rdi), %rsi
    movq 48(%rdi), %rbp
    movq 56(%rdi), %r8
    movq 64(%rdi), %r9
    movq 72(%rdi), %r10
    movq 80(%rdi), %r11
    movq 88(%rdi), %r12
    movq 96(%rdi), %r13
    movq 104(%rdi), %r14
    movq 112(%rdi), %r15
    movq 40(%rdi), %rdi          /* the base register last */
3:  pause
    cmpl $0, arch_register_test_stop(%rip)
    je 3b
    pushq %rax                  /* now use_avx at 8(%rsp), out at 16(%rsp) */
    movq 16(%rsp), %rax
    movq %rbx, 8(%rax)
    movq %rcx, 16(%rax)
    movq %rdx, 24(%rax)
    movq %rsi, 32(%rax)
    movq %rdi, 40(%rax)
    movq %rbp, 48(%rax)
    movq %r8, 56(%rax)
    movq %r9, 64(%rax)
    movq %r10, 72(%rax)
    movq %r11, 80(%rax)
    movq %r12, 88(%rax)
    movq %r13, 96(%rax)
    movq %r14, 104(%rax)
    movq %r15, 112(%rax)
    popq %rbx                   /* the value rax held */
    movq %rbx, 0(%rax)
    cmpl $0, 0(%rsp)
    je 4f
    STORE_VECTORS vmovdqu, ymm, %rax
    jmp 5f
4:
    STORE_VECTORS movdqu, xmm, %rax
5:  addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size arch_register_test_spin, . - arch_register_test_spin

/* void arch_register_test_yield(RegisterImage const* in (rdi), RegisterImage* out (rsi),
 *                               u32 use_avx (edx), void (*yield_function)() (rcx)) */
.global arch_register_test_yield
.type arch_register_test_yield, @function
arch_register_test_yield:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rsi                  /* out: 16(%rsp) */
    pushq %rdx                  /* use_avx: 8(%rsp) */
    pushq %rcx                  /* yield_function: 0(%rsp); rsp is 16-byte aligned now */
    testl %edx, %edx
    jz 1f

    LOAD_VECTORS vmovdqu, ymm, %rdi
    jmp 2f
1:
    LOAD_VECTORS movdqu, xmm, %rdi
2:
    movq 8(%rdi), %rbx
    movq 48(%rdi), %rbp
    movq 88(%rdi), %r12
    movq 96(%rdi), %r13
    movq 104(%rdi), %r14
    movq 112(%rdi), %r15
    call *0(%rsp)
    movq 16(%rsp), %rax
    movq %rbx, 8(%rax)
    movq %rbp, 48(%rax)
    movq %r12, 88(%rax)
    movq %r13, 96(%rax)
    movq %r14, 104(%rax)
    movq %r15, 112(%rax)
    cmpl $0, 8(%rsp)
    je 4f
    STORE_VECTORS vmovdqu, ymm, %rax
    jmp 5f
4:
    STORE_VECTORS movdqu, xmm, %rax
5:  addq $24, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size arch_register_test_yield, . - arch_register_test_yield
