// /tests/bin/signal_test: signals (issue 5), checked the same on Linux and
// on Haneul. Handlers run and get their siginfo; faults (SIGSEGV, SIGFPE,
// SIGILL) are caught and left with siglongjmp; blocked signals wait and
// come on unblock; real-time signals queue in order with their values,
// standard ones coalesce; SA_RESTART restarts a read, without it EINTR;
// kill(0), SIGCHLD ignored (no zombies), alarm and pause, interval timers,
// sigaltstack, the FPU/SSE/AVX registers across a handler that uses them,
// stop and continue seen by waitpid, SIGPIPE, exec resetting handlers, and
// a bad rt_sigreturn frame ending in SIGSEGV. Anything that changes the
// process's signal state runs in a forked child.
#include "guest_test.h"

#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

namespace {

const char* g_self = "/proc/self/exe";

volatile sig_atomic_t g_count;
volatile sig_atomic_t g_last_signal;
volatile int g_values[16];
volatile sig_atomic_t g_value_count;
siginfo_t g_info;
sigjmp_buf g_jump;
volatile uintptr_t g_handler_stack_address;

void counting_handler(int signal)
{
    g_last_signal = signal;
    g_count = g_count + 1;
}

void info_handler(int signal, siginfo_t* info, void*)
{
    g_last_signal = signal;
    g_info = *info;
    g_count = g_count + 1;
}

void value_handler(int, siginfo_t* info, void*)
{
    if (g_value_count < 16)
        g_values[g_value_count] = info->si_value.sival_int;
    g_value_count = g_value_count + 1;
}

void jumping_handler(int signal, siginfo_t* info, void*)
{
    g_last_signal = signal;
    g_info = *info;
    siglongjmp(g_jump, 1);
}

void install(int signal, void (*handler)(int), int flags = 0)
{
    struct sigaction action {};
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, nullptr);
}

void install_info(int signal, void (*handler)(int, siginfo_t*, void*), int flags = 0)
{
    struct sigaction action {};
    action.sa_sigaction = handler;
    action.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, nullptr);
}

void no_core_dumps()
{
    rlimit none { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
}

long now_ms()
{
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

}

TEST(handler_runs_on_raise)
{
    int status = guest_test::in_child([] {
        install(SIGUSR1, counting_handler);
        g_count = 0;
        EXPECT_OK(raise(SIGUSR1));
        EXPECT_EQ(g_count, 1);
        EXPECT_EQ(g_last_signal, SIGUSR1);
    });
    EXPECT_EXITED(status, 0);
}

TEST(siginfo_of_kill_names_the_sender)
{
    int status = guest_test::in_child([] {
        install_info(SIGUSR2, info_handler);
        g_count = 0;
        EXPECT_OK(kill(getpid(), SIGUSR2));
        EXPECT_EQ(g_count, 1);
        EXPECT_EQ(g_info.si_signo, SIGUSR2);
        EXPECT_EQ(g_info.si_code, SI_USER);
        EXPECT_EQ(g_info.si_pid, getpid());
        EXPECT_EQ(g_info.si_uid, getuid());
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigaction_rejects_sigkill_sigstop_and_bad_sizes)
{
    struct sigaction action {};
    action.sa_handler = counting_handler;
    EXPECT_ERRNO(sigaction(SIGKILL, &action, nullptr), EINVAL);
    EXPECT_ERRNO(sigaction(SIGSTOP, &action, nullptr), EINVAL);
    EXPECT_ERRNO(sigaction(0, &action, nullptr), EINVAL);
    EXPECT_ERRNO(sigaction(65, &action, nullptr), EINVAL);
    struct sigaction old {};
    EXPECT_OK(sigaction(SIGKILL, nullptr, &old)); // reading is fine
    EXPECT(old.sa_handler == SIG_DFL);
    // The kernel's sigset is 8 bytes; any other size is EINVAL.
    EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, nullptr, nullptr, 4), EINVAL);
    EXPECT_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, nullptr, 16), EINVAL);
    sigset_t set;
    sigemptyset(&set);
    EXPECT_ERRNO(sigprocmask(42, &set, nullptr), EINVAL);
}

TEST(sigkill_and_sigstop_cannot_be_blocked)
{
    int status = guest_test::in_child([] {
        sigset_t set;
        sigfillset(&set);
        EXPECT_OK(sigprocmask(SIG_SETMASK, &set, nullptr));
        sigset_t now;
        EXPECT_OK(sigprocmask(SIG_SETMASK, nullptr, &now));
        EXPECT(sigismember(&now, SIGUSR1));
        EXPECT(!sigismember(&now, SIGKILL));
        EXPECT(!sigismember(&now, SIGSTOP));
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigsegv_caught_with_maperr_address_and_longjmp)
{
    int status = guest_test::in_child([] {
        install_info(SIGSEGV, jumping_handler);
        volatile int* bad = guest_test::bad_pointer<volatile int>(0x10);
        if (sigsetjmp(g_jump, 1) == 0) {
            *bad = 1;
            EXPECT(!"the store did not fault");
        }
        EXPECT_EQ(g_last_signal, SIGSEGV);
        EXPECT_EQ(g_info.si_code, SEGV_MAPERR);
        EXPECT_EQ((uintptr_t)g_info.si_addr, 0x10);
        // The jump restored the mask: a second fault is caught too.
        if (sigsetjmp(g_jump, 1) == 0) {
            *bad = 2;
            EXPECT(!"the second store did not fault");
        }
        EXPECT_EQ(g_info.si_code, SEGV_MAPERR);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigsegv_accerr_for_a_read_only_page)
{
    int status = guest_test::in_child([] {
        install_info(SIGSEGV, jumping_handler);
        void* page = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT(page != MAP_FAILED);
        volatile char* p = static_cast<volatile char*>(page);
        (void)p[0];
        if (sigsetjmp(g_jump, 1) == 0) {
            p[100] = 1;
            EXPECT(!"the store did not fault");
        }
        EXPECT_EQ(g_info.si_code, SEGV_ACCERR);
        EXPECT_EQ((uintptr_t)g_info.si_addr, (uintptr_t)page + 100);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigfpe_on_divide_by_zero_caught)
{
    int status = guest_test::in_child([] {
        install_info(SIGFPE, jumping_handler);
        volatile int zero = guest_test::opaque(0);
        volatile int result = 0;
        if (sigsetjmp(g_jump, 1) == 0) {
            result = 10 / zero;
            EXPECT(!"the division did not fault");
        }
        (void)result;
        EXPECT_EQ(g_last_signal, SIGFPE);
        EXPECT_EQ(g_info.si_code, FPE_INTDIV);
        EXPECT_NE((uintptr_t)g_info.si_addr, 0);
    });
    EXPECT_EXITED(status, 0);
}

extern "C" void signal_test_ud2();
asm(".text\n.globl signal_test_ud2\nsignal_test_ud2:\n ud2\n ret\n");

TEST(sigill_on_invalid_opcode_with_its_address)
{
    int status = guest_test::in_child([] {
        install_info(SIGILL, jumping_handler);
        if (sigsetjmp(g_jump, 1) == 0) {
            signal_test_ud2();
            EXPECT(!"ud2 did not fault");
        }
        EXPECT_EQ(g_last_signal, SIGILL);
        EXPECT_EQ(g_info.si_code, ILL_ILLOPN);
        EXPECT_EQ((uintptr_t)g_info.si_addr, (uintptr_t)&signal_test_ud2);
    });
    EXPECT_EXITED(status, 0);
}

TEST(a_handler_may_return_after_int3)
{
    int status = guest_test::in_child([] {
        install(SIGTRAP, counting_handler);
        g_count = 0;
        asm volatile("int3");
        EXPECT_EQ(g_count, 1); // int3 is a trap: execution goes on after it
    });
    EXPECT_EXITED(status, 0);
}

TEST(a_blocked_fault_signal_kills)
{
    int status = guest_test::in_child([] {
        no_core_dumps();
        install_info(SIGSEGV, jumping_handler);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        *guest_test::bad_pointer<volatile int>(0x20) = 1;
        _exit(3);
    });
    EXPECT_SIGNALED(status, SIGSEGV);
    EXPECT(!WCOREDUMP(status)); // RLIMIT_CORE 0: no core, no flag
}

TEST(default_actions_terminate_ignore_and_no_core_flag)
{
    int status = guest_test::in_child([] {
        raise(SIGTERM);
        _exit(3);
    });
    EXPECT_SIGNALED(status, SIGTERM);
    status = guest_test::in_child([] {
        no_core_dumps();
        raise(SIGQUIT);
        _exit(3);
    });
    EXPECT_SIGNALED(status, SIGQUIT);
    EXPECT(!WCOREDUMP(status));
    status = guest_test::in_child([] {
        raise(SIGCHLD); // ignored by default
        raise(SIGWINCH);
        raise(SIGURG);
        _exit(4);
    });
    EXPECT_EXITED(status, 4);
}

TEST(blocked_signal_stays_pending_until_unblocked)
{
    int status = guest_test::in_child([] {
        install(SIGUSR1, counting_handler);
        g_count = 0;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        EXPECT_OK(sigprocmask(SIG_BLOCK, &set, nullptr));
        EXPECT_OK(raise(SIGUSR1));
        EXPECT_OK(raise(SIGUSR1)); // standard signals do not queue
        EXPECT_EQ(g_count, 0);
        sigset_t pending;
        EXPECT_OK(sigpending(&pending));
        EXPECT(sigismember(&pending, SIGUSR1));
        EXPECT_OK(sigprocmask(SIG_UNBLOCK, &set, nullptr));
        EXPECT_EQ(g_count, 1);
        EXPECT_OK(sigpending(&pending));
        EXPECT(!sigismember(&pending, SIGUSR1));
    });
    EXPECT_EXITED(status, 0);
}

TEST(ignoring_a_pending_signal_discards_it)
{
    int status = guest_test::in_child([] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        raise(SIGUSR2);
        signal(SIGUSR2, SIG_IGN);
        sigset_t pending;
        sigpending(&pending);
        EXPECT(!sigismember(&pending, SIGUSR2));
        signal(SIGUSR2, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &set, nullptr); // nothing left to kill us
    });
    EXPECT_EXITED(status, 0);
}

TEST(realtime_signals_queue_in_order_with_values)
{
    int status = guest_test::in_child([] {
        int signal = SIGRTMIN + 1;
        install_info(signal, value_handler);
        g_value_count = 0;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signal);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        for (int i = 1; i <= 5; ++i) {
            sigval value;
            value.sival_int = i * 11;
            EXPECT_OK(sigqueue(getpid(), signal, value));
        }
        EXPECT_EQ(g_value_count, 0);
        sigprocmask(SIG_UNBLOCK, &set, nullptr);
        EXPECT_EQ(g_value_count, 5);
        for (int i = 0; i < 5; ++i)
            EXPECT_EQ(g_values[i], (i + 1) * 11);
    });
    EXPECT_EXITED(status, 0);
}

TEST(lower_realtime_signals_are_taken_first)
{
    int status = guest_test::in_child([] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN + 2);
        sigaddset(&set, SIGRTMIN + 3);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        sigval value;
        value.sival_int = 3;
        EXPECT_OK(sigqueue(getpid(), SIGRTMIN + 3, value));
        value.sival_int = 2;
        EXPECT_OK(sigqueue(getpid(), SIGRTMIN + 2, value));
        siginfo_t info {};
        timespec zero { 0, 0 };
        EXPECT_EQ(sigtimedwait(&set, &info, &zero), SIGRTMIN + 2);
        EXPECT_EQ(info.si_code, SI_QUEUE);
        EXPECT_EQ(info.si_value.sival_int, 2);
        EXPECT_EQ(info.si_pid, getpid());
        EXPECT_EQ(sigtimedwait(&set, &info, &zero), SIGRTMIN + 3);
        EXPECT_EQ(info.si_value.sival_int, 3);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigqueueinfo_cannot_forge_kernel_codes_for_others)
{
    siginfo_t info {};
    info.si_code = SI_KERNEL;
    info.si_signo = SIGUSR1;
    EXPECT_ERRNO(syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &info), EPERM);
}

namespace {

// Reads one byte from a pipe whose writer sends it after `delay_ms`, with
// an interval timer firing every 20 ms meanwhile; returns read()'s result.
ssize_t read_with_timer(bool restart, int& saved_errno)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -2;
    pid_t writer = fork();
    if (writer == 0) {
        close(fds[0]);
        usleep(300 * 1000);
        char c = 'x';
        ssize_t ignored = write(fds[1], &c, 1);
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    install(SIGALRM, counting_handler, restart ? SA_RESTART : 0);
    g_count = 0;
    itimerval timer {};
    timer.it_value.tv_usec = 50 * 1000;
    setitimer(ITIMER_REAL, &timer, nullptr);
    char c = 0;
    ssize_t result = read(fds[0], &c, 1);
    saved_errno = errno;
    timer = {};
    setitimer(ITIMER_REAL, &timer, nullptr);
    waitpid(writer, nullptr, 0);
    close(fds[0]);
    return result;
}

}

TEST(sa_restart_restarts_a_read)
{
    int status = guest_test::in_child([] {
        int error = 0;
        ssize_t result = read_with_timer(true, error);
        EXPECT_EQ(g_count, 1); // the handler ran, and the read went on
        EXPECT_EQ(result, 1);
    });
    EXPECT_EXITED(status, 0);
}

TEST(without_sa_restart_a_read_fails_with_eintr)
{
    int status = guest_test::in_child([] {
        int error = 0;
        ssize_t result = read_with_timer(false, error);
        EXPECT_EQ(g_count, 1);
        EXPECT_EQ(result, -1);
        EXPECT_EQ(error, EINTR);
    });
    EXPECT_EXITED(status, 0);
}

TEST(stop_and_continue_do_not_disturb_a_read)
{
    int status = guest_test::in_child([] {
        int fds[2];
        EXPECT_OK(pipe(fds));
        pid_t reader = fork();
        if (reader == 0) {
            close(fds[1]);
            char c = 0;
            ssize_t got = read(fds[0], &c, 1); // no handler: stop/continue restart it
            _exit(got == 1 && c == 'y' ? 0 : 1);
        }
        close(fds[0]);
        usleep(100 * 1000);
        EXPECT_OK(kill(reader, SIGSTOP));
        int child_status = 0;
        EXPECT_EQ(waitpid(reader, &child_status, WUNTRACED), reader);
        EXPECT(WIFSTOPPED(child_status));
        EXPECT_EQ(WSTOPSIG(child_status), SIGSTOP);
        EXPECT_OK(kill(reader, SIGCONT));
        EXPECT_EQ(waitpid(reader, &child_status, WCONTINUED), reader);
        EXPECT(WIFCONTINUED(child_status));
        EXPECT_OK(write(fds[1], "y", 1));
        EXPECT_EQ(waitpid(reader, &child_status, 0), reader);
        EXPECT_EXITED(child_status, 0);
    });
    EXPECT_EXITED(status, 0);
}

TEST(kill_zero_signals_the_whole_group)
{
    int status = guest_test::in_child([] {
        if (setpgid(0, 0) != 0)
            _exit(77);
        install(SIGUSR1, counting_handler);
        g_count = 0;
        sigset_t block, empty;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigemptyset(&empty);
        sigprocmask(SIG_BLOCK, &block, nullptr);
        pid_t member = fork();
        if (member == 0) {
            // Inherits the handler and the mask; waits for the signal.
            while (g_count == 0)
                sigsuspend(&empty);
            _exit(5);
        }
        EXPECT_OK(kill(0, SIGUSR1));
        sigprocmask(SIG_UNBLOCK, &block, nullptr);
        EXPECT_EQ(g_count, 1);
        int member_status = 0;
        EXPECT_EQ(waitpid(member, &member_status, 0), member);
        EXPECT_EXITED(member_status, 5);
        // A negative pid names a group: the same group again.
        g_count = 0;
        EXPECT_OK(kill(-getpgrp(), SIGUSR1));
        EXPECT_EQ(g_count, 1);
        EXPECT_ERRNO(kill(-999999, SIGUSR1), ESRCH);
    });
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        SKIP("setpgid is not available");
    EXPECT_EXITED(status, 0);
}

TEST(kill_signal_zero_checks_existence)
{
    EXPECT_OK(kill(getpid(), 0));
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    int status;
    waitpid(child, &status, 0);
    EXPECT_ERRNO(kill(child, 0), ESRCH);
    EXPECT_ERRNO(kill(getpid(), 65), EINVAL);
}

TEST(ignored_sigchld_reaps_children_at_once)
{
    int status = guest_test::in_child([] {
        signal(SIGCHLD, SIG_IGN);
        pid_t child = fork();
        if (child == 0)
            _exit(0);
        // wait blocks until the child is gone, then finds nobody.
        EXPECT_ERRNO(wait(nullptr), ECHILD);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sa_nocldwait_reaps_children_and_still_signals)
{
    int status = guest_test::in_child([] {
        install(SIGCHLD, counting_handler, SA_NOCLDWAIT);
        g_count = 0;
        pid_t child = fork();
        if (child == 0)
            _exit(0);
        EXPECT_ERRNO(wait(nullptr), ECHILD);
        long until = now_ms() + 2000;
        while (g_count == 0 && now_ms() < until)
            usleep(1000);
        EXPECT_EQ(g_count, 1);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigchld_handler_gets_the_childs_status)
{
    int status = guest_test::in_child([] {
        install_info(SIGCHLD, info_handler);
        g_count = 0;
        sigset_t block, empty;
        sigemptyset(&block);
        sigaddset(&block, SIGCHLD);
        sigemptyset(&empty);
        sigprocmask(SIG_BLOCK, &block, nullptr);
        pid_t child = fork();
        if (child == 0)
            _exit(7);
        while (g_count == 0)
            sigsuspend(&empty);
        EXPECT_EQ(g_info.si_signo, SIGCHLD);
        EXPECT_EQ(g_info.si_code, CLD_EXITED);
        EXPECT_EQ(g_info.si_pid, child);
        EXPECT_EQ(g_info.si_status, 7);
        int child_status = 0;
        EXPECT_EQ(waitpid(child, &child_status, 0), child); // still a zombie until waited for
        EXPECT_EXITED(child_status, 7);
    });
    EXPECT_EXITED(status, 0);
}

TEST(alarm_interrupts_pause)
{
    int status = guest_test::in_child([] {
        install(SIGALRM, counting_handler);
        g_count = 0;
        EXPECT_EQ(alarm(1), 0u);
        long start = now_ms();
        EXPECT_ERRNO(pause(), EINTR);
        long took = now_ms() - start;
        EXPECT_EQ(g_count, 1);
        EXPECT_GE(took, 900);
        EXPECT_LT(took, 5000);
        // alarm() answers what the previous one had left.
        EXPECT_EQ(alarm(5), 0u);
        EXPECT_EQ(alarm(0), 5u);
    });
    EXPECT_EXITED(status, 0);
}

TEST(interval_timer_repeats)
{
    int status = guest_test::in_child([] {
        install(SIGALRM, counting_handler);
        g_count = 0;
        itimerval timer {};
        timer.it_value.tv_usec = 20 * 1000;
        timer.it_interval.tv_usec = 20 * 1000;
        EXPECT_OK(setitimer(ITIMER_REAL, &timer, nullptr));
        itimerval now {};
        EXPECT_OK(getitimer(ITIMER_REAL, &now));
        EXPECT_EQ(now.it_interval.tv_usec, 20 * 1000);
        EXPECT(now.it_value.tv_sec == 0 && now.it_value.tv_usec <= 20 * 1000);
        long until = now_ms() + 3000;
        while (g_count < 3 && now_ms() < until)
            pause();
        EXPECT_GE(g_count, 3);
        timer = {};
        EXPECT_OK(setitimer(ITIMER_REAL, &timer, &now));
        EXPECT_EQ(now.it_interval.tv_usec, 20 * 1000);
        EXPECT_OK(getitimer(ITIMER_REAL, &now));
        EXPECT(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);
        timer.it_value.tv_usec = 1000000; // not a valid timeval
        EXPECT_ERRNO(setitimer(ITIMER_REAL, &timer, nullptr), EINVAL);
        EXPECT_ERRNO(setitimer(7, &timer, nullptr), EINVAL);
    });
    EXPECT_EXITED(status, 0);
}

TEST(virtual_timer_counts_cpu_time)
{
    int status = guest_test::in_child([] {
        install(SIGVTALRM, counting_handler);
        g_count = 0;
        itimerval timer {};
        timer.it_value.tv_usec = 50 * 1000;
        EXPECT_OK(setitimer(ITIMER_VIRTUAL, &timer, nullptr));
        long start = now_ms();
        volatile unsigned long spin = 0;
        while (g_count == 0 && now_ms() - start < 5000)
            spin = spin + 1;
        EXPECT_EQ(g_count, 1);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigaltstack_is_used_with_sa_onstack)
{
    int status = guest_test::in_child([] {
        static char stack_memory[64 * 1024];
        stack_t stack {};
        stack.ss_sp = stack_memory;
        stack.ss_size = sizeof(stack_memory);
        EXPECT_OK(sigaltstack(&stack, nullptr));
        stack_t now {};
        EXPECT_OK(sigaltstack(nullptr, &now));
        EXPECT(now.ss_sp == stack_memory);
        EXPECT_EQ(now.ss_flags, 0);
        struct sigaction action {};
        action.sa_handler = [](int) {
            int local;
            g_handler_stack_address = reinterpret_cast<uintptr_t>(&local);
            stack_t inside {};
            sigaltstack(nullptr, &inside);
            g_count = inside.ss_flags;
        };
        action.sa_flags = SA_ONSTACK;
        sigaction(SIGUSR1, &action, nullptr);
        g_count = -1;
        raise(SIGUSR1);
        uintptr_t low = reinterpret_cast<uintptr_t>(stack_memory);
        EXPECT(g_handler_stack_address > low && g_handler_stack_address < low + sizeof(stack_memory));
        EXPECT_EQ(g_count, SS_ONSTACK);
        // Too small a stack is ENOMEM, bad flags EINVAL.
        stack.ss_size = 100;
        EXPECT_ERRNO(sigaltstack(&stack, nullptr), ENOMEM);
        stack.ss_size = sizeof(stack_memory);
        stack.ss_flags = 0x1234;
        EXPECT_ERRNO(sigaltstack(&stack, nullptr), EINVAL);
    });
    EXPECT_EXITED(status, 0);
}

TEST(a_stack_overflow_is_caught_on_the_alternate_stack)
{
    int status = guest_test::in_child([] {
        static char stack_memory[64 * 1024];
        stack_t stack {};
        stack.ss_sp = stack_memory;
        stack.ss_size = sizeof(stack_memory);
        sigaltstack(&stack, nullptr);
        install_info(SIGSEGV, jumping_handler, SA_ONSTACK);
        rlimit small { 256 * 1024, 256 * 1024 };
        setrlimit(RLIMIT_STACK, &small);
        if (sigsetjmp(g_jump, 1) == 0) {
            struct Recurse {
                static int down(int depth)
                {
                    if (depth > 1000000)
                        return 0;
                    volatile char pad[4096];
                    pad[0] = static_cast<char>(depth);
                    return down(depth + 1) + pad[0];
                }
            };
            (void)Recurse::down(0);
        }
        EXPECT_EQ(g_last_signal, SIGSEGV);
    });
    EXPECT_EXITED(status, 0);
}

namespace {

struct Vector {
    uint64_t low, high;
};

void sse_clobbering_handler(int)
{
    // Uses every vector register and changes MXCSR: none of it may leak
    // back into the interrupted code.
    asm volatile("pcmpeqd %%xmm0, %%xmm0\n"
                 "movdqa %%xmm0, %%xmm1\n movdqa %%xmm0, %%xmm2\n movdqa %%xmm0, %%xmm3\n"
                 "movdqa %%xmm0, %%xmm4\n movdqa %%xmm0, %%xmm5\n movdqa %%xmm0, %%xmm6\n"
                 "movdqa %%xmm0, %%xmm7\n movdqa %%xmm0, %%xmm8\n movdqa %%xmm0, %%xmm9\n"
                 "movdqa %%xmm0, %%xmm10\n movdqa %%xmm0, %%xmm11\n movdqa %%xmm0, %%xmm12\n"
                 "movdqa %%xmm0, %%xmm13\n movdqa %%xmm0, %%xmm14\n movdqa %%xmm0, %%xmm15\n"
                 :
                 :
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                 "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    unsigned mxcsr;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    g_last_signal = static_cast<int>(mxcsr); // what the handler started with
    mxcsr = 0x7f80 | (3u << 13);              // round toward zero
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
    volatile double x = 1.5;
    volatile double y = x * 3.25;
    (void)y;
    g_count = g_count + 1;
}

}

TEST(sse_registers_and_mxcsr_survive_a_handler)
{
    int status = guest_test::in_child([] {
        install(SIGUSR1, sse_clobbering_handler);
        g_count = 0;
        alignas(16) Vector before[16];
        alignas(16) Vector after[16];
        for (int i = 0; i < 16; ++i)
            before[i] = { 0x0101010101010101ull * (i + 1), 0x1111111111111111ull * (15 - i) };
        unsigned mxcsr_in = 0x1f80 | (1u << 13); // round down
        unsigned mxcsr_out = 0;
        long pid = getpid();
        long tid = syscall(SYS_gettid);
        // Load every register, signal ourselves with a raw tgkill (the
        // handler runs on its way back), then read them all out.
        asm volatile("ldmxcsr %[in]\n"
                     "movdqa 0(%[b]), %%xmm0\n movdqa 16(%[b]), %%xmm1\n movdqa 32(%[b]), %%xmm2\n"
                     "movdqa 48(%[b]), %%xmm3\n movdqa 64(%[b]), %%xmm4\n movdqa 80(%[b]), %%xmm5\n"
                     "movdqa 96(%[b]), %%xmm6\n movdqa 112(%[b]), %%xmm7\n movdqa 128(%[b]), %%xmm8\n"
                     "movdqa 144(%[b]), %%xmm9\n movdqa 160(%[b]), %%xmm10\n movdqa 176(%[b]), %%xmm11\n"
                     "movdqa 192(%[b]), %%xmm12\n movdqa 208(%[b]), %%xmm13\n movdqa 224(%[b]), %%xmm14\n"
                     "movdqa 240(%[b]), %%xmm15\n"
                     "mov %[nr], %%eax\n syscall\n"
                     "movdqa %%xmm0, 0(%[a])\n movdqa %%xmm1, 16(%[a])\n movdqa %%xmm2, 32(%[a])\n"
                     "movdqa %%xmm3, 48(%[a])\n movdqa %%xmm4, 64(%[a])\n movdqa %%xmm5, 80(%[a])\n"
                     "movdqa %%xmm6, 96(%[a])\n movdqa %%xmm7, 112(%[a])\n movdqa %%xmm8, 128(%[a])\n"
                     "movdqa %%xmm9, 144(%[a])\n movdqa %%xmm10, 160(%[a])\n movdqa %%xmm11, 176(%[a])\n"
                     "movdqa %%xmm12, 192(%[a])\n movdqa %%xmm13, 208(%[a])\n movdqa %%xmm14, 224(%[a])\n"
                     "movdqa %%xmm15, 240(%[a])\n"
                     "stmxcsr %[out]\n"
                     : [out] "=m"(mxcsr_out)
                     : [in] "m"(mxcsr_in), [b] "r"(before), [a] "r"(after), [nr] "i"(SYS_tgkill), "D"(pid),
                     "S"(tid), "d"(SIGUSR1)
                     : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                     "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
        unsigned restore = 0x1f80;
        asm volatile("ldmxcsr %0" : : "m"(restore));
        EXPECT_EQ(g_count, 1);
        EXPECT_EQ(g_last_signal & 0xffff, 0x1f80); // the handler started from the initial state
        EXPECT_EQ(mxcsr_out & ~0x3fu, mxcsr_in);
        for (int i = 0; i < 16; ++i) {
            EXPECT_EQ(after[i].low, before[i].low);
            EXPECT_EQ(after[i].high, before[i].high);
        }
    });
    EXPECT_EXITED(status, 0);
}

namespace {

void avx_clobbering_handler(int)
{
    asm volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n vmovdqa %%ymm0, %%ymm7\n vmovdqa %%ymm0, %%ymm15\n"
                 :
                 :
                 : "xmm0", "xmm7", "xmm15");
    g_count = g_count + 1;
}

}

TEST(avx_upper_halves_survive_a_handler)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx"))
        SKIP("no AVX on this CPU");
    int status = guest_test::in_child([] {
        install(SIGUSR1, avx_clobbering_handler);
        g_count = 0;
        alignas(32) uint64_t before[4] = { 1, 2, 0x3333333333333333ull, 0x4444444444444444ull };
        alignas(32) uint64_t after7[4] = {};
        alignas(32) uint64_t after15[4] = {};
        long pid = getpid();
        long tid = syscall(SYS_gettid);
        asm volatile("vmovdqa (%[b]), %%ymm7\n vmovdqa (%[b]), %%ymm15\n"
                     "mov %[nr], %%eax\n syscall\n"
                     "vmovdqa %%ymm7, (%[a7])\n vmovdqa %%ymm15, (%[a15])\n vzeroupper\n"
                     :
                     : [b] "r"(before), [a7] "r"(after7), [a15] "r"(after15), [nr] "i"(SYS_tgkill), "D"(pid),
                     "S"(tid), "d"(SIGUSR1)
                     : "rax", "rcx", "r11", "memory", "xmm7", "xmm15");
        EXPECT_EQ(g_count, 1);
        for (int i = 0; i < 4; ++i) {
            EXPECT_EQ(after7[i], before[i]);
            EXPECT_EQ(after15[i], before[i]);
        }
    });
    EXPECT_EXITED(status, 0);
}

TEST(handler_mask_sa_nodefer_and_sa_resethand)
{
    int status = guest_test::in_child([] {
        struct sigaction action {};
        action.sa_handler = [](int) {
            sigset_t now;
            sigprocmask(SIG_SETMASK, nullptr, &now);
            g_last_signal = (sigismember(&now, SIGUSR1) ? 1 : 0) | (sigismember(&now, SIGUSR2) ? 2 : 0);
            g_count = g_count + 1;
        };
        sigemptyset(&action.sa_mask);
        sigaddset(&action.sa_mask, SIGUSR2);
        sigaction(SIGUSR1, &action, nullptr);
        g_count = 0;
        raise(SIGUSR1);
        EXPECT_EQ(g_count, 1);
        EXPECT_EQ(g_last_signal, 3); // itself and sa_mask blocked inside
        sigset_t now;
        sigprocmask(SIG_SETMASK, nullptr, &now);
        EXPECT(!sigismember(&now, SIGUSR1)); // and back after
        action.sa_flags = SA_NODEFER | SA_RESETHAND;
        sigaction(SIGUSR1, &action, nullptr);
        raise(SIGUSR1);
        EXPECT_EQ(g_count, 2);
        EXPECT_EQ(g_last_signal, 2); // SA_NODEFER: not itself
        struct sigaction after {};
        sigaction(SIGUSR1, nullptr, &after);
        EXPECT(after.sa_handler == SIG_DFL); // SA_RESETHAND
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigsuspend_waits_with_its_mask_then_restores)
{
    int status = guest_test::in_child([] {
        install(SIGUSR1, counting_handler);
        g_count = 0;
        sigset_t block, empty, now;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigemptyset(&empty);
        sigprocmask(SIG_BLOCK, &block, nullptr);
        pid_t parent = getpid();
        pid_t sender = fork();
        if (sender == 0) {
            usleep(50 * 1000);
            kill(parent, SIGUSR1);
            _exit(0);
        }
        EXPECT_ERRNO(sigsuspend(&empty), EINTR);
        EXPECT_EQ(g_count, 1);
        sigprocmask(SIG_SETMASK, nullptr, &now);
        EXPECT(sigismember(&now, SIGUSR1));
        waitpid(sender, nullptr, 0);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sigtimedwait_takes_a_blocked_signal_or_times_out)
{
    int status = guest_test::in_child([] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        raise(SIGUSR2);
        siginfo_t info {};
        timespec zero { 0, 0 };
        EXPECT_EQ(sigtimedwait(&set, &info, &zero), SIGUSR2);
        EXPECT_EQ(info.si_signo, SIGUSR2);
        // raise() is tgkill: SI_TKILL, which some recent kernels report as SI_USER.
        EXPECT(info.si_code == SI_TKILL || info.si_code == SI_USER);
        EXPECT_EQ(info.si_pid, getpid());
        EXPECT_ERRNO(sigtimedwait(&set, &info, &zero), EAGAIN);
        timespec short_wait { 0, 50 * 1000 * 1000 };
        long start = now_ms();
        EXPECT_ERRNO(sigtimedwait(&set, &info, &short_wait), EAGAIN);
        EXPECT_GE(now_ms() - start, 40);
        // A default-ignored signal waited for is not dropped.
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        pid_t child = fork();
        if (child == 0)
            _exit(0);
        timespec long_wait { 5, 0 };
        EXPECT_EQ(sigtimedwait(&set, &info, &long_wait), SIGCHLD);
        EXPECT_EQ(info.si_pid, child);
        waitpid(child, nullptr, 0);
    });
    EXPECT_EXITED(status, 0);
}

TEST(pthread_kill_reaches_that_thread)
{
    int status = guest_test::in_child([] {
        static volatile long handled_by;
        static volatile long target_tid;
        static volatile int done;
        install(SIGUSR1, [](int) { handled_by = syscall(SYS_gettid); });
        pthread_t thread;
        pthread_create(
            &thread, nullptr,
            [](void*) -> void* {
                target_tid = syscall(SYS_gettid);
                while (!done)
                    usleep(1000);
                return nullptr;
            },
            nullptr);
        while (!target_tid)
            usleep(1000);
        EXPECT_OK(pthread_kill(thread, SIGUSR1) == 0 ? 0 : -1);
        long until = now_ms() + 2000;
        while (!handled_by && now_ms() < until)
            usleep(1000);
        done = 1;
        pthread_join(thread, nullptr);
        EXPECT_EQ(handled_by, target_tid);
        EXPECT_ERRNO(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1), ESRCH);
        EXPECT_ERRNO(syscall(SYS_tgkill, 0, target_tid, SIGUSR1), EINVAL);
    });
    EXPECT_EXITED(status, 0);
}

TEST(writing_to_a_pipe_without_readers_raises_sigpipe)
{
    int status = guest_test::in_child([] {
        int fds[2];
        pipe(fds);
        close(fds[0]);
        ssize_t ignored = write(fds[1], "x", 1);
        (void)ignored;
        _exit(3);
    });
    EXPECT_SIGNALED(status, SIGPIPE);
    status = guest_test::in_child([] {
        signal(SIGPIPE, SIG_IGN);
        int fds[2];
        pipe(fds);
        close(fds[0]);
        EXPECT_ERRNO(write(fds[1], "x", 1), EPIPE);
    });
    EXPECT_EXITED(status, 0);
}

TEST(exec_resets_handlers_but_keeps_ignored_and_mask)
{
    int status = guest_test::in_child([] {
        install(SIGUSR1, counting_handler);
        signal(SIGUSR2, SIG_IGN);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, nullptr);
        char* argv[] = { const_cast<char*>(g_self), const_cast<char*>("--exec-check"), nullptr };
        execv(g_self, argv);
        _exit(99);
    });
    EXPECT_EXITED(status, 0);
}

TEST(a_bad_sigreturn_frame_is_sigsegv)
{
    int status = guest_test::in_child([] {
        no_core_dumps();
        // rt_sigreturn with the stack pointing at unmapped memory.
        asm volatile("mov $0x1000, %%rsp\n mov %0, %%eax\n syscall\n ud2\n" : : "i"(SYS_rt_sigreturn) : "memory");
    });
    EXPECT_SIGNALED(status, SIGSEGV);
    status = guest_test::in_child([] {
        no_core_dumps();
        // A readable frame whose rip is not a user address.
        static ucontext_t frame_memory[2];
        memset(frame_memory, 0, sizeof(frame_memory));
        char* frame = reinterpret_cast<char*>(&frame_memory[0]) + 8; // rsp after the handler's ret
        ucontext_t* context = reinterpret_cast<ucontext_t*>(frame);
        context->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(0xffff800000001000ull);
        context->uc_mcontext.gregs[REG_RSP] = reinterpret_cast<greg_t>(frame);
        asm volatile("mov %0, %%rsp\n mov %1, %%eax\n syscall\n ud2\n"
                     :
                     : "r"(frame), "i"(SYS_rt_sigreturn)
                     : "memory");
    });
    EXPECT_SIGNALED(status, SIGSEGV);
}

namespace {

// The second half of exec_resets_handlers_but_keeps_ignored_and_mask,
// after execv: exit 0 when the signal state is what Linux leaves.
int exec_check()
{
    struct sigaction action {};
    sigaction(SIGUSR1, nullptr, &action);
    if (action.sa_handler != SIG_DFL)
        return 1;
    sigaction(SIGUSR2, nullptr, &action);
    if (action.sa_handler != SIG_IGN)
        return 2;
    sigset_t now;
    sigprocmask(SIG_SETMASK, nullptr, &now);
    if (!sigismember(&now, SIGHUP))
        return 3;
    return 0;
}

}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "--exec-check") == 0)
        return exec_check();
    if (access("/proc/self/exe", X_OK) != 0 && argc > 0)
        g_self = argv[0];
    return guest_test::run_tests();
}
