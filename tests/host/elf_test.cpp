// The ELF64 reader (kernel/proc/elf.cpp), three ways:
//  - real programs built by tests/host/sources/exec.cmake (gcc -static,
//    -static-pie, -z execstack, musl-gcc -static) parse to the segments
//    `readelf -lW` lists, and dynamic gcc and musl-gcc binaries are refused
//    with ENOEXEC and their interpreter named;
//  - Linux agrees: each program is started on the host kernel without
//    address randomization and stopped at its first instruction under
//    ptrace; its rip, auxv (AT_PHDR, AT_PHNUM, AT_ENTRY), start of brk, and
//    every byte and protection of every loaded page must be what
//    elf_parse(), elf_read_page() and elf_page_flags() say;
//  - hand-made and mutated headers (truncation at every byte, bad
//    identification, phoff/phnum out of range, filesz > memsz, overlaps,
//    kernel-half and wrapping addresses, misaligned offsets...) give
//    ENOEXEC or EINVAL, never a read outside the file (ASan watches: every
//    file is an exact-size heap block).
#include <algorithm>
#include <elf.h> // the host's: AT_* names, beside the kernel's elf:: ones
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <proc/elf.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <stdio.h>
#include <string.h>
#include <string>
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

// An ElfFile over an exact-size heap copy, so that ASan reports any read
// past the end.
class ExactFile final : public ElfFile {
public:
    explicit ExactFile(Bytes const& bytes)
        : m_size(bytes.size())
        , m_data(new u8[bytes.size() ? bytes.size() : 1])
        , m_inner(m_data.get(), bytes.size())
    {
        std::copy(bytes.begin(), bytes.end(), m_data.get());
    }
    ErrorOr<usize> read_at(u64 offset, void* buffer, usize size) const override
    {
        ++reads;
        return m_inner.read_at(offset, buffer, size);
    }
    u64 size() const override { return m_size; }
    mutable size_t reads = 0;

private:
    usize m_size;
    std::unique_ptr<u8[]> m_data;
    ElfMemoryFile m_inner;
};

struct Result {
    int error = 0;
    ElfImage image {};
    std::string reason;
};

Result parse(Bytes const& bytes, ElfParseOptions const& options = {})
{
    ExactFile file(bytes);
    Result result;
    ElfDiagnostic diagnostic;
    auto parsed = elf_parse(file, result.image, options, &diagnostic);
    if (parsed.is_error()) {
        result.error = parsed.error().code();
        result.reason = diagnostic.text;
        EXPECT_FALSE(result.reason.empty());
    }
    return result;
}

// ---- readelf ---------------------------------------------------------------

std::string run_command(std::string const& command)
{
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        output.append(buffer, n);
    pclose(pipe);
    return output;
}

struct ReadelfSegment {
    std::string type;
    u64 offset, vaddr, filesz, memsz, align;
    u32 flags;
};

struct Readelf {
    std::vector<ReadelfSegment> segments;
    std::string interpreter;
    u64 entry = 0;
    std::string type;
};

Readelf readelf(std::string const& path)
{
    Readelf result;
    std::istringstream program_headers(run_command("readelf -lW '" + path + "'"));
    std::string line;
    bool in_table = false;
    while (std::getline(program_headers, line)) {
        if (line.find("Program Headers:") != std::string::npos) {
            in_table = true;
            continue;
        }
        if (auto at = line.find("[Requesting program interpreter: "); at != std::string::npos) {
            auto start = at + strlen("[Requesting program interpreter: ");
            result.interpreter = line.substr(start, line.rfind(']') - start);
            continue;
        }
        if (!in_table || line.find("Section to Segment") != std::string::npos) {
            in_table = false;
            continue;
        }
        std::istringstream fields(line);
        std::vector<std::string> tokens;
        std::string token;
        while (fields >> token)
            tokens.push_back(token);
        if (tokens.size() < 8 || tokens[1].rfind("0x", 0) != 0)
            continue;
        ReadelfSegment segment {};
        segment.type = tokens[0];
        segment.offset = std::stoull(tokens[1], nullptr, 16);
        segment.vaddr = std::stoull(tokens[2], nullptr, 16);
        segment.filesz = std::stoull(tokens[4], nullptr, 16);
        segment.memsz = std::stoull(tokens[5], nullptr, 16);
        segment.align = std::stoull(tokens.back(), nullptr, 16);
        for (size_t i = 6; i + 1 < tokens.size(); ++i) {
            for (char c : tokens[i]) {
                if (c == 'R')
                    segment.flags |= elf::kFlagRead;
                if (c == 'W')
                    segment.flags |= elf::kFlagWrite;
                if (c == 'E')
                    segment.flags |= elf::kFlagExecute;
            }
        }
        result.segments.push_back(segment);
    }
    std::istringstream header(run_command("readelf -hW '" + path + "'"));
    while (std::getline(header, line)) {
        if (line.find("Entry point address:") != std::string::npos)
            result.entry = std::stoull(line.substr(line.find("0x")), nullptr, 16);
        if (line.find("  Type:") != std::string::npos)
            result.type = line.substr(line.find(':') + 1);
    }
    return result;
}

Bytes load_probe(const char* name)
{
    std::string path = probe_path(name);
    Bytes bytes = read_file(path);
    EXPECT_FALSE(bytes.empty()) << path << " was not built (tests/host/sources/exec.cmake; tools/deps.sh installs gcc and musl-tools)";
    return bytes;
}

struct ProbeCase {
    const char* name;
    u16 type;
    bool executable_stack;
};

constexpr ProbeCase kStaticProbes[] = {
    { "glibc-static", elf::kTypeExec, false },
    { "glibc-static-pie", elf::kTypeDyn, false },
    { "glibc-execstack", elf::kTypeExec, true },
    { "musl-static", elf::kTypeExec, false },
};

TEST(ElfProbes, segments_match_readelf)
{
    for (auto const& probe : kStaticProbes) {
        SCOPED_TRACE(probe.name);
        Bytes bytes = load_probe(probe.name);
        ASSERT_FALSE(bytes.empty());
        Result result = parse(bytes);
        ASSERT_EQ(result.error, 0) << result.reason;
        ElfImage const& image = result.image;
        Readelf expected = readelf(probe_path(probe.name));

        EXPECT_EQ(image.type, probe.type);
        u64 bias = probe.type == elf::kTypeDyn ? kElfDefaultDynBase : 0;
        EXPECT_EQ(image.load_bias, bias);
        EXPECT_EQ(image.entry, expected.entry + bias);
        EXPECT_EQ(image.phdr_count, expected.segments.size());
        EXPECT_EQ(image.phdr_entry_size, 56);

        std::vector<ReadelfSegment> loads;
        bool saw_stack = false, saw_tls = false;
        for (auto const& segment : expected.segments) {
            if (segment.type == "LOAD")
                loads.push_back(segment);
            if (segment.type == "GNU_STACK") {
                saw_stack = true;
                EXPECT_EQ(image.executable_stack, (segment.flags & elf::kFlagExecute) != 0);
            }
            if (segment.type == "TLS") {
                saw_tls = true;
                EXPECT_TRUE(image.tls.present);
                EXPECT_EQ(image.tls.vaddr, segment.vaddr + bias);
                EXPECT_EQ(image.tls.file_size, segment.filesz);
                EXPECT_EQ(image.tls.memory_size, segment.memsz);
                EXPECT_EQ(image.tls.alignment, segment.align);
            }
        }
        EXPECT_TRUE(saw_stack);
        EXPECT_TRUE(saw_tls); // the probe has a __thread variable
        EXPECT_EQ(image.has_gnu_stack, saw_stack);
        EXPECT_EQ(image.executable_stack, probe.executable_stack);

        ASSERT_EQ(image.segment_count, loads.size());
        u64 highest = 0;
        for (size_t i = 0; i < loads.size(); ++i) {
            SCOPED_TRACE(i);
            ElfSegment const& segment = image.segments[i];
            EXPECT_EQ(segment.vaddr, loads[i].vaddr + bias);
            EXPECT_EQ(segment.offset, loads[i].offset);
            EXPECT_EQ(segment.file_size, loads[i].filesz);
            EXPECT_EQ(segment.memory_size, loads[i].memsz);
            EXPECT_EQ(segment.alignment, loads[i].align);
            EXPECT_EQ(segment.flags, loads[i].flags);
            highest = std::max(highest, segment.end());
        }
        EXPECT_EQ(image.brk_start, align_up(highest, kPage));
        EXPECT_EQ(image.image_end, image.brk_start);
        EXPECT_EQ(image.image_start, align_down(loads[0].vaddr + bias, kPage));
        // The program headers are mapped, inside the first segment here.
        EXPECT_EQ(image.phdr_address, image.segments[0].vaddr + 64);
    }
}

TEST(ElfProbes, dynamic_binaries_are_refused_naming_their_interpreter)
{
    for (const char* name : { "glibc-dynamic", "musl-dynamic" }) {
        SCOPED_TRACE(name);
        Bytes bytes = load_probe(name);
        ASSERT_FALSE(bytes.empty());
        std::string interpreter = readelf(probe_path(name)).interpreter;
        ASSERT_FALSE(interpreter.empty());
        Result result = parse(bytes);
        EXPECT_EQ(result.error, ENOEXEC);
        EXPECT_EQ(result.reason, "dynamically linked programs need an interpreter (" + interpreter + "); Haneul runs static binaries");
    }
}

TEST(ElfProbes, parse_reads_only_the_headers)
{
    Bytes bytes = load_probe("glibc-static");
    ASSERT_FALSE(bytes.empty());
    ExactFile file(bytes);
    ElfImage image;
    ASSERT_FALSE(elf_parse(file, image).is_error());
    // The ELF header and one read per program header: nothing else.
    EXPECT_EQ(file.reads, 1u + image.phdr_count);
}

TEST(ElfProbes, dyn_base_option_places_a_static_pie)
{
    Bytes bytes = load_probe("glibc-static-pie");
    ASSERT_FALSE(bytes.empty());
    ElfParseOptions options;
    options.dyn_base = 0x10000000;
    Result result = parse(bytes, options);
    ASSERT_EQ(result.error, 0) << result.reason;
    EXPECT_EQ(result.image.load_bias, 0x10000000u);
    EXPECT_EQ(result.image.segments[0].vaddr, 0x10000000u);
}

// ---- Linux as the reference loader ----------------------------------------

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

// Starts `path` with address randomization off, stopped at its first
// instruction; false (with a reason) when the host does not allow ptrace.
bool start_stopped(std::string const& path, Stopped& stopped, std::string& why)
{
    pid_t pid = fork();
    if (pid == 0) {
        personality(ADDR_NO_RANDOMIZE);
        if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
            _exit(120);
        char* argv[] = { const_cast<char*>(path.c_str()), nullptr };
        char* envp[] = { nullptr };
        execve(path.c_str(), argv, envp);
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

std::map<u64, u64> read_auxv(pid_t pid)
{
    Bytes bytes = read_file("/proc/" + std::to_string(pid) + "/auxv");
    std::map<u64, u64> auxv;
    for (size_t i = 0; i + 16 <= bytes.size(); i += 16) {
        u64 key, value;
        memcpy(&key, &bytes[i], 8);
        memcpy(&value, &bytes[i + 8], 8);
        if (key == 0)
            break;
        auxv[key] = value;
    }
    return auxv;
}

// Protection of each mapped page: "r-x" and so on.
std::string page_protection(pid_t pid, u64 page)
{
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
        u64 start, end;
        char perms[8];
        if (sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) == 3 && page >= start && page < end)
            return std::string(perms, 3);
    }
    return "unmapped";
}

std::string protection_string(u32 flags)
{
    std::string text = "---";
    if (flags & elf::kFlagRead)
        text[0] = 'r';
    if (flags & elf::kFlagWrite)
        text[1] = 'w';
    if (flags & elf::kFlagExecute)
        text[2] = 'x';
    return text;
}

u64 start_brk(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name's closing parenthesis start at field 3;
    // start_brk is field 47.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int index = 3; fields >> field; ++index) {
        if (index == 47)
            return std::stoull(field);
    }
    return 0;
}

TEST(ElfOnLinux, linux_loads_every_page_as_we_describe_it)
{
    for (auto const& probe : kStaticProbes) {
        SCOPED_TRACE(probe.name);
        std::string path = probe_path(probe.name);
        Bytes bytes = load_probe(probe.name);
        ASSERT_FALSE(bytes.empty());

        Stopped stopped;
        std::string why;
        if (!start_stopped(path, stopped, why))
            GTEST_SKIP() << why;
        auto auxv = read_auxv(stopped.pid);

        // Linux 6.x places a static PIE in the mmap area rather than at
        // ELF_ET_DYN_BASE; parse it at the base Linux chose.
        ElfParseOptions options;
        if (probe.type == elf::kTypeDyn) {
            Result first = parse(bytes);
            ASSERT_EQ(first.error, 0);
            options.dyn_base = auxv[AT_ENTRY] - (first.image.entry - first.image.load_bias);
        }
        ExactFile file(bytes);
        ElfImage image;
        ASSERT_FALSE(elf_parse(file, image, options).is_error());

        EXPECT_EQ(stopped.regs.rip, image.entry);
        EXPECT_EQ(auxv[AT_ENTRY], image.entry);
        EXPECT_EQ(auxv[AT_PHDR], image.phdr_address);
        EXPECT_EQ(auxv[AT_PHENT], image.phdr_entry_size);
        EXPECT_EQ(auxv[AT_PHNUM], image.phdr_count);
        if (probe.type == elf::kTypeExec) { // Linux moves a static PIE's brk
            EXPECT_EQ(start_brk(stopped.pid), image.brk_start);
        }

        std::string mem_path = "/proc/" + std::to_string(stopped.pid) + "/mem";
        int mem = open(mem_path.c_str(), O_RDONLY);
        ASSERT_GE(mem, 0);
        size_t pages = 0;
        for (u64 page = image.image_start; page < image.image_end; page += kPage) {
            u32 flags = elf_page_flags(image, page);
            if (!flags)
                continue;
            ++pages;
            u8 ours[kPage];
            ASSERT_FALSE(elf_read_page(file, image, page, ours).is_error());
            u8 theirs[kPage];
            ASSERT_EQ(pread(mem, theirs, kPage, page), static_cast<ssize_t>(kPage)) << std::hex << page;
            EXPECT_EQ(memcmp(ours, theirs, kPage), 0) << "page 0x" << std::hex << page;
            EXPECT_EQ(page_protection(stopped.pid, page), protection_string(flags)) << "page 0x" << std::hex << page;
        }
        close(mem);
        EXPECT_GT(pages, 3u);
    }
}

// ---- hand-made files --------------------------------------------------------

struct Load {
    u64 offset, vaddr, filesz, memsz;
    u32 flags = elf::kFlagRead;
    u64 align = kPage;
};

// A small valid ET_EXEC: text (with the headers) at 0x400000 and data with
// a bss at 0x402800, file bytes patterned so pages can be told apart.
struct Builder {
    elf::FileHeader header {};
    std::vector<elf::ProgramHeader> phdrs;
    size_t file_size = 0x1c00;

    Builder()
    {
        memcpy(header.ident, elf::kMagic, 4);
        header.ident[4] = elf::kClass64;
        header.ident[5] = elf::kDataLittleEndian;
        header.ident[6] = 1;
        header.type = elf::kTypeExec;
        header.machine = elf::kMachineX86_64;
        header.version = 1;
        header.entry = 0x400080;
        header.phoff = 64;
        header.ehsize = 64;
        header.phentsize = 56;
        add_load({ 0, 0x400000, 0x1800, 0x1800, elf::kFlagRead | elf::kFlagExecute });
        add_load({ 0x1800, 0x402800, 0x400, 0x2000, elf::kFlagRead | elf::kFlagWrite });
        add(elf::kSegmentGnuStack, elf::kFlagRead | elf::kFlagWrite, 0, 0, 0, 0, 16);
    }
    elf::ProgramHeader& add(u32 type, u32 flags, u64 offset, u64 vaddr, u64 filesz, u64 memsz, u64 align)
    {
        phdrs.push_back({ type, flags, offset, vaddr, vaddr, filesz, memsz, align });
        return phdrs.back();
    }
    elf::ProgramHeader& add_load(Load const& load)
    {
        return add(elf::kSegmentLoad, load.flags, load.offset, load.vaddr, load.filesz, load.memsz, load.align);
    }
    elf::ProgramHeader& load(size_t index)
    {
        size_t seen = 0;
        for (auto& ph : phdrs) {
            if (ph.type == elf::kSegmentLoad && seen++ == index)
                return ph;
        }
        abort();
    }
    Bytes build() const
    {
        size_t table_end = header.phoff + phdrs.size() * sizeof(elf::ProgramHeader);
        Bytes bytes(std::max(file_size, table_end));
        for (size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<u8>(i * 7 + i / 4096 + 1);
        elf::FileHeader h = header;
        h.phnum = static_cast<u16>(phdrs.size());
        memcpy(bytes.data(), &h, sizeof(h));
        memcpy(bytes.data() + header.phoff, phdrs.data(), phdrs.size() * sizeof(elf::ProgramHeader));
        return bytes;
    }
};

TEST(ElfHandMade, minimal_executable_parses)
{
    Builder builder;
    Bytes bytes = builder.build();
    Result result = parse(bytes);
    ASSERT_EQ(result.error, 0) << result.reason;
    ElfImage const& image = result.image;
    EXPECT_EQ(image.type, elf::kTypeExec);
    EXPECT_EQ(image.load_bias, 0u);
    EXPECT_EQ(image.entry, 0x400080u);
    EXPECT_EQ(image.phdr_address, 0x400040u);
    EXPECT_EQ(image.phdr_count, 3);
    ASSERT_EQ(image.segment_count, 2u);
    EXPECT_EQ(image.segments[1].vaddr, 0x402800u);
    EXPECT_EQ(image.segments[1].end(), 0x404800u);
    EXPECT_EQ(image.image_start, 0x400000u);
    EXPECT_EQ(image.brk_start, 0x405000u);
    EXPECT_TRUE(image.has_gnu_stack);
    EXPECT_FALSE(image.executable_stack);
    EXPECT_FALSE(image.tls.present);
}

void expect_error(Builder const& builder, int error, const char* what, ElfParseOptions const& options = {})
{
    Result result = parse(builder.build(), options);
    EXPECT_EQ(result.error, error) << what << ": " << result.reason;
}

TEST(ElfHandMade, truncation_at_every_byte_is_enoexec)
{
    Builder builder;
    Bytes whole = builder.build();
    u64 data_end = 0x1800 + 0x400;
    for (size_t size = 0; size <= whole.size(); ++size) {
        Bytes cut(whole.begin(), whole.begin() + size);
        Result result = parse(cut);
        EXPECT_EQ(result.error, size < data_end ? ENOEXEC : 0) << size << ": " << result.reason;
    }
}

TEST(ElfHandMade, real_program_truncated_anywhere_is_enoexec)
{
    Bytes whole = load_probe("musl-static");
    ASSERT_FALSE(whole.empty());
    Result full = parse(whole);
    ASSERT_EQ(full.error, 0);
    u64 data_end = 0;
    for (size_t i = 0; i < full.image.segment_count; ++i)
        data_end = std::max(data_end, full.image.segments[i].offset + full.image.segments[i].file_size);
    // Every byte of the headers, then a stride through the rest.
    for (size_t size = 0; size < whole.size(); size += size < 1024 ? 1 : 97) {
        Bytes cut(whole.begin(), whole.begin() + size);
        Result result = parse(cut);
        EXPECT_EQ(result.error, size < data_end ? ENOEXEC : 0) << size;
    }
}

TEST(ElfHandMade, identification_errors_are_enoexec)
{
    Builder builder;
    builder.header.ident[0] = 0x7e;
    expect_error(builder, ENOEXEC, "bad magic");
    builder = Builder();
    builder.header.ident[4] = 1;
    expect_error(builder, ENOEXEC, "ELFCLASS32");
    builder = Builder();
    builder.header.ident[5] = 2;
    expect_error(builder, ENOEXEC, "big endian");
    for (u16 type : { 0, 1, 4, 0xfe00 }) {
        builder = Builder();
        builder.header.type = type;
        expect_error(builder, ENOEXEC, "not an executable type");
    }
    builder = Builder();
    builder.header.machine = 3;
    expect_error(builder, ENOEXEC, "EM_386");
    builder = Builder();
    builder.header.phentsize = 32;
    expect_error(builder, ENOEXEC, "phentsize");
}

TEST(ElfHandMade, program_header_table_bounds)
{
    Builder builder;
    builder.phdrs.clear();
    expect_error(builder, ENOEXEC, "phnum 0");

    // 73 headers are one page: accepted. 74 are not, nor is 0xffff (PN_XNUM).
    builder = Builder();
    while (builder.phdrs.size() < 73)
        builder.add(elf::kSegmentNote, elf::kFlagRead, 0, 0, 0, 0, 4);
    builder.file_size = 0x2000;
    EXPECT_EQ(parse(builder.build()).error, 0);
    builder.add(elf::kSegmentNote, elf::kFlagRead, 0, 0, 0, 0, 4);
    expect_error(builder, ENOEXEC, "phnum 74");

    builder = Builder();
    Bytes bytes = builder.build();
    u16 huge = 0xffff;
    memcpy(&bytes[offsetof(elf::FileHeader, phnum)], &huge, 2);
    EXPECT_EQ(parse(bytes).error, ENOEXEC);

    for (u64 phoff : { u64(0x1c00), u64(0x1c00 - 100), ~u64(0) - 10, u64(1) << 63 }) {
        builder = Builder();
        Bytes moved = builder.build();
        memcpy(&moved[offsetof(elf::FileHeader, phoff)], &phoff, 8);
        EXPECT_EQ(parse(moved).error, ENOEXEC) << std::hex << phoff;
    }
}

TEST(ElfHandMade, segment_errors)
{
    Builder builder;
    builder.load(1).filesz = 0x2001;
    expect_error(builder, EINVAL, "filesz > memsz");

    builder = Builder();
    builder.load(1).vaddr = 0x402808;
    expect_error(builder, EINVAL, "offset and vaddr not congruent");

    builder = Builder();
    builder.load(1).offset = 0x10800;
    expect_error(builder, ENOEXEC, "data past the end of the file");

    builder = Builder();
    builder.load(1).offset = ~u64(0) - 0x7ff;
    builder.load(1).vaddr = 0x402800;
    expect_error(builder, ENOEXEC, "offset + filesz wraps");

    builder = Builder();
    builder.load(1).vaddr = 0xffff800000000800;
    expect_error(builder, EINVAL, "kernel half");

    builder = Builder();
    builder.load(1).vaddr = 0xfffffffffffff800;
    expect_error(builder, EINVAL, "wraps around");

    builder = Builder();
    builder.load(1).vaddr = 0x7ffffffff800;
    expect_error(builder, EINVAL, "the top page of the user half");

    builder = Builder();
    builder.load(1).vaddr = 0x7fffffffc800;
    builder.load(1).memsz = 0x2800; // ends exactly at kElfUserEnd
    EXPECT_EQ(parse(builder.build()).error, 0);

    builder = Builder();
    builder.load(0).vaddr = 0;
    builder.header.entry = 0x80;
    expect_error(builder, EINVAL, "page zero");

    builder = Builder();
    builder.header.entry = 0xffff800000000000;
    expect_error(builder, EINVAL, "entry in the kernel half");
    builder.header.entry = kElfUserEnd;
    expect_error(builder, EINVAL, "entry past the user end");
}

TEST(ElfHandMade, overlaps_and_shared_pages)
{
    Builder builder;
    builder.load(1).offset = 0x1000;
    builder.load(1).vaddr = 0x401000;
    expect_error(builder, ENOEXEC, "overlapping bytes");

    // Sharing a page is fine when the same file page is behind both: text
    // [0x400000, 0x401400) and data at 0x401800 both see file page 0x1000
    // at 0x401000.
    builder = Builder();
    builder.load(0).filesz = builder.load(0).memsz = 0x1400;
    builder.load(1).vaddr = 0x401800;
    EXPECT_EQ(parse(builder.build()).error, 0);
    // Not when it would need two different file pages at one address.
    builder.load(1).offset = 0x800;
    expect_error(builder, ENOEXEC, "different file pages in one page");

    // Segments out of order are sorted; overlap is still found.
    builder = Builder();
    std::swap(builder.phdrs[0], builder.phdrs[1]);
    Result result = parse(builder.build());
    ASSERT_EQ(result.error, 0) << result.reason;
    EXPECT_EQ(result.image.segments[0].vaddr, 0x400000u);
    EXPECT_EQ(result.image.segments[1].vaddr, 0x402800u);
}

TEST(ElfHandMade, load_segment_count)
{
    Builder builder;
    builder.phdrs.clear();
    builder.file_size = 0x20000;
    for (u64 i = 0; i < kElfMaxLoadSegments; ++i)
        builder.add_load({ i * kPage, 0x400000 + i * kPage, 0x100, 0x100 });
    EXPECT_EQ(parse(builder.build()).error, 0);
    builder.add_load({ 0x10 * kPage, 0x410000, 0x100, 0x100 });
    expect_error(builder, ENOEXEC, "too many PT_LOAD");

    builder = Builder();
    for (auto& ph : builder.phdrs)
        ph.type = elf::kSegmentNote;
    expect_error(builder, ENOEXEC, "no PT_LOAD");

    // An empty PT_LOAD maps nothing and is skipped, even a misaligned one.
    builder = Builder();
    builder.add_load({ 0x123, 0x999999, 0, 0 });
    Result result = parse(builder.build());
    ASSERT_EQ(result.error, 0) << result.reason;
    EXPECT_EQ(result.image.segment_count, 2u);
    builder.phdrs.clear();
    builder.add_load({ 0, 0x400000, 0, 0 });
    expect_error(builder, ENOEXEC, "only empty PT_LOADs");
}

TEST(ElfHandMade, interpreter_is_named_and_sanitized)
{
    const char weird[] = "/lib/ld\n\x01\xff.so";
    Builder builder;
    builder.add(elf::kSegmentInterp, elf::kFlagRead, 0x1000, 0x401000, sizeof(weird), sizeof(weird), 1);
    Bytes bytes = builder.build();
    memcpy(&bytes[0x1000], weird, sizeof(weird));
    Result result = parse(bytes);
    EXPECT_EQ(result.error, ENOEXEC);
    EXPECT_EQ(result.reason, "dynamically linked programs need an interpreter (/lib/ld???.so); Haneul runs static binaries");

    // Reported even when the loads after it are broken, as in Linux.
    builder.load(1).filesz = 0x9999;
    bytes = builder.build();
    memcpy(&bytes[0x1000], "/x", 3);
    result = parse(bytes);
    EXPECT_EQ(result.error, ENOEXEC);
    EXPECT_NE(result.reason.find("(/x)"), std::string::npos) << result.reason;

    // A path outside the file or too long for the message.
    builder = Builder();
    builder.add(elf::kSegmentInterp, elf::kFlagRead, 0x100000, 0, 30, 30, 1);
    result = parse(builder.build());
    EXPECT_EQ(result.error, ENOEXEC);
    EXPECT_NE(result.reason.find("interpreter ()"), std::string::npos) << result.reason;
    builder = Builder();
    builder.add(elf::kSegmentInterp, elf::kFlagRead, 0x1000, 0, 0x400, 0x400, 1);
    bytes = builder.build();
    memset(&bytes[0x1000], 'a', 0x400);
    result = parse(bytes);
    EXPECT_EQ(result.error, ENOEXEC);
    EXPECT_NE(result.reason.find("aaaa...)"), std::string::npos) << result.reason;
}

TEST(ElfHandMade, phdr_address_sources)
{
    // In the first PT_LOAD's file data: found there.
    Builder builder;
    EXPECT_EQ(parse(builder.build()).image.phdr_address, 0x400040u);
    // Not in any PT_LOAD: PT_PHDR says where, else 0.
    builder.load(0).offset = 0x1000;
    builder.load(0).vaddr = 0x401000;
    builder.load(0).filesz = builder.load(0).memsz = 0x800;
    EXPECT_EQ(parse(builder.build()).image.phdr_address, 0u);
    builder.add(elf::kSegmentPhdr, elf::kFlagRead, 64, 0x300040, 56 * 4, 56 * 4, 8);
    EXPECT_EQ(parse(builder.build()).image.phdr_address, 0x300040u);
}

TEST(ElfHandMade, tls_and_executable_stack_are_recorded)
{
    Builder builder;
    builder.phdrs.back().flags |= elf::kFlagExecute;
    builder.add(elf::kSegmentTls, elf::kFlagRead, 0x1800, 0x402800, 0x10, 0x40, 16);
    Result result = parse(builder.build());
    ASSERT_EQ(result.error, 0);
    EXPECT_TRUE(result.image.executable_stack);
    EXPECT_TRUE(result.image.tls.present);
    EXPECT_EQ(result.image.tls.vaddr, 0x402800u);
    EXPECT_EQ(result.image.tls.memory_size, 0x40u);

    builder = Builder();
    builder.phdrs.pop_back(); // no PT_GNU_STACK at all
    result = parse(builder.build());
    EXPECT_FALSE(result.image.has_gnu_stack);
    EXPECT_FALSE(result.image.executable_stack);
}

TEST(ElfHandMade, dyn_placement)
{
    Builder builder;
    builder.header.type = elf::kTypeDyn;
    builder.load(0).vaddr = 0;
    builder.load(1).vaddr = 0x2800;
    builder.header.entry = 0x80;
    Result result = parse(builder.build());
    ASSERT_EQ(result.error, 0) << result.reason;
    EXPECT_EQ(result.image.load_bias, kElfDefaultDynBase);
    EXPECT_EQ(result.image.entry, kElfDefaultDynBase + 0x80);
    EXPECT_EQ(result.image.phdr_address, kElfDefaultDynBase + 0x40);

    // A large p_align aligns the base down.
    builder.load(0).align = 0x200000;
    result = parse(builder.build());
    EXPECT_EQ(result.image.load_bias, 0x555555400000u);

    // Linked high: the lowest segment still lands at the base.
    builder = Builder();
    builder.header.type = elf::kTypeDyn;
    builder.load(0).vaddr = 0x7f0000000000;
    builder.load(1).vaddr = 0x7f0000002800;
    builder.header.entry = 0x7f0000000080;
    result = parse(builder.build());
    ASSERT_EQ(result.error, 0) << result.reason;
    EXPECT_EQ(result.image.segments[0].vaddr, kElfDefaultDynBase);
    EXPECT_EQ(result.image.entry, kElfDefaultDynBase + 0x80);

    // Too far apart to fit above the base: EINVAL, not a wrapped address.
    builder = Builder();
    builder.header.type = elf::kTypeDyn;
    builder.load(0).vaddr = 0;
    builder.load(1).vaddr = 0x7ffff0000800;
    expect_error(builder, EINVAL, "span too large for the base");
}

// ---- page contents ----------------------------------------------------------

TEST(ElfPages, contents_follow_linux)
{
    Builder builder;
    Bytes bytes = builder.build();
    ExactFile file(bytes);
    ElfImage image;
    ASSERT_FALSE(elf_parse(file, image).is_error());
    u8 page[kPage];

    // Text: the file's first two pages; its tail past filesz is file data too
    // (no bss, so Linux leaves the whole last page as the file has it).
    ASSERT_FALSE(elf_read_page(file, image, 0x400000, page).is_error());
    EXPECT_EQ(memcmp(page, bytes.data(), kPage), 0);
    ASSERT_FALSE(elf_read_page(file, image, 0x401000, page).is_error());
    EXPECT_EQ(memcmp(page, bytes.data() + 0x1000, 0xc00), 0); // to the end of the file
    EXPECT_EQ(std::count(page + 0xc00, page + kPage, 0), 0x400); // past the end of the file

    // Data at 0x402800: the file page 0x1000 is behind 0x402000, so the
    // bytes before the segment are file bytes; after filesz, zeros.
    ASSERT_FALSE(elf_read_page(file, image, 0x402000, page).is_error());
    EXPECT_EQ(memcmp(page, bytes.data() + 0x1000, 0xc00), 0);
    EXPECT_EQ(std::count(page + 0xc00, page + kPage, 0), 0x400);
    // The bss pages and a page outside every segment are zeros.
    for (u64 address : { 0x403000ull, 0x404000ull, 0x405000ull, 0x10000ull }) {
        memset(page, 0xaa, sizeof(page));
        ASSERT_FALSE(elf_read_page(file, image, address, page).is_error());
        EXPECT_EQ(std::count(page, page + kPage, 0), static_cast<long>(kPage)) << std::hex << address;
    }

    EXPECT_EQ(elf_page_flags(image, 0x400000), elf::kFlagRead | elf::kFlagExecute);
    EXPECT_EQ(elf_page_flags(image, 0x401000), elf::kFlagRead | elf::kFlagExecute);
    EXPECT_EQ(elf_page_flags(image, 0x404000), elf::kFlagRead | elf::kFlagWrite);
    EXPECT_EQ(elf_page_flags(image, 0x405000), 0u);
    EXPECT_EQ(elf_page_flags(image, 0x3ff000), 0u);
}

TEST(ElfPages, shared_page_keeps_both_segments_and_zeroes_only_the_bss)
{
    // Text [0x400000, 0x401400) R+X, data at 0x401800 with bss to 0x401900
    // and a third segment right after it in the same page.
    Builder builder;
    builder.phdrs.clear();
    builder.file_size = 0x3000;
    builder.add_load({ 0, 0x400000, 0x1400, 0x1400, elf::kFlagRead | elf::kFlagExecute });
    builder.add_load({ 0x1800, 0x401800, 0x80, 0x100, elf::kFlagRead | elf::kFlagWrite });
    builder.add_load({ 0x1a00, 0x401a00, 0x100, 0x100, elf::kFlagRead });
    Bytes bytes = builder.build();
    ExactFile file(bytes);
    ElfImage image;
    ElfDiagnostic diagnostic;
    ASSERT_FALSE(elf_parse(file, image, {}, &diagnostic).is_error()) << diagnostic.text;
    u8 page[kPage];
    ASSERT_FALSE(elf_read_page(file, image, 0x401000, page).is_error());
    EXPECT_EQ(memcmp(page, bytes.data() + 0x1000, 0x880), 0);            // text and data
    EXPECT_EQ(std::count(page + 0x880, page + 0xa00, 0), 0x180);          // bss, padzero up to the next segment
    EXPECT_EQ(memcmp(page + 0xa00, bytes.data() + 0x1a00, 0x100), 0);     // the third segment
    EXPECT_EQ(memcmp(page + 0xb00, bytes.data() + 0x1b00, 0x500), 0);     // file bytes after it
    EXPECT_EQ(elf_page_flags(image, 0x401000), elf::kFlagRead | elf::kFlagWrite | elf::kFlagExecute);
}

class FailingFile final : public ElfFile {
public:
    FailingFile(Bytes const& bytes, u64 fail_at)
        : m_inner(bytes.data(), bytes.size())
        , m_fail_at(fail_at)
    {
    }
    ErrorOr<usize> read_at(u64 offset, void* buffer, usize size) const override
    {
        if (offset >= m_fail_at)
            return Error::from_errno(EIO);
        return m_inner.read_at(offset, buffer, size);
    }
    u64 size() const override { return m_inner.size(); }

private:
    ElfMemoryFile m_inner;
    u64 m_fail_at;
};

TEST(ElfPages, read_errors_are_passed_on)
{
    Builder builder;
    Bytes bytes = builder.build();
    ElfImage image;
    EXPECT_EQ(elf_parse(FailingFile(bytes, 0), image).error().code(), EIO);
    EXPECT_EQ(elf_parse(FailingFile(bytes, 100), image).error().code(), EIO);
    FailingFile late(bytes, 0x1000);
    ASSERT_FALSE(elf_parse(late, image).is_error());
    u8 page[kPage];
    EXPECT_FALSE(elf_read_page(late, image, 0x400000, page).is_error());
    EXPECT_EQ(elf_read_page(late, image, 0x401000, page).error().code(), EIO);
}

TEST(ElfMemoryFile, reads_stop_at_the_end)
{
    u8 data[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    ElfMemoryFile file(data, sizeof(data));
    u8 out[16] = {};
    EXPECT_EQ(file.read_at(4, out, 16).value(), 6u);
    EXPECT_EQ(out[0], 4);
    EXPECT_EQ(file.read_at(10, out, 16).value(), 0u);
    EXPECT_EQ(file.read_at(~u64(0), out, 16).value(), 0u);
    EXPECT_TRUE(elf_has_magic(reinterpret_cast<u8 const*>("\x7f" "ELF"), 4));
    EXPECT_FALSE(elf_has_magic(reinterpret_cast<u8 const*>("\x7f" "EL"), 3));
}

// ---- mutations ---------------------------------------------------------------

// Whatever the bytes, a successful parse describes a sane image.
void check_invariants(ElfImage const& image, u64 file_size)
{
    ASSERT_GE(image.segment_count, 1u);
    ASSERT_LE(image.segment_count, kElfMaxLoadSegments);
    for (size_t i = 0; i < image.segment_count; ++i) {
        ElfSegment const& segment = image.segments[i];
        EXPECT_LE(segment.file_size, segment.memory_size);
        EXPECT_GT(segment.memory_size, 0u);
        EXPECT_GE(segment.page_start(), kElfUserStart);
        EXPECT_LE(segment.end(), kElfUserEnd);
        EXPECT_GT(segment.end(), segment.vaddr);
        EXPECT_LE(segment.offset + segment.file_size, file_size);
        EXPECT_EQ(segment.offset % kPage, segment.vaddr % kPage);
        if (i > 0) {
            EXPECT_LE(image.segments[i - 1].end(), segment.vaddr);
        }
    }
    EXPECT_LT(image.entry, kElfUserEnd);
    EXPECT_EQ(image.brk_start % kPage, 0u);
}

TEST(ElfMutations, random_header_corruption_never_misbehaves)
{
    // A real ET_EXEC and a hand-made ET_DYN (small, so that thousands of
    // rounds stay quick under the sanitizers).
    Builder dyn;
    dyn.header.type = elf::kTypeDyn;
    dyn.load(0).vaddr = 0;
    dyn.load(1).vaddr = 0x2800;
    dyn.header.entry = 0x80;
    dyn.add(elf::kSegmentTls, elf::kFlagRead, 0x1800, 0x2800, 0x10, 0x40, 16);
    dyn.add(elf::kSegmentPhdr, elf::kFlagRead, 64, 64, 56 * 5, 56 * 5, 8);
    for (Bytes const& original : { load_probe("musl-static"), dyn.build() }) {
        ASSERT_FALSE(original.empty());
        Result clean = parse(original);
        ASSERT_EQ(clean.error, 0);
        size_t header_bytes = 64 + clean.image.phdr_count * 56;
        std::mt19937_64 random(12345);
        int accepted = 0;
        for (int round = 0; round < 3000; ++round) {
            Bytes bytes = original;
            int flips = 1 + random() % 4;
            for (int i = 0; i < flips; ++i) {
                size_t at = random() % header_bytes;
                bytes[at] = (round % 3 == 0) ? 0xff : static_cast<u8>(random());
            }
            if (round % 5 == 0)
                bytes.resize(random() % bytes.size());
            Result result = parse(bytes);
            if (result.error == 0) {
                ++accepted;
                check_invariants(result.image, bytes.size());
                // Every page can be produced without reading out of bounds.
                ExactFile file(bytes);
                u8 page[kPage];
                for (size_t s = 0; s < result.image.segment_count; ++s) {
                    u64 address = result.image.segments[s].page_start();
                    ASSERT_FALSE(elf_read_page(file, result.image, address, page).is_error());
                }
            } else {
                EXPECT_TRUE(result.error == ENOEXEC || result.error == EINVAL) << result.error << " " << result.reason;
            }
        }
        EXPECT_GT(accepted, 0);
    }
}

}
