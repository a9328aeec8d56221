// The process table (process_table.h). Everything about a thread comes from
// a snapshot (proc/thread_snapshot.h) taken under the process lock, so the
// table is consistent with the process list it walks. Columns follow ps:
//
//   PID   the process (0: the idle tasks)   TID   the thread
//   PPID  the parent process                S     R running or ready, S
//   CPU   where it runs or last ran               sleeping, D uninterruptible,
//   CLS   TS (normal), FF (FIFO), RR,             T stopped, Z zombie
//         B (batch), IDL (idle); - for the  RTPRIO  1..99 for FF and RR
//         idle tasks, which are below all
//   NI    nice, -20..19 for TS and B        USER/SYS  CPU seconds
//   VCSW/IVCSW  voluntary and involuntary context switches
//   COMMAND  the process's name; THREAD  the thread's, when it differs
#include <lib/format.h>
#include <lib/log.h>
#include <lib/string.h>
#include <proc/process.h>
#include <proc/process_table.h>

namespace process_table {

namespace {

struct Output {
    Writer writer;
    void* context;
    usize threads_shown;
    usize processes;
};

void emit(Output& out, const char* fmt, ...) PRINTF_FORMAT(2, 3);
void emit(Output& out, const char* fmt, ...)
{
    char line[200];
    va_list args;
    va_start(args, fmt);
    usize length = vformat(line, sizeof(line), fmt, args);
    va_end(args);
    if (length >= sizeof(line))
        length = sizeof(line) - 1;
    out.writer(line, length, out.context);
}

const char* class_name(SchedPolicy policy)
{
    switch (policy) {
    case SchedPolicy::Normal:
        return "TS";
    case SchedPolicy::Fifo:
        return "FF";
    case SchedPolicy::RoundRobin:
        return "RR";
    case SchedPolicy::Batch:
        return "B";
    case SchedPolicy::Idle:
        return "IDL";
    }
    return "?";
}

bool is_real_time(SchedPolicy policy) { return policy == SchedPolicy::Fifo || policy == SchedPolicy::RoundRobin; }

// "12.345": seconds with milliseconds, integer arithmetic only.
void format_seconds(char (&buffer)[24], u64 ns)
{
    u64 ms = ns / 1000000;
    format(buffer, sizeof(buffer), "%lu.%03lu", static_cast<unsigned long>(ms / 1000), static_cast<unsigned long>(ms % 1000));
}

void write_thread(Output& out, Process& process, ThreadSnapshot const& thread)
{
    char priority[8] = "-";
    char nice[8] = "-";
    const char* cls = thread.is_idle ? "-" : class_name(thread.policy); // below every class
    if (is_real_time(thread.policy))
        format(priority, sizeof(priority), "%u", thread.rt_priority);
    else if (!thread.is_idle)
        format(nice, sizeof(nice), "%d", thread.nice);
    char user[24];
    char system[24];
    format_seconds(user, thread.user_ns);
    format_seconds(system, thread.system_ns);
    bool same_name = strcmp(process.name(), thread.name) == 0;
    emit(out, "%5d %5u %5d %c %3u %-3s %6s %3s %9s %9s %8lu %8lu %s%s%s\n", process.pid(), thread.tid,
        process.parent_pid(), thread.letter, thread.cpu, cls, priority, nice, user, system,
        static_cast<unsigned long>(thread.voluntary_switches), static_cast<unsigned long>(thread.involuntary_switches),
        process.name(), same_name ? "" : " ", same_name ? "" : thread.name);
    ++out.threads_shown;
}

void write_process(Process& process, ThreadSnapshots const& threads, void* context)
{
    auto& out = *static_cast<Output*>(context);
    ++out.processes;
    bool any = false;
    for (auto const& thread : threads) {
        if (thread.owner != &process || thread.state == ThreadState::Dead)
            continue;
        write_thread(out, process, thread);
        any = true;
    }
    if (any)
        return;
    // A zombie: its threads are gone, the PCB and exit status remain.
    char user[24];
    char system[24];
    auto times = process.times(threads);
    format_seconds(user, times.user_ns);
    format_seconds(system, times.system_ns);
    emit(out, "%5d %5s %5d %c %3s %-3s %6s %3s %9s %9s %8lu %8lu %s (exit status %d)\n", process.pid(), "-",
        process.parent_pid(), process_run_state_letter(process.run_state(threads)), "-", "-", "-", "-", user, system,
        static_cast<unsigned long>(times.voluntary_switches), static_cast<unsigned long>(times.involuntary_switches),
        process.name(), process.exit_status());
}

void write_to_consoles(const char* text, usize length, void*) { kputs(text, length); }

}

void write(Writer writer, void* context)
{
    Output out { writer, context, 0, 0 };
    emit(out, "%5s %5s %5s %c %3s %-3s %6s %3s %9s %9s %8s %8s %s\n", "PID", "TID", "PPID", 'S', "CPU", "CLS", "RTPRIO",
        "NI", "USER", "SYS", "VCSW", "IVCSW", "COMMAND [THREAD]");
    process::for_each_with_context(write_process, &out);
    emit(out, "%zu processes, %zu threads\n", out.processes, out.threads_shown);
}

void print() { write(write_to_consoles, nullptr); }

}
