/*
 * The only instructions in the kernel that touch user memory (see
 * syscall/uaccess.h). Each lifts SMAP for exactly its copy and has an
 * exception fixup, so a fault the page-fault handler cannot resolve ends
 * the copy early instead of the kernel. The callers have checked that the
 * ranges are in the user half.
 */
#include <arch/x86_64/probe.h>
#include <arch/x86_64/smap.h>

.section .text

/* usize user_copy_bytes(void* destination (rdi), void const* source (rsi), usize size (rdx))
 * Returns how many bytes were NOT copied: 0 on success. Quadwords first,
 * then the tail (8x fewer string iterations under TCG, see lib/mem.cpp). */
.global user_copy_bytes
.type user_copy_bytes, @function
user_copy_bytes:
    movq %rdx, %rcx
    shrq $3, %rcx
    andl $7, %edx
    SMAP_STAC
1:  rep movsq
    movq %rdx, %rcx
3:  rep movsb
4:  SMAP_CLAC
    movq %rcx, %rax                 /* rep movsb leaves the remaining count in rcx */
    ret
5:  SMAP_CLAC                       /* faulted among the quadwords */
    leaq (%rdx,%rcx,8), %rax
    ret
EXCEPTION_FIXUP(1b, 5b)
EXCEPTION_FIXUP(3b, 4b)
.size user_copy_bytes, . - user_copy_bytes

/* usize user_clear_bytes(void* destination (rdi), usize size (rsi))
 * Returns how many bytes were NOT zeroed. */
.global user_clear_bytes
.type user_clear_bytes, @function
user_clear_bytes:
    movq %rsi, %rcx
    shrq $3, %rcx
    andl $7, %esi
    xorl %eax, %eax
    SMAP_STAC
1:  rep stosq
    movq %rsi, %rcx
3:  rep stosb
4:  SMAP_CLAC
    movq %rcx, %rax
    ret
5:  SMAP_CLAC
    leaq (%rsi,%rcx,8), %rax
    ret
EXCEPTION_FIXUP(1b, 5b)
EXCEPTION_FIXUP(3b, 4b)
.size user_clear_bytes, . - user_clear_bytes

/* i64 user_copy_string(char* destination (rdi), char const* source (rsi), usize capacity (rdx))
 * Copies up to and including the NUL. Returns the length without the NUL,
 * `capacity` when no NUL came within capacity bytes, -1 on a fault. */
.global user_copy_string
.type user_copy_string, @function
user_copy_string:
    xorl %eax, %eax                 /* bytes copied */
    SMAP_STAC
3:  cmpq %rdx, %rax
    je 4f
1:  movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 4f
    incq %rax
    jmp 3b
4:  SMAP_CLAC
    ret
2:  SMAP_CLAC
    movq $-1, %rax
    ret
EXCEPTION_FIXUP(1b, 2b)
.size user_copy_string, . - user_copy_string

/* i64 user_cmpxchg_u32(u32* address (rdi), u32 expected (esi), u32 desired (edx))
 * One atomic compare-and-exchange of a user word (futex WAKE_OP). Returns
 * the value found (the exchange happened when it equals `expected`), or
 * -1 on a fault. */
.global user_cmpxchg_u32
.type user_cmpxchg_u32, @function
user_cmpxchg_u32:
    movl %esi, %eax
    SMAP_STAC
1:  lock cmpxchgl %edx, (%rdi)
    SMAP_CLAC
    movl %eax, %eax                 /* zero-extend: a u32, never -1 */
    ret
2:  SMAP_CLAC
    movq $-1, %rax
    ret
EXCEPTION_FIXUP(1b, 2b)
.size user_cmpxchg_u32, . - user_cmpxchg_u32
