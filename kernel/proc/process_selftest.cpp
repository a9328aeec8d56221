// Self-tests (booted with `test`) of the process manager (CONCEPTS C2, C3,
// C5, C7, C9): every process is on the kernel's list and owns a thread,
// PIDs are unique, reused and wrap at pid_max, a kernel process runs, exits
// with a status and is reaped, a process lives until its last thread ends,
// orphans are re-parented, and the process table (and the kernel monitor
// that prints it) shows the idle tasks, kmain and the reaper.
#include <arch/x86_64/percpu.h>
#include <lib/log.h>
#include <lib/selftest.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <proc/pid.h>
#include <proc/process.h>
#include <proc/process_table.h>
#include <sched/clock.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>
#include <sched/semaphore.h>
#include <tty/kernel_monitor.h>

namespace {

constexpr u64 kNsPerMs = 1000000;
constexpr u64 kPatienceNs = 10000 * kNsPerMs;

u64 deadline() { return ktime::monotonic_ns() + kPatienceNs; }

struct ListCheck {
    static constexpr usize kMax = 256;
    Process const* processes[kMax];
    pid_t pids[kMax];
    usize count;
    bool overflow;
    bool process_without_thread;
    bool idle_has_every_cpu;
    usize idle_threads;
    usize unowned_threads;
};

void note_process(Process& process, ThreadSnapshots const& threads, void* context)
{
    auto& check = *static_cast<ListCheck*>(context);
    if (check.count == ListCheck::kMax) {
        check.overflow = true;
        return;
    }
    if (check.count == 0) {
        for (auto const& thread : threads)
            check.unowned_threads += thread.owner == nullptr && thread.is_live();
    }
    check.processes[check.count] = &process;
    check.pids[check.count] = process.pid();
    ++check.count;
    usize live_threads = 0;
    for (auto const& thread : threads)
        live_threads += thread.owner == &process && thread.is_live();
    // A zombie has no threads left; everything else has at least one.
    if (process.state() == ProcessState::Live && live_threads == 0)
        check.process_without_thread = true;
    if (process.pid() == pid::kIdlePid)
        check.idle_threads = live_threads;
}

// --- processes the tests start ---

struct Child {
    Semaphore started { 0, "child started" };
    Semaphore go { 0, "child go" };
    pid_t seen_pid;
    pid_t seen_parent;
    Process* grandchild;
};
Child* s_child;

void exit_with_42(void*)
{
    Process* me = process::current();
    s_child->seen_pid = me ? me->pid() : -1;
    {
        MutexLocker locker(process::lock());
        s_child->seen_parent = me ? me->parent_pid() : -1;
    }
    s_child->started.up();
    s_child->go.down();
    process::exit_current_thread(42);
}

void second_thread(void*)
{
    sched::sleep_ns(kNsPerMs); // a voluntary switch, whatever the timing
    u64 until = ktime::monotonic_ns() + 5 * kNsPerMs;
    while (ktime::monotonic_ns() < until)
        cpu::pause();
    s_child->started.up();
    s_child->go.down();
}

void two_threads(void*)
{
    bool added = !process::current()->add_kernel_thread("second", second_thread, nullptr).is_error();
    sched::sleep_ns(kNsPerMs);
    u64 until = ktime::monotonic_ns() + 5 * kNsPerMs;
    while (ktime::monotonic_ns() < until)
        cpu::pause();
    s_child->started.up();
    s_child->go.down();
    if (!added)
        process::exit_current_thread(1);
}

void grandchild_waits(void*)
{
    s_child->started.up();
    s_child->go.down();
}

void parent_of_orphan(void*)
{
    auto grandchild = process::create_kernel_process("orphan", grandchild_waits, nullptr);
    s_child->grandchild = grandchild.is_error() ? nullptr : grandchild.value();
    s_child->started.up();
    // Returns at once: the grandchild outlives its parent.
}

struct TableText {
    char* text;
    usize size;
    usize used;
};

void append_text(const char* text, usize length, void* context)
{
    auto& table = *static_cast<TableText*>(context);
    usize room = table.size - 1 - table.used;
    usize n = length < room ? length : room;
    memcpy(table.text + table.used, text, n);
    table.used += n;
    table.text[table.used] = 0;
}

bool contains(const char* haystack, const char* needle)
{
    usize n = strlen(needle);
    for (const char* p = haystack; *p; ++p) {
        if (strncmp(p, needle, n) == 0)
            return true;
    }
    return false;
}

}

KERNEL_TEST(every_process_is_on_the_list_with_a_thread_and_a_unique_pid)
{
    auto* check = new ListCheck();
    EXPECT(check);
    process::for_each_with_context(note_process, check);
    bool overflow = check->overflow;
    bool without_thread = check->process_without_thread;
    usize count = check->count;
    usize idle_threads = check->idle_threads;
    usize unowned_threads = check->unowned_threads;
    bool unique = true;
    bool has_idle = false;
    for (usize i = 0; i < count; ++i) {
        has_idle = has_idle || check->pids[i] == pid::kIdlePid;
        for (usize j = i + 1; j < count; ++j)
            unique = unique && check->pids[i] != check->pids[j];
    }
    delete check;
    EXPECT(!overflow);
    EXPECT(count >= 3); // idle, kmain, the reaper at least
    EXPECT(!without_thread);
    EXPECT(unique);
    EXPECT(has_idle);
    // One idle thread per CPU, all in PID 0 (CONCEPTS C2).
    EXPECT_EQ(idle_threads, static_cast<usize>(sched::online_cpu_count()));
    // And the other way round: every started thread belongs to a process
    // (sched/'s own threads were adopted by the walk).
    EXPECT_EQ(unowned_threads, 0u);
}

KERNEL_TEST(pids_are_reused_after_release_and_wrap_at_pid_max)
{
    // A private allocator small enough to wrap.
    constexpr u32 kMax = 64;
    u64 storage[PidAllocator::storage_words(kMax)];
    PidAllocator pids(storage, kMax);
    for (pid_t expected = 1; expected < static_cast<pid_t>(kMax); ++expected) {
        auto pid = pids.allocate();
        EXPECT(!pid.is_error());
        EXPECT_EQ(pid.value(), expected);
    }
    auto full = pids.allocate();
    EXPECT(full.is_error());
    EXPECT_EQ(full.error().code(), EAGAIN);
    pids.release(10);
    pids.release(20);
    auto reused = pids.allocate(); // wraps to the lowest free PID
    EXPECT(!reused.is_error());
    EXPECT_EQ(reused.value(), 10);
    EXPECT_EQ(pids.allocate().value(), 20);

    // The kernel's allocator: a released PID is not handed out again at once.
    auto first = pid::allocate();
    EXPECT(!first.is_error());
    pid::release(first.value());
    auto second = pid::allocate();
    EXPECT(!second.is_error());
    EXPECT(second.value() != first.value());
    pid::release(second.value());
    EXPECT_EQ(pid::max(), static_cast<u32>(32768)); // the default, as on Linux
}

KERNEL_TEST(kernel_process_runs_exits_with_a_status_and_is_reaped)
{
    s_child = new Child();
    EXPECT(s_child);
    u32 pids_before = pid::in_use();
    auto created = process::create_kernel_process("selftest-42", exit_with_42, nullptr);
    EXPECT(!created.is_error());
    Process* child = created.value();
    pid_t pid = child->pid();
    EXPECT(pid > 0);
    EXPECT(!s_child->started.down_until(deadline()).is_error());
    EXPECT_EQ(s_child->seen_pid, pid);
    Process* me = process::current();
    EXPECT(me);
    EXPECT_EQ(s_child->seen_parent, me->pid());
    {
        MutexLocker locker(process::lock());
        EXPECT(child->state() == ProcessState::Live);
        EXPECT_EQ(child->thread_count(), 1u);
        EXPECT(child->parent() == me);
    }
    auto found = process::find(pid);
    EXPECT(!found.is_error());
    EXPECT(found.value() == child);
    found.value()->unref();

    s_child->go.up();
    auto status = child->wait_for_exit(deadline());
    EXPECT(!status.is_error());
    EXPECT_EQ(status.value(), 42);
    // A kernel process is reaped as soon as it is a zombie.
    EXPECT(child->state() == ProcessState::Dead);
    EXPECT(process::find(pid).is_error());
    child->unref();
    // Its PID is free again. (Counting PIDs in use would race with the
    // reaper freeing other tests' threads: TIDs share the PID space.)
    EXPECT(!pid::is_allocated(pid));
    EXPECT(pid::in_use() <= pids_before);
    delete s_child;
    s_child = nullptr;
}

KERNEL_TEST(process_lives_until_its_last_thread_and_sums_their_cpu_time)
{
    s_child = new Child();
    EXPECT(s_child);
    auto created = process::create_kernel_process("selftest-2thr", two_threads, nullptr);
    EXPECT(!created.is_error());
    Process* child = created.value();
    EXPECT(!s_child->started.down_until(deadline()).is_error());
    EXPECT(!s_child->started.down_until(deadline()).is_error());
    {
        MutexLocker locker(process::lock());
        EXPECT_EQ(child->thread_count(), 2u);
    }
    s_child->go.up(); // one thread ends; the process must live on
    for (int i = 0; i < 100; ++i) {
        {
            MutexLocker locker(process::lock());
            if (child->thread_count() == 1)
                break;
        }
        sched::sleep_ns(kNsPerMs);
    }
    {
        MutexLocker locker(process::lock());
        EXPECT_EQ(child->thread_count(), 1u);
        EXPECT(child->state() == ProcessState::Live);
    }
    s_child->go.up();
    auto status = child->wait_for_exit(deadline());
    EXPECT(!status.is_error());
    EXPECT_EQ(status.value(), 0);
    ThreadSnapshots none;
    auto times = child->times(none);
    // Each thread spun 5 ms; kernel threads' time is system time.
    u64 cpu_ns = times.user_ns + times.system_ns;
    log_info("process: two threads spun 5 ms each; the process was charged %lu us",
        static_cast<unsigned long>(cpu_ns / 1000));
    EXPECT(cpu_ns >= 5 * kNsPerMs);
    EXPECT(times.voluntary_switches >= 2); // each thread slept 1 ms
    child->unref();
    delete s_child;
    s_child = nullptr;
}

KERNEL_TEST(orphan_is_reparented_when_its_parent_exits)
{
    s_child = new Child();
    EXPECT(s_child);
    auto created = process::create_kernel_process("selftest-parent", parent_of_orphan, nullptr);
    EXPECT(!created.is_error());
    Process* parent = created.value();
    EXPECT(!s_child->started.down_until(deadline()).is_error()); // the parent made the grandchild
    EXPECT(!s_child->started.down_until(deadline()).is_error()); // the grandchild runs
    Process* orphan = s_child->grandchild;
    EXPECT(orphan);
    EXPECT(!parent->wait_for_exit(deadline()).is_error());
    {
        MutexLocker locker(process::lock());
        // No init (PID 1 is not a user process yet): PID 0 adopts it (C7).
        EXPECT(orphan->state() == ProcessState::Live);
        EXPECT(orphan->parent() == &process::idle_process());
    }
    s_child->go.up();
    EXPECT(!orphan->wait_for_exit(deadline()).is_error());
    orphan->unref();
    parent->unref();
    delete s_child;
    s_child = nullptr;
}

KERNEL_TEST(process_table_lists_the_idle_tasks_kmain_and_the_reaper)
{
    TableText table { static_cast<char*>(kmalloc(16 * KiB)), 16 * KiB, 0 };
    EXPECT(table.text);
    table.text[0] = 0;
    process_table::write(append_text, &table);
    kputs(table.text, table.used);
    bool header = contains(table.text, "PID") && contains(table.text, "TID") && contains(table.text, "IVCSW");
    bool idle = contains(table.text, " idle");
    bool kmain = contains(table.text, "kmain");
    bool reaper = contains(table.text, "reaper");
    bool full = table.used + 1 == table.size;
    kfree(table.text);
    EXPECT(header);
    EXPECT(idle);
    EXPECT(kmain);
    EXPECT(reaper);
    EXPECT(!full);
}

KERNEL_TEST(kernel_monitor_answers_its_commands)
{
    EXPECT(kernel_monitor::run_command("help"));
    EXPECT(kernel_monitor::run_command("  uptime "));
    EXPECT(kernel_monitor::run_command("mem"));
    EXPECT(kernel_monitor::run_command(""));
    EXPECT(!kernel_monitor::run_command("no-such-command"));
}
