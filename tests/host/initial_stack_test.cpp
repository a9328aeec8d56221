// The initial process stack (kernel/proc/initial_stack.cpp), checked three
// ways:
//  - walked exactly as a C library start routine walks it (glibc's _start
//    and _dl_aux_init, musl's __init_libc): argc at rsp, argv, envp after
//    argv's NULL, auxv after envp's NULL up to AT_NULL, every pointer
//    inside the image and every string NUL-terminated there, rsp 16-aligned;
//  - against Linux: a probe started on the host kernel without address
//    randomization and stopped at its first instruction has its stack
//    read back; built here for the same stack top and inputs, the strings,
//    platform and random bytes must be byte-identical at the same
//    addresses, argv/envp must hold the same pointers, and every auxv key
//    we write must be there with the same value, in Linux's order;
//  - for real: the static probes (glibc and musl ET_EXEC, glibc static-PIE)
//    are loaded by elf_parse()/elf_read_page() into a forked child at their
//    addresses, given a stack built here, and entered at their entry point
//    with nothing of Linux's exec involved. Their C library must start and
//    print the argv, environment and auxv values we gave them.
#include <cpuid.h>
#include <elf.h> // the host's AT_* names
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <proc/elf.h>
#include <proc/initial_stack.h>
#include <proc/script.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <string.h>
#include <string>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Bytes = std::vector<u8>;
constexpr u64 kPage = 4096;

std::string probe_path(const char* name) { return std::string(HANEUL_EXEC_PROBE_DIR) + "/" + name; }

Bytes read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<StringView> views(std::vector<std::string> const& strings)
{
    std::vector<StringView> result;
    for (auto const& s : strings)
        result.emplace_back(s.data(), s.size());
    return result;
}

// ---- the C library's view -----------------------------------------------------

// A stack image as user space sees it: [low, high) of user addresses.
struct Memory {
    u64 low;
    Bytes bytes;

    u64 high() const { return low + bytes.size(); }
    bool contains(u64 address, u64 size) const { return address >= low && size <= high() - address && address <= high(); }
    u64 word(u64 address) const
    {
        EXPECT_TRUE(contains(address, 8)) << std::hex << address;
        if (!contains(address, 8))
            return 0;
        u64 value;
        memcpy(&value, &bytes[address - low], 8);
        return value;
    }
    // The NUL-terminated string at `address`, which must end inside.
    std::string string(u64 address) const
    {
        EXPECT_TRUE(contains(address, 1)) << std::hex << address;
        std::string text;
        for (u64 at = address; contains(at, 1); ++at) {
            char c = static_cast<char>(bytes[at - low]);
            if (c == 0)
                return text;
            text.push_back(c);
        }
        ADD_FAILURE() << "string at 0x" << std::hex << address << " runs off the stack";
        return text;
    }
};

struct Walked {
    u64 argc = 0;
    std::vector<u64> argv_pointers, envp_pointers;
    std::vector<std::string> argv, envp;
    std::vector<std::pair<u64, u64>> auxv; // AT_NULL excluded
    u64 auxv_end = 0;                      // first byte after AT_NULL

    u64 aux(u64 key) const
    {
        for (auto const& [k, v] : auxv) {
            if (k == key)
                return v;
        }
        return 0;
    }
    bool has(u64 key) const
    {
        for (auto const& [k, v] : auxv) {
            if (k == key)
                return true;
        }
        return false;
    }
};

// What glibc's _start/__libc_start_main/_dl_aux_init and musl's
// __init_libc read, in their order.
Walked walk_like_libc(Memory const& memory, u64 rsp)
{
    Walked walked;
    EXPECT_EQ(rsp % 16, 0u) << "the ABI wants (rsp % 16) == 0 at entry";
    walked.argc = memory.word(rsp);
    EXPECT_LT(walked.argc, 100000u);
    u64 at = rsp + 8;
    for (u64 i = 0; i < walked.argc && memory.contains(at, 8); ++i, at += 8) {
        walked.argv_pointers.push_back(memory.word(at));
        walked.argv.push_back(memory.string(walked.argv_pointers.back()));
    }
    EXPECT_EQ(memory.word(at), 0u) << "argv[argc] must be NULL";
    at += 8;
    while (memory.contains(at, 8) && memory.word(at) != 0) {
        walked.envp_pointers.push_back(memory.word(at));
        walked.envp.push_back(memory.string(walked.envp_pointers.back()));
        at += 8;
    }
    at += 8;
    for (;;) {
        if (!memory.contains(at, 16)) {
            ADD_FAILURE() << "auxv runs off the stack";
            break;
        }
        u64 key = memory.word(at);
        u64 value = memory.word(at + 8);
        at += 16;
        if (key == AT_NULL)
            break;
        walked.auxv.emplace_back(key, value);
    }
    walked.auxv_end = at;
    return walked;
}

struct Built {
    Bytes buffer;
    InitialStack stack {};
    Memory memory;
};

InitialStackParams sample_params(std::vector<StringView> const& argv, std::vector<StringView> const& envp)
{
    InitialStackParams params;
    params.argv = argv.data();
    params.argc = argv.size();
    params.envp = envp.data();
    params.envc = envp.size();
    params.execfn = "/bin/probe";
    params.phdr = 0x400040;
    params.phnum = 10;
    params.entry = 0x401000;
    params.uid = 1000;
    params.euid = 1001;
    params.gid = 100;
    params.egid = 101;
    params.hwcap = 0x178bfbff;
    params.hwcap2 = 2;
    for (int i = 0; i < 16; ++i)
        params.random[i] = static_cast<u8>(0xa0 + i);
    return params;
}

Built build(InitialStackParams const& params, u64 top, size_t capacity = 64 * 1024)
{
    Built built;
    built.buffer.assign(capacity, 0xcc); // garbage the builder must not leave behind
    auto result = initial_stack_build(params, top, built.buffer.data(), built.buffer.size());
    EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().name() : "");
    if (result.is_error())
        return built;
    built.stack = result.value();
    built.memory.low = built.stack.stack_pointer;
    built.memory.bytes.assign(built.stack.data, built.stack.data + built.stack.size);
    return built;
}

TEST(InitialStack, walks_like_a_c_library_expects)
{
    std::vector<std::string> argv_text = { "/bin/probe", "-v", "", "a longer argument with spaces" };
    std::vector<std::string> envp_text = { "PATH=/bin:/usr/bin", "HOME=/root", "EMPTY=" };
    auto argv = views(argv_text), envp = views(envp_text);
    InitialStackParams params = sample_params(argv, envp);
    u64 top = 0x7ffffffff000;
    Built built = build(params, top);
    InitialStack const& stack = built.stack;

    EXPECT_EQ(stack.size, initial_stack_size(params).value());
    EXPECT_EQ(stack.data, built.buffer.data() + built.buffer.size() - stack.size);
    EXPECT_EQ(stack.stack_pointer, top - stack.size);

    Walked walked = walk_like_libc(built.memory, stack.stack_pointer);
    EXPECT_EQ(walked.argc, argv_text.size());
    EXPECT_EQ(walked.argv, argv_text);
    EXPECT_EQ(walked.envp, envp_text);
    EXPECT_EQ(stack.argv, stack.stack_pointer + 8);
    EXPECT_EQ(stack.envp, stack.argv + 8 * (argv_text.size() + 1));
    EXPECT_EQ(stack.auxv, stack.envp + 8 * (envp_text.size() + 1));

    std::vector<u64> keys;
    for (auto const& [key, value] : walked.auxv)
        keys.push_back(key);
    std::vector<u64> expected_keys = { AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS,
        AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM };
    EXPECT_EQ(keys, expected_keys);
    EXPECT_EQ(walked.aux(AT_HWCAP), 0x178bfbffu);
    EXPECT_EQ(walked.aux(AT_PAGESZ), 4096u);
    EXPECT_EQ(walked.aux(AT_CLKTCK), 100u);
    EXPECT_EQ(walked.aux(AT_PHDR), 0x400040u);
    EXPECT_EQ(walked.aux(AT_PHENT), 56u);
    EXPECT_EQ(walked.aux(AT_PHNUM), 10u);
    EXPECT_EQ(walked.aux(AT_BASE), 0u);
    EXPECT_EQ(walked.aux(AT_FLAGS), 0u);
    EXPECT_EQ(walked.aux(AT_ENTRY), 0x401000u);
    EXPECT_EQ(walked.aux(AT_UID), 1000u);
    EXPECT_EQ(walked.aux(AT_EUID), 1001u);
    EXPECT_EQ(walked.aux(AT_GID), 100u);
    EXPECT_EQ(walked.aux(AT_EGID), 101u);
    EXPECT_EQ(walked.aux(AT_SECURE), 0u);
    EXPECT_EQ(walked.aux(AT_HWCAP2), 2u);
    EXPECT_EQ(built.memory.string(walked.aux(AT_EXECFN)), "/bin/probe");
    EXPECT_EQ(built.memory.string(walked.aux(AT_PLATFORM)), "x86_64");

    // AT_RANDOM: 16 bytes inside the image, above the auxv, as given.
    u64 random = walked.aux(AT_RANDOM);
    EXPECT_EQ(random, stack.random);
    ASSERT_TRUE(built.memory.contains(random, 16));
    EXPECT_GE(random, walked.auxv_end);
    EXPECT_EQ(memcmp(&built.memory.bytes[random - built.memory.low], params.random, 16), 0);

    // Linux's layout of the top: a NULL word, execfn, then the strings
    // downwards (argv below envp, each in order).
    EXPECT_EQ(built.memory.word(top - 8), 0u);
    EXPECT_EQ(stack.execfn, top - 8 - strlen("/bin/probe") - 1);
    EXPECT_EQ(walked.envp_pointers.back() + envp_text.back().size() + 1, stack.execfn);
    EXPECT_EQ(walked.argv_pointers.back() + argv_text.back().size() + 1, walked.envp_pointers.front());
    for (size_t i = 1; i < argv_text.size(); ++i)
        EXPECT_EQ(walked.argv_pointers[i], walked.argv_pointers[i - 1] + argv_text[i - 1].size() + 1);
    // No byte of the image is left as the buffer's garbage.
    EXPECT_EQ(std::count(built.memory.bytes.begin(), built.memory.bytes.end(), 0xcc), 0);
}

TEST(InitialStack, empty_argv_becomes_one_empty_string)
{
    std::vector<StringView> none;
    InitialStackParams params = sample_params(none, none);
    Built built = build(params, 0x7ffffffff000);
    Walked walked = walk_like_libc(built.memory, built.stack.stack_pointer);
    EXPECT_EQ(walked.argc, 1u);
    EXPECT_EQ(walked.argv, (std::vector<std::string> { "" }));
    EXPECT_TRUE(walked.envp.empty());
}

TEST(InitialStack, optional_auxv_entries)
{
    std::vector<StringView> argv = { "x" };
    std::vector<StringView> none;
    InitialStackParams params = sample_params(argv, none);
    params.sysinfo_ehdr = 0x7ffff7fc1000;
    params.minsigstksz = 3632;
    params.platform = "";
    Built built = build(params, 0x7ffffffff000);
    Walked walked = walk_like_libc(built.memory, built.stack.stack_pointer);
    ASSERT_GE(walked.auxv.size(), 2u);
    EXPECT_EQ(walked.auxv[0], (std::pair<u64, u64>(AT_SYSINFO_EHDR, 0x7ffff7fc1000)));
    EXPECT_EQ(walked.auxv[1], (std::pair<u64, u64>(AT_MINSIGSTKSZ, 3632)));
    EXPECT_FALSE(walked.has(AT_PLATFORM));
    EXPECT_EQ(walked.auxv.size() + 1, kAuxvMaxEntries - 1);
}

TEST(InitialStack, stack_pointer_is_aligned_for_every_shape)
{
    std::mt19937 random(7);
    for (int round = 0; round < 500; ++round) {
        std::vector<std::string> argv_text(random() % 6), envp_text(random() % 6);
        for (auto& s : argv_text)
            s.assign(random() % 40, 'a' + random() % 26);
        for (auto& s : envp_text)
            s = "K=" + std::string(random() % 40, 'v');
        auto argv = views(argv_text), envp = views(envp_text);
        InitialStackParams params = sample_params(argv, envp);
        params.execfn = StringView("/p", 1 + random() % 2);
        params.sysinfo_ehdr = random() % 2 ? 0x7000 : 0;
        u64 top = 0x7ff000000000 - 16 * (random() % 64);
        Built built = build(params, top);
        Walked walked = walk_like_libc(built.memory, built.stack.stack_pointer);
        ASSERT_EQ(built.stack.stack_pointer % 16, 0u);
        EXPECT_EQ(walked.argc, std::max<size_t>(argv_text.size(), 1));
        if (!argv_text.empty()) {
            EXPECT_EQ(walked.argv, argv_text);
        }
        EXPECT_EQ(walked.envp, envp_text);
        // Padding is small: never a whole 16 bytes more than needed.
        EXPECT_LT(built.stack.random - walked.auxv_end, 16u);
    }
}

TEST(InitialStack, limits_give_e2big)
{
    std::vector<StringView> none;
    // MAX_ARG_STRLEN counts the NUL.
    std::string longest(kMaxArgStringLength - 1, 'x');
    std::string too_long(kMaxArgStringLength, 'x');
    std::vector<StringView> argv = { StringView(longest.data(), longest.size()) };
    InitialStackParams params = sample_params(argv, none);
    EXPECT_FALSE(initial_stack_size(params).is_error());
    argv[0] = StringView(too_long.data(), too_long.size());
    EXPECT_EQ(initial_stack_size(params).error().code(), E2BIG);
    std::vector<StringView> envp = { StringView(too_long.data(), too_long.size()) };
    params = sample_params(none, envp);
    EXPECT_EQ(initial_stack_size(params).error().code(), E2BIG);
    params = sample_params(none, none);
    params.execfn = StringView(too_long.data(), too_long.size());
    EXPECT_EQ(initial_stack_size(params).error().code(), E2BIG);

    // The total: strings plus one pointer per argv and envp entry.
    std::string chunk(1000, 'c');
    std::vector<StringView> many(200, StringView(chunk.data(), chunk.size()));
    params = sample_params(many, none);
    u64 needed = strlen("/bin/probe") + 1 + 200 * 1001 + 200 * 8;
    params.arg_limit = needed;
    EXPECT_FALSE(initial_stack_size(params).is_error());
    params.arg_limit = needed - 1;
    EXPECT_EQ(initial_stack_size(params).error().code(), E2BIG);
    params.arg_limit = 200 * 8;
    EXPECT_EQ(initial_stack_size(params).error().code(), E2BIG);

    // The buffer must hold the image.
    params = sample_params(many, none);
    u64 size = initial_stack_size(params).value();
    Bytes buffer(size);
    EXPECT_FALSE(initial_stack_build(params, 0x7ffffffff000, buffer.data(), size).is_error());
    EXPECT_EQ(initial_stack_build(params, 0x7ffffffff000, buffer.data(), size - 1).error().code(), E2BIG);
    EXPECT_EQ(initial_stack_build(params, 0x1000, buffer.data(), size).error().code(), E2BIG);
}

TEST(InitialStack, argument_limit_follows_the_stack_rlimit)
{
    EXPECT_EQ(exec_arg_limit(8 * MiB), 2 * MiB);
    EXPECT_EQ(exec_arg_limit(0), 128 * KiB);
    EXPECT_EQ(exec_arg_limit(64 * KiB), 128 * KiB);
    EXPECT_EQ(exec_arg_limit(~u64(0)), 6 * MiB);
    EXPECT_EQ(exec_arg_limit(16 * MiB), 4 * MiB);
}

// ---- Linux as the reference -------------------------------------------------

struct Stopped {
    pid_t pid = -1;
    user_regs_struct regs {};
    ~Stopped()
    {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

bool start_stopped(std::string const& path, std::vector<std::string> const& argv, std::vector<std::string> const& envp,
    Stopped& stopped, std::string& why)
{
    pid_t pid = fork();
    if (pid == 0) {
        personality(ADDR_NO_RANDOMIZE);
        if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
            _exit(120);
        std::vector<char*> args, env;
        for (auto const& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        for (auto const& e : envp)
            env.push_back(const_cast<char*>(e.c_str()));
        env.push_back(nullptr);
        execve(path.c_str(), args.data(), env.data());
        _exit(121);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFSTOPPED(status)) {
        why = "the host does not let the test ptrace its child (status " + std::to_string(status) + ")";
        return false;
    }
    stopped.pid = pid;
    if (ptrace(PTRACE_GETREGS, pid, nullptr, &stopped.regs) != 0) {
        why = "PTRACE_GETREGS failed";
        return false;
    }
    return true;
}

u64 stack_end(pid_t pid)
{
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
        if (line.find("[stack]") != std::string::npos)
            return std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
    }
    return 0;
}

TEST(InitialStackOnLinux, linux_builds_the_same_stack)
{
    for (const char* name : { "glibc-static", "glibc-static-pie", "musl-static" }) {
        SCOPED_TRACE(name);
        std::string path = probe_path(name);
        ASSERT_EQ(access(path.c_str(), X_OK), 0) << path << " was not built";
        std::vector<std::string> argv_text = { "probe", "one", "", "three words here" };
        std::vector<std::string> envp_text = { "A=1", "LONGER_NAME=some value", "Z=" };
        Stopped stopped;
        std::string why;
        if (!start_stopped(path, argv_text, envp_text, stopped, why))
            GTEST_SKIP() << why;

        u64 rsp = stopped.regs.rsp;
        u64 top = stack_end(stopped.pid);
        ASSERT_GT(top, rsp);
        Memory theirs { rsp, Bytes(top - rsp) };
        int mem = open(("/proc/" + std::to_string(stopped.pid) + "/mem").c_str(), O_RDONLY);
        ASSERT_GE(mem, 0);
        ASSERT_EQ(pread(mem, theirs.bytes.data(), theirs.bytes.size(), rsp), static_cast<ssize_t>(theirs.bytes.size()));
        close(mem);
        Walked linux_walk = walk_like_libc(theirs, rsp);
        EXPECT_EQ(linux_walk.argv, argv_text);
        EXPECT_EQ(linux_walk.envp, envp_text);

        // The same inputs, with what only Linux knows taken from its auxv.
        auto argv = views(argv_text), envp = views(envp_text);
        InitialStackParams params;
        params.argv = argv.data();
        params.argc = argv.size();
        params.envp = envp.data();
        params.envc = envp.size();
        params.execfn = StringView(path.data(), path.size());
        std::string platform = theirs.string(linux_walk.aux(AT_PLATFORM));
        params.platform = StringView(platform.data(), platform.size());
        params.phdr = linux_walk.aux(AT_PHDR);
        params.phnum = linux_walk.aux(AT_PHNUM);
        params.entry = linux_walk.aux(AT_ENTRY);
        params.uid = linux_walk.aux(AT_UID);
        params.euid = linux_walk.aux(AT_EUID);
        params.gid = linux_walk.aux(AT_GID);
        params.egid = linux_walk.aux(AT_EGID);
        params.hwcap = linux_walk.aux(AT_HWCAP);
        params.hwcap2 = linux_walk.aux(AT_HWCAP2);
        params.sysinfo_ehdr = linux_walk.aux(AT_SYSINFO_EHDR);
        params.minsigstksz = linux_walk.aux(AT_MINSIGSTKSZ);
        u64 linux_random = linux_walk.aux(AT_RANDOM);
        ASSERT_TRUE(theirs.contains(linux_random, 16));
        memcpy(params.random, &theirs.bytes[linux_random - rsp], 16);

        Built built = build(params, top);
        Walked our_walk = walk_like_libc(built.memory, built.stack.stack_pointer);

        // Byte for byte from the random bytes to the top.
        u64 from = built.stack.random;
        EXPECT_EQ(from, linux_random);
        ASSERT_TRUE(theirs.contains(from, top - from));
        EXPECT_EQ(memcmp(&built.memory.bytes[from - built.memory.low], &theirs.bytes[from - rsp], top - from), 0);
        EXPECT_EQ(our_walk.argv_pointers, linux_walk.argv_pointers);
        EXPECT_EQ(our_walk.envp_pointers, linux_walk.envp_pointers);
        // Our keys appear in Linux's auxv in the same order with the same
        // values (Linux may add more, such as AT_RSEQ_FEATURE_SIZE).
        size_t at = 0;
        for (auto const& [key, value] : our_walk.auxv) {
            while (at < linux_walk.auxv.size() && linux_walk.auxv[at].first != key)
                ++at;
            ASSERT_LT(at, linux_walk.auxv.size()) << "auxv key " << key << " missing or out of order";
            EXPECT_EQ(linux_walk.auxv[at].second, value) << "auxv key " << key;
        }
        // Both place the vectors right under the random bytes and round the
        // stack pointer down to 16 the same way.
        auto vectors_below = [&](size_t aux_pairs) {
            u64 words = 1 + (argv_text.size() + 1) + (envp_text.size() + 1) + 2 * (aux_pairs + 1);
            return align_down(linux_random - 8 * words, 16);
        };
        EXPECT_EQ(vectors_below(linux_walk.auxv.size()), rsp);
        EXPECT_EQ(vectors_below(our_walk.auxv.size()), built.stack.stack_pointer);

        // And Linux's AT_PHDR/AT_ENTRY are what elf_parse() computes.
        Bytes bytes = read_file(path);
        ElfMemoryFile file(bytes.data(), bytes.size());
        ElfImage image;
        ASSERT_FALSE(elf_parse(file, image).is_error());
        ElfParseOptions options;
        options.dyn_base = image.type == elf::kTypeDyn ? params.entry - (image.entry - image.load_bias) : kElfDefaultDynBase;
        ASSERT_FALSE(elf_parse(file, image, options).is_error());
        InitialStackParams from_image;
        initial_stack_set_image(from_image, image);
        EXPECT_EQ(from_image.phdr, params.phdr);
        EXPECT_EQ(from_image.phnum, params.phnum);
        EXPECT_EQ(from_image.entry, params.entry);
        EXPECT_EQ(from_image.phent, linux_walk.aux(AT_PHENT));
    }
}

// ---- real programs on our stack ---------------------------------------------

// Where the child maps things: the low 2 GiB the address sanitizer leaves
// to the program (and where nothing of the test binary lives).
constexpr u64 kChildStackTop = 0x7f000000;
constexpr u64 kChildStackSize = 1 * MiB;
constexpr u64 kChildDynBase = 0x10000000;
constexpr int kCollision = 97;

[[noreturn]] void enter_program(u64 stack_pointer, u64 entry)
{
    // The psABI's entry state: rsp at argc, rdx = 0 (no rtld_fini), and
    // rbp = 0 for the outermost frame.
    asm volatile("mov %0, %%rsp\n\t"
                 "xor %%edx, %%edx\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "jmp *%1"
                 :
                 : "D"(stack_pointer), "S"(entry)
                 : "memory");
    __builtin_unreachable();
}

int protection(u32 flags)
{
    return ((flags & elf::kFlagRead) ? PROT_READ : 0) | ((flags & elf::kFlagWrite) ? PROT_WRITE : 0)
        | ((flags & elf::kFlagExecute) ? PROT_EXEC : 0);
}

// In the child: maps the image and the stack, then jumps. Never returns.
[[noreturn]] void exec_in_child(ElfFile const& file, ElfImage const& image, InitialStack const& stack)
{
    for (u64 page = image.image_start; page < image.image_end; page += kPage) {
        u32 flags = elf_page_flags(image, page);
        if (!flags)
            continue;
        void* at = mmap(reinterpret_cast<void*>(page), kPage, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (at != reinterpret_cast<void*>(page))
            _exit(kCollision);
        if (elf_read_page(file, image, page, static_cast<u8*>(at)).is_error())
            _exit(98);
        mprotect(at, kPage, protection(flags));
    }
    void* stack_base = mmap(reinterpret_cast<void*>(kChildStackTop - kChildStackSize), kChildStackSize, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (stack_base != reinterpret_cast<void*>(kChildStackTop - kChildStackSize))
        _exit(kCollision);
    memcpy(reinterpret_cast<void*>(stack.stack_pointer), stack.data, stack.size);
    enter_program(stack.stack_pointer, image.entry);
}

struct ChildRun {
    bool collided = false;
    int status = 0;
    std::map<std::string, std::string> values; // "key=value" lines; "argv"/"env" lines collected below
    std::vector<std::string> argv, env;
    std::string output;
};

ChildRun run_on_our_stack(std::string const& program, InitialStackParams params, ElfParseOptions const& options = {})
{
    ChildRun run;
    Bytes bytes = read_file(program);
    EXPECT_FALSE(bytes.empty()) << program << " was not built";
    ElfMemoryFile file(bytes.data(), bytes.size());
    ElfImage image;
    ElfDiagnostic diagnostic;
    auto parsed = elf_parse(file, image, options, &diagnostic);
    EXPECT_FALSE(parsed.is_error()) << diagnostic.text;
    if (parsed.is_error())
        return run;
    initial_stack_set_image(params, image);
    Bytes buffer(kChildStackSize);
    auto built = initial_stack_build(params, kChildStackTop, buffer.data(), buffer.size());
    EXPECT_FALSE(built.is_error());
    if (built.is_error())
        return run;

    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], 1);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        exec_in_child(file, image, built.value());
    }
    close(pipe_fds[1]);
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], chunk, sizeof(chunk))) > 0)
        run.output.append(chunk, n);
    close(pipe_fds[0]);
    waitpid(pid, &run.status, 0);
    run.collided = WIFEXITED(run.status) && WEXITSTATUS(run.status) == kCollision;
    std::istringstream lines(run.output);
    std::string line;
    while (std::getline(lines, line)) {
        auto equals = line.find('=');
        if (equals == std::string::npos)
            continue;
        std::string key = line.substr(0, equals), value = line.substr(equals + 1);
        if (key == "argv")
            run.argv.push_back(value);
        else if (key == "env")
            run.env.push_back(value);
        else
            run.values[key] = value;
    }
    return run;
}

std::string hex(u64 value)
{
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

std::string hex_bytes(u8 const* bytes, size_t size)
{
    std::ostringstream out;
    for (size_t i = 0; i < size; ++i)
        out << std::hex << (bytes[i] >> 4) << (bytes[i] & 15);
    return out.str();
}

InitialStackParams child_params(std::vector<StringView> const& argv, std::vector<StringView> const& envp, StringView execfn)
{
    InitialStackParams params;
    params.argv = argv.data();
    params.argc = argv.size();
    params.envp = envp.data();
    params.envc = envp.size();
    params.execfn = execfn;
    params.uid = getuid();
    params.euid = geteuid();
    params.gid = getgid();
    params.egid = getegid();
    unsigned eax, ebx, ecx, edx;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    params.hwcap = edx;
    for (int i = 0; i < 16; ++i)
        params.random[i] = static_cast<u8>(i * 17 + 3);
    return params;
}

TEST(InitialStackRun, static_programs_start_on_our_stack)
{
    for (const char* name : { "glibc-static", "glibc-static-pie", "glibc-execstack", "musl-static" }) {
        SCOPED_TRACE(name);
        std::string path = probe_path(name);
        std::vector<std::string> argv_text = { path, "first", "", "with spaces" };
        std::vector<std::string> envp_text = { "HANEUL=1", "PATH=/bin" };
        auto argv = views(argv_text), envp = views(envp_text);
        InitialStackParams params = child_params(argv, envp, StringView(path.data(), path.size()));
        ElfParseOptions options;
        options.dyn_base = kChildDynBase;
        ChildRun run = run_on_our_stack(path, params, options);
        if (run.collided)
            GTEST_SKIP() << "the child's address space had something at the program's addresses";
        ASSERT_TRUE(WIFEXITED(run.status)) << "status " << run.status << ", output:\n" << run.output;
        EXPECT_EQ(WEXITSTATUS(run.status), 42) << run.output;

        EXPECT_EQ(run.values["argc"], "4");
        EXPECT_EQ(run.argv, argv_text);
        EXPECT_EQ(run.env, envp_text);
        EXPECT_EQ(run.values["execfn"], path);
        EXPECT_EQ(run.values["platform"], "x86_64");
        EXPECT_EQ(run.values["random"], hex_bytes(params.random, 16));
        EXPECT_EQ(run.values["tls"], "42");
        EXPECT_EQ(run.values["bss_zero"], "1");
        EXPECT_EQ(run.values["heap"], "works");

        Bytes bytes = read_file(path);
        ElfMemoryFile file(bytes.data(), bytes.size());
        ElfImage image;
        ASSERT_FALSE(elf_parse(file, image, options).is_error());
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_PHDR)], hex(image.phdr_address));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_PHNUM)], hex(image.phdr_count));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_PHENT)], hex(56));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_ENTRY)], hex(image.entry));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_PAGESZ)], hex(4096));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_CLKTCK)], hex(100));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_BASE)], hex(0));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_UID)], hex(getuid()));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_EGID)], hex(getegid()));
        EXPECT_EQ(run.values["auxv " + std::to_string(AT_SECURE)], hex(0));
        if (std::string(name).rfind("musl", 0) == 0) { // glibc reports its own idea of AT_HWCAP
            EXPECT_EQ(run.values["auxv " + std::to_string(AT_HWCAP)], hex(params.hwcap));
        }
    }
}

TEST(InitialStackRun, script_argv_reaches_the_interpreter)
{
    // exec of "./hello.sh a b" whose first line is "#!<probe> -x": the probe
    // runs with the rewritten argv and AT_EXECFN naming the script.
    std::string probe = probe_path("musl-static");
    std::string line = "#!" + probe + " -x\n";
    auto script = script_parse(reinterpret_cast<u8 const*>(line.data()), line.size());
    ASSERT_FALSE(script.is_error());
    std::vector<std::string> original_text = { "hello", "a", "b" };
    auto original = views(original_text);
    std::vector<StringView> argv(script_argv_count(script.value(), original.size()));
    ASSERT_EQ(script_build_argv(script.value(), "./hello.sh", original.data(), original.size(), argv.data(), argv.size()).value(),
        argv.size());
    std::vector<StringView> envp;
    InitialStackParams params = child_params(argv, envp, "./hello.sh");
    ElfParseOptions options;
    options.dyn_base = kChildDynBase;
    ChildRun run = run_on_our_stack(probe, params, options);
    if (run.collided)
        GTEST_SKIP() << "the child's address space had something at the program's addresses";
    ASSERT_TRUE(WIFEXITED(run.status)) << run.output;
    EXPECT_EQ(run.argv, (std::vector<std::string> { probe, "-x", "./hello.sh", "a", "b" }));
    EXPECT_TRUE(run.env.empty());
    EXPECT_EQ(run.values["execfn"], "./hello.sh");
}

}
