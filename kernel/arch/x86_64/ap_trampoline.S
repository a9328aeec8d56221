/*
 * The application processors' first instructions (CONCEPTS E1). An AP wakes
 * from a STARTUP IPI in 16-bit real mode at physical address VV000h, where
 * VV is the IPI's vector: so this code cannot run where it is linked. It is
 * a blob in .rodata that arch/x86_64/smp.cpp copies to a page in the first
 * MiB, fills in (the fields at the end) and then points the SIPI at.
 *
 * The climb, on the path the Intel SDM vol. 3 describes for entering long
 * mode ("Initializing IA-32e Mode"):
 *   real mode      the page's base is CS * 16 (kept in EBX from here on);
 *                  lgdt the blob's small GDT, set CR0.PE, far jump;
 *   protected mode flat 32-bit segments, paging off: CR4.PAE, CR3 = the
 *                  temporary PML4 (identity-maps this page, shares the
 *                  kernel half), EFER.LME (and NXE, the kernel's tables use
 *                  NX), CR0.PG; a far jump to the 64-bit code segment;
 *   long mode      still in this page (identity-mapped): GS base = this
 *                  CPU's Cpu block, RSP = its kernel stack, then a call to
 *                  the C++ entry in the higher half, which loads the
 *                  kernel's own page tables and never returns.
 *
 * Every address the code uses is relative to the page (EBX/RBX + offset of
 * a label from ap_trampoline_start), and the absolute ones the CPU needs
 * (GDT base, far jump targets) are filled in by smp.cpp, so the blob runs at
 * whatever page smp.cpp chose.
 */

#define OFFSET(label) ((label) - ap_trampoline_start)

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define MSR_GS_BASE 0xC0000101

#define SELECTOR_CODE32 0x08
#define SELECTOR_DATA 0x10
#define SELECTOR_CODE64 0x18

.section .rodata.ap_trampoline, "a"
.balign 16
.global ap_trampoline_start
ap_trampoline_start:

.code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    /* "I am running": smp.cpp sends the second SIPI only without this. */
    movl $1, OFFSET(ap_boot_alive)
    xorl %ebx, %ebx
    movw %ax, %bx
    shll $4, %ebx                   /* EBX = physical address of this page */
    lgdtl OFFSET(ap_gdt_pointer)
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl *OFFSET(ap_far_protected)

.code32
.global ap_protected_mode
ap_protected_mode:
    movw $SELECTOR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl OFFSET(ap_boot_cr3)(%ebx), %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl OFFSET(ap_boot_efer)(%ebx), %eax /* LME, and NXE when the boot CPU has it */
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0
    ljmpl *OFFSET(ap_far_long)(%ebx)

.code64
.global ap_long_mode
ap_long_mode:
    movl %ebx, %ebx                 /* the upper half of RBX is undefined after the switch */
    xorl %eax, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    /* GS base -> the Cpu block: this_cpu() works from the first C++ line,
     * and so do spinlocks. */
    movl $MSR_GS_BASE, %ecx
    movl OFFSET(ap_boot_cpu)(%rbx), %eax
    movl OFFSET(ap_boot_cpu) + 4(%rbx), %edx
    wrmsr
    movq OFFSET(ap_boot_stack)(%rbx), %rsp
    movq OFFSET(ap_boot_cpu)(%rbx), %rdi
    movq OFFSET(ap_boot_entry)(%rbx), %rax
    xorl %ebp, %ebp                 /* ends the backtrace */
    call *%rax
1:  cli
    hlt
    jmp 1b

/* A GDT good for the climb only; the C++ entry loads the CPU's own. */
.balign 16
ap_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code, flat 4 GiB */
    .quad 0x00CF92000000FFFF        /* 0x10: data, flat 4 GiB */
    .quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code */
ap_gdt_end:

/* Filled in by smp.cpp before each SIPI. */
.balign 8
.global ap_gdt_pointer, ap_far_protected, ap_far_long
ap_gdt_pointer:
    .word ap_gdt_end - ap_gdt - 1
    .long 0                         /* physical address of ap_gdt */
.balign 8
ap_far_protected:
    .long 0                         /* physical address of ap_protected_mode */
    .word SELECTOR_CODE32
.balign 8
ap_far_long:
    .long 0                         /* physical address of ap_long_mode */
    .word SELECTOR_CODE64
.balign 8
.global ap_boot_cr3, ap_boot_efer, ap_boot_stack, ap_boot_cpu, ap_boot_entry, ap_boot_alive, ap_gdt
ap_boot_cr3: .quad 0                /* the temporary PML4, below 4 GiB */
ap_boot_efer: .quad 0               /* EFER bits to set */
ap_boot_stack: .quad 0              /* top of the AP's kernel stack */
ap_boot_cpu: .quad 0                /* its Cpu block */
ap_boot_entry: .quad 0              /* the C++ entry, in the higher half */
ap_boot_alive: .long 0
.global ap_trampoline_end
ap_trampoline_end:
