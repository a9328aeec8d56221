// panic() and VERIFY failure: the kernel's last report (lib/panic.h), and
// panic_with_frame() (interrupts.h) for fatal exceptions (exceptions.cpp).
//
// The report, through kprintf so it reaches every console sink:
//   KERNEL PANIC: <message>
//   the registers: the interrupted context's for an exception, the caller's
//   otherwise; then CR0/CR2/CR3/CR4
//   Backtrace: one "  #n 0x<address> <function>+0x<offset>" line per frame
// then the other CPUs are stopped and, when booted with `test`, QEMU exits
// with the failure status so the harness sees the panic; otherwise the CPU
// halts for good.
//
// The report must work from any state: interrupts off, no heap, on an IST
// stack after a double fault, with a corrupt frame-pointer chain (every
// frame is read with probe_read_u64) or while already panicking.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/probe.h>
#include <arch/x86_64/qemu_exit.h>
#include <arch/x86_64/symbols.h>
#include <lib/cmdline.h>
#include <lib/format.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/verify.h>
#include <mm/layout.h>
#include <stdarg.h>

// The SMP code defines this (an IPI that halts every other CPU). Weak, so
// that until it exists the reference resolves to null and is not called.
[[gnu::weak]] void smp_stop_other_cpus();

extern "C" char _text_start[];
extern "C" char _text_end[];

namespace {

constexpr int kMaxFrames = 32;
constexpr u32 kNoCpu = ~0u;

// The CPU (initial APIC ID) that is reporting, and how many times panic was
// entered. A second entry on the same CPU is a panic inside the report; on
// another CPU it is a simultaneous panic, silenced so one report stays whole.
u32 s_panicking_cpu = kNoCpu;
int s_entries;

u32 this_cpu_id() { return cpu::cpuid(1).ebx >> 24; }

bool in_kernel_text(VirtAddr address)
{
    return address >= reinterpret_cast<VirtAddr>(_text_start) && address < reinterpret_cast<VirtAddr>(_text_end);
}

[[noreturn]] void finish()
{
    if (cmdline::has("test"))
        qemu::exit(false);
    cpu::halt_forever();
}

// Where we stand when panic() is called directly: the registers as they are
// on entry, with RIP/RBP/RSP those of panic()'s caller so that the dump and
// the backtrace start in the code that panicked.
[[gnu::always_inline]] inline void capture_registers(InterruptFrame& frame)
{
    asm volatile("movq %%rax, %c[rax](%[f])\n"
                 "movq %%rbx, %c[rbx](%[f])\n"
                 "movq %%rcx, %c[rcx](%[f])\n"
                 "movq %%rdx, %c[rdx](%[f])\n"
                 "movq %%rsi, %c[rsi](%[f])\n"
                 "movq %%rdi, %c[rdi](%[f])\n"
                 "movq %%r8, %c[r8](%[f])\n"
                 "movq %%r9, %c[r9](%[f])\n"
                 "movq %%r10, %c[r10](%[f])\n"
                 "movq %%r11, %c[r11](%[f])\n"
                 "movq %%r12, %c[r12](%[f])\n"
                 "movq %%r13, %c[r13](%[f])\n"
                 "movq %%r14, %c[r14](%[f])\n"
                 "movq %%r15, %c[r15](%[f])\n"
                 "pushfq\n"
                 "popq %c[rflags](%[f])\n"
                 :
                 : [f] "r"(&frame), [rax] "i"(__builtin_offsetof(InterruptFrame, rax)),
                 [rbx] "i"(__builtin_offsetof(InterruptFrame, rbx)), [rcx] "i"(__builtin_offsetof(InterruptFrame, rcx)),
                 [rdx] "i"(__builtin_offsetof(InterruptFrame, rdx)), [rsi] "i"(__builtin_offsetof(InterruptFrame, rsi)),
                 [rdi] "i"(__builtin_offsetof(InterruptFrame, rdi)), [r8] "i"(__builtin_offsetof(InterruptFrame, r8)),
                 [r9] "i"(__builtin_offsetof(InterruptFrame, r9)), [r10] "i"(__builtin_offsetof(InterruptFrame, r10)),
                 [r11] "i"(__builtin_offsetof(InterruptFrame, r11)), [r12] "i"(__builtin_offsetof(InterruptFrame, r12)),
                 [r13] "i"(__builtin_offsetof(InterruptFrame, r13)), [r14] "i"(__builtin_offsetof(InterruptFrame, r14)),
                 [r15] "i"(__builtin_offsetof(InterruptFrame, r15)),
                 [rflags] "i"(__builtin_offsetof(InterruptFrame, rflags))
                 : "memory");
    asm volatile("movq %%cs, %0" : "=r"(frame.cs));
    asm volatile("movq %%ss, %0" : "=r"(frame.ss));
    auto* own_frame = static_cast<u64*>(__builtin_frame_address(0));
    frame.rbp = own_frame[0];
    frame.rip = own_frame[1];
    frame.rsp = reinterpret_cast<u64>(own_frame + 2);
    frame.vector = ~0ull;
    frame.error_code = 0;
}

// "name+0xoff" for a code address. A return address is looked up one byte
// back: a call that ends a function (to a noreturn callee) returns to the
// first byte of the next one.
void describe(VirtAddr address, bool is_return_address, char* buffer, usize size)
{
    usize offset = 0;
    const char* name = symbols::lookup(is_return_address ? address - 1 : address, offset);
    if (!name) {
        format(buffer, size, "?");
        return;
    }
    if (is_return_address)
        ++offset;
    usize length = symbols::name_length(name);
    bool cut = length > symbols::kMaxPrintedNameLength;
    if (cut)
        length = symbols::kMaxPrintedNameLength;
    format(buffer, size, "%.*s%s+0x%lx", static_cast<int>(length), name, cut ? "..." : "", offset);
}

void print_registers(InterruptFrame const& frame, bool from_exception)
{
    char where[160];
    describe(frame.rip, !from_exception, where, sizeof(where));
    kprintf("%s:\n", from_exception ? "Registers of the interrupted context" : "Registers at the call to panic()");
    kprintf("  RIP 0x%016lx  %s\n", frame.rip, where);
    kprintf("  RSP 0x%016lx  RBP 0x%016lx  RFLAGS 0x%08lx\n", frame.rsp, frame.rbp, frame.rflags);
    kprintf("  CS  0x%04lx  SS 0x%04lx", frame.cs & 0xffff, frame.ss & 0xffff);
    if (from_exception)
        kprintf("  vector %lu  error code 0x%lx", frame.vector, frame.error_code);
    kprintf("\n");
    kprintf("  RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx\n", frame.rax, frame.rbx, frame.rcx);
    kprintf("  RDX 0x%016lx  RSI 0x%016lx  RDI 0x%016lx\n", frame.rdx, frame.rsi, frame.rdi);
    kprintf("  R8  0x%016lx  R9  0x%016lx  R10 0x%016lx\n", frame.r8, frame.r9, frame.r10);
    kprintf("  R11 0x%016lx  R12 0x%016lx  R13 0x%016lx\n", frame.r11, frame.r12, frame.r13);
    kprintf("  R14 0x%016lx  R15 0x%016lx\n", frame.r14, frame.r15);
    kprintf("  CR0 0x%016lx  CR2 0x%016lx\n  CR3 0x%016lx  CR4 0x%016lx\n", cpu::read_cr0(), cpu::read_cr2(),
        cpu::read_cr3(), cpu::read_cr4());
}

void print_frame(int index, VirtAddr address, bool is_return_address)
{
    char where[160];
    describe(address, is_return_address, where, sizeof(where));
    kprintf("  #%d 0x%016lx %s\n", index, address, where);
}

// Walks the frame-pointer chain: each frame is {saved rbp, return address}
// at rbp. Every step is checked, because the chain may be what broke. Runs
// of one return address (a recursion that overflowed the stack) print once.
void print_backtrace(VirtAddr rip, VirtAddr rbp, bool rip_is_return_address)
{
    kprintf("Backtrace:\n");
    print_frame(0, rip, rip_is_return_address);
    VirtAddr previous = rip;
    int repeats = 0;
    auto flush_repeats = [&] {
        if (repeats)
            kprintf("  ... the frame above repeated %d more times\n", repeats);
        repeats = 0;
    };
    for (int index = 1; index < kMaxFrames; ++index) {
        if (rbp == 0)
            break; // boot.S zeroes rbp before kernel_main: the outermost frame
        if (!is_aligned(rbp, 8) || rbp < mm::kDirectMapBase) {
            flush_repeats();
            kprintf("  (frame pointer 0x%016lx is not a kernel stack address; stopping)\n", rbp);
            return;
        }
        u64 saved_rbp = 0, return_address = 0;
        if (!probe_read_u64(rbp, saved_rbp) || !probe_read_u64(rbp + 8, return_address)) {
            flush_repeats();
            kprintf("  (frame at 0x%016lx is unreadable; stopping)\n", rbp);
            return;
        }
        if (return_address == 0)
            break;
        if (!in_kernel_text(return_address)) {
            flush_repeats();
            kprintf("  (return address 0x%016lx is outside the kernel text; stopping)\n", return_address);
            return;
        }
        if (return_address == previous && index > 1) {
            ++repeats;
        } else {
            flush_repeats();
            print_frame(index, return_address, true);
        }
        previous = return_address;
        // Callers' frames lie above their callees' on a downward stack; a
        // chain that does not climb is corrupt or loops.
        if (saved_rbp != 0 && saved_rbp <= rbp) {
            flush_repeats();
            kprintf("  (next frame 0x%016lx is not above 0x%016lx; stopping)\n", saved_rbp, rbp);
            return;
        }
        rbp = saved_rbp;
        if (index == kMaxFrames - 1 && rbp != 0) {
            flush_repeats();
            kprintf("  (stopped after %d frames)\n", kMaxFrames);
            return;
        }
    }
    flush_repeats();
}

[[noreturn]] void report(InterruptFrame const& frame, bool from_exception, const char* fmt, va_list args)
{
    cpu::cli();
    u32 cpu_id = this_cpu_id();
    u32 expected = kNoCpu;
    int entry = __atomic_fetch_add(&s_entries, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_compare_exchange_n(&s_panicking_cpu, &expected, cpu_id, false, __ATOMIC_SEQ_CST,
            __ATOMIC_SEQ_CST)) {
        if (expected != cpu_id)
            cpu::halt_forever(); // another CPU is reporting and will stop this one
        // Panicked while reporting: say so once, briefly, without the parts
        // (symbols, backtrace) that may be what failed.
        if (entry == 1) {
            char message[256];
            vformat(message, sizeof(message), fmt, args);
            kprintf("\nKERNEL PANIC while reporting a panic: %s (RIP 0x%016lx)\n", message, frame.rip);
        }
        finish();
    }

    char message[512];
    vformat(message, sizeof(message), fmt, args);
    kprintf("\nKERNEL PANIC: %s\n", message);
    print_registers(frame, from_exception);
    print_backtrace(frame.rip, frame.rbp, !from_exception);
    if (smp_stop_other_cpus)
        smp_stop_other_cpus();
    kprintf("End of panic report (CPU %u).\n", cpu_id);
    finish();
}

}

[[noreturn]] void panic(const char* fmt, ...)
{
    InterruptFrame frame;
    capture_registers(frame);
    va_list args;
    va_start(args, fmt);
    report(frame, false, fmt, args);
}

[[noreturn]] void panic_with_frame(InterruptFrame const& frame, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    report(frame, true, fmt, args);
}

[[noreturn]] void verify_failed(const char* expression, const char* file, int line, const char* function)
{
    panic("VERIFY(%s) failed at %s:%d in %s", expression, file, line, function);
}
