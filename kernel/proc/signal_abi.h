// Signals, the Linux x86-64 ABI and the rules that need no kernel state
// (issue 5): signal numbers and sets, struct sigaction as rt_sigaction
// sees it, siginfo_t and the builders of each kind of it, stack_t, the
// default action of every signal, which signal is taken first, and the
// restart decision for a system call a signal interrupted. Pure functions
// on plain values: tests/host/signal_rules_test.cpp checks them against
// the host's own <signal.h>.
//
// The kernel side (pending sets, delivery, stop/continue, timers) is
// proc/signals.h; the user-stack frame a handler gets is
// proc/signal_frame.h; the system calls are syscall/signal.cpp.
// Host-buildable.
#pragma once

#include <lib/types.h>
#include <security/credentials.h>

namespace signals {

// --- numbers (asm/signal.h) ---
constexpr int kSigHup = 1;
constexpr int kSigInt = 2;
constexpr int kSigQuit = 3;
constexpr int kSigIll = 4;
constexpr int kSigTrap = 5;
constexpr int kSigAbrt = 6;
constexpr int kSigBus = 7;
constexpr int kSigFpe = 8;
constexpr int kSigKill = 9;
constexpr int kSigUsr1 = 10;
constexpr int kSigSegv = 11;
constexpr int kSigUsr2 = 12;
constexpr int kSigPipe = 13;
constexpr int kSigAlrm = 14;
constexpr int kSigTerm = 15;
constexpr int kSigStkflt = 16;
constexpr int kSigChld = 17;
constexpr int kSigCont = 18;
constexpr int kSigStop = 19;
constexpr int kSigTstp = 20;
constexpr int kSigTtin = 21;
constexpr int kSigTtou = 22;
constexpr int kSigUrg = 23;
constexpr int kSigXcpu = 24;
constexpr int kSigXfsz = 25;
constexpr int kSigVtalrm = 26;
constexpr int kSigProf = 27;
constexpr int kSigWinch = 28;
constexpr int kSigIo = 29;
constexpr int kSigPwr = 30;
constexpr int kSigSys = 31;
constexpr int kSigRtMin = 32; // the kernel's SIGRTMIN (glibc keeps 32 and 33 for itself)
constexpr int kSigMax = 64;   // _NSIG: signals are 1..64

constexpr bool is_valid(int signal) { return signal >= 1 && signal <= kSigMax; }
constexpr bool is_realtime(int signal) { return signal >= kSigRtMin && signal <= kSigMax; }

// --- sets: bit (n - 1) for signal n, the kernel's 8-byte sigset_t ---
using SigSet = u64;
constexpr usize kSigSetSize = sizeof(SigSet); // what every *sigsetsize argument must be

constexpr SigSet bit(int signal) { return 1ull << (signal - 1); }
constexpr bool contains(SigSet set, int signal) { return set & bit(signal); }
constexpr SigSet kUnblockable = bit(kSigKill) | bit(kSigStop);
constexpr SigSet kStopSignals = bit(kSigStop) | bit(kSigTstp) | bit(kSigTtin) | bit(kSigTtou);
// Raised by the instruction that faulted: taken before anything else
// pending (Linux's SYNCHRONOUS_MASK), so the handler sees its own fault.
constexpr SigSet kSynchronous
    = bit(kSigSegv) | bit(kSigBus) | bit(kSigIll) | bit(kSigTrap) | bit(kSigFpe) | bit(kSigSys);

// The signal to take first from `set` (synchronous ones, then the lowest
// number); 0 when empty.
int next_signal(SigSet set);

// --- sigprocmask ---
constexpr int kSigBlock = 0;
constexpr int kSigUnblock = 1;
constexpr int kSigSetMask = 2;

// The blocked set after sigprocmask(how, set); false for an unknown `how`.
// SIGKILL and SIGSTOP are never blocked.
bool apply_sigprocmask(int how, SigSet set, SigSet& blocked);

// --- sigaction ---
constexpr u64 kSigDfl = 0;
constexpr u64 kSigIgn = 1;

constexpr u64 kSaNoCldStop = 0x00000001;
constexpr u64 kSaNoCldWait = 0x00000002;
constexpr u64 kSaSigInfo = 0x00000004;
constexpr u64 kSaUnsupported = 0x00000400;
constexpr u64 kSaExposeTagBits = 0x00000800;
constexpr u64 kSaRestorer = 0x04000000;
constexpr u64 kSaOnStack = 0x08000000;
constexpr u64 kSaRestart = 0x10000000;
constexpr u64 kSaNoDefer = 0x40000000;
constexpr u64 kSaResetHand = 0x80000000;
// The flags Linux keeps (UAPI_SA_FLAGS): others are dropped, so a program
// can probe for one by reading its action back.
constexpr u64 kSaKnownFlags = kSaNoCldStop | kSaNoCldWait | kSaSigInfo | kSaOnStack | kSaRestart | kSaNoDefer
    | kSaResetHand | kSaExposeTagBits | kSaRestorer;

// struct sigaction as the rt_sigaction system call reads and writes it
// (the kernel's, not glibc's: handler, flags, restorer, mask).
struct KernelSigAction {
    u64 handler { kSigDfl };
    u64 flags { 0 };
    u64 restorer { 0 };
    SigSet mask { 0 };
};
static_assert(sizeof(KernelSigAction) == 32);

// rt_sigaction's checks and clean-up of a new action (EINVAL: 0 = fine):
// signal 1..64, no action for SIGKILL/SIGSTOP, unknown flags dropped,
// SIGKILL/SIGSTOP out of the mask.
int check_new_action(int signal, KernelSigAction& action);

enum class DefaultAction : u8 {
    Terminate,
    CoreDump, // terminate; Linux writes a core file when RLIMIT_CORE allows
    Stop,
    Continue,
    Ignore,
};
DefaultAction default_action(int signal);

// SIG_IGN, or SIG_DFL for a signal whose default is to do nothing
// (SIGCHLD, SIGURG, SIGWINCH, SIGCONT): such a signal is dropped when
// sent (Linux's sig_handler_ignored).
bool is_ignored(KernelSigAction const& action, int signal);

// exec: handlers go back to SIG_DFL, SIG_IGN stays; flags, masks and
// restorers are cleared (Linux's flush_signal_handlers).
void reset_action_for_exec(KernelSigAction& action);

// --- siginfo_t ---
// si_code values (asm-generic/siginfo.h).
constexpr int kSiUser = 0;
constexpr int kSiKernel = 0x80;
constexpr int kSiQueue = -1;
constexpr int kSiTimer = -2;
constexpr int kSiMesgq = -3;
constexpr int kSiAsyncio = -4;
constexpr int kSiSigio = -5;
constexpr int kSiTkill = -6;

constexpr int kIllIllopc = 1;
constexpr int kIllIllopn = 2;
constexpr int kIllPrvopc = 5;
constexpr int kFpeIntdiv = 1;
constexpr int kFpeIntovf = 2;
constexpr int kFpeFltdiv = 3;
constexpr int kFpeFltovf = 4;
constexpr int kFpeFltund = 5;
constexpr int kFpeFltres = 6;
constexpr int kFpeFltinv = 7;
constexpr int kSegvMaperr = 1;
constexpr int kSegvAccerr = 2;
constexpr int kBusAdraln = 1;
constexpr int kBusAdrerr = 2;
constexpr int kBusObjerr = 3;
constexpr int kTrapBrkpt = 1;
constexpr int kTrapTrace = 2;
constexpr int kCldExited = 1;
constexpr int kCldKilled = 2;
constexpr int kCldDumped = 3;
constexpr int kCldTrapped = 4;
constexpr int kCldStopped = 5;
constexpr int kCldContinued = 6;

// siginfo_t, 128 bytes: signo, errno, code, then a union whose member
// depends on the code.
struct SigInfo {
    i32 signo;
    i32 error;
    i32 code;
    i32 pad;
    union {
        u8 bytes[112];
        struct {
            i32 pid;
            u32 uid;
            u64 value; // sigval of SI_QUEUE and rt_sigqueueinfo
        } kill;
        struct {
            i32 pid;
            u32 uid;
            i32 status;
            i32 pad;
            i64 utime; // clock ticks (USER_HZ 100)
            i64 stime;
        } child;
        struct {
            u64 address;
            u16 address_lsb;
        } fault;
    } fields;
};
static_assert(sizeof(SigInfo) == 128);

// kill(), tkill(), sigqueue(): who sent it.
SigInfo make_sender_info(int signal, int code, i32 pid, u32 uid);
// Sent by the kernel itself (terminal keys, timers, SIGPIPE's SI_USER aside).
SigInfo make_kernel_info(int signal);
// A fault: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP with si_addr.
SigInfo make_fault_info(int signal, int code, u64 address);
// SIGCHLD for a child that exited, was killed, stopped or continued.
// `status` is the wait status (wait()'s encoding) for exits and kills,
// the signal for stops and continues.
SigInfo make_child_info(int signal, int code, i32 pid, u32 uid, i32 status, u64 user_ns, u64 system_ns);
// The CLD_* code and si_status of a child that ended with wait status
// `wait_status`.
void child_exit_code(int wait_status, int& code, int& status);

// --- wait statuses ---
constexpr int wait_status_exited(int code) { return (code & 0xff) << 8; }
constexpr int wait_status_killed(int signal, bool core) { return (signal & 0x7f) | (core ? 0x80 : 0); }
constexpr int wait_status_stopped(int signal) { return (signal << 8) | 0x7f; }
constexpr int kWaitStatusContinued = 0xffff;

// --- stack_t (sigaltstack) ---
constexpr int kSsOnStack = 1;
constexpr int kSsDisable = 2;
constexpr u32 kSsAutoDisarm = 1u << 31;
constexpr u32 kSsFlagBits = kSsAutoDisarm;
constexpr u64 kMinSigStackSize = 2048; // MINSIGSTKSZ

struct StackT {
    u64 sp;
    i32 flags;
    i32 pad;
    u64 size;
};
static_assert(sizeof(StackT) == 24);

// A thread's alternate signal stack (sigaltstack).
struct AltStack {
    u64 sp { 0 };
    u64 size { 0 };
    u32 flags { 0 }; // kSsAutoDisarm or 0

    bool is_enabled() const { return size != 0; }
    // Is `stack_pointer` on it? Never, with SS_AUTODISARM (Linux's on_sig_stack).
    bool contains(u64 stack_pointer) const
    {
        if (flags & kSsAutoDisarm)
            return false;
        return stack_pointer > sp && stack_pointer - sp <= size;
    }
    // ss_flags as sigaltstack and the signal frame's uc_stack report them.
    int status(u64 stack_pointer) const
    {
        if (!is_enabled())
            return kSsDisable;
        return contains(stack_pointer) ? kSsOnStack : 0;
    }
};

// sigaltstack(new, ...) while the thread runs on `stack_pointer`: 0 or
// the errno (EPERM on the alternate stack, EINVAL bad flags, ENOMEM too
// small).
int apply_sigaltstack(AltStack& stack, StackT const& request, u64 stack_pointer);
StackT describe_altstack(AltStack const& stack, u64 stack_pointer);

// --- interrupted system calls ---
// Kernel-internal results (never seen by user space; include/linux/errno.h)
// a call returns to say how the signal code should finish it.
constexpr int kErestartSys = 512;         // restart with SA_RESTART or without a handler, else EINTR
constexpr int kErestartNoIntr = 513;      // always restart
constexpr int kErestartNoHand = 514;      // restart only if no handler ran, else EINTR
constexpr int kErestartRestartBlock = 516; // the same as NoHand here (no restart_syscall yet)

enum class RestartClass : u8 {
    None,     // the result stands
    Sys,
    NoIntr,
    NoHand,
    NeverRestart, // EINTR even when no handler ran (sigtimedwait, semop...)
};

// How the result `result` of system call `number` is finished when a
// signal is handled or consumed on the way out (`timeout_argument`: the
// fourth argument, futex's timeout). Calls written before the signal code return
// plain EINTR; Linux's choice of ERESTARTSYS, ERESTARTNOHAND... for each
// is looked up by number here.
RestartClass restart_class(u64 number, long result, u64 timeout_argument);

enum class RestartDecision : u8 {
    Keep,   // return `result` unchanged
    Eintr,  // return -EINTR
    Restart, // run the call again: rip back over `syscall`, rax = number
};
// `handler_ran`: a handler frame is being set up (with flags `sa_flags`).
RestartDecision decide_restart(RestartClass restart, bool handler_ran, u64 sa_flags);

// --- permission ---
// May a process with credentials `sender` signal one with `target`?
// Root, or the sender's real or effective uid is the target's real or
// saved uid; SIGCONT within one session always (Linux's
// kill_ok_by_cred and check_kill_permission).
bool may_signal(Credentials const& sender, Credentials const& target, int signal, bool same_session);

// --- interval timers (setitimer, alarm) ---
constexpr int kItimerReal = 0;
constexpr int kItimerVirtual = 1;
constexpr int kItimerProf = 2;

struct TimeVal {
    i64 sec;
    i64 usec;
};
struct ITimerVal {
    TimeVal interval;
    TimeVal value;
};
static_assert(sizeof(ITimerVal) == 32);

// Seconds >= 0 and microseconds in 0..999999 (Linux's timeval_valid).
bool is_valid_timeval(TimeVal const&);
u64 timeval_to_ns(TimeVal const&);
TimeVal ns_to_timeval(u64 ns);
// alarm()'s result from the time the old alarm had left: whole seconds,
// rounded up from half a second, and at least 1 while one was pending.
unsigned alarm_seconds_left(u64 left_ns);

// One interval timer: ITIMER_REAL keeps a deadline of the monotonic
// clock in `value_ns`; ITIMER_VIRTUAL and ITIMER_PROF the CPU time left.
struct IntervalTimer {
    bool armed { false };
    u64 value_ns { 0 };
    u64 interval_ns { 0 };

    // CPU timers: `elapsed_ns` more CPU time was used. True when the timer
    // expired (it reloads from its interval or disarms).
    bool charge(u64 elapsed_ns);
};

// --- faults ---
// si_code for an x87 (#MF) fault: `status` and `control` are FSW and FCW.
int x87_fault_code(u16 status, u16 control);
// ... and for a SIMD (#XM) fault from MXCSR.
int simd_fault_code(u32 mxcsr);

}
