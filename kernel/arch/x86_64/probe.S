/*
 * probe_read_u64 / probe_write_u64 (probe.h): one memory access each, with
 * an exception fixup entry so a fault resumes at the "return false" path.
 * Written in assembly so the faulting instruction is exactly the labelled
 * one: the compiler cannot move or duplicate it.
 */
#include <arch/x86_64/probe.h>

.section .text

/* bool probe_read_u64(VirtAddr address (rdi), u64& out (rsi)) */
.global probe_read_u64
.type probe_read_u64, @function
probe_read_u64:
1:  movq (%rdi), %rax
    movq %rax, (%rsi)
    movl $1, %eax
    ret
2:  xorl %eax, %eax
    ret
EXCEPTION_FIXUP(1b, 2b)
.size probe_read_u64, . - probe_read_u64

/* bool probe_write_u64(VirtAddr address (rdi), u64 value (rsi)) */
.global probe_write_u64
.type probe_write_u64, @function
probe_write_u64:
1:  movq %rsi, (%rdi)
    movl $1, %eax
    ret
2:  xorl %eax, %eax
    ret
EXCEPTION_FIXUP(1b, 2b)
.size probe_write_u64, . - probe_write_u64
