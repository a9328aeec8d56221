/*
 * The general registers of an InterruptFrame (interrupts.h), pushed and
 * popped in one order by every way into and out of the kernel
 * (interrupt_stubs.S, syscall_entry.S): r15 ends at the lowest address.
 */
#pragma once

#ifdef __ASSEMBLER__

.macro PUSH_GENERAL_REGISTERS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_GENERAL_REGISTERS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

#endif
