// PID 1 (CONCEPTS C1, C7): the first user process. The kernel builds it by
// hand - PID 1, the console as its standard input, output and error, "/"
// as root and working directory - and execs /sbin/init in it (or the
// program named by `init=`), passing the words after `--` on the kernel
// command line as its arguments, as Linux does. Every other user process
// descends from it, and it adopts every orphan.
#include <fs/root.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <fs/vfs/vfs.h>
#include <lib/cmdline.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <arch/x86_64/user_mode.h>
#include <proc/current.h>
#include <proc/exec.h>
#include <proc/init_process.h>
#include <proc/process_manager.h>
#include <proc/user_return.h>
#include <sched/scheduler.h>

namespace {

constexpr usize kMaxArguments = 32;

struct InitArguments {
    KString argv[kMaxArguments];
    usize argc { 0 };
    KString envp[4];
    usize envc { 0 };
};

// The next word of the command line from `text` into `word` (capacity
// 256): words are separated by spaces; a double-quoted part may hold
// spaces, and \" and \\ stand for themselves there (GRUB quotes words
// this way). Returns the position after the word, or null at the end.
const char* next_word(const char* text, char* word, usize capacity, usize& length)
{
    while (*text == ' ')
        ++text;
    if (!*text)
        return nullptr;
    length = 0;
    bool quoted = false;
    for (; *text && (quoted || *text != ' '); ++text) {
        char c = *text;
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted && c == '\\' && (text[1] == '"' || text[1] == '\\'))
            c = *++text;
        if (length + 1 < capacity)
            word[length++] = c;
    }
    word[length] = 0;
    return text;
}

// argv: the program, then the words after a lone "--" on the command line.
void collect_arguments(InitArguments& arguments, const char* program)
{
    auto first = KString::create(program);
    if (!first.is_error())
        arguments.argv[arguments.argc++] = std::move(first.value());
    char word[256];
    usize length = 0;
    bool after_marker = false;
    for (const char* text = cmdline::text(); (text = next_word(text, word, sizeof(word), length));) {
        if (!after_marker) {
            after_marker = length == 2 && word[0] == '-' && word[1] == '-';
            continue;
        }
        if (arguments.argc == kMaxArguments)
            break;
        auto copy = KString::create(StringView(word, length));
        if (!copy.is_error())
            arguments.argv[arguments.argc++] = std::move(copy.value());
    }
    for (const char* variable : { "HOME=/", "TERM=linux", "PATH=/sbin:/bin:/usr/sbin:/usr/bin" }) {
        auto value = KString::create(variable);
        if (!value.is_error())
            arguments.envp[arguments.envc++] = std::move(value.value());
    }
}

ErrorOr<void> open_console(Process&)
{
    auto& table = current::fd_table();
    auto context = current::vfs_context();
    auto console = vfs::open(context, current::fs().cwd(), "/dev/console", O_RDWR, 0);
    if (console.is_error()) {
        log_warn("init: cannot open /dev/console (%s): init runs without standard input and output",
            console.error().name());
        return {};
    }
    for (int fd = 0; fd < 3; ++fd)
        TRY(table.allocate(console.value(), false, rlimit::kInfinity));
    return {};
}

// The first thread of PID 1: sets up its files, then execs the program.
void run_init(void*)
{
    Process& me = current::process();
    if (auto opened = open_console(me); opened.is_error())
        log_warn("init: standard descriptors: %s", opened.error().name());
    const char* requested = cmdline::get("init");
    const char* candidates[] = { requested, "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };
    for (const char* program : candidates) {
        if (!program)
            continue;
        auto* arguments = new InitArguments;
        if (!arguments)
            break;
        collect_arguments(*arguments, program);
        InterruptFrame frame {};
        auto result = exec::execute(frame, program, arguments->argc, arguments->argv, arguments->envc, arguments->envp);
        delete arguments;
        if (!result.is_error()) {
            log_info("init: running %s as PID 1", program);
            sched::account_mode_switch(true);
            enter_user_mode(&frame);
        }
        log_warn("init: cannot run %s: %s", program, result.error().name());
        if (program == requested)
            break; // init= names the one program to run, as on Linux
    }
    // As Linux: without PID 1 the system cannot go on, so say why and stop
    // (a machine that sat idle for ever would look like a hang; GRUB, for
    // one, leaves the initramfs out when memory is too small for it).
    panic("init: no working init found (tried init=, /sbin/init, /etc/init, /bin/init, /bin/sh); "
          "is the initramfs loaded?");
}

}

ErrorOr<void> ProcessManager::start_init()
{
    auto files = TRY(vfs::FdTable::create());
    auto root = vfs::system_mounts().root();
    auto fs = TRY(vfs::FsContext::create(root, root));
    Thread* thread;
    {
        MutexLocker locker(process::lock());
        Process* init = make("init", pid::kInitPid, &process::idle_process());
        if (!init)
            return Error::from_errno(ENOMEM);
        init->m_is_kernel = false;
        init->m_fd_table = files;
        init->m_fs_context = fs;
        init->m_pgid = pid::kInitPid;
        init->m_sid = pid::kInitPid;
        auto added = add_thread_locked(*init, "init", run_init, nullptr);
        if (added.is_error()) {
            delete init;
            return added.error();
        }
        thread = added.value();
        // PID 1 was reserved at boot; its first thread is TID 1, as a
        // process's first thread always has its PID.
        pid::release(static_cast<pid_t>(thread->tid));
        thread->tid = pid::kInitPid;
        set_state(*init, ProcessState::Live);
        link(*init);
    }
    sched::start(thread);
    return {};
}

namespace process {

ErrorOr<void> start_init() { return ProcessManager::start_init(); }

}
