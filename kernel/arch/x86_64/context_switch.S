/*
 * Kernel-stack switching and the first-run trampoline of new threads; see
 * context_switch.h.
 *
 * Frame of a switched-out thread, from its saved stack pointer upwards:
 *   r15 r14 r13 r12 rbx rbp  return-address
 * which is exactly what the pops below take back, so a thread resumes by
 * returning from its own call to arch_context_switch().
 *
 * A new thread's frame (context_switch.cpp) has the same shape: its
 * "return address" is thread_start_trampoline and its r12-r15 carry the
 * start description (entry, argument, first-run hook, exit function).
 */

.section .text

/* void* arch_context_switch(VirtAddr* save_rsp (rdi), VirtAddr next_rsp (rsi), void* token (rdx)) */
.global arch_context_switch
.type arch_context_switch, @function
arch_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    movq %rdx, %rax            /* the resumed thread's return value */
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size arch_context_switch, . - arch_context_switch

/*
 * The first instruction a new thread runs, "returned to" from
 * arch_context_switch with rax = token, r12 = entry, r13 = argument,
 * r14 = first_run, r15 = exit. rsp is 16-byte aligned here (the frame
 * builder made it so), as the calls below need.
 */
.global thread_start_trampoline
.type thread_start_trampoline, @function
thread_start_trampoline:
    xorl %ebp, %ebp            /* ends backtraces at the thread's first frame */
    movq %rax, %rdi
    call *%r14                 /* first_run(token): the switch is finished */
    sti
    movq %r13, %rdi
    call *%r12                 /* entry(argument) */
    xorl %edi, %edi
    call *%r15                 /* exit(0): never returns */
    ud2
.size thread_start_trampoline, . - thread_start_trampoline
