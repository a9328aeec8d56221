// Processes (process.h): the global list, creation of kernel processes with
// their first thread, thread and process exit, reaping, re-parenting, and
// keeping sched/'s own threads inside processes.
//
// Lock order: the process lock (a Mutex), then the PID allocator's spinlock
// or the scheduler's locks (taken inside sched:: calls and
// sched::for_each_thread). The process lock is never taken with a spinlock
// held, and no callback run under a scheduler lock takes it.
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <proc/process.h>
#include <proc/process_manager.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <mm/address_space.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>


namespace {

Mutex s_lock { "process list" };
ProcessManager::List s_list;
Process* s_idle;
bool s_initialized;
// A thread of a process that is on its way out (exit_current_thread ran,
// the scheduler has not made it a zombie yet) has this as its owner: it
// belongs to no process any more, but is not sched/'s to adopt either.
u8 s_exiting_marker;
void* const kExitingOwner = &s_exiting_marker;
// The same for a process's first thread, whose TID is the process's PID:
// the PID stays taken until the process is reaped, not the thread.
u8 s_exiting_leader_marker;
void* const kExitingLeaderOwner = &s_exiting_leader_marker;

bool is_exiting_owner(void* owner) { return owner == kExitingOwner || owner == kExitingLeaderOwner; }

ErrorOr<u32> allocate_tid()
{
    return static_cast<u32>(TRY(pid::allocate()));
}

void release_tid(u32 tid)
{
    if (tid != 0)
        pid::release(static_cast<pid_t>(tid));
}

void copy_name(char (&to)[16], const char* from)
{
    usize length = from ? strnlen(from, sizeof(to) - 1) : 0;
    memcpy(to, from, length);
    to[length] = 0;
}

Process::Times times_of(Thread const& thread)
{
    return { thread.user_ns, thread.system_ns, thread.voluntary_switches, thread.involuntary_switches };
}

Process::Times times_of(ThreadSnapshot const& copy)
{
    return { copy.user_ns, copy.system_ns, copy.voluntary_switches, copy.involuntary_switches };
}

void add_times(Process::Times& to, Process::Times const& from)
{
    to.user_ns += from.user_ns;
    to.system_ns += from.system_ns;
    to.voluntary_switches += from.voluntary_switches;
    to.involuntary_switches += from.involuntary_switches;
}

// Where every thread made through proc/ starts: the member it gets knows
// the real entry point, and stays valid until this thread exits (only
// exit_current_thread frees it).
void run_process_thread(void* context)
{
    auto* member = static_cast<ProcessThread*>(context);
    member->entry(member->argument);
    process::exit_current_thread(0);
}

}

const char* process_state_name(ProcessState state)
{
    switch (state) {
    case ProcessState::New:
        return "new";
    case ProcessState::Live:
        return "live";
    case ProcessState::Zombie:
        return "zombie";
    case ProcessState::Dead:
        return "dead";
    }
    return "?";
}

char process_run_state_letter(ProcessRunState state)
{
    switch (state) {
    case ProcessRunState::New:
        return 'N';
    case ProcessRunState::Running:
        return 'R';
    case ProcessRunState::Sleeping:
        return 'S';
    case ProcessRunState::Stopped:
        return 'T';
    case ProcessRunState::Zombie:
        return 'Z';
    case ProcessRunState::Dead:
        return 'X';
    }
    return '?';
}

// --- the process itself ---

ProcessRunState Process::run_state(ThreadSnapshots const& threads) const
{
    switch (m_state) {
    case ProcessState::New:
        return ProcessRunState::New;
    case ProcessState::Zombie:
        return ProcessRunState::Zombie;
    case ProcessState::Dead:
        return ProcessRunState::Dead;
    case ProcessState::Live:
        break;
    }
    // In a group stop (SIGSTOP, ^Z, SIGTTIN...) from the moment its parent
    // can learn of it, even while a thread is still on its way into the
    // stop's wait.
    {
        auto& signal_state = const_cast<Process*>(this)->m_signal_state;
        SpinlockLocker locker(signal_state.lock);
        if (signal_state.stopped && !m_is_kernel)
            return ProcessRunState::Stopped;
    }
    bool sleeping = false;
    bool stopped = false;
    for (auto const& copy : threads) {
        if (copy.owner != this || !copy.is_live())
            continue;
        if (copy.letter == 'R')
            return ProcessRunState::Running;
        if (copy.letter == 'T')
            stopped = true;
        else
            sleeping = true;
    }
    if (stopped && !sleeping)
        return ProcessRunState::Stopped;
    return ProcessRunState::Sleeping;
}

Process::Times Process::times(ThreadSnapshots const& threads) const
{
    Times total = m_exited_threads;
    for (auto const& copy : threads) {
        if (copy.owner == this && copy.is_live())
            add_times(total, times_of(copy));
    }
    return total;
}

ErrorOr<Thread*> Process::add_kernel_thread(const char* name, void (*entry)(void*), void* argument)
{
    Thread* thread;
    {
        MutexLocker locker(s_lock);
        if (m_state != ProcessState::Live)
            return Error::from_errno(ESRCH);
        thread = TRY(ProcessManager::add_thread_locked(*this, name, entry, argument));
    }
    sched::start(thread);
    return thread;
}

ErrorOr<int> Process::wait_for_exit(u64 deadline_ns)
{
    MutexLocker locker(s_lock);
    auto running = [this] { return m_state == ProcessState::New || m_state == ProcessState::Live; };
    TRY(m_exited.wait_until(locker, [&] { return !running(); }, deadline_ns));
    return m_exit_status;
}

void Process::unref()
{
    u32 before = m_ref_count.fetch_sub(1, std::memory_order_acq_rel);
    VERIFY(before > 0);
    if (before == 1)
        ProcessManager::destroy(this);
}

// --- the manager: everything below runs under s_lock unless it says not ---

// Linux's defaults for a process with no parent to inherit from.
static void set_default_limits(ResourceLimit (&limits)[rlimit::kCount])
{
    for (auto& limit : limits)
        limit = { rlimit::kInfinity, rlimit::kInfinity };
    limits[rlimit::kStack] = { 8 * MiB, rlimit::kInfinity };
    limits[rlimit::kCore] = { 0, rlimit::kInfinity };
    limits[rlimit::kNofile] = { 1024, 4096 };
    limits[rlimit::kNproc] = { 4096, 4096 };
    limits[rlimit::kMemlock] = { 8 * MiB, 8 * MiB };
    limits[rlimit::kNice] = { 0, 0 };   // only root may raise its priority...
    limits[rlimit::kRtprio] = { 0, 0 }; // ...or run real-time, by default
    limits[rlimit::kSigpending] = { 4096, 4096 };
    limits[rlimit::kMsgqueue] = { 819200, 819200 };
}

Process::Process() { set_default_limits(m_limits); }

Process::~Process() = default;

Process* ProcessManager::make(const char* name, pid_t pid, Process* parent)
{
    auto* process = new Process;
    if (!process)
        return nullptr;
    process->m_pid = pid;
    copy_name(process->m_name, name);
    process->m_parent = parent;
    if (parent) {
        process->m_pgid = parent->m_pgid;
        process->m_sid = parent->m_sid;
        process->m_credentials = parent->m_credentials;
        for (int i = 0; i < rlimit::kCount; ++i)
            process->m_limits[i] = parent->m_limits[i];
    }
    process->m_started_ns = ktime::monotonic_ns();
    return process;
}

// The one place a process changes state (CONCEPTS C9).
void ProcessManager::set_state(Process& process, ProcessState state)
{
    ProcessState from = process.m_state;
    bool legal = (from == ProcessState::New && state == ProcessState::Live)
        || (from == ProcessState::Live && state == ProcessState::Zombie)
        || (from == ProcessState::Zombie && state == ProcessState::Dead);
    if (!legal)
        panic("process %d \"%s\": illegal state change %s -> %s", process.m_pid, process.m_name,
            process_state_name(from), process_state_name(state));
    process.m_state = state;
}

void ProcessManager::link(Process& process)
{
    s_list.append(process);
    if (process.m_parent)
        process.m_parent->m_children.append(process);
}

ErrorOr<Thread*> ProcessManager::add_thread_locked(Process& process, const char* name, void (*entry)(void*), void* argument)
{
    auto* member = new ProcessThread;
    if (!member)
        return Error::from_errno(ENOMEM);
    member->process = &process;
    member->entry = entry;
    member->argument = argument;
    auto created = sched::create_kernel_thread(name, run_process_thread, member);
    if (created.is_error()) {
        delete member;
        return created.error();
    }
    Thread* thread = created.value();
    thread->owner = &process;
    member->thread = thread;
    process.m_threads.append(*member);
    return thread;
}

// `member`'s thread has left `process`: it exited through proc/, or sched/'s
// reaper reports it gone.
void ProcessManager::thread_left(Process& process, ProcessThread& member, int status, Process::Times const& final_times)
{
    process.m_threads.remove(member);
    add_times(process.m_exited_threads, final_times);
    delete &member;
    if (process.m_threads.is_empty() && process.m_state == ProcessState::Live)
        become_zombie(process, status);
}

// The last thread is gone (CONCEPTS C5): keep the exit status for whoever
// waits, hand the children to a new parent, wake the waiters. Kernel
// processes are reaped at once; user processes (the user-mode issue) will
// stay zombies until their parent's wait().
void ProcessManager::become_zombie(Process& process, int status)
{
    VERIFY(&process != s_idle);
    // A group exit (exit_group, a fatal signal) decides the status for all
    // threads; user statuses are already in wait()'s encoding.
    process.m_exit_status = process.is_exiting() ? process.m_group_exit_status : status;
    set_state(process, ProcessState::Zombie);
    if (!process.m_is_kernel) {
        release_user_resources(process);
        // Its group may lose its last link to a parent outside it.
        hang_up_if_orphaned_locked(process, nullptr);
    }
    reparent_children(process);
    process.m_exited.notify_all();
    // Kernel processes, and user processes whose parent is PID 0 (init
    // itself), have nobody to wait for them.
    if (process.m_is_kernel || process.m_parent == s_idle || !process.m_parent) {
        reap(process);
    } else if (signals::notify_parent_of_exit(process)) {
        // Signals issue: the exit signal went to the parent; one that
        // ignores SIGCHLD (or set SA_NOCLDWAIT) leaves no zombie.
        notify_parent(process);
        reap(process);
    } else {
        notify_parent(process);
    }
}

// Orphans go to init, PID 1 (CONCEPTS C7), or to PID 0 while there is no
// init yet (before the user-mode issue, every process is a kernel one).
void ProcessManager::reparent_children(Process& process)
{
    Process* init = find_locked(pid::kInitPid);
    Process* heir = init && init != &process && init->m_state == ProcessState::Live ? init : s_idle;
    bool zombie_adopted = false;
    while (Process* child = process.m_children.pop_front()) {
        child->m_parent = heir;
        heir->m_children.append(*child);
        zombie_adopted = zombie_adopted || child->m_state == ProcessState::Zombie;
        // The child's group may have had this process as its last link.
        if (!process.m_is_kernel && !child->m_is_kernel)
            hang_up_if_orphaned_locked(*child, &process);
    }
    // Init learns of orphans that are zombies already, so it reaps them.
    if (zombie_adopted && heir != s_idle) {
        ++heir->m_child_events;
        heir->m_child_event.notify_all();
    }
}

// Zombie -> Dead: off the list and the parent's children, PID free. The
// list's reference goes; waiters that still hold theirs read the status.
void ProcessManager::reap(Process& process)
{
    set_state(process, ProcessState::Dead);
    s_list.remove(process);
    if (process.m_parent) {
        process.m_parent->m_children.remove(process);
        process.m_parent = nullptr;
    }
    pid::release(process.m_pid);
    process.unref();
}

// The last reference went (not necessarily under s_lock: a Dead process is
// on no list, so nobody else can reach it).
void ProcessManager::destroy(Process* process)
{
    VERIFY(process->m_state == ProcessState::Dead);
    VERIFY(process->m_threads.is_empty() && process->m_children.is_empty());
    delete process;
}

ProcessManager::List& ProcessManager::process_list() { return s_list; }

Process* ProcessManager::find_locked(pid_t wanted)
{
    for (auto& process : s_list) {
        if (process.m_pid == wanted)
            return &process;
    }
    return nullptr;
}

// Brings the process list up to date with the scheduler's thread list, and
// leaves in `threads` a snapshot taken afterwards.
ErrorOr<void> ProcessManager::sync(ThreadSnapshots& threads)
{
    // A thread sched/ starts while we adopt shows up in the next snapshot:
    // go round again (a few times at most; threads do not start that fast).
    for (int round = 0; round < 4; ++round) {
        TRY(threads.take());
        bool unowned = false;
        for (auto const& copy : threads)
            unowned = unowned || (copy.owner == nullptr && copy.is_live());
        if (!unowned)
            return {};
        TRY(adopt(threads));
    }
    return threads.take();
}

// sched/'s reaper calls this for every exited thread, just before it frees
// the Thread (scheduler.h, set_reap_hook), in its own thread context. A
// thread that left its process through exit_current_thread() is done with
// already; one that did not (sched/'s own threads, adopted, or a process
// thread that called sched::exit_current itself) leaves its process here,
// with its exit code as the status.
void ProcessManager::thread_reaped(Thread& thread)
{
    if (thread.owner == kExitingLeaderOwner)
        return;
    if (thread.owner == nullptr || thread.owner == kExitingOwner) {
        release_tid(thread.tid);
        return;
    }
    MutexLocker locker(s_lock);
    auto* process = static_cast<Process*>(thread.owner);
    thread.owner = nullptr;
    if (static_cast<pid_t>(thread.tid) != process->m_pid)
        release_tid(thread.tid);
    for (auto& member : process->m_threads) {
        if (member.thread == &thread) {
            thread_left(*process, member, thread.exit_code, times_of(thread));
            return;
        }
    }
}

namespace {

struct Candidate {
    Thread* thread;
    u32 tid;
    Process* process;
    bool taken;
};

struct Candidates {
    Candidate* items;
    usize count;
};

// Runs under the scheduler's thread-list lock, where a listed thread cannot
// be freed: the only safe place to write `owner` into a thread proc/ did
// not create.
void claim_thread(Thread& thread, void* context)
{
    auto& candidates = *static_cast<Candidates*>(context);
    if (thread.owner != nullptr)
        return;
    if (thread.state == ThreadState::New || thread.state == ThreadState::Zombie || thread.state == ThreadState::Dead)
        return;
    for (usize i = 0; i < candidates.count; ++i) {
        Candidate& candidate = candidates.items[i];
        if (candidate.thread == &thread && candidate.tid == thread.tid && !candidate.taken) {
            thread.owner = candidate.process;
            candidate.taken = true;
            return;
        }
    }
}

}

// Gives every live thread without an owner a process: the idle threads
// join PID 0, any other becomes a kernel process of its own named after it,
// a child of PID 0 (Linux's kernel threads are children of kthreadd, itself
// a child of PID 0).
ErrorOr<void> ProcessManager::adopt(ThreadSnapshots const& threads)
{
    usize wanted = 0;
    for (auto const& copy : threads)
        wanted += copy.owner == nullptr && copy.is_live();
    auto* items = static_cast<Candidate*>(kzalloc(wanted * sizeof(Candidate)));
    if (!items)
        return Error::from_errno(ENOMEM);
    Candidates candidates { items, 0 };
    ErrorOr<void> result {};
    for (auto const& copy : threads) {
        if (copy.owner != nullptr || !copy.is_live())
            continue;
        Process* process = s_idle;
        if (!copy.is_idle) {
            // Its TID, taken from the PID space, is the new process's PID.
            process = make(copy.name, static_cast<pid_t>(copy.tid), s_idle);
            if (!process) {
                result = Error::from_errno(ENOMEM);
                break;
            }
        }
        items[candidates.count++] = { copy.thread, copy.tid, process, false };
    }
    sched::for_each_thread(claim_thread, &candidates);
    for (usize i = 0; i < candidates.count; ++i) {
        Candidate& candidate = items[i];
        Process* process = candidate.process;
        bool fresh = process != s_idle;
        ProcessThread* member = candidate.taken ? new ProcessThread : nullptr;
        if (candidate.taken && member) {
            member->thread = candidate.thread;
            member->process = process;
            process->m_threads.append(*member);
            if (fresh) {
                set_state(*process, ProcessState::Live);
                link(*process);
            }
            continue;
        }
        if (candidate.taken) {
            // No memory for the member: give the thread back to sched/.
            // Safe without the scheduler's lock only because `owner` of a
            // thread is read by proc/ alone, and we hold the process lock.
            candidate.thread->owner = nullptr;
            result = Error::from_errno(ENOMEM);
        }
        if (fresh)
            delete process; // the PID stays the thread's TID
    }
    kfree(items);
    return result;
}

void ProcessManager::for_each(void (*callback)(Process&, ThreadSnapshots const&, void*), void* context)
{
    MutexLocker locker(s_lock);
    ThreadSnapshots threads;
    if (sync(threads).is_error()) {
        log_warn("process: no memory to bring the process list up to date; showing it as it was");
        (void)threads.take();
    }
    for (auto& process : s_list)
        callback(process, threads, context);
}

ErrorOr<Process*> ProcessManager::create_kernel(const char* name, void (*entry)(void*), void* argument)
{
    VERIFY(s_initialized);
    Process* process;
    Thread* thread;
    {
        MutexLocker locker(s_lock);
        Process* parent = process::current();
        process = make(name, -1, parent ? parent : s_idle);
        if (!process)
            return Error::from_errno(ENOMEM);
        auto added = add_thread_locked(*process, name, entry, argument);
        if (added.is_error()) {
            delete process;
            return added.error();
        }
        thread = added.value();
        process->m_pid = static_cast<pid_t>(thread->tid); // a process's PID is its first thread's TID
        set_state(*process, ProcessState::Live);
        link(*process);
        process->ref(); // the caller's; the list holds the first
    }
    sched::start(thread);
    return process;
}

void ProcessManager::exit_thread(Thread& me, int status)
{
    MutexLocker locker(s_lock);
    Process* process = process::current();
    if (!process)
        panic("process: thread %u \"%s\" exits through proc/ but belongs to no process", me.tid, me.name);
    ProcessThread* member = nullptr;
    for (auto& candidate : process->m_threads) {
        if (candidate.thread == &me)
            member = &candidate;
    }
    VERIFY(member);
    me.owner = static_cast<pid_t>(me.tid) == process->m_pid ? kExitingLeaderOwner : kExitingOwner;
    thread_left(*process, *member, status, times_of(me));
}

// --- the interface ---

namespace process {

void init()
{
    VERIFY(!s_initialized);
    pid::init();
    // PID 1 is init's (CONCEPTS C7: orphans go to it). It is held back
    // from the start so no kernel process takes it; the user-mode issue
    // builds init on it.
    if (pid::allocate_specific(pid::kInitPid).is_error())
        panic("process: PID 1 is not free at boot");
    s_idle = ProcessManager::make("idle", pid::kIdlePid, nullptr);
    if (!s_idle)
        panic("process: no memory for the PID 0 process");
    {
        MutexLocker locker(s_lock);
        ProcessManager::set_state(*s_idle, ProcessState::Live);
        ProcessManager::link(*s_idle);
        s_initialized = true;
        sched::set_reap_hook(ProcessManager::thread_reaped);
        // TIDs and PIDs share one space from now on; the threads that
        // exist already keep theirs, reserved here.
        sched::for_each_thread(
            [](Thread& thread, void*) {
                if (thread.tid != 0 && pid::allocate_specific(static_cast<pid_t>(thread.tid)).is_error())
                    panic("process: TID %u of \"%s\" is not free in the PID space", thread.tid, thread.name);
            },
            nullptr);
        sched::set_tid_source(allocate_tid, release_tid);
        ThreadSnapshots threads;
        if (ProcessManager::sync(threads).is_error())
            panic("process: no memory to give the boot threads their processes");
    }
    usize processes = count();
    log_info("process: %zu processes at boot (PID 0: the idle tasks), pid_max %u", processes, pid::max());
}

bool is_initialized() { return s_initialized; }

ErrorOr<Process*> create_kernel_process(const char* name, void (*entry)(void*), void* argument)
{
    return ProcessManager::create_kernel(name, entry, argument);
}

ErrorOr<pid_t> spawn_kernel_process(const char* name, void (*entry)(void*), void* argument)
{
    Process* process = TRY(create_kernel_process(name, entry, argument));
    pid_t pid = process->pid();
    process->unref();
    return pid;
}

Process* current()
{
    Thread* me = sched::current();
    if (!me || me->owner == nullptr || is_exiting_owner(me->owner))
        return nullptr;
    return static_cast<Process*>(me->owner);
}

Process& idle_process()
{
    VERIFY(s_idle);
    return *s_idle;
}

void exit_current_thread(int status)
{
    Thread* me = sched::current();
    ProcessManager::exit_thread(*me, status);
    sched::exit_current(status);
}

Mutex& lock() { return s_lock; }

void for_each_with_context(void (*callback)(Process&, ThreadSnapshots const&, void*), void* context)
{
    ProcessManager::for_each(callback, context);
}

usize count()
{
    MutexLocker locker(s_lock);
    return s_list.size();
}

ErrorOr<Process*> find(pid_t wanted)
{
    MutexLocker locker(s_lock);
    Process* process = ProcessManager::find_locked(wanted);
    if (!process || process->state() == ProcessState::Dead)
        return Error::from_errno(ESRCH);
    process->ref();
    return process;
}

ErrorOr<void> sync_with_scheduler()
{
    MutexLocker locker(s_lock);
    ThreadSnapshots threads;
    return ProcessManager::sync(threads);
}

}
