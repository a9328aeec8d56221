// Per-CPU data (CONCEPTS E1): one `Cpu` block per processor, reached through
// the GS base register so that `this_cpu()` is a single instruction and needs
// no lock. The block holds what only this CPU touches: the running thread,
// its preemption state, its scheduler run queue, its GDT/TSS.
//
// Layering: this is the hardware layer; the scheduler's types appear only
// as opaque pointers (Thread, RunQueue), so arch never includes sched.
// Callers: everything that asks "which CPU / which thread am I".
#pragma once

#include <arch/x86_64/cpu.h>
#include <lib/types.h>
#include <atomic>

struct Thread;
struct RunQueue;
namespace gdt {
struct CpuTables;
}

constexpr u32 kMaxCpus = 64;

struct Cpu {
    Cpu* self;                 // gs:0, read by this_cpu()
    Thread* current_thread;    // gs:8, the thread running on this CPU
    u32 id;                    // logical number: 0 is the boot CPU
    u32 apic_id;
    u32 preempt_count;         // > 0: the running thread must not be switched out involuntarily
    u32 spinlocks_held;        // locks held by this CPU right now (sleep with one held is a bug)
    u32 interrupt_depth;       // nesting of interrupt handlers running now
    bool need_resched;         // set when a better thread is ready; acted on at the next preemption point
    bool online;
    Thread* idle_thread;       // PID 0 of this CPU (CONCEPTS C2)
    RunQueue* run_queue;       // owned by kernel/sched
    gdt::CpuTables* tables;    // this CPU's GDT and TSS
    VirtAddr kernel_stack_top; // rsp0 of the running thread (syscall entry reads it)
    VirtAddr user_stack_scratch; // syscall entry parks the user rsp here
    u64 interrupts_handled;    // every interrupt (vector 32 and up) and NMI
    u64 context_switches;
    // By source, for /proc/interrupts (IPIs are counted by the SMP code).
    u64 irq_counts[16];        // the legacy ISA IRQs
    u64 local_timer_interrupts;
    u64 spurious_interrupts;
    u64 nmis_handled;
    // The top-level table this CPU has loaded (or is about to load), for
    // targeted TLB shoot-downs: written by load_root() only, read by other
    // CPUs (smp::cpus_with_root).
    PhysAddr loaded_root;
};

inline Cpu& this_cpu()
{
    Cpu* cpu;
    asm volatile("movq %%gs:0, %0" : "=r"(cpu));
    return *cpu;
}

inline Thread* current_thread()
{
    Thread* thread;
    asm volatile("movq %%gs:8, %0" : "=r"(thread));
    return thread;
}

// Loads the top-level table `root` into CR3, interrupts off. Publishes it
// first and fences: a CPU changing page tables writes the entries, fences,
// then reads every CPU's loaded_root (smp::cpus_with_root). Either it sees
// our root and shoots us down, or our page walks after the CR3 write see
// its new entries (Dekker). A root stored but not yet loaded at worst costs
// one needless flush.
inline void load_root(PhysAddr root)
{
    __atomic_store_n(&this_cpu().loaded_root, root, __ATOMIC_RELAXED);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    cpu::write_cr3(root);
}

namespace percpu {

// The boot CPU's block (static storage), installed in GS base before
// anything else that might ask for this_cpu().
void init_boot_cpu();
// Blocks for the application processors are created by the SMP code.
Cpu* cpu(u32 id);
u32 count();         // CPUs brought up so far
void register_cpu(Cpu* cpu); // the SMP code adds each AP's block
// Installs `cpu` as this CPU's block (writes GS base).
void install(Cpu* cpu);

}
