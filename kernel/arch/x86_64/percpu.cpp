// Per-CPU blocks; see percpu.h.
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/percpu.h>
#include <lib/verify.h>

// The boot CPU's block. boot.S points GS base at it before calling
// kernel_main, so this_cpu() works from the first C++ instruction.
extern "C" {
Cpu boot_cpu_block;
}

namespace percpu {

namespace {
Cpu& s_boot_cpu = boot_cpu_block;
Cpu* s_cpus[kMaxCpus];
u32 s_count;
}

void install(Cpu* cpu)
{
    cpu->self = cpu;
    cpu::wrmsr(cpu::MSR_GS_BASE, reinterpret_cast<u64>(cpu));
}

void init_boot_cpu()
{
    s_boot_cpu.id = 0;
    s_boot_cpu.online = true;
    s_boot_cpu.tables = &gdt::current();
    install(&s_boot_cpu);
    s_cpus[0] = &s_boot_cpu;
    s_count = 1;
}

void register_cpu(Cpu* cpu)
{
    VERIFY(cpu->id < kMaxCpus && !s_cpus[cpu->id]);
    s_cpus[cpu->id] = cpu;
    __atomic_add_fetch(&s_count, 1, __ATOMIC_RELEASE);
}

Cpu* cpu(u32 id) { return id < kMaxCpus ? s_cpus[id] : nullptr; }
u32 count() { return __atomic_load_n(&s_count, __ATOMIC_ACQUIRE); }

}
