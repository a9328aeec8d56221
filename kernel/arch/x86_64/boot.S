/*
 * The kernel's entry point. GRUB (multiboot2) jumps to _start in 32-bit
 * protected mode with paging off, EAX = multiboot2 magic, EBX = physical
 * address of the boot information. This file:
 *   1. checks the CPU can run 64-bit code,
 *   2. builds boot page tables that map the first 4 GiB three times:
 *      identity (to survive turning paging on), at the direct-map base
 *      0xffff800000000000, and the first 1 GiB at the kernel's link address
 *      0xffffffff80000000,
 *   3. enables PAE, long mode, NX and paging, loads a 64-bit GDT,
 *   4. jumps to the higher half and calls kernel_main(magic, info).
 * mm/paging.cpp later replaces these tables with the final ones.
 */

#define KERNEL_VMA 0xffffffff80000000
#define PHYS(sym) ((sym) - KERNEL_VMA)

.set MB2_MAGIC, 0xE85250D6
.set MB2_ARCH_I386, 0

.section .multiboot2, "a"
.align 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long (0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))) & 0xffffffff
    /* end tag */
    .align 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

.section .boot.text, "ax"
.code32
.global _start
_start:
    cli
    cld
    movl $PHYS(boot_stack_top), %esp
    movl %eax, PHYS(boot_multiboot_magic)
    movl %ebx, PHYS(boot_multiboot_info)

    /* Long mode available? CPUID 0x80000001 EDX bit 29. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, %esi                     /* keep feature bits: NX is bit 20 */

    /* Four page directories of 2 MiB pages cover the first 4 GiB. */
    movl $PHYS(boot_pd), %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax                      /* low 32 bits of ecx * 2 MiB */
    orl $0x83, %eax                     /* present | writable | 2 MiB page */
    movl %eax, (%edi,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax                      /* high bits of ecx * 2 MiB */
    movl %eax, 4(%edi,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jne 1b

    /* Low PDPT: entries 0..3 -> the four page directories. */
    movl $PHYS(boot_pdpt_low), %edi
    movl $PHYS(boot_pd), %eax
    orl $0x3, %eax
    movl %eax, 0(%edi)
    addl $4096, %eax
    movl %eax, 8(%edi)
    addl $4096, %eax
    movl %eax, 16(%edi)
    addl $4096, %eax
    movl %eax, 24(%edi)

    /* High PDPT: entry 510 (0xffffffff80000000) -> first page directory. */
    movl $PHYS(boot_pdpt_high), %edi
    movl $PHYS(boot_pd), %eax
    orl $0x3, %eax
    movl %eax, (510 * 8)(%edi)

    /* PML4: 0 identity, 256 direct map, 511 kernel image. */
    movl $PHYS(boot_pml4), %edi
    movl $PHYS(boot_pdpt_low), %eax
    orl $0x3, %eax
    movl %eax, 0(%edi)
    movl %eax, (256 * 8)(%edi)
    movl $PHYS(boot_pdpt_high), %eax
    orl $0x3, %eax
    movl %eax, (511 * 8)(%edi)

    movl %edi, %cr3

    movl %cr4, %eax
    orl $(1 << 5), %eax                 /* PAE */
    movl %eax, %cr4

    movl $0xC0000080, %ecx              /* EFER */
    rdmsr
    orl $(1 << 8), %eax                 /* LME */
    testl $(1 << 20), %esi
    jz 2f
    orl $(1 << 11), %eax                /* NXE, when the CPU has NX */
2:  wrmsr

    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | 1), %eax  /* PG | WP | PE */
    movl %eax, %cr0

    lgdt PHYS(boot_gdt_pointer)
    ljmp $0x08, $long_mode_entry        /* .boot is linked at its physical address */

no_long_mode:
    /* Say so on the VGA text screen, then stop. */
    movl $0xB8000, %edi
    movl $no_long_mode_text - KERNEL_VMA, %esi
3:  movb (%esi), %al
    testb %al, %al
    jz 4f
    movb %al, (%edi)
    movb $0x4f, 1(%edi)
    addl $2, %edi
    incl %esi
    jmp 3b
4:  hlt
    jmp 4b

.code64
long_mode_entry:
    xorl %eax, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half_entry, %rax
    jmp *%rax

.section .text
higher_half_entry:
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp                     /* ends the backtrace */
    /* GS base -> the boot CPU's per-CPU block (percpu.h), whose first
     * field points at itself: this_cpu() works from the first C++ line. */
    movabsq $boot_cpu_block, %rax
    movq %rax, (%rax)
    movl %eax, %eax
    movabsq $boot_cpu_block, %rdx
    shrq $32, %rdx
    movl $0xC0000101, %ecx
    wrmsr
    movl boot_multiboot_magic(%rip), %edi
    movl boot_multiboot_info(%rip), %esi
    call kernel_main
5:  cli
    hlt
    jmp 5b

.section .rodata
no_long_mode_text:
    .asciz "Haneul needs a 64-bit (x86-64) CPU."

.align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF            /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF            /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

.section .data
.global boot_multiboot_magic, boot_multiboot_info
boot_multiboot_magic: .long 0
boot_multiboot_info: .long 0

.section .bss
.align 4096
.global boot_pml4
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd: .skip 4096 * 4
/* The boot CPU's first stack; a guard page below it is unmapped by paging. */
.global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard: .skip 4096
boot_stack_bottom: .skip 16384
boot_stack_top:
