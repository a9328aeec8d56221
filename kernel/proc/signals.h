// Signals, the kernel side (issue 5, CONCEPTS C7 and B3): what a process
// and each of its threads keep, sending, delivery on the way back to user
// mode, stop and continue, SIGCHLD, interval timers, and the hooks other
// subsystems call (pipes' SIGPIPE, the terminal's ^C/^Z, CPU faults).
//
// State (Linux's split):
//   per process  ProcessSignals: the 64 actions (SignalActions, shared by
//                CLONE_SIGHAND), the shared pending set and queue, the
//                list of its threads, group stop, wait reports for the
//                parent, interval timers.
//   per thread   ThreadSignals (in ProcessThread): blocked mask, its own
//                pending set and queue, the alternate stack.
// Standard signals coalesce (one pending at a time, the first siginfo
// kept); real-time ones queue every instance with its value, in order.
//
// Sending (send_locked in signals.cpp): stop signals drop a pending
// SIGCONT and SIGCONT drops pending stops and resumes a stopped process;
// a signal the target ignores (and no thread blocks) is dropped; then it
// is queued and one thread that does not block it is woken (all of them
// for SIGKILL) so that its interruptible wait ends (current::interrupted()).
//
// Delivery (deliver(), from user_return::prepare on every return to user
// mode): one signal that is pending and not blocked at a time; a default
// action (terminate, stop, ignore) is carried out here; a handler gets an
// rt_sigframe on its stack (signal_frame.h) and rt_sigreturn undoes it.
// An interrupted system call is restarted or ends with EINTR as Linux
// decides (signal_abi.h, restart_class).
//
// Locking: ProcessSignals::lock (a spinlock, the "siglock") guards all of
// a process's signal state and its threads' ThreadSignals; the
// SignalActions' own lock nests inside it. Order: the process lock
// (process::lock()) -> a siglock -> the actions lock -> the scheduler's
// locks (wake-ups) and timer lists. Two siglocks are never held at once.
// Timer callbacks (SIGALRM) take a siglock in interrupt context and never
// allocate.
#pragma once

#include <arch/x86_64/interrupts.h>
#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <proc/pid.h>
#include <proc/signal_abi.h>
#include <sched/mutex.h>
#include <sched/timer.h>
#include <sched/wait_queue.h>

class Process;
struct ProcessThread;
namespace poll_waiters {
class PollHead;
}
struct Thread;

namespace signals {

// One siginfo waiting to be taken.
struct QueuedSignal {
    IntrusiveListNode node;
    SigInfo info;
    // Owned by a POSIX timer (proc/posix_timers.h), which reuses it for
    // every expiry: taking or dropping it only unlinks it.
    bool preallocated { false };
};

struct PendingSignals {
    SigSet set { 0 };
    IntrusiveList<QueuedSignal, &QueuedSignal::node> queue;

    PendingSignals() = default;
    ~PendingSignals();
    PendingSignals(PendingSignals const&) = delete;
    PendingSignals& operator=(PendingSignals const&) = delete;
};

// The 64 actions; a process's own, or shared with others (CLONE_SIGHAND).
class SignalActions final : public RefCounted<SignalActions> {
public:
    Spinlock lock { "signal actions" };
    KernelSigAction actions[kSigMax] {};

    KernelSigAction& of(int signal) { return actions[signal - 1]; }
};

struct ThreadSignals {
    IntrusiveListNode node; // on ProcessSignals::threads
    Thread* thread { nullptr };
    SigSet blocked { 0 };
    // rt_sigtimedwait: the mask from before the wait (its signals count as
    // blocked when deciding whether to drop an ignored one).
    SigSet real_blocked { 0 };
    // rt_sigsuspend: the mask to put back once a handler frame has saved
    // it, or on the way out when no handler runs.
    SigSet saved_blocked { 0 };
    bool restore_blocked { false };
    PendingSignals pending;
    AltStack altstack;
    // The fault behind a pending synchronous signal (sigcontext's trapno,
    // err, cr2).
    int fault_signal { 0 };
    u64 fault_trapno { 0 };
    u64 fault_error { 0 };
    u64 fault_address { 0 };
    // CPU time this thread has charged to ITIMER_VIRTUAL/ITIMER_PROF.
    u64 counted_user_ns { 0 };
    u64 counted_system_ns { 0 };
    // sigsuspend, pause, sigtimedwait sleep here (woken by sched::wake).
    WaitQueue sleep;
    // A second wake-up a little after a send that found the thread
    // running: it may have checked for signals just before it went to sleep.
    Timer kick;
};

enum class ChildReport : u8 {
    None,
    Stopped,   // for wait's WUNTRACED
    Continued, // for WCONTINUED
};

struct ProcessSignals {
    Spinlock lock { "signals" };
    RefPtr<SignalActions> actions; // null: every action SIG_DFL
    PendingSignals shared;
    IntrusiveList<ThreadSignals, &ThreadSignals::node> threads;
    usize queued_realtime { 0 }; // real-time siginfos queued, this process and its threads
    // Group stop: a stop signal's default action stops every thread until
    // SIGCONT or SIGKILL.
    bool stopped { false };
    u64 continue_count { 0 }; // SIGCONTs received, to cancel a stop that is being set up
    WaitQueue continued;
    ChildReport report { ChildReport::None };
    int report_signal { 0 };
    // setitimer/alarm: ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF (values
    // under `lock`; timer_change serialises the arming of real_timer).
    IntervalTimer itimers[3];
    Timer real_timer;
    Mutex timer_change { "itimer" };
};

// --- the process manager's hooks ---

// A new user thread (create_user_thread, under the process lock; not
// started yet). A thread made another way joins at its first delivery.
void thread_joined(Process&, ProcessThread&);
// exit_user_thread, before the thread leaves its process.
void thread_leaving(Process&, ProcessThread&);
// fork/clone of a new process by the calling thread: the actions, shared
// (CLONE_SIGHAND) or copied. ENOMEM.
ErrorOr<void> fork_process(Process& child, u64 clone_flags);
// A new thread (of a new process or of this one) started by the calling
// thread: its blocked mask, and the alternate stack unless CLONE_VM
// without CLONE_VFORK.
void fork_thread(ProcessThread& child, u64 clone_flags);
// execve, before the point of no return: a private copy of shared
// actions. Then exec_done, after it: handlers back to SIG_DFL, the
// alternate stack gone; the mask, pending signals and timers stay.
ErrorOr<void> prepare_exec(Process&);
void exec_done(Process&, ProcessThread&);
// The last thread has gone: the interval timers stop (under the process lock).
void process_exited(Process&);
// A child became a zombie (under the process lock): its exit signal to the
// parent. True when the parent ignores SIGCHLD or set SA_NOCLDWAIT: the
// child is reaped at once.
bool notify_parent_of_exit(Process& child);
// wait4/waitid (under the process lock): a stopped (WUNTRACED) or
// continued (WCONTINUED) child's wait status; consumed unless WNOWAIT.
bool take_wait_report(Process& child, int options, int& status);

// --- sending ---
// `info` to process `target` (any thread may take it) or to one thread of
// it. Zero errors beyond EAGAIN (a real-time queue full, for sigqueue).
// Callers in thread context that may send SIGCONT hold the process lock.
ErrorOr<void> send(Process& target, SigInfo const& info, ThreadSignals* thread = nullptr);
// kill(2)'s and the terminal's: every process in group `pgid` (process
// lock not held). ESRCH when the group is empty.
ErrorOr<void> send_to_group(pid_t pgid, SigInfo const& info, bool check_permission);
// A fault in the calling thread: delivered even when blocked or ignored
// (then with the default action, which kills), with the fault's details
// for the sigcontext (trapno, err, cr2).
void force_fault(SigInfo const& info, u64 trapno, u64 error_code, u64 fault_address);
// SIGSEGV the calling thread cannot escape from (a signal frame it could
// not write, a bad rt_sigreturn frame).
void force_sigsegv(int for_signal);

// --- the calling thread ---
ThreadSignals& current_thread_signals();
// A signal is pending and not blocked: an interruptible wait should end.
bool current_has_deliverable();
// user_return::prepare: group stop, default actions, handler frames,
// system call restarts. May not return (the thread exits).
void deliver(InterruptFrame&);

// --- for syscall/signal.cpp ---
ErrorOr<void> set_action(int signal, KernelSigAction const* action, KernelSigAction* old);
// sigprocmask; `set` null: only read. EINVAL for a bad `how`.
ErrorOr<SigSet> change_blocked(int how, SigSet const* set);
SigSet pending_blocked();
// Sleeps until a signal is deliverable (or `deadline_ns`, 0: none):
// ETIMEDOUT, or 0.
ErrorOr<void> sleep_until_signal(u64 deadline_ns = 0);
// rt_sigsuspend: `mask` in force until a signal is handled.
void suspend_with_mask(SigSet mask);
// ppoll, pselect6, epoll_pwait: `mask` in force while waiting
// (begin_temporary_mask, as rt_sigsuspend), then end_temporary_mask: when
// the wait ended with EINTR the old mask comes back once a handler frame
// has saved it (so the handler runs under `mask`'s exceptions, as on
// Linux); otherwise at once.
void begin_temporary_mask(SigSet mask);
void end_temporary_mask(bool interrupted);
// signalfd: the signals pending for the calling thread (its own and its
// process's), whether blocked or not.
SigSet current_pending();
// signalfd readers and pollers: every signal that becomes pending runs
// this head's hooks (fs/signalfd.cpp watches it).
poll_waiters::PollHead& signalfd_head();
// rt_sigtimedwait: a signal of `set` taken (its info in `info`), EAGAIN
// after `deadline_ns` (0: never; 1: do not wait), EINTR for another.
ErrorOr<int> timed_wait(SigSet set, u64 deadline_ns, SigInfo& info);
// rt_sigreturn: the registers, mask, FPU state and alternate stack of the
// frame the handler returned through; a bad frame is SIGSEGV.
void sigreturn(InterruptFrame&);
ErrorOr<void> change_altstack(StackT const* request, StackT* old, u64 user_rsp);
// setitimer/getitimer: EINVAL for an unknown timer.
ErrorOr<void> set_itimer(int which, ITimerVal const* value, ITimerVal* old);
ErrorOr<ITimerVal> get_itimer(int which);

// kill/tkill/tgkill/rt_*sigqueueinfo targets, from the calling process.
ErrorOr<void> kill(pid_t pid, SigInfo const& info);
ErrorOr<void> kill_thread(pid_t tgid, pid_t tid, SigInfo const& info); // tgid 0: any process

// POSIX timers (proc/posix_timers.cpp), from the timer callback (any
// context): queues the timer's own `entry` with `info` for `process` (or
// its thread `tid`, 0: any thread), unless it is still pending from an
// earlier expiry: then its si_overrun grows by `expirations` instead.
// `overrun_last` gets the overrun of the entry's previous, delivered
// instance when a new one is queued.
void send_timer_signal(Process& process, pid_t tid, QueuedSignal& entry, SigInfo const& info, u32 expirations,
    i32& overrun_last);
// SIGEV_THREAD_ID: is `tid` a thread of `process`?
bool has_thread(Process& process, pid_t tid);
// timer_getoverrun: the overrun of the last delivered instance.
i32 timer_signal_overrun(Process& process, QueuedSignal const& entry, i32 overrun_last);
// timer_delete, exec, exit: `entry` off whatever pending queue holds it.
void cancel_timer_signal(Process& process, QueuedSignal& entry);
// The terminal's job control (tty/job_control.cpp), for the calling
// thread: whether it blocks `signal` or its process ignores it (Linux's
// is_ignored: SIGTTIN then makes a background read EIO), and whether its
// process group is orphaned (no SIGTTIN/SIGTTOU stop, EIO instead). Take
// the siglock / the process lock (not held by the caller).
bool current_blocks_or_ignores(int signal);
bool current_group_is_orphaned();

// Hooks other subsystems declare weak (ipc/pipe.cpp).
void send_sigpipe_to_current();
bool current_has_pending_signal();

}
