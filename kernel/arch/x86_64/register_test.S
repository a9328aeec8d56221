/*
 * Register-preservation test helpers; see register_test.h. RegisterImage:
 * general[] at 0 (rax rbx rcx rdx rsi rdi rbp r8..r15), vector[] at 0x80,
 * 32 bytes per register.
 */
#define VEC(n) (0x80 + 32 * (n))

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

    vmovdqu VEC(0)(%rdi), %ymm0
    vmovdqu VEC(1)(%rdi), %ymm1
    vmovdqu VEC(2)(%rdi), %ymm2
    vmovdqu VEC(3)(%rdi), %ymm3
    vmovdqu VEC(4)(%rdi), %ymm4
    vmovdqu VEC(5)(%rdi), %ymm5
    vmovdqu VEC(6)(%rdi), %ymm6
    vmovdqu VEC(7)(%rdi), %ymm7
    vmovdqu VEC(8)(%rdi), %ymm8
    vmovdqu VEC(9)(%rdi), %ymm9
    vmovdqu VEC(10)(%rdi), %ymm10
    vmovdqu VEC(11)(%rdi), %ymm11
    vmovdqu VEC(12)(%rdi), %ymm12
    vmovdqu VEC(13)(%rdi), %ymm13
    vmovdqu VEC(14)(%rdi), %ymm14
    vmovdqu VEC(15)(%rdi), %ymm15
    jmp 2f
1:
    movdqu VEC(0)(%rdi), %xmm0
    movdqu VEC(1)(%rdi), %xmm1
    movdqu VEC(2)(%rdi), %xmm2
    movdqu VEC(3)(%rdi), %xmm3
    movdqu VEC(4)(%rdi), %xmm4
    movdqu VEC(5)(%rdi), %xmm5
    movdqu VEC(6)(%rdi), %xmm6
    movdqu VEC(7)(%rdi), %xmm7
    movdqu VEC(8)(%rdi), %xmm8
    movdqu VEC(9)(%rdi), %xmm9
    movdqu VEC(10)(%rdi), %xmm10
    movdqu VEC(11)(%rdi), %xmm11
    movdqu VEC(12)(%rdi), %xmm12
    movdqu VEC(13)(%rdi), %xmm13
    movdqu VEC(14)(%rdi), %xmm14
    movdqu VEC(15)(%rdi), %xmm15
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
    vmovdqu %ymm0, VEC(0)(%rax)
    vmovdqu %ymm1, VEC(1)(%rax)
    vmovdqu %ymm2, VEC(2)(%rax)
    vmovdqu %ymm3, VEC(3)(%rax)
    vmovdqu %ymm4, VEC(4)(%rax)
    vmovdqu %ymm5, VEC(5)(%rax)
    vmovdqu %ymm6, VEC(6)(%rax)
    vmovdqu %ymm7, VEC(7)(%rax)
    vmovdqu %ymm8, VEC(8)(%rax)
    vmovdqu %ymm9, VEC(9)(%rax)
    vmovdqu %ymm10, VEC(10)(%rax)
    vmovdqu %ymm11, VEC(11)(%rax)
    vmovdqu %ymm12, VEC(12)(%rax)
    vmovdqu %ymm13, VEC(13)(%rax)
    vmovdqu %ymm14, VEC(14)(%rax)
    vmovdqu %ymm15, VEC(15)(%rax)
    jmp 5f
4:
    movdqu %xmm0, VEC(0)(%rax)
    movdqu %xmm1, VEC(1)(%rax)
    movdqu %xmm2, VEC(2)(%rax)
    movdqu %xmm3, VEC(3)(%rax)
    movdqu %xmm4, VEC(4)(%rax)
    movdqu %xmm5, VEC(5)(%rax)
    movdqu %xmm6, VEC(6)(%rax)
    movdqu %xmm7, VEC(7)(%rax)
    movdqu %xmm8, VEC(8)(%rax)
    movdqu %xmm9, VEC(9)(%rax)
    movdqu %xmm10, VEC(10)(%rax)
    movdqu %xmm11, VEC(11)(%rax)
    movdqu %xmm12, VEC(12)(%rax)
    movdqu %xmm13, VEC(13)(%rax)
    movdqu %xmm14, VEC(14)(%rax)
    movdqu %xmm15, VEC(15)(%rax)
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

    vmovdqu VEC(0)(%rdi), %ymm0
    vmovdqu VEC(1)(%rdi), %ymm1
    vmovdqu VEC(2)(%rdi), %ymm2
    vmovdqu VEC(3)(%rdi), %ymm3
    vmovdqu VEC(4)(%rdi), %ymm4
    vmovdqu VEC(5)(%rdi), %ymm5
    vmovdqu VEC(6)(%rdi), %ymm6
    vmovdqu VEC(7)(%rdi), %ymm7
    vmovdqu VEC(8)(%rdi), %ymm8
    vmovdqu VEC(9)(%rdi), %ymm9
    vmovdqu VEC(10)(%rdi), %ymm10
    vmovdqu VEC(11)(%rdi), %ymm11
    vmovdqu VEC(12)(%rdi), %ymm12
    vmovdqu VEC(13)(%rdi), %ymm13
    vmovdqu VEC(14)(%rdi), %ymm14
    vmovdqu VEC(15)(%rdi), %ymm15
    jmp 2f
1:
    movdqu VEC(0)(%rdi), %xmm0
    movdqu VEC(1)(%rdi), %xmm1
    movdqu VEC(2)(%rdi), %xmm2
    movdqu VEC(3)(%rdi), %xmm3
    movdqu VEC(4)(%rdi), %xmm4
    movdqu VEC(5)(%rdi), %xmm5
    movdqu VEC(6)(%rdi), %xmm6
    movdqu VEC(7)(%rdi), %xmm7
    movdqu VEC(8)(%rdi), %xmm8
    movdqu VEC(9)(%rdi), %xmm9
    movdqu VEC(10)(%rdi), %xmm10
    movdqu VEC(11)(%rdi), %xmm11
    movdqu VEC(12)(%rdi), %xmm12
    movdqu VEC(13)(%rdi), %xmm13
    movdqu VEC(14)(%rdi), %xmm14
    movdqu VEC(15)(%rdi), %xmm15
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
    vmovdqu %ymm0, VEC(0)(%rax)
    vmovdqu %ymm1, VEC(1)(%rax)
    vmovdqu %ymm2, VEC(2)(%rax)
    vmovdqu %ymm3, VEC(3)(%rax)
    vmovdqu %ymm4, VEC(4)(%rax)
    vmovdqu %ymm5, VEC(5)(%rax)
    vmovdqu %ymm6, VEC(6)(%rax)
    vmovdqu %ymm7, VEC(7)(%rax)
    vmovdqu %ymm8, VEC(8)(%rax)
    vmovdqu %ymm9, VEC(9)(%rax)
    vmovdqu %ymm10, VEC(10)(%rax)
    vmovdqu %ymm11, VEC(11)(%rax)
    vmovdqu %ymm12, VEC(12)(%rax)
    vmovdqu %ymm13, VEC(13)(%rax)
    vmovdqu %ymm14, VEC(14)(%rax)
    vmovdqu %ymm15, VEC(15)(%rax)
    jmp 5f
4:
    movdqu %xmm0, VEC(0)(%rax)
    movdqu %xmm1, VEC(1)(%rax)
    movdqu %xmm2, VEC(2)(%rax)
    movdqu %xmm3, VEC(3)(%rax)
    movdqu %xmm4, VEC(4)(%rax)
    movdqu %xmm5, VEC(5)(%rax)
    movdqu %xmm6, VEC(6)(%rax)
    movdqu %xmm7, VEC(7)(%rax)
    movdqu %xmm8, VEC(8)(%rax)
    movdqu %xmm9, VEC(9)(%rax)
    movdqu %xmm10, VEC(10)(%rax)
    movdqu %xmm11, VEC(11)(%rax)
    movdqu %xmm12, VEC(12)(%rax)
    movdqu %xmm13, VEC(13)(%rax)
    movdqu %xmm14, VEC(14)(%rax)
    movdqu %xmm15, VEC(15)(%rax)
5:  addq $24, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size arch_register_test_yield, . - arch_register_test_yield
