// execve (CONCEPTS C2): replaces the program a process runs. The new
// program is checked and loaded into a fresh address space first; only
// when all of that worked does the process switch to it (the point of no
// return), so a failed exec leaves the caller running with an errno.
//
// Loading: elf.h reads and checks the headers; the PT_LOAD segments are
// private mappings of the file's own pages (copy-on-write, so every
// process running a program shares its text), the bss anonymous zeros;
// the stack gets argv, envp and auxv
// (initial_stack.h); brk starts after the image. `#!` scripts run their
// interpreter (script.h), up to kMaxScriptDepth levels.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/user_mode.h>
#include <fs/devfs/csprng.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <fs/vfs/inode_memory_object.h>
#include <fs/vfs/vfs.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/address_space.h>
#include <mm/kmalloc.h>
#include <proc/current.h>
#include <proc/elf.h>
#include <proc/exec.h>
#include <proc/initial_stack.h>
#include <proc/process_manager.h>
#include <proc/script.h>
#include <proc/signals.h>
#include <security/permissions.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <utility>

namespace {

// An executable on the VFS, as elf.h reads files.
class InodeElfFile final : public ElfFile {
public:
    explicit InodeElfFile(vfs::Inode& inode)
        : m_inode(inode)
        , m_size(inode.size())
    {
    }
    ErrorOr<usize> read_at(u64 offset, void* buffer, usize size) const override
    {
        KernelIoBuffer io(buffer, size);
        return m_inode.read(offset, io, size);
    }
    u64 size() const override { return m_size; }

private:
    vfs::Inode& m_inode;
    u64 m_size;
};

// The strings of argv/envp, kernel copies.
struct StringList {
    KString* items { nullptr };
    usize count { 0 };
    usize capacity { 0 };

    ~StringList()
    {
        for (usize i = 0; i < count; ++i)
            items[i].~KString();
        kfree(items);
    }
    ErrorOr<void> append(KString string)
    {
        if (count == capacity) {
            usize grown = capacity ? capacity * 2 : 16;
            auto* bigger = static_cast<KString*>(kmalloc(grown * sizeof(KString)));
            if (!bigger)
                return Error::from_errno(ENOMEM);
            for (usize i = 0; i < count; ++i) {
                new (&bigger[i]) KString(std::move(items[i]));
                items[i].~KString();
            }
            kfree(items);
            items = bigger;
            capacity = grown;
        }
        new (&items[count++]) KString(std::move(string));
        return {};
    }
};

// A StringView array over a StringList (what initial_stack.h takes).
struct Views {
    StringView* items { nullptr };
    ~Views() { kfree(items); }
    ErrorOr<void> fill(StringList const& list)
    {
        items = static_cast<StringView*>(kmalloc((list.count + 1) * sizeof(StringView)));
        if (!items)
            return Error::from_errno(ENOMEM);
        for (usize i = 0; i < list.count; ++i)
            items[i] = list.items[i].view();
        return {};
    }
};

ErrorOr<void> copy_string_array(VirtAddr user_array, StringList& out, usize& total_bytes, u64 limit)
{
    if (!user_array)
        return {};
    for (usize i = 0;; ++i) {
        if (i >= 0x7fffffff)
            return Error::from_errno(E2BIG);
        u64 pointer;
        TRY(copy_from_user(&pointer, user_array + i * sizeof(u64), sizeof(pointer)));
        if (!pointer)
            return {};
        auto string = copy_string_from_user(UserPtr<char const>(pointer), kMaxArgStringLength);
        if (string.is_error())
            return string.error().code() == ENAMETOOLONG ? Error::from_errno(E2BIG) : string.error();
        total_bytes += string.value().length() + 1 + sizeof(u64);
        if (total_bytes > limit)
            return Error::from_errno(E2BIG);
        TRY(out.append(std::move(string.value())));
    }
}

ErrorOr<RefPtr<vfs::OpenFile>> open_executable(StringView path)
{
    auto context = current::vfs_context();
    // O_PATH: exec needs an execute bit, not read permission (a mode 0711
    // program runs for users who cannot read it); the loader reads the
    // inode itself.
    auto file = TRY(vfs::open(context, current::fs().cwd(), path, O_PATH, 0));
    vfs::Inode* inode = file->inode();
    if (!inode)
        return Error::from_errno(EACCES);
    if (inode->is_directory())
        return Error::from_errno(EACCES);
    if (!inode->is_regular())
        return Error::from_errno(EACCES);
    if (file->location().mount && (file->location().mount->flags() & MS_NOEXEC))
        return Error::from_errno(EACCES);
    TRY(security::check_access(current::credentials(), inode->ownership(), security::kMayExec));
    return file;
}

u32 prot_of(u32 elf_flags)
{
    u32 prot = 0;
    if (elf_flags & elf::kFlagRead)
        prot |= mm::kProtRead;
    if (elf_flags & elf::kFlagWrite)
        prot |= mm::kProtWrite;
    if (elf_flags & elf::kFlagExecute)
        prot |= mm::kProtExec;
    return prot;
}

// The file page behind `page` of the image, as a byte offset in the file,
// or nothing when the page holds no file bytes (bss beyond the file part).
bool file_offset_of(ElfImage const& image, VirtAddr page, u64& offset)
{
    for (usize i = 0; i < image.segment_count; ++i) {
        auto const& segment = image.segments[i];
        if (page >= segment.page_start() && page < segment.file_page_end() && segment.file_size) {
            offset = segment.file_page_offset() + (page - segment.page_start());
            return true;
        }
    }
    return false;
}

// Maps the image into `space`: every page that holds file bytes is the
// file's own page, mapped private (read in place, copied on the first
// write: a program's text is shared by every process running it); pages
// past the file part are anonymous zeros. Adjacent pages with the same
// backing merge into one area. elf.h allows two segments to share a page
// only when the same file page is behind both; the page then gets the
// union of their rights (elf_page_flags).
ErrorOr<void> load_segments(mm::AddressSpace& space, vfs::Inode& inode, ElfImage const& image, StringView path)
{
    auto object = TRY(vfs::create_inode_memory_object(RefPtr<vfs::Inode>(inode), path));
    for (usize i = 0; i < image.segment_count; ++i) {
        auto const& segment = image.segments[i];
        for (VirtAddr page = segment.page_start(); page < segment.page_end(); page += mm::kPageSize) {
            if (space.areas().find(page))
                continue;
            u32 prot = prot_of(elf_page_flags(image, page));
            u64 offset = 0;
            if (file_offset_of(image, page, offset))
                TRY(space.map(page, mm::kPageSize, prot, 0, object, offset, true, false));
            else
                TRY(space.map(page, mm::kPageSize, prot, mm::kVmaAnonymous, {}, 0, true, false));
        }
    }
    // The bss's first page is partly file: what follows the file part in
    // that page must read as zeros, not as the file's next bytes (this
    // copies that one page, as Linux's padzero does).
    for (usize i = 0; i < image.segment_count; ++i) {
        auto const& segment = image.segments[i];
        if (segment.memory_size <= segment.file_size)
            continue;
        VirtAddr file_end = segment.vaddr + segment.file_size;
        usize tail = align_up(file_end, mm::kPageSize) - file_end;
        if (tail)
            TRY(space.zero_bytes(file_end, tail));
    }
    return {};
}

// Returns the first instruction's stack pointer; `environment` gets where
// the envp strings landed.
ErrorOr<VirtAddr> build_stack(mm::AddressSpace& space, InitialStackParams const& params, Process::UserRange& environment)
{
    VirtAddr top = mm::kUserStackTop;
    usize needed = TRY(initial_stack_size(params));
    usize initial = align_up(needed, mm::kPageSize) + mm::kUserStackInitialSize;
    TRY(space.map(top - initial, initial, mm::kProtRead | mm::kProtWrite,
        mm::kVmaAnonymous | mm::kVmaGrowsDown | mm::kVmaStack, {}, 0, true, false));
    usize capacity = align_up(needed, 16);
    auto* buffer = static_cast<u8*>(kmalloc(capacity));
    if (!buffer)
        return Error::from_errno(ENOMEM);
    auto stack = initial_stack_build(params, top, buffer, capacity);
    if (stack.is_error()) {
        kfree(buffer);
        return stack.error();
    }
    // The envp strings run from envp[0]'s string up to the AT_EXECFN string
    // (initial_stack.h's layout).
    auto const& built = stack.value();
    environment.end = built.execfn;
    environment.start = built.execfn;
    if (params.envc > 0)
        memcpy(&environment.start, built.data + (built.envp - built.stack_pointer), sizeof(u64));
    auto written = space.write_bytes(built.stack_pointer, built.data, built.size);
    kfree(buffer);
    TRY(written);
    return stack.value().stack_pointer;
}

const char* base_name(StringView path)
{
    const char* start = path.characters_without_null_termination();
    const char* name = start;
    for (usize i = 0; i < path.length(); ++i) {
        if (start[i] == '/' && i + 1 < path.length())
            name = start + i + 1;
    }
    return name;
}

}

ErrorOr<long> exec::execve(InterruptFrame& frame, UserPtr<char const> user_path, VirtAddr user_argv, VirtAddr user_envp)
{
    KString path = TRY(copy_string_from_user(user_path));
    if (path.is_empty())
        return Error::from_errno(ENOENT);
    Process& me = current::process();
    u64 arg_limit = exec_arg_limit(me.resource_limit(rlimit::kStack).current);
    StringList argv;
    StringList envp;
    usize total = 0;
    TRY(copy_string_array(user_argv, argv, total, arg_limit));
    TRY(copy_string_array(user_envp, envp, total, arg_limit));
    return execute(frame, path.view(), argv.count, argv.items, envp.count, envp.items);
}

ErrorOr<long> exec::execute(InterruptFrame& frame, StringView path, usize argc, KString const* argv_strings, usize envc,
    KString const* envp_strings)
{
    StringList argv;
    for (usize i = 0; i < argc; ++i)
        TRY(argv.append(TRY(KString::create(argv_strings[i].view()))));
    KString executable_path = TRY(KString::create(path));
    KString current_path = TRY(KString::create(path));

    // Follow #! lines to the real program.
    RefPtr<vfs::OpenFile> file;
    u8 head[kScriptHeadSize];
    for (unsigned depth = 0;; ++depth) {
        file = TRY(open_executable(current_path.view()));
        InodeElfFile reader(*file->inode());
        usize got = TRY(reader.read_at(0, head, sizeof(head)));
        if (!script_has_shebang(head, got))
            break;
        if (depth >= kMaxScriptDepth)
            return Error::from_errno(ELOOP);
        auto script = TRY(script_parse(head, got));
        usize count = script_argv_count(script, argv.count);
        auto* views = static_cast<StringView*>(kmalloc((argv.count + 1) * sizeof(StringView)));
        auto* out = static_cast<StringView*>(kmalloc((count + 1) * sizeof(StringView)));
        if (!views || !out) {
            kfree(views);
            kfree(out);
            return Error::from_errno(ENOMEM);
        }
        for (usize i = 0; i < argv.count; ++i)
            views[i] = argv.items[i].view();
        auto built = script_build_argv(script, current_path.view(), views, argv.count, out, count + 1);
        StringList rebuilt;
        ErrorOr<void> copied {};
        if (!built.is_error()) {
            for (usize i = 0; i < built.value() && !copied.is_error(); ++i) {
                auto string = KString::create(out[i]);
                copied = string.is_error() ? ErrorOr<void>(string.error()) : rebuilt.append(std::move(string.value()));
            }
        }
        auto interpreter = KString::create(script.path);
        kfree(views);
        kfree(out);
        if (built.is_error())
            return built.error();
        TRY(copied);
        if (interpreter.is_error()) // (not TRY: it would move the value out)
            return interpreter.error();
        // The new argv replaces the old: swap the lists' storage.
        std::swap(argv.items, rebuilt.items);
        std::swap(argv.count, rebuilt.count);
        std::swap(argv.capacity, rebuilt.capacity);
        current_path = std::move(interpreter.value());
    }

    InodeElfFile reader(*file->inode());
    ElfImage image;
    ElfDiagnostic diagnostic {};
    auto parsed = elf_parse(reader, image, {}, &diagnostic);
    if (parsed.is_error()) {
        log_notice("exec %s: %s", current_path.c_str(), diagnostic.text[0] ? diagnostic.text : parsed.error().name());
        return parsed.error();
    }

    auto space = TRY(mm::AddressSpace::create());
    space->set_stack_limit(current::process().resource_limit(rlimit::kStack).current);
    // The program file's absolute path, for /proc/<pid>/exe and maps: the
    // path walked when it is absolute (a shell's PATH search gives one),
    // else the file's found name.
    KString program_path;
    if (current_path.view().starts_with('/'))
        program_path = TRY(KString::create(current_path.view()));
    else
        program_path = TRY(vfs::describe_location(current::vfs_context(), file->location()));
    TRY(load_segments(*space, *file->inode(), image, program_path.view()));
    space->set_brk_start(image.brk_start);

    Process& me = current::process();
    Views argv_views;
    Views envp_views;
    TRY(argv_views.fill(argv));
    StringList envp;
    for (usize i = 0; i < envc; ++i)
        TRY(envp.append(TRY(KString::create(envp_strings[i].view()))));
    TRY(envp_views.fill(envp));
    InitialStackParams params;
    params.argv = argv_views.items;
    params.argc = argv.count;
    params.envp = envp_views.items;
    params.envc = envp.count;
    params.execfn = executable_path.view();
    initial_stack_set_image(params, image);
    // Set-user-ID and set-group-ID programs: the ids the new program runs
    // with, decided from the ELF file (a #! script's own bits are ignored,
    // as on Linux), committed at the point of no return.
    bool nosuid = file->location().mount && (file->location().mount->flags() & MS_NOSUID);
    auto exec_ids = security::credentials_for_exec(me.credentials(), file->inode()->ownership(), nosuid);
    auto const& credentials = exec_ids.credentials;
    params.uid = credentials.uid;
    params.euid = credentials.euid;
    params.gid = credentials.gid;
    params.egid = credentials.egid;
    params.secure = exec_ids.secure;
    params.hwcap = cpu::cpuid(1).edx;
    params.arg_limit = exec_arg_limit(me.resource_limit(rlimit::kStack).current);
    csprng::get_random_bytes(params.random, sizeof(params.random));
    Process::UserRange environment;
    VirtAddr stack_pointer = TRY(build_stack(*space, params, environment));

    // /proc/<pid>/cmdline: argv, NUL-separated.
    usize cmdline_length = 0;
    for (usize i = 0; i < argv.count; ++i)
        cmdline_length += argv.items[i].length() + 1;
    auto* cmdline = static_cast<char*>(kmalloc(cmdline_length + 1));
    if (!cmdline)
        return Error::from_errno(ENOMEM);
    usize at = 0;
    for (usize i = 0; i < argv.count; ++i) {
        memcpy(cmdline + at, argv.items[i].c_str(), argv.items[i].length());
        at += argv.items[i].length();
        cmdline[at++] = 0;
    }
    auto command_line = KString::create(StringView(cmdline, cmdline_length));
    kfree(cmdline);
    if (command_line.is_error())
        return command_line.error();

    TRY(signals::prepare_exec(me)); // signals issue: actions shared by CLONE_SIGHAND get a private copy

    // The point of no return.
    {
        MutexLocker locker(process::lock());
        me.credentials_for_update() = exec_ids.credentials;
    }
    ProcessManager::exec_replace(me, current::thread(), std::move(space), std::move(command_line.value()),
        std::move(program_path), base_name(current_path.view()), environment);
    frame = user_mode::initial_frame(image.entry, stack_pointer);
    return 0;
}

void ProcessManager::exec_replace(Process& process, Thread& thread, RefPtr<mm::AddressSpace> space, KString command_line,
    KString path, const char* name, Process::UserRange environment)
{
    // Other threads of the process end first (execve in a multi-threaded
    // program: Linux's de_thread).
    if (process.thread_count() > 1) {
        begin_group_exit(process, 0);
        MutexLocker locker(process::lock());
        while (process.m_threads.size() > 1)
            (void)process.m_exited.wait(locker, ktime::monotonic_ns() + 1000000);
        process.m_group_exiting.store(false, std::memory_order_release);
    }
    RefPtr<mm::AddressSpace> old;
    {
        MutexLocker locker(process::lock());
        old = std::move(process.m_address_space);
        process.m_address_space = space;
        process.m_address_space_root = space->root();
        process.m_command_line = std::move(command_line);
        process.m_executable_path = std::move(path);
        process.m_environment_range = environment;
        usize length = strnlen(name, sizeof(process.m_name) - 1);
        memcpy(process.m_name, name, length);
        process.m_name[length] = 0;
        memcpy(thread.name, process.m_name, sizeof(thread.name));
        if (ProcessThread* member = member_of(process, thread))
            member->clear_child_tid = 0;
    }
    {
        InterruptsOff off;
        thread.address_space_root = space->root();
        load_root(space->root());
        thread.fs_base = 0;
        cpu::wrmsr(cpu::MSR_FS_BASE, 0);
    }
    // Fresh FPU state for the new program.
    fpu::init_state(thread.fpu_state);
    fpu::restore(thread.fpu_state);
    // Signals issue: handlers back to SIG_DFL (ignored stay ignored), no
    // alternate stack; the mask and pending signals stay.
    if (ProcessThread* member = member_of(process, thread))
        signals::exec_done(process, *member);
    old = nullptr; // the old program's memory goes (after CR3 left it)
    process.m_fd_table->close_on_exec();
    // A vfork parent may go on now: the child no longer uses its memory.
    MutexLocker locker(process::lock());
    if (!process.m_vfork_released) {
        process.m_vfork_released = true;
        process.m_exited.notify_all();
    }
}
